//! The effective workload as a run record keeps it: field → value (see
//! `plan::workload` for what is in it), and how two of them differ.

use std::collections::{BTreeMap, BTreeSet};

/// A plan's effective workload: field → value.
pub type Fields = BTreeMap<String, String>;

/// The fields that differ between two workloads, each as
/// ``field (`base` → `new`)``, `absent` where one side lacks the field.
pub fn differences(base: &Fields, new: &Fields) -> Vec<String> {
    let keys: BTreeSet<&String> = base.keys().chain(new.keys()).collect();
    let show = |v: Option<&String>| v.map_or_else(|| "absent".to_string(), |v| format!("`{v}`"));
    keys.into_iter()
        .filter_map(|key| {
            let (b, n) = (base.get(key), new.get(key));
            (b != n).then(|| format!("{key} ({} → {})", show(b), show(n)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_each_differing_field_once() {
        let base: Fields = [("load.users", "5"), ("gzip", "false"), ("requests", "a")]
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .into();
        let mut new = base.clone();
        new.insert("load.users".into(), "50".into());
        new.remove("requests");
        new.insert("http2".into(), "true".into());
        assert_eq!(
            differences(&base, &new),
            [
                "http2 (absent → `true`)",
                "load.users (`5` → `50`)",
                "requests (`a` → absent)"
            ]
        );
        assert!(differences(&base, &base).is_empty());
    }
}
