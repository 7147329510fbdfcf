//! The GitHub Action's script (`scripts/action.sh`, which `action.yml`
//! runs) under a simulated Actions environment: `GITHUB_OUTPUT`,
//! `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP` and the tool cache are temporary
//! files and folders, the release comes from a local server on 127.0.0.1
//! through the install script, and the plan's load goes to an in-process
//! target. Three runs: the first night (no baseline yet), a second that is
//! judged against the first, and a failing one that does not become a baseline.

mod common;

use std::path::Path;
use std::process::Command;

use common::release::{Release, VERSION};
use common::{Behaviour, Target, root, scratch, streams};

/// The plan: 1 s of GETs, an SLO and a regression rule.
fn plan_text() -> String {
    common::plan::get_all(
        "action-test",
        3,
        "1s",
        "slo:
  - error_rate < 5%
regression:
  - p95 +50%
",
    )
}

/// Runs the action's script from `dir` with the plan `plan.yaml` and these
/// extra `perfgate run` arguments; returns the step's outputs as `key=value`
/// lines.
fn action(dir: &Path, base_url: &str, args: &str) -> Vec<String> {
    let output = dir.join("github-output");
    let _ = std::fs::remove_file(&output);
    let out = Command::new("bash")
        .arg(root().join("scripts/action.sh"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_RUN_ID", "42")
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", dir.join("step-summary.md"))
        .env("RUNNER_TEMP", dir.join("runner-temp"))
        .env("RUNNER_TOOL_CACHE", dir.join("tool-cache"))
        .env("PERFGATE_DOWNLOAD_URL", base_url)
        .env("INPUT_PLAN", "plan.yaml")
        .env("INPUT_VERSION", VERSION)
        .env("INPUT_ARGS", args)
        .env("INPUT_BASELINE", "nightly")
        .env("INPUT_BASELINE_LAST", "5")
        .env("INPUT_COMMENT", "true")
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the script exits 0 once perfgate ran: {}",
        streams(&out)
    );
    std::fs::read_to_string(&output)
        .unwrap_or_else(|e| panic!("no GITHUB_OUTPUT ({e}): {}", streams(&out)))
        .lines()
        .map(str::to_string)
        .collect()
}

fn baselines(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("runner-temp/perfgate-baseline"))
        .map_or(0, |entries| entries.filter_map(Result::ok).count())
}

fn report(dir: &Path) -> serde_json::Value {
    common::read_valid_report(&dir.join("runner-temp/perfgate/report.json"))
}

#[test]
fn installs_runs_keeps_a_rolling_baseline_and_writes_outputs() {
    let dir = scratch("action");
    let target = Target::start(Behaviour::default());
    let server = Release::published().serve();
    std::fs::write(dir.join("plan.yaml"), plan_text()).unwrap();
    let args = format!("--host {}", target.url);

    // The first night: installed from the release, no baseline yet, passes.
    let outputs = action(&dir, &server.base, &args);
    let report_path = dir.join("runner-temp/perfgate/report.json");
    assert_eq!(
        outputs,
        [
            "verdict=pass".to_string(),
            "exit-code=0".to_string(),
            format!("report-json={}", report_path.display()),
        ]
    );
    let installed = dir
        .join("tool-cache/perfgate")
        .join(VERSION)
        .join(std::env::consts::ARCH)
        .join("perfgate");
    assert!(installed.is_file(), "installed into the tool cache");
    assert_eq!(
        report(&dir)["regression"]["results"][0]["outcome"],
        "no_baseline"
    );
    assert_eq!(baselines(&dir), 1, "a passing run becomes the baseline");
    let comment = std::fs::read_to_string(dir.join("runner-temp/perfgate/comment.md")).unwrap();
    assert!(
        comment.starts_with("<!-- perfgate: plan.yaml -->\n### "),
        "{comment}"
    );
    assert!(comment.contains("no baseline"), "{comment}");
    let summary = std::fs::read_to_string(dir.join("step-summary.md")).unwrap();
    assert!(summary.contains("perfgate PASS"), "{summary}");
    let downloads = server.requests().len();

    // The second night: the tool cache is used, and the run is judged.
    let outputs = action(&dir, &server.base, &args);
    assert_eq!(outputs[1], "exit-code=0", "{outputs:?}");
    assert_eq!(
        server.requests().len(),
        downloads,
        "nothing downloaded again"
    );
    let outcome = &report(&dir)["regression"]["results"][0]["outcome"];
    assert!(outcome == "pass" || outcome == "inconclusive", "{outcome}");
    assert_eq!(baselines(&dir), 2);
    let comment = std::fs::read_to_string(dir.join("runner-temp/perfgate/comment.md")).unwrap();
    assert!(comment.contains("| `p95 +50%` |"), "{comment}");

    // A failing run: its outputs say so, and it is not kept as a baseline.
    std::fs::write(
        dir.join("plan.yaml"),
        plan_text().replace("error_rate < 5%", "p50 < 1us"),
    )
    .unwrap();
    let outputs = action(&dir, &server.base, &args);
    assert_eq!(outputs[..2], ["verdict=fail", "exit-code=1"], "{outputs:?}");
    assert_eq!(baselines(&dir), 2, "a failing run is no baseline");
    assert!(target.received() > 0);
}
