//! Validating templates and feeders: every template compiles, reads only
//! variables that exist, and renders with the first row of every feeder
//! before anything is sent; every feeder's file reads cleanly.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_saphyr::Location;

use super::Validator;
use crate::core::suggest::nearest;
use crate::data::{Feeder, Feeders, Order, read_rows};
use crate::plan::types::{Plan, RequestSpec};
use crate::plan::valid::{RequestDef, Workload};
use crate::template::body::{self, has_template, is_template};
use crate::template::functions::TYPED_FILTER;
use crate::template::request::{BodyTemplate, Part, RequestTemplate};
use crate::template::{RESERVED, Templating};

impl Validator<'_> {
    /// Reads the feeders, compiles the requests' templates into `requests`
    /// and returns the run's templating.
    pub(super) fn templating(
        &mut self,
        plan: &Plan,
        load: &Workload,
        host: &str,
        requests: &mut [RequestDef],
    ) -> Templating {
        let mut env_vars = BTreeMap::new();
        for name in &plan.env {
            match std::env::var(&name.value) {
                Ok(value) => {
                    env_vars.insert(name.value.clone(), value);
                }
                Err(_) => {
                    let d = self.at(
                        name.referenced,
                        format!(
                            "environment variable `{}` (listed in `env`) is not set",
                            name.value
                        ),
                    );
                    self.problem(d.with_help("set it, or remove it from `env`"));
                }
            }
        }
        let feeders = self.feeders(plan, load);
        let vars = serde_json::Value::Object(plan.vars.clone().into_iter().collect());
        let mut t = Templating::new(Feeders::new(feeders), env_vars, &vars, load.seed());
        // In the order of `requests`: the plan's requests, then every flow's
        // steps, each with the captures of the steps before it.
        let mut specs: Vec<(&RequestSpec, usize, Option<usize>)> =
            plan.requests.iter().map(|s| (&s.value, 0, None)).collect();
        let mut flow_captures = Vec::with_capacity(plan.flows.len());
        for (f, flow) in plan.flows.iter().enumerate() {
            let mut captured = Vec::new();
            for step in &flow.value.steps {
                specs.push((&step.value, captured.len(), Some(f)));
                captured.extend(step.value.capture.keys().cloned());
            }
            flow_captures.push(captured);
        }
        for (index, ((spec, before, flow), def)) in
            specs.iter().zip(requests.iter_mut()).enumerate()
        {
            let all = flow.and_then(|f| flow_captures.get(f));
            let all = all.map_or(&[][..], Vec::as_slice);
            let known = Known {
                host,
                at: spec.name.referenced,
                captured: &all[..(*before).min(all.len())],
                later: &all[(*before).min(all.len())..],
            };
            def.template = self
                .request_template(&mut t, index, spec, def, &known)
                .map(Arc::new);
        }
        t
    }

    fn feeders(&mut self, plan: &Plan, load: &Workload) -> Vec<Feeder> {
        let mut out = Vec::with_capacity(plan.data.len());
        for (name, spec) in &plan.data {
            let at = spec.file.referenced;
            if !is_identifier(name) || RESERVED.contains(&name.as_str()) {
                let d = self.at(at, format!("invalid data name `{}`", name.escape_debug()));
                self.problem(d.with_help(format!(
                    "use letters, digits and `_`, not starting with a digit, and none of {}",
                    RESERVED.join(", ")
                )));
                continue;
            }
            let path = self.source.dir.join(&spec.file.value);
            let rows = match read_rows(&path, &spec.text) {
                Ok(rows) => rows,
                Err(e) => {
                    let d = self.at(at, format!("data `{name}`: {e}"));
                    self.problem(
                        d.with_help("a relative `file` is resolved against the plan's folder"),
                    );
                    continue;
                }
            };
            if spec.order == Order::PerUser {
                match load {
                    Workload::Open(_) => {
                        let d = self.at(
                            at,
                            format!(
                                "data `{name}`: `order: per_user` needs the closed model (`users`)"
                            ),
                        );
                        self.problem(d.with_help(
                            "use `sequential`: each row once per pass, shared by all arrivals",
                        ));
                        continue;
                    }
                    Workload::Closed(l) if (rows.len() as u64) < u64::from(l.users) => {
                        let d = self.at(
                            at,
                            format!(
                                "data `{name}`: {} rows cannot be dealt out to {} users",
                                rows.len(),
                                l.users
                            ),
                        );
                        self.problem(
                            d.with_help("give at least one row per user, or use `sequential`"),
                        );
                        continue;
                    }
                    Workload::Closed(_) => {}
                }
            }
            let seed = load.seed()
                ^ name
                    .bytes()
                    .fold(0u64, |h, b| h.rotate_left(5) ^ u64::from(b));
            let mut feeder = Feeder::new(name.clone(), rows, spec.order, spec.on_end, seed);
            feeder.file_bytes = std::fs::metadata(&path).map_or(0, |m| m.len());
            feeder.batch = spec.batch.as_ref().map(|b| b.value);
            out.push(feeder);
        }
        out
    }

    /// The templated parts of one request, compiled and checked; `None` when
    /// nothing in it is templated.
    fn request_template(
        &mut self,
        t: &mut Templating,
        index: usize,
        spec: &RequestSpec,
        def: &RequestDef,
        known: &Known<'_>,
    ) -> Option<RequestTemplate> {
        let Known {
            host,
            at,
            captured,
            later,
        } = *known;
        let name = &def.name;
        let mut c = Compiled {
            request: name,
            at,
            list: Vec::new(),
        };
        let path = is_template(&spec.path.value)
            .then(|| {
                self.compile(
                    t,
                    &mut c,
                    "path",
                    spec.path.value.clone(),
                    spec.path.value.clone(),
                )
            })
            .flatten();
        let query = self.parts(t, &mut c, "query", &def.query);
        let headers = self.parts(t, &mut c, "header", &def.headers);
        let body = match (&spec.json, &spec.body) {
            (Some(json), _) if has_template(json) => {
                let rows = single_rows(t);
                let mut add = |source: String, typed: bool| {
                    let shown = if typed {
                        typed_shown(&source)
                    } else {
                        source.clone()
                    };
                    self.compile(t, &mut c, "json", source, shown).ok_or(())
                };
                body::compile(json, &mut add, &|expr| column_of(&rows, expr))
                    .ok()
                    .map(BodyTemplate::Json)
            }
            (_, Some(text)) if is_template(text) => self
                .compile(t, &mut c, "body", text.clone(), text.clone())
                .map(BodyTemplate::Text),
            _ => None,
        };
        let compiled = c.list;
        if compiled.is_empty() {
            return None;
        }
        let feeder_names: Vec<&str> = t.feeders.all.iter().map(|f| f.name.as_str()).collect();
        let feeder_columns: Vec<String> = t
            .feeders
            .all
            .iter()
            .map(|f| format!("{} ({})", f.name, f.columns().join(", ")))
            .collect();
        let mut feeders: Vec<usize> = Vec::new();
        for (id, shown) in &compiled {
            let mut unknown = false;
            for root in t.roots(id) {
                if let Some(i) = feeder_names.iter().position(|n| *n == root) {
                    if !feeders.contains(&i) {
                        feeders.push(i);
                    }
                } else if !RESERVED.contains(&root.as_str()) && !captured.contains(&root) {
                    unknown = true;
                    let known = RESERVED
                        .iter()
                        .copied()
                        .chain(feeder_names.iter().copied())
                        .chain(captured.iter().map(String::as_str));
                    let help = if later.contains(&root) {
                        format!(
                            "`{root}` is captured by a later step; a step reads only what the steps before it captured"
                        )
                    } else {
                        match nearest(&root, known) {
                            Some(n) => format!("did you mean `{n}`?"),
                            None => known_variables(&feeder_columns),
                        }
                    };
                    let d = self.template_diagnostic(
                        at,
                        shown,
                        format!(
                            "request `{name}`: unknown variable `{root}` in template `{shown}`"
                        ),
                    );
                    self.problem(d.with_help(help));
                }
            }
            if !unknown && let Err(e) = t.try_render(id, name, captured) {
                let d = self.template_diagnostic(
                    at,
                    shown,
                    format!("request `{name}`: template `{shown}` fails: {e}"),
                );
                self.problem(d.with_help(known_variables(&feeder_columns)));
            }
        }
        feeders.sort_unstable();
        Some(RequestTemplate {
            index,
            host: host.to_owned(),
            path,
            query,
            headers,
            body,
            feeders,
        })
    }

    /// Compiles one template of request `c.request`; its name, or `None`
    /// after reporting a syntax error.
    fn compile(
        &mut self,
        t: &mut Templating,
        c: &mut Compiled<'_>,
        part: &str,
        source: String,
        shown: String,
    ) -> Option<String> {
        let id = format!("{}#{part}#{}", c.request, c.list.len());
        // Syntax errors are described on the text as written.
        let checked = if source == shown {
            Ok(())
        } else {
            t.check(&shown)
        };
        match checked.and_then(|()| t.add(id.clone(), source)) {
            Ok(()) => {
                c.list.push((id.clone(), shown));
                Some(id)
            }
            Err(e) => {
                let message = format!("request `{}`: invalid template in {part}: {e}", c.request);
                let d = self.template_diagnostic(c.at, &shown, message);
                self.problem(d);
                None
            }
        }
    }

    /// Query parameters or headers with their templates compiled; `None`
    /// when none is templated.
    fn parts(
        &mut self,
        t: &mut Templating,
        c: &mut Compiled<'_>,
        part: &str,
        list: &[(String, String)],
    ) -> Option<Vec<(String, Part)>> {
        if !list.iter().any(|(_, v)| is_template(v)) {
            return None;
        }
        let parts = list
            .iter()
            .map(|(k, v)| {
                let compiled = is_template(v)
                    .then(|| self.compile(t, c, &format!("{part} `{k}`"), v.clone(), v.clone()))
                    .flatten();
                (
                    k.clone(),
                    compiled.map_or_else(|| Part::Fixed(v.clone()), Part::Template),
                )
            })
            .collect();
        Some(parts)
    }

    /// A problem with a template, located at the template's text in the plan
    /// (searched from the request's line), else at the request.
    fn template_diagnostic(
        &self,
        at: Location,
        shown: &str,
        message: String,
    ) -> crate::plan::diagnostic::Diagnostic {
        let needle = shown.trim();
        let from = usize::try_from(at.line()).unwrap_or(1).saturating_sub(1);
        let found = self
            .source
            .text
            .lines()
            .enumerate()
            .skip(from)
            .find_map(|(i, line)| line.find(needle).map(|col| (i, line, col)));
        match found {
            Some((i, line, col)) => {
                let column = line[..col].chars().count() + 1;
                self.source.diagnostic(i as u64 + 1, column as u64, message)
            }
            None => self.at(at, message),
        }
    }
}

/// What one request's templates may read besides the plan's variables.
#[derive(Clone, Copy)]
struct Known<'a> {
    /// The host a templated path is appended to.
    host: &'a str,
    /// Where the request is in the plan.
    at: Location,
    /// The values earlier steps of its flow capture.
    captured: &'a [String],
    /// The values it and later steps of its flow capture.
    later: &'a [String],
}

/// The templates of one request compiled so far: names and texts.
struct Compiled<'r> {
    request: &'r str,
    at: Location,
    list: Vec<(String, String)>,
}

/// What templates can read, for help lines; `feeders` with their columns.
fn known_variables(feeders: &[String]) -> String {
    let mut help =
        "templates see user, iteration, request, env.NAME (for names listed in `env`), vars.NAME"
            .to_owned();
    if feeders.is_empty() {
        help.push_str(" and the rows of `data` feeders (none here)");
    } else {
        help.push_str(&format!(
            " and the rows of the feeders {}",
            feeders.join(", ")
        ));
    }
    help
}

/// How a one-expression leaf is shown: as written, `{{ … }}`.
fn typed_shown(source: &str) -> String {
    let inner = source
        .strip_prefix("{{ (")
        .and_then(|s| s.strip_suffix(&format!(")|{TYPED_FILTER} }}}}")))
        .unwrap_or(source);
    format!("{{{{{inner}}}}}")
}

/// The feeders whose name stands for one row (not a batch of rows), with
/// their indices.
fn single_rows(t: &Templating) -> Vec<(String, usize)> {
    let all = t.feeders.all.iter().enumerate();
    all.filter(|(_, f)| f.batch.is_none())
        .map(|(i, f)| (f.name.clone(), i))
        .collect()
}

/// The feeder and column that `expr` reads when it is only `feeder.column`
/// for one of `rows`.
fn column_of(rows: &[(String, usize)], expr: &str) -> Option<(usize, String)> {
    let (name, key) = expr.split_once('.')?;
    let &(_, feeder) = rows.iter().find(|(n, _)| n == name)?;
    (is_identifier(name) && is_identifier(key)).then(|| (feeder, key.to_owned()))
}

/// Whether `name` can be a template variable: letters, digits and `_`, not
/// starting with a digit.
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
