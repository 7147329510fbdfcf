//! One data row as templates see it: a map from column names to values,
//! with the column names shared by every row of a CSV file.

use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectRepr};

/// A row: cells in column order.
#[derive(Debug)]
pub struct Row {
    columns: Arc<[Arc<str>]>,
    cells: Box<[Value]>,
}

impl Row {
    /// A row of `cells` under `columns` (the same length).
    pub fn value(columns: Arc<[Arc<str>]>, cells: Vec<Value>) -> Value {
        Value::from_object(Row {
            columns,
            cells: cells.into_boxed_slice(),
        })
    }
}

impl Object for Row {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let key = key.as_str()?;
        let at = self.columns.iter().position(|c| &**c == key)?;
        self.cells.get(at).cloned()
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let keys: Vec<Value> = self.columns.iter().map(|c| Value::from(&**c)).collect();
        Enumerator::Values(keys)
    }
}
