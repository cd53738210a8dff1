//! `encode-native raw`: tightly packed raw frames from a file or standard input.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use encode_native::Frame;

use crate::cli::args::RawArgs;
use crate::cli::output::{Outcome, Output};
use crate::cli::signals;

/// Encodes every complete frame of the input; a truncated last frame is reported and dropped.
pub fn run(args: &RawArgs) -> Result<Outcome> {
    let (w, h) = (args.size.width, args.size.height);
    let format = args.in_pix_fmt;
    let frame_bytes = w as usize * h as usize * format.bytes_per_pixel();
    let from_stdin = args.input.as_os_str() == "-";
    let name = if from_stdin {
        "standard input".to_string()
    } else {
        format!("'{}'", args.input.display())
    };
    if from_stdin && args.output.settings.get("audio") == Some("-") {
        bail!(
            "--audio - reads the soundtrack from standard input, which already carries the \
             raw frames (-i -): give the audio as a file, or the frames with -i FILE"
        );
    }
    // Open the input first: a missing file is reported before an output is created.
    let (input, total): (Box<dyn Read + Send>, Option<u64>) = if from_stdin {
        (Box::new(std::io::stdin()), None)
    } else {
        let file = File::open(&args.input).with_context(|| format!("cannot open {name}"))?;
        let meta = file
            .metadata()
            .with_context(|| format!("cannot read {name}"))?;
        if meta.is_dir() {
            bail!("cannot read {name}: it is a folder");
        }
        let total = meta.is_file().then(|| meta.len() / frame_bytes as u64);
        (Box::new(file), total)
    };
    let output = Output::prepare(&args.output)?;
    let config = output.config(w, h, format, args.fps);
    output.encode(config, total, |encoder| {
        // A reader thread, so that Ctrl-C is seen even while standard input has nothing to
        // give, and reading overlaps encoding.
        let (chunks, recycle) = spawn_reader(input, frame_bytes);
        loop {
            if signals::interrupted() {
                return Ok(());
            }
            match chunks.recv_timeout(Duration::from_millis(100)) {
                Ok(Chunk::Frame(pixels)) => {
                    // Borrowed: 8-bit RGB is converted straight from this buffer, which then
                    // goes back to the reader (no allocation or page faults per frame).
                    encoder.push(Frame::new(w, h, format, &pixels))?;
                    let _ = recycle.send(pixels);
                }
                Ok(Chunk::Partial(got)) if encoder.frames() == 0 => bail!(
                    "nothing to encode: {name} holds {got} bytes, less than one {w}x{h} {} \
                     frame ({frame_bytes} bytes)",
                    format.name()
                ),
                Ok(Chunk::Partial(got)) => {
                    encoder.warn(&format!(
                        "{name} ends with a partial frame of {got} bytes (a {w}x{h} {} frame is \
                         {frame_bytes} bytes); it was dropped after {} complete frame{}",
                        format.name(),
                        encoder.frames(),
                        if encoder.frames() == 1 { "" } else { "s" }
                    ));
                    encoder.report_field("truncated_bytes", got);
                    return Ok(());
                }
                Ok(Chunk::Failed(e)) => {
                    return Err(anyhow::Error::new(e).context(format!("cannot read {name}")))
                }
                Ok(Chunk::End) | Err(RecvTimeoutError::Disconnected) => return Ok(()),
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    })
}

/// What the reader thread hands over.
enum Chunk {
    /// One complete frame.
    Frame(Vec<u8>),
    /// The input ended inside a frame, after this many bytes of it.
    Partial(usize),
    /// The input ended after a complete frame (or was empty).
    End,
    /// Reading failed.
    Failed(std::io::Error),
}

/// Reads frames on a thread of its own, at most two ahead of the encoder, into buffers that
/// come back through the returned sender.
fn spawn_reader(
    mut input: Box<dyn Read + Send>,
    frame_bytes: usize,
) -> (Receiver<Chunk>, SyncSender<Vec<u8>>) {
    let (tx, rx) = mpsc::sync_channel(2);
    let (recycle, free) = mpsc::sync_channel::<Vec<u8>>(4);
    std::thread::spawn(move || loop {
        let mut pixels = free.try_recv().unwrap_or_else(|_| vec![0u8; frame_bytes]);
        let chunk = match read_full(&mut *input, &mut pixels) {
            Ok(n) if n == frame_bytes => Chunk::Frame(pixels),
            Ok(0) => Chunk::End,
            Ok(n) => Chunk::Partial(n),
            Err(e) => Chunk::Failed(e),
        };
        let last = !matches!(chunk, Chunk::Frame(_));
        if tx.send(chunk).is_err() || last {
            return;
        }
    });
    (rx, recycle)
}

/// Reads until `buffer` is full or the input ends; returns the bytes read.
fn read_full(input: &mut dyn Read, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match input.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {
                if signals::interrupted() {
                    break;
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
