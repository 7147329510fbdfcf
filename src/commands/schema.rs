//! `perfgate schema plan|report`.

use std::io::Write as _;

use crate::cli::{SchemaArgs, SchemaKind};
use crate::core::verdict::ExitCode;
use crate::schema::{plan_schema, report_schema, to_pretty};

/// Prints the chosen schema to stdout.
pub fn schema(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let value = match args.which {
        SchemaKind::Plan => plan_schema(),
        SchemaKind::Report => report_schema(),
    };
    std::io::stdout().write_all(to_pretty(&value).as_bytes())?;
    Ok(ExitCode::Pass)
}
