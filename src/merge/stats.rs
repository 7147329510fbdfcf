//! Merging one request name's statistics across shards.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::MergeError;
use crate::core::histogram;
use crate::core::summary::{ErrorCounts, ErrorExample, RequestStats, SeriesPoint};

/// Distinct error messages kept per merged entry.
const MAX_EXAMPLES: usize = 20;

/// The statistics of `name` over every shard: counts summed, histograms added
/// exactly, rates summed (the shards ran side by side), the per-second series
/// aligned on wall-clock time (`offsets`: each shard's start, in whole seconds
/// after the earliest).
pub fn merge(
    name: &str,
    parts: &[(&PathBuf, &RequestStats)],
    offsets: &[u64],
) -> Result<RequestStats, MergeError> {
    let mut hist = histogram::new_latency();
    let mut service: Option<hdrhistogram::Histogram<u64>> = None;
    let mut errors = ErrorCounts::default();
    let (mut requests, mut dropped, mut rps) = (0, 0, 0.0);
    let mut examples: BTreeMap<(crate::core::summary::ErrorKind, String), u64> = BTreeMap::new();
    for (path, part) in parts {
        let decode = |text: &str| {
            histogram::decode(text).map_err(|source| MergeError::Histogram {
                path: (*path).clone(),
                name: name.to_string(),
                source,
            })
        };
        // Same bounds and precision on every side, so adding cannot fail.
        let _ = hist.add(decode(&part.histogram)?);
        if let Some(text) = &part.service_histogram {
            let h = decode(text)?;
            let _ = service.get_or_insert_with(histogram::new_latency).add(h);
        }
        errors.merge(&part.errors);
        requests += part.requests;
        dropped += part.dropped;
        rps += part.rps;
        for e in &part.error_examples {
            *examples.entry((e.kind, e.message.clone())).or_default() += e.count;
        }
    }
    let mut error_examples: Vec<ErrorExample> = examples
        .into_iter()
        .map(|((kind, message), count)| ErrorExample {
            kind,
            message,
            count,
        })
        .collect();
    error_examples.sort_by_key(|e| std::cmp::Reverse(e.count));
    error_examples.truncate(MAX_EXAMPLES);
    Ok(RequestStats {
        name: name.to_string(),
        requests,
        errors,
        error_examples,
        rps,
        dropped,
        latency: histogram::summarise(&hist),
        histogram: histogram::encode(&hist),
        series: series(parts, offsets),
        service: service.as_ref().and_then(histogram::summarise),
        service_histogram: service.as_ref().map(histogram::encode),
    })
}

/// The per-second series on the earliest shard's clock: counts and users
/// summed per second; the per-second percentiles are the largest of the
/// shards' (an upper bound: per-second histograms are not kept).
fn series(parts: &[(&PathBuf, &RequestStats)], offsets: &[u64]) -> Vec<SeriesPoint> {
    let mut by_second: BTreeMap<u64, SeriesPoint> = BTreeMap::new();
    for ((_, part), offset) in parts.iter().zip(offsets) {
        for p in &part.series {
            let t = p.t + offset;
            let point = by_second.entry(t).or_insert(SeriesPoint::empty(t));
            point.requests += p.requests;
            point.errors += p.errors;
            point.users = match (point.users, p.users) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            };
            let larger = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(x), Some(y)) => Some(x.max(y)),
                (x, y) => x.or(y),
            };
            point.p50 = larger(point.p50, p.p50);
            point.p95 = larger(point.p95, p.p95);
            point.p99 = larger(point.p99, p.p99);
        }
    }
    let Some(&last) = by_second.keys().next_back() else {
        return Vec::new();
    };
    (0..=last)
        .map(|t| {
            by_second
                .remove(&t)
                .unwrap_or_else(|| SeriesPoint::empty(t))
        })
        .collect()
}
