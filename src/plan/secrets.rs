//! Values that must never appear in any output: the values of environment
//! variables a plan references whose names look secret (`*TOKEN*`,
//! `*SECRET*`, `*PASSWORD*`, `*KEY*`), and the values of the headers that
//! carry credentials (`Authorization`, `Cookie`, `X-Api-Key`,
//! `Proxy-Authorization`). Reports, log lines, error examples and plan
//! errors show `[REDACTED]` in their place.

use std::borrow::Cow;

use super::types::Plan;
use crate::core::summary::Summary;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Parts of environment variable names that mark their values as secret.
const SECRET_NAME_PARTS: [&str; 4] = ["TOKEN", "SECRET", "PASSWORD", "KEY"];

/// Headers whose values are credentials.
const SENSITIVE_HEADERS: [&str; 4] = [
    "authorization",
    "cookie",
    "proxy-authorization",
    "x-api-key",
];

/// Shorter values are not redacted: replacing every `a` or `dev` in every
/// output would hide more than it protects.
const MIN_SECRET_CHARS: usize = 4;

/// The secret values of one plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Secrets {
    /// Longest first, so that a secret containing another is replaced whole.
    values: Vec<String>,
}

/// Whether an environment variable's name marks its value as secret.
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_NAME_PARTS.iter().any(|part| upper.contains(part))
}

impl Secrets {
    /// Adds a secret value (ignored when shorter than 4 characters).
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() < MIN_SECRET_CHARS || self.values.iter().any(|v| v == value) {
            return;
        }
        self.values.push(value.to_owned());
        self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }

    /// Adds the value of an environment variable when its name looks secret.
    pub fn add_env(&mut self, name: &str, value: &str) {
        if is_secret_name(name) {
            self.add(value);
        }
    }

    /// Adds what `plan` marks as secret: the values of the variables it lists
    /// in `secrets:`, of secret-looking variables it lets templates read
    /// (`env:`), and of its credential headers.
    pub fn add_plan(&mut self, plan: &Plan) {
        for name in &plan.secrets {
            if let Ok(value) = std::env::var(name) {
                self.add(&value);
            }
        }
        for name in &plan.env {
            if let Ok(value) = std::env::var(&name.value) {
                self.add_env(&name.value, &value);
            }
        }
        self.add_headers(plan);
    }

    /// Adds the values of the plan's credential headers: the whole value, and
    /// the credential after an auth scheme such as `Bearer`.
    fn add_headers(&mut self, plan: &Plan) {
        let requests = plan.requests.iter().flat_map(|r| r.value.headers.iter());
        for (name, value) in plan.defaults.headers.iter().chain(requests) {
            if SENSITIVE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                self.add(&value.0);
                if let Some((_scheme, credential)) = value.0.trim().split_once(' ') {
                    self.add(credential);
                }
            }
        }
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// `text` with every secret replaced by [`REDACTED`].
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for value in &self.values {
            if out.contains(value.as_str()) {
                out = Cow::Owned(out.replace(value.as_str(), REDACTED));
            }
        }
        out
    }

    /// Redacts every text of a Summary that can carry a secret: error
    /// examples (they quote the target), and the served command's line and
    /// output.
    pub fn redact_summary(&self, summary: &mut Summary) {
        if self.is_empty() {
            return;
        }
        let redact = |text: &mut String| {
            if let Cow::Owned(clean) = self.redact(text) {
                *text = clean;
            }
        };
        for stats in summary.requests.iter_mut().chain([&mut summary.overall]) {
            for example in &mut stats.error_examples {
                redact(&mut example.message);
            }
        }
        if let Some(serve) = &mut summary.serve {
            serve.command.iter_mut().for_each(redact);
            serve.output_tail.iter_mut().for_each(redact);
            redact(&mut serve.exit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_look_secret() {
        for name in [
            "API_TOKEN",
            "db_password",
            "SECRET",
            "X_API_KEY",
            "SigningKey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["HOST", "PREDICT_API", "USERS"] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn redacts_longest_first_and_ignores_short_values() {
        let mut s = Secrets::default();
        s.add("abc");
        s.add("s3cr3t");
        s.add("Bearer s3cr3t");
        assert_eq!(
            s.redact("auth Bearer s3cr3t, raw s3cr3t, abc"),
            "auth [REDACTED], raw [REDACTED], abc"
        );
        assert!(matches!(s.redact("nothing here"), Cow::Borrowed(_)));
    }
}
