//! The served command's process group, known process-wide, so that an
//! immediate exit (a second Ctrl-C) can kill it without going through the
//! [`super::Served`] that owns it.

use std::sync::atomic::{AtomicU32, Ordering};

use super::process::Group;

/// The leader's pid of the served group that is running; 0 for none.
static RUNNING: AtomicU32 = AtomicU32::new(0);

/// Records `pid` as the leader of the running served group.
pub(super) fn register(pid: u32) {
    RUNNING.store(pid, Ordering::SeqCst);
}

/// Forgets the running group once it is stopped.
pub(super) fn clear() {
    RUNNING.store(0, Ordering::SeqCst);
}

/// Sends SIGKILL to the running served group, if there is one. For exiting
/// at once: the group gets no chance to shut down cleanly.
pub fn kill_running() {
    let pid = RUNNING.swap(0, Ordering::SeqCst);
    // Pid 0 is no process, so `led_by` gives `None` for it.
    if let Some(group) = Group::led_by(pid) {
        group.kill();
    }
}
