//! Running a plan with `perfgate run` and reading back what it produced: the
//! one way the end-to-end tests run a plan they wrote.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{code, output, perfgate, read_valid_report, streams, write_plan};

/// What one `perfgate run` produced.
pub struct Ran {
    /// The plan file that ran, `plan.yaml` in the run's folder.
    pub plan: PathBuf,
    /// The process output.
    pub out: Output,
    /// The exit code.
    pub code: i32,
    /// Both streams, for assertion messages.
    pub log: String,
    /// The JSON report, checked against the report schema; `None` when the
    /// run wrote none.
    pub report: Option<Value>,
    /// How long the process ran, wall clock.
    pub wall: Duration,
}

impl Ran {
    /// The JSON report; panics, with the log, when the run wrote none.
    pub fn report(&self) -> &Value {
        self.report
            .as_ref()
            .unwrap_or_else(|| panic!("the run wrote no JSON report\n{}", self.log))
    }

    /// Standard output as text.
    pub fn stdout(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.out.stdout)
    }

    /// Standard error as text.
    pub fn stderr(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.out.stderr)
    }

    /// The report's overall request count.
    pub fn requests(&self) -> u64 {
        self.report()["overall"]["requests"].as_u64().unwrap()
    }

    /// The report's overall count of errors of `kind` (`total`, `connect`, ...).
    pub fn errors(&self, kind: &str) -> u64 {
        self.report()["overall"]["errors"][kind].as_u64().unwrap()
    }

    /// Exit 0, requests made, none failed; `case` names the run in messages.
    pub fn assert_clean(&self, case: &str) {
        assert_eq!(self.code, 0, "{case}\n{}", self.log);
        assert!(self.requests() > 0, "{case}: no requests\n{}", self.log);
        assert_eq!(self.errors("total"), 0, "{case}\n{}", self.log);
    }
}

/// Writes `plan_text` to `dir/plan.yaml` and runs `perfgate run PLAN ARGS...`
/// from `dir`, so that relative paths in the plan and in `args` are in `dir`.
///
/// The JSON report is read from the path after `--json` in `args` (relative
/// to `dir`), else from `dir/report.json` (where a plan's
/// `reports: {json: report.json}` puts it), when that file exists.
pub fn run_plan(dir: &Path, plan_text: &str, args: &[&str]) -> Ran {
    run_plan_with(dir, plan_text, args, |_| {})
}

/// [`run_plan`], with `adjust` changing the command (its environment, more
/// arguments) before it runs.
pub fn run_plan_with(
    dir: &Path,
    plan_text: &str,
    args: &[&str],
    adjust: impl FnOnce(&mut Command),
) -> Ran {
    let plan = write_plan(dir, plan_text);
    let mut cmd = perfgate();
    cmd.arg("run").arg(&plan).args(args).current_dir(dir);
    adjust(&mut cmd);
    let started = Instant::now();
    let out = output(&mut cmd);
    let wall = started.elapsed();
    let json = report_path(dir, args);
    let report = json.exists().then(|| read_valid_report(&json));
    Ran {
        plan,
        code: code(&out),
        log: streams(&out),
        out,
        report,
        wall,
    }
}

/// Where [`run_plan`] looks for the JSON report.
fn report_path(dir: &Path, args: &[&str]) -> PathBuf {
    let named = args
        .iter()
        .position(|a| *a == "--json")
        .and_then(|i| args.get(i + 1));
    dir.join(named.copied().unwrap_or("report.json"))
}
