//! No false success and no false failure: the exit status says whether the video was made,
//! whatever happens to the messages, and what was asked for and not delivered is an error.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::support::*;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_encode-native"))
}

fn full() -> Stdio {
    Stdio::from(
        File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn demo(out: &Path, extra: &[&str]) -> Command {
    let mut c = bin();
    c.args([
        "demo",
        "--frames",
        "3",
        "--size",
        "64x48",
        "--preset",
        "ultrafast",
        "-o",
    ])
    .arg(out)
    .args(extra)
    .stdin(Stdio::null());
    c
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn a_good_video_is_exit_0_even_when_stderr_is_full() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.mp4");
    let o = demo(&out, &[])
        .stdout(Stdio::null())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
    assert_eq!(decode_file(&out).frames.len(), 3);
    // A failure with a full stderr is still exit 1 (not a crash's 101).
    let o = demo(&out, &[])
        .stdout(Stdio::null())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(code(&o), 1, "an existing output without -y");
    // And `info`, whose text goes to stdout.
    let o = bin()
        .arg("info")
        .stdout(Stdio::null())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0);
}

#[test]
fn json_that_cannot_be_printed_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("b.mp4");
    let o = demo(&out, &["--json"])
        .stdout(full())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let stderr = text(&o.stderr);
    assert_eq!(code(&o), 1, "{stderr}");
    assert!(
        stderr.contains("cannot print the JSON report on standard output")
            && stderr.contains("No space left on device")
            && stderr.contains("b.mp4' was written"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The video itself is good.
    assert_eq!(decode_file(&out).frames.len(), 3);
    for args in [&["info", "--json"][..], &["info"]] {
        let o = bin()
            .args(args)
            .stdout(full())
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = text(&o.stderr);
        assert_eq!(code(&o), 1, "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot print the description"),
            "{stderr}"
        );
    }
}
