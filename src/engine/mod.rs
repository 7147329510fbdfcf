//! The engine: puts the plan's load on the target and records what happened.
//!
//! [`run`] drives closed-model users started on a [`Schedule`]; each sends
//! through a [`Transport`] ([`LeanTransport`] or [`ReqwestTransport`] for real
//! HTTP) and records into a [`crate::metrics::recorder::Recorder`]; a ticker
//! closes each second of the time series and publishes [`Progress`].

pub mod arrivals;
mod choices;
mod cpu;
pub mod lean_transport;
pub mod limits;
mod open;
mod outcome;
pub mod progress;
mod protocol;
pub mod reqwest_client;
pub mod reqwest_transport;
mod run;
pub mod schedule;
pub mod stages;
mod step;
mod ticker;
pub mod tls;
pub mod transport;
mod user;
mod wire;

pub use lean_transport::{LeanTransport, UnsupportedError};
pub use progress::Progress;
pub use reqwest_client::ClientError;
pub use reqwest_transport::ReqwestTransport;
pub use run::run;
pub use schedule::Schedule;
pub use transport::{Reply, Transport, TransportError};
