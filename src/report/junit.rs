//! The JUnit XML report, for the test views of Jenkins, GitLab and GitHub.
//!
//! One `<testsuite>` named after the plan, one `<testcase>` per SLO. A breach or
//! no data is a `<failure>` whose message attribute *and* body carry the SLO
//! message (GitLab shows only the body). A warn-only breach is a passing test
//! case with the warning in its `<system-out>`. A partial or invalid run adds a
//! failing `perfgate.run` test case with the reasons, so it cannot pass unseen.

use std::time::Duration;

use chrono::{DateTime, FixedOffset};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Exporter, ReportError, RunReport, plain_text, terminal};
use crate::core::regression::{
    RegressionOutcome, RegressionResult, RegressionSection, change, figure,
};
use crate::core::scope::ALL;
use crate::core::slo_result::{SloOutcome, SloResult};
use crate::core::verdict::Outcome;

/// The class name of SLO test cases; scoped SLOs add `.<request name>`.
pub const SLO_CLASS: &str = "perfgate.slo";
/// The class name of the test case that reports an interrupted or invalid run.
pub const RUN_CLASS: &str = "perfgate.run";

/// Renders the JUnit XML report.
#[derive(Debug, Clone, Copy, Default)]
pub struct JunitExporter;

impl Exporter for JunitExporter {
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let summary = report.summary;
        let started: DateTime<FixedOffset> = summary.started_at.into();
        let time = (summary.ended_at - summary.started_at)
            .to_std()
            .unwrap_or(Duration::ZERO);

        let mut suite = TestSuite::new(text(&summary.plan.name));
        suite.set_timestamp(started).set_time(time);
        suite.add_properties([
            property("plan", &summary.plan.name),
            property("plan_file", &summary.plan.file),
            property("plan_hash", &summary.plan.hash),
            property("host", &summary.plan.host),
            property("users", &summary.load.users.to_string()),
            property("seed", &summary.load.seed.to_string()),
            property("tool_version", &summary.tool.version),
            property("verdict", report.verdict.outcome.label()),
            property("exit_code", &report.verdict.exit_code.to_string()),
            property("partial", &summary.partial.to_string()),
        ]);
        for slo in report.slos {
            // No per-case time: CI systems add case times up, and each SLO covers the whole run.
            let mut case = slo_case(slo);
            case.set_timestamp(started);
            suite.add_test_case(case);
        }
        for mut case in report.regression.map(regression_cases).unwrap_or_default() {
            case.set_timestamp(started);
            suite.add_test_case(case);
        }
        if matches!(
            report.verdict.outcome,
            Outcome::Invalid | Outcome::Interrupted
        ) {
            let mut case = run_case(report);
            case.set_timestamp(started);
            suite.add_test_case(case);
        }
        let mut out = terminal::render(report);
        if let Some(serve) = &summary.serve {
            out.push_str(&format!(
                "\nserve: {} ({})\n",
                serve.command.join(" "),
                serve.exit
            ));
            for line in &serve.output_tail {
                out.push_str("  | ");
                out.push_str(line);
                out.push('\n');
            }
        }
        suite.set_system_out(text(&out));

        let mut junit = Report::new("perfgate");
        junit.set_timestamp(started).set_time(time);
        junit.add_test_suite(suite);
        let mut bytes = Vec::new();
        junit
            .serialize(&mut bytes)
            .map_err(|e| ReportError::Render {
                format: "JUnit",
                reason: e.to_string(),
            })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// One SLO as a test case.
fn slo_case(slo: &SloResult) -> TestCase {
    let classname = if slo.scope == ALL {
        SLO_CLASS.to_string()
    } else {
        format!("{SLO_CLASS}.{}", slo.scope)
    };
    let message = plain_text(&slo.message);
    let status = match slo.outcome {
        SloOutcome::Pass | SloOutcome::Warn => TestCaseStatus::success(),
        SloOutcome::Fail | SloOutcome::NoData => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let kind = if slo.outcome == SloOutcome::Fail {
                "slo_breach"
            } else {
                "no_data"
            };
            status
                .set_message(text(&message))
                .set_type(kind)
                .set_description(text(&failure_body(slo, &message)));
            status
        }
    };
    let mut case = TestCase::new(text(&slo.expression), status);
    case.set_classname(text(&classname));
    let out = match slo.outcome {
        SloOutcome::Warn => format!("WARN: {message}"),
        SloOutcome::Pass => format!("PASS: {message}"),
        SloOutcome::Fail => format!("FAIL: {message}"),
        SloOutcome::NoData => format!("NO DATA: {message}"),
    };
    case.set_system_out(text(&out));
    case
}

/// The body of a failure: the message, then each figure on its own line.
fn failure_body(slo: &SloResult, message: &str) -> String {
    let unit = canonical_unit(&slo.metric);
    let observed = match slo.observed {
        Some(value) => format!("{value}{unit}"),
        None => "no data".to_string(),
    };
    let mut body = format!(
        "{message}\nobjective: {}\nscope: {}\nobserved: {observed}\nthreshold: {} {}{unit}\nsamples: {}",
        slo.expression, slo.scope, slo.op, slo.threshold, slo.samples
    );
    if let Some(line) = slo.line {
        body.push_str(&format!("\nplan line: {line}"));
    }
    body
}

/// The unit of a metric's canonical value, as [`SloResult`] holds it.
fn canonical_unit(metric: &str) -> &'static str {
    match metric {
        "error_rate" => " (fraction)",
        "errors" | "requests" => "",
        "rps" => "/s",
        _ => " ms",
    }
}

/// The test case that makes an interrupted or invalid run visible.
fn run_case(report: &RunReport<'_>) -> TestCase {
    let verdict = report.verdict;
    let reasons: Vec<String> = verdict.reasons.iter().map(|r| plain_text(r)).collect();
    let headline = match verdict.outcome {
        Outcome::Interrupted => "the run was interrupted: results are partial",
        _ => "the run could not be measured properly",
    };
    let message = match reasons.first() {
        Some(first) => format!("{headline}: {first}"),
        None => headline.to_string(),
    };
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(text(&message))
        .set_type(verdict.outcome.label().to_lowercase())
        .set_description(text(&format!(
            "{headline} (exit code {})\n{}",
            verdict.exit_code,
            reasons.join("\n")
        )));
    let mut case = TestCase::new("run", status);
    case.set_classname(RUN_CLASS);
    case
}

fn property(name: &str, value: &str) -> Property {
    Property::new(name, text(value))
}

/// Text XML 1.0 can carry: ANSI escapes and forbidden characters removed,
/// newlines and tabs kept (quick-junit escapes `<`, `&` and quotes).
fn text(value: &str) -> String {
    value
        .split('\n')
        .map(|line| plain_text(&line.replace('\t', "    ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The class name of regression test cases; scoped rules add `.<request name>`.
pub const REGRESSION_CLASS: &str = "perfgate.regression";

/// One JUnit test case per rule. A credible regression, or an inconclusive
/// rule under `--strict`, is a `<failure>` whose message and body carry the
/// figures, the change, the allowance and the intervals.
fn regression_cases(section: &RegressionSection) -> Vec<TestCase> {
    section
        .results
        .iter()
        .map(|r| {
            let message = plain_text(&r.message);
            let failed = r.fails(section.strict);
            let status = if failed {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let kind = match r.outcome {
                    RegressionOutcome::Fail => "regression",
                    RegressionOutcome::NoBaseline => "no_baseline",
                    _ => "inconclusive",
                };
                status
                    .set_message(message.clone())
                    .set_type(kind)
                    .set_description(regression_body(r, &message));
                status
            } else {
                TestCaseStatus::success()
            };
            let mut case = TestCase::new(format!("regression {}", r.rule), status);
            let class = if r.scope == "all" {
                REGRESSION_CLASS.to_string()
            } else {
                format!("{REGRESSION_CLASS}.{}", r.scope)
            };
            case.set_classname(class);
            case.set_system_out(format!("{}: {message}", r.outcome.label()));
            case
        })
        .collect()
}

/// The failure body of a regression case: the message, then each figure on its own line.
fn regression_body(r: &RegressionResult, message: &str) -> String {
    if r.outcome == RegressionOutcome::NoBaseline {
        return format!(
            "{message}\nrule: {}\nscope: {}\nbase: none yet",
            r.rule, r.scope
        );
    }
    format!(
        "{message}\nrule: {}\nscope: {}\nbase: {}\nnew: {}\nchange: {}\nthreshold: {}\nconfidence: {:.0}%\nsamples: {} base, {} new",
        r.rule,
        r.scope,
        figure(&r.unit, &r.base),
        figure(&r.unit, &r.new),
        change(r),
        r.threshold,
        r.confidence * 100.0,
        r.base.samples,
        r.new.samples
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};
    use crate::core::verdict::Verdict;
    use crate::judge::decide;
    use crate::slo::evaluate::{Objective, evaluate};
    use crate::slo::expr::parse;

    fn render(partial: bool, invalid_reason: Option<&str>) -> String {
        let mut s = summary(vec![
            stats("predict", &spread(200, 400.0), 3),
            stats("health", &[], 0),
        ]);
        s.partial = partial;
        s.plan.name = "predict <api> & \x1b[31mco\x1b[0m".to_string();
        let objectives: Vec<Objective> = [
            ("predict.p95 < 300ms", false),
            ("health.p95 < 1s", false),
            ("max < 100ms", true),
            ("p50 < 1s", false),
        ]
        .iter()
        .map(|(text, warn)| Objective {
            expr: parse(text).unwrap(),
            warn: *warn,
            line: Some(12),
            window: None,
        })
        .collect();
        let slos = evaluate(&objectives, &s).unwrap();
        let verdict = match invalid_reason {
            Some(reason) => Verdict::invalid(reason.to_string()),
            None => decide(&s, &slos),
        };
        let bytes = JunitExporter
            .render(&RunReport {
                summary: &s,
                slos: &slos,
                verdict: &verdict,
                regression: None,
            })
            .unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn one_case_per_slo_with_failures_in_message_and_body() {
        let xml = render(false, None);
        assert!(xml.contains(r#"tests="4""#), "{xml}");
        assert!(xml.contains(r#"failures="2""#), "{xml}");
        assert!(xml.contains(r#"classname="perfgate.slo.predict""#));
        assert!(xml.contains(r#"classname="perfgate.slo""#));
        assert!(xml.contains(r#"name="predict.p95 &lt; 300ms""#), "{xml}");
        assert!(xml.contains(r#"type="slo_breach""#));
        assert!(xml.contains(r#"type="no_data""#));
        // The breach message appears in the attribute and in the body.
        let breach = xml
            .matches("breaches &lt; 300 ms (predict, 200 requests)")
            .count();
        assert!(breach >= 2, "{xml}");
        assert!(xml.contains("WARN: max "), "{xml}");
        assert!(!xml.contains("perfgate.run"));
        assert!(
            xml.contains(r#"<property name="verdict" value="FAIL"/>"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<property name="seed" value="42"/>"#));
        assert!(xml.contains(r#"timestamp="2025-03-01T12:00:00"#), "{xml}");
    }

    #[test]
    fn escapes_markup_and_strips_ansi() {
        let xml = render(false, None);
        assert!(xml.contains("predict &lt;api&gt; &amp; co"), "{xml}");
        assert!(!xml.contains('\x1b'));
    }

    #[test]
    fn partial_and_invalid_runs_add_a_failing_run_case() {
        let xml = render(true, None);
        assert!(xml.contains(r#"classname="perfgate.run""#), "{xml}");
        assert!(xml.contains("the run was interrupted"), "{xml}");
        assert!(xml.contains(r#"<property name="partial" value="true"/>"#));
        assert!(xml.contains(r#"tests="5""#));
        assert!(xml.contains(r#"failures="3""#));

        let xml = render(false, Some("the generator could not keep up"));
        assert!(xml.contains(r#"type="invalid""#), "{xml}");
        assert!(xml.contains("the generator could not keep up"));
        assert!(xml.contains(r#"<property name="exit_code" value="3"/>"#));
    }
}
