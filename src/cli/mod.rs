//! The `encode-native` command line (feature `cli`), callable from a program: [`main_with_args`] is the whole
//! command (the `encode-native` binary is a thin wrapper around it, and the Python package's
//! `encode-native` script calls it through the same native module).
//!
//! It parses the arguments, runs one subcommand and turns its result into an exit status:
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
mod recover;
mod report;
mod settings;
mod signals;
mod spellings;
mod stdio;
mod stream;

use std::ffi::OsString;

pub use args::Cli;
use args::Command;
use report::{error_chain, panic_message, Outcome};

/// Runs the command line on `args` (the program's name first, as in `std::env::args_os`)
/// and returns the exit status: 0 done, 1 failure, 2 usage error, 130 interrupted, 0 for
/// `--help` and `--version`. Messages go to the process's standard error, the video
/// (`-o -`) and JSON reports to its standard output, written to the descriptors directly.
///
/// While it runs, SIGINT and SIGTERM ask for a clean stop (the video is finished with the
/// frames so far, status 130) and a second one ends the process at once (status 3). The
/// handlers are removed when it returns; one installed before (Python's, say) is still
/// called on each signal, so the caller also learns of the interruption. A panic inside is
/// reported as one `error:` line and status 1, never unwound into the caller.
///
/// `SVT_LOG` (SVT-AV1's verbosity) is left as it is: the binary sets it to errors only
/// before it starts threads.
pub fn main_with_args<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    stdio::guard();
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match spellings::parse(args) {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version are "errors" that go to stdout with status 0.
            let _ = e.print();
            return e.exit_code();
        }
    };
    let _signals = match signals::install() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("error: cannot install the signal handlers: {e}");
            return 1;
        }
    };
    // Panics are reported as one `error:` line here, not by the default hook (the caller's
    // hook is put back afterwards).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&cli)));
    std::panic::set_hook(hook);
    match result {
        Ok(Ok(Outcome::Done)) => 0,
        Ok(Ok(Outcome::Interrupted)) => i32::from(signals::INTERRUPTED_EXIT),
        Ok(Err(e)) => {
            eprintln!("error: {}", error_chain(&e));
            1
        }
        Err(panic) => {
            eprintln!("error: internal error: {}", panic_message(&*panic));
            1
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
