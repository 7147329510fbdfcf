//! Plan errors that point at the plan: file, line, column, a snippet of the
//! source, what was expected, and a suggestion where there is one.

use std::fmt;

use super::secrets::Secrets;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// One problem found in a plan, located in its source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The plan file as given.
    pub file: String,
    /// 1-based line; 0 when the location is not known.
    pub line: u64,
    /// 1-based column; 0 when the location is not known.
    pub column: u64,
    /// What is wrong and what was expected.
    pub message: String,
    /// A suggestion, e.g. ``did you mean `spawn_rate`?``.
    pub help: Option<String>,
    /// The source line the problem is on (empty when not known).
    source_line: String,
}

impl Diagnostic {
    /// A problem at `line`:`column` of `source` (both 1-based; 0 for unknown).
    pub fn new(file: &str, source: &str, line: u64, column: u64, message: String) -> Self {
        let source_line = usize::try_from(line)
            .ok()
            .and_then(|l| l.checked_sub(1))
            .and_then(|l| source.lines().nth(l))
            .unwrap_or_default()
            .to_string();
        Diagnostic {
            file: file.to_string(),
            line,
            column,
            message,
            help: None,
            source_line,
        }
    }

    /// Replaces every secret value in the message, the help and the source
    /// line shown.
    pub fn redact(&mut self, secrets: &Secrets) {
        self.message = secrets.redact(&self.message).into_owned();
        self.help = self.help.as_deref().map(|h| secrets.redact(h).into_owned());
        self.source_line = secrets.redact(&self.source_line).into_owned();
    }

    /// Adds a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The byte range of the source line to underline: from the column to the
    /// end of the token there.
    fn span(&self) -> std::ops::Range<usize> {
        let chars: Vec<(usize, char)> = self.source_line.char_indices().collect();
        let col = usize::try_from(self.column.max(1) - 1).unwrap_or(0);
        let Some(&(start, _)) = chars.get(col) else {
            let end = self.source_line.len();
            return end..end;
        };
        let end = chars[col..]
            .iter()
            .find(|(_, c)| c.is_whitespace() || *c == ':' || *c == ',')
            .map_or(self.source_line.len(), |&(i, _)| i);
        start..end.max(start + chars[col].1.len_utf8())
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = Level::ERROR.primary_title(self.message.as_str());
        let mut groups = vec![];
        if self.line == 0 || self.source_line.is_empty() {
            groups.push(Group::with_title(title));
            let rendered = Renderer::plain().render(&groups);
            writeln!(f, "{rendered}")?;
            writeln!(f, " --> {}", self.file)?;
        } else {
            let snippet = Snippet::source(self.source_line.as_str())
                .line_start(usize::try_from(self.line).unwrap_or(1))
                .path(self.file.as_str())
                .annotation(AnnotationKind::Primary.span(self.span()));
            groups.push(title.element(snippet));
            writeln!(f, "{}", Renderer::plain().render(&groups))?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_snippet_and_help() {
        let src = "name: x\nload:\n  spawn_rte: 5/s\n";
        let d = Diagnostic::new("plan.yaml", src, 3, 3, "unknown field `spawn_rte`".into())
            .with_help("did you mean `spawn_rate`?");
        let text = d.to_string();
        assert!(text.contains("error: unknown field `spawn_rte`"), "{text}");
        assert!(text.contains("plan.yaml:3:3"), "{text}");
        assert!(text.contains("spawn_rte: 5/s"), "{text}");
        assert!(text.contains("^^^^^^^^^"), "{text}");
        assert!(text.contains("help: did you mean `spawn_rate`?"), "{text}");
    }

    #[test]
    fn unknown_location_still_names_the_file() {
        let d = Diagnostic::new("p.yaml", "", 0, 0, "the plan is empty".into());
        let text = d.to_string();
        assert!(text.contains("error: the plan is empty"), "{text}");
        assert!(text.contains("--> p.yaml"), "{text}");
    }
}
