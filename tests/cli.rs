//! The binary end to end, one test per exit code of the contract (DESIGN §5),
//! against in-process targets on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::{
    Behaviour, Ran, Target, code, junit_check, output, perfgate, read_valid_report, run_plan,
    run_plan_with, scratch, streams, write_plan,
};

/// A small closed-model plan against `url` with the given SLOs, writing both reports into `dir`.
fn plan(url: &str, users: u32, duration: &str, slos: &[&str]) -> String {
    let slo: String = slos.iter().map(|s| format!("  - {s}\n")).collect();
    format!(
        r#"name: e2e
host: {url}
load:
  users: {users}
  spawn_rate: 100/s
  duration: {duration}
  seed: 7
  grace: 2s
requests:
  - name: predict
    weight: 9
    method: POST
    path: /predict
    json: [{{PassengerId: 1, Age: 30}}]
  - name: health
    weight: 1
    path: /health
slo:
{slo}"#
    )
}

/// Runs `plan_text` from `dir`, its reports in `summary.json` and `junit.xml`.
fn run(dir: &std::path::Path, plan_text: &str) -> Ran {
    run_plan(
        dir,
        plan_text,
        &["--json", "summary.json", "--junit", "junit.xml"],
    )
}

#[test]
fn exit_0_when_every_slo_holds() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("pass");
    let ran = run(
        &dir,
        &plan(
            &target.url,
            4,
            "2s",
            &[
                "p95 < 1s",
                "error_rate < 1%",
                "predict.p99 < 2s",
                "requests > 10",
            ],
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = ran.report();
    assert_eq!(report["verdict"]["outcome"], "pass");
    assert_eq!(report["verdict"]["exit_code"], 0);
    assert_eq!(report["load"]["seed"], 7);
    let counted = report["overall"]["requests"].as_u64().unwrap()
        + report["load"]["warmup_requests"].as_u64().unwrap()
        + report["load"]["cancelled"].as_u64().unwrap();
    assert_eq!(
        counted,
        target.received(),
        "every request the target received is accounted for"
    );
    let junit = junit_check(&dir.join("junit.xml"));
    assert_eq!(junit["failures"], 0, "{junit:#}");
    assert_eq!(junit["tests"], 4, "{junit:#}");
    let stdout = ran.stdout();
    assert!(stdout.contains("PASS"), "{}", ran.log);
    assert!(!stdout.contains('\x1b'), "no ANSI escapes off a terminal");
}

#[test]
fn exit_1_on_a_latency_breach_with_the_observed_value() {
    let target = Target::start(Behaviour {
        latency: Duration::from_millis(50),
        fail_every: 0,
    });
    let dir = scratch("breach");
    let ran = run(&dir, &plan(&target.url, 4, "2s", &["p95 < 10ms"]));
    assert_eq!(ran.code, 1, "{}", ran.log);
    let report = ran.report();
    let p95 = report["overall"]["latency"]["p95"].as_f64().unwrap();
    assert!(
        p95 >= 50.0,
        "observed p95 {p95} ms must include the 50 ms delay"
    );
    let junit = junit_check(&dir.join("junit.xml"));
    assert_eq!(junit["failures"], 1, "{junit:#}");
    let case = &junit["suites"][0]["cases"][0];
    let text = format!("{} {}", case["message"], case["text"]);
    assert!(text.contains("breaches < 10 ms"), "{text}");
    let shown = format!("{p95:.1}");
    assert!(
        text.contains(&shown[..shown.len() - 2]),
        "the failure names the observed p95 {p95}: {text}"
    );
}

#[test]
fn exit_1_on_errors_counted_exactly() {
    let target = Target::start(Behaviour {
        latency: Duration::ZERO,
        fail_every: 10,
    });
    let dir = scratch("errors");
    let ran = run(&dir, &plan(&target.url, 4, "2s", &["error_rate < 1%"]));
    assert_eq!(ran.code, 1, "{}", ran.log);
    let report = ran.report();
    let status_errors = report["overall"]["errors"]["status"].as_u64().unwrap();
    assert_eq!(
        status_errors,
        target.failed.load(std::sync::atomic::Ordering::SeqCst)
    );
    let rate = status_errors as f64 / report["overall"]["requests"].as_f64().unwrap();
    assert!((0.07..0.13).contains(&rate), "about 10% errors, got {rate}");
    assert!(ran.stdout().contains("error_rate"), "{}", ran.log);
}

#[test]
fn no_data_fails_the_gate() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("nodata");
    let text = plan(&target.url, 2, "1s", &["p95 < 1s"]).replace("weight: 1\n", "weight: 0\n")
        + "  - health.p95 < 1s\n";
    let ran = run(&dir, &text);
    assert_eq!(ran.code, 1, "{}", ran.log);
    let report = ran.report();
    let outcomes: Vec<&str> = report["slos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["pass", "no_data"], "{report:#}");
}

#[test]
fn weights_9_to_1_give_90_percent() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("weights");
    let ran = run(&dir, &plan(&target.url, 8, "2s", &["requests >= 2000"]));
    assert_eq!(ran.code, 0, "{}", ran.log);
    let report = ran.report();
    let count = |i: usize| report["requests"][i]["requests"].as_f64().unwrap();
    let share = count(0) / (count(0) + count(1));
    assert!(
        (0.87..=0.93).contains(&share),
        "predict share {share} over {} requests",
        count(0) + count(1)
    );
}

#[test]
fn cli_overrides_win_over_the_plan() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("overrides");
    let ran = run_plan(
        &dir,
        &plan("http://127.0.0.1:9", 50, "1m", &["requests > 0"]),
        &[
            "--host",
            &target.url,
            "-u",
            "2",
            "-r",
            "10/s",
            "-t",
            "1s",
            "--json",
            "o.json",
        ],
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert!(
        ran.wall < Duration::from_secs(30),
        "the 1s override was used"
    );
    let report = ran.report();
    assert_eq!(report["load"]["users"], 2);
    assert_eq!(report["load"]["spawn_rate"], 10.0);
    assert_eq!(report["plan"]["host"], target.url.as_str());
    assert!(target.received() > 0);
}

#[test]
fn exit_2_for_an_unwritable_report_path_before_any_load() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("unwritable");
    std::fs::write(dir.join("file"), "").unwrap();
    let text = plan(&target.url, 2, "1s", &["p95 < 1s"]);
    let ran = run_plan(&dir, &text, &["--json", "file/summary.json"]);
    assert_eq!(ran.code, 2, "{}", ran.log);
    assert!(ran.stderr().contains("not writable"), "{}", ran.log);
    assert_eq!(target.received(), 0);
}

#[test]
fn exit_2_for_a_bad_invocation() {
    let out = output(perfgate().args(["run", "plans/predict.yaml", "--no-such-flag"]));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let out = output(perfgate().args(["run", "plans/predict.yaml", "-t", "soon"]));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    let out = output(perfgate().args(["run", "plans/predict.yaml", "--host", "localhost:5001"]));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--host"),
        "{}",
        streams(&out)
    );
}

#[test]
fn exit_3_when_a_report_cannot_be_written_after_the_run() {
    // The report folder is writable when checked, then replaced by a file while the load runs.
    let target = Target::start(Behaviour::default());
    let dir = scratch("late-unwritable");
    let reports = dir.join("reports");
    let path = write_plan(&dir, &plan(&target.url, 2, "2s", &["p95 < 1s"]));
    let child = perfgate()
        .arg("run")
        .arg(&path)
        .arg("--json")
        .arg(reports.join("summary.json"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while target.received() == 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::remove_dir_all(&reports).unwrap();
    std::fs::write(&reports, "now a file").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 3, "{}", streams(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not write report"),
        "{}",
        streams(&out)
    );
}

#[test]
fn exit_130_on_sigint_with_partial_reports() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("sigint");
    let path = write_plan(&dir, &plan(&target.url, 2, "60s", &["p95 < 1s"]));
    let child = perfgate()
        .arg("run")
        .arg(&path)
        .arg("--json")
        .arg(dir.join("summary.json"))
        .arg("--junit")
        .arg(dir.join("junit.xml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while target.received() < 10 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let started = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(code(&out), 130, "{}", streams(&out));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "stops promptly after SIGINT"
    );
    let report = read_valid_report(&dir.join("summary.json"));
    assert_eq!(report["partial"], true);
    assert_eq!(report["verdict"]["outcome"], "interrupted");
    assert!(report["load"]["elapsed_s"].as_f64().unwrap() < 30.0);
    let junit = junit_check(&dir.join("junit.xml"));
    let cases = junit["suites"][0]["cases"].as_array().unwrap();
    assert!(
        cases.iter().any(|c| c["classname"] == "perfgate.run"),
        "{junit:#}"
    );
}

#[test]
fn validate_and_schema_commands() {
    let out = output(perfgate().args(["validate", "plans/predict.yaml"]));
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let out = output(perfgate().args([
        "validate",
        "plans/predict.yaml",
        "tests/bad_plans/bad_slo.yaml",
    ]));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    for (which, file) in [
        ("plan", "schemas/plan.schema.json"),
        ("report", "schemas/report.schema.json"),
    ] {
        let out = output(perfgate().args(["schema", which]));
        assert_eq!(code(&out), 0, "{}", streams(&out));
        let on_disk = std::fs::read(common::root().join(file)).unwrap();
        assert_eq!(
            out.stdout, on_disk,
            "`perfgate schema {which}` prints {file}"
        );
    }
}

#[test]
fn github_actions_get_annotations_and_a_step_summary() {
    let target = Target::start(Behaviour {
        latency: Duration::from_millis(20),
        fail_every: 0,
    });
    let dir = scratch("github");
    let summary_file = dir.join("step-summary.md");
    let text = plan(
        &target.url,
        2,
        "1s",
        &[
            "p95 < 5ms",
            "{ expect: max < 1ms, warn: true }",
            "error_rate < 1%",
        ],
    );
    let ran = run_plan_with(&dir, &text, &[], |cmd| {
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary_file);
    });
    assert_eq!(ran.code, 1, "{}", ran.log);
    let stdout = ran.stdout();
    let file = ran.plan.display().to_string();
    assert!(
        stdout.contains(&format!(
            "::error file={file},line=19,title=SLO breached::p95 "
        )),
        "{}",
        ran.log
    );
    assert!(
        stdout.contains(&format!("::warning file={file},line=20,")),
        "{}",
        ran.log
    );
    assert!(
        !stdout.contains("::error file=") || stdout.matches("::error").count() == 1,
        "only the breach is an error"
    );
    let md = std::fs::read_to_string(&summary_file).unwrap();
    assert!(md.starts_with("## ❌ perfgate FAIL: e2e"), "{md}");
    assert!(md.contains("| `p95 < 5ms` | all |"), "{md}");
    assert!(md.contains("| predict |"), "{md}");
}

#[test]
fn quiet_prints_only_the_verdict() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("quiet");
    let ran = run_plan(
        &dir,
        &plan(&target.url, 2, "1s", &["p95 < 1s"]),
        &["--quiet"],
    );
    assert_eq!(ran.code, 0, "{}", ran.log);
    assert_eq!(ran.stdout(), "PASS\n");
    assert_eq!(ran.stderr(), "");
}

#[test]
fn init_writes_a_starter_plan_that_validates_and_is_not_overwritten() {
    let dir = scratch("init");
    let path = dir.join("perfgate.yaml");
    let out = output(perfgate().arg("init").arg(&path));
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let out = output(perfgate().arg("validate").arg(&path));
    assert_eq!(code(&out), 0, "{}", streams(&out));
    std::fs::write(&path, "mine").unwrap();
    let out = output(perfgate().arg("init").arg(&path));
    assert_eq!(code(&out), 2, "{}", streams(&out));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    let out = output(perfgate().arg("init").arg(&path).arg("--force"));
    assert_eq!(code(&out), 0, "{}", streams(&out));
    assert_ne!(std::fs::read_to_string(&path).unwrap(), "mine");
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = output(perfgate().args(["completions", shell]));
        assert_eq!(code(&out), 0, "{}", streams(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("perfgate") && text.contains("validate"),
            "{shell}: {text}"
        );
    }
}

#[test]
fn progress_is_a_live_line_on_a_terminal_and_plain_lines_elsewhere() {
    let target = Target::start(Behaviour::default());
    let dir = scratch("progress");
    // Off a terminal (and with CI set): plain status lines, no escape codes anywhere.
    let ran = run_plan(&dir, &plan(&target.url, 2, "2s", &["p95 < 1s"]), &[]);
    assert_eq!(ran.code, 0, "{}", ran.log);
    let stderr = ran.stderr();
    assert!(stderr.contains("[   1s/2s] users 2/2 | "), "{}", ran.log);
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\r'),
        "{}",
        ran.log
    );
    // On a terminal (util-linux `script` gives the run a pseudo-terminal): the line is redrawn in place.
    let command = format!(
        "{} run {}",
        env!("CARGO_BIN_EXE_perfgate"),
        ran.plan.display()
    );
    let out = output(
        std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("CI")
            .current_dir(common::root()),
    );
    assert_eq!(code(&out), 0, "{}", streams(&out));
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(tty.contains("\r\x1b[2K[   1s/2s] users"), "{tty:?}");
}
