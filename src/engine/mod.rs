//! The engine: puts the plan's load on the target and records what happened.
