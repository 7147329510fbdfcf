//! How a served command ended, in words a report can show.

use std::fmt;
use std::io;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// How the served command's process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this code.
    Code(i32),
    /// It was ended by this signal number.
    Signal(i32),
    /// Its status could not be read (the reason).
    Unknown(String),
}

impl Exit {
    /// The outcome of waiting for the process.
    pub(super) fn from_wait(status: io::Result<ExitStatus>) -> Self {
        match status {
            Ok(status) => status.into(),
            Err(err) => Exit::Unknown(format!("cannot wait for the process: {err}")),
        }
    }
}

impl From<ExitStatus> for Exit {
    fn from(status: ExitStatus) -> Self {
        match (status.code(), status.signal()) {
            (Some(code), _) => Exit::Code(code),
            (None, Some(signal)) => Exit::Signal(signal),
            (None, None) => Exit::Unknown(status.to_string()),
        }
    }
}

impl fmt::Display for Exit {
    /// E.g. "exited with code 4", "was killed by signal 9 (SIGKILL)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Code(code) => write!(f, "exited with code {code}"),
            Exit::Signal(signal) => match signal_name(*signal) {
                Some(name) => write!(f, "was killed by signal {signal} ({name})"),
                None => write!(f, "was killed by signal {signal}"),
            },
            Exit::Unknown(reason) => write!(f, "ended with an unknown status ({reason})"),
        }
    }
}

/// The usual name of the signals a server is commonly ended by.
fn signal_name(signal: i32) -> Option<&'static str> {
    Some(match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        6 => "SIGABRT",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        _ => return None,
    })
}

/// The served command ended by itself (see [`super::Served::exited`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitInfo {
    /// How it ended.
    pub exit: Exit,
    /// Its last output lines, oldest first.
    pub tail: Vec<String>,
}

/// How [`super::Served::stop`] ended the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// It had already exited by itself.
    AlreadyExited,
    /// It exited within the grace period after SIGTERM.
    Terminated,
    /// It was still running when the grace period ended and got SIGKILL.
    Killed,
}

/// What [`super::Served::stop`] found: how the command ended and what it printed last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOutcome {
    /// How its process ended.
    pub exit: Exit,
    /// How it was stopped.
    pub stopped: Stopped,
    /// Its last output lines, oldest first.
    pub tail: Vec<String>,
}

impl fmt::Display for ServeOutcome {
    /// E.g. "stopped with SIGTERM; exited with code 0".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.stopped {
            Stopped::AlreadyExited => write!(f, "had stopped by itself; {}", self.exit),
            Stopped::Terminated => write!(f, "stopped with SIGTERM; {}", self.exit),
            Stopped::Killed => write!(
                f,
                "ignored SIGTERM for the grace period, stopped with SIGKILL; {}",
                self.exit
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_codes_and_signals() {
        assert_eq!(Exit::Code(4).to_string(), "exited with code 4");
        assert_eq!(
            Exit::Signal(9).to_string(),
            "was killed by signal 9 (SIGKILL)"
        );
        assert_eq!(Exit::Signal(40).to_string(), "was killed by signal 40");
    }

    #[test]
    fn reads_a_raw_wait_status() {
        assert_eq!(Exit::from(ExitStatus::from_raw(4 << 8)), Exit::Code(4));
        assert_eq!(Exit::from(ExitStatus::from_raw(9)), Exit::Signal(9));
    }
}
