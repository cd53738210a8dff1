//! `encode-native`: the command line of the encode-native library.
//!
//! The command itself is [`encode_native::cli::main_with_args`]; this binary sets up the
//! process around it. Exit status: 0 done, 1 failure (one `error:` line with its cause
//! chain), 2 usage error, 130 interrupted by Ctrl-C or SIGTERM (the video is finalized with
//! the frames so far).

#[cfg(test)]
mod readme;

use std::process::ExitCode;

fn main() -> ExitCode {
    // SVT-AV1 prints its settings to stderr unless told otherwise: errors only (the process
    // is still single-threaded here, so changing the environment is safe).
    if std::env::var_os("SVT_LOG").is_none() {
        std::env::set_var("SVT_LOG", "1");
    }
    let status = encode_native::cli::main_with_args(std::env::args_os());
    ExitCode::from(u8::try_from(status).unwrap_or(1))
}
