//! Reading a plan file: bytes → text with `${VAR}` filled → typed [`Plan`].
//!
//! All YAML I/O of the project is here. Every failure is a [`PlanError`] whose
//! diagnostics carry the file, line and column.

use std::cell::RefCell;
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::diagnostic::Diagnostic;
use super::env;
use super::secrets::Secrets;
use super::types::Plan;
use crate::core::bounded::{self, BoundedReadError};
use crate::core::suggest::nearest;

/// The largest plan file accepted.
pub const MAX_PLAN_BYTES: u64 = 16 * 1024 * 1024;

/// A plan that could not be loaded or validated: one or more located problems.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanError {
    /// Every problem found, in source order where known.
    pub diagnostics: Vec<Diagnostic>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl PlanError {
    /// The same errors with every secret value replaced.
    pub fn redacted(mut self, secrets: &Secrets) -> Self {
        for d in &mut self.diagnostics {
            d.redact(secrets);
        }
        self
    }
}

impl From<Diagnostic> for PlanError {
    fn from(d: Diagnostic) -> Self {
        PlanError {
            diagnostics: vec![d],
        }
    }
}

/// A plan file's text, after `${VAR}` substitution, with what is needed to
/// point at it.
#[derive(Debug, Clone)]
pub struct PlanSource {
    /// The file as given.
    pub file: String,
    /// The folder relative paths in the plan resolve against.
    pub dir: PathBuf,
    /// The text after substitution.
    pub text: String,
    /// SHA-256 of the file's bytes (before substitution), hex.
    pub hash: String,
    /// The values of secret-looking environment variables the plan references.
    pub secrets: Secrets,
}

impl PlanSource {
    /// A problem at a line and column of this source.
    pub fn diagnostic(&self, line: u64, column: u64, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.file, &self.text, line, column, message.into())
    }
}

/// Reads a plan file and fills `${VAR}` references from the process environment.
///
/// # Errors
///
/// When the file cannot be read, is too large, is not UTF-8 text, or a
/// reference cannot be filled.
pub fn read(path: &Path) -> Result<PlanSource, PlanError> {
    read_with_env(path, |name| std::env::var(name).ok())
}

/// [`read`] with an explicit variable lookup.
///
/// # Errors
///
/// As [`read`].
pub fn read_with_env(
    path: &Path,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<PlanSource, PlanError> {
    let file = path.display().to_string();
    let whole = |message: String| Diagnostic::new(&file, "", 0, 0, message);
    let meta = std::fs::metadata(path).map_err(|e| whole(format!("cannot read the plan: {e}")))?;
    if meta.is_dir() {
        return Err(whole("the plan is a directory, not a file".into()).into());
    }
    let bytes = bounded::read(path, MAX_PLAN_BYTES).map_err(|e| match e {
        BoundedReadError::TooLarge { limit } => {
            whole(format!("the plan is too large: the limit is {limit} bytes"))
        }
        BoundedReadError::Io(e) => whole(format!("cannot read the plan: {e}")),
    })?;
    let hash = hex(&Sha256::digest(&bytes));
    let raw = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let good = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
        let line = good.matches('\n').count() as u64 + 1;
        let column = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
        Diagnostic::new(
            &file,
            &good,
            line,
            column,
            format!("the plan is not UTF-8 text (invalid byte at offset {at})"),
        )
    })?;
    if raw.contains('\0') {
        return Err(whole("the plan contains NUL bytes: it is not a text file".into()).into());
    }
    let secrets = RefCell::new(Secrets::default());
    let text = env::substitute(&raw, |name| {
        let value = lookup(name);
        if let Some(v) = &value {
            secrets.borrow_mut().add_env(name, v);
        }
        value
    })
    .map_err(|e| Diagnostic::new(&file, &raw, e.line, e.column, e.message).with_help(e.help))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    Ok(PlanSource {
        file,
        dir,
        text,
        hash,
        secrets: secrets.into_inner(),
    })
}

/// Parses the source into a typed [`Plan`].
///
/// # Errors
///
/// YAML syntax errors, tabs, duplicate keys, unknown keys (with the nearest
/// valid one suggested), wrong types and malformed values, each located.
pub fn parse(source: &PlanSource) -> Result<Plan, PlanError> {
    if source.text.trim().is_empty() || source.text.lines().all(is_blank_or_comment) {
        return Err(source
            .diagnostic(0, 0, "the plan is empty")
            .with_help("start from plans/predict.yaml, or see `perfgate schema plan`")
            .into());
    }
    serde_saphyr::from_str::<Plan>(&source.text).map_err(|e| yaml_diagnostic(source, &e).into())
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#') || t == "---"
}

/// Turns a serde-saphyr error into a located diagnostic with our wording.
fn yaml_diagnostic(source: &PlanSource, err: &serde_saphyr::Error) -> Diagnostic {
    let (line, column) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
    let raw = err.without_snippet().to_string();
    let message = strip_location(&raw).to_string();
    let (message, help) = reword(&message);
    let d = source.diagnostic(line, column, message);
    match help {
        Some(h) => d.with_help(h),
        None => d,
    }
}

/// Drops serde-saphyr's trailing ` at line L, column C`.
fn strip_location(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(i) if message[i..].contains(", column ") => &message[..i],
        _ => message,
    }
}

/// Rewords library messages into plan terms and finds a suggestion.
fn reword(message: &str) -> (String, Option<String>) {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        if let Some((field, tail)) = rest.split_once('`') {
            let expected = expected_names(tail);
            let help = nearest(field, expected.iter().copied())
                .map(|k| format!("did you mean `{k}`?"))
                .or_else(|| Some(format!("valid keys here: {}", expected.join(", "))));
            return (format!("unknown key `{field}`"), help);
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((value, tail)) = rest.split_once('`') {
            let expected = expected_names(tail);
            let help = nearest(value, expected.iter().copied()).map_or_else(
                || format!("valid values here: {}", expected.join(", ")),
                |k| format!("did you mean `{k}`?"),
            );
            return (format!("unknown value `{value}`"), Some(help));
        }
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(',').next().unwrap_or(rest);
        return (
            format!("duplicate key `{key}`"),
            Some("each key may appear only once in a mapping; remove or rename one".into()),
        );
    }
    if let Some(field) = message.strip_prefix("missing field `") {
        let field = field.trim_end_matches('`');
        return (
            format!("missing required key `{field}`"),
            Some("see `perfgate schema plan` for the plan format".into()),
        );
    }
    if let Some(ty) = message.strip_prefix("invalid ") {
        let expected = match ty {
            "u32" => Some("a whole number from 0 to 4294967295"),
            "u8" | "u16" | "u64" | "usize" => Some("a whole number ≥ 0"),
            "i32" | "i64" => Some("a whole number"),
            "f32" | "f64" => Some("a number"),
            "bool" | "boolean" => Some("true or false"),
            _ => None,
        };
        if let Some(expected) = expected {
            return (format!("expected {expected} here"), None);
        }
    }
    if let Some(breach) = message.strip_prefix("budget breached: ") {
        let what = breach.split([' ', '{']).next().unwrap_or(breach);
        let (message, help) = match what {
            "Nodes" | "Aliases" | "Anchors" | "Events" => (
                "the plan expands to too many YAML nodes (anchors and aliases `*name` multiply what they repeat)",
                "a plan this large is almost certainly an alias bomb; write the values out or use `json_file`",
            ),
            "Depth" => (
                "the plan is nested too deeply",
                "flatten the structure, or move a large body to `json_file`",
            ),
            _ => (
                "the plan exceeds the YAML parser's resource limits",
                "make the plan smaller, or move large bodies to `json_file`",
            ),
        };
        return (format!("{message} ({what} limit)"), Some(help.into()));
    }
    if message.starts_with("recursion limit exceeded") {
        return (
            "the plan is nested too deeply".into(),
            Some("flatten the structure, or move a large body to `json_file`".into()),
        );
    }
    if message.starts_with("non-finite float") {
        return (
            "NaN and infinity are not allowed here; expected a finite number".into(),
            None,
        );
    }
    if message.starts_with("tabs disallowed") {
        return (
            "a tab is used for indentation".into(),
            Some("YAML indentation must use spaces".into()),
        );
    }
    (message.to_string(), None)
}

/// The names in the tail of serde's "unknown ..." messages:
/// ``, expected one of `a`, `b`, `c` `` or ``, expected `a` or `b` ``.
fn expected_names(tail: &str) -> Vec<&str> {
    tail.trim_start_matches(", expected one of ")
        .trim_start_matches(", expected ")
        .split([',', ' '])
        .map(|s| s.trim_matches('`'))
        .filter(|s| !s.is_empty() && *s != "or")
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> PlanSource {
        PlanSource {
            file: "p.yaml".into(),
            dir: PathBuf::from("."),
            text: text.into(),
            hash: String::new(),
            secrets: Secrets::default(),
        }
    }

    fn first(text: &str) -> Diagnostic {
        parse(&source(text)).unwrap_err().diagnostics.remove(0)
    }

    const HEAD: &str = "name: x\nhost: http://127.0.0.1:1\n";

    #[test]
    fn typo_gets_a_suggestion() {
        let d = first(&format!(
            "{HEAD}load:\n  users: 3\n  spawn_rte: 5/s\n  duration: 1s\nrequests: []\n"
        ));
        assert_eq!((d.line, d.column), (5, 3));
        assert_eq!(d.message, "unknown key `spawn_rte`");
        assert_eq!(d.help.as_deref(), Some("did you mean `spawn_rate`?"));
    }

    #[test]
    fn duplicate_keys_and_tabs_and_types() {
        let d = first("name: x\nname: y\n");
        assert_eq!((d.line, d.message.as_str()), (2, "duplicate key `name`"));
        let d = first(&format!("{HEAD}load:\n\tusers: 3\n"));
        assert_eq!(d.line, 4);
        assert!(d.help.unwrap().contains("spaces"));
        let d = first(&format!(
            "{HEAD}load:\n  users: many\n  duration: 1s\nrequests: []\n"
        ));
        assert_eq!((d.line, d.column), (4, 10));
        assert!(d.message.contains("whole number"), "{}", d.message);
    }

    #[test]
    fn unknown_value_lists_the_valid_ones() {
        let d = first(&format!(
            "{HEAD}connections: pooled\nload: {{users: 1, duration: 1s}}\nrequests: []\n"
        ));
        assert_eq!((d.line, d.column), (3, 14));
        assert_eq!(d.message, "unknown value `pooled`");
        assert_eq!(
            d.help.as_deref(),
            Some("valid values here: per_user, shared")
        );
        let d = first(&format!(
            "{HEAD}connections: sharred\nload: {{users: 1, duration: 1s}}\nrequests: []\n"
        ));
        assert_eq!(d.help.as_deref(), Some("did you mean `shared`?"));
    }

    #[test]
    fn empty_plan() {
        assert_eq!(first("# nothing\n\n").message, "the plan is empty");
    }

    #[test]
    fn bad_slo_is_located() {
        let d = first(&format!(
            "{HEAD}load: {{users: 1, duration: 1s}}\nrequests: []\nslo:\n  - p95 < 300 parsecs\n"
        ));
        assert_eq!(d.line, 6);
        assert!(d.message.contains("parsecs"), "{}", d.message);
    }

    #[test]
    fn strips_library_location_suffix() {
        assert_eq!(strip_location("bad thing at line 4, column 2"), "bad thing");
        assert_eq!(strip_location("at line one"), "at line one");
    }
}
