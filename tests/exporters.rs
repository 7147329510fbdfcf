//! Snapshots of the text exporters, as hyperfine keeps one per format: the
//! terminal summary, the JUnit XML and the Markdown summary of one judged run
//! (SLOs of every outcome and a comparison with a baseline). A change to any
//! of them shows up as a diff to review (`cargo insta review`).

use std::path::PathBuf;

use perfgate::core::fixture::{spread, stats, summary};
use perfgate::core::record::JsonReport;
use perfgate::core::verdict::{Outcome, Verdict};
use perfgate::judge::{Baseline, Judged, Objectives, judge};
use perfgate::regress::compare::Settings;
use perfgate::regress::rule;
use perfgate::report::junit::JunitExporter;
use perfgate::report::markdown::MarkdownExporter;
use perfgate::report::{Exporter, RunReport, terminal};
use perfgate::slo::evaluate::Objective;
use perfgate::slo::expr::parse;

/// The run, judged against a faster baseline: a pass, a breach, a no-data,
/// a warn-only breach, and regression rules that fail and pass.
fn judged() -> (perfgate::core::summary::Summary, Judged) {
    let run = summary(vec![
        stats("predict", &spread(400, 260.0), 6),
        stats("health", &spread(100, 4.0), 0),
        stats("export", &[], 0),
    ]);
    let base = JsonReport {
        summary: summary(vec![
            stats("predict", &spread(400, 200.0), 0),
            stats("health", &spread(100, 4.0), 0),
            stats("export", &[], 0),
        ]),
        slos: Vec::new(),
        verdict: Verdict::new(Outcome::Pass, Vec::new()),
        regression: None,
    };
    let objectives: Vec<Objective> = [
        ("p95 < 300ms", false),
        ("predict.p99 < 200ms", false),
        ("export.p95 < 1s", false),
        ("error_rate < 1%", true),
    ]
    .iter()
    .enumerate()
    .map(|(i, (text, warn))| Objective {
        expr: parse(text).unwrap(),
        warn: *warn,
        line: Some(20 + i as u64),
        window: None,
    })
    .collect();
    let rules = ["predict.p95 +10%", "health.p50 +50%"].map(|r| rule::parse(r).unwrap());
    let reports = [(PathBuf::from("reports/base.json"), base)];
    let baseline = Baseline {
        rules: &rules,
        reports: &reports,
        settings: Settings {
            confidence: 0.95,
            strict: false,
            force: false,
        },
    };
    let judged = judge(
        &run,
        Objectives::Evaluate(&objectives),
        Some(baseline),
        None,
    );
    assert!(judged.refused.is_none(), "{:?}", judged.refused);
    (run, judged)
}

fn with_report(f: impl FnOnce(&RunReport<'_>)) {
    let (summary, judged) = judged();
    f(&RunReport {
        summary: &summary,
        slos: &judged.slos,
        verdict: &judged.verdict,
        regression: judged.regression.as_ref(),
    });
}

#[test]
fn terminal_summary() {
    with_report(|report| insta::assert_snapshot!("terminal", terminal::render(report)));
}

#[test]
fn junit_xml() {
    with_report(|report| {
        let xml = String::from_utf8(JunitExporter.render(report).unwrap()).unwrap();
        insta::assert_snapshot!("junit", xml);
    });
}

#[test]
fn markdown_summary() {
    with_report(|report| {
        let md = String::from_utf8(MarkdownExporter.render(report).unwrap()).unwrap();
        insta::assert_snapshot!("markdown", md);
    });
}
