//! Like with like: two reports can be compared only when they come from the
//! same plan, with the same workload model and the same request names.

use crate::core::summary::Summary;

/// Every way `new` differs from `base` that makes a comparison meaningless,
/// one sentence each; empty when they are comparable.
pub fn mismatches(base: &Summary, new: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if base.plan.hash != new.plan.hash {
        out.push(format!(
            "plan hash differs: baseline `{}` ({}) vs new `{}` ({})",
            short(&base.plan.hash),
            base.plan.file,
            short(&new.plan.hash),
            new.plan.file
        ));
    }
    if base.load.model != new.load.model {
        out.push(format!(
            "load model differs: baseline `{}` vs new `{}`",
            base.load.model, new.load.model
        ));
    }
    let names = |s: &Summary| {
        s.requests
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>()
    };
    let (b, n) = (names(base), names(new));
    if b != n {
        out.push(format!(
            "request names differ: baseline [{}] vs new [{}]",
            b.join(", "),
            n.join(", ")
        ));
    }
    out
}

/// Every way a baseline differs from the plan about to run (its hash, its
/// load model — `closed` or `open` — and its request names), checked before
/// any load is sent.
pub fn plan_mismatches(base: &Summary, hash: &str, model: &str, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    if base.plan.hash != hash {
        out.push(format!(
            "plan hash differs: baseline `{}` ({}) vs this plan `{}`",
            short(&base.plan.hash),
            base.plan.file,
            short(hash)
        ));
    }
    if base.load.model != model {
        out.push(format!(
            "load model differs: baseline `{}` vs this plan `{model}`",
            base.load.model
        ));
    }
    let theirs: Vec<&str> = base.requests.iter().map(|r| r.name.as_str()).collect();
    if theirs != names {
        out.push(format!(
            "request names differ: baseline [{}] vs this plan [{}]",
            theirs.join(", "),
            names.join(", ")
        ));
    }
    out
}

/// The first 12 hex digits of a hash.
fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};

    #[test]
    fn lists_every_difference() {
        let base = summary(vec![stats("predict", &spread(10, 5.0), 0)]);
        assert!(mismatches(&base, &base.clone()).is_empty());
        let mut new = summary(vec![stats("health", &spread(10, 5.0), 0)]);
        new.plan.hash = "f".repeat(64);
        new.load.model = "open".to_string();
        let found = mismatches(&base, &new);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].contains("plan hash differs"), "{found:?}");
        assert!(found[1].contains("`closed` vs new `open`"), "{found:?}");
        assert!(found[2].contains("[predict] vs new [health]"), "{found:?}");
    }
}
