//! Validation of a `/predict` request body into typed passengers.
//!
//! Done by hand over [`serde_json::Value`] so that every error names the record (by its
//! 0-based index in the array) and the field at fault. Unknown fields are ignored;
//! `Age`, `Cabin` and `Embarked` may be `null` or absent, every other field is required.

use serde_json::{Map, Value};

use super::model::{Passenger, Port};

/// Why a request body was rejected; its text is the `error` of the 400 answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// The body is not JSON at all.
    #[error("malformed JSON: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The body is JSON, but not an array.
    #[error("the body must be a JSON array of passenger records, got {0}")]
    NotArray(&'static str),
    /// One record is invalid.
    #[error("record {index}: {problem}")]
    Record {
        /// 0-based index of the record in the array.
        index: usize,
        /// What is wrong with it.
        problem: String,
    },
}

/// Parses and validates a request body into one passenger per record.
pub(crate) fn parse_body(body: &[u8]) -> Result<Vec<Passenger>, BodyError> {
    let value: Value = serde_json::from_slice(body)?;
    let Value::Array(records) = value else {
        return Err(BodyError::NotArray(kind(&value)));
    };
    records
        .iter()
        .enumerate()
        .map(|(index, record)| {
            parse_record(record).map_err(|problem| BodyError::Record { index, problem })
        })
        .collect()
}

/// Validates one record; the error says what is wrong with it.
fn parse_record(record: &Value) -> Result<Passenger, String> {
    let Value::Object(fields) = record else {
        return Err(format!("must be a JSON object, got {}", kind(record)));
    };
    integer(fields, "PassengerId")?;
    string(fields, "Name")?;
    string(fields, "Ticket")?;
    let class = match integer(fields, "Pclass")? {
        1 => 1,
        2 => 2,
        3 => 3,
        other => return Err(format!("field `Pclass` must be 1, 2 or 3, got {other}")),
    };
    let female = match string(fields, "Sex")? {
        "female" => true,
        "male" => false,
        other => {
            return Err(format!(
                r#"field `Sex` must be "male" or "female", got {other:?}"#
            ));
        }
    };
    let age = optional_number(fields, "Age")?;
    if age.is_some_and(|age| age < 0.0) {
        return Err("field `Age` must not be negative".to_owned());
    }
    let fare = number(fields, "Fare")?;
    if fare < 0.0 {
        return Err("field `Fare` must not be negative".to_owned());
    }
    let has_cabin = optional_string(fields, "Cabin")?.is_some();
    let embarked = match optional_string(fields, "Embarked")? {
        None => None,
        Some("S") => Some(Port::Southampton),
        Some("C") => Some(Port::Cherbourg),
        Some("Q") => Some(Port::Queenstown),
        Some(other) => {
            return Err(format!(
                r#"field `Embarked` must be "S", "C", "Q" or null, got {other:?}"#
            ));
        }
    };
    Ok(Passenger {
        class,
        female,
        age,
        sibsp: count(fields, "SibSp")?,
        parch: count(fields, "Parch")?,
        fare,
        has_cabin,
        embarked,
    })
}

/// A required field's value.
fn required<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a Value, String> {
    fields
        .get(name)
        .ok_or_else(|| format!("missing field `{name}`"))
}

/// A required integer field.
fn integer(fields: &Map<String, Value>, name: &str) -> Result<i64, String> {
    let value = required(fields, name)?;
    value.as_i64().ok_or_else(|| match value {
        Value::Number(n) if n.is_u64() => format!("field `{name}` is out of range, got {n}"),
        _ => format!("field `{name}` must be an integer, got {}", kind(value)),
    })
}

/// A required non-negative integer field that counts people.
fn count(fields: &Map<String, Value>, name: &str) -> Result<u32, String> {
    let value = integer(fields, name)?;
    u32::try_from(value)
        .map_err(|_| format!("field `{name}` must be a non-negative integer, got {value}"))
}

/// A required number field.
fn number(fields: &Map<String, Value>, name: &str) -> Result<f64, String> {
    let value = required(fields, name)?;
    value
        .as_f64()
        .ok_or_else(|| format!("field `{name}` must be a number, got {}", kind(value)))
}

/// A required string field.
fn string<'a>(fields: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    let value = required(fields, name)?;
    value
        .as_str()
        .ok_or_else(|| format!("field `{name}` must be a string, got {}", kind(value)))
}

/// A number field that may be `null` or absent.
fn optional_number(fields: &Map<String, Value>, name: &str) -> Result<Option<f64>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or_else(|| {
            format!(
                "field `{name}` must be a number or null, got {}",
                kind(value)
            )
        }),
    }
}

/// A string field that may be `null`, absent or empty (as a blank CSV cell becomes).
fn optional_string<'a>(
    fields: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    match fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(value) => Err(format!(
            "field `{name}` must be a string or null, got {}",
            kind(value)
        )),
    }
}

/// The JSON type of a value, as error messages name it.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn record() -> Value {
        json!({
            "PassengerId": 892, "Pclass": 3, "Name": "Kelly, Mr. James", "Sex": "male",
            "Age": 34.5, "SibSp": 0, "Parch": 0, "Ticket": "330911", "Fare": 7.8292,
            "Cabin": null, "Embarked": "Q"
        })
    }

    fn error_of(record: Value) -> String {
        let body = serde_json::to_vec(&json!([self::record(), record])).expect("serialisable");
        match parse_body(&body) {
            Ok(passengers) => panic!("accepted: {passengers:?}"),
            Err(e) => e.to_string(),
        }
    }

    fn with(field: &str, value: Value) -> Value {
        let mut r = record();
        r[field] = value;
        r
    }

    fn without(field: &str) -> Value {
        let mut r = record();
        if let Some(fields) = r.as_object_mut() {
            fields.remove(field);
        }
        r
    }

    #[test]
    fn a_good_record_becomes_a_passenger() {
        let body = serde_json::to_vec(&json!([record()])).expect("serialisable");
        let passengers = parse_body(&body).expect("valid body");
        assert_eq!(
            passengers,
            [Passenger {
                class: 3,
                female: false,
                age: Some(34.5),
                sibsp: 0,
                parch: 0,
                fare: 7.8292,
                has_cabin: false,
                embarked: Some(Port::Queenstown),
            }]
        );
    }

    #[test]
    fn optional_fields_may_be_null_absent_or_blank() {
        let mut r = without("Age");
        r["Cabin"] = json!("");
        r["Embarked"] = Value::Null;
        let body = serde_json::to_vec(&json!([r])).expect("serialisable");
        let passengers = parse_body(&body).expect("valid body");
        assert_eq!(passengers.len(), 1);
        assert_eq!(passengers[0].age, None);
        assert!(!passengers[0].has_cabin);
        assert_eq!(passengers[0].embarked, None);
    }

    #[test]
    fn errors_name_the_record_and_the_field() {
        let cases = [
            (without("Sex"), "record 1: missing field `Sex`"),
            (without("Fare"), "record 1: missing field `Fare`"),
            (
                with("Age", json!("34")),
                "record 1: field `Age` must be a number or null, got string",
            ),
            (
                with("Pclass", json!(1.0)),
                "record 1: field `Pclass` must be an integer, got float",
            ),
            (
                with("Pclass", json!(4)),
                "record 1: field `Pclass` must be 1, 2 or 3, got 4",
            ),
            (
                with("PassengerId", json!(u64::MAX)),
                "record 1: field `PassengerId` is out of range, got 18446744073709551615",
            ),
            (
                with("Sex", json!("M")),
                r#"record 1: field `Sex` must be "male" or "female", got "M""#,
            ),
            (
                with("SibSp", json!(-1)),
                "record 1: field `SibSp` must be a non-negative integer, got -1",
            ),
            (
                with("Fare", json!(-1.0)),
                "record 1: field `Fare` must not be negative",
            ),
            (
                with("Embarked", json!("X")),
                r#"record 1: field `Embarked` must be "S", "C", "Q" or null, got "X""#,
            ),
            (
                with("Cabin", json!(12)),
                "record 1: field `Cabin` must be a string or null, got integer",
            ),
            (
                with("Name", Value::Null),
                "record 1: field `Name` must be a string, got null",
            ),
            (json!([1]), "record 1: must be a JSON object, got array"),
        ];
        for (record, expected) in cases {
            assert_eq!(error_of(record), expected);
        }
    }

    #[test]
    fn the_body_must_be_a_json_array() {
        let not_array = parse_body(b"{\"a\": 1}").map_err(|e| e.to_string());
        assert_eq!(
            not_array,
            Err("the body must be a JSON array of passenger records, got object".to_owned())
        );
        let malformed = parse_body(b"[{").map_err(|e| e.to_string());
        assert!(
            matches!(&malformed, Err(e) if e.starts_with("malformed JSON: ")),
            "{malformed:?}"
        );
        assert_eq!(parse_body(b"[]").map_err(|e| e.to_string()), Ok(vec![]));
    }
}
