//! Before merging: the shard reports must belong together and be complete.

use std::path::PathBuf;

use crate::core::record::JsonReport;
use crate::core::verdict::Outcome;

/// Every reason the reports cannot be merged as one run: a different plan
/// hash, a report that is not a shard, disagreeing shard counts, a missing or
/// duplicated shard. Empty when they form one complete set.
pub fn problems(reports: &[(PathBuf, JsonReport)]) -> Vec<String> {
    let mut out = Vec::new();
    let Some((first_path, first)) = reports.first() else {
        return vec!["no shard reports given".to_string()];
    };
    for (path, r) in &reports[1..] {
        if r.summary.plan.hash != first.summary.plan.hash {
            out.push(format!(
                "`{}` comes from a different plan (hash {}) than `{}` (hash {})",
                path.display(),
                short(&r.summary.plan.hash),
                first_path.display(),
                short(&first.summary.plan.hash)
            ));
        }
    }
    let mut count = None;
    for (path, r) in reports {
        match r.summary.shard {
            None => out.push(format!(
                "`{}` is not a shard report (run with `--shard K/N`)",
                path.display()
            )),
            Some(s) => match count {
                None => count = Some(s.count),
                Some(n) if n != s.count => out.push(format!(
                    "`{}` is shard {s}, but other reports are shards of {n}",
                    path.display()
                )),
                Some(_) => {}
            },
        }
    }
    let Some(n) = count else { return out };
    for index in 1..=n {
        let holders: Vec<String> = reports
            .iter()
            .filter(|(_, r)| {
                r.summary
                    .shard
                    .is_some_and(|s| s.index == index && s.count == n)
            })
            .map(|(p, _)| format!("`{}`", p.display()))
            .collect();
        match holders.len() {
            0 => out.push(format!("shard {index}/{n} is missing")),
            1 => {}
            _ => out.push(format!(
                "shard {index}/{n} is duplicated: {}",
                holders.join(", ")
            )),
        }
    }
    out
}

/// The shards whose own run was invalid or interrupted, one sentence each.
pub fn unsound(reports: &[(PathBuf, JsonReport)]) -> Vec<String> {
    reports
        .iter()
        .filter(|(_, r)| {
            r.summary.partial
                || matches!(r.verdict.outcome, Outcome::Invalid | Outcome::Interrupted)
        })
        .map(|(p, r)| {
            format!(
                "`{}` is {}: {}",
                p.display(),
                r.verdict.outcome.label().to_lowercase(),
                r.verdict.reasons.join("; ")
            )
        })
        .collect()
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
