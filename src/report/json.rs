//! The JSON report: writes the run record ([`crate::core::record::JsonReport`]).

use std::fmt;

use serde::ser;
use serde::{Serialize, Serializer};

use super::{Exporter, ReportError, RunReport};
use crate::core::regression::RegressionSection;
use crate::core::slo_result::SloResult;
use crate::core::summary::Summary;
use crate::core::verdict::Verdict;

/// The same shape as [`crate::core::record::JsonReport`], borrowed, so rendering copies nothing.
#[derive(Serialize)]
struct JsonReportRef<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    slos: &'a [SloResult],
    verdict: &'a Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    regression: Option<&'a RegressionSection>,
}

/// Renders the JSON report, pretty-printed.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let view = JsonReportRef {
            summary: report.summary,
            slos: report.slos,
            verdict: report.verdict,
            regression: report.regression,
        };
        // serde_json would write NaN and infinities as `null`, silently turning a
        // broken measurement into a missing one: refuse instead.
        if let Some(field) = first_non_finite(&view) {
            return Err(ReportError::Render {
                format: "JSON",
                reason: format!("`{field}` is not a finite number"),
            });
        }
        let mut bytes = serde_json::to_vec_pretty(&view).map_err(|e| ReportError::Render {
            format: "JSON",
            reason: e.to_string(),
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// The path (`requests[1].latency.p95`) of the first NaN or infinity in `value`.
fn first_non_finite<T: Serialize>(value: &T) -> Option<String> {
    let mut finder = FloatFinder::default();
    match value.serialize(&mut finder) {
        Ok(()) => None,
        Err(Found(path)) => Some(path),
    }
}

/// A serializer that visits every value and stops at the first non-finite float.
#[derive(Default)]
struct FloatFinder {
    path: Vec<String>,
    /// The next element index of each sequence being visited.
    indices: Vec<usize>,
}

/// The path of a non-finite float (or a custom serialisation error).
#[derive(Debug)]
struct Found(String);

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Found {}

impl ser::Error for Found {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Found(msg.to_string())
    }
}

impl FloatFinder {
    fn check(&self, value: f64) -> Result<(), Found> {
        if value.is_finite() {
            Ok(())
        } else {
            Err(Found(
                self.path.join("").trim_start_matches('.').to_string(),
            ))
        }
    }

    fn field<T: ?Sized + Serialize>(&mut self, name: &str, value: &T) -> Result<(), Found> {
        self.path.push(format!(".{name}"));
        value.serialize(&mut *self)?;
        self.path.pop();
        Ok(())
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        let index = self.indices.last().copied().unwrap_or(0);
        self.path.push(format!("[{index}]"));
        value.serialize(&mut *self)?;
        self.path.pop();
        if let Some(next) = self.indices.last_mut() {
            *next += 1;
        }
        Ok(())
    }

    fn open_seq(&mut self) -> &mut Self {
        self.indices.push(0);
        self
    }

    fn close_seq(&mut self) -> Result<(), Found> {
        self.indices.pop();
        Ok(())
    }
}

impl Serializer for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, _: bool) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Found> {
        self.check(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Found> {
        self.check(v)
    }
    fn serialize_char(self, _: char) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Found> {
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        self.field(variant, value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self.open_seq())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Found> {
        Ok(self.open_seq())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self.open_seq())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self.open_seq())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Found> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Found> {
        Ok(self)
    }
}

impl ser::SerializeSeq for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        self.element(value)
    }
    fn end(self) -> Result<(), Found> {
        self.close_seq()
    }
}

impl ser::SerializeTuple for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        self.element(value)
    }
    fn end(self) -> Result<(), Found> {
        self.close_seq()
    }
}

impl ser::SerializeTupleStruct for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        self.element(value)
    }
    fn end(self) -> Result<(), Found> {
        self.close_seq()
    }
}

impl ser::SerializeTupleVariant for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        self.element(value)
    }
    fn end(self) -> Result<(), Found> {
        self.close_seq()
    }
}

impl ser::SerializeMap for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Found> {
        let name = match serde_json::to_value(key) {
            Ok(serde_json::Value::String(name)) => name,
            Ok(other) => other.to_string(),
            Err(_) => "?".to_string(),
        };
        self.path.push(format!(".{name}"));
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Found> {
        value.serialize(&mut **self)?;
        self.path.pop();
        Ok(())
    }
    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        self.field(name, value)
    }
    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for &mut FloatFinder {
    type Ok = ();
    type Error = Found;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Found> {
        self.field(name, value)
    }
    fn end(self) -> Result<(), Found> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::JsonReport;
    use crate::judge::decide;
    use crate::slo::evaluate::fixtures::{spread, stats, summary};
    use crate::slo::evaluate::{Objective, evaluate};
    use crate::slo::expr::parse;

    fn rendered(summary: &Summary) -> Result<Vec<u8>, ReportError> {
        let objectives = [Objective {
            expr: parse("p95 < 1s").unwrap(),
            warn: false,
            line: Some(3),
            window: None,
        }];
        let slos = evaluate(&objectives, summary).unwrap();
        let verdict = decide(summary, &slos);
        JsonExporter.render(&RunReport {
            summary,
            slos: &slos,
            verdict: &verdict,
            regression: None,
        })
    }

    #[test]
    fn renders_flat_pretty_json_that_reads_back() {
        let s = summary(vec![stats("predict", &spread(50, 100.0), 2)]);
        let bytes = rendered(&s).unwrap();
        assert!(bytes.ends_with(b"}\n"));
        let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(value["plan"]["name"], "predict-api");
        assert_eq!(value["overall"]["requests"], 50);
        assert_eq!(value["slos"][0]["outcome"], "pass");
        assert_eq!(value["verdict"]["exit_code"], 0);
        let back: JsonReport = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back.summary.requests[0].histogram, s.requests[0].histogram);
        assert_eq!(back.slos[0].line, Some(3));
    }

    #[test]
    fn refuses_non_finite_numbers_and_names_them() {
        let mut s = summary(vec![stats("predict", &spread(50, 100.0), 0)]);
        s.requests[0].series[0].p95 = Some(f64::INFINITY);
        let err = rendered(&s).unwrap_err().to_string();
        assert!(err.contains("`requests[0].series[0].p95`"), "{err}");

        let mut s = summary(vec![stats("predict", &spread(50, 100.0), 0)]);
        s.load.spawn_rate = f64::NAN;
        let err = rendered(&s).unwrap_err().to_string();
        assert!(err.contains("`load.spawn_rate`"), "{err}");
    }
}
