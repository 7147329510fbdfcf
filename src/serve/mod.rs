//! Starting the system under test for a run (the plan's `serve:`), waiting
//! until it is ready, watching it during the load, and stopping it after.
//!
//! ```text
//! ensure_not_running ─▶ start ─▶ Served::wait_ready ─▶ (load ‖ Served::exited) ─▶ Served::stop
//! ```
//!
//! The command runs as the leader of its own process group: stopping sends
//! SIGTERM to the whole group, then SIGKILL after the plan's grace period.
//! Dropping a [`Served`] that was not stopped kills the group at once, so the
//! command never outlives perfgate on an error or panic path. A Ctrl-C must be
//! handled by the caller (the group does not receive the terminal's SIGINT),
//! which then calls [`Served::stop`] or drops it; a caller that must exit at
//! once calls [`emergency::kill_running`].

pub mod emergency;
mod error;
mod exit;
mod process;
mod ready;
mod tail;

use std::time::Duration;

use tokio::process::Child;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout, timeout_at};

pub use error::ServeError;
pub use exit::{Exit, ExitInfo, ServeOutcome, Stopped};
pub use tail::{MAX_LINE_BYTES, MAX_LINES};

use crate::plan::valid::ServeDef;
use process::Group;
use ready::{PROBE_INTERVAL, PROBE_TIMEOUT, Probe};
use tail::Tail;

/// How long the output readers may take to drain the pipes once the command
/// exited (a process that escaped the group could hold them open forever).
const DRAIN_TIMEOUT: Duration = Duration::from_millis(500);

/// How long to wait for the process to be reaped after SIGKILL.
const KILL_WAIT: Duration = Duration::from_secs(5);

/// How often a lingering process group is checked while it is given time to exit.
const GROUP_POLL: Duration = Duration::from_millis(20);

/// The running served command.
#[derive(Debug)]
pub struct Served {
    def: ServeDef,
    command: String,
    started: Instant,
    child: Child,
    group: Option<Group>,
    tail: Tail,
    readers: Vec<JoinHandle<()>>,
    /// Set once the process is reaped.
    exit: Option<Exit>,
}

/// Checks, before [`start`], that nothing answers the ready probe yet, so the
/// load never measures a server left over from an earlier run.
///
/// # Errors
///
/// [`ServeError::AlreadyAnswering`] when any HTTP answer comes back (whatever
/// its status), [`ServeError::Client`] when no HTTP client can be built.
pub async fn ensure_not_running(def: &ServeDef) -> Result<(), ServeError> {
    match Probe::new(def)?.answer().await {
        None => Ok(()),
        Some(answer) => Err(ServeError::AlreadyAnswering {
            command: process::describe(def),
            probe: ready::label(def),
            answer,
        }),
    }
}

/// Starts `def`'s command; its stdout and stderr are read into a bounded tail
/// (the last [`MAX_LINES`] lines).
///
/// # Errors
///
/// [`ServeError::Spawn`] when the program cannot be started.
pub async fn start(def: &ServeDef) -> Result<Served, ServeError> {
    let command = process::describe(def);
    let mut child = process::spawn(def, &command)?;
    let started = Instant::now();
    let group = child.id().and_then(Group::led_by);
    if let Some(pid) = child.id() {
        emergency::register(pid);
    }
    let tail = Tail::default();
    let mut readers = Vec::with_capacity(2);
    if let Some(stdout) = child.stdout.take() {
        readers.push(tokio::spawn(tail.clone().collect(stdout)));
    }
    if let Some(stderr) = child.stderr.take() {
        readers.push(tokio::spawn(tail.clone().collect(stderr)));
    }
    Ok(Served {
        def: def.clone(),
        command,
        started,
        child,
        group,
        tail,
        readers,
        exit: None,
    })
}

impl Served {
    /// Polls the ready URL every ~100 ms (each probe allowed at most 1 s) until
    /// it answers 2xx. The plan's timeout counts from [`start`].
    ///
    /// # Errors
    ///
    /// [`ServeError::NotReady`] when the timeout passes first,
    /// [`ServeError::Exited`] when the command exits first,
    /// [`ServeError::Client`] when no HTTP client can be built.
    /// The command is left running on error: stop or drop it.
    pub async fn wait_ready(&mut self) -> Result<(), ServeError> {
        let probe = Probe::new(&self.def)?;
        let deadline = self.started + self.def.timeout;
        let mut last = String::from("no answer yet");
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(self.not_ready(last));
            }
            let attempt = probe.once(PROBE_TIMEOUT.min(deadline - now));
            tokio::select! {
                biased;
                status = self.child.wait() => return Err(self.exited_early(Exit::from_wait(status)).await),
                answer = timeout_at(deadline, attempt) => match answer {
                    Ok(Ok(())) => return Ok(()),
                    Ok(Err(what)) => last = what,
                    Err(_) => return Err(self.not_ready(last)),
                },
            }
            let next = (Instant::now() + PROBE_INTERVAL).min(deadline);
            tokio::select! {
                biased;
                status = self.child.wait() => return Err(self.exited_early(Exit::from_wait(status)).await),
                () = sleep_until(next) => {}
            }
        }
    }

    /// Completes when the command exits by itself; cancel-safe, so it can run
    /// in `tokio::select!` beside the load to stop a run whose server died.
    pub async fn exited(&mut self) -> ExitInfo {
        let exit = match &self.exit {
            Some(exit) => exit.clone(),
            None => {
                let exit = Exit::from_wait(self.child.wait().await);
                self.exit = Some(exit.clone());
                exit
            }
        };
        self.drain().await;
        ExitInfo {
            exit,
            tail: self.tail.snapshot(),
        }
    }

    /// Stops the command: SIGTERM to its process group, SIGKILL once the plan's
    /// grace period has passed; reaps it. A command that already exited is
    /// only reaped; processes it left in its group get the same treatment.
    pub async fn stop(mut self) -> ServeOutcome {
        let deadline = Instant::now() + self.def.stop_grace;
        let (exit, stopped) = match self.try_reap() {
            Some(exit) => (exit, Stopped::AlreadyExited),
            None => {
                self.signal_group(Group::terminate);
                match timeout_at(deadline, self.child.wait()).await {
                    Ok(status) => (Exit::from_wait(status), Stopped::Terminated),
                    Err(_) => {
                        self.signal_group(Group::kill);
                        // Also the leader itself, should it have left the group.
                        let _ = self.child.start_kill();
                        let exit = match timeout(KILL_WAIT, self.child.wait()).await {
                            Ok(status) => Exit::from_wait(status),
                            Err(_) => Exit::Unknown("not reaped 5s after SIGKILL".to_owned()),
                        };
                        (exit, Stopped::Killed)
                    }
                }
            }
        };
        self.exit = Some(exit.clone());
        self.stop_stragglers(deadline).await;
        emergency::clear();
        self.drain().await;
        ServeOutcome {
            exit,
            stopped,
            tail: self.tail.snapshot(),
        }
    }

    /// The process id, while the process has not been reaped.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The command's last output lines so far, oldest first.
    pub fn tail(&self) -> Vec<String> {
        self.tail.snapshot()
    }

    /// The exit status if the process has exited, reaping it.
    fn try_reap(&mut self) -> Option<Exit> {
        if self.exit.is_none() {
            match self.child.try_wait() {
                Ok(Some(status)) => self.exit = Some(status.into()),
                Ok(None) => {}
                Err(err) => self.exit = Some(Exit::Unknown(err.to_string())),
            }
        }
        self.exit.clone()
    }

    fn signal_group(&self, signal: fn(Group)) {
        if let Some(group) = self.group {
            signal(group);
        }
    }

    /// Processes the command started that are still in its group after it
    /// exited: SIGTERM, then SIGKILL at `deadline`.
    async fn stop_stragglers(&self, deadline: Instant) {
        let Some(group) = self.group else { return };
        if !group.alive() {
            return;
        }
        group.terminate();
        while group.alive() && Instant::now() < deadline {
            tokio::time::sleep(GROUP_POLL).await;
        }
        if group.alive() {
            group.kill();
        }
    }

    /// Lets the output readers take in what is left in the pipes (bounded in time).
    async fn drain(&mut self) {
        let deadline = Instant::now() + DRAIN_TIMEOUT;
        for reader in &mut self.readers {
            if !reader.is_finished() {
                let _ = timeout_at(deadline, reader).await;
            }
        }
    }

    fn not_ready(&self, last: String) -> ServeError {
        ServeError::NotReady {
            command: self.command.clone(),
            timeout: self.def.timeout,
            probe: ready::label(&self.def),
            last,
            tail: self.tail.snapshot(),
        }
    }

    async fn exited_early(&mut self, status: Exit) -> ServeError {
        self.exit = Some(status.clone());
        self.drain().await;
        ServeError::Exited {
            command: self.command.clone(),
            status,
            probe: ready::label(&self.def),
            tail: self.tail.snapshot(),
        }
    }
}

impl Drop for Served {
    /// The last line of defence: a command that was not reaped is killed with
    /// its whole group (`kill_on_drop` covers the leader alone).
    fn drop(&mut self) {
        if self.exit.is_none() {
            self.signal_group(Group::kill);
            emergency::clear();
        }
        for reader in &self.readers {
            reader.abort();
        }
    }
}
