//! Captures: values a flow step takes from its response (a JSON path into
//! the body, or a header) for the templates of later steps.

use serde_json::Value;

use super::{JsonPath, MAX_CHECKED_BODY, Response};

/// Where one captured value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// The first value a JSON path selects in the body.
    Json(JsonPath),
    /// A response header, by its lower-case name.
    Header(String),
}

/// The compiled captures of one flow step, in plan order.
#[derive(Debug, Clone, Default)]
pub struct Captures {
    list: Vec<(String, Source)>,
}

impl Captures {
    /// Captures from `(name, source)` pairs.
    pub fn new(list: Vec<(String, Source)>) -> Captures {
        Captures { list }
    }

    /// The captured names, in plan order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|(n, _)| n.as_str())
    }

    /// Whether a capture reads the body.
    pub fn needs_body(&self) -> bool {
        self.list.iter().any(|(_, s)| matches!(s, Source::Json(_)))
    }

    /// The headers the captures read, lower-case.
    pub fn header_names(&self) -> impl Iterator<Item = &str> {
        self.list.iter().filter_map(|(_, s)| match s {
            Source::Header(h) => Some(h.as_str()),
            Source::Json(_) => None,
        })
    }

    /// Takes every value from `response`: `(name, value)` in plan order.
    ///
    /// # Errors
    ///
    /// The first capture that found nothing, described, e.g.
    /// ``capture `token`: `$.access_token` is not in the body``.
    pub fn take(&self, response: Response<'_>) -> Result<Vec<(String, Value)>, String> {
        let mut doc: Option<Value> = None;
        let mut out = Vec::with_capacity(self.list.len());
        for (name, source) in &self.list {
            let value = match source {
                Source::Header(header) => response
                    .headers
                    .iter()
                    .find(|(k, _)| k == header)
                    .map(|(_, v)| Value::String(v.clone()))
                    .ok_or_else(|| format!("capture `{name}`: no `{header}` header"))?,
                Source::Json(path) => {
                    if doc.is_none() {
                        doc = Some(parse(name, response)?);
                    }
                    let found = doc.as_ref().and_then(|d| path.select(d).first().copied());
                    found.cloned().ok_or_else(|| {
                        format!("capture `{name}`: `{}` is not in the body", path.as_str())
                    })?
                }
            };
            out.push((name.clone(), value));
        }
        Ok(out)
    }
}

/// The body as JSON, for the capture `name`.
fn parse(name: &str, response: Response<'_>) -> Result<Value, String> {
    let Some(body) = response.body else {
        return Err(format!(
            "capture `{name}`: the body has {} bytes, more than the {MAX_CHECKED_BODY} bytes captures can read",
            response.size
        ));
    };
    serde_json::from_slice(body)
        .map_err(|e| format!("capture `{name}`: the body is not JSON ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn captures() -> Captures {
        Captures::new(vec![
            (
                "token".into(),
                Source::Json(JsonPath::parse("$.access_token").unwrap()),
            ),
            ("loc".into(), Source::Header("location".into())),
        ])
    }

    #[test]
    fn takes_typed_values_and_headers() {
        let body = br#"{"access_token": "abc", "n": 3}"#;
        let headers = vec![("location".to_owned(), "/items/7".to_owned())];
        let response = Response {
            body: Some(body),
            size: body.len() as u64,
            headers: &headers,
        };
        let got = captures().take(response).unwrap();
        assert_eq!(got[0], ("token".to_owned(), Value::from("abc")));
        assert_eq!(got[1], ("loc".to_owned(), Value::from("/items/7")));
        let n = Captures::new(vec![(
            "n".into(),
            Source::Json(JsonPath::parse("$.n").unwrap()),
        )]);
        assert_eq!(n.take(response).unwrap()[0].1, Value::from(3));
    }

    #[test]
    fn names_what_is_missing() {
        let body = br#"{"error": "no"}"#;
        let response = Response {
            body: Some(body),
            size: body.len() as u64,
            headers: &[],
        };
        let err = captures().take(response).unwrap_err();
        assert_eq!(err, "capture `token`: `$.access_token` is not in the body");
        let not_json = Response {
            body: Some(b"<html>"),
            size: 6,
            headers: &[],
        };
        assert!(captures().take(not_json).unwrap_err().contains("not JSON"));
        let headerless = Captures::new(vec![("loc".into(), Source::Header("location".into()))]);
        assert_eq!(
            headerless.take(not_json).unwrap_err(),
            "capture `loc`: no `location` header"
        );
    }
}
