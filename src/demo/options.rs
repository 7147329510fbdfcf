//! Command-line options of `perfgate demo-api`.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

/// The address the demo API listens on unless `--addr` says otherwise.
const DEFAULT_ADDR: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 5001));

/// Options of `perfgate demo-api`, the built-in demo prediction API.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct DemoOptions {
    /// Address to listen on.
    #[arg(long, default_value_t = DEFAULT_ADDR)]
    pub addr: SocketAddr,

    /// Latency added to every prediction, e.g. `20ms`.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub latency: Duration,

    /// Random extra latency: each prediction sleeps latency + uniform(0, jitter).
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub jitter: Duration,

    /// Fraction of predictions answered with an injected 500, e.g. `5%` or `0.05`.
    #[arg(long, default_value = "0", value_parser = parse_error_rate)]
    pub error_rate: f64,

    /// Tokio worker threads [default: the number of available cores].
    #[arg(long, default_value_t = default_workers(), hide_default_value = true,
          value_parser = parse_workers)]
    pub workers: usize,

    /// Seed of the error and jitter injection, for repeatable runs.
    #[arg(long)]
    pub seed: Option<u64>,
}

impl Default for DemoOptions {
    /// The same values as the command line's defaults.
    fn default() -> Self {
        Self {
            addr: DEFAULT_ADDR,
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            error_rate: 0.0,
            workers: default_workers(),
            seed: None,
        }
    }
}

/// Parses an error rate given as a percentage (`5%`) or a fraction (`0.05`) into a
/// fraction in `[0, 1]`.
///
/// # Errors
///
/// A message fit for the command line when the text is not a number or the rate is
/// outside 0..=100% (or 0..=1 as a fraction).
pub fn parse_error_rate(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, percent) = match text.strip_suffix('%') {
        Some(number) => (number.trim_end(), true),
        None => (text, false),
    };
    let value: f64 = number.parse().map_err(|_| {
        format!(
            "invalid error rate `{text}`: expected a percentage like `5%` or a fraction like `0.05`"
        )
    })?;
    if percent {
        if (0.0..=100.0).contains(&value) {
            Ok(value / 100.0)
        } else {
            Err(format!(
                "error rate `{text}` is out of range: it must be between 0% and 100%"
            ))
        }
    } else if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!(
            "error rate `{text}` is out of range: a fraction must be between 0 and 1 (did you mean `{text}%`?)"
        ))
    }
}

/// Parses a worker thread count, which must be at least 1.
fn parse_workers(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err("workers must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!(
            "invalid worker count `{text}`: expected a positive integer"
        )),
    }
}

/// The number of available cores, or 1 when it cannot be known.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}
