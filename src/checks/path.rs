//! A small JSON path language for expectations: `$`, `.key`, `[n]` and
//! `[*]` (every element), e.g. `$.preds`, `$.preds[0]`, `$.items[*].score`.

use serde_json::Value;

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
    Each,
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPath {
    text: String,
    steps: Vec<Step>,
}

impl JsonPath {
    /// Parses a path that starts with `$`.
    ///
    /// # Errors
    ///
    /// A message saying what was expected where.
    pub fn parse(text: &str) -> Result<JsonPath, String> {
        let bad = |why: &str| {
            format!(
                "invalid JSON path `{text}`: {why}; expected e.g. `$.preds`, `$.preds[0]` or `$.items[*].score`"
            )
        };
        let mut rest = text
            .strip_prefix('$')
            .ok_or_else(|| bad("it must start with `$`"))?;
        let mut steps = Vec::new();
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('.') {
                let end = after.find(['.', '[']).unwrap_or(after.len());
                let key = &after[..end];
                if key.is_empty() {
                    return Err(bad("a `.` must be followed by a key"));
                }
                steps.push(Step::Key(key.to_owned()));
                rest = &after[end..];
            } else if let Some(after) = rest.strip_prefix('[') {
                let end = after.find(']').ok_or_else(|| bad("a `[` is not closed"))?;
                let inside = after[..end].trim();
                steps.push(if inside == "*" {
                    Step::Each
                } else {
                    Step::Index(
                        inside
                            .parse()
                            .map_err(|_| bad("an index must be a whole number or `*`"))?,
                    )
                });
                rest = &after[end + 1..];
            } else {
                return Err(bad("expected `.key` or `[index]`"));
            }
        }
        Ok(JsonPath {
            text: text.to_owned(),
            steps,
        })
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Every value the path selects in `root` (several through `[*]`).
    pub fn select<'a>(&self, root: &'a Value) -> Vec<&'a Value> {
        let mut current = vec![root];
        for step in &self.steps {
            current = current
                .into_iter()
                .flat_map(|v| -> Vec<&Value> {
                    match (step, v) {
                        (Step::Key(k), Value::Object(map)) => map.get(k).into_iter().collect(),
                        (Step::Index(i), Value::Array(items)) => {
                            items.get(*i).into_iter().collect()
                        }
                        (Step::Each, Value::Array(items)) => items.iter().collect(),
                        (Step::Each, Value::Object(map)) => map.values().collect(),
                        _ => Vec::new(),
                    }
                })
                .collect();
        }
        current
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selects_keys_indices_and_every_element() {
        let doc = json!({"preds": ["0", "1"], "items": [{"score": 0.2}, {"score": 0.9}]});
        let get = |p: &str| {
            JsonPath::parse(p)
                .unwrap()
                .select(&doc)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(get("$.preds[1]"), [json!("1")]);
        assert_eq!(get("$.items[*].score"), [json!(0.2), json!(0.9)]);
        assert_eq!(get("$"), std::slice::from_ref(&doc));
        assert!(get("$.missing").is_empty());
        assert!(get("$.preds[5]").is_empty());
    }

    #[test]
    fn refuses_malformed_paths() {
        for bad in ["preds", "$.", "$[x]", "$[0", "$x"] {
            assert!(JsonPath::parse(bad).is_err(), "{bad}");
        }
    }
}
