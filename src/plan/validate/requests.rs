//! Validating requests: names, paths, headers, bodies, response checks and
//! timeouts, and that at least one request or flow can be sent.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use serde_saphyr::Spanned;

use super::Validator;
use crate::checks::Checks;
use crate::core::bounded;
use crate::core::scope::{ALL, is_request_name};
use crate::core::values::{Dur, Scalar};
use crate::plan::types::{Plan, RequestSpec};
use crate::plan::valid::{Body, FlowDef, RequestDef};

/// The default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest `json_file` accepted.
pub const MAX_JSON_FILE_BYTES: u64 = 64 * 1024 * 1024;

impl Validator<'_> {
    /// A timeout, checked to be longer than 0s; `fallback` (else
    /// [`DEFAULT_TIMEOUT`]) when none is given.
    pub(super) fn timeout(&mut self, timeout: Option<Dur>, fallback: Option<Duration>) -> Duration {
        match timeout {
            Some(Dur(d)) if d.is_zero() => {
                let (line, column) = self.key_location("defaults");
                let d = self
                    .source
                    .diagnostic(line, column, "a `timeout` must be longer than 0s");
                self.problem(d);
                DEFAULT_TIMEOUT
            }
            Some(Dur(d)) => d,
            None => fallback.unwrap_or(DEFAULT_TIMEOUT),
        }
    }

    /// The plan's requests, then every flow's steps, and the flows.
    pub(super) fn requests(
        &mut self,
        plan: &Plan,
        host: &str,
        timeout: Duration,
    ) -> (Vec<RequestDef>, Vec<FlowDef>) {
        if plan.requests.is_empty() && plan.flows.is_empty() {
            let (line, column) = self.key_location("requests");
            let d = self.source.diagnostic(
                line,
                column,
                "the plan has no `requests` and no `flows`: it must name at least one request",
            );
            self.problem(d.with_help("e.g. `requests: [{ name: health, path: /health }]`"));
            return (Vec::new(), Vec::new());
        }
        let mut seen: HashMap<&str, u64> = HashMap::new();
        let mut out = Vec::with_capacity(plan.requests.len());
        for spec in &plan.requests {
            self.unique_name(&mut seen, &spec.value.name);
            if let Some((name, c)) = spec.value.capture.iter().next() {
                let d = self.at(
                    c.referenced,
                    format!(
                        "request `{}` captures `{name}`, but only flow steps capture: later steps of the flow read the value",
                        spec.value.name.value
                    ),
                );
                self.problem(d.with_help("move the request into a flow's `steps`"));
            }
            out.push(self.request(&spec.value, &plan.defaults.headers, host, timeout));
        }
        let flows = self.flows(plan, (host, timeout), &mut seen, &mut out);
        if plan.requests.iter().all(|r| r.value.weight.value == 0)
            && plan.flows.iter().all(|f| f.value.weight.value == 0)
        {
            let (line, column) = self.key_location("requests");
            let d = self.source.diagnostic(
                line,
                column,
                "every request and flow has weight 0, so none would ever be sent",
            );
            self.problem(d.with_help("give at least one request or flow a weight above 0"));
        }
        (out, flows)
    }

    /// Reports a request or step name used before.
    pub(super) fn unique_name<'p>(
        &mut self,
        seen: &mut HashMap<&'p str, u64>,
        name: &'p Spanned<String>,
    ) {
        if let Some(first) = seen.insert(name.value.as_str(), name.referenced.line()) {
            let d = self.at(
                name.referenced,
                format!("duplicate request name `{}`", name.value),
            );
            self.problem(d.with_help(format!(
                "request and step names must be unique (first used on line {first})"
            )));
        }
    }

    /// One request (or flow step) resolved against the host, the default
    /// headers and the default timeout.
    pub(super) fn request(
        &mut self,
        spec: &RequestSpec,
        default_headers: &BTreeMap<String, Scalar>,
        host: &str,
        default_timeout: Duration,
    ) -> RequestDef {
        let name = &spec.name;
        if !is_request_name(&name.value) {
            let d = self.at(
                name.referenced,
                format!(
                    "invalid request name `{}`: use letters, digits, `_` and `-` only",
                    name.value.escape_debug()
                ),
            );
            self.problem(d);
        } else if name.value == ALL {
            let d = self.at(
                name.referenced,
                format!("`{ALL}` is reserved for all requests together"),
            );
            self.problem(d.with_help("choose another name"));
        }
        let path = &spec.path;
        if !path.value.starts_with('/') {
            let d = self.at(
                path.referenced,
                format!("`path` must start with `/`, got `{}`", path.value),
            );
            self.problem(d.with_help(format!("write `/{}`", path.value.trim_start_matches('/'))));
        }
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (k, v) in default_headers.iter().chain(&spec.headers) {
            headers.insert(k.to_ascii_lowercase(), v.0.clone());
        }
        for (k, v) in &headers {
            let bad = if HeaderName::from_bytes(k.as_bytes()).is_err() {
                Some(format!("invalid header name `{k}`"))
            } else if HeaderValue::from_str(v).is_err() {
                Some(format!(
                    "the value of header `{k}` contains characters HTTP does not allow"
                ))
            } else {
                None
            };
            if let Some(message) = bad {
                let d = self.at(
                    name.referenced,
                    format!("request `{}`: {message}", name.value),
                );
                self.problem(d);
            }
        }
        let body = self.body(spec);
        let checks = match Checks::compile(&spec.expect) {
            Ok(c) if c.is_empty() => None,
            Ok(c) => Some(Arc::new(c)),
            Err(problems) => {
                for p in problems {
                    let d = self.at(name.referenced, format!("request `{}`: {p}", name.value));
                    self.problem(d);
                }
                None
            }
        };
        let timeout = match spec.timeout {
            Some(Dur(d)) if d.is_zero() => {
                let d = self.at(
                    name.referenced,
                    format!("request `{}`: `timeout` must be longer than 0s", name.value),
                );
                self.problem(d);
                default_timeout
            }
            Some(Dur(d)) => d,
            None => default_timeout,
        };
        RequestDef {
            name: name.value.clone(),
            weight: spec.weight.value,
            method: spec.method,
            url: format!("{host}{}", path.value),
            query: spec
                .query
                .iter()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect(),
            headers: headers.into_iter().collect(),
            body,
            timeout,
            expect: spec.expect.status.clone(),
            checks,
            template: None,
            captures: None,
        }
    }

    fn body(&mut self, spec: &RequestSpec) -> Option<Body> {
        let given = [
            spec.json.is_some(),
            spec.json_file.is_some(),
            spec.body.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            let d = self.at(
                spec.name.referenced,
                format!("request `{}` has more than one body: give only one of `json`, `json_file` or `body`", spec.name.value),
            );
            self.problem(d);
            return None;
        }
        let json = |bytes: Vec<u8>| Body {
            bytes: Arc::from(bytes),
            content_type: "application/json",
        };
        if let Some(value) = &spec.json {
            return serde_json::to_vec(value).ok().map(json);
        }
        if let Some(text) = &spec.body {
            return Some(Body {
                bytes: Arc::from(text.as_bytes()),
                content_type: "text/plain; charset=utf-8",
            });
        }
        let file = spec.json_file.as_ref()?;
        let path = self.source.dir.join(&file.value);
        let problem = match bounded::read(&path, MAX_JSON_FILE_BYTES) {
            Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(value) => return serde_json::to_vec(&value).ok().map(json),
                Err(e) => format!(
                    "`{}` is not valid JSON: {} at line {}, column {}",
                    path.display(),
                    strip_json_location(&e.to_string()),
                    e.line(),
                    e.column()
                ),
            },
            Err(e) => format!("cannot read json_file `{}`: {e}", path.display()),
        };
        let d = self.at(file.referenced, problem);
        self.problem(d.with_help("a relative `json_file` is resolved against the plan's folder"));
        None
    }
}

fn strip_json_location(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}
