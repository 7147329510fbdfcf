//! Plans for tests that drive the engine or a transport directly: written as
//! YAML and validated by the real loader, so that they hold exactly what a
//! plan file with the same text would, field for field.

use perfgate::plan::ValidPlan;

use super::root;

/// The plan `text` (YAML, as in a plan file), validated as a plan file in
/// the repository root would be: relative paths resolve against the root;
/// no `${VAR}` substitution. Panics with every problem found when the text
/// is not a valid plan.
pub fn from_yaml(text: &str) -> ValidPlan {
    perfgate::plan::from_text("test-plan.yaml", &root(), text.to_owned())
        .unwrap_or_else(|e| panic!("invalid test plan:\n{e}\n--- the plan ---\n{text}"))
}

/// A closed-model plan against `host` whose `load:` is `load`, the entries of
/// a YAML flow mapping such as `users: 4, duration: 1200ms, warmup: 300ms`,
/// after `spawn_rate: 1000/s` (every user starts at once) and `seed: 7`
/// (`load` must not give either again: YAML rejects a duplicate key; write
/// the whole plan with [`from_yaml`] instead). `requests` is the YAML list of
/// `requests:`, one `- ` item per line at any one indentation, e.g.
/// `- { name: ok, path: /ok }`.
pub fn closed(host: &str, load: &str, requests: &str) -> ValidPlan {
    from_yaml(&format!(
        "name: test\nhost: {host}\nload: {{ spawn_rate: 1000/s, seed: 7, {load} }}\nrequests:\n{requests}\n"
    ))
}

/// The text of a plan named `name` whose `users` users GET `/` for
/// `duration`, followed by `tail` (objectives, regression rules). Its host
/// is a closed port: tests give theirs with `--host`.
pub fn get_all(name: &str, users: u32, duration: &str, tail: &str) -> String {
    format!(
        "name: {name}\nhost: http://127.0.0.1:9\nload:\n  users: {users}\n  duration: {duration}\n\
         requests:\n  - name: get\n    method: GET\n    path: /\n{tail}"
    )
}

/// Objectives every healthy run meets.
pub const LOOSE_SLOS: &str = "slo:\n  - p95 < 5s\n  - error_rate < 1%\n";
