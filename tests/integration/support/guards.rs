//! Skips that are seen.
//!
//! Only the standard library, so that the C library's unit tests include this file by path
//! as well.

use std::io::Write;

/// The variable that turns a missing encoder or tool into a skip instead of a failure.
pub const ALLOW_SKIP: &str = "ENCODE_NATIVE_ALLOW_SKIP";

/// The running test's name: libtest names each test's thread after it.
fn test_name() -> String {
    match std::thread::current().name() {
        Some(name) if name != "main" => name.to_string(),
        _ => "<unnamed test>".to_string(),
    }
}

/// A test cannot run here, for `reason`. With `ENCODE_NATIVE_ALLOW_SKIP=1` this prints
/// `SKIPPED <test>: <reason>` to stderr and returns, and the caller returns (or moves on to
/// its next case); without it the test fails, so a missing dependency is never a pass.
pub fn skip(reason: &str) {
    let test = test_name();
    if std::env::var_os(ALLOW_SKIP).is_some_and(|v| v == "1") {
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
