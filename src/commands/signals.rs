//! SIGINT and SIGTERM during `perfgate run`: the first stops the load
//! gracefully (reports are still written, marked partial); a second one exits
//! at once with 130, killing the served command's process group first so that
//! nothing is left behind.

use tokio::sync::watch;

use crate::core::verdict::ExitCode;
use crate::serve::emergency;

/// Interrupts seen so far, shared by everything that must react to the first.
#[derive(Debug, Clone)]
pub struct Interrupts {
    seen: watch::Receiver<bool>,
}

impl Interrupts {
    /// Starts listening for SIGINT and SIGTERM. Must be called inside the
    /// runtime. From now on, these signals no longer end the process by
    /// themselves: the first is reported through [`Interrupts::first`], a
    /// second exits at once.
    pub fn listen() -> Interrupts {
        let (tx, seen) = watch::channel(false);
        tokio::spawn(async move {
            next().await;
            eprintln!(
                "perfgate: interrupted; stopping the load and writing partial reports (interrupt again to exit at once)"
            );
            let _ = tx.send(true);
            next().await;
            eprintln!("perfgate: interrupted again; exiting now without reports");
            emergency::kill_running();
            std::process::exit(ExitCode::Interrupted.code());
        });
        Interrupts { seen }
    }

    /// Completes once the first interrupt has arrived.
    pub async fn first(&self) {
        let mut seen = self.seen.clone();
        // An error means the listener is gone, which it never is while the
        // runtime runs; then no interrupt can come.
        if seen.wait_for(|&s| s).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Completes on the next SIGINT or SIGTERM.
async fn next() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
