//! A JSON body whose string leaves may be templates, compiled once: the
//! parts without templates are serialised at load time, and only the
//! templated leaves are rendered per request.
//!
//! A leaf that is exactly one expression (`"{{ row.Age }}"`) keeps the type
//! of its value (a number stays a number, none becomes `null`); any other
//! templated leaf renders to a JSON string.
//!
//! Two things keep a templated body cheap:
//! - a leaf that only reads one column of a feeder's row (`"{{ p.Age }}"`)
//!   is a [`Column`]: its value is written from the row as JSON, without a
//!   render (its template is kept for the plan's checks, and is rendered
//!   only when the row has no such column, for the error);
//! - the other leaves, when there are several and none holds a statement
//!   (`{% … %}`), are compiled into one template ([`Fused`]): one render per
//!   request instead of one per leaf, each leaf's JSON separated from the
//!   next by a control character that JSON text never holds unescaped. The
//!   leaves are evaluated in the same order as one by one, so seeded random
//!   functions draw the same values.

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
    /// A one-expression leaf that reads one column of a feeder's row.
    Column(Column),
    /// An array with a template somewhere inside.
    Array(Vec<Node>),
    /// An object with a template somewhere inside: serialised keys (with the
    /// colon) and values.
    Object(Vec<(Box<[u8]>, Node)>),
    /// A body whose template leaves are rendered by one template.
    Fused(Arc<Fused>),
}

/// A leaf `{{ feeder.key }}`, written straight from the feeder's current row.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The feeder (its index in the plan's feeders).
    pub feeder: usize,
    /// The column (the key of a JSON row).
    pub key: String,
    /// The leaf's typed template, which renders the same JSON.
    pub template: String,
}

/// The template leaves of a body as one template: each leaf's template in
/// place (a text leaf inside a filter that writes it as a JSON string), one
/// [`SEPARATOR`] between two. The per-leaf templates stay compiled for the
/// plan's checks and messages; this one is only rendered.
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

/// Between two leaves in a fused render: JSON escapes every control
/// character inside strings and has none outside them.
const SEPARATOR: char = '\u{1f}';

impl PartialEq for Fused {
    fn eq(&self, other: &Fused) -> bool {
        self.nodes == other.nodes
    }
}

impl Fused {
    /// The template leaves of `nodes` as one template, when there are
    /// several and each can be fused: `sources` gives each leaf template's
    /// source by name.
    fn new(nodes: Node, sources: &[(String, String)]) -> Option<Fused> {
        let mut leaves = Vec::new();
        fuse(&nodes, sources, &mut leaves)?;
        if leaves.len() < 2 {
            return None;
        }
        let mut env = super::environment();
        env.add_filter(TEXT_FILTER, |text: String| {
            // Serialising a string cannot fail.
            serde_json::to_string(&text).unwrap_or_default()
        });
        env.add_template_owned(FUSED, leaves.join(&SEPARATOR.to_string()))
            .ok()?;
        Some(Fused { env, nodes })
    }

    /// The template leaves rendered with `ctx`, each as JSON, separated.
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

/// Appends the template of each template leaf of `node` to `leaves`; `None`
/// when a leaf holds a statement (whose variables would reach the leaves
/// after it) or its source is unknown.
fn fuse(node: &Node, sources: &[(String, String)], leaves: &mut Vec<String>) -> Option<()> {
    let source = |name: &str| {
        sources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
            .filter(|s| !s.contains("{%"))
    };
    match node {
        Node::Raw(_) | Node::Column(_) => {}
        Node::Typed(name) => leaves.push(source(name)?.to_owned()),
        Node::Text(name) => {
            // A template on its own loses one trailing newline.
            let leaf = source(name)?;
            let leaf = leaf
                .strip_suffix('\n')
                .map_or(leaf, |l| l.strip_suffix('\r').unwrap_or(l));
            leaves.push(format!(
                "{{% filter {TEXT_FILTER} %}}{leaf}{{% endfilter %}}"
            ));
        }
        Node::Array(items) => {
            for item in items {
                fuse(item, sources, leaves)?;
            }
        }
        Node::Object(fields) => {
            for (_, value) in fields {
                fuse(value, sources, leaves)?;
            }
        }
        Node::Fused(f) => fuse(&f.nodes, sources, leaves)?,
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
/// its name (`typed`: the source renders JSON); `column(expression)` gives
/// the feeder and column a one-expression leaf reads, when that is all it
/// does. A body with several template leaves that can be fused comes back
/// as [`Node::Fused`].
///
/// # Errors
///
/// The first error `add` returns.
pub fn compile<E>(
    value: &serde_json::Value,
    add: &mut impl FnMut(String, bool) -> Result<String, E>,
    column: &impl Fn(&str) -> Option<(usize, String)>,
) -> Result<Node, E> {
    let mut sources = Vec::new();
    let node = compile_node(
        value,
        &mut |source: String, typed: bool| {
            let name = add(source.clone(), typed)?;
            sources.push((name.clone(), source));
            Ok(name)
        },
        column,
    )?;
    Ok(match Fused::new(node.clone(), &sources) {
        Some(fused) => Node::Fused(Arc::new(fused)),
        None => node,
    })
}

fn compile_node<E>(
    value: &serde_json::Value,
    add: &mut impl FnMut(String, bool) -> Result<String, E>,
    column: &impl Fn(&str) -> Option<(usize, String)>,
) -> Result<Node, E> {
    use serde_json::Value as J;
    Ok(match value {
        J::String(s) if is_template(s) => match single_expression(s) {
            Some(expr) => {
                let template = add(format!("{{{{ ({expr})|{TYPED_FILTER} }}}}"), true)?;
                match column(expr.trim()) {
                    Some((feeder, key)) => Node::Column(Column {
                        feeder,
                        key,
                        template,
                    }),
                    None => Node::Typed(template),
                }
            }
            None => Node::Text(add(s.clone(), false)?),
        },
        J::Array(items) if has_template(value) => Node::Array(
            items
                .iter()
                .map(|v| compile_node(v, add, column))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) if has_template(value) => Node::Object(
            map.iter()
                .map(|(k, v)| Ok((key_bytes(k), compile_node(v, add, column)?)))
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

/// What renders the leaves of a body for one request.
pub trait Leaves {
    /// Template `name` rendered.
    ///
    /// # Errors
    ///
    /// The render error, described.
    fn template(&self, name: &str) -> Result<String, String>;

    /// The template leaves of `fused` rendered as one.
    ///
    /// # Errors
    ///
    /// The render error, described.
    fn fused(&self, fused: &Fused) -> Result<String, String>;

    /// Writes the value `column` reads as JSON into `out`; `false` (and
    /// nothing written) when the row has no such column.
    fn column(&self, column: &Column, out: &mut Vec<u8>) -> bool;
}

/// Writes `node` as JSON into `out`, its leaves rendered by `leaves`.
///
/// # Errors
///
/// The first render error.
pub fn render(node: &Node, out: &mut Vec<u8>, leaves: &impl Leaves) -> Result<(), String> {
    let Node::Fused(fused) = node else {
        return walk(node, out, &mut |leaf, out| one(leaf, out, leaves));
    };
    let rendered = leaves.fused(fused)?;
    let mut parts = rendered.split(SEPARATOR);
    walk(&fused.nodes, out, &mut |leaf, out| {
        let part = match leaf {
            Node::Column(_) => None,
            _ => parts.next(),
        };
        match part {
            Some(part) => out.extend_from_slice(part.as_bytes()),
            None => one(leaf, out, leaves)?,
        }
        Ok(())
    })
}

/// Writes the structure of `node` into `out`, and each leaf by `leaf`.
fn walk(
    node: &Node,
    out: &mut Vec<u8>,
    leaf: &mut impl FnMut(&Node, &mut Vec<u8>) -> Result<(), String>,
) -> Result<(), String> {
    match node {
        Node::Raw(bytes) => out.extend_from_slice(bytes),
        Node::Typed(_) | Node::Text(_) | Node::Column(_) => leaf(node, out)?,
        Node::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                walk(item, out, leaf)?;
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
                walk(value, out, leaf)?;
            }
            out.push(b'}');
        }
        Node::Fused(f) => walk(&f.nodes, out, leaf)?,
    }
    Ok(())
}

/// Writes one leaf rendered on its own.
fn one(leaf: &Node, out: &mut Vec<u8>, leaves: &impl Leaves) -> Result<(), String> {
    match leaf {
        Node::Typed(name) => out.extend_from_slice(leaves.template(name)?.as_bytes()),
        Node::Text(name) => out.extend_from_slice(&to_bytes(&leaves.template(name)?)),
        Node::Column(c) => {
            if !leaves.column(c, out) {
                out.extend_from_slice(leaves.template(&c.template)?.as_bytes());
            }
        }
        other => walk(other, out, &mut |leaf, out| one(leaf, out, leaves))?,
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

    /// No leaf reads a column directly.
    fn no_column(_: &str) -> Option<(usize, String)> {
        None
    }

    /// Leaves rendered by a fixed answer per kind of template.
    struct Fixed;

    impl Leaves for Fixed {
        fn template(&self, name: &str) -> Result<String, String> {
            Ok(if name.contains("_typed_json") {
                "34.5".into()
            } else {
                "Kelly \"J\"".into()
            })
        }
        fn fused(&self, _: &Fused) -> Result<String, String> {
            Err("not fused".into())
        }
        fn column(&self, _: &Column, _: &mut Vec<u8>) -> bool {
            false
        }
    }

    #[test]
    fn static_parts_are_serialised_once_and_leaves_keep_their_type() {
        let body =
            json!([{"Age": "{{ age }}", "Sex": "male", "Name": "Mr {{ name }}", "n": [1, 2]}]);
        let mut sources = Vec::new();
        let mut add = |source: String, typed: bool| {
            sources.push((source.clone(), typed));
            Ok::<_, ()>(format!("leaf{}", sources.len()) + &source)
        };
        let node = compile(&body, &mut add, &no_column).unwrap();
        assert_eq!(
            sources,
            [
                ("{{ ( age )|_typed_json }}".to_string(), true),
                ("Mr {{ name }}".to_string(), false)
            ]
        );
        let Node::Fused(fused) = node else {
            panic!("two leaves are fused");
        };
        let mut out = Vec::new();
        render(&fused.nodes, &mut out, &Fixed).unwrap();
        let back: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            back,
            json!([{"Age": 34.5, "Sex": "male", "Name": "Kelly \"J\"", "n": [1, 2]}])
        );
        assert!(matches!(
            compile(&json!({"a": [1]}), &mut |s, _| Ok::<_, ()>(s), &no_column).unwrap(),
            Node::Raw(_)
        ));
    }

    /// Leaves rendered by minijinja with `ctx`, columns read from its `row`.
    struct Real<'a> {
        env: &'a Environment<'static>,
        ctx: Value,
        columns: bool,
    }

    impl Leaves for Real<'_> {
        fn template(&self, name: &str) -> Result<String, String> {
            self.env
                .get_template(name)
                .and_then(|t| t.render(&self.ctx))
                .map_err(|e| e.to_string())
        }
        fn fused(&self, fused: &Fused) -> Result<String, String> {
            fused.render(&self.ctx)
        }
        fn column(&self, column: &Column, out: &mut Vec<u8>) -> bool {
            let row = self.ctx.get_attr("row").unwrap();
            self.columns && crate::data::write_column(&row, &column.key, out)
        }
    }

    /// Compiles `body` with its leaf templates in an environment of their
    /// own; `row.NAME` leaves read their column directly.
    fn compiled(body: &serde_json::Value) -> (Node, Environment<'static>) {
        let mut env = crate::template::environment();
        let mut n = 0;
        let mut add = |source: String, _| {
            n += 1;
            let name = format!("leaf{n}");
            env.add_template_owned(name.clone(), source).map(|()| name)
        };
        let column = |expr: &str| {
            let key = expr.strip_prefix("row.")?;
            key.chars()
                .all(char::is_alphanumeric)
                .then(|| (0, key.to_owned()))
        };
        let node = compile(body, &mut add, &column).unwrap();
        (node, env)
    }

    #[test]
    fn a_fused_body_renders_what_its_leaves_render() {
        let body = json!({"a{b}": [{"Age": "{{ row.age }}", "Name": "Mr {{ row.name }}\n",
            "Id": "{{ uuid() }}", "Fixed": [1, "x"], "Null": "{{ row.none }}",
            "Who": "{{ row.name }}", "N": "{{ random_int(1, 9) }}"}], "n": 2});
        let (node, env) = compiled(&body);
        let Node::Fused(fused) = &node else {
            panic!("not fused: {node:?}");
        };
        let ctx = minijinja::context! {
            row => minijinja::context! { age => 34.5, name => "Kelly \"J\"\u{1f}", none => () }
        };
        let rendered = |node: &Node, columns: bool| {
            let leaves = Real {
                env: &env,
                ctx: ctx.clone(),
                columns,
            };
            crate::template::functions::seeded(9, || {
                let mut out = Vec::new();
                render(node, &mut out, &leaves).map(|()| String::from_utf8(out).unwrap())
            })
            .unwrap()
        };
        let one_by_one = rendered(&fused.nodes, false);
        assert_eq!(rendered(&node, true), one_by_one);
        assert_eq!(rendered(&node, false), one_by_one);
        assert_eq!(rendered(&fused.nodes, true), one_by_one);
        let back: serde_json::Value = serde_json::from_str(&one_by_one).unwrap();
        assert_eq!(back["a{b}"][0]["Age"], json!(34.5));
        assert_eq!(back["a{b}"][0]["Name"], json!("Mr Kelly \"J\"\u{1f}"));
        assert_eq!(back["a{b}"][0]["Who"], json!("Kelly \"J\"\u{1f}"));
        assert_eq!(back["a{b}"][0]["Null"], json!(null));
        assert_eq!(back["a{b}"][0]["Fixed"], json!([1, "x"]));
    }

    #[test]
    fn statements_and_lone_leaves_are_not_fused() {
        let with_statement = json!({"a": "{% set x = 1 %}{{ x }}", "b": "{{ y }}"});
        assert!(matches!(compiled(&with_statement).0, Node::Object(_)));
        let single = json!({"a": "{{ x }}", "b": 1});
        assert!(matches!(compiled(&single).0, Node::Object(_)));
        let columns_and_one = json!({"a": "{{ x }}", "b": "{{ row.b }}", "c": "{{ row.c }}"});
        let (node, _) = compiled(&columns_and_one);
        let Node::Object(fields) = node else {
            panic!("fused: {node:?}");
        };
        assert!(matches!(&fields[1].1, Node::Column(c) if c.key == "b" && c.feeder == 0));
    }
}
