//! One entry of the plan's `slo:` list: an expression, or a map with options.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::core::values::Dur;
use crate::slo::expr::{self, SloExpr};

/// An objective as written in the plan, parsed while the YAML is read so that a
/// malformed expression is reported at its line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct SloEntry {
    /// The parsed expression.
    pub expr: SloExpr,
    /// A breach is reported but never fails the gate.
    pub warn: bool,
    /// `over:` — every window of this length must hold, not just the whole run.
    pub over: Option<Dur>,
    /// `abort: true` — stop the run at the first breaching window.
    pub abort: bool,
    /// `after:` — windows ending before this never abort the run.
    pub after: Option<Dur>,
}

/// The map form: `{ expect: "p99 < 1s", warn: true }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SloMap {
    expect: ExprText,
    #[serde(default)]
    warn: bool,
    over: Option<Dur>,
    #[serde(default)]
    abort: bool,
    after: Option<Dur>,
}

/// An expression parsed from a string.
struct ExprText(SloExpr);

impl<'de> Deserialize<'de> for ExprText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        expr::parse(&text).map(ExprText).map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for SloEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SloEntry;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an SLO such as `p95 < 300ms`, or a map `{ expect: \"p95 < 300ms\", warn: true }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SloEntry, E> {
                let expr = expr::parse(v).map_err(E::custom)?;
                Ok(SloEntry {
                    expr,
                    warn: false,
                    over: None,
                    abort: false,
                    after: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SloEntry, A::Error> {
                let m = SloMap::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(SloEntry {
                    expr: m.expect.0,
                    warn: m.warn,
                    over: m.over,
                    abort: m.abort,
                    after: m.after,
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for SloEntry {
    fn schema_name() -> Cow<'static, str> {
        "SloEntry".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let expr = json_schema!({
            "type": "string",
            "description": "`[request.]metric OP value[unit]`: metric pN, mean, min, max, error_rate, errors, requests, rps, dropped; OP < <= > >= == !=; units us ms s % /s.",
            "pattern": "(<|>|==|!=)"
        });
        json_schema!({
            "anyOf": [
                expr,
                {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["expect"],
                    "properties": {
                        "expect": expr,
                        "warn": { "type": "boolean", "description": "Report a breach but never fail the gate." },
                        "over": { "type": "string", "description": "Judge every window of this length (whole seconds, e.g. `10s`), not just the whole run." },
                        "abort": { "type": "boolean", "description": "Stop the run at the first breaching window (needs `over`)." },
                        "after": { "type": "string", "description": "Windows ending before this time never abort the run, e.g. `30s`." }
                    }
                }
            ]
        })
    }
}
