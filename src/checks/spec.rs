//! Expectations as written in a plan (`expect:`), before compilation.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::core::values::StatusExpect;

/// A check on the values a JSON path selects: the word `exists`, or a map of
/// checks that must all hold.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum JsonCheckSpec {
    /// `exists` (at least one value) or `absent` (none).
    Word(String),
    /// Checks that every selected value must pass (and there must be one).
    Checks(JsonChecks),
}

/// Checks on the selected values.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JsonChecks {
    /// `true`: at least one value is selected; `false`: none is.
    pub exists: Option<bool>,
    /// Each value equals this JSON value.
    pub equals: Option<serde_json::Value>,
    /// Each value is a string matching this regular expression.
    pub matches: Option<String>,
    /// Each value is of this JSON type.
    #[serde(rename = "type")]
    pub kind: Option<JsonType>,
    /// Each value is a number below this.
    #[serde(rename = "<")]
    pub below: Option<f64>,
    /// Each value is a number above this.
    #[serde(rename = ">")]
    pub above: Option<f64>,
    /// Each value (array, string or object) has this many elements.
    pub length: Option<u64>,
}

/// JSON types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JsonType {
    /// A string.
    String,
    /// Any number.
    Number,
    /// A whole number.
    Integer,
    /// `true` or `false`.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
    /// `null`.
    Null,
}

/// What a response must satisfy to count as a success.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Accepted statuses. Default: 2xx or 3xx.
    #[serde(default)]
    pub status: StatusExpect,
    /// JSON path → check, e.g. `{ "$.preds": exists, "$.preds[0]": { type: string } }`.
    #[serde(default)]
    pub json: BTreeMap<String, JsonCheckSpec>,
    /// The body contains this text.
    pub body_contains: Option<String>,
    /// The body matches this regular expression.
    pub body_matches: Option<String>,
    /// Response headers that must have exactly these values (names case-insensitive).
    #[serde(default)]
    pub header: BTreeMap<String, String>,
    /// The body is at most this many bytes.
    pub max_size: Option<u64>,
}
