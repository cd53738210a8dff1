//! `encode-native`: the command line of the encode-native library.
//!
//! Parses the arguments, runs one subcommand and turns its result into an exit status:
//! 0 done, 1 failure (one `error:` line with its cause chain), 2 usage error (clap),
//! 130 interrupted by Ctrl-C or SIGTERM (the video is finalized with the frames so far).

/// `eprintln!` that never panics: a standard error that cannot be written (closed, full)
/// loses the line but does not turn a finished encode into a failure. Every module declared
/// below uses this one instead of the standard library's.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod concat;
mod demo;
mod dest;
mod fifo;
mod images;
mod info;
mod output;
mod progress;
mod raw;
#[cfg(test)]
mod readme;
mod recover;
mod report;
mod settings;
mod signals;
mod stdio;
mod stream;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use report::{error_chain, panic_message, Outcome};

fn main() -> ExitCode {
    stdio::guard();
    // SVT-AV1 prints its settings to stderr unless told otherwise: errors only (the process
    // is still single-threaded here, so changing the environment is safe).
    if std::env::var_os("SVT_LOG").is_none() {
        std::env::set_var("SVT_LOG", "1");
    }
    let cli = Cli::parse();
    // Panics are reported as one `error:` line by `main`, not by the default hook.
    std::panic::set_hook(Box::new(|_| {}));
    if let Err(e) = signals::install() {
        eprintln!("error: cannot install the signal handlers: {e}");
        return ExitCode::FAILURE;
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&cli)));
    match result {
        Ok(Ok(Outcome::Done)) => ExitCode::SUCCESS,
        Ok(Ok(Outcome::Interrupted)) => ExitCode::from(signals::INTERRUPTED_EXIT),
        Ok(Err(e)) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::FAILURE
        }
        Err(panic) => {
            eprintln!("error: internal error: {}", panic_message(&*panic));
            ExitCode::FAILURE
        }
    }
}

/// Runs the chosen subcommand.
fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    match &cli.command {
        Command::Demo(a) => demo::run(a),
        Command::Images(a) => images::run(a),
        Command::Raw(a) => raw::run(a),
        Command::Info(a) => info::run(a).map(|()| Outcome::Done),
        Command::Recover(a) => recover::run(a).map(|()| Outcome::Done),
        Command::Concat(a) => concat::run(a).map(|()| Outcome::Done),
    }
}
