//! The effective workload of a plan: what the target is asked to do, field by
//! field, after `${VAR}` substitution and command-line overrides. Two runs
//! are compared like with like when their workloads are equal; a difference
//! names the fields.
//!
//! In it: the load model, users or rate, stages, think time, `max_in_flight`,
//! the connection and protocol settings, and the requests and flows (method,
//! path, query, headers, body, weight, captures), default headers, data
//! feeders and `vars`. Not in it: comments and formatting, the plan's name,
//! the host, the duration, warm-up, seed and grace, timeouts, expectations,
//! SLOs, regression rules, report paths and `serve:`. Those change how a run
//! is judged or where it goes, not what load it is.
//!
//! Counts, rates and settings are kept as written; request parts are kept as
//! a short digest (`#` and 12 hex digits of a SHA-256), so no header value or
//! body reaches a report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::client::{Connections, Trust};
use super::valid::{ValidPlan, Workload};

/// Keys of a request or flow step that do not change the load it puts on.
const CHECKS: [&str; 2] = ["expect", "timeout"];

/// The workload of `plan`, whose substituted text is `text`: field → value.
pub fn describe(text: &str, plan: &ValidPlan) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut put = |key: String, value: String| {
        out.insert(key, plan.secrets.redact(&value).into_owned());
    };
    match &plan.load {
        Workload::Closed(load) => {
            put("load.model".into(), "closed".into());
            put("load.users".into(), load.users.to_string());
            put("load.spawn_rate".into(), format!("{}/s", load.spawn_rate));
            put("load.think_time".into(), load.think_time.to_string());
            let stages: Vec<String> = load
                .stages
                .iter()
                .map(|s| format!("{} over {:?}", s.users, s.over))
                .collect();
            put("load.stages".into(), stages.join(", "));
        }
        Workload::Open(load) => {
            put("load.model".into(), "open".into());
            put("load.rate".into(), format!("{}/s", load.start_rate));
            put("load.max_in_flight".into(), load.max_in_flight.to_string());
            let stages: Vec<String> = load
                .stages
                .iter()
                .map(|s| format!("{}/s over {:?}", s.rate, s.over))
                .collect();
            put("load.stages".into(), stages.join(", "));
        }
    }
    let client = &plan.client;
    let connections = match client.connections {
        Connections::PerUser => "per_user",
        Connections::Shared => "shared",
    };
    put("connections".into(), connections.into());
    put("http2".into(), client.http2.to_string());
    put("gzip".into(), client.gzip.to_string());
    let trust = match &client.trust {
        Trust::System => "system".to_string(),
        Trust::Insecure => "insecure".to_string(),
        Trust::Roots(certs) => format!("ca_file ({} certificates)", certs.len()),
    };
    put("tls".into(), trust);
    put("proxy".into(), client.proxy.is_some().to_string());
    // The text was parsed once already; a failure here leaves out only what
    // the typed plan above does not say.
    if let Ok(tree) = serde_saphyr::from_str::<Value>(text) {
        parts(&tree, &mut out);
    }
    out
}

/// The requests, flows, default headers, feeders and vars of the plan tree,
/// as digests.
fn parts(tree: &Value, out: &mut BTreeMap<String, String>) {
    if let Some(headers) = tree.pointer("/defaults/headers") {
        out.insert("defaults.headers".into(), digest(headers));
    }
    for key in ["data", "vars"] {
        if let Some(value) = tree.get(key) {
            out.insert(key.into(), digest(value));
        }
    }
    for (list, prefix) in [("requests", "request"), ("flows", "flow")] {
        let Some(items) = tree.get(list).and_then(Value::as_array) else {
            continue;
        };
        let names: Vec<&str> = items
            .iter()
            .filter_map(|i| i.get("name").and_then(Value::as_str))
            .collect();
        out.insert(list.into(), names.join(", "));
        for item in items {
            let (Some(name), Some(fields)) =
                (item.get("name").and_then(Value::as_str), item.as_object())
            else {
                continue;
            };
            for (key, value) in fields {
                if key == "name" || CHECKS.contains(&key.as_str()) {
                    continue;
                }
                let shown = match (key.as_str(), value) {
                    ("method" | "weight", _) => plain(value),
                    ("steps", Value::Array(steps)) => {
                        digest(&Value::Array(steps.iter().map(without_checks).collect()))
                    }
                    _ => digest(value),
                };
                out.insert(format!("{prefix}.{name}.{key}"), shown);
            }
        }
    }
}

/// A flow step without its expectations and timeout.
fn without_checks(step: &Value) -> Value {
    match step.as_object() {
        Some(fields) => Value::Object(
            fields
                .iter()
                .filter(|(k, _)| !CHECKS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        None => step.clone(),
    }
}

/// A scalar as written; anything else as its digest.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => digest(other),
    }
}

/// `#` and the first 12 hex digits of the SHA-256 of the value's canonical
/// JSON (object keys sorted).
fn digest(value: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(value, &mut canonical);
    let hash = Sha256::digest(canonical.as_bytes());
    let mut out = String::from("#");
    for byte in &hash[..6] {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(fields) => {
            let mut keys: Vec<&String> = fields.keys().collect();
            keys.sort();
            out.push('{');
            for key in keys {
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&fields[key], out);
                out.push(',');
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for item in items {
                write_canonical(item, out);
                out.push(',');
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}
