//! `perfgate init [PATH]`: write a commented starter plan.

use std::io::Write as _;

use anyhow::Context as _;

use crate::cli::InitArgs;
use crate::core::verdict::ExitCode;

/// The starter plan, commented; it validates as it is.
pub const STARTER_PLAN: &str = include_str!("starter.yaml");

/// Writes the starter plan; refuses to overwrite an existing file unless `--force`.
pub fn init(args: &InitArgs) -> anyhow::Result<ExitCode> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if args.force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = match options.open(&args.path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "error: `{}` already exists; use --force to overwrite it",
                args.path.display()
            );
            return Ok(ExitCode::Invalid);
        }
        Err(e) => {
            eprintln!("error: cannot create `{}`: {e}", args.path.display());
            return Ok(ExitCode::Invalid);
        }
    };
    file.write_all(STARTER_PLAN.as_bytes())
        .with_context(|| format!("cannot write `{}`", args.path.display()))?;
    eprintln!(
        "wrote {}; check it with `perfgate validate {0}`",
        args.path.display()
    );
    Ok(ExitCode::Pass)
}
