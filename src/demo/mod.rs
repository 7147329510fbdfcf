//! The built-in demo prediction API (`perfgate demo-api`): a stand-in for the
//! Flask/Gunicorn ML services teams load-test, used by `plans/predict.yaml` and the tests.
//!
//! * `POST /predict` takes a JSON array of Titanic passenger records (`PassengerId`,
//!   `Pclass`, `Name`, `Sex`, `Age`, `SibSp`, `Parch`, `Ticket`, `Fare`, `Cabin`,
//!   `Embarked`; `Age`, `Cabin` and `Embarked` may be null or absent) and answers
//!   `{"preds": ["0", "1", ...]}`, one survival prediction per record, from a small
//!   deterministic logistic regression.
//! * `POST /login` with `{"user": NAME, "password": "demo"}` answers a bearer
//!   token (`{"access_token": ...}`) and a `location` header; `/predict` then
//!   refuses an `Authorization` header with a token it did not hand out (401).
//!   Without the header, `/predict` answers anyone.
//! * `GET /health` answers `{"status": "ok"}`.
//! * Bad input gets 400 with `{"error": "..."}` naming the record (0-based) and the field,
//!   e.g. ``record 3: field `Age` must be a number or null, got string``; a body over
//!   10 MiB gets 413.
//! * [`DemoOptions`] adds latency, jitter and injected 500s (`{"error": "injected
//!   failure"}`) to `/predict`, to give a gate something to catch.

mod login;
mod model;
mod options;
mod server;
mod validate;

pub use options::{DemoOptions, parse_error_rate};
pub use server::{router, run, serve};
