//! A request with templates in it, and building the request to send from it.

use std::sync::Arc;

use super::body::{self, Leaves, Node};

/// A text that is fixed or rendered by a named template.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Sent as is.
    Fixed(String),
    /// Rendered by the template of this name.
    Template(String),
}

/// A templated body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyTemplate {
    /// A JSON body with templated leaves.
    Json(Node),
    /// A raw text body rendered by the template of this name.
    Text(String),
}

/// The templated parts of one request; the rest of the compiled request is
/// used as is.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestTemplate {
    /// The request's position in the plan (part of each render's seed).
    pub index: usize,
    /// The host the rendered path is appended to.
    pub host: String,
    /// The path's template, when the path is templated.
    pub path: Option<String>,
    /// Query parameters, when any is templated.
    pub query: Option<Vec<(String, Part)>>,
    /// Headers, when any is templated.
    pub headers: Option<Vec<(String, Part)>>,
    /// The body, when it is templated.
    pub body: Option<BodyTemplate>,
    /// The feeders (indices) whose rows the templates read: one row of each
    /// is drawn per request.
    pub feeders: Vec<usize>,
}

impl RequestTemplate {
    /// Every template name it uses.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.path.iter().map(String::as_str).collect();
        for parts in [&self.query, &self.headers].into_iter().flatten() {
            names.extend(parts.iter().filter_map(|(_, p)| match p {
                Part::Template(n) => Some(n.as_str()),
                Part::Fixed(_) => None,
            }));
        }
        match &self.body {
            Some(BodyTemplate::Text(n)) => names.push(n),
            Some(BodyTemplate::Json(node)) => collect(node, &mut names),
            None => {}
        }
        names
    }
}

fn collect<'a>(node: &'a Node, names: &mut Vec<&'a str>) {
    match node {
        Node::Raw(_) => {}
        Node::Text(n) | Node::Typed(n) => names.push(n),
        Node::Column(c) => names.push(&c.template),
        Node::Array(items) => items.iter().for_each(|i| collect(i, names)),
        Node::Object(fields) => fields.iter().for_each(|(_, v)| collect(v, names)),
        Node::Fused(f) => collect(&f.nodes, names),
    }
}

/// Renders every part with `render`, which takes a template name.
///
/// # Errors
///
/// The first render error, or a header value HTTP does not allow.
pub fn render_parts(
    parts: &[(String, Part)],
    render: &impl Fn(&str) -> Result<String, String>,
) -> Result<Vec<(String, String)>, String> {
    parts
        .iter()
        .map(|(name, part)| {
            let value = match part {
                Part::Fixed(v) => v.clone(),
                Part::Template(t) => render(t)?,
            };
            Ok((name.clone(), value))
        })
        .collect()
}

/// The rendered body bytes, its leaves rendered by `leaves`.
///
/// # Errors
///
/// The first render error.
pub fn render_body(body: &BodyTemplate, leaves: &impl Leaves) -> Result<Arc<[u8]>, String> {
    match body {
        BodyTemplate::Text(name) => Ok(Arc::from(leaves.template(name)?.into_bytes())),
        BodyTemplate::Json(node) => {
            let mut out = Vec::with_capacity(256);
            body::render(node, &mut out, leaves)?;
            Ok(Arc::from(out))
        }
    }
}

/// Whether HTTP allows `value` in a header (no control characters but tab).
pub fn header_allowed(value: &str) -> bool {
    !value.chars().any(|c| c.is_control() && c != '\t')
}
