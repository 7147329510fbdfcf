//! Reading a feeder's file: CSV with a header row (types inferred), JSON
//! Lines (one object per line) or JSON (an array of objects). The file is
//! streamed and read once; a malformed row is an error with its line.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::Serde;

use super::Rows;
use super::row::{Cell, Table};

/// The largest data file accepted.
pub const MAX_DATA_BYTES: u64 = 1024 * 1024 * 1024;

/// Why a data file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The file could not be opened or read.
    #[error("cannot read `{path}`: {reason}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A row is malformed.
    #[error("`{path}` line {line}: {reason}")]
    Row {
        /// The file.
        path: String,
        /// 1-based line of the row.
        line: u64,
        /// What is wrong.
        reason: String,
    },
    /// The file has no rows.
    #[error("`{path}` has no data rows")]
    Empty {
        /// The file.
        path: String,
    },
}

/// Reads every row of `path`, by its extension: `.csv`, `.jsonl`/`.ndjson`
/// or `.json`. CSV columns named in `text` are kept as text (no number or
/// boolean inference; an empty cell is still null).
///
/// # Errors
///
/// When the file cannot be read, is larger than [`MAX_DATA_BYTES`], has an
/// unknown extension, no rows, or a malformed row (with its line).
pub fn read_rows(path: &Path, text: &[String]) -> Result<Rows, DataError> {
    let shown = path.display().to_string();
    let read_err = |reason: String| DataError::Read {
        path: shown.clone(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| read_err(e.to_string()))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(read_err("it is a directory".into()));
    }
    let limited = file.take(MAX_DATA_BYTES + 1);
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let rows = match ext.as_deref() {
        Some("csv") => Rows::Table(Arc::new(csv_rows(limited, &shown, text)?)),
        Some("jsonl" | "ndjson") => Rows::Values(jsonl_rows(limited, &shown)?),
        Some("json") => Rows::Values(json_rows(limited, &shown)?),
        _ => {
            return Err(read_err(
                "unknown format; expected a `.csv`, `.jsonl` or `.json` file".into(),
            ));
        }
    };
    if rows.is_empty() {
        return Err(DataError::Empty { path: shown });
    }
    Ok(rows)
}

fn too_large(path: &str) -> DataError {
    DataError::Read {
        path: path.to_owned(),
        reason: format!("it is larger than the limit of {MAX_DATA_BYTES} bytes"),
    }
}

/// CSV with a header row; every row must have the header's number of fields.
fn csv_rows(
    input: std::io::Take<std::fs::File>,
    path: &str,
    text: &[String],
) -> Result<Table, DataError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let header = reader.headers().map_err(|e| csv_error(path, &e))?.clone();
    let columns: Arc<[Arc<str>]> = header.iter().map(Arc::from).collect();
    let as_text: Vec<bool> = header.iter().map(|h| text.iter().any(|t| t == h)).collect();
    let mut rows = Table::new(columns);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                rows.push(
                    record
                        .iter()
                        .zip(&as_text)
                        .map(|(cell, &keep)| match (keep, cell) {
                            (true, "") => Cell::Null,
                            (true, _) => Cell::Text(cell),
                            (false, _) => infer(cell),
                        }),
                )
            }
            Err(e) => return Err(csv_error(path, &e)),
        }
    }
    if reader.into_inner().limit() == 0 {
        return Err(too_large(path));
    }
    rows.shrink();
    Ok(rows)
}

fn csv_error(path: &str, e: &csv::Error) -> DataError {
    let line = e.position().map_or(0, csv::Position::line);
    let reason = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("the row has {len} fields but the header has {expected_len}"),
        _ => e.to_string(),
    };
    DataError::Row {
        path: path.to_owned(),
        line,
        reason,
    }
}

/// A CSV cell's value: empty is null, then booleans, numbers (not with a
/// leading zero, so that codes such as `007` stay text), else the text.
fn infer(cell: &str) -> Cell<'_> {
    match cell {
        "" => return Cell::Null,
        "true" => return Cell::Bool(true),
        "false" => return Cell::Bool(false),
        _ => {}
    }
    let digits = cell.trim_start_matches('-');
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if !leading_zero {
        if let Ok(n) = cell.parse::<i64>() {
            return Cell::Int(n);
        }
        if let Ok(x) = cell.parse::<f64>()
            && x.is_finite()
            && cell
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        {
            return Cell::Float(x);
        }
    }
    Cell::Text(cell)
}

/// One JSON object per line; blank lines are skipped.
fn jsonl_rows(input: std::io::Take<std::fs::File>, path: &str) -> Result<Vec<Value>, DataError> {
    let mut reader = BufReader::new(input);
    let mut rows = Vec::new();
    let mut line = String::new();
    let mut number = 0u64;
    loop {
        line.clear();
        let n = reader.read_line(&mut line).map_err(|e| DataError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
        if n == 0 {
            break;
        }
        number += 1;
        if line.trim().is_empty() {
            continue;
        }
        rows.push(object(&line, path, number)?);
    }
    if reader.into_inner().limit() == 0 {
        return Err(too_large(path));
    }
    Ok(rows)
}

fn object(text: &str, path: &str, line: u64) -> Result<Value, DataError> {
    let row_err = |reason: String| DataError::Row {
        path: path.to_owned(),
        line,
        reason,
    };
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(v @ serde_json::Value::Object(_)) => Ok(Value::from(Serde(&v))),
        Ok(_) => Err(row_err("expected a JSON object".into())),
        Err(e) => Err(row_err(format!("not valid JSON: {e}"))),
    }
}

/// A JSON array of objects.
fn json_rows(input: std::io::Take<std::fs::File>, path: &str) -> Result<Vec<Value>, DataError> {
    let mut text = String::new();
    let mut input = input;
    input
        .read_to_string(&mut text)
        .map_err(|e| DataError::Read {
            path: path.to_owned(),
            reason: e.to_string(),
        })?;
    if input.limit() == 0 {
        return Err(too_large(path));
    }
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| DataError::Row {
        path: path.to_owned(),
        line: e.line() as u64,
        reason: format!("expected a JSON array of objects: {e}"),
    })?;
    all.iter()
        .enumerate()
        .map(|(i, v)| match v {
            serde_json::Value::Object(_) => Ok(Value::from(Serde(v))),
            _ => Err(DataError::Row {
                path: path.to_owned(),
                line: 0,
                reason: format!("element {i} is not an object"),
            }),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_types() {
        assert_eq!(infer(""), Cell::Null);
        assert_eq!(infer("true"), Cell::Bool(true));
        assert_eq!(infer("42"), Cell::Int(42));
        assert_eq!(infer("-3.5"), Cell::Float(-3.5));
        assert_eq!(infer("007"), Cell::Text("007"));
        assert_eq!(infer("0.25"), Cell::Float(0.25));
        assert_eq!(infer("inf"), Cell::Text("inf"));
        assert_eq!(infer("Kelly, Mr. James"), Cell::Text("Kelly, Mr. James"));
    }

    /// Every row of `path`, as template values.
    fn read_rows_plain(path: &Path) -> Result<Vec<Value>, DataError> {
        let rows = read_rows(path, &[])?;
        Ok((0..rows.len()).filter_map(|i| rows.get(i)).collect())
    }

    #[test]
    fn text_columns_are_not_inferred() {
        let rows = read_rows(
            &write("t.csv", "ticket,n\n330911,1\n,2\n"),
            &["ticket".into()],
        )
        .unwrap();
        let rows: Vec<Value> = (0..rows.len()).filter_map(|i| rows.get(i)).collect();
        assert_eq!(rows[0].get_attr("ticket").unwrap(), Value::from("330911"));
        assert!(rows[1].get_attr("ticket").unwrap().is_none());
        assert_eq!(rows[0].get_attr("n").unwrap(), Value::from(1));
    }

    fn write(name: &str, text: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("perfgate-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn reads_csv_jsonl_and_json() {
        let rows = read_rows_plain(&write("a.csv", "id,name,age\n1,Ann,\n2,Bob,30.5\n")).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].get_attr("age").unwrap(), Value::from(30.5));
        assert!(rows[0].get_attr("age").unwrap().is_none());
        let rows = read_rows_plain(&write("a.jsonl", "{\"a\": 1}\n\n{\"a\": [2]}\n")).unwrap();
        assert_eq!(rows.len(), 2);
        let rows = read_rows_plain(&write("a.json", "[{\"a\": 1}, {\"a\": 2}]")).unwrap();
        assert_eq!(rows.len(), 2);
    }

    #[test]
    fn malformed_rows_name_their_line() {
        let err = read_rows_plain(&write("r.csv", "a,b\n1,2\n3\n")).unwrap_err();
        assert!(
            err.to_string()
                .ends_with("line 3: the row has 1 fields but the header has 2"),
            "{err}"
        );
        let err = read_rows_plain(&write("r.jsonl", "{\"a\": 1}\n[1]\n")).unwrap_err();
        assert!(
            err.to_string().contains("line 2: expected a JSON object"),
            "{err}"
        );
        let err = read_rows_plain(&write("e.csv", "a,b\n")).unwrap_err();
        assert!(err.to_string().contains("no data rows"), "{err}");
        let err = read_rows_plain(&write("x.txt", "a")).unwrap_err();
        assert!(err.to_string().contains("unknown format"), "{err}");
    }
}
