//! The latency distribution as an HdrHistogram percentile spectrum: latency
//! against percentile on a log scale (0%, 90%, 99%, 99.9%, …), one line per
//! request, read from the histograms the Summary carries.
//!
//! Each line goes as far into the tail as its sample count resolves
//! (`log10(count)` nines, at most [`MAX_NINES`]) and has [`SAMPLES`] + 1 points.

use hdrhistogram::Histogram;

use super::chart::{Chart, Line, XAxis};
use super::timeline::color;
use crate::core::histogram;
use crate::core::summary::{RequestStats, Summary};
use crate::report::ReportError;

/// The furthest into the tail the axis goes: 99.999%.
pub const MAX_NINES: f64 = 5.0;
/// Points per line, less one.
const SAMPLES: usize = 120;

/// The percentile spectrum chart of a run.
///
/// # Errors
///
/// A histogram in the Summary that cannot be decoded.
pub fn chart(summary: &Summary) -> Result<Chart, ReportError> {
    let mut lines = Vec::new();
    if let Some(line) = spectrum(&summary.overall, "all requests", "#222222", true)? {
        lines.push(line);
    }
    for (i, stats) in summary.requests.iter().enumerate() {
        if let Some(line) = spectrum(stats, &stats.name, color(i), false)? {
            lines.push(line);
        }
    }
    let end = lines
        .iter()
        .filter_map(|l| l.points.last().map(|(x, _)| *x))
        .fold(1.0, f64::max)
        .ceil();
    Ok(Chart {
        title: "Latency distribution (percentile spectrum, measured window)".to_string(),
        y_title: "latency (ms)",
        x: XAxis::Percentile(end),
        lines,
        bands: Vec::new(),
    })
}

/// One request's line; `None` when it has no latency samples.
fn spectrum(
    stats: &RequestStats,
    name: &str,
    color: &'static str,
    bold: bool,
) -> Result<Option<Line>, ReportError> {
    let hist = histogram::decode(&stats.histogram).map_err(|e| ReportError::Render {
        format: "HTML",
        reason: format!("the histogram of `{}`: {e}", stats.name),
    })?;
    if hist.is_empty() {
        return Ok(None);
    }
    Ok(Some(Line {
        name: name.to_string(),
        color,
        bold,
        points: points(&hist),
    }))
}

/// Latency in ms at evenly spaced positions of the percentile axis.
fn points(hist: &Histogram<u64>) -> Vec<(f64, Option<f64>)> {
    let reach = (hist.len() as f64).log10().clamp(1.0, MAX_NINES);
    (0..=SAMPLES)
        .map(|i| {
            let nines = reach * i as f64 / SAMPLES as f64;
            let percentile = super::scale::percentile_at(nines);
            (nines, histogram::percentile_ms(hist, percentile))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaches_as_far_as_the_samples_resolve() {
        let mut h = histogram::new_latency();
        for v in 1..=1000u64 {
            histogram::record(&mut h, v * 1000);
        }
        let p = points(&h);
        assert_eq!(p.len(), SAMPLES + 1);
        assert_eq!(p[0].0, 0.0);
        assert!((p[SAMPLES].0 - 3.0).abs() < 1e-9, "{:?}", p[SAMPLES]);
        let median = p.iter().find(|(x, _)| *x >= 0.3).unwrap().1.unwrap();
        assert!((median - 500.0).abs() < 20.0, "{median}");
        assert!(p.windows(2).all(|w| w[0].1 <= w[1].1), "monotonic");
    }
}
