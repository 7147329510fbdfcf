//! The CPU time perfgate itself uses, so a report can say what the load cost
//! the machine it shares with the system under test.

use std::time::Duration;

/// Clock ticks per second of `/proc/self/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU time of this process so far; `None` where the platform
/// does not say (only Linux's `/proc` is read).
pub fn used() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat)
}

/// Reads utime and stime (fields 14 and 15) from a `/proc/<pid>/stat` line.
fn parse_stat(stat: &str) -> Option<Duration> {
    // The command name (field 2) may hold spaces; fields resume after its `)`.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime.checked_add(stime)?;
    Some(Duration::from_millis(
        ticks.checked_mul(1000 / TICKS_PER_SECOND)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_user_and_system_ticks() {
        let stat = "4242 (perf gate) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0 9 0";
        assert_eq!(parse_stat(stat), Some(Duration::from_millis(3250)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        assert!(used().is_some());
    }
}
