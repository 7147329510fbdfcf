//! Like with like: two runs are compared only when they put the same
//! workload on the target (see `plan::workload`): the same load, connections
//! and requests. A differing host or duration is a note, not a refusal. A
//! record from before workload fingerprints is checked on its load model and
//! request names only, and says so.

use crate::core::summary::Summary;
use crate::core::workload::{Fields, differences};

/// Every way `new` differs from `base` that makes a comparison meaningless,
/// one sentence each; empty when they are comparable.
pub fn mismatches(base: &Summary, new: &Summary) -> Vec<String> {
    let names: Vec<&str> = new.requests.iter().map(|r| r.name.as_str()).collect();
    unlike(base, (&new.plan.workload, &new.load.model, &names), "new")
}

/// Every way a baseline differs from the plan about to run (its workload,
/// load model — `closed` or `open` — and request names), checked before any
/// load is sent.
pub fn plan_mismatches(
    base: &Summary,
    workload: &Fields,
    model: &str,
    names: &[&str],
) -> Vec<String> {
    unlike(base, (workload, model, names), "this plan")
}

/// What differs between the runs without making them unlike (host,
/// duration), and what could not be checked, one sentence each.
pub fn notes(base: &Summary, new: &Summary) -> Vec<String> {
    let mut out = Vec::new();
    if base.plan.host != new.plan.host {
        out.push(format!(
            "the host differs: baseline `{}` vs new `{}`",
            base.plan.host, new.plan.host
        ));
    }
    if base.load.duration_s != new.load.duration_s {
        out.push(format!(
            "the duration differs: baseline {} s vs new {} s",
            base.load.duration_s, new.load.duration_s
        ));
    }
    if base.plan.workload.is_empty() || new.plan.workload.is_empty() {
        out.push(
            "a report predates workload fingerprints: only the load model and request names \
             were compared"
                .to_string(),
        );
    }
    out
}

fn unlike(
    base: &Summary,
    (workload, model, names): (&Fields, &str, &[&str]),
    side: &str,
) -> Vec<String> {
    if !base.plan.workload.is_empty() && !workload.is_empty() {
        return differences(&base.plan.workload, workload)
            .into_iter()
            .map(|d| format!("workload: {d}"))
            .collect();
    }
    let mut out = Vec::new();
    if base.load.model != model {
        out.push(format!(
            "load model differs: baseline `{}` vs {side} `{model}`",
            base.load.model
        ));
    }
    let theirs: Vec<&str> = base.requests.iter().map(|r| r.name.as_str()).collect();
    if theirs != names {
        out.push(format!(
            "request names differ: baseline [{}] vs {side} [{}]",
            theirs.join(", "),
            names.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn without_fingerprints_the_model_and_names_are_compared() {
        let mut base = summary(vec![stats("predict", &spread(10, 5.0), 0)]);
        base.plan.workload.clear();
        assert!(mismatches(&base, &base.clone()).is_empty());
        let mut new = summary(vec![stats("health", &spread(10, 5.0), 0)]);
        new.plan.workload.clear();
        new.plan.hash = "f".repeat(64);
        new.load.model = "open".to_string();
        let found = mismatches(&base, &new);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("`closed` vs new `open`"), "{found:?}");
        assert!(found[1].contains("[predict] vs new [health]"), "{found:?}");
        assert!(notes(&base, &new)[0].contains("predates workload fingerprints"));
    }

    #[test]
    fn workloads_name_the_fields_that_differ_and_ignore_the_file_hash() {
        let mut base = summary(vec![stats("predict", &spread(10, 5.0), 0)]);
        base.plan.workload = fields(&[("load.users", "5"), ("request.predict.path", "#ab")]);
        let mut new = base.clone();
        new.plan.hash = "f".repeat(64);
        new.plan.host = "http://127.0.0.1:9".to_string();
        assert!(mismatches(&base, &new).is_empty());
        assert_eq!(notes(&base, &new).len(), 1, "{:?}", notes(&base, &new));
        new.plan.workload.insert("load.users".into(), "50".into());
        assert_eq!(
            mismatches(&base, &new),
            ["workload: load.users (`5` → `50`)"]
        );
    }
}
