//! Templates in requests (minijinja): the path, query values, header
//! values, a raw `body` and every string leaf of `json` may be templates.
//! They are compiled once when the plan is validated, with strict undefined
//! behaviour (a typo is a plan error, never an empty string), and rendered
//! per request. Requests without templates are sent as built at load time.

pub mod body;
mod context;
pub mod functions;
pub mod request;

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

use context::Context;
pub use context::RESERVED;
use request::{RequestTemplate, header_allowed, render_body, render_parts};

use crate::data::{Drawer, Feeders};

/// The compiled templates of a plan, its feeders and the values templates
/// read.
#[derive(Debug)]
pub struct Templating {
    env: Environment<'static>,
    /// The plan's feeders.
    pub feeders: Feeders,
    /// The allowed environment variables, as `env`.
    env_vars: Value,
    /// The plan's `vars`.
    vars: Value,
    /// The run's seed.
    seed: u64,
    /// Feeder names, shared by every context.
    names: Vec<Arc<str>>,
}

impl Default for Templating {
    fn default() -> Self {
        Templating::new(
            Feeders::default(),
            BTreeMap::new(),
            &serde_json::Value::Null,
            0,
        )
    }
}

/// Where one user is: what a render needs besides the plan.
#[derive(Debug, Clone, Default)]
pub struct Who {
    /// The user (closed model) or arrival (open model) number, from 0.
    pub user: u32,
    /// How many users the run has (1 in the open model).
    pub users: u32,
    /// Requests this user sent before.
    pub iteration: u64,
    /// Rows drawn per feeder by this user (for `per_user`).
    pub drawn: Vec<u64>,
    /// The values the steps of the current flow captured so far, by name.
    pub captured: Vec<(Arc<str>, Value)>,
}

impl Who {
    /// Keeps `value` under `name`, replacing an earlier capture of that name.
    pub fn capture(&mut self, name: &str, value: &serde_json::Value) {
        let value = Value::from(minijinja::value::Serde(value));
        match self.captured.iter_mut().find(|(n, _)| &**n == name) {
            Some((_, old)) => *old = value,
            None => self.captured.push((Arc::from(name), value)),
        }
    }
}

/// Why a request could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// A feeder with `on_end: stop` ran out: this user stops (and the run
    /// ends, unless other `per_user` users still have rows).
    #[error("the data is used up")]
    UsedUp,
    /// A template failed at run time.
    #[error("{0}")]
    Render(String),
}

impl Templating {
    /// Templating with no templates yet.
    pub fn new(
        feeders: Feeders,
        env_vars: BTreeMap<String, String>,
        vars: &serde_json::Value,
        seed: u64,
    ) -> Templating {
        let env = environment();
        let names = feeders
            .all
            .iter()
            .map(|f| Arc::from(f.name.as_str()))
            .collect();
        Templating {
            env,
            feeders,
            env_vars: Value::from(minijinja::value::Serde(&env_vars)),
            vars: Value::from(minijinja::value::Serde(vars)),
            seed,
            names,
        }
    }

    /// Gives the run a new seed and keeps only the feeder rows `keep`
    /// accepts (a shard's share of the rows).
    ///
    /// # Errors
    ///
    /// The name of a feeder left without rows.
    pub fn narrow(&mut self, seed: u64, keep: impl Fn(u64) -> bool) -> Result<(), String> {
        self.seed = seed;
        for feeder in &mut self.feeders.all {
            feeder.retain_rows(&keep, seed);
            if feeder.is_empty() {
                return Err(feeder.name.clone());
            }
        }
        Ok(())
    }

    /// Compiles `source` under `name`.
    ///
    /// # Errors
    ///
    /// The syntax error, described.
    pub fn add(&mut self, name: String, source: String) -> Result<(), String> {
        self.env
            .add_template_owned(name, source)
            .map_err(|e| describe(&e))
    }

    /// Checks the syntax of `source` without keeping it.
    ///
    /// # Errors
    ///
    /// The syntax error, described.
    pub fn check(&self, source: &str) -> Result<(), String> {
        self.env
            .template_from_str(source)
            .map(drop)
            .map_err(|e| describe(&e))
    }

    /// The variables template `name` reads that it does not set itself
    /// (top-level names only), functions left out.
    pub fn roots(&self, name: &str) -> HashSet<String> {
        self.env
            .get_template(name)
            .map(|t| t.undeclared_variables(false))
            .unwrap_or_default()
            .into_iter()
            .filter(|v| !functions::NAMES.contains(&v.as_str()))
            .collect()
    }

    /// Renders template `name` with the first row of every feeder, as user 0
    /// on its first request: the check made before the run. The values
    /// `captured` by earlier flow steps stand in as `<captured NAME>`.
    ///
    /// # Errors
    ///
    /// The render error, described.
    pub fn try_render(
        &self,
        name: &str,
        request: &str,
        captured: &[String],
    ) -> Result<String, String> {
        let rows = self
            .names
            .iter()
            .zip(&self.feeders.all)
            .filter_map(|(n, f)| Some((Arc::clone(n), f.first()?)))
            .collect();
        let captured = captured
            .iter()
            .map(|c| {
                (
                    Arc::from(c.as_str()),
                    Value::from(format!("<captured {c}>")),
                )
            })
            .collect();
        let ctx = self.context(request, (0, 0), rows, captured);
        functions::seeded(self.seed, || self.render(name, &ctx))
    }

    fn context(
        &self,
        request: &str,
        (user, iteration): (u32, u64),
        rows: Vec<(Arc<str>, Value)>,
        captured: Vec<(Arc<str>, Value)>,
    ) -> Value {
        Value::from_object(Context {
            user,
            iteration,
            request: Value::from(request),
            env: self.env_vars.clone(),
            vars: self.vars.clone(),
            rows,
            captured,
        })
    }

    fn render(&self, name: &str, ctx: &Value) -> Result<String, String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| describe(&e))
    }

    /// The templated parts of request `name` rendered for `who`, or `None`
    /// when `template` is `None` (the request is sent as built). Advances
    /// `who.iteration` either way.
    ///
    /// # Errors
    ///
    /// [`BuildError::UsedUp`] when a feeder with `on_end: stop` ran out (the
    /// run is told to end), [`BuildError::Render`] when a template failed.
    pub fn render_request(
        &self,
        name: &str,
        template: Option<&RequestTemplate>,
        who: &mut Who,
    ) -> Result<Option<Rendered>, BuildError> {
        let iteration = who.iteration;
        who.iteration += 1;
        let Some(t) = template else {
            return Ok(None);
        };
        let seed = mix(self.seed, who.user, iteration, t.index);
        let mut rng = fastrand::Rng::with_seed(seed ^ 0x5eed_da7a);
        if who.drawn.len() < self.feeders.all.len() {
            who.drawn.resize(self.feeders.all.len(), 0);
        }
        let mut rows = Vec::with_capacity(t.feeders.len());
        for &f in &t.feeders {
            let (Some(feeder), Some(drawn)) = (self.feeders.all.get(f), who.drawn.get_mut(f))
            else {
                continue;
            };
            let mut drawer = Drawer {
                user: who.user,
                users: who.users,
                drawn,
                rng: &mut rng,
            };
            match feeder.draw_for_request(&mut drawer) {
                Some(row) => rows.push((Arc::clone(&self.names[f]), row)),
                None => {
                    if feeder.ends_run(who.users) {
                        self.feeders.used_up(f);
                    }
                    return Err(BuildError::UsedUp);
                }
            }
        }
        let ctx = self.context(name, (who.user, iteration), rows, who.captured.clone());
        let leaves = RequestLeaves {
            templating: self,
            ctx: &ctx,
        };
        let render = |name: &str| self.render(name, &ctx);
        functions::seeded(seed, || {
            let url = match &t.path {
                Some(path) => Some(format!("{}{}", t.host, render(path)?)),
                None => None,
            };
            let query = match &t.query {
                Some(query) => Some(render_parts(query, &render)?),
                None => None,
            };
            let headers = match &t.headers {
                Some(headers) => {
                    let headers = render_parts(headers, &render)?;
                    if let Some((name, _)) = headers.iter().find(|(_, v)| !header_allowed(v)) {
                        return Err(format!(
                            "header `{name}` rendered to characters HTTP does not allow"
                        ));
                    }
                    Some(headers)
                }
                None => None,
            };
            let body = match &t.body {
                Some(body) => Some(render_body(body, &leaves)?),
                None => None,
            };
            Ok(Some(Rendered {
                url,
                query,
                headers,
                body,
            }))
        })
        .map_err(BuildError::Render)
    }
}

/// The templated parts of one request, rendered; `None` where that part is
/// not templated and stays as built.
#[derive(Debug)]
pub struct Rendered {
    /// The full URL: the host and the rendered path.
    pub url: Option<String>,
    /// Query parameters.
    pub query: Option<Vec<(String, String)>>,
    /// Headers.
    pub headers: Option<Vec<(String, String)>>,
    /// The body's bytes.
    pub body: Option<Arc<[u8]>>,
}

/// The leaves of one request's body: templates rendered with its context,
/// columns read from the rows of that context.
struct RequestLeaves<'a> {
    templating: &'a Templating,
    ctx: &'a Value,
}

impl body::Leaves for RequestLeaves<'_> {
    fn template(&self, name: &str) -> Result<String, String> {
        self.templating.render(name, self.ctx)
    }

    fn fused(&self, fused: &body::Fused) -> Result<String, String> {
        fused.render(self.ctx)
    }

    fn column(&self, column: &body::Column, out: &mut Vec<u8>) -> bool {
        let (Some(ctx), Some(name)) = (
            self.ctx.downcast_object_ref::<Context>(),
            self.templating.names.get(column.feeder),
        ) else {
            return false;
        };
        ctx.rows
            .iter()
            .find(|(n, _)| Arc::ptr_eq(n, name))
            .is_some_and(|(_, row)| crate::data::write_column(row, &column.key, out))
    }
}

/// An environment with the settings and functions every template has:
/// strict undefined behaviour, no escaping.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    functions::register(&mut env);
    env
}

/// One render's seed from the run's seed, the user, the iteration and the
/// request (splitmix64 steps, so that neighbours differ in every bit).
fn mix(seed: u64, user: u32, iteration: u64, request: usize) -> u64 {
    let step = |mut z: u64| {
        z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    step(step(step(seed ^ u64::from(user)) ^ iteration) ^ request as u64)
}

/// A minijinja error as one line, with the failing part of the template.
fn describe(e: &minijinja::Error) -> String {
    let mut text = e.kind().to_string();
    if let Some(detail) = e.detail() {
        text.push_str(": ");
        text.push_str(detail);
    }
    if let Some(span) = e.template_source().zip(e.range()) {
        if let Some(part) = span.0.get(span.1) {
            text.push_str(&format!(" (at `{part}`)"));
        }
    }
    text
}
