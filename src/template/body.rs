//! A JSON body whose string leaves may be templates, compiled once: the
//! parts without templates are serialised at load time, and only the
//! templated leaves are rendered per request.
//!
//! A leaf that is exactly one expression (`"{{ row.Age }}"`) keeps the type
//! of its value (a number stays a number, none becomes `null`); any other
//! templated leaf renders to a JSON string.
//!
//! A body with several templated leaves, none of which holds a statement
//! (`{% … %}`), is also compiled into one template for the whole body
//! ([`Fused`]): one render per request instead of one per leaf, with the same
//! output (the leaves are evaluated in the same order, so seeded random
//! functions draw the same values).

use std::sync::Arc;

use minijinja::{Environment, Value};

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
    /// A whole body rendered by one template.
    Fused(Arc<Fused>),
}

/// A whole JSON body as one template: the static parts as text, each leaf's
/// template in place (a text leaf inside a filter that writes it as a JSON
/// string). The per-leaf templates stay compiled for the plan's checks and
/// messages; this one is only rendered.
#[derive(Debug)]
pub struct Fused {
    env: Environment<'static>,
    /// The body's nodes, whose leaves name their own templates.
    pub nodes: Node,
}

/// The fused template's name in its own environment.
const FUSED: &str = "body";

/// The filter that writes a fused text leaf as a JSON string.
const TEXT_FILTER: &str = "_json_text";

impl PartialEq for Fused {
    fn eq(&self, other: &Fused) -> bool {
        self.nodes == other.nodes
    }
}

impl Fused {
    /// The body of `nodes` as one template, when every leaf can be fused:
    /// `sources` gives each leaf template's source by name.
    fn new(nodes: Node, sources: &[(String, String)]) -> Option<Fused> {
        let mut source = String::new();
        fuse(&nodes, sources, &mut source)?;
        let mut env = super::environment();
        env.add_filter(TEXT_FILTER, |text: String| {
            // Serialising a string cannot fail.
            serde_json::to_string(&text).unwrap_or_default()
        });
        env.add_template_owned(FUSED, source).ok()?;
        Some(Fused { env, nodes })
    }

    /// The body rendered with `ctx`.
    ///
    /// # Errors
    ///
    /// The render error, described.
    pub fn render(&self, ctx: &Value) -> Result<String, String> {
        self.env
            .get_template(FUSED)
            .and_then(|t| t.render(ctx))
            .map_err(|e| super::describe(&e))
    }
}

/// Appends the template text of `node` to `out`; `None` when a static part
/// holds template syntax or a leaf holds a statement (whose variables would
/// reach the leaves after it), or a leaf's source is unknown.
fn fuse(node: &Node, sources: &[(String, String)], out: &mut String) -> Option<()> {
    let source = |name: &str| {
        sources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
            .filter(|s| !s.contains("{%"))
    };
    let text = |bytes: &[u8], out: &mut String| {
        let text = std::str::from_utf8(bytes).ok()?;
        (!is_template(text)).then(|| out.push_str(text))
    };
    match node {
        Node::Raw(bytes) => text(bytes, out)?,
        Node::Typed(name) => out.push_str(source(name)?),
        Node::Text(name) => {
            // A template on its own loses one trailing newline.
            let leaf = source(name)?;
            let leaf = leaf
                .strip_suffix('\n')
                .map_or(leaf, |l| l.strip_suffix('\r').unwrap_or(l));
            out.push_str(&format!(
                "{{% filter {TEXT_FILTER} %}}{leaf}{{% endfilter %}}"
            ));
        }
        Node::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                fuse(item, sources, out)?;
            }
            out.push(']');
        }
        Node::Object(fields) => {
            out.push('{');
            for (i, (key, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                text(key, out)?;
                fuse(value, sources, out)?;
            }
            out.push('}');
        }
        Node::Fused(f) => fuse(&f.nodes, sources, out)?,
    }
    Some(())
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
/// its name (`typed`: the source renders JSON). A body with several leaves
/// that can be fused comes back as [`Node::Fused`].
///
/// # Errors
///
/// The first error `add` returns.
pub fn compile<E>(
    value: &serde_json::Value,
    add: &mut impl FnMut(String, bool) -> Result<String, E>,
) -> Result<Node, E> {
    let mut sources = Vec::new();
    let node = compile_node(value, &mut |source: String, typed: bool| {
        let name = add(source.clone(), typed)?;
        sources.push((name.clone(), source));
        Ok(name)
    })?;
    if sources.len() < 2 {
        return Ok(node);
    }
    Ok(match Fused::new(node.clone(), &sources) {
        Some(fused) => Node::Fused(Arc::new(fused)),
        None => node,
    })
}

fn compile_node<E>(
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
                .map(|v| compile_node(v, add))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) if has_template(value) => Node::Object(
            map.iter()
                .map(|(k, v)| Ok((key_bytes(k), compile_node(v, add)?)))
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

/// Writes `node` as JSON into `out`, rendering templates with `render`
/// (leaf by leaf, a fused body too).
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
        Node::Fused(f) => self::render(&f.nodes, out, render)?,
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

    /// Compiles `body` with its leaf templates in an environment of their own.
    fn compiled(body: &serde_json::Value) -> (Node, Environment<'static>) {
        let mut env = crate::template::environment();
        let mut n = 0;
        let node = compile(body, &mut |source: String, _| {
            n += 1;
            let name = format!("leaf{n}");
            env.add_template_owned(name.clone(), source).map(|()| name)
        })
        .unwrap();
        (node, env)
    }

    #[test]
    fn a_fused_body_renders_what_its_leaves_render() {
        let body = json!({"a{b}": [{"Age": "{{ row.age }}", "Name": "Mr {{ row.name }}\n",
            "Id": "{{ uuid() }}", "Fixed": [1, "x"], "Null": "{{ row.none }}"}], "n": 2});
        let (node, env) = compiled(&body);
        let Node::Fused(fused) = &node else {
            panic!("not fused: {node:?}");
        };
        let ctx = minijinja::context! {
            row => minijinja::context! { age => 34.5, name => "Kelly \"J\"", none => () }
        };
        let per_leaf = crate::template::functions::seeded(9, || {
            let mut out = Vec::new();
            render(&fused.nodes, &mut out, &|name: &str| {
                env.get_template(name).and_then(|t| t.render(&ctx))
            })
            .map(|()| out)
        })
        .unwrap();
        let whole = crate::template::functions::seeded(9, || fused.render(&ctx)).unwrap();
        assert_eq!(String::from_utf8(per_leaf).unwrap(), whole);
        let back: serde_json::Value = serde_json::from_str(&whole).unwrap();
        assert_eq!(back["a{b}"][0]["Age"], json!(34.5));
        assert_eq!(back["a{b}"][0]["Name"], json!("Mr Kelly \"J\""));
        assert_eq!(back["a{b}"][0]["Null"], json!(null));
    }

    #[test]
    fn statements_and_template_syntax_in_keys_are_not_fused() {
        let with_statement = json!({"a": "{% set x = 1 %}{{ x }}", "b": "{{ y }}"});
        assert!(matches!(compiled(&with_statement).0, Node::Object(_)));
        let odd_key = json!({"{{k}}": "{{ x }}", "b": "{{ y }}"});
        assert!(matches!(compiled(&odd_key).0, Node::Object(_)));
        let single = json!({"a": "{{ x }}", "b": 1});
        assert!(matches!(compiled(&single).0, Node::Object(_)));
    }
}
