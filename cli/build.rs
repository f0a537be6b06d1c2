//! Generates the man page and shell completions from the clap definition in `src/cli.rs`, into
//! `$OUT_DIR` (printed by `yima man` / `yima completions SHELL`, and available to packagers there).

use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::Shell;

#[allow(dead_code)]
mod cli {
    include!("src/cli.rs");
}

fn main() -> std::io::Result<()> {
    println!("cargo:rerun-if-changed=src/cli.rs");
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").ok_or(std::io::Error::other("OUT_DIR unset"))?);
    let mut cmd = cli::Cli::command();
    let mut man = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut man)?;
    std::fs::write(out.join("yima.1"), man)?;
    for sub in cmd.get_subcommands() {
        let mut page = Vec::new();
        let name = format!("yima-{}", sub.get_name());
        clap_mangen::Man::new(sub.clone().name(name.clone())).render(&mut page)?;
        std::fs::write(out.join(format!("{name}.1")), page)?;
    }
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "yima", &mut buf);
        std::fs::write(out.join(format!("completions.{shell}")), buf)?;
    }
    Ok(())
}
