//! `perfgate merge SHARD.json... -o MERGED.json`: joins the reports of a
//! sharded run into one exact report, judges the SLOs on it and exits with the
//! gate's code: 0 pass, 1 an SLO failed, 2 the reports do not form one
//! complete set of shards (nothing written), 3 a report cannot be read, a shard
//! was invalid or interrupted (without `--allow-partial`), or a report could
//! not be written.

use std::path::PathBuf;

use crate::cli::MergeArgs;
use crate::core::record::{self, JsonReport, RecordError};
use crate::core::verdict::ExitCode;
use crate::judge::{Objectives, judge};
use crate::merge;
use crate::plan::{self, Overrides};
use crate::report::html::HtmlExporter;
use crate::report::json::JsonExporter;
use crate::report::junit::JunitExporter;
use crate::report::markdown::MarkdownExporter;
use crate::report::{self, Exporter, RunReport, check_writable, terminal};
use crate::slo::evaluate::Objective;
use crate::slo::expr;

/// Runs `perfgate merge` and returns the exit code.
pub fn merge(args: &MergeArgs) -> ExitCode {
    let output = Some(args.output.clone());
    let targets: [(&Option<PathBuf>, &dyn Exporter); 4] = [
        (&output, &JsonExporter),
        (&args.junit, &JunitExporter),
        (&args.html, &HtmlExporter),
        (&args.markdown, &MarkdownExporter),
    ];
    for path in targets.iter().filter_map(|(p, _)| p.as_ref()) {
        if let Err(e) = check_writable(path) {
            eprintln!("error: {e}");
            return ExitCode::Invalid;
        }
    }
    let mut reports = Vec::with_capacity(args.reports.len());
    for path in &args.reports {
        match record::read(path) {
            Ok(r) => reports.push((path.clone(), r)),
            Err(e) => {
                eprintln!("error: {e}");
                return match e {
                    RecordError::Invalid { .. } => ExitCode::CouldNotRun,
                    _ => ExitCode::Invalid,
                };
            }
        }
    }
    let problems = merge::problems(&reports);
    if !problems.is_empty() {
        eprintln!("error: the reports are not one complete set of shards:");
        for p in problems {
            eprintln!("  - {p}");
        }
        return ExitCode::Invalid;
    }
    let objectives = match objectives(args, &reports) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let merged = match merge::merge(&reports) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::CouldNotRun;
        }
    };
    let unsound = merge::unsound(&reports);
    for u in &unsound {
        eprintln!("warning: shard {u}");
    }
    let invalid = (!unsound.is_empty() && !args.allow_partial).then(|| {
        format!(
            "{} shard(s) were invalid or interrupted, so the merged run is invalid \
             (`--allow-partial` merges them anyway): {}",
            unsound.len(),
            unsound.join("; ")
        )
    });
    let judged = judge(&merged, Objectives::Evaluate(&objectives), None, invalid);
    let (slos, verdict) = (judged.slos, judged.verdict);
    let run = RunReport {
        summary: &merged,
        slos: &slos,
        verdict: &verdict,
        regression: None,
    };
    print!("{}", terminal::render(&run));
    if !report::export_each(&run, &targets) {
        ExitCode::CouldNotRun
    } else {
        verdict.outcome.exit_code()
    }
}

/// The objectives to judge on the merged run: the plan's, or those stored in
/// the first shard's report. Windowed objectives (`over:`) are judged during a
/// run and cannot be re-judged from merged totals: they are left out, with a note.
fn objectives(
    args: &MergeArgs,
    reports: &[(PathBuf, JsonReport)],
) -> Result<Vec<Objective>, ExitCode> {
    let mut out = Vec::new();
    if let Some(path) = &args.plan {
        let plan = plan::load(path, &Overrides::default()).map_err(|e| {
            eprint!("{e}");
            ExitCode::Invalid
        })?;
        for o in plan.objectives {
            if o.window.is_some() {
                eprintln!(
                    "note: windowed objective `{}` is not judged on merged shards",
                    o.expr.source
                );
            } else {
                out.push(o);
            }
        }
        return Ok(out);
    }
    let Some((path, first)) = reports.first() else {
        return Ok(out);
    };
    for slo in &first.slos {
        if first
            .summary
            .windows
            .iter()
            .any(|w| w.expression == slo.expression)
        {
            eprintln!(
                "note: windowed objective `{}` is not judged on merged shards",
                slo.expression
            );
            continue;
        }
        let expr = expr::parse(&slo.expression).map_err(|e| {
            eprintln!("error: `{}` stores {e}", path.display());
            ExitCode::CouldNotRun
        })?;
        out.push(Objective {
            expr,
            warn: slo.warn_only,
            line: slo.line,
            window: None,
        });
    }
    Ok(out)
}
