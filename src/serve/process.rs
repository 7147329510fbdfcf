//! Spawning the served command in its own process group, and signalling that group.

use std::io;
use std::process::Stdio;

use rustix::process::{Pid, Signal, kill_process_group, test_kill_process_group};
use tokio::process::{Child, Command};

use super::error::ServeError;
use crate::plan::valid::ServeDef;

/// Starts `def`'s program with stdin closed, stdout and stderr piped, as the
/// leader of a new process group (so signals reach everything it starts), and
/// killed if its [`Child`] is dropped unreaped.
pub(super) fn spawn(def: &ServeDef, command: &str) -> Result<Child, ServeError> {
    Command::new(&def.program)
        .args(&def.args)
        .envs(def.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .map_err(|err| ServeError::Spawn {
            command: command.to_owned(),
            reason: spawn_reason(def, &err),
        })
}

/// What the OS said, naming the program, with a hint for the common cases.
fn spawn_reason(def: &ServeDef, err: &io::Error) -> String {
    let program = def.program.display();
    match err.kind() {
        io::ErrorKind::NotFound => {
            format!("program `{program}` not found ({err}); is it installed and on PATH?")
        }
        io::ErrorKind::PermissionDenied => {
            format!("program `{program}` cannot be executed ({err}); is it executable?")
        }
        _ => format!("program `{program}`: {err}"),
    }
}

/// The command line as a person would type it; environment values are left
/// out (they may hold secrets).
pub(super) fn describe(def: &ServeDef) -> String {
    std::iter::once(def.program.to_string_lossy().into_owned())
        .chain(def.args.iter().cloned())
        .map(|word| quote(&word))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `word`, single-quoted when a shell would otherwise split or expand it.
fn quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./:=@%+,".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The process group led by the process `pid`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Group(Pid);

impl Group {
    /// The group whose leader is `pid`; `None` for a pid that cannot be one.
    pub(super) fn led_by(pid: u32) -> Option<Self> {
        i32::try_from(pid).ok().and_then(Pid::from_raw).map(Group)
    }

    /// Sends SIGTERM to every process in the group; a group that is gone is fine.
    pub(super) fn terminate(self) {
        let _ = kill_process_group(self.0, Signal::TERM);
    }

    /// Sends SIGKILL to every process in the group; a group that is gone is fine.
    pub(super) fn kill(self) {
        let _ = kill_process_group(self.0, Signal::KILL);
    }

    /// Whether any process is left in the group.
    pub(super) fn alive(self) -> bool {
        test_kill_process_group(self.0).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;
    use crate::core::values::Method;

    fn def(program: &str, args: &[&str]) -> ServeDef {
        ServeDef {
            program: PathBuf::from(program),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: vec![("API_TOKEN".to_owned(), "secret".to_owned())],
            ready_method: Method::GET,
            ready_url: "http://127.0.0.1:1/".to_owned(),
            timeout: Duration::from_secs(1),
            stop_grace: Duration::from_secs(1),
            trust: Default::default(),
        }
    }

    #[test]
    fn describes_the_command_like_a_shell_line_without_env() {
        let line = describe(&def(
            "/usr/bin/perfgate",
            &["demo-api", "--addr", "127.0.0.1:5001", "it's here", ""],
        ));
        assert_eq!(
            line,
            r"/usr/bin/perfgate demo-api --addr 127.0.0.1:5001 'it'\''s here' ''"
        );
        assert!(!line.contains("secret"));
    }

    #[tokio::test]
    async fn a_missing_program_is_named_with_the_os_reason() {
        let def = def("perfgate-no-such-program", &["--port", "1"]);
        let err = spawn(&def, &describe(&def)).map(|_| ()).err();
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with(
                "cannot start the served command `perfgate-no-such-program --port 1`: \
                 program `perfgate-no-such-program` not found ("
            ),
            "{message}"
        );
        assert!(message.contains("on PATH"), "{message}");
    }
}
