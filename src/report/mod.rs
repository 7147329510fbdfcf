//! Reports: each format is an [`Exporter`] of the same Summary, SLO results and
//! verdict; none recomputes statistics.
//!
//! Report paths are checked with [`check_writable`] before any load is sent, and
//! written with [`write_atomically`] after the run, so a reader never sees half a file.
//! The path [`STDOUT`] (`-`) means standard output instead of a file.

pub mod comment;
pub mod csv;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod regression;
pub mod terminal;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::core::regression::RegressionSection;
use crate::core::slo_result::SloResult;
use crate::core::summary::Summary;
use crate::core::verdict::Verdict;

/// Everything a report shows about one run.
#[derive(Debug, Clone, Copy)]
pub struct RunReport<'a> {
    /// What was measured.
    pub summary: &'a Summary,
    /// Every objective, evaluated.
    pub slos: &'a [SloResult],
    /// The gate's decision.
    pub verdict: &'a Verdict,
    /// The comparison with a baseline, when there was one.
    pub regression: Option<&'a RegressionSection>,
}

/// One report format.
pub trait Exporter {
    /// Renders the report as the bytes of a file.
    fn render(&self, report: &RunReport<'_>) -> Result<Vec<u8>, ReportError>;
}

/// Why a report could not be checked, rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The report path cannot be written (checked before the load).
    #[error("report path `{}` is not writable: {reason}", path.display())]
    NotWritable {
        /// The report path as given.
        path: PathBuf,
        /// What is wrong, with the operating system's reason.
        reason: String,
    },
    /// Writing the report after the run failed.
    #[error("could not write report `{}`: {source}", path.display())]
    Write {
        /// The report path.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },
    /// A report could not be rendered.
    #[error("could not render the {format} report: {reason}")]
    Render {
        /// The format, e.g. `JSON`.
        format: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// The report path that means standard output, as in `--json -`.
pub const STDOUT: &str = "-";

/// Whether a report path is [`STDOUT`] rather than a file.
pub fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == STDOUT
}

/// Where a report goes, for messages: the path, or `standard output`.
pub fn destination(path: &Path) -> String {
    if is_stdout(path) {
        "standard output".to_string()
    } else {
        path.display().to_string()
    }
}

/// Renders a report and writes it to `path` atomically, or to standard output
/// when `path` is [`STDOUT`].
pub fn export(
    exporter: &dyn Exporter,
    report: &RunReport<'_>,
    path: &Path,
) -> Result<(), ReportError> {
    let bytes = exporter.render(report)?;
    let written = if is_stdout(path) {
        let mut out = io::stdout().lock();
        out.write_all(&bytes).and_then(|()| out.flush())
    } else {
        write_atomically(path, &bytes)
    };
    written.map_err(|source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes every report of `targets` whose path is set, saying what was
/// written and what failed on stderr; whether all were written. One that
/// fails does not stop the others.
pub fn export_each(report: &RunReport<'_>, targets: &[(&Option<PathBuf>, &dyn Exporter)]) -> bool {
    let mut all = true;
    for (path, exporter) in targets {
        let Some(path) = path else { continue };
        match export(*exporter, report, path) {
            Ok(()) => eprintln!("perfgate: wrote {}", destination(path)),
            Err(e) => {
                eprintln!("error: {e}");
                all = false;
            }
        }
    }
    all
}

/// Writes `bytes` to `path` so that readers see the old file or the new one,
/// never half of one: a temporary file in the same folder, flushed, then renamed
/// over `path`. Parent folders are created.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let folder = parent_folder(path);
    fs::create_dir_all(folder)?;
    let temp = temp_path(path, folder, "tmp");
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)
    })();
    if written.is_err() {
        // Best effort: the write already failed, and that error is the one to report.
        let _ = fs::remove_file(&temp);
    }
    written
}

/// Checks, before any load is sent, that a report can be written to `path`.
///
/// [`STDOUT`] always can. For a file: creates the parent folder if needed,
/// proves a file can be created there (a probe file is created and removed),
/// and when `path` exists, checks that it is a regular file that can be opened
/// for writing. The error names the path and the operating system's reason.
pub fn check_writable(path: &Path) -> Result<(), ReportError> {
    if is_stdout(path) {
        return Ok(());
    }
    let fail = |reason: String| ReportError::NotWritable {
        path: path.to_path_buf(),
        reason,
    };
    if path.as_os_str().is_empty() {
        return Err(fail("the path is empty".to_string()));
    }
    if path.file_name().is_none() || path.as_os_str().to_string_lossy().ends_with(['/', '\\']) {
        return Err(fail("it names a folder, not a file".to_string()));
    }
    let folder = parent_folder(path);
    // A file where a folder should be gives the clearest message when named.
    if let Some(file) = folder.ancestors().find(|a| a.is_file()) {
        return Err(fail(format!(
            "`{}` is a file, not a folder",
            file.display()
        )));
    }
    fs::create_dir_all(folder).map_err(|e| {
        fail(format!(
            "cannot create the folder `{}`: {e}",
            folder.display()
        ))
    })?;
    let probe = temp_path(path, folder, "probe");
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| {
            fail(format!(
                "cannot create files in the folder `{}`: {e}",
                folder.display()
            ))
        })?;
    fs::remove_file(&probe).map_err(|e| {
        fail(format!(
            "cannot remove the probe file `{}`: {e}",
            probe.display()
        ))
    })?;
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(fail("it is a folder, not a file".to_string())),
        Ok(meta) if !meta.is_file() => Err(fail("it exists and is not a regular file".to_string())),
        Ok(_) => OpenOptions::new()
            .append(true)
            .open(path)
            .map(drop)
            .map_err(|e| {
                fail(format!(
                    "the existing file cannot be opened for writing: {e}"
                ))
            }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(fail(e.to_string())),
    }
}

/// Text from the target or the plan made safe for one line of a log or report:
/// ANSI escape sequences removed, other control characters (newlines, tabs,
/// escapes, U+FFFE/U+FFFF, which XML forbids) replaced by a space.
pub fn plain_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Skips the rest of an escape sequence after ESC.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') => {
            // OSC: up to BEL or ST (ESC \).
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\x07' || (c == '\x1b' && chars.next_if_eq(&'\\').is_some()) {
                    break;
                }
            }
        }
        // Other escapes: optional intermediates (` `..`/`, as in ESC ( B), then one final byte.
        _ => {
            while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
            chars.next_if(|c| ('0'..='~').contains(c));
        }
    }
}

/// Skips a CSI sequence's parameters up to and including its final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

/// Shortens `text` to at most `width` characters, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The folder a report goes into: its parent, or the current folder.
fn parent_folder(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// A hidden file name next to `path` that no other process is using.
fn temp_path(path: &Path, folder: &Path, kind: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    folder.join(format!(
        ".{name}.{}.{nanos}.perfgate-{kind}",
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "perfgate-report-unit-{}-{name}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn writes_atomically_into_new_folders() {
        let dir = scratch("atomic");
        let path = dir.join("a/b/report.json");
        write_atomically(&path, b"one").unwrap();
        write_atomically(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, ["report.json"]);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn checks_writability() {
        let dir = scratch("check");
        check_writable(&dir.join("new/nested/junit.xml")).unwrap();
        assert!(dir.join("new/nested").is_dir());
        assert_eq!(fs::read_dir(dir.join("new/nested")).unwrap().count(), 0);

        let file = dir.join("file.txt");
        fs::write(&file, "x").unwrap();
        check_writable(&file).unwrap();
        assert_eq!(fs::read_to_string(&file).unwrap(), "x");

        let err = check_writable(&file.join("report.json"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("file.txt/report.json"), "{err}");
        assert!(err.contains("is a file, not a folder"), "{err}");

        let err = check_writable(&dir.join("new")).unwrap_err().to_string();
        assert!(err.contains("is a folder"), "{err}");
        let err = check_writable(Path::new("")).unwrap_err().to_string();
        assert!(err.contains("empty"), "{err}");
        check_writable(Path::new(STDOUT)).unwrap();
        assert_eq!(destination(Path::new(STDOUT)), "standard output");
        assert_eq!(destination(Path::new("./-")), "./-");
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn plain_text_removes_escapes_and_controls() {
        assert_eq!(plain_text("\x1b[31mred\x1b[0m ok"), "red ok");
        assert_eq!(plain_text("a\nb\tc\x07d\u{fffe}"), "a b c d ");
        assert_eq!(plain_text("\x1b]0;title\x07x"), "x");
        assert_eq!(plain_text("\x1bcreset"), "reset");
        assert_eq!(plain_text("\x1b(Bplain"), "plain");
        assert_eq!(plain_text("<script>&é"), "<script>&é");
    }

    #[test]
    fn truncates_by_characters() {
        assert_eq!(truncate("predict", 10), "predict");
        assert_eq!(truncate("a-very-long-name", 8), "a-very-…");
        assert_eq!(truncate("ééééé", 3), "éé…");
    }
}
