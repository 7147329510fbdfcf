//! Service-level objectives: the expression grammar, evaluation against a
//! Summary, and the per-window judgement the engine makes during a run.

pub mod evaluate;
pub mod expr;
pub mod value;
pub mod window;
