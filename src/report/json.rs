//! The JSON report: writes the run record ([`crate::core::record::JsonReport`]).

use serde::Serialize;
use serde::ser::{self, SerializeMap as _, Serializer};

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
        // broken measurement into a missing one: `Finite` refuses them instead, and
        // serde_path_to_error names the field.
        let mut bytes = Vec::new();
        let mut json = serde_json::Serializer::pretty(&mut bytes);
        serde_path_to_error::serialize(&Finite(&view), &mut json).map_err(|e| {
            ReportError::Render {
                format: "JSON",
                reason: format!("`{}` {}", e.path(), e.inner()),
            }
        })?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// Refuses NaN and infinities and passes everything else on unchanged: around a
/// value (`Finite(&value)`) it is [`Serialize`], around a serializer or one of
/// its compound serializers it is that serializer, wrapping each nested value.
struct Finite<T>(T);

impl<T: ?Sized + Serialize> Serialize for Finite<&T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Finite(serializer))
    }
}

/// Serializer methods that `Finite` hands on as they are, or (`-> Compound`)
/// wrapping the compound serializer they open.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
            self.0.$method($($arg),*)
        }
    )*};
    ($($method:ident($($arg:ident: $ty:ty),*) -> $compound:ident;)*) => {$(
        fn $method(self, $($arg: $ty),*) -> Result<Self::$compound, S::Error> {
            self.0.$method($($arg),*).map(Finite)
        }
    )*};
}

impl<S: Serializer> Serializer for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Finite<S::SerializeSeq>;
    type SerializeTuple = Finite<S::SerializeTuple>;
    type SerializeTupleStruct = Finite<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Finite<S::SerializeTupleVariant>;
    type SerializeMap = Finite<S::SerializeMap>;
    type SerializeStruct = Finite<S::SerializeStruct>;
    type SerializeStructVariant = Finite<S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool); serialize_char(v: char); serialize_str(v: &str);
        serialize_i8(v: i8); serialize_i16(v: i16); serialize_i32(v: i32);
        serialize_i64(v: i64); serialize_i128(v: i128); serialize_u8(v: u8);
        serialize_u16(v: u16); serialize_u32(v: u32); serialize_u64(v: u64);
        serialize_u128(v: u128); serialize_bytes(v: &[u8]); serialize_none();
        serialize_unit(); serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }
    forward! {
        serialize_seq(len: Option<usize>) -> SerializeSeq;
        serialize_tuple(len: usize) -> SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> SerializeTupleStruct;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
            -> SerializeTupleVariant;
        serialize_map(len: Option<usize>) -> SerializeMap;
        serialize_struct(name: &'static str, len: usize) -> SerializeStruct;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize)
            -> SerializeStructVariant;
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.0.serialize_f32(v)
        } else {
            Err(ser::Error::custom("is not a finite number"))
        }
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.0.serialize_f64(v)
        } else {
            Err(ser::Error::custom("is not a finite number"))
        }
    }

    // serde_json writes `Some(x)` as `x`, a newtype struct as its field and a
    // newtype variant as a one-entry object: done here, through `Finite`, so
    // that serde_path_to_error follows the path inside them.
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let mut map = self.serialize_map(Some(1))?;
        map.serialize_entry(variant, value)?;
        map.end()
    }
}

/// The compound serializers of `Finite`: each element, key and value is wrapped too.
macro_rules! compound {
    ($($compound:ident { $($method:ident($($name:ident: $ty:ty)?)),* })*) => {$(
        impl<S: ser::$compound> ser::$compound for Finite<S> {
            type Ok = S::Ok;
            type Error = S::Error;
            $(fn $method<T: ?Sized + Serialize>(
                &mut self,
                $($name: $ty,)?
                value: &T,
            ) -> Result<(), S::Error> {
                self.0.$method($($name,)? &Finite(value))
            })*
            fn end(self) -> Result<S::Ok, S::Error> {
                self.0.end()
            }
        }
    )*};
}

compound! {
    SerializeSeq { serialize_element() }
    SerializeTuple { serialize_element() }
    SerializeTupleStruct { serialize_field() }
    SerializeTupleVariant { serialize_field() }
    SerializeMap { serialize_key(), serialize_value() }
    SerializeStruct { serialize_field(key: &'static str) }
    SerializeStructVariant { serialize_field(key: &'static str) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::fixture::{spread, stats, summary};
    use crate::core::record::JsonReport;
    use crate::judge::decide;
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

    #[test]
    fn names_non_finite_numbers_inside_optional_fields() {
        let mut s = summary(vec![stats("predict", &spread(50, 100.0), 0)]);
        s.requests[0].latency.as_mut().unwrap().p95 = f64::NAN;
        let err = rendered(&s).unwrap_err().to_string();
        assert!(err.contains("`requests[0].latency.p95`"), "{err}");
    }
}
