//! The subcommands' work: each takes parsed options and returns the exit code.

mod baseline;
mod compare;
mod completions;
mod console;
mod init;
mod merge;
mod progress;
mod report;
mod run;
mod schema;
mod serving;
mod shard_arg;
mod signals;
mod transport;
mod validate;

use crate::cli::{Cli, Command};
use crate::core::verdict::ExitCode;

/// Runs the command line's subcommand.
///
/// # Errors
///
/// Failures that have no more specific exit code; the caller reports them
/// and exits 3.
pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Compare(args) => Ok(compare::compare(&args)),
        Command::Merge(args) => Ok(merge::merge(&args)),
        Command::Validate(args) => Ok(validate::validate(&args)),
        Command::Report(args) => Ok(report::report(&args)),
        Command::Schema(args) => schema::schema(&args),
        Command::Init(args) => init::init(&args),
        Command::Completions(args) => Ok(completions::completions(&args)),
        Command::DemoApi(opts) => {
            crate::demo::run(opts)?;
            Ok(ExitCode::Pass)
        }
    }
}
