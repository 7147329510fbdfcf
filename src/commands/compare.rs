//! `perfgate compare BASE NEW`: judges a stored report against a baseline with
//! regression rules, prints the table, writes reports and exits by the gate's
//! contract: 0 every rule held, 1 a regression (or an inconclusive rule with
//! `--strict`, or the new run's own SLOs failed), 2 invalid invocation or
//! unlike runs, 3 a report that cannot be read or a new run that was invalid.

use std::path::PathBuf;

use super::baseline::{BaselineArgs, judge_run};
use crate::cli::CompareArgs;
use crate::core::record::{self, RecordError};
use crate::core::verdict::ExitCode;
use crate::judge::{Judged, Objectives};
use crate::plan::{self, Overrides};
use crate::regress::compare::stored_rules;
use crate::report::comment::CommentExporter;
use crate::report::json::JsonExporter;
use crate::report::junit::JunitExporter;
use crate::report::{self, Exporter, RunReport, check_writable, regression};

/// Runs `perfgate compare` and returns the exit code.
pub fn compare(args: &CompareArgs) -> ExitCode {
    let targets: [(&Option<PathBuf>, &dyn Exporter); 3] = [
        (&args.json, &JsonExporter),
        (&args.junit, &JunitExporter),
        (&args.markdown, &CommentExporter),
    ];
    for path in targets.iter().filter_map(|(p, _)| p.as_ref()) {
        if let Err(e) = check_writable(path) {
            eprintln!("error: {e}");
            return ExitCode::Invalid;
        }
    }
    let new = match record::read(&args.new) {
        Ok(new) => new,
        Err(e) => {
            eprintln!("error: {e}");
            return match e {
                RecordError::Invalid { .. } => ExitCode::CouldNotRun,
                _ => ExitCode::Invalid,
            };
        }
    };
    let rules = match &args.plan {
        Some(path) => match plan::load(path, &Overrides::default()) {
            Ok(plan) => plan.regression,
            Err(e) => {
                eprint!("{e}");
                return ExitCode::Invalid;
            }
        },
        None => match stored_rules(&new.summary) {
            Ok(rules) => rules,
            Err(e) => {
                eprintln!("error: `{}` stores {e}", args.new.display());
                return ExitCode::CouldNotRun;
            }
        },
    };
    if rules.is_empty() {
        eprintln!(
            "error: no regression rules: `{}` stores none; add `regression:` to the plan \
             (e.g. `- p95 +10%`) or pass `--plan`",
            args.new.display()
        );
        return ExitCode::Invalid;
    }
    let baseline = BaselineArgs {
        path: &args.base,
        last: args.baseline_last,
        rules: &rules,
        judge: args.judge,
    };
    let objectives = Objectives::Stored {
        slos: &new.slos,
        verdict: &new.verdict,
    };
    let (judged, refused) = judge_run(&new.summary, objectives, Some(baseline), None);
    let Judged {
        slos,
        regression: Some(section),
        verdict,
        refused: None,
    } = judged
    else {
        return refused.unwrap_or(ExitCode::CouldNotRun);
    };
    print!("{}", regression::terminal(&section));
    println!("{}", super::run::verdict_line(&verdict));
    let run = RunReport {
        summary: &new.summary,
        slos: &slos,
        verdict: &verdict,
        regression: Some(&section),
    };
    if !report::export_each(&run, &targets) {
        ExitCode::CouldNotRun
    } else {
        verdict.outcome.exit_code()
    }
}
