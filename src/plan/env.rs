//! `${VAR}` and `${VAR:-default}` in a plan, filled from the environment before
//! the YAML is parsed.
//!
//! Rules: a variable name is `[A-Za-z_][A-Za-z0-9_]*`; `$${` writes a literal
//! `${`; references inside YAML comments are left alone; a value is inserted as
//! text, so it may carry YAML (quote the reference to keep it a string). A value
//! containing a line break is refused, so that line numbers in later errors stay
//! true.

/// A reference that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EnvError {
    /// 1-based line of the reference.
    pub line: u64,
    /// 1-based column of the `$`.
    pub column: u64,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

/// Replaces every `${VAR}` and `${VAR:-default}` outside comments, looking
/// variables up with `lookup`.
///
/// # Errors
///
/// The first reference that is malformed, or names a variable that is not set
/// and has no default.
pub fn substitute(text: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, EnvError> {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split_inclusive('\n').enumerate() {
        let line_no = index as u64 + 1;
        let comment = comment_start(line);
        let (code, rest) = line.split_at(comment);
        substitute_line(code, line_no, &lookup, &mut out)?;
        out.push_str(rest);
    }
    Ok(out)
}

fn substitute_line(
    code: &str,
    line: u64,
    lookup: &impl Fn(&str) -> Option<String>,
    out: &mut String,
) -> Result<(), EnvError> {
    let mut rest = code;
    let mut consumed = 0usize;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos..];
        let column = code[..consumed + pos].chars().count() as u64 + 1;
        if let Some(tail) = after.strip_prefix("$${") {
            out.push_str("${");
            consumed += pos + 3;
            rest = tail;
            continue;
        }
        let Some(body_start) = after.strip_prefix("${") else {
            out.push('$');
            consumed += pos + 1;
            rest = &after[1..];
            continue;
        };
        let fail = |message: String, help: &str| EnvError {
            line,
            column,
            message,
            help: help.to_string(),
        };
        let Some(end) = body_start.find('}') else {
            return Err(fail(
                "unterminated `${`: expected `${NAME}` or `${NAME:-default}`".to_string(),
                "close it with `}`, or write `$${` for a literal `${`",
            ));
        };
        let inner = &body_start[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        if !is_var_name(name) {
            return Err(fail(
                format!(
                    "`${{{inner}}}` is not a valid reference: a variable name is letters, digits and `_`, not starting with a digit"
                ),
                "write `${NAME}` or `${NAME:-default}`",
            ));
        }
        let value = match (lookup(name), default) {
            (Some(v), _) => v,
            (None, Some(d)) => d.to_string(),
            (None, None) => {
                return Err(fail(
                    format!("environment variable `{name}` is not set"),
                    &format!("set it, or give a default: `${{{name}:-value}}`"),
                ));
            }
        };
        if value.contains(['\n', '\r']) {
            return Err(fail(
                format!("environment variable `{name}` contains a line break"),
                "a plan value from the environment must be on one line",
            ));
        }
        out.push_str(&value);
        let skipped = 2 + end + 1;
        consumed += pos + skipped;
        rest = &after[skipped..];
    }
    out.push_str(rest);
    Ok(())
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Where a YAML comment starts in `line` (its length when there is none): a `#`
/// at the start or after whitespace, outside single or double quotes.
fn comment_start(line: &str) -> usize {
    let mut quote: Option<char> = None;
    let mut prev_space = true;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && prev_space => return i,
            None if (c == '"' || c == '\'') && prev_space_or_flow(line, i) => quote = Some(c),
            None => {}
        }
        prev_space = c.is_whitespace();
    }
    line.len()
}

/// Whether a quote at byte `i` opens a quoted scalar (it follows whitespace,
/// the start of the line, or a flow/mapping indicator).
fn prev_space_or_flow(line: &str, i: usize) -> bool {
    line[..i]
        .chars()
        .next_back()
        .is_none_or(|c| c.is_whitespace() || matches!(c, ':' | '[' | '{' | ',' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "HOST" => Some("http://127.0.0.1:9".into()),
            "EMPTY" => Some(String::new()),
            "MULTI" => Some("a\nb".into()),
            _ => None,
        }
    }

    #[test]
    fn fills_values_and_defaults() {
        let out = substitute("host: ${HOST}\nx: ${NOPE:-7}\ny: '${EMPTY:-d}'\n", env).unwrap();
        assert_eq!(out, "host: http://127.0.0.1:9\nx: 7\ny: ''\n");
    }

    #[test]
    fn missing_variable_names_it_and_its_line() {
        let err = substitute("a: 1\n\nh: \"Bearer ${API_TOKEN}\"\n", env).unwrap_err();
        assert_eq!((err.line, err.column), (3, 12));
        assert!(err.message.contains("`API_TOKEN`"), "{}", err.message);
        assert!(err.help.contains("${API_TOKEN:-value}"), "{}", err.help);
    }

    #[test]
    fn comments_escapes_and_plain_dollars_are_left_alone() {
        let text = "a: $5 # ${UNSET}\n# ${UNSET}\nb: \"#x ${HOST}\"\nc: $${LITERAL}\n";
        let out = substitute(text, env).unwrap();
        assert_eq!(
            out,
            "a: $5 # ${UNSET}\n# ${UNSET}\nb: \"#x http://127.0.0.1:9\"\nc: ${LITERAL}\n"
        );
    }

    #[test]
    fn malformed_references_are_errors() {
        assert!(
            substitute("a: ${HOST\n", env)
                .unwrap_err()
                .message
                .contains("unterminated")
        );
        assert!(
            substitute("a: ${1X}\n", env)
                .unwrap_err()
                .message
                .contains("not a valid")
        );
        assert!(
            substitute("a: ${MULTI}\n", env)
                .unwrap_err()
                .message
                .contains("line break")
        );
    }
}
