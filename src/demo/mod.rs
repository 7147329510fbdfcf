//! The built-in demo prediction API.
