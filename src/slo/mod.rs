//! Service-level objectives: the expression grammar and evaluation.

pub mod evaluate;
pub mod expr;
pub mod format;
pub mod result;
