//! The open-files limit end to end: the binary runs under a lowered limit set
//! by `sh`'s `ulimit` before `exec`, against an in-process counting target.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{Behaviour, Target, code, root, scratch, streams, write_plan};

/// A closed-model plan of `users` users for one second against `url`.
fn plan(url: &str, users: u32) -> String {
    format!(
        r#"name: limits
host: {url}
load:
  users: {users}
  spawn_rate: 5000/s
  duration: 1s
  seed: 7
  grace: 2s
requests:
  - name: predict
    method: POST
    path: /predict
    json: {{Age: 30}}
slo:
  - error_rate < 1%
"#
    )
}

/// Runs `perfgate run PLAN --no-progress` with the open-files limit set by
/// `ulimit` (e.g. `-n 64` for both limits, `-Sn 64` for the soft one only).
fn run_limited(ulimit: &str, plan: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit {ulimit} && exec \"$@\""))
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_perfgate"))
        .arg("run")
        .arg(plan)
        .arg("--no-progress")
        .current_dir(root())
        .env("CI", "1")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("sh runs")
}

#[test]
fn too_low_a_hard_limit_is_exit_2_with_the_numbers_before_anything_is_sent() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("limits-too-low");
    let path = write_plan(&dir, &plan(&target.url, 500));
    let out = run_limited("-n 64", &path);
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for part in [
        "too few open files",
        "needs about 564",
        "500 concurrent",
        "64 (soft)",
        "64 (hard)",
        "ulimit -n 564",
    ] {
        assert!(stderr.contains(part), "{part:?} missing:\n{stderr}");
    }
    assert_eq!(target.received(), 0, "nothing may be sent");
}

#[test]
fn a_low_soft_limit_is_raised_to_the_hard_one_and_the_run_passes() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("limits-raised");
    let path = write_plan(&dir, &plan(&target.url, 500));
    // 500 connections could not open under a soft limit of 64.
    let out = run_limited("-Sn 64 && ulimit -Hn 2048", &path);
    assert_eq!(code(&out), 0, "{}", streams(&out));
    assert!(target.received() >= 500, "{}", target.received());
}
