//! The gate: from evaluated SLOs to a verdict and the process exit code.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metrics::summary::Summary;
use crate::slo::result::{SloOutcome, SloResult};

/// The process exit code: a contract, documented in the README.
///
/// | code | meaning |
/// |---|---|
/// | 0 | ran, every SLO and regression rule held |
/// | 1 | ran, the gate failed: an SLO breached, a regression beyond its rule, no data |
/// | 2 | invalid invocation or plan, or a report path that is not writable (all checked before the load): nothing was sent |
/// | 3 | could not run: target never became ready, `serve` died, a report could not be written after the run, the generator itself could not keep up (an invalid measurement is not a pass) |
/// | 130 | interrupted (SIGINT/SIGTERM): partial reports written and marked partial |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(i32)]
pub enum ExitCode {
    /// 0: ran, every SLO and regression rule held.
    Pass = 0,
    /// 1: ran, the gate failed (an SLO breached, a regression, no data).
    Fail = 1,
    /// 2: invalid invocation or plan, or an unwritable report path; nothing was sent.
    Invalid = 2,
    /// 3: could not run, or the measurement cannot be trusted.
    CouldNotRun = 3,
    /// 130: interrupted; partial reports were written and marked partial.
    Interrupted = 130,
}

impl ExitCode {
    /// The numeric code for `std::process::exit`.
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// How the run came out as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every SLO held (exit 0).
    Pass,
    /// An SLO breached or had no data (exit 1).
    Fail,
    /// The run could not be carried out properly, or its measurement cannot be trusted (exit 3).
    Invalid,
    /// The run was interrupted; the results cover only part of it (exit 130).
    /// Reports written before this name existed call it `partial`.
    #[serde(alias = "partial")]
    Interrupted,
}

impl Outcome {
    /// The exit code this outcome maps to.
    pub fn exit_code(self) -> ExitCode {
        match self {
            Outcome::Pass => ExitCode::Pass,
            Outcome::Fail => ExitCode::Fail,
            Outcome::Invalid => ExitCode::CouldNotRun,
            Outcome::Interrupted => ExitCode::Interrupted,
        }
    }

    /// The outcome in capitals, as the terminal and JUnit show it: `PASS`, `FAIL`, `INVALID`, `INTERRUPTED`.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "PASS",
            Outcome::Fail => "FAIL",
            Outcome::Invalid => "INVALID",
            Outcome::Interrupted => "INTERRUPTED",
        }
    }
}

/// The gate's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// The outcome.
    pub outcome: Outcome,
    /// The process exit code that goes with it.
    pub exit_code: i32,
    /// Why, one sentence each: the message of every failing SLO, or what went wrong.
    pub reasons: Vec<String>,
}

impl Verdict {
    fn new(outcome: Outcome, reasons: Vec<String>) -> Self {
        Verdict {
            outcome,
            exit_code: outcome.exit_code().code(),
            reasons,
        }
    }
}

/// Decides the verdict of a run from its Summary and evaluated SLOs.
///
/// An interrupted run is `interrupted` (130) whatever its SLOs say, with the SLOs
/// that would have failed among the reasons; otherwise any breach or no data
/// fails (1) with one reason per failing SLO; otherwise it passes (0).
/// Warn-only objectives never fail the gate.
pub fn decide(summary: &Summary, slos: &[SloResult]) -> Verdict {
    let failing: Vec<&SloResult> = slos
        .iter()
        .filter(|slo| matches!(slo.outcome, SloOutcome::Fail | SloOutcome::NoData))
        .collect();
    if summary.partial {
        let mut reasons = vec![format!(
            "the run was interrupted after {:.1} s of {:.1} s planned: results cover only part of it",
            summary.load.elapsed_s, summary.load.duration_s
        )];
        if failing.is_empty() {
            reasons.push("no SLO had failed by then".to_string());
        }
        reasons.extend(
            failing
                .iter()
                .map(|slo| format!("would have failed: {}", slo.message)),
        );
        return Verdict::new(Outcome::Interrupted, reasons);
    }
    if let Some(reason) = generator_fell_short(summary) {
        return invalid(reason);
    }
    if failing.is_empty() {
        Verdict::new(Outcome::Pass, Vec::new())
    } else {
        let mut reasons: Vec<String> = failing.iter().map(|slo| slo.message.clone()).collect();
        if let Some(aborted) = &summary.load.aborted {
            reasons.insert(0, aborted.clone());
        }
        Verdict::new(Outcome::Fail, reasons)
    }
}

/// Why the open model's generator did not produce the load the plan asked
/// for, if it did not: its achieved arrival rate fell below the target by more
/// than the tolerance, or its p99 dispatch lag passed the bound.
pub fn generator_fell_short(summary: &Summary) -> Option<String> {
    let open = summary.load.open.as_ref()?;
    if open.achieved_rate < open.target_rate * (1.0 - open.tolerance) {
        return Some(format!(
            "the generator could not keep up: it achieved {:.1} arrivals/s of the {:.1}/s planned \
             ({:.1}% short; the tolerance is {:.1}%), so the measurement is not valid",
            open.achieved_rate,
            open.target_rate,
            (1.0 - open.achieved_rate / open.target_rate) * 100.0,
            open.tolerance * 100.0
        ));
    }
    if open.lag_p99_ms > open.max_lag_ms {
        return Some(format!(
            "the generator dispatched late: p99 dispatch lag {:.1} ms is above the {:.1} ms bound, \
             so the measurement is not valid",
            open.lag_p99_ms, open.max_lag_ms
        ));
    }
    None
}

/// A verdict for a run that could not be carried out properly, or whose
/// measurement cannot be trusted (exit 3).
pub fn invalid(reason: String) -> Verdict {
    Verdict::new(Outcome::Invalid, vec![reason])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::evaluate::fixtures::{spread, stats, summary};
    use crate::slo::evaluate::{Objective, evaluate};
    use crate::slo::expr::parse;

    fn results(s: &Summary, slos: &[(&str, bool)]) -> Vec<SloResult> {
        let objectives: Vec<Objective> = slos
            .iter()
            .map(|(text, warn)| Objective {
                expr: parse(text).unwrap(),
                warn: *warn,
                line: None,
                window: None,
            })
            .collect();
        evaluate(&objectives, s).unwrap()
    }

    fn run() -> Summary {
        summary(vec![stats("predict", &spread(100, 200.0), 1)])
    }

    fn open_run(achieved_rate: f64, lag_p99_ms: f64) -> Summary {
        let mut s = run();
        s.load.open = Some(crate::metrics::summary::OpenExecuted {
            target_rate: 200.0,
            achieved_rate,
            scheduled: 2000,
            dispatched: 2000,
            sent: 2000,
            dropped: 0,
            late: 0,
            lag_max_ms: lag_p99_ms,
            lag_p99_ms,
            max_in_flight: 100,
            tolerance: 0.02,
            max_lag_ms: 100.0,
        });
        s
    }

    #[test]
    fn a_generator_that_fell_short_is_invalid_never_a_pass() {
        assert_eq!(decide(&open_run(199.0, 1.0), &[]).outcome, Outcome::Pass);
        let short = decide(&open_run(190.0, 1.0), &[]);
        assert_eq!(short.outcome, Outcome::Invalid);
        assert!(short.reasons[0].contains("could not keep up"), "{short:?}");
        let late = decide(&open_run(200.0, 150.0), &[]);
        assert_eq!(late.exit_code, 3);
        assert!(
            late.reasons[0].contains("dispatch lag 150.0 ms"),
            "{late:?}"
        );
    }

    #[test]
    fn exit_codes_are_the_contract() {
        assert_eq!(ExitCode::Pass.code(), 0);
        assert_eq!(ExitCode::Fail.code(), 1);
        assert_eq!(ExitCode::Invalid.code(), 2);
        assert_eq!(ExitCode::CouldNotRun.code(), 3);
        assert_eq!(ExitCode::Interrupted.code(), 130);
    }

    #[test]
    fn passes_when_everything_holds_including_warnings() {
        let s = run();
        let slos = results(&s, &[("p95 < 1s", false), ("max < 1ms", true)]);
        let v = decide(&s, &slos);
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.exit_code, 0);
        assert!(v.reasons.is_empty());
        assert_eq!(decide(&s, &[]).outcome, Outcome::Pass);
    }

    #[test]
    fn fails_with_one_reason_per_failing_slo() {
        let s = run();
        let slos = results(
            &s,
            &[
                ("p95 < 100ms", false),
                ("errors == 0", false),
                ("p50 < 1s", false),
            ],
        );
        let v = decide(&s, &slos);
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.exit_code, 1);
        assert_eq!(
            v.reasons,
            vec![slos[0].message.clone(), slos[1].message.clone()]
        );
    }

    #[test]
    fn no_data_fails() {
        let s = summary(vec![stats("predict", &[], 0)]);
        let v = decide(&s, &results(&s, &[("p95 < 1s", false)]));
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.reasons[0].contains("no data"), "{:?}", v.reasons);
    }

    #[test]
    fn partial_runs_say_what_would_have_failed() {
        let mut s = run();
        s.partial = true;
        s.load.elapsed_s = 4.2;
        let slos = results(&s, &[("p95 < 100ms", false), ("p50 < 1s", false)]);
        let v = decide(&s, &slos);
        assert_eq!(v.outcome, Outcome::Interrupted);
        assert_eq!(v.exit_code, 130);
        assert!(
            v.reasons[0].contains("interrupted after 4.2 s of 10.0 s"),
            "{:?}",
            v.reasons
        );
        assert_eq!(v.reasons.len(), 2);
        assert_eq!(
            v.reasons[1],
            format!("would have failed: {}", slos[0].message)
        );

        let v = decide(&s, &slos[1..]);
        assert_eq!(v.outcome, Outcome::Interrupted);
        assert!(v.reasons[1].contains("no SLO had failed"));
    }

    #[test]
    fn invalid_runs_exit_3() {
        let v = invalid("the target never became ready".to_string());
        assert_eq!(v.outcome, Outcome::Invalid);
        assert_eq!(v.exit_code, 3);
        assert_eq!(v.outcome.exit_code(), ExitCode::CouldNotRun);
        assert_eq!(v.reasons, ["the target never became ready"]);
    }

    #[test]
    fn serialises_in_snake_case() {
        let v = decide(&run(), &[]);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["outcome"], "pass");
        assert_eq!(json["exit_code"], 0);
        let back: Verdict = serde_json::from_value(json).unwrap();
        assert_eq!(back, v);
        let old: Outcome = serde_json::from_str("\"partial\"").unwrap();
        assert_eq!(old, Outcome::Interrupted);
        assert_eq!(
            serde_json::to_value(Outcome::Interrupted).unwrap(),
            "interrupted"
        );
    }
}
