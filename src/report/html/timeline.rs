//! The charts over time: requests/s, errors/s, active users and latency
//! percentiles, from the Summary's per-second series.
//!
//! A long run is downsampled so that a chart never has more than
//! [`MAX_POINTS`] points (a 1-hour run gets one point per 6 s): within a
//! bucket, rates are averaged over its seconds, and latency percentiles and
//! users take the bucket's maximum, so that a spike stays visible.

use super::chart::{Band, Chart, Line, XAxis};
use crate::core::summary::{RequestStats, SeriesPoint, Summary};
use crate::report::plain_text;

/// The most points one line of a chart over time has.
pub const MAX_POINTS: usize = 600;

/// Line colours for the requests, in plan order (repeating after eight).
const PALETTE: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
];
/// The colour of the line for all requests together.
const ALL_COLOR: &str = "#222222";

/// One point of a downsampled series: a bucket of one or more seconds.
#[derive(Debug, Clone, PartialEq)]
struct Bucket {
    /// The middle of the bucket, in seconds since the start.
    t: f64,
    requests_per_s: f64,
    errors_per_s: f64,
    users: Option<u32>,
    p50: Option<f64>,
    p95: Option<f64>,
    p99: Option<f64>,
}

/// Seconds per chart point for a series of `len` seconds.
pub fn bucket_seconds(len: usize) -> usize {
    len.div_ceil(MAX_POINTS).max(1)
}

/// The colour of the `index`th request.
pub fn color(index: usize) -> &'static str {
    PALETTE[index % PALETTE.len()]
}

/// Every chart over time, in the order the report shows them.
pub fn charts(summary: &Summary) -> Vec<Chart> {
    let seconds = bucket_seconds(summary.overall.series.len());
    let x = XAxis::Time(time_end(summary));
    let bands = bands(summary);
    let overall = downsample(&summary.overall.series, seconds);
    let requests: Vec<(&RequestStats, Vec<Bucket>)> = summary
        .requests
        .iter()
        .map(|r| (r, downsample(&r.series, seconds)))
        .collect();
    let per = |what: fn(&Bucket) -> Option<f64>| -> Vec<Line> {
        let mut lines = vec![line("all requests", ALL_COLOR, true, &overall, what)];
        lines.extend(
            requests
                .iter()
                .enumerate()
                .map(|(i, (r, b))| line(&r.name, color(i), false, b, what)),
        );
        lines
    };
    let chart = |title: String, y_title, lines| Chart {
        title,
        y_title,
        x,
        lines,
        bands: bands.clone(),
    };
    let mut charts = vec![
        chart(
            "Requests per second".into(),
            "requests/s",
            per(|b| Some(b.requests_per_s)),
        ),
        chart(
            "Errors per second (all kinds)".into(),
            "errors/s",
            per(|b| Some(b.errors_per_s)),
        ),
        if summary.load.open.is_some() {
            chart(
                "Requests in flight".into(),
                "requests in flight",
                vec![line("in flight", ALL_COLOR, true, &overall, |b| {
                    b.users.map(f64::from)
                })],
            )
        } else {
            chart(
                "Active users".into(),
                "users",
                vec![line("users", ALL_COLOR, true, &overall, |b| {
                    b.users.map(f64::from)
                })],
            )
        },
    ];
    charts.push(chart(
        "Latency: all requests".into(),
        "latency (ms)",
        percentile_lines(&overall),
    ));
    for (r, buckets) in &requests {
        charts.push(chart(
            format!("Latency: {}", r.name),
            "latency (ms)",
            percentile_lines(buckets),
        ));
    }
    charts
}

/// The end of the time axis: the run's length, or the series' if longer.
fn time_end(summary: &Summary) -> f64 {
    let series_end = summary.overall.series.last().map_or(0, |p| p.t + 1) as f64;
    summary.load.elapsed_s.max(series_end).max(1.0)
}

/// The warm-up, and the first breaching window of each objective with `over:`.
fn bands(summary: &Summary) -> Vec<Band> {
    let mut bands = Vec::new();
    if summary.load.warmup_s > 0.0 {
        bands.push(Band {
            from: 0.0,
            to: summary.load.warmup_s,
            label: "warm-up".to_string(),
            breach: false,
        });
    }
    for window in &summary.windows {
        if let Some(span) = &window.first_breach {
            bands.push(Band {
                from: span.start_s,
                to: span.end_s,
                label: format!("breach: {}", plain_text(&window.expression)),
                breach: true,
            });
        }
    }
    bands
}

fn line(
    name: &str,
    color: &'static str,
    bold: bool,
    buckets: &[Bucket],
    value: impl Fn(&Bucket) -> Option<f64>,
) -> Line {
    Line {
        name: name.to_string(),
        color,
        bold,
        points: buckets.iter().map(|b| (b.t, value(b))).collect(),
    }
}

fn percentile_lines(buckets: &[Bucket]) -> Vec<Line> {
    vec![
        line("p50", "#2ca02c", false, buckets, |b| b.p50),
        line("p95", "#ff7f0e", false, buckets, |b| b.p95),
        line("p99", "#d62728", true, buckets, |b| b.p99),
    ]
}

/// Groups a per-second series into buckets of `seconds` seconds.
fn downsample(series: &[SeriesPoint], seconds: usize) -> Vec<Bucket> {
    series
        .chunks(seconds.max(1))
        .map(|chunk| {
            let n = chunk.len() as f64;
            let first = chunk.first().map_or(0, |p| p.t) as f64;
            let max =
                |f: fn(&SeriesPoint) -> Option<f64>| chunk.iter().filter_map(f).reduce(f64::max);
            Bucket {
                t: first + n / 2.0,
                requests_per_s: chunk.iter().map(|p| p.requests).sum::<u64>() as f64 / n,
                errors_per_s: chunk.iter().map(|p| p.errors).sum::<u64>() as f64 / n,
                users: chunk.iter().filter_map(|p| p.users).max(),
                p50: max(|p| p.p50),
                p95: max(|p| p.p95),
                p99: max(|p| p.p99),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(t: u64, requests: u64, p99: Option<f64>) -> SeriesPoint {
        SeriesPoint {
            t,
            requests,
            errors: requests / 10,
            users: Some(t as u32),
            p50: p99.map(|v| v / 2.0),
            p95: p99,
            p99,
        }
    }

    #[test]
    fn short_series_keep_every_second() {
        assert_eq!(bucket_seconds(0), 1);
        assert_eq!(bucket_seconds(600), 1);
        assert_eq!(bucket_seconds(601), 2);
        assert_eq!(bucket_seconds(3600), 6);
        let b = downsample(&[point(0, 10, Some(5.0)), point(1, 20, None)], 1);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].t, 0.5);
        assert_eq!(b[1].requests_per_s, 20.0);
        assert_eq!(b[1].p99, None);
    }

    #[test]
    fn buckets_average_rates_and_keep_peaks() {
        let series: Vec<SeriesPoint> = (0..7)
            .map(|t| point(t, 10 * (t + 1), (t != 3).then_some(t as f64)))
            .collect();
        let b = downsample(&series, 3);
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].t, 1.5);
        assert_eq!(b[0].requests_per_s, 20.0);
        assert_eq!(b[1].p99, Some(5.0));
        assert_eq!(b[1].users, Some(5));
        assert_eq!(b[2].t, 6.5, "a short last bucket sits in its own middle");
        assert_eq!(b[2].requests_per_s, 70.0);
    }
}
