//! `perfgate validate PLAN...`: every check `run` makes before sending, and nothing sent.

use crate::cli::ValidateArgs;
use crate::core::verdict::ExitCode;
use crate::plan::{self, Overrides};
use crate::report::check_writable;

/// Checks every plan, printing each one's problems; exit 0 when all are valid, 2 otherwise.
pub fn validate(args: &ValidateArgs) -> ExitCode {
    let mut ok = true;
    for path in &args.plans {
        match plan::load(path, &Overrides::default()) {
            Ok(valid) => {
                let unwritable: Vec<String> = [&valid.reports.json, &valid.reports.junit]
                    .into_iter()
                    .flatten()
                    .filter_map(|p| check_writable(p).err().map(|e| e.to_string()))
                    .collect();
                if unwritable.is_empty() {
                    println!(
                        "{}: ok ({} requests, {} SLOs)",
                        path.display(),
                        valid.requests.len(),
                        valid.objectives.len()
                    );
                } else {
                    ok = false;
                    for e in unwritable {
                        eprintln!("error: {}: {e}", path.display());
                    }
                }
            }
            Err(e) => {
                ok = false;
                eprint!("{e}");
            }
        }
    }
    if ok {
        ExitCode::Pass
    } else {
        ExitCode::Invalid
    }
}
