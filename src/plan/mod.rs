//! The plan: typed from YAML, then validated into what the engine runs.

pub mod slo_entry;
pub mod types;
pub mod values;
