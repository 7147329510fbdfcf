//! Baselines that survive real nightly jobs, end to end with the binary
//! against an in-process target on 127.0.0.1: runs are like with like when
//! their effective workload is (comments, SLO thresholds and the duration do
//! not count; `-u 5` against `-u 50` does), and the first night, with an
//! empty or missing baseline folder, runs and passes with `no baseline yet`.

mod common;

use common::{Behaviour, Target, run_plan_with, scratch};

/// The plan: 1 s of GETs, an SLO and a regression rule.
fn plan_text() -> String {
    common::plan::get_all(
        "nightly",
        5,
        "1s",
        "slo:
  - error_rate < 5%
regression:
  - p95 +50%
",
    )
}

/// Runs `plan` from `dir` with `args`, judged against `baseline`.
fn run(
    dir: &std::path::Path,
    plan: &str,
    baseline: &std::path::Path,
    args: &[&str],
) -> common::Ran {
    run_plan_with(dir, plan, args, |cmd| {
        cmd.arg("--baseline").arg(baseline);
    })
}

#[test]
fn an_empty_or_missing_baseline_folder_is_the_first_night() {
    let dir = scratch("baselines-first-night");
    let target = Target::start(Behaviour::default());
    let folder = dir.join("baselines");
    for (case, strict) in [("missing", false), ("empty", false), ("strict", true)] {
        if case != "missing" {
            std::fs::create_dir_all(&folder).unwrap();
        }
        let mut args = vec!["--host", target.url.as_str(), "--json", "report.json"];
        if strict {
            args.push("--strict");
        }
        let ran = run(&dir, &plan_text(), &folder, &args);
        let report = ran.report();
        let rule = &report["regression"]["results"][0];
        assert_eq!(rule["outcome"], "no_baseline", "{case}: {}", ran.log);
        assert!(ran.stdout().contains("NO BASELINE"), "{case}: {}", ran.log);
        assert!(
            rule["message"]
                .as_str()
                .unwrap()
                .contains("no baseline yet"),
            "{case}: {rule}"
        );
        if strict {
            assert_eq!(
                ran.code, 1,
                "--strict fails without a baseline: {}",
                ran.log
            );
        } else {
            assert_eq!(ran.code, 0, "{case}: {}", ran.log);
            assert!(ran.stderr().contains("note: regression"), "{}", ran.log);
        }
    }
    assert!(target.received() > 0);
}

#[test]
fn an_edited_comment_and_threshold_compare_but_more_users_are_refused() {
    let dir = scratch("baselines-workload");
    let target = Target::start(Behaviour::default());
    let folder = dir.join("baselines");
    std::fs::create_dir_all(&folder).unwrap();
    let host = target.url.as_str();
    let first = run(
        &dir,
        &plan_text(),
        &folder,
        &["--host", host, "--json", "baselines/1.json"],
    );
    assert_eq!(first.code, 0, "{}", first.log);
    let plan = first.report()["plan"].clone();
    assert_eq!(plan["workload"]["load.users"], "5", "{plan}");
    assert!(
        plan["workload"]["request.get.path"]
            .as_str()
            .unwrap()
            .starts_with('#')
    );

    // A comment, a tighter SLO, another duration: the same workload.
    let edited = format!(
        "# nightly job, edited\n{}",
        plan_text()
            .replace("error_rate < 5%", "error_rate < 1%")
            .replace("duration: 1s", "duration: 2s")
    );
    let second = run(
        &dir,
        &edited,
        &folder,
        &["--host", host, "--json", "second.json"],
    );
    assert!(matches!(second.code, 0 | 1), "{}", second.log);
    let section = &second.report()["regression"];
    assert!(
        section["results"][0]["outcome"] != "no_baseline",
        "{section}"
    );
    assert!(
        section["notes"][0]
            .as_str()
            .unwrap()
            .contains("the duration differs"),
        "{section}"
    );
    assert_ne!(
        second.report()["plan"]["hash"],
        plan["hash"],
        "the file differs, the workload does not"
    );

    // `-u 50` is another workload: refused before the load, naming `users`.
    let sent = target.received();
    let more = run(&dir, &plan_text(), &folder, &["--host", host, "-u", "50"]);
    assert_eq!(more.code, 2, "{}", more.log);
    assert!(
        more.stderr().contains("workload: load.users (`5` → `50`)"),
        "{}",
        more.log
    );
    assert_eq!(target.received(), sent, "nothing was sent");
}
