//! The one judging step: a Summary, its objectives and an optional baseline
//! become SLO results, a regression section and a verdict. `run`, `merge` and
//! `compare` all judge through [`judge`].

mod gate;

pub use gate::decide;

use std::path::PathBuf;

use crate::core::record::JsonReport;
use crate::core::regression::{RegressionOutcome, RegressionResult, RegressionSection};
use crate::core::slo_result::SloResult;
use crate::core::summary::Summary;
use crate::core::verdict::Verdict;
use crate::regress::compare::{self, CompareError, Settings};
use crate::regress::rule::Rule;
use crate::slo::evaluate::{Objective, evaluate};

/// The objectives' side of a judgement.
#[derive(Debug, Clone, Copy)]
pub enum Objectives<'a> {
    /// Evaluate these against the Summary.
    Evaluate(&'a [Objective]),
    /// Already judged, as a stored run record holds them (`compare`).
    Stored {
        /// The SLO results of the record.
        slos: &'a [SloResult],
        /// The verdict of the record.
        verdict: &'a Verdict,
    },
}

/// What the run is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Baseline<'a> {
    /// The regression rules.
    pub rules: &'a [Rule],
    /// The baseline records, each with the file it came from.
    pub reports: &'a [(PathBuf, JsonReport)],
    /// How to compare.
    pub settings: Settings,
}

/// A run, judged.
#[derive(Debug)]
pub struct Judged {
    /// Every objective, evaluated (empty when evaluation itself failed).
    pub slos: Vec<SloResult>,
    /// The comparison with the baseline, when there was one and it could be made.
    pub regression: Option<RegressionSection>,
    /// The gate's decision, regression rules folded in.
    pub verdict: Verdict,
    /// Why the comparison with the baseline could not be made; the verdict
    /// then stands on the objectives alone.
    pub refused: Option<CompareError>,
}

/// Judges `summary`: its objectives, then the regression rules against
/// `baseline`. `invalid` says why the measurement cannot be trusted (the
/// served process died, shards were missing): the verdict is then invalid
/// (exit 3) whatever the objectives say, though they are still evaluated for
/// the reports.
pub fn judge(
    summary: &Summary,
    objectives: Objectives<'_>,
    baseline: Option<Baseline<'_>>,
    invalid: Option<String>,
) -> Judged {
    let (slos, verdict) = match objectives {
        Objectives::Evaluate(objectives) => match evaluate(objectives, summary) {
            Ok(slos) => {
                let verdict = match invalid {
                    Some(why) => Verdict::invalid(why),
                    None => decide(summary, &slos),
                };
                (slos, verdict)
            }
            Err(e) => (Vec::new(), Verdict::invalid(e.to_string())),
        },
        Objectives::Stored { slos, verdict } => {
            let verdict = match invalid {
                Some(why) => Verdict::invalid(why),
                None => verdict.clone(),
            };
            (slos.to_vec(), verdict)
        }
    };
    let Some(baseline) = baseline else {
        return Judged {
            slos,
            regression: None,
            verdict,
            refused: None,
        };
    };
    match compare::compare(baseline.rules, baseline.reports, summary, baseline.settings) {
        Ok(section) => {
            let reasons = section
                .results
                .iter()
                .filter(|r| r.fails(section.strict))
                .map(|r| format!("regression: {}", r.message))
                .collect();
            Judged {
                slos,
                verdict: verdict.fail_with(reasons),
                regression: Some(section),
                refused: None,
            }
        }
        Err(e) => Judged {
            slos,
            regression: None,
            verdict,
            refused: Some(e),
        },
    }
}

/// Warnings for inconclusive rules, and notes for rules with no baseline
/// yet, that do not fail the gate.
pub fn warnings(results: &[RegressionResult], strict: bool) -> Vec<String> {
    results
        .iter()
        .filter(|_| !strict)
        .filter_map(|r| match r.outcome {
            RegressionOutcome::Inconclusive => Some(format!("warning: regression {}", r.message)),
            RegressionOutcome::NoBaseline => Some(format!("note: regression {}", r.message)),
            RegressionOutcome::Pass | RegressionOutcome::Fail => None,
        })
        .collect()
}
