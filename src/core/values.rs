//! Small value types of the plan that parse from strings: durations, rates,
//! think times, HTTP methods, expected statuses and scalar strings.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A duration written like `300ms`, `30s`, `1m 30s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dur(pub Duration);

impl Dur {
    /// Parses a human duration.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "0" {
            return Ok(Dur(Duration::ZERO));
        }
        humantime::parse_duration(text).map(Dur).map_err(|e| {
            format!("invalid duration `{text}`: {e}; expected e.g. `300ms`, `30s` or `1m 30s`")
        })
    }
}

impl fmt::Display for Dur {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.0;
        Dur::parse(&text).map_err(de::Error::custom)
    }
}

impl Serialize for Dur {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl JsonSchema for Dur {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A duration such as `300ms`, `30s`, `1m 30s`.",
            "pattern": "^\\s*[0-9]"
        })
    }
}

/// A rate in events per second, written `5/s`, `300/m`, `5` (per second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Events per second.
    pub per_second: f64,
}

impl Rate {
    /// The highest rate accepted, far beyond what one process can send: a
    /// larger number is a typo, and would make the schedule's arithmetic
    /// meaningless.
    pub const MAX_PER_SECOND: f64 = 100_000_000.0;

    /// Parses a rate.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let (number, per) = match trimmed.split_once('/') {
            Some((n, unit)) => (n.trim(), unit.trim()),
            None => (trimmed, "s"),
        };
        let seconds = match per {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            _ => {
                return Err(format!(
                    "invalid rate `{trimmed}`: unknown unit `/{per}`; expected e.g. `5/s`, `300/m`"
                ));
            }
        };
        let value: f64 = number.parse().map_err(|_| {
            format!("invalid rate `{trimmed}`: expected a number per time unit, e.g. `5/s`")
        })?;
        if !value.is_finite() || value <= 0.0 {
            return Err(format!(
                "invalid rate `{trimmed}`: it must be greater than 0"
            ));
        }
        let per_second = value / seconds;
        if per_second > Rate::MAX_PER_SECOND {
            return Err(format!(
                "invalid rate `{trimmed}`: more than {} per second is beyond what one process can schedule; split the load over several processes",
                Rate::MAX_PER_SECOND
            ));
        }
        Ok(Rate { per_second })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_second)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.0;
        Rate::parse(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for Rate {
    fn schema_name() -> Cow<'static, str> {
        "Rate".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number"],
            "description": "A rate such as `5/s` or `300/m`; a bare number is per second."
        })
    }
}

/// A fraction written as a percentage (`2%`) or a number in [0, 1] (`0.02`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fraction(pub f64);

impl Fraction {
    /// Parses `2%`, `0.5 %` or `0.02`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let (number, scale) = match t.strip_suffix('%') {
            Some(n) => (n.trim(), 100.0),
            None => (t, 1.0),
        };
        let value = number
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| v / scale)
            .ok_or_else(|| format!("invalid fraction `{t}`: expected a percentage such as `2%` or a number such as `0.02`"))?;
        if !(0.0..=1.0).contains(&value) {
            return Err(format!(
                "invalid fraction `{t}`: it must be between 0% and 100%"
            ));
        }
        Ok(Fraction(value))
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?;
        Fraction::parse(&text.0).map_err(de::Error::custom)
    }
}

impl JsonSchema for Fraction {
    fn schema_name() -> Cow<'static, str> {
        "Fraction".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number"],
            "description": "A fraction: a percentage such as `2%`, or a number from 0 to 1."
        })
    }
}

/// A user's wait between requests: none, a constant, or uniform in a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ThinkTime {
    /// The shortest wait.
    pub min: Duration,
    /// The longest wait (equal to `min` for a constant).
    pub max: Duration,
}

impl ThinkTime {
    /// Parses `3s..5s`, `2s` or `0s`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.split_once("..") {
            Some((lo, hi)) => {
                let min = Dur::parse(lo)?.0;
                let max = Dur::parse(hi)?.0;
                if min > max {
                    return Err(format!(
                        "invalid think time `{}`: the lower bound is above the upper bound",
                        text.trim()
                    ));
                }
                Ok(ThinkTime { min, max })
            }
            None => {
                let d = Dur::parse(text)?.0;
                Ok(ThinkTime { min: d, max: d })
            }
        }
    }
}

impl fmt::Display for ThinkTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.min == self.max {
            write!(f, "{}", Dur(self.min))
        } else {
            write!(f, "{}..{}", Dur(self.min), Dur(self.max))
        }
    }
}

impl<'de> Deserialize<'de> for ThinkTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.0;
        ThinkTime::parse(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for ThinkTime {
    fn schema_name() -> Cow<'static, str> {
        "ThinkTime".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "description": "A wait between a user's requests: `3s..5s` (uniform), `2s` (constant) or `0s`."
        })
    }
}

/// An HTTP method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
#[allow(clippy::upper_case_acronyms)]
pub enum Method {
    /// GET
    #[default]
    GET,
    /// POST
    POST,
    /// PUT
    PUT,
    /// PATCH
    PATCH,
    /// DELETE
    DELETE,
    /// HEAD
    HEAD,
    /// OPTIONS
    OPTIONS,
}

impl Method {
    /// The method's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::GET => "GET",
            Method::POST => "POST",
            Method::PUT => "PUT",
            Method::PATCH => "PATCH",
            Method::DELETE => "DELETE",
            Method::HEAD => "HEAD",
            Method::OPTIONS => "OPTIONS",
        }
    }
}

impl Method {
    /// Parses a method name, in any case.
    pub fn parse(text: &str) -> Result<Self, String> {
        Ok(match text.to_ascii_uppercase().as_str() {
            "GET" => Method::GET,
            "POST" => Method::POST,
            "PUT" => Method::PUT,
            "PATCH" => Method::PATCH,
            "DELETE" => Method::DELETE,
            "HEAD" => Method::HEAD,
            "OPTIONS" => Method::OPTIONS,
            _ => {
                return Err(format!(
                    "unknown HTTP method `{text}`; expected GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS"
                ));
            }
        })
    }
}

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Method::parse(&text).map_err(de::Error::custom)
    }
}

/// One accepted status: a code or a class such as `2xx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusMatch {
    /// Exactly this code.
    Code(u16),
    /// Any code whose first digit is this (2 for `2xx`).
    Class(u16),
}

impl StatusMatch {
    fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim().to_ascii_lowercase();
        if let Some(d) = t.strip_suffix("xx")
            && let Ok(class @ 1..=5) = d.parse::<u16>()
        {
            return Ok(StatusMatch::Class(class));
        }
        match t.parse::<u16>() {
            Ok(code @ 100..=599) => Ok(StatusMatch::Code(code)),
            _ => Err(format!(
                "invalid status `{text}`; expected a code from 100 to 599 or a class such as `2xx`"
            )),
        }
    }

    fn matches(self, status: u16) -> bool {
        match self {
            StatusMatch::Code(code) => code == status,
            StatusMatch::Class(class) => status / 100 == class,
        }
    }
}

impl fmt::Display for StatusMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatusMatch::Code(c) => write!(f, "{c}"),
            StatusMatch::Class(c) => write!(f, "{c}xx"),
        }
    }
}

/// The statuses a response may have to count as a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusExpect(pub Vec<StatusMatch>);

impl Default for StatusExpect {
    /// 2xx and 3xx.
    fn default() -> Self {
        StatusExpect(vec![StatusMatch::Class(2), StatusMatch::Class(3)])
    }
}

impl StatusExpect {
    /// Whether `status` is accepted.
    pub fn accepts(&self, status: u16) -> bool {
        self.0.iter().any(|m| m.matches(status))
    }
}

impl fmt::Display for StatusExpect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join(" or "))
    }
}

impl<'de> Deserialize<'de> for StatusExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StatusExpect;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code (200), a class (`2xx`) or a list of them")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<StatusExpect, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<StatusExpect, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StatusExpect, E> {
                StatusMatch::parse(v)
                    .map(|m| StatusExpect(vec![m]))
                    .map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusExpect, A::Error> {
                let mut all = Vec::new();
                while let Some(Scalar(text)) = seq.next_element()? {
                    all.push(StatusMatch::parse(&text).map_err(de::Error::custom)?);
                }
                if all.is_empty() {
                    return Err(de::Error::custom("the list of expected statuses is empty"));
                }
                Ok(StatusExpect(all))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for StatusExpect {
    fn schema_name() -> Cow<'static, str> {
        "StatusExpect".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let one = json_schema!({
            "anyOf": [
                { "type": "integer", "minimum": 100, "maximum": 599 },
                { "type": "string", "pattern": "^([1-5]xx|[1-5][0-9][0-9])$" }
            ]
        });
        json_schema!({
            "description": "A status code, a class such as `2xx`, or a list of them. Default: 2xx or 3xx.",
            "anyOf": [ one, { "type": "array", "items": one, "minItems": 1 } ]
        })
    }
}

/// A YAML scalar (string, number or boolean) taken as its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Scalar {
    fn schema_name() -> Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean"] })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(Dur::parse("300ms").unwrap().0, Duration::from_millis(300));
        assert_eq!(Dur::parse("1m 30s").unwrap().0, Duration::from_secs(90));
        assert_eq!(Dur::parse("0").unwrap().0, Duration::ZERO);
        assert!(Dur::parse("30").unwrap_err().contains("expected e.g."));
        assert!(Dur::parse("fast").is_err());
    }

    #[test]
    fn rates() {
        assert_eq!(Rate::parse("5/s").unwrap().per_second, 5.0);
        assert_eq!(Rate::parse("120/m").unwrap().per_second, 2.0);
        assert_eq!(Rate::parse("7").unwrap().per_second, 7.0);
        assert!(Rate::parse("0/s").unwrap_err().contains("greater than 0"));
        assert!(
            Rate::parse("5/fortnight")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(Rate::parse("-1/s").is_err());
        assert!(Rate::parse("NaN/s").is_err());
    }

    #[test]
    fn think_times() {
        let t = ThinkTime::parse("3s..5s").unwrap();
        assert_eq!(
            (t.min, t.max),
            (Duration::from_secs(3), Duration::from_secs(5))
        );
        let t = ThinkTime::parse("2s").unwrap();
        assert_eq!(t.min, t.max);
        assert!(
            ThinkTime::parse("5s..3s")
                .unwrap_err()
                .contains("lower bound")
        );
        assert_eq!(ThinkTime::parse("3s..5s").unwrap().to_string(), "3s..5s");
    }

    #[test]
    fn statuses() {
        let d = StatusExpect::default();
        assert!(d.accepts(200) && d.accepts(302) && !d.accepts(404) && !d.accepts(500));
        assert_eq!(StatusMatch::parse("2xx").unwrap(), StatusMatch::Class(2));
        assert_eq!(StatusMatch::parse("201").unwrap(), StatusMatch::Code(201));
        assert!(StatusMatch::parse("7xx").is_err());
        assert!(StatusMatch::parse("99").is_err());
    }
}
