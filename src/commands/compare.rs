//! `perfgate compare BASE NEW`: judges a stored report against a baseline with
//! regression rules, prints the table, writes reports and exits by the gate's
//! contract: 0 every rule held, 1 a regression (or an inconclusive rule with
//! `--strict`, or the new run's own SLOs failed), 2 invalid invocation or
//! unlike runs, 3 a report that cannot be read or a new run that was invalid.

use std::path::PathBuf;

use super::baseline::judge;
use crate::cli::CompareArgs;
use crate::gate::ExitCode;
use crate::plan::{self, Overrides};
use crate::regress::compare::stored_rules;
use crate::regress::{format, verdict};
use crate::report::json::{self, JsonExporter};
use crate::report::junit::JunitExporter;
use crate::report::markdown::MarkdownExporter;
use crate::report::{self, Exporter, RunReport, check_writable};

/// Runs `perfgate compare` and returns the exit code.
pub fn compare(args: &CompareArgs) -> ExitCode {
    let targets: [(&Option<PathBuf>, &dyn Exporter); 3] = [
        (&args.json, &JsonExporter),
        (&args.junit, &JunitExporter),
        (&args.markdown, &MarkdownExporter),
    ];
    for path in targets.iter().filter_map(|(p, _)| p.as_ref()) {
        if let Err(e) = check_writable(path) {
            eprintln!("error: {e}");
            return ExitCode::Invalid;
        }
    }
    let new = match json::read(&args.new) {
        Ok(new) => new,
        Err(e) => {
            eprintln!("error: {e}");
            return match e {
                report::ReportError::Invalid { .. } => ExitCode::CouldNotRun,
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
    let section = match judge(
        &args.base,
        args.baseline_last,
        &rules,
        &new.summary,
        args.judge,
    ) {
        Ok(section) => section,
        Err(code) => return code,
    };
    let verdict = verdict::apply(new.verdict.clone(), &section.results, args.judge.strict);
    print!("{}", format::terminal(&section));
    println!("{}", super::run::verdict_line(&verdict));
    let run = RunReport {
        summary: &new.summary,
        slos: &new.slos,
        verdict: &verdict,
        regression: Some(&section),
    };
    if !report::export_each(&run, &targets) {
        ExitCode::CouldNotRun
    } else {
        verdict.outcome.exit_code()
    }
}
