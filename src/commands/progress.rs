//! Progress while the load runs: a live status line on a terminal, a plain
//! status line every few seconds elsewhere (CI logs), nothing when quiet.

use std::io::Write as _;
use std::time::Duration;

use tokio::sync::watch;

use crate::core::format::format_count;
use crate::engine::Progress;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Redraw one status line in place (a terminal).
    Live,
    /// Print a status line at most this often (logs).
    Periodic(Duration),
    /// Show nothing.
    Off,
}

/// How often a status line is printed when not on a terminal.
pub const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Shows progress until the engine drops its sender.
pub async fn show(mut rx: watch::Receiver<Progress>, mode: Mode, users: u32, label: &'static str) {
    let mut next_print = Duration::ZERO;
    let mut drew = false;
    while rx.changed().await.is_ok() {
        let p = *rx.borrow_and_update();
        match mode {
            Mode::Off => {}
            Mode::Live => {
                eprint!("\r\x1b[2K{}", status(&p, users, label));
                let _ = std::io::stderr().flush();
                drew = true;
            }
            Mode::Periodic(every) => {
                if p.elapsed >= next_print {
                    eprintln!("{}", status(&p, users, label));
                    next_print = p.elapsed + every;
                }
            }
        }
    }
    if drew {
        eprint!("\r\x1b[2K");
    }
}

/// One status line, e.g.
/// `[  12s/50s] users 60/100 | 25.3 req/s | p95 12.4 ms | errors 0.00% of 1,234`.
pub fn status(p: &Progress, users: u32, label: &str) -> String {
    let p95 = p
        .p95_ms
        .map_or_else(|| "-".to_string(), |v| format!("{v:.1} ms"));
    let error_pct = if p.requests == 0 {
        0.0
    } else {
        p.errors as f64 * 100.0 / p.requests as f64
    };
    format!(
        "[{:>4}s/{}s] {label} {}/{users} | {:.1} req/s | p95 {p95} | errors {error_pct:.2}% of {}",
        p.elapsed.as_secs(),
        p.duration.as_secs(),
        p.users,
        p.rps,
        format_count(p.requests)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_has_the_figures() {
        let p = Progress {
            elapsed: Duration::from_secs(12),
            duration: Duration::from_secs(50),
            users: 60,
            requests: 1234,
            errors: 12,
            rps: 25.34,
            p95_ms: Some(12.44),
        };
        assert_eq!(
            status(&p, 100, "users"),
            "[  12s/50s] users 60/100 | 25.3 req/s | p95 12.4 ms | errors 0.97% of 1,234"
        );
    }
}
