//! The plan: read (YAML + `${VAR}`), typed, then validated into what the engine runs.

pub mod diagnostic;
pub mod env;
pub mod load;
pub mod secrets;
pub mod serve_spec;
pub mod slo_entry;
pub mod types;
pub mod valid;
pub mod validate;
pub mod values;

use std::path::Path;

pub use load::PlanError;
pub use valid::ValidPlan;
pub use validate::Overrides;

/// Reads, parses and validates a plan file. Nothing is sent. Errors never
/// show a secret value (see [`secrets`]).
///
/// # Errors
///
/// Every problem found, located in the plan.
pub fn load(path: &Path, overrides: &Overrides) -> Result<ValidPlan, PlanError> {
    let source = load::read(path)?;
    let plan = load::parse(&source).map_err(|e| e.redacted(&source.secrets))?;
    validate::validate(plan, &source, overrides)
}
