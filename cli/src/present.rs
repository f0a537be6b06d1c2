//! `yima present`: the holder's device signs a fresh presentation of its bound credential.

use std::path::Path;

use yima_core::presentation;

use crate::cli::PresentArgs;
use crate::error::{CliError, usage};
use crate::{clock, input, keys, output};

/// Runs `yima present`.
pub fn run(args: &PresentArgs) -> Result<(), CliError> {
    let device = keys::load_signing(&args.device_key)?;
    let credential = credential_text(&args.credential)?;
    let ec = args.ec.into();
    let make = |now: u64| {
        presentation::present(&credential, &device, now, args.venue.as_deref())
            .map_err(|e| usage(format!("cannot present ({}): {e}", e.code())))
    };
    if !args.watch {
        let text = make(clock::now_or(args.now.as_deref())?)?;
        if args.qr {
            output::print_terminal_qr(&text, ec)?;
        }
        let out = args.out.as_deref().unwrap_or(Path::new("-"));
        return output::write_credential(&text, out, None, ec, 8);
    }
    let interval = clock::parse_duration(&args.interval)?.max(1);
    let mut shown = 0u64;
    loop {
        let now = clock::now_or(None)?;
        let text = make(now)?;
        // Clear the screen and home the cursor, then draw the new code.
        output::print_raw("\x1b[2J\x1b[H")?;
        output::print_terminal_qr(&text, ec)?;
        outln!(
            "yima presentation, signed {} — refreshes every {interval} s (Ctrl-C to stop)",
            clock::format(now)
        );
        shown += 1;
        if args.count.is_some_and(|c| shown >= c) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(interval));
    }
}

fn credential_text(arg: &str) -> Result<String, CliError> {
    let found = input::resolve(arg)?;
    let [one] = found.as_slice() else {
        return Err(usage("--credential must hold exactly one credential"));
    };
    one.text
        .clone()
        .map_err(|u| usage(format!("{}: {} ({})", one.source, u.code, u.message)))
}
