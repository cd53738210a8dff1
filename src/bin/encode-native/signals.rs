//! Ctrl-C and SIGTERM: the first one asks for a clean stop (the input stops, the encoder is
//! drained and the trailer written, exit 130); a second one ends the process at once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();

/// The exit status after an interruption (128 + SIGINT).
pub const INTERRUPTED_EXIT: u8 = 130;

/// Installs the handlers; call once, before any output is opened.
pub fn install() -> std::io::Result<()> {
    let flag = FLAG.get_or_init(|| Arc::new(AtomicBool::new(false)));
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM};
        for signal in [SIGINT, SIGTERM] {
            // The second signal, with the flag already set, exits immediately.
            signal_hook::flag::register_conditional_shutdown(
                signal,
                i32::from(INTERRUPTED_EXIT),
                flag.clone(),
            )?;
            signal_hook::flag::register(signal, flag.clone())?;
        }
    }
    #[cfg(not(unix))]
    {
        signal_hook::flag::register(signal_hook::consts::SIGINT, flag.clone())?;
    }
    Ok(())
}

/// Whether a stop was asked for.
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}
