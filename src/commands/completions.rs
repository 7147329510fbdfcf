//! `perfgate completions bash|zsh|fish|...`: shell completions on stdout.

use clap::CommandFactory as _;

use crate::cli::{Cli, CompletionsArgs};
use crate::core::verdict::ExitCode;

/// Prints the completion script for the chosen shell.
pub fn completions(args: &CompletionsArgs) -> ExitCode {
    let mut cmd = Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "perfgate", &mut std::io::stdout());
    ExitCode::Pass
}
