//! The `perfgate` binary: parse the command line, call the library, exit with its code.

use clap::Parser as _;

fn main() -> std::process::ExitCode {
    let cli = perfgate::cli::Cli::parse();
    let code = match perfgate::commands::dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            perfgate::core::verdict::ExitCode::CouldNotRun
        }
    };
    std::process::ExitCode::from(u8::try_from(code.code()).unwrap_or(1))
}
