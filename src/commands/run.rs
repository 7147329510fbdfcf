//! `perfgate run PLAN`: validate, check report paths, put the load on, judge,
//! report, and pick the exit code.

use std::io::{IsTerminal as _, Write as _};

use anyhow::Context as _;

use super::baseline::{self, BaselineArgs};
use super::console::Console;
use super::progress::{self, Mode};
use super::serving;
use super::shard_arg;
use super::signals::Interrupts;
use super::transport::{self, Choice};
use crate::cli::RunArgs;
use crate::core::summary::Summary;
use crate::core::values::Dur;
use crate::core::verdict::{ExitCode, Verdict};
use crate::engine::{self, LeanTransport, ReqwestTransport};
use crate::judge::{Judged, Objectives};
use crate::plan::{self, Overrides, ValidPlan};
use crate::report::html::HtmlExporter;
use crate::report::json::JsonExporter;
use crate::report::junit::JunitExporter;
use crate::report::{
    self, Exporter, RunReport, check_writable, destination, github, markdown, terminal,
};

/// How far in the past `--start-at` may be (clocks of shards differ a little).
const START_AT_SLACK_S: i64 = 5;

/// Runs a plan and returns the exit code of the gate.
pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    let shard = match shard_arg::resolve(args.shard, args.shards, shard_arg::process_env) {
        Ok(shard) => shard,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::Invalid);
        }
    };
    let overrides = Overrides {
        host: args.host.clone(),
        users: args.users,
        spawn_rate: args.spawn_rate,
        duration: args.duration,
        json: args.json.clone(),
        junit: args.junit.clone(),
        html: args.html.clone(),
    };
    let mut plan = match plan::load(&args.plan, &overrides) {
        Ok(plan) => plan,
        Err(e) => {
            eprint!("{e}");
            return Ok(ExitCode::Invalid);
        }
    };
    if let Err(e) = engine::limits::ensure(plan.load.concurrency()) {
        eprintln!("error: {e}");
        return Ok(ExitCode::Invalid);
    }
    if let Some(shard) = shard
        && let Err(e) = crate::shard::apply(&mut plan, shard)
    {
        eprintln!("error: {e}");
        return Ok(ExitCode::Invalid);
    }
    if let Some(at) = args.start_at {
        let late = chrono::Utc::now() - at;
        if late > chrono::Duration::seconds(START_AT_SLACK_S) {
            eprintln!(
                "error: `--start-at {}` is {} s in the past; give a time in the future",
                at.to_rfc3339(),
                late.num_seconds()
            );
            return Ok(ExitCode::Invalid);
        }
    }
    if let Some(path) = &args.baseline {
        if plan.regression.is_empty() {
            eprintln!(
                "error: `--baseline` needs regression rules: add `regression:` to the plan \
                 (e.g. `- p95 +10%`)"
            );
            return Ok(ExitCode::Invalid);
        }
        if let Err(code) =
            baseline::check_before_load(path, args.baseline_last, &plan, args.judge.force)
        {
            return Ok(code);
        }
    }
    let wanted = std::env::var(transport::OVERRIDE).ok();
    let choice = match transport::choose(&plan, wanted.as_deref()) {
        Ok(choice) => choice,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::Invalid);
        }
    };
    let console = match Console::for_reports(&plan.reports) {
        Ok(console) => console,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::Invalid);
        }
    };
    let csv_paths = args.csv.as_deref().map(report::csv::paths);
    for path in [&plan.reports.json, &plan.reports.junit, &plan.reports.html]
        .into_iter()
        .flatten()
        .chain(csv_paths.iter().flatten())
    {
        if let Err(e) = check_writable(path) {
            eprintln!("error: {e}");
            return Ok(ExitCode::Invalid);
        }
    }
    let mode = if args.quiet {
        Mode::Off
    } else if args.no_progress
        || std::env::var_os("CI").is_some()
        || !std::io::stderr().is_terminal()
    {
        Mode::Periodic(progress::LOG_INTERVAL)
    } else {
        Mode::Live
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let Some(Loaded { mut summary, died }) =
        runtime.block_on(load(&plan, choice, mode, args.quiet, args.start_at))?
    else {
        return Ok(ExitCode::CouldNotRun);
    };
    plan.secrets.redact_summary(&mut summary);
    let baseline = args.baseline.as_deref().map(|path| BaselineArgs {
        path,
        last: args.baseline_last,
        rules: &plan.regression,
        judge: args.judge,
    });
    let (judged, refused) = baseline::judge_run(
        &summary,
        Objectives::Evaluate(&plan.objectives),
        baseline,
        died,
    );
    let Judged {
        slos,
        regression,
        verdict,
        ..
    } = judged;
    let report = RunReport {
        summary: &summary,
        slos: &slos,
        verdict: &verdict,
        regression: regression.as_ref(),
    };
    if args.quiet {
        console.print(&format!("{}\n", verdict_line(&verdict)));
    } else {
        console.print(&terminal::render(&report));
    }
    ci_output(&report, console);
    let code = write_reports(&plan, args.csv.as_deref(), &report, &verdict, args.quiet)?;
    Ok(refused.unwrap_or(code))
}

/// What the load phase produced.
struct Loaded {
    /// The measurement.
    summary: Summary,
    /// Why the measurement is invalid: the served command died during the run.
    died: Option<String>,
}

/// Starts the served command if the plan has one, puts the load on (through
/// the `choice` of transport) with live
/// progress until the plan's end, SIGINT/SIGTERM or the served command's
/// death, then stops the served command. `None` when the run could not start
/// (the reason is already printed).
async fn load(
    plan: &ValidPlan,
    choice: Choice,
    mode: Mode,
    quiet: bool,
    start_at: Option<chrono::DateTime<chrono::Utc>>,
) -> anyhow::Result<Option<Loaded>> {
    let transport = match choice {
        Choice::Lean => {
            Transports::Lean(LeanTransport::new(plan).context("cannot set up the HTTP transport")?)
        }
        Choice::Reqwest => Transports::Reqwest(
            ReqwestTransport::new(plan).context("cannot set up the HTTP client")?,
        ),
    };
    let interrupts = Interrupts::listen();
    let mut served = match &plan.serve {
        Some(def) => match serving::start(def, &plan.secrets, interrupts.first()).await {
            Some(served) => Some(served),
            None => return Ok(None),
        },
        None => None,
    };
    if let Some(at) = start_at
        && let Ok(wait) = (at - chrono::Utc::now()).to_std()
    {
        if !quiet {
            eprintln!(
                "perfgate: waiting {:.1} s to start at {}",
                wait.as_secs_f64(),
                at.to_rfc3339()
            );
        }
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = interrupts.first() => {
                if let Some(served) = served {
                    served.stop().await;
                }
                return Ok(None);
            }
        }
    }
    let (tx, rx) = tokio::sync::watch::channel(engine::Progress::default());
    let printer = tokio::spawn(progress::show(
        rx,
        mode,
        plan.load.concurrency(),
        plan.load.concurrency_label(),
    ));
    if !quiet {
        eprintln!(
            "perfgate: running `{}`{} against {}: {} for {}",
            plan.name,
            plan.shard
                .map(|s| format!(" shard {s}"))
                .unwrap_or_default(),
            plan.host,
            plan.load.describe(),
            Dur(plan.load.duration())
        );
    }
    let mut died: Option<String> = None;
    let stop = async {
        let server_died = async {
            match served.as_mut() {
                Some(s) => Some(s.exited().await),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = interrupts.first() => {}
            Some(info) = server_died => {
                eprintln!("error: the served command {} during the run; stopping the load", info.exit);
                died = Some(format!(
                    "the served command {} during the run, so the measurement is not valid",
                    info.exit
                ));
            }
        }
    };
    let mut summary = match transport {
        Transports::Lean(t) => engine::run(plan, t, stop, Some(tx)).await,
        Transports::Reqwest(t) => engine::run(plan, t, stop, Some(tx)).await,
    };
    // The printer ends when the engine drops the progress sender.
    let _ = printer.await;
    if let (Some(def), Some(served)) = (&plan.serve, served) {
        let outcome = served.stop().await;
        summary.serve = Some(serving::info(def, &outcome, died.as_deref()));
    }
    Ok(Some(Loaded { summary, died }))
}

/// The transport built for a run.
enum Transports {
    Lean(LeanTransport),
    Reqwest(ReqwestTransport),
}

/// Writes every configured report. A report that cannot be written after the
/// run makes the exit code 3, whatever the gate said.
fn write_reports(
    plan: &ValidPlan,
    csv: Option<&std::path::Path>,
    report: &RunReport<'_>,
    verdict: &Verdict,
    quiet: bool,
) -> anyhow::Result<ExitCode> {
    let targets: [(&Option<std::path::PathBuf>, &dyn Exporter); 3] = [
        (&plan.reports.json, &JsonExporter),
        (&plan.reports.junit, &JunitExporter),
        (&plan.reports.html, &HtmlExporter),
    ];
    let mut failed = false;
    for (path, exporter) in targets {
        let Some(path) = path else { continue };
        match report::export(exporter, report, path) {
            Ok(()) if quiet => {}
            Ok(()) => eprintln!("perfgate: wrote {}", destination(path)),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if let Some(prefix) = csv {
        match report::csv::export(report, prefix) {
            Ok(_) if quiet => {}
            Ok(_) => eprintln!("perfgate: wrote {}_*.csv", prefix.display()),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        return Ok(ExitCode::CouldNotRun);
    }
    Ok(verdict.outcome.exit_code())
}

/// The one line `--quiet` prints: `PASS`, or `FAIL: reason; reason`.
pub(super) fn verdict_line(verdict: &Verdict) -> String {
    if verdict.reasons.is_empty() {
        verdict.outcome.label().to_string()
    } else {
        format!(
            "{}: {}",
            verdict.outcome.label(),
            verdict.reasons.join("; ")
        )
    }
}

/// Output for the CI system perfgate runs in: GitHub annotations (on the
/// `console`) when `GITHUB_ACTIONS=true`, a Markdown summary appended to
/// `$GITHUB_STEP_SUMMARY` when it is set. A step summary that cannot be
/// written is a warning, not a change of verdict.
fn ci_output(report: &RunReport<'_>, console: Console) {
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        console.print(&github::annotations(report));
    }
    if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(markdown::render(report).as_bytes()));
        if let Err(e) = appended {
            eprintln!(
                "warning: cannot append the step summary to `{}`: {e}",
                std::path::Path::new(&path).display()
            );
        }
    }
}
