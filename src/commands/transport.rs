//! Which transport sends a run's requests: the lean hyper one for
//! closed-model plans over plain `http://`, reqwest for everything else
//! (HTTPS, HTTP/2, the open model). `PERFGATE_TRANSPORT` overrides the choice,
//! to compare the two.

use crate::engine::HyperTransport;
use crate::plan::ValidPlan;
use crate::plan::valid::Workload;

/// The environment variable that overrides the choice: `hyper` or `reqwest`.
pub const OVERRIDE: &str = "PERFGATE_TRANSPORT";

/// A transport, chosen but not built yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Choice {
    /// [`HyperTransport`]: one HTTP/1.1 connection per user.
    Hyper,
    /// [`crate::engine::ReqwestTransport`]: a shared pool, HTTP/1.1 or HTTP/2, TLS.
    Reqwest,
}

/// Why the override cannot be honoured.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChoiceError {
    /// A value other than `hyper` or `reqwest`.
    #[error("{OVERRIDE}={0:?}: expected `hyper` or `reqwest`")]
    Unknown(String),
    /// `hyper` asked for a plan it cannot send.
    #[error(
        "{OVERRIDE}=hyper: the hyper transport sends closed-model plans over plain http:// only"
    )]
    Unsupported,
}

/// The transport for `plan`, given the override's value (`None` or empty when unset).
///
/// # Errors
///
/// When the override is not a transport's name, or names one that cannot
/// send `plan`.
pub fn choose(plan: &ValidPlan, wanted: Option<&str>) -> Result<Choice, ChoiceError> {
    let fits = matches!(plan.load, Workload::Closed(_)) && HyperTransport::supports(plan);
    match wanted.map(str::trim).unwrap_or_default() {
        "" if fits => Ok(Choice::Hyper),
        "" | "reqwest" => Ok(Choice::Reqwest),
        "hyper" if fits => Ok(Choice::Hyper),
        "hyper" => Err(ChoiceError::Unsupported),
        other => Err(ChoiceError::Unknown(other.to_owned())),
    }
}
