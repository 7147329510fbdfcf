//! `--shard auto` as a Kubernetes Indexed Job runs it: four shard processes
//! of the real binary, each told only its `JOB_COMPLETION_INDEX`, printing
//! its record with `--json -`; the collected records merge exactly.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Behaviour, Target, code, output, perfgate, read_valid_report, scratch, streams};

/// The plan every test here runs.
fn plan_text() -> String {
    common::plan::get_all("indexed", 8, "2s", common::plan::LOOSE_SLOS)
}

/// `perfgate run PLAN --host URL ARGS...` with neither Job variable
/// inherited from the test's own environment.
fn run(plan: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = perfgate();
    cmd.arg("run")
        .arg(plan)
        .args(["--host", url, "--no-progress"])
        .args(args)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("PERFGATE_SHARDS");
    cmd
}

#[test]
fn indexed_job_shards_print_records_that_merge() {
    let dir = scratch("shard-auto");
    let plan = common::write_plan(&dir, &plan_text());
    let target = Target::start(Behaviour {
        latency: Duration::from_millis(2),
        fail_every: 0,
    });
    let children: Vec<Child> = (0..4)
        .map(|index| {
            let mut cmd = run(&plan, &target.url, &["--shard", "auto", "--json", "-"]);
            cmd.env("JOB_COMPLETION_INDEX", index.to_string());
            // The count from the flag for half of them, from the environment for the others.
            if index % 2 == 0 {
                cmd.args(["--shards", "4"]);
            } else {
                cmd.env("PERFGATE_SHARDS", "4");
            }
            cmd.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the perfgate binary starts")
        })
        .collect();
    let mut records: Vec<PathBuf> = Vec::new();
    for (index, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert_eq!(code(&out), 0, "shard {index}: {}", streams(&out));
        let path = dir.join(format!("shard-{index}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        let record = read_valid_report(&path);
        assert_eq!(
            record["shard"]["index"],
            index + 1,
            "0-based index, 1-based shard"
        );
        assert_eq!(record["shard"]["count"], 4);
        assert_eq!(record["load"]["users"], 2, "8 users over 4 shards");
        records.push(path);
    }
    let merged = common::merge(&records, &dir.join("merged.json"));
    assert_eq!(merged["overall"]["requests"], target.received());
    assert!(target.received() > 0);
}

/// A mistaken invocation: arguments, environment, and what stderr must say.
type Case = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    &'static str,
);

#[test]
fn auto_mistakes_are_named_and_nothing_is_sent() {
    let dir = scratch("shard-auto-bad");
    let plan = common::write_plan(&dir, &plan_text());
    let target = Target::start(Behaviour::default());
    let cases: [Case; 7] = [
        (
            &["--shard", "auto", "--shards", "4"],
            &[],
            "JOB_COMPLETION_INDEX, which is not set",
        ),
        (
            &["--shard", "auto", "--shards", "4"],
            &[("JOB_COMPLETION_INDEX", "first")],
            "JOB_COMPLETION_INDEX is `first`, not a shard index",
        ),
        (
            &["--shard", "auto"],
            &[("JOB_COMPLETION_INDEX", "1")],
            "give `--shards N` or set PERFGATE_SHARDS",
        ),
        (
            &["--shard", "auto"],
            &[("JOB_COMPLETION_INDEX", "1"), ("PERFGATE_SHARDS", "four")],
            "PERFGATE_SHARDS is `four`",
        ),
        (
            &["--shard", "auto"],
            &[("JOB_COMPLETION_INDEX", "4"), ("PERFGATE_SHARDS", "4")],
            "JOB_COMPLETION_INDEX is 4, but there are 4 shards (indexes 0 to 3)",
        ),
        (
            &["--shard", "2/4", "--shards", "4"],
            &[],
            "`--shards 4` goes with `--shard auto`",
        ),
        (&["--shard", "automatic"], &[], "or `auto`"),
    ];
    for (args, vars, expected) in cases {
        let mut cmd = run(&plan, &target.url, args);
        cmd.envs(vars.iter().copied());
        let out = output(&mut cmd);
        assert_eq!(code(&out), 2, "{args:?} {vars:?}: {}", streams(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?} {vars:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{}", streams(&out));
    }
    assert_eq!(target.received(), 0, "nothing was sent");
}
