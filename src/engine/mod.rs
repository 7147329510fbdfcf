//! The engine: puts the plan's load on the target and records what happened.
//!
//! [`run`] drives closed-model users ([`user`]) started on a [`Schedule`];
//! each sends through a [`Transport`] ([`ReqwestTransport`] for real HTTP) and
//! records into a [`crate::metrics::recorder::Recorder`]; a ticker closes each
//! second of the time series and publishes [`Progress`].

pub mod choices;
pub mod outcome;
pub mod progress;
pub mod reqwest_transport;
pub mod run;
pub mod schedule;
pub mod ticker;
pub mod transport;
pub mod user;

pub use progress::Progress;
pub use reqwest_transport::{ClientError, ReqwestTransport};
pub use run::run;
pub use schedule::Schedule;
pub use transport::{Reply, Transport, TransportError};
