//! Data rows as templates see them: maps from column names to values.
//!
//! The rows of a CSV file are packed into one [`Table`]: every cell encoded
//! one after another in one buffer (a tag byte, then a variable-length
//! integer, the 8 bytes of a float, or a length and the text), with the
//! start of each row. A 100 MB file takes about 1.5 times its size, where a
//! map value per row took five times. A row becomes a template value only
//! when it is drawn ([`Table::row`]), and a cell is decoded only when read.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

/// Cell tags.
const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const FLOAT: u8 = 4;
const TEXT: u8 = 5;

/// One CSV cell, as inferred.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// An empty cell.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// Any other number.
    Float(f64),
    /// Anything else.
    Text(&'a str),
}

/// The rows of a CSV file, packed.
#[derive(Debug)]
pub struct Table {
    columns: Arc<[Arc<str>]>,
    /// Where each row's cells start in `cells`; a row ends where the next starts.
    starts: Vec<usize>,
    cells: Vec<u8>,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: Arc<[Arc<str>]>) -> Table {
        Table {
            columns,
            starts: Vec::new(),
            cells: Vec::new(),
        }
    }

    /// Appends a row (one cell per column).
    pub fn push<'a>(&mut self, cells: impl IntoIterator<Item = Cell<'a>>) {
        self.starts.push(self.cells.len());
        for cell in cells {
            encode(cell, &mut self.cells);
        }
    }

    /// Gives back the memory the buffers reserved beyond their rows.
    pub fn shrink(&mut self) {
        self.starts.shrink_to_fit();
        self.cells.shrink_to_fit();
    }

    /// How many rows it holds.
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    /// Whether it holds no rows.
    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    /// The encoded cells of row `index`.
    fn bytes(&self, index: usize) -> Option<&[u8]> {
        let start = *self.starts.get(index)?;
        let end = self
            .starts
            .get(index + 1)
            .copied()
            .unwrap_or(self.cells.len());
        self.cells.get(start..end)
    }

    /// Row `index` as a template value (a map of its columns).
    pub fn row(self: &Arc<Self>, index: usize) -> Option<Value> {
        (index < self.len()).then(|| {
            Value::from_object(RowRef {
                table: Arc::clone(self),
                index,
            })
        })
    }

    /// A table of the rows whose positions `keep` accepts, in order.
    pub fn retain(&self, keep: impl Fn(usize) -> bool) -> Table {
        let mut kept = Table::new(Arc::clone(&self.columns));
        for index in (0..self.len()).filter(|&i| keep(i)) {
            kept.starts.push(kept.cells.len());
            kept.cells
                .extend_from_slice(self.bytes(index).unwrap_or_default());
        }
        kept.shrink();
        kept
    }
}

/// Appends `cell`, encoded, to `out`.
fn encode(cell: Cell<'_>, out: &mut Vec<u8>) {
    match cell {
        Cell::Null => out.push(NULL),
        Cell::Bool(false) => out.push(FALSE),
        Cell::Bool(true) => out.push(TRUE),
        Cell::Int(n) => {
            out.push(INT);
            // Zig-zag, so that small negative numbers stay short too.
            put_varint(out, ((n << 1) ^ (n >> 63)) as u64);
        }
        Cell::Float(x) => {
            out.push(FLOAT);
            out.extend_from_slice(&x.to_le_bytes());
        }
        Cell::Text(text) => {
            out.push(TEXT);
            put_varint(out, text.len() as u64);
            out.extend_from_slice(text.as_bytes());
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a variable-length integer at the start of `bytes`; the value and
/// the bytes after it.
fn take_varint(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut n = 0u64;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        n |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((n, &bytes[i + 1..]));
        }
    }
    None
}

/// Decodes the cell at the start of `bytes`; the cell and the bytes after it.
fn decode(bytes: &[u8]) -> Option<(Cell<'_>, &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    Some(match tag {
        NULL => (Cell::Null, rest),
        FALSE => (Cell::Bool(false), rest),
        TRUE => (Cell::Bool(true), rest),
        INT => {
            let (z, rest) = take_varint(rest)?;
            (Cell::Int(((z >> 1) as i64) ^ -((z & 1) as i64)), rest)
        }
        FLOAT => {
            let (x, rest) = rest.split_first_chunk::<8>()?;
            (Cell::Float(f64::from_le_bytes(*x)), rest)
        }
        TEXT => {
            let (len, rest) = take_varint(rest)?;
            let len = usize::try_from(len).ok()?;
            let (text, rest) = rest.split_at_checked(len)?;
            (Cell::Text(std::str::from_utf8(text).ok()?), rest)
        }
        _ => return None,
    })
}

/// The bytes after the cell at the start of `bytes` (its text not checked).
fn skip(bytes: &[u8]) -> Option<&[u8]> {
    let (&tag, rest) = bytes.split_first()?;
    match tag {
        NULL | FALSE | TRUE => Some(rest),
        INT => Some(take_varint(rest)?.1),
        FLOAT => rest.get(8..),
        TEXT => {
            let (len, rest) = take_varint(rest)?;
            rest.get(usize::try_from(len).ok()?..)
        }
        _ => None,
    }
}

/// Writes column `key` of a drawn `row` into `out` as JSON, the same JSON
/// as a one-expression leaf renders; `false` (nothing written) when the row
/// has no such column.
pub fn write_column(row: &Value, key: &str, out: &mut Vec<u8>) -> bool {
    let start = out.len();
    let written = match row.downcast_object_ref::<RowRef>() {
        Some(packed) => packed.cell(key).is_some_and(|cell| match cell {
            Cell::Null => serde_json::to_writer(&mut *out, &()).is_ok(),
            Cell::Bool(b) => serde_json::to_writer(&mut *out, &b).is_ok(),
            Cell::Int(n) => serde_json::to_writer(&mut *out, &n).is_ok(),
            Cell::Float(x) => serde_json::to_writer(&mut *out, &x).is_ok(),
            Cell::Text(t) => serde_json::to_writer(&mut *out, t).is_ok(),
        }),
        None => row
            .get_attr(key)
            .is_ok_and(|v| !v.is_undefined() && serde_json::to_writer(&mut *out, &v).is_ok()),
    };
    if !written {
        out.truncate(start);
    }
    written
}

impl From<Cell<'_>> for Value {
    fn from(cell: Cell<'_>) -> Value {
        match cell {
            Cell::Null => Value::from(()),
            Cell::Bool(b) => Value::from(b),
            Cell::Int(n) => Value::from(n),
            Cell::Float(x) => Value::from(x),
            Cell::Text(t) => Value::from(t),
        }
    }
}

/// One row of a [`Table`], as a template value.
#[derive(Debug)]
struct RowRef {
    table: Arc<Table>,
    index: usize,
}

impl RowRef {
    /// The cell of column `key`.
    fn cell(&self, key: &str) -> Option<Cell<'_>> {
        let at = self.table.columns.iter().position(|c| &**c == key)?;
        let mut bytes = self.table.bytes(self.index)?;
        for _ in 0..at {
            bytes = skip(bytes)?;
        }
        decode(bytes).map(|(cell, _)| cell)
    }
}

impl Object for RowRef {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.cell(key.as_str()?).map(Value::from)
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<Value> = self
            .table
            .columns
            .iter()
            .map(|c| Value::from(&**c))
            .collect();
        Enumerator::Values(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_come_back_as_they_went_in() {
        let columns: Arc<[Arc<str>]> = ["a", "b", "c", "d", "e", "f"].map(Arc::from).into();
        let mut table = Table::new(columns);
        let rows = [
            [
                Cell::Int(0),
                Cell::Int(-1),
                Cell::Int(i64::MIN),
                Cell::Float(7.25),
                Cell::Text("Kelly, Mr. James — é"),
                Cell::Null,
            ],
            [
                Cell::Int(i64::MAX),
                Cell::Bool(true),
                Cell::Bool(false),
                Cell::Float(-0.0),
                Cell::Text(""),
                Cell::Text(&"x".repeat(300)),
            ],
        ];
        for row in rows {
            table.push(row);
        }
        table.shrink();
        let table = Arc::new(table);
        for (i, row) in rows.iter().enumerate() {
            let value = table.row(i).unwrap();
            for (cell, name) in row.iter().zip(["a", "b", "c", "d", "e", "f"]) {
                assert_eq!(value.get_attr(name).unwrap(), Value::from(*cell), "{name}");
            }
            assert!(value.get_attr("nope").unwrap().is_undefined());
            for name in ["a", "b", "c", "d", "e", "f"] {
                let mut packed = b"[".to_vec();
                assert!(write_column(&value, name, &mut packed));
                let plain = Value::from(minijinja::value::Serde(
                    serde_json::json!({name: value.get_attr(name).unwrap()}),
                ));
                let mut from_value = b"[".to_vec();
                assert!(write_column(&plain, name, &mut from_value));
                let typed = serde_json::to_string(&value.get_attr(name).unwrap()).unwrap();
                assert_eq!(packed, format!("[{typed}").into_bytes(), "{name}");
                assert_eq!(from_value, packed, "{name}");
            }
            let mut out = b"[".to_vec();
            assert!(!write_column(&value, "nope", &mut out));
            assert!(!write_column(&Value::from(3), "a", &mut out));
            assert_eq!(out, b"[");
        }
        assert!(table.row(2).is_none());
        let odd = table.retain(|i| i == 1);
        assert_eq!(odd.len(), 1);
        let odd = Arc::new(odd);
        assert_eq!(
            odd.row(0).unwrap().get_attr("a").unwrap(),
            Value::from(i64::MAX)
        );
    }
}
