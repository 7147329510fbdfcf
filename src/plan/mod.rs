//! The plan: read (YAML + `${VAR}`), typed, then validated into what the engine runs.

pub mod client;
pub mod diagnostic;
pub mod env;
pub mod load;
pub mod secrets;
pub mod serve_spec;
pub mod slo_entry;
pub mod types;
pub mod valid;
pub mod validate;
pub mod workload;

use std::path::Path;

use load::PlanSource;

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

/// Parses and validates plan text that is not read from a file: no `${VAR}`
/// substitution, no hash, relative paths resolved against `dir`. For
/// checking generated or untrusted text (tests, fuzzing). Nothing is sent.
///
/// # Errors
///
/// Every problem found, located in `text`.
pub fn from_text(file: &str, dir: &Path, text: String) -> Result<ValidPlan, PlanError> {
    let source = PlanSource {
        file: file.to_owned(),
        dir: dir.to_path_buf(),
        text,
        hash: String::new(),
        secrets: secrets::Secrets::default(),
    };
    let plan = load::parse(&source)?;
    validate::validate(plan, &source, &Overrides::default())
}
