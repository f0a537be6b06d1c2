//! The `yima` command. Exit status: 0 valid / success, 1 invalid credential, 2 usage or I/O error.

#![forbid(unsafe_code)]

/// `println!` for stdout that turns a closed pipe (`yima ... | head`) into exit status 2 instead of a
/// panic. Output is a result; if it cannot be delivered the command failed with an I/O error.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::out::line(format_args!($($arg)*))
    };
}

mod out {
    use std::io::Write;

    /// Writes one line to stdout or exits with status 2.
    pub fn line(args: std::fmt::Arguments<'_>) {
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{args}").is_err() {
            std::process::exit(2);
        }
    }

    /// Writes text to stdout as-is or exits with status 2.
    pub fn raw(text: &str) {
        let mut stdout = std::io::stdout().lock();
        if stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            std::process::exit(2);
        }
    }
}

mod batch;
mod cli;
mod clock;
mod demo;
mod error;
mod fsutil;
mod input;
mod inspect;
mod issue;
mod keys;
mod output;
mod present;
mod scan;
mod status;
mod trust;
mod venue;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn run(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Keygen(a) => keys::keygen(&a).map(|()| 0),
        Command::Issue(k) => issue::run(&k).map(|()| 0),
        Command::IssueBatch(a) => batch::run(&a),
        Command::Inspect(a) => inspect::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Demo(a) => demo::run(&a),
        Command::Scan(a) => scan::run(&a),
        Command::Present(a) => present::run(&a).map(|()| 0),
        Command::Trust(c) => trust::run(&c).map(|()| 0),
        Command::Status(c) => status::run(&c).map(|()| 0),
        Command::Completions { shell } => {
            out::raw(completions(shell));
            Ok(0)
        }
        Command::Man => {
            out::raw(include_str!(concat!(env!("OUT_DIR"), "/yima.1")));
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
