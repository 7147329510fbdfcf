//! From a metric to its value: the one function the whole run's evaluation
//! and the per-window judgement both use.

use hdrhistogram::Histogram;

use super::expr::Metric;
use crate::core::histogram;

/// What one scope measured over a stretch of the run: the whole measured
/// window, or one `over:` window.
#[derive(Debug, Clone, Copy)]
pub struct Sample<'a> {
    /// Requests completed (successes and failures).
    pub requests: u64,
    /// Of which failed.
    pub errors: u64,
    /// Of the failures, those whose status was accepted but whose checks
    /// failed; `None` where they are not counted (per window).
    pub failed_checks: Option<u64>,
    /// Arrivals dropped at `max_in_flight`; `None` where not counted (per window).
    pub dropped: Option<u64>,
    /// Requests per second.
    pub rps: f64,
    /// The latencies in µs; `None` when not needed (no latency metric asked).
    pub latency: Option<&'a Histogram<u64>>,
}

/// The value of `metric` in canonical units (ms, a fraction, per second, a
/// count); `None` when the sample has no data for it: an empty histogram, no
/// requests for a rate, no response whose checks ran for `check_rate`, or a
/// count this sample does not keep.
pub fn value(metric: Metric, sample: &Sample<'_>) -> Option<f64> {
    let requests = sample.requests;
    match metric {
        Metric::Percentile(_) | Metric::Mean | Metric::Min | Metric::Max => {
            latency_ms(metric, sample.latency?)
        }
        Metric::ErrorRate => (requests > 0).then(|| sample.errors as f64 / requests as f64),
        Metric::CheckRate => {
            let failed_checks = sample.failed_checks?;
            // Responses whose status was accepted: those the checks judged.
            let checked = requests.saturating_sub(sample.errors - failed_checks);
            (checked > 0).then(|| (checked - failed_checks.min(checked)) as f64 / checked as f64)
        }
        Metric::Errors => Some(sample.errors as f64),
        Metric::Requests => Some(requests as f64),
        Metric::Dropped => sample.dropped.map(|d| d as f64),
        Metric::Rps => Some(sample.rps),
    }
}

/// A latency metric of a histogram in milliseconds; `None` when it is empty.
fn latency_ms(metric: Metric, hist: &Histogram<u64>) -> Option<f64> {
    if hist.is_empty() {
        return None;
    }
    let ms = |us: u64| us as f64 / 1000.0;
    match metric {
        Metric::Percentile(p) => histogram::percentile_ms(hist, p),
        Metric::Mean => Some(hist.mean() / 1000.0),
        Metric::Min => Some(ms(hist.min())),
        Metric::Max => Some(ms(hist.max())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(latency: Option<&Histogram<u64>>) -> Sample<'_> {
        Sample {
            requests: 10,
            errors: 3,
            failed_checks: Some(1),
            dropped: None,
            rps: 2.5,
            latency,
        }
    }

    #[test]
    fn every_metric_has_one_value_or_none() {
        let mut hist = histogram::new_latency();
        // Below 2,048 µs the histogram is exact to the microsecond.
        for us in [100, 200, 300, 400] {
            histogram::record(&mut hist, us);
        }
        let s = sample(Some(&hist));
        assert_eq!(value(Metric::Max, &s), Some(0.4));
        assert_eq!(value(Metric::Min, &s), Some(0.1));
        assert_eq!(value(Metric::Mean, &s), Some(0.25));
        assert_eq!(value(Metric::ErrorRate, &s), Some(0.3));
        // 8 responses had an accepted status; 1 of them failed its checks.
        assert_eq!(value(Metric::CheckRate, &s), Some(7.0 / 8.0));
        assert_eq!(value(Metric::Errors, &s), Some(3.0));
        assert_eq!(value(Metric::Requests, &s), Some(10.0));
        assert_eq!(value(Metric::Rps, &s), Some(2.5));
        assert_eq!(value(Metric::Dropped, &s), None);
        assert_eq!(value(Metric::Percentile(50.0), &sample(None)), None);
        let empty = histogram::new_latency();
        assert_eq!(value(Metric::Max, &sample(Some(&empty))), None);
    }
}
