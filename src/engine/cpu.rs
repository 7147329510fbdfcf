//! The CPU time and memory perfgate itself uses, so a report can say what the
//! load cost the machine it shares with the system under test.

use std::time::Duration;

/// Clock ticks per second of `/proc/self/stat` (`USER_HZ`, 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU time of this process so far; `None` where the platform
/// does not say (only Linux's `/proc` is read).
pub fn used() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat)
}

/// The most resident memory this process has held (`VmHWM`), in bytes;
/// `None` where the platform does not say (only Linux's `/proc` is read).
pub fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_peak_rss(&status)
}

/// Reads the `VmHWM:   1234 kB` line of a `/proc/<pid>/status` file.
fn parse_peak_rss(status: &str) -> Option<u64> {
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kib: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    kib.checked_mul(1024)
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
    fn this_process_has_a_cpu_time_and_a_peak_rss() {
        assert!(used().is_some());
        assert!(peak_rss().is_some_and(|b| b > 0));
    }

    #[test]
    fn parses_the_high_water_mark() {
        let status = "Name:\tperfgate\nVmPeak:\t  99 kB\nVmHWM:\t   14848 kB\n";
        assert_eq!(parse_peak_rss(status), Some(14848 * 1024));
        assert_eq!(parse_peak_rss("VmRSS: 1 kB"), None);
    }
}
