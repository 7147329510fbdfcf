//! Why the served command could not be started or never became ready.

use std::time::Duration;

use super::exit::Exit;

/// The served command could not be used for the run (exit code 3).
///
/// The message names the command and what went wrong; the command's last
/// output lines are in [`ServeError::tail`], for the caller to show after it.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The program could not be started at all.
    #[error("cannot start the served command `{command}`: {reason}")]
    Spawn {
        /// The command line.
        command: String,
        /// What the operating system said, with a hint when there is one.
        reason: String,
    },
    /// The readiness probe never answered 2xx in time.
    #[error(
        "the served command `{command}` was not ready after {} ({probe} never answered 2xx; last answer: {last})",
        humantime::format_duration(*.timeout)
    )]
    NotReady {
        /// The command line.
        command: String,
        /// How long readiness was waited for.
        timeout: Duration,
        /// The probe, e.g. `GET http://127.0.0.1:5001/health`.
        probe: String,
        /// The last probe's outcome, e.g. `connection refused` or `HTTP 503`.
        last: String,
        /// The command's last output lines, oldest first.
        tail: Vec<String>,
    },
    /// The command exited before the readiness probe answered 2xx.
    #[error(
        "the served command `{command}` {status} before it was ready ({probe} never answered 2xx)"
    )]
    Exited {
        /// The command line.
        command: String,
        /// How it ended.
        status: Exit,
        /// The probe, e.g. `GET http://127.0.0.1:5001/health`.
        probe: String,
        /// The command's last output lines, oldest first.
        tail: Vec<String>,
    },
    /// Something answered the readiness probe before the command was started.
    #[error(
        "something already answers {probe} ({answer}) before the served command `{command}` was started; \
         stop it or free the port, or use --host to test the running server without `serve:`"
    )]
    AlreadyAnswering {
        /// The command line.
        command: String,
        /// The probe, e.g. `GET http://127.0.0.1:5001/health`.
        probe: String,
        /// What answered, e.g. `HTTP 200 OK`.
        answer: String,
    },
    /// The HTTP client for the readiness probe could not be built.
    #[error("cannot build the HTTP client for the readiness probe: {0}")]
    Client(String),
}

impl ServeError {
    /// The command's last output lines, oldest first (empty when there are none).
    pub fn tail(&self) -> &[String] {
        match self {
            ServeError::NotReady { tail, .. } | ServeError::Exited { tail, .. } => tail,
            ServeError::Spawn { .. }
            | ServeError::AlreadyAnswering { .. }
            | ServeError::Client(_) => &[],
        }
    }
}
