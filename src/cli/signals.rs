//! Ctrl-C and SIGTERM: the first one asks for a clean stop (the input stops, the encoder is
//! drained and the video finished, exit 130); a second one stops at once (exit 3), leaving the
//! partial file with what was written so far. A file-size limit (SIGXFSZ) makes writes fail
//! with "file too large", which is reported, instead of killing the process silently.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
static PARTIAL: Mutex<Option<String>> = Mutex::new(None);

/// The exit status after an interruption (128 + SIGINT).
pub const INTERRUPTED_EXIT: u8 = 130;

/// The exit status after a second interruption, which does not wait for the video to finish.
pub const STOPPED_EXIT: i32 = 3;

/// The handlers while the command runs: dropping it removes them (a handler installed
/// before, such as Python's, stays and was called on each signal too) and clears the stop
/// request, so that the next run starts afresh.
pub struct Guard {
    #[cfg(unix)]
    handle: signal_hook::iterator::Handle,
    #[cfg(unix)]
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            self.handle.close();
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
        if let Some(flag) = FLAG.get() {
            flag.store(false, Ordering::SeqCst);
        }
        set_partial(None);
    }
}

/// Installs the handlers until the guard is dropped; call before any output is opened.
pub fn install() -> std::io::Result<Guard> {
    let flag = FLAG
        .get_or_init(|| Arc::new(AtomicBool::new(false)))
        .clone();
    flag.store(false, Ordering::SeqCst);
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGINT, SIGTERM, SIGXFSZ};
        static XFSZ: OnceLock<()> = OnceLock::new();
        if XFSZ.get().is_none() {
            signal_hook::flag::register(SIGXFSZ, Arc::new(AtomicBool::new(false)))?;
            let _ = XFSZ.set(());
        }
        let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
        let handle = signals.handle();
        let thread = std::thread::Builder::new()
            .name("signals".into())
            .spawn(move || {
                for _ in signals.forever() {
                    if flag.swap(true, Ordering::SeqCst) {
                        let kept = PARTIAL
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .clone()
                            .map(|p| {
                                format!(
                                    "; the frames written so far are in '{p}' (finish it with `encode-native recover`)"
                                )
                            })
                            .unwrap_or_default();
                        eprintln!("error: interrupted again: stopped before the video was finished{kept}");
                        std::process::exit(STOPPED_EXIT);
                    }
                }
            })?;
        Ok(Guard {
            handle,
            thread: Some(thread),
        })
    }
    #[cfg(not(unix))]
    {
        signal_hook::flag::register(signal_hook::consts::SIGINT, flag)?;
        Ok(Guard {})
    }
}

/// Names the partial file that a second interruption leaves behind.
pub fn set_partial(path: Option<String>) {
    *PARTIAL.lock().unwrap_or_else(|p| p.into_inner()) = path;
}

/// Whether a stop was asked for.
pub fn interrupted() -> bool {
    FLAG.get().is_some_and(|f| f.load(Ordering::Relaxed))
}
