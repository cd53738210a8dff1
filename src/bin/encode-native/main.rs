//! `encode-native`: the command line of the encode-native library.
//!
//! Parses the arguments, runs one subcommand and turns its result into an exit status:
//! 0 done, 1 failure (one `error:` line with its cause chain), 2 usage error (clap),
//! 130 interrupted by Ctrl-C or SIGTERM (the video is finalized with the frames so far).

mod args;
mod demo;
mod images;
mod info;
mod output;
mod progress;
mod raw;
mod signals;

use std::any::Any;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use output::Outcome;

fn main() -> ExitCode {
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
    }
}

/// The text of a panic's payload.
pub fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into())
}

/// The error and its causes on one line, `a: b: c`, leaving out a cause whose text the
/// message before it already ends with (errors that print their source themselves).
pub fn error_chain(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
