//! The `serve:` phase of `perfgate run`: refuse a server that already answers,
//! start the command, wait for readiness, and describe how it ended.

use crate::core::summary::ServeInfo;
use crate::plan::secrets::Secrets;
use crate::plan::valid::ServeDef;
use crate::serve::{self, ServeOutcome, Served};

/// The command line as a list of words.
pub fn command_line(def: &ServeDef) -> Vec<String> {
    std::iter::once(def.program.display().to_string())
        .chain(def.args.iter().cloned())
        .collect()
}

/// Starts the served command and waits until it is ready, or until
/// `interrupted` completes. Prints what went wrong, with the command's last
/// output lines, and returns `None` when the run cannot go on.
pub async fn start(
    def: &ServeDef,
    secrets: &Secrets,
    interrupted: impl Future<Output = ()>,
) -> Option<Served> {
    if let Err(e) = serve::ensure_not_running(def).await {
        report_error(&e, secrets);
        return None;
    }
    let mut served = match serve::start(def).await {
        Ok(served) => served,
        Err(e) => {
            report_error(&e, secrets);
            return None;
        }
    };
    let ready = tokio::select! {
        ready = served.wait_ready() => ready,
        () = interrupted => {
            eprintln!("perfgate: interrupted while waiting for the served command");
            let _ = served.stop().await;
            return None;
        }
    };
    match ready {
        Ok(()) => Some(served),
        Err(e) => {
            report_error(&e, secrets);
            let _ = served.stop().await;
            None
        }
    }
}

/// Prints a serve error and the command's last lines, secrets redacted.
fn report_error(e: &serve::ServeError, secrets: &Secrets) {
    eprintln!("error: {}", secrets.redact(&e.to_string()));
    let tail = e.tail();
    if !tail.is_empty() {
        eprintln!("its last output lines:");
        for line in tail {
            eprintln!("  | {}", secrets.redact(line));
        }
    }
}

/// What the report says about the served command.
pub fn info(def: &ServeDef, outcome: &ServeOutcome, died: Option<&str>) -> ServeInfo {
    ServeInfo {
        command: command_line(def),
        exit: died.map_or_else(|| outcome.to_string(), str::to_string),
        output_tail: outcome.tail.clone(),
    }
}
