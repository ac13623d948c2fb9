//! `idempo-sdk`: see the `idempo_cli` library for what each command does.

use std::process::ExitCode;

use clap::Parser;
use idempo_cli::{Cli, run};

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
