//! What a template sees: `user`, `iteration`, `request`, `env` (the
//! variables the plan allows), `vars` (the plan's), one current row per
//! feeder, by the feeder's name, and in a flow the values earlier steps
//! captured, by their names.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object};

/// Names templates see besides the feeders'.
pub const RESERVED: [&str; 5] = ["user", "iteration", "request", "env", "vars"];

/// One render's variables.
#[derive(Debug)]
pub struct Context {
    /// The user (closed model) or arrival (open model) number, from 0.
    pub user: u32,
    /// How many requests this user has sent before this one.
    pub iteration: u64,
    /// The request's name.
    pub request: Value,
    /// The allowed environment variables.
    pub env: Value,
    /// The plan's `vars`.
    pub vars: Value,
    /// The feeders' current rows, by feeder name.
    pub rows: Vec<(Arc<str>, Value)>,
    /// The values earlier steps of the flow captured, by name.
    pub captured: Vec<(Arc<str>, Value)>,
}

impl Object for Context {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        Some(match key {
            "user" => Value::from(self.user),
            "iteration" => Value::from(self.iteration),
            "request" => self.request.clone(),
            "env" => self.env.clone(),
            "vars" => self.vars.clone(),
            _ => self
                .rows
                .iter()
                .chain(&self.captured)
                .find(|(name, _)| &**name == key)
                .map(|(_, row)| row.clone())?,
        })
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let names = RESERVED.iter().map(|n| Value::from(*n)).chain(
            self.rows
                .iter()
                .chain(&self.captured)
                .map(|(n, _)| Value::from(&**n)),
        );
        Enumerator::Values(names.collect())
    }
}
