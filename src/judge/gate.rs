//! The gate: from a Summary and its evaluated SLOs to a verdict.

use crate::core::slo_result::{SloOutcome, SloResult};
use crate::core::summary::Summary;
use crate::core::verdict::{Outcome, Verdict};

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
        return Verdict::invalid(reason);
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
fn generator_fell_short(summary: &Summary) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};
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
        s.load.open = Some(crate::core::summary::OpenExecuted {
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
}
