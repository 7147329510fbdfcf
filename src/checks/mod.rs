//! Expectations beyond the status: JSON path checks, body text, headers
//! and size. A response that fails one is a failed request of the kind
//! `expectation`, and the message names the check.

pub mod capture;
mod path;
pub mod spec;

use regex::Regex;
use serde_json::Value;

pub use path::JsonPath;
use spec::{ExpectSpec, JsonCheckSpec, JsonType};

/// The largest body kept in memory for checks; a larger one fails them.
pub const MAX_CHECKED_BODY: usize = 64 * 1024 * 1024;

/// One check on the values a path selects.
#[derive(Debug, Clone)]
enum JsonCheck {
    Exists(bool),
    Equals(Value),
    Matches(Regex),
    Type(JsonType),
    Below(f64),
    Above(f64),
    Length(u64),
}

/// The compiled expectations of one request.
#[derive(Debug, Clone, Default)]
pub struct Checks {
    json: Vec<(JsonPath, Vec<JsonCheck>)>,
    body_contains: Option<String>,
    body_matches: Option<Regex>,
    header: Vec<(String, String)>,
    max_size: Option<u64>,
}

/// What a response offers the checks.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// The whole body, when it was kept (`None`: larger than [`MAX_CHECKED_BODY`]).
    pub body: Option<&'a [u8]>,
    /// The body's size in bytes.
    pub size: u64,
    /// The checked headers that were present, names lower-case.
    pub headers: &'a [(String, String)],
}

impl Checks {
    /// Compiles the checks of `spec`.
    ///
    /// # Errors
    ///
    /// Every problem (a bad path, regex or check word), as messages.
    pub fn compile(spec: &ExpectSpec) -> Result<Checks, Vec<String>> {
        let mut problems = Vec::new();
        let regex = |text: &str, what: &str, problems: &mut Vec<String>| match Regex::new(text) {
            Ok(r) => Some(r),
            Err(e) => {
                problems.push(format!("invalid regular expression in {what}: {e}"));
                None
            }
        };
        let mut json = Vec::new();
        for (text, check) in &spec.json {
            let mut list = Vec::new();
            match check {
                JsonCheckSpec::Word(w) if w == "exists" => list.push(JsonCheck::Exists(true)),
                JsonCheckSpec::Word(w) if w == "absent" => list.push(JsonCheck::Exists(false)),
                JsonCheckSpec::Word(w) => {
                    problems.push(format!("unknown check `{w}` for `{text}`: expected `exists`, `absent` or a map such as `{{ equals: 1 }}`"));
                }
                JsonCheckSpec::Checks(c) => {
                    list.extend(c.exists.map(JsonCheck::Exists));
                    list.extend(c.equals.clone().map(JsonCheck::Equals));
                    if let Some(m) = &c.matches {
                        list.extend(
                            regex(m, &format!("`{text}`"), &mut problems).map(JsonCheck::Matches),
                        );
                    }
                    list.extend(c.kind.map(JsonCheck::Type));
                    list.extend(c.below.map(JsonCheck::Below));
                    list.extend(c.above.map(JsonCheck::Above));
                    list.extend(c.length.map(JsonCheck::Length));
                    if list.is_empty() {
                        problems.push(format!("no check given for `{text}`"));
                    }
                }
            }
            match JsonPath::parse(text) {
                Ok(path) => json.push((path, list)),
                Err(e) => problems.push(e),
            }
        }
        let body_matches = spec
            .body_matches
            .as_deref()
            .and_then(|m| regex(m, "body_matches", &mut problems));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Checks {
            json,
            body_contains: spec.body_contains.clone(),
            body_matches,
            header: spec
                .header
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
                .collect(),
            max_size: spec.max_size,
        })
    }

    /// Whether there is nothing to check.
    pub fn is_empty(&self) -> bool {
        self.json.is_empty()
            && self.body_contains.is_none()
            && self.body_matches.is_none()
            && self.header.is_empty()
            && self.max_size.is_none()
    }

    /// Whether the checks read the body (not just its size).
    pub fn needs_body(&self) -> bool {
        !self.json.is_empty() || self.body_contains.is_some() || self.body_matches.is_some()
    }

    /// The headers the checks read, lower-case.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        self.header.iter().map(|(k, _)| k.as_str())
    }

    /// Checks a response; the first failure, described with its check.
    ///
    /// # Errors
    ///
    /// E.g. ``expect `$.preds[0]` equals "1": got "0"``.
    pub fn verify(&self, response: Response<'_>) -> Result<(), String> {
        if let Some(max) = self.max_size
            && response.size > max
        {
            return Err(format!(
                "expect max_size {max} bytes: the body has {} bytes",
                response.size
            ));
        }
        for (name, want) in &self.header {
            match response.headers.iter().find(|(k, _)| k == name) {
                Some((_, got)) if got == want => {}
                Some((_, got)) => {
                    return Err(format!("expect header `{name}` = `{want}`: got `{got}`"));
                }
                None => {
                    return Err(format!(
                        "expect header `{name}` = `{want}`: the header is missing"
                    ));
                }
            }
        }
        if !self.needs_body() {
            return Ok(());
        }
        let Some(body) = response.body else {
            return Err(format!(
                "expect: the body has {} bytes, more than the {MAX_CHECKED_BODY} bytes checks can read",
                response.size
            ));
        };
        let text = String::from_utf8_lossy(body);
        if let Some(needle) = &self.body_contains
            && !text.contains(needle.as_str())
        {
            return Err(format!("expect body_contains `{needle}`: not found"));
        }
        if let Some(re) = &self.body_matches
            && !re.is_match(&text)
        {
            return Err(format!("expect body_matches `{}`: no match", re.as_str()));
        }
        if self.json.is_empty() {
            return Ok(());
        }
        let doc: Value = serde_json::from_slice(body)
            .map_err(|e| format!("expect json: the body is not JSON ({e})"))?;
        for (path, checks) in &self.json {
            let found = path.select(&doc);
            for check in checks {
                check_values(path.as_str(), check, &found)?;
            }
        }
        Ok(())
    }
}

/// One check on the selected values.
fn check_values(path: &str, check: &JsonCheck, found: &[&Value]) -> Result<(), String> {
    match check {
        JsonCheck::Exists(true) if found.is_empty() => {
            return Err(format!("expect `{path}` exists: nothing matched"));
        }
        JsonCheck::Exists(false) if !found.is_empty() => {
            return Err(format!("expect `{path}` absent: found {}", short(found[0])));
        }
        JsonCheck::Exists(_) => return Ok(()),
        _ if found.is_empty() => {
            return Err(format!(
                "expect `{path}` {}: nothing matched",
                describe(check)
            ));
        }
        _ => {}
    }
    for value in found {
        let holds = match check {
            JsonCheck::Exists(_) => true,
            JsonCheck::Equals(want) => *value == want,
            JsonCheck::Matches(re) => value.as_str().is_some_and(|s| re.is_match(s)),
            JsonCheck::Type(t) => type_matches(*t, value),
            JsonCheck::Below(limit) => value.as_f64().is_some_and(|x| x < *limit),
            JsonCheck::Above(limit) => value.as_f64().is_some_and(|x| x > *limit),
            JsonCheck::Length(n) => length(value) == Some(*n),
        };
        if !holds {
            return Err(format!(
                "expect `{path}` {}: got {}",
                describe(check),
                short(value)
            ));
        }
    }
    Ok(())
}

fn describe(check: &JsonCheck) -> String {
    match check {
        JsonCheck::Exists(true) => "exists".into(),
        JsonCheck::Exists(false) => "absent".into(),
        JsonCheck::Equals(v) => format!("equals {}", short(v)),
        JsonCheck::Matches(re) => format!("matches `{}`", re.as_str()),
        JsonCheck::Type(t) => format!("type {}", type_name(*t)),
        JsonCheck::Below(x) => format!("< {x}"),
        JsonCheck::Above(x) => format!("> {x}"),
        JsonCheck::Length(n) => format!("length {n}"),
    }
}

fn type_name(t: JsonType) -> &'static str {
    match t {
        JsonType::String => "string",
        JsonType::Number => "number",
        JsonType::Integer => "integer",
        JsonType::Boolean => "boolean",
        JsonType::Array => "array",
        JsonType::Object => "object",
        JsonType::Null => "null",
    }
}

fn type_matches(t: JsonType, v: &Value) -> bool {
    match t {
        JsonType::String => v.is_string(),
        JsonType::Number => v.is_number(),
        JsonType::Integer => v.is_i64() || v.is_u64(),
        JsonType::Boolean => v.is_boolean(),
        JsonType::Array => v.is_array(),
        JsonType::Object => v.is_object(),
        JsonType::Null => v.is_null(),
    }
}

fn length(v: &Value) -> Option<u64> {
    match v {
        Value::Array(a) => Some(a.len() as u64),
        Value::String(s) => Some(s.chars().count() as u64),
        Value::Object(o) => Some(o.len() as u64),
        _ => None,
    }
}

/// A value as JSON, cut to 60 characters.
fn short(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spec::JsonChecks;

    fn checks(spec: ExpectSpec) -> Checks {
        Checks::compile(&spec).unwrap()
    }

    fn verify(c: &Checks, body: &str, headers: &[(String, String)]) -> Result<(), String> {
        c.verify(Response {
            body: Some(body.as_bytes()),
            size: body.len() as u64,
            headers,
        })
    }

    fn json_check(path: &str, check: JsonCheckSpec) -> Checks {
        checks(ExpectSpec {
            json: [(path.to_owned(), check)].into_iter().collect(),
            ..ExpectSpec::default()
        })
    }

    fn map(f: impl FnOnce(&mut JsonChecks)) -> JsonCheckSpec {
        let mut c = JsonChecks::default();
        f(&mut c);
        JsonCheckSpec::Checks(c)
    }

    #[test]
    fn each_json_check_passes_and_fails() {
        let body = r#"{"preds": ["0", "1"], "items": [{"score": 0.2}, {"score": 0.9}]}"#;
        let cases: Vec<(Checks, &str)> = vec![
            (
                json_check("$.preds", JsonCheckSpec::Word("exists".into())),
                "$.nope",
            ),
            (
                json_check("$.preds[1]", map(|c| c.equals = Some("1".into()))),
                "$.preds[0]",
            ),
            (
                json_check("$.preds[*]", map(|c| c.matches = Some("^[01]$".into()))),
                "$.items",
            ),
            (
                json_check("$.preds", map(|c| c.kind = Some(JsonType::Array))),
                "$.items[0]",
            ),
            (
                json_check("$.items[*].score", map(|c| c.below = Some(1.0))),
                "$.preds",
            ),
            (
                json_check("$.items[*].score", map(|c| c.above = Some(0.1))),
                "$.preds[0]",
            ),
            (
                json_check("$.preds", map(|c| c.length = Some(2))),
                "$.items[0]",
            ),
        ];
        for (passing, other_path) in cases {
            assert_eq!(verify(&passing, body, &[]), Ok(()));
            // The same check on another path fails, naming the check.
            let (path, list) = passing.json[0].clone();
            let mut failing = passing.clone();
            failing.json = vec![(JsonPath::parse(other_path).unwrap(), list)];
            let err = verify(&failing, body, &[]).unwrap_err();
            assert!(
                err.starts_with(&format!("expect `{other_path}`")),
                "{} → {err}",
                path.as_str()
            );
        }
    }

    #[test]
    fn body_header_and_size_checks() {
        let c = checks(ExpectSpec {
            body_contains: Some("preds".into()),
            body_matches: Some(r#""preds":\s*\["#.into()),
            header: [("Content-Type".to_owned(), "application/json".to_owned())]
                .into_iter()
                .collect(),
            max_size: Some(100),
            ..ExpectSpec::default()
        });
        let json = [("content-type".to_owned(), "application/json".to_owned())];
        assert_eq!(verify(&c, r#"{"preds": ["1"]}"#, &json), Ok(()));
        let html = [("content-type".to_owned(), "text/html".to_owned())];
        assert!(
            verify(&c, r#"{"preds": ["1"]}"#, &html)
                .unwrap_err()
                .contains("got `text/html`")
        );
        assert!(
            verify(&c, r#"{"pred": 1}"#, &json)
                .unwrap_err()
                .contains("body_contains")
        );
        assert!(
            verify(&c, r#"{"x": "preds"}"#, &json)
                .unwrap_err()
                .contains("body_matches")
        );
        assert!(
            verify(&c, &"preds".repeat(30), &json)
                .unwrap_err()
                .contains("max_size 100")
        );
    }

    #[test]
    fn bad_specs_are_refused() {
        let spec = ExpectSpec {
            json: [
                ("preds".to_owned(), JsonCheckSpec::Word("exists".into())),
                ("$.a".to_owned(), JsonCheckSpec::Word("present".into())),
            ]
            .into_iter()
            .collect(),
            body_matches: Some("(".into()),
            ..ExpectSpec::default()
        };
        let problems = Checks::compile(&spec).unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }
}
