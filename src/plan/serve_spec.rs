//! The plan's `serve:` section: a command that starts the system under test
//! for the run, and the probe that says it is ready.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer};
use serde_saphyr::Spanned;

use crate::core::values::{Dur, Method, Scalar};

/// `serve:` — start the system under test before the load, stop it after.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServeSpec {
    /// The program and its arguments. A first word `perfgate` means this
    /// perfgate executable, e.g. `[perfgate, demo-api, --addr, 127.0.0.1:5001]`.
    #[schemars(with = "Vec<String>", length(min = 1))]
    pub command: Spanned<Vec<String>>,
    /// The readiness probe, `METHOD /path` on the plan's host, polled until it
    /// answers 2xx. Default `GET /`.
    #[serde(default)]
    pub ready: ReadyProbe,
    /// How long to wait for readiness before giving up (exit 3). Default `30s`.
    pub timeout: Option<Dur>,
    /// Extra environment variables for the command.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub env: BTreeMap<String, Scalar>,
    /// How long the command may take to exit after SIGTERM before it is
    /// killed. Default `5s`.
    pub stop_grace: Option<Dur>,
}

/// A readiness probe: `GET /health`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadyProbe {
    /// The method.
    pub method: Method,
    /// The path, starting with `/`.
    pub path: String,
}

impl Default for ReadyProbe {
    fn default() -> Self {
        ReadyProbe {
            method: Method::GET,
            path: "/".into(),
        }
    }
}

impl ReadyProbe {
    /// Parses `GET /health` (or just `/health`, meaning GET).
    pub fn parse(text: &str) -> Result<Self, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (method, path) = match words.as_slice() {
            [path] => (Method::GET, *path),
            [method, path] => (
                Method::parse(method).map_err(|e| format!("invalid ready probe `{text}`: {e}"))?,
                *path,
            ),
            _ => {
                return Err(format!(
                    "invalid ready probe `{text}`; expected e.g. `GET /health`"
                ));
            }
        };
        if !path.starts_with('/') {
            return Err(format!(
                "invalid ready probe `{text}`: the path must start with `/`"
            ));
        }
        Ok(ReadyProbe {
            method,
            path: path.to_string(),
        })
    }
}

impl fmt::Display for ReadyProbe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}

impl<'de> Deserialize<'de> for ReadyProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ReadyProbe::parse(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for ReadyProbe {
    fn schema_name() -> Cow<'static, str> {
        "ReadyProbe".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A readiness probe on the plan's host, e.g. `GET /health`.",
            "pattern": "^\\s*([A-Za-z]+\\s+)?/"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes() {
        assert_eq!(
            ReadyProbe::parse("GET /health").unwrap().to_string(),
            "GET /health"
        );
        assert_eq!(
            ReadyProbe::parse("/ready").unwrap().to_string(),
            "GET /ready"
        );
        assert_eq!(ReadyProbe::parse("head /").unwrap().method, Method::HEAD);
        assert!(ReadyProbe::parse("GET health").is_err());
        assert!(ReadyProbe::parse("FETCH /x").is_err());
        assert!(ReadyProbe::parse("GET /a b").is_err());
    }
}
