//! The `yima` command. Exit status: 0 valid / success, 1 invalid credential, 2 usage or I/O error.

#![forbid(unsafe_code)]

mod cli;
mod clock;
mod demo;
mod error;
mod input;
mod inspect;
mod issue;
mod keys;
mod output;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn run(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Keygen(a) => keys::keygen(&a).map(|()| 0),
        Command::Issue(k) => issue::run(&k).map(|()| 0),
        Command::Inspect(a) => inspect::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Completions { shell } => {
            print!("{}", completions(shell));
            Ok(0)
        }
        Command::Man => {
            print!("{}", include_str!(concat!(env!("OUT_DIR"), "/yima.1")));
            Ok(0)
        }
    }
}

fn completions(shell: clap_complete::Shell) -> &'static str {
    use clap_complete::Shell;
    match shell {
        Shell::Bash => include_str!(concat!(env!("OUT_DIR"), "/completions.bash")),
        Shell::Zsh => include_str!(concat!(env!("OUT_DIR"), "/completions.zsh")),
        Shell::Fish => include_str!(concat!(env!("OUT_DIR"), "/completions.fish")),
        Shell::Elvish => include_str!(concat!(env!("OUT_DIR"), "/completions.elvish")),
        _ => include_str!(concat!(env!("OUT_DIR"), "/completions.powershell")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(2)),
        Err(e) => {
            eprintln!("yima: error ({}): {e}", e.code());
            ExitCode::from(2)
        }
    }
}
