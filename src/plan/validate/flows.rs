//! Validating flows: names, steps (requests without a weight of their own)
//! and what each step captures for the steps after it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderName;
use serde_saphyr::Spanned;

use super::Validator;
use super::templating::is_identifier;
use crate::checks::JsonPath;
use crate::checks::capture::{Captures, Source};
use crate::core::scope::is_request_name;
use crate::plan::types::{CaptureSpec, FlowSpec, Plan};
use crate::plan::valid::{FlowDef, RequestDef};
use crate::template::RESERVED;

impl Validator<'_> {
    /// Resolves the plan's flows, appending their steps to `requests`.
    pub(super) fn flows<'p>(
        &mut self,
        plan: &'p Plan,
        (host, timeout): (&str, Duration),
        seen: &mut HashMap<&'p str, u64>,
        requests: &mut Vec<RequestDef>,
    ) -> Vec<FlowDef> {
        let mut names: HashMap<&str, u64> = HashMap::new();
        let mut flows = Vec::with_capacity(plan.flows.len());
        for flow in &plan.flows {
            let spec = &flow.value;
            self.flow_name(&mut names, &spec.name);
            if spec.steps.is_empty() {
                let d = self.at(
                    spec.name.referenced,
                    format!("flow `{}` has no steps", spec.name.value),
                );
                self.problem(d.with_help("give `steps:` a list of requests, sent in order"));
            }
            let mut steps = Vec::with_capacity(spec.steps.len());
            for step in &spec.steps {
                let s = &step.value;
                self.unique_name(seen, &s.name);
                if s.weight.referenced.line() != 0 {
                    let d = self.at(
                        s.weight.referenced,
                        format!(
                            "step `{}` of flow `{}` has a `weight`, but steps are sent in order",
                            s.name.value, spec.name.value
                        ),
                    );
                    self.problem(d.with_help("give the flow a `weight` instead"));
                }
                let mut def = self.request(s, &plan.defaults.headers, host, timeout);
                def.weight = 0;
                def.captures = self.captures(plan, spec, &step.value.capture);
                steps.push(requests.len());
                requests.push(def);
            }
            flows.push(FlowDef {
                name: spec.name.value.clone(),
                weight: spec.weight.value,
                steps,
            });
        }
        flows
    }

    fn flow_name<'p>(&mut self, names: &mut HashMap<&'p str, u64>, name: &'p Spanned<String>) {
        if !is_request_name(&name.value) {
            let d = self.at(
                name.referenced,
                format!(
                    "invalid flow name `{}`: use letters, digits, `_` and `-` only",
                    name.value.escape_debug()
                ),
            );
            self.problem(d);
        } else if let Some(first) = names.insert(name.value.as_str(), name.referenced.line()) {
            let d = self.at(
                name.referenced,
                format!("duplicate flow name `{}`", name.value),
            );
            self.problem(d.with_help(format!(
                "flow names must be unique (first used on line {first})"
            )));
        }
    }

    /// A step's captures, compiled; `None` when it has none.
    fn captures(
        &mut self,
        plan: &Plan,
        flow: &FlowSpec,
        specs: &std::collections::BTreeMap<String, Spanned<CaptureSpec>>,
    ) -> Option<Arc<Captures>> {
        let mut list = Vec::with_capacity(specs.len());
        for (name, spec) in specs {
            let at = spec.referenced;
            let taken = if !is_identifier(name) {
                Err(format!(
                    "invalid capture name `{}`: use letters, digits and `_`, not starting with a digit",
                    name.escape_debug()
                ))
            } else if RESERVED.contains(&name.as_str()) || plan.data.contains_key(name) {
                Err(format!(
                    "capture `{name}` hides the template variable of the same name"
                ))
            } else {
                source(&spec.value).map_err(|e| format!("capture `{name}`: {e}"))
            };
            match taken {
                Ok(source) => list.push((name.clone(), source)),
                Err(message) => {
                    let d = self.at(at, format!("flow `{}`: {message}", flow.name.value));
                    self.problem(d.with_help(
                        "write e.g. `capture: { token: \"$.access_token\", loc: { header: location } }`",
                    ));
                }
            }
        }
        (!list.is_empty()).then(|| Arc::new(Captures::new(list)))
    }
}

/// Where a capture comes from, checked.
fn source(spec: &CaptureSpec) -> Result<Source, String> {
    match spec {
        CaptureSpec::Json(path) => JsonPath::parse(path).map(Source::Json),
        CaptureSpec::Header { header } => HeaderName::from_bytes(header.as_bytes())
            .map(|h| Source::Header(h.as_str().to_owned()))
            .map_err(|_| format!("invalid header name `{}`", header.escape_debug())),
    }
}
