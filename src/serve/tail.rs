//! The last lines a served command printed, kept in bounded memory however
//! much it prints: at most [`MAX_LINES`] lines of at most [`MAX_LINE_BYTES`]
//! bytes each, terminal escape sequences and control characters removed.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncRead, AsyncReadExt};

/// How many lines are kept.
pub const MAX_LINES: usize = 40;

/// How many bytes of one line are kept; the rest of the line is dropped and
/// the kept part ends with `…`.
pub const MAX_LINE_BYTES: usize = 500;

/// The shared buffer stdout and stderr are both read into, in arrival order.
#[derive(Debug, Clone, Default)]
pub(super) struct Tail {
    lines: Arc<Mutex<VecDeque<String>>>,
}

impl Tail {
    /// The kept lines, oldest first.
    pub(super) fn snapshot(&self) -> Vec<String> {
        let lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        lines.iter().cloned().collect()
    }

    /// Adds one raw line (without its `\n`); `cut` tells that bytes were dropped
    /// from its end. Lines that are blank once cleaned are not kept.
    fn push(&self, raw: &[u8], cut: bool) {
        let mut line = clean(&String::from_utf8_lossy(raw));
        let cut = truncate(&mut line) || cut;
        if line.trim().is_empty() {
            return;
        }
        if cut {
            line.push('…');
        }
        let mut lines = self.lines.lock().unwrap_or_else(PoisonError::into_inner);
        if lines.len() == MAX_LINES {
            lines.pop_front();
        }
        lines.push_back(line);
    }

    /// Reads `reader` to its end (or first error) line by line into the tail.
    /// Never holds more than one capped line and one read buffer.
    pub(super) async fn collect<R: AsyncRead + Unpin>(self, mut reader: R) {
        let mut buf = [0_u8; 8192];
        let mut line: Vec<u8> = Vec::with_capacity(MAX_LINE_BYTES);
        let mut cut = false;
        loop {
            let n = match reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut rest = &buf[..n];
            while !rest.is_empty() {
                let (part, newline) = match rest.iter().position(|&b| b == b'\n') {
                    Some(i) => (&rest[..i], true),
                    None => (rest, false),
                };
                let room = MAX_LINE_BYTES - line.len();
                line.extend_from_slice(&part[..part.len().min(room)]);
                cut |= part.len() > room;
                rest = &rest[(part.len() + usize::from(newline)).min(rest.len())..];
                if newline {
                    self.push(&line, cut);
                    line.clear();
                    cut = false;
                }
            }
        }
        if !line.is_empty() {
            self.push(&line, cut);
        }
    }
}

/// Removes ANSI escape sequences (colours, cursor moves) and control characters;
/// a tab becomes a space.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                // CSI: ESC [ parameters… final byte in @..~; other escapes: ESC + one char.
                if chars.next_if_eq(&'[').is_some() {
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            break;
                        }
                    }
                } else {
                    chars.next();
                }
            }
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Cuts `line` to at most [`MAX_LINE_BYTES`] bytes on a character boundary;
/// tells whether anything was cut.
fn truncate(line: &mut String) -> bool {
    if line.len() <= MAX_LINE_BYTES {
        return false;
    }
    let mut end = MAX_LINE_BYTES;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    line.truncate(end);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(input: &[u8]) -> Vec<String> {
        let tail = Tail::default();
        tail.clone().collect(input).await;
        tail.snapshot()
    }

    #[tokio::test]
    async fn keeps_only_the_last_lines() {
        let input: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let lines = read(input.as_bytes()).await;
        assert_eq!(lines.len(), MAX_LINES);
        assert_eq!(lines.first().map(String::as_str), Some("line 960"));
        assert_eq!(lines.last().map(String::as_str), Some("line 999"));
    }

    #[tokio::test]
    async fn caps_long_lines_and_marks_the_cut() {
        let mut input = vec![b'a'; 100_000];
        input.extend_from_slice(b"\nshort\n");
        let lines = read(&input).await;
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], format!("{}…", "a".repeat(MAX_LINE_BYTES)));
        assert_eq!(lines[1], "short");
    }

    #[tokio::test]
    async fn keeps_a_last_line_without_newline_and_skips_blank_lines() {
        let lines = read(b"first\r\n\n   \nlast").await;
        assert_eq!(lines, ["first", "last"]);
    }

    #[test]
    fn strips_escapes_and_control_characters() {
        assert_eq!(
            clean("\u{1b}[31mERROR\u{1b}[0m\tbad\u{7}\u{0} thing"),
            "ERROR bad thing"
        );
    }

    #[test]
    fn truncates_on_a_character_boundary() {
        let mut line = "é".repeat(MAX_LINE_BYTES);
        assert!(truncate(&mut line));
        assert!(line.len() <= MAX_LINE_BYTES);
        assert!(line.chars().all(|c| c == 'é'));
    }
}
