//! Skips that are seen and child processes that never outlive their test.
//!
//! Only the standard library, so that `tests/fuzz.rs` and the C library's unit tests include
//! this file by path as well.

use std::io::Write;
use std::ops::{Deref, DerefMut};
use std::process::{Child, Output};

/// The variable that turns a missing encoder or tool into a skip instead of a failure.
pub const ALLOW_SKIP: &str = "ENCODE_NATIVE_ALLOW_SKIP";

/// The running test's name: libtest names each test's thread after it.
fn test_name() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_string(),
        _ => "<unnamed test>".to_string(),
    }
}

/// The variable that names, comma-separated, what an FFmpeg build is known to be without
/// (`librav1e` for the distribution's own FFmpeg): a reason that starts with one of them is a
/// skip, anything else still fails.
pub const BUILT_WITHOUT: &str = "ENCODE_NATIVE_BUILT_WITHOUT";

/// A test cannot run here, for `reason`. With `ENCODE_NATIVE_ALLOW_SKIP=1`, or when `reason`
/// starts with a name in `ENCODE_NATIVE_BUILT_WITHOUT`, this prints `SKIPPED <test>:
/// <reason>` to stderr and returns, and the caller returns (or moves on to its next case);
/// otherwise the test fails, so a missing dependency is never a pass.
pub fn skip(reason: &str) {
    let test = test_name();
    let known = std::env::var(BUILT_WITHOUT).is_ok_and(|list| {
        list.split(',')
            .map(str::trim)
            .any(|name| !name.is_empty() && reason.starts_with(&format!("{name} ")))
    });
    if known || std::env::var_os(ALLOW_SKIP).is_some_and(|v| v == "1") {
        // Straight to the stream, not through `eprintln!`, which libtest captures and hides
        // for a test that passes.
        let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {reason}");
    } else {
        panic!("{test} cannot run: {reason} (set {ALLOW_SKIP}=1 to skip it instead)");
    }
}

/// `true` when `available`; otherwise [`skip`]s for `reason` and returns `false`, so that
/// `if !require(..) { return; }` runs the rest of the test only where it can.
pub fn require(available: bool, reason: &str) -> bool {
    if !available {
        skip(reason);
    }
    available
}

/// A child process that is killed and reaped when dropped, unless it was already waited for:
/// a failing assertion in a test never leaves it running. Derefs to the [`Child`].
pub struct ChildGuard(Option<Child>);

impl ChildGuard {
    pub fn new(child: Child) -> Self {
        ChildGuard(Some(child))
    }

    /// [`Child::wait_with_output`], which needs the child by value.
    pub fn wait_with_output(mut self) -> std::io::Result<Output> {
        self.0
            .take()
            .expect("the child is there")
            .wait_with_output()
    }
}

impl Deref for ChildGuard {
    type Target = Child;
    fn deref(&self) -> &Child {
        self.0.as_ref().expect("the child is there")
    }
}

impl DerefMut for ChildGuard {
    fn deref_mut(&mut self) -> &mut Child {
        self.0.as_mut().expect("the child is there")
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            // `try_wait` gives the saved status of a child already waited for (its pid may
            // belong to another process by now), so only a live or unreaped child is killed.
            if !matches!(child.try_wait(), Ok(Some(_))) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}
