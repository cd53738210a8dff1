//! The progress bar and the messages on stderr.
//!
//! The bar is drawn only when stderr is a terminal (and not with `--quiet`); on a pipe or a
//! file nothing but warnings, the summary and errors is written.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of one encode, and the channel for warnings and the summary.
pub struct Progress {
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Progress {
    /// A bar for `total` frames (a counter when unknown), if stderr is a terminal and not quiet.
    pub fn new(total: Option<u64>, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let (bar, template) = match total {
                Some(n) => (
                    ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
                    "{bar:30.cyan/blue} {pos}/{len} frames  {fps}  {elapsed_precise} ETA {eta}",
                ),
                None => (
                    ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
                    "{spinner} {pos} frames  {fps}  {elapsed_precise}",
                ),
            };
            let style = ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key(
                    "fps",
                    |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                        let _ = write!(w, "{:.0} fps", s.per_sec());
                    },
                );
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress { bar, quiet }
    }

    /// One more frame accepted by the encoder.
    pub fn inc(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Prints a warning line on stderr (even when quiet), above the bar if there is one.
    pub fn warn(&self, message: &str) {
        self.print(&format!("warning: {message}"));
    }

    /// Prints an informational line on stderr, unless quiet.
    pub fn info(&self, message: &str) {
        if !self.quiet {
            self.print(message);
        }
    }

    fn print(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
