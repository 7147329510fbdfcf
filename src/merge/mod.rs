//! Merging shard reports into one run: histograms added exactly (decoded from
//! their V2 encoding, added, re-encoded), counters summed, per-second series
//! aligned on wall-clock time. The merged Summary is then judged like a run.

mod check;
mod stats;

pub use check::{problems, unsound};

use std::path::PathBuf;

use crate::core::histogram::DecodeError;
use crate::core::record::JsonReport;
use crate::core::summary::{LoadExecuted, RequestStats, Summary};

/// Why shard reports could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A histogram in a shard report does not decode.
    #[error("`{}`: the histogram of `{name}` is unreadable: {source}", path.display())]
    Histogram {
        /// The shard report.
        path: PathBuf,
        /// The request name.
        name: String,
        /// The decoding error.
        #[source]
        source: DecodeError,
    },
    /// No report was given.
    #[error("no shard reports to merge")]
    Empty,
    /// The shards do not have the same request (or flow) names.
    #[error("`{}` has requests or flows [{found}], the first shard [{expected}]", path.display())]
    Requests {
        /// The shard report.
        path: PathBuf,
        /// Its request names.
        found: String,
        /// The first shard's.
        expected: String,
    },
}

/// Merges checked shard reports (see [`problems`]) into one Summary.
pub fn merge(reports: &[(PathBuf, JsonReport)]) -> Result<Summary, MergeError> {
    let summaries: Vec<(&PathBuf, &Summary)> =
        reports.iter().map(|(p, r)| (p, &r.summary)).collect();
    let Some((_, first)) = summaries.first() else {
        return Err(MergeError::Empty);
    };
    let started_at = summaries
        .iter()
        .map(|(_, s)| s.started_at)
        .min()
        .unwrap_or(first.started_at);
    let ended_at = summaries
        .iter()
        .map(|(_, s)| s.ended_at)
        .max()
        .unwrap_or(first.ended_at);
    let offsets: Vec<u64> = summaries
        .iter()
        .map(|(_, s)| (s.started_at - started_at).num_milliseconds().max(0) as u64 / 1000)
        .collect();
    let requests = named(&summaries, &offsets, |s| &s.requests)?;
    let flows = named(&summaries, &offsets, |s| &s.flows)?;
    let overall_parts: Vec<_> = summaries.iter().map(|(p, s)| (*p, &s.overall)).collect();
    let overall = stats::merge(&first.overall.name, &overall_parts, &offsets)?;
    Ok(Summary {
        tool: first.tool.clone(),
        plan: first.plan.clone(),
        started_at,
        ended_at,
        partial: false,
        load: load(&first.load, summaries[1..].iter().map(|(_, s)| &s.load)),
        overall,
        requests,
        flows,
        serve: None,
        shard: None,
        windows: Vec::new(),
    })
}

/// Merges the statistics `pick` lists (requests, or flows) of every shard,
/// name by name; every shard must list the same names in the same order.
fn named(
    summaries: &[(&PathBuf, &Summary)],
    offsets: &[u64],
    pick: impl Fn(&Summary) -> &[RequestStats],
) -> Result<Vec<RequestStats>, MergeError> {
    let Some((_, first)) = summaries.first() else {
        return Err(MergeError::Empty);
    };
    let names: Vec<&str> = pick(first).iter().map(|r| r.name.as_str()).collect();
    for (path, s) in summaries {
        let theirs: Vec<&str> = pick(s).iter().map(|r| r.name.as_str()).collect();
        if theirs != names {
            return Err(MergeError::Requests {
                path: (*path).clone(),
                found: theirs.join(", "),
                expected: names.join(", "),
            });
        }
    }
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        // In range: every shard lists the same names.
        let parts: Vec<_> = summaries.iter().map(|(p, s)| (*p, &pick(s)[i])).collect();
        out.push(stats::merge(name, &parts, offsets)?);
    }
    Ok(out)
}

/// The load of all shards together: users, rates and counts summed, times the longest.
fn load<'a>(first: &LoadExecuted, rest: impl Iterator<Item = &'a LoadExecuted>) -> LoadExecuted {
    let mut out = first.clone();
    for l in rest {
        out.users += l.users;
        out.peak_users += l.peak_users;
        out.spawn_rate += l.spawn_rate;
        out.duration_s = out.duration_s.max(l.duration_s);
        out.elapsed_s = out.elapsed_s.max(l.elapsed_s);
        out.grace_s = out.grace_s.max(l.grace_s);
        out.requests_started += l.requests_started;
        out.warmup_requests += l.warmup_requests;
        out.cancelled += l.cancelled;
        out.cpu_s = match (out.cpu_s, l.cpu_s) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        if out.aborted.is_none() {
            out.aborted.clone_from(&l.aborted);
        }
        if let (Some(o), Some(n)) = (out.open.as_mut(), l.open.as_ref()) {
            o.target_rate += n.target_rate;
            o.achieved_rate += n.achieved_rate;
            o.scheduled += n.scheduled;
            o.dispatched += n.dispatched;
            o.sent += n.sent;
            o.dropped += n.dropped;
            o.late += n.late;
            o.lag_max_ms = o.lag_max_ms.max(n.lag_max_ms);
            o.lag_p99_ms = o.lag_p99_ms.max(n.lag_p99_ms);
            o.max_in_flight += n.max_in_flight;
        }
    }
    out
}
