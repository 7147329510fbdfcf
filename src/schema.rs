//! JSON schemas (draft-07) generated from the types, for editors and for
//! checking plans and reports: `schemas/plan.schema.json` and
//! `schemas/report.schema.json`.

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;

use crate::core::record::JsonReport;
use crate::plan::types::Plan;

/// The schema of a plan file.
pub fn plan_schema() -> serde_json::Value {
    draft07::<Plan>()
}

/// The schema of a JSON report.
pub fn report_schema() -> serde_json::Value {
    draft07::<JsonReport>()
}

/// A schema as pretty JSON ending in a newline, as the files in `schemas/` are written.
pub fn to_pretty(value: &serde_json::Value) -> String {
    // Serialising a `Value` to a string cannot fail: its map keys are strings.
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

fn draft07<T: JsonSchema>() -> serde_json::Value {
    SchemaSettings::draft07()
        .into_generator()
        .root_schema_for::<T>()
        .to_value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_draft_07_objects() {
        for schema in [plan_schema(), report_schema()] {
            assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
            assert_eq!(schema["type"], "object");
        }
        let report = report_schema();
        assert_eq!(report["title"], "perfgate report");
        let required = report["required"].as_array().unwrap();
        for field in ["plan", "overall", "requests", "slos", "verdict"] {
            assert!(required.iter().any(|r| r == field), "{field} not required");
        }
        assert_eq!(plan_schema()["title"], "perfgate plan");
    }

    #[test]
    fn pretty_text_ends_with_a_newline() {
        let text = to_pretty(&serde_json::json!({"a": 1}));
        assert_eq!(text, "{\n  \"a\": 1\n}\n");
    }
}
