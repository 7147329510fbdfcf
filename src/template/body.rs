//! A JSON body whose string leaves may be templates, compiled once: the
//! parts without templates are serialised at load time, and only the
//! templated leaves are rendered per request.
//!
//! A leaf that is exactly one expression (`"{{ row.Age }}"`) keeps the type
//! of its value (a number stays a number, none becomes `null`); any other
//! templated leaf renders to a JSON string.

use super::functions::TYPED_FILTER;

/// A compiled JSON value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// No template inside: the serialised JSON.
    Raw(Box<[u8]>),
    /// A string leaf rendered by the named template, written as a JSON string.
    Text(String),
    /// A one-expression leaf whose named template renders JSON (the typed-leaf filter).
    Typed(String),
    /// An array with a template somewhere inside.
    Array(Vec<Node>),
    /// An object with a template somewhere inside: serialised keys (with the
    /// colon) and values.
    Object(Vec<(Box<[u8]>, Node)>),
}

/// Whether a string holds template syntax.
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// The expression of a leaf that is exactly one `{{ … }}`, if it is one.
pub fn single_expression(text: &str) -> Option<&str> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?;
    let inner = inner.trim_start_matches('-').trim_end_matches('-');
    (!is_template(inner) && !inner.contains("}}") && !inner.trim().is_empty()).then_some(inner)
}

/// Compiles `value`; `add(source, typed)` compiles one template and returns
/// its name (`typed`: the source renders JSON).
///
/// # Errors
///
/// The first error `add` returns.
pub fn compile<E>(
    value: &serde_json::Value,
    add: &mut impl FnMut(String, bool) -> Result<String, E>,
) -> Result<Node, E> {
    use serde_json::Value as J;
    Ok(match value {
        J::String(s) if is_template(s) => match single_expression(s) {
            Some(expr) => Node::Typed(add(format!("{{{{ ({expr})|{TYPED_FILTER} }}}}"), true)?),
            None => Node::Text(add(s.clone(), false)?),
        },
        J::Array(items) if has_template(value) => Node::Array(
            items
                .iter()
                .map(|v| compile(v, add))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) if has_template(value) => Node::Object(
            map.iter()
                .map(|(k, v)| Ok((key_bytes(k), compile(v, add)?)))
                .collect::<Result<_, E>>()?,
        ),
        other => Node::Raw(to_bytes(other)),
    })
}

/// Whether any string inside `value` is a template.
pub fn has_template(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => is_template(s),
        serde_json::Value::Array(items) => items.iter().any(has_template),
        serde_json::Value::Object(map) => map.values().any(has_template),
        _ => false,
    }
}

fn to_bytes(value: &impl serde::Serialize) -> Box<[u8]> {
    // Serialising a JSON value or a string into memory cannot fail.
    serde_json::to_vec(value)
        .unwrap_or_default()
        .into_boxed_slice()
}

fn key_bytes(key: &str) -> Box<[u8]> {
    let mut bytes = to_bytes(&key).into_vec();
    bytes.push(b':');
    bytes.into_boxed_slice()
}

/// Writes `node` as JSON into `out`, rendering templates with `render`.
///
/// # Errors
///
/// The first error `render` returns.
pub fn render<E>(
    node: &Node,
    out: &mut Vec<u8>,
    render: &impl Fn(&str) -> Result<String, E>,
) -> Result<(), E> {
    match node {
        Node::Raw(bytes) => out.extend_from_slice(bytes),
        Node::Typed(name) => out.extend_from_slice(render(name)?.as_bytes()),
        Node::Text(name) => out.extend_from_slice(&to_bytes(&render(name)?)),
        Node::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                self::render(item, out, render)?;
            }
            out.push(b']');
        }
        Node::Object(fields) => {
            out.push(b'{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(key);
                self::render(value, out, render)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_expressions() {
        assert_eq!(single_expression("{{ row.Age }}"), Some(" row.Age "));
        assert_eq!(single_expression(" {{x}} "), Some("x"));
        assert_eq!(single_expression("{{ a }} and {{ b }}"), None);
        assert_eq!(single_expression("id-{{ a }}"), None);
        assert_eq!(single_expression("{{ }}"), None);
    }

    #[test]
    fn static_parts_are_serialised_once_and_leaves_keep_their_type() {
        let body =
            json!([{"Age": "{{ age }}", "Sex": "male", "Name": "Mr {{ name }}", "n": [1, 2]}]);
        let mut sources = Vec::new();
        let node = compile(&body, &mut |source: String, typed: bool| {
            sources.push((source.clone(), typed));
            Ok::<_, ()>(source)
        })
        .unwrap();
        assert_eq!(
            sources,
            [
                ("{{ ( age )|_typed_json }}".to_string(), true),
                ("Mr {{ name }}".to_string(), false)
            ]
        );
        let mut out = Vec::new();
        render(&node, &mut out, &|name: &str| {
            Ok::<_, ()>(if name.contains("_typed_json") {
                "34.5".into()
            } else {
                "Kelly \"J\"".into()
            })
        })
        .unwrap();
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            back,
            json!([{"Age": 34.5, "Sex": "male", "Name": "Kelly \"J\"", "n": [1, 2]}])
        );
        assert!(matches!(
            compile(&json!({"a": [1]}), &mut |s, _| Ok::<_, ()>(s)).unwrap(),
            Node::Raw(_)
        ));
    }
}
