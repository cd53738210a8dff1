//! `encode-native images`: a sequence of image files, or a stream of images on standard input,
//! decoded in parallel ahead of the encoder.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use encode_native::{Frame, PixelFormat};
use image::{ColorType, DynamicImage};

use crate::cli::args::{ImagesArgs, Size};
use crate::cli::output::{Outcome, Output};
use crate::cli::signals;
use crate::cli::stream::{Piece, Splitter};

/// Extensions picked up from a folder.
const EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "gif"];

/// Encodes the images in natural order, or the images of standard input (`-`) in their order.
pub fn run(args: &ImagesArgs) -> Result<Outcome> {
    let from_stdin = args.inputs.len() == 1 && args.inputs[0] == "-";
    let (source, total): (Source, Option<u64>) = if from_stdin {
        if args.output.settings.get("audio") == Some("-") {
            bail!(
                "--audio - reads the soundtrack from standard input, which already carries the \
                 images ('-'): give the audio as a file, or the images as files"
            );
        }
        if std::io::stdin().is_terminal() {
            bail!("'-' reads images from standard input, which is a terminal: pipe images into it");
        }
        (stdin_source(), None)
    } else {
        if args.inputs.iter().any(|i| i == "-") {
            bail!("'-' (standard input) cannot be combined with other inputs");
        }
        let paths = collect_inputs(&args.inputs)?;
        let total = paths.len() as u64;
        let mut paths = paths.into_iter();
        (
            Box::new(move || paths.next().map(|p| Ok(Input::File(p)))),
            Some(total),
        )
    };
    let output = Output::prepare(&args.output)?;
    let workers = args.jobs.map(|j| j as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .min(16)
    });
    let mut pool = Pool::start(source, workers, workers * 2, args.resize);

    // The first readable image sets the size and the input pixel format.
    let mut skipped = Vec::new();
    let (first_label, first) = loop {
        match pool.next() {
            None if signals::interrupted() => {
                eprintln!("warning: interrupted before the first image: no video was written");
                return Ok(Outcome::Interrupted);
            }
            None if skipped.is_empty() => bail!("nothing to encode: standard input holds no image"),
            None => bail!(
                "none of the {} images could be read (the first problem: {})",
                skipped.len(),
                skipped
                    .first()
                    .map_or(String::new(), crate::cli::report::error_chain)
            ),
            Some((label, Ok(img))) => break (label, img),
            Some((_, Err(e))) if args.skip_bad && !e.is::<StreamBroken>() => {
                eprintln!("warning: skipped: {}", crate::cli::report::error_chain(&e));
                skipped.push(e);
            }
            Some((_, Err(e))) => return Err(e),
        }
    };
    let (w, h) = (first.width(), first.height());
    let format = input_format(first.color());
    let config = output.config(w, h, format, args.fps);
    output.encode(config, total, move |encoder| {
        for _ in &skipped {
            encoder.count_skipped();
        }
        let mut conversion_reported = false;
        encoder.push(to_frame(first, format))?;
        loop {
            if signals::interrupted() {
                break;
            }
            let Some((label, image)) = pool.next() else {
                break;
            };
            let image = match image {
                Ok(img) => img,
                Err(e) if args.skip_bad && !e.is::<StreamBroken>() => {
                    encoder.warn(&format!("skipped: {}", crate::cli::report::error_chain(&e)));
                    encoder.count_skipped();
                    skipped.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if (image.width(), image.height()) != (w, h) {
                bail!(
                    "{label} is {}x{} but the first image {first_label} is {w}x{h}; all images \
                     must have one size (or use --resize WxH)",
                    image.width(),
                    image.height(),
                );
            }
            if !conversion_reported && loses_information(image.color(), format) {
                encoder.warn(&format!(
                    "{label} is {:?} but the video's input format, set by the first image, is {}: \
                     converted (further conversions are not reported)",
                    image.color(),
                    format.name()
                ));
                conversion_reported = true;
            }
            encoder.push(to_frame(image, format))?;
        }
        encoder.report_field("skipped", skipped.len());
        Ok(())
    })
}

/// Where the images come from: each call gives the next one, `None` after the last.
type Source = Box<dyn FnMut() -> Option<Result<Input>> + Send>;

/// An image to decode.
enum Input {
    /// A file.
    File(PathBuf),
    /// An image cut from standard input.
    Bytes(Piece),
}

/// The stream of images on standard input could not be followed (truncated, or not an
/// image): nothing after it can be read, so `--skip-bad` cannot skip it.
/// It holds the whole message (the image's number and offset, and what is wrong).
#[derive(Debug)]
struct StreamBroken(String);

impl std::fmt::Display for StreamBroken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StreamBroken {}

/// The images concatenated on standard input.
fn stdin_source() -> Source {
    let mut splitter = Splitter::new(std::io::BufReader::with_capacity(1 << 16, std::io::stdin()));
    Box::new(move || {
        splitter.next_piece().map(|r| {
            r.map(Input::Bytes)
                .map_err(|e| anyhow::Error::new(StreamBroken(crate::cli::report::error_chain(&e))))
        })
    })
}

/// The input pixel format for images like `color`: 8-bit → rgb24 (rgba with alpha),
/// 16-bit grey → gray16le, other 16-bit and float → rgb48le.
fn input_format(color: ColorType) -> PixelFormat {
    match color {
        ColorType::L8 | ColorType::Rgb8 => PixelFormat::Rgb24,
        ColorType::La8 | ColorType::Rgba8 => PixelFormat::Rgba,
        ColorType::L16 | ColorType::La16 => PixelFormat::Gray16Le,
        ColorType::Rgb16 | ColorType::Rgba16 | ColorType::Rgb32F | ColorType::Rgba32F => {
            PixelFormat::Rgb48Le
        }
        _ => PixelFormat::Rgb24,
    }
}

/// Whether converting `color` to `format` drops colour or bit depth (alpha does not count:
/// the encoder ignores it anyway).
fn loses_information(color: ColorType, format: PixelFormat) -> bool {
    let bytes_per_channel = color.bytes_per_pixel() / color.channel_count().max(1);
    let (target_bytes, target_colour) = match format {
        PixelFormat::Gray16Le => (2, false),
        PixelFormat::Rgb48Le => (2, true),
        _ => (1, true),
    };
    (color.has_color() && !target_colour) || bytes_per_channel > target_bytes
}

/// The image as a frame of `format` (no copy when it already has that layout).
fn to_frame(image: DynamicImage, format: PixelFormat) -> Frame<'static> {
    let (w, h) = (image.width(), image.height());
    match format {
        PixelFormat::Rgba => image.into_rgba8().into(),
        PixelFormat::Gray16Le => Frame::from_u16_vec(w, h, format, image.into_luma16().into_raw()),
        PixelFormat::Rgb48Le => Frame::from_u16_vec(w, h, format, image.into_rgb16().into_raw()),
        _ => image.into_rgb8().into(),
    }
}

/// FFmpeg's numbered image pattern: `img%03d.png` (img000.png, img001.png, ...), `%d` for
/// numbers without padding, `%%` for a `%` in the name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NumberPattern {
    prefix: String,
    /// Digits the number is padded to with zeros (`%03d`: 3), or with spaces (`%3d`).
    width: usize,
    zeros: bool,
    suffix: String,
}

impl NumberPattern {
    /// The pattern in `input`, if it has exactly one `%d`, `%Nd` or `%0Nd`.
    fn parse(input: &str) -> Option<Self> {
        let mut parts = [String::new(), String::new()];
        let mut found: Option<(usize, bool)> = None;
        let mut chars = input.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                parts[usize::from(found.is_some())].push(c);
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                parts[usize::from(found.is_some())].push('%');
                continue;
            }
            let mut spec = String::new();
            while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                spec.push(d);
                chars.next();
            }
            if chars.next() != Some('d') || found.is_some() || spec.len() > 2 {
                return None;
            }
            found = Some((spec.parse().unwrap_or(0), spec.starts_with('0')));
        }
        let (width, zeros) = found?;
        let [prefix, suffix] = parts;
        Some(NumberPattern {
            prefix,
            width,
            zeros,
            suffix,
        })
    }

    /// The name of image `n`.
    fn name(&self, n: u64) -> String {
        let number = if self.zeros {
            format!("{n:0w$}", w = self.width)
        } else {
            format!("{n:w$}", w = self.width)
        };
        format!("{}{number}{}", self.prefix, self.suffix)
    }

    /// The files as FFmpeg's image2 reader takes them: the first number that exists from 0
    /// to 4, then every following number until one is missing.
    fn files(&self, input: &str) -> Result<Vec<PathBuf>> {
        let Some(first) = (0..=4).find(|&n| Path::new(&self.name(n)).is_file()) else {
            bail!(
                "no files match the numbered pattern '{input}' (looked for '{}' to '{}' as the first, as FFmpeg does)",
                self.name(0),
                self.name(4)
            );
        };
        Ok((first..)
            .map(|n| PathBuf::from(self.name(n)))
            .take_while(|p| p.is_file())
            .collect())
    }
}

/// Expands the inputs (folders, files, globs) into one naturally sorted list of files.
pub fn collect_inputs(inputs: &[String]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        let path = Path::new(input);
        if path.is_dir() {
            let before = files.len();
            let entries =
                std::fs::read_dir(path).with_context(|| format!("cannot list '{input}'"))?;
            for entry in entries {
                let entry = entry.with_context(|| format!("cannot list '{input}'"))?;
                let p = entry.path();
                let is_image = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
                if is_image && p.is_file() {
                    files.push(p);
                }
            }
            if files.len() == before {
                bail!(
                    "no images in the folder '{input}' (looked for .{})",
                    EXTENSIONS.join(", .")
                );
            }
        } else if path.exists() {
            files.push(path.to_path_buf());
        } else if input.contains(['*', '?', '[']) {
            let before = files.len();
            let matches =
                glob::glob(input).with_context(|| format!("invalid pattern '{input}'"))?;
            for m in matches {
                let p = m.with_context(|| format!("cannot expand '{input}'"))?;
                if p.is_file() {
                    files.push(p);
                }
            }
            if files.len() == before {
                bail!("no files match '{input}'");
            }
        } else if let Some(pattern) = NumberPattern::parse(input) {
            files.extend(pattern.files(input)?);
        } else {
            bail!("cannot find '{input}': no such file or folder");
        }
    }
    // Natural order (frame2 before frame10), on the names as the OS gives them.
    alphanumeric_sort::sort_path_slice(&mut files);
    files.dedup();
    Ok(files)
}

/// One decoded image (or why not) with its name for messages, by its position.
type Decoded = (usize, String, Result<DynamicImage>);

/// How far the images are: how many were handed to the decoders, and how many the encoder
/// has taken.
struct Window {
    consumed: usize,
    stop: bool,
}

/// Threads decoding images ahead of the encoder, at most `ahead` images beyond the one the
/// encoder takes next (so memory stays bounded), handed out in the original order.
struct Pool {
    window: Arc<(Mutex<Window>, Condvar)>,
    results: Receiver<Decoded>,
    ready: BTreeMap<usize, (String, Result<DynamicImage>)>,
    next: usize,
}

impl Pool {
    fn start(mut source: Source, workers: usize, ahead: usize, resize: Option<Size>) -> Self {
        let ahead = ahead.max(1);
        let window = Arc::new((
            Mutex::new(Window {
                consumed: 0,
                stop: false,
            }),
            Condvar::new(),
        ));
        let (jobs, queue) = crossbeam_channel::bounded::<(usize, Result<Input>)>(workers.max(1));
        let (tx, results) = mpsc::channel::<Decoded>();
        // The feeder takes the inputs in order, never more than `ahead` beyond the encoder.
        let feeder_window = window.clone();
        std::thread::Builder::new()
            .name("images-in".into())
            .spawn(move || {
                for index in 0.. {
                    {
                        let (lock, cv) = &*feeder_window;
                        let mut w = lock.lock().unwrap_or_else(|p| p.into_inner());
                        while !w.stop && index >= w.consumed + ahead {
                            w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
                        }
                        if w.stop {
                            return;
                        }
                    }
                    let Some(input) = source() else {
                        return;
                    };
                    let last = input.is_err();
                    if jobs.send((index, input)).is_err() || last {
                        return;
                    }
                }
            })
            .expect("cannot start the input thread");
        for n in 0..workers.max(1) {
            let (queue, tx) = (queue.clone(), tx.clone());
            std::thread::Builder::new()
                .name(format!("decode-{n}"))
                .spawn(move || {
                    for (index, input) in queue.iter() {
                        let (label, result) = match input {
                            Err(e) => (String::new(), Err(e)),
                            Ok(input) => {
                                let label = match &input {
                                    Input::File(p) => format!("'{}'", p.display()),
                                    Input::Bytes(p) => Piece::label(p.number, p.offset),
                                };
                                let result =
                                    std::panic::catch_unwind(|| decode(&input, &label, resize))
                                        .unwrap_or_else(|panic| {
                                            Err(anyhow!(
                                                "cannot decode {label}: the decoder failed ({})",
                                                crate::cli::report::panic_message(&*panic)
                                            ))
                                        });
                                (label, result)
                            }
                        };
                        if tx.send((index, label, result)).is_err() {
                            return;
                        }
                    }
                })
                .expect("cannot start a decoding thread");
        }
        Pool {
            window,
            results,
            ready: BTreeMap::new(),
            next: 0,
        }
    }

    /// The next image in order with its name, or `None` after the last (or on Ctrl-C).
    fn next(&mut self) -> Option<(String, Result<DynamicImage>)> {
        let item = loop {
            if let Some(r) = self.ready.remove(&self.next) {
                break r;
            }
            match self.results.recv_timeout(Duration::from_millis(100)) {
                Ok((i, label, r)) => {
                    self.ready.insert(i, (label, r));
                }
                Err(RecvTimeoutError::Timeout) if signals::interrupted() => return None,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        };
        self.next += 1;
        let (lock, cv) = &*self.window;
        lock.lock().unwrap_or_else(|p| p.into_inner()).consumed = self.next;
        cv.notify_all();
        Some(item)
    }
}

impl Drop for Pool {
    /// Stops the feeder; the threads end by themselves (one may be waiting on standard input,
    /// which cannot be interrupted, so they are not joined).
    fn drop(&mut self) {
        let (lock, cv) = &*self.window;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cv.notify_all();
    }
}

/// Reads and decodes one image (by its content, whatever a file's extension), resized if asked.
fn decode(input: &Input, label: &str, resize: Option<Size>) -> Result<DynamicImage> {
    let image = match input {
        Input::File(path) => image::ImageReader::open(path)
            .and_then(|r| r.with_guessed_format())
            .with_context(|| format!("cannot read {label}"))?
            .decode(),
        Input::Bytes(piece) => image::ImageReader::new(std::io::Cursor::new(&piece.bytes[..]))
            .with_guessed_format()
            .with_context(|| format!("cannot read {label}"))?
            .decode(),
    }
    .with_context(|| format!("cannot decode {label}"))?;
    Ok(match resize {
        Some(s) if (image.width(), image.height()) != (s.width, s.height) => {
            image.resize_exact(s.width, s.height, image::imageops::FilterType::Triangle)
        }
        _ => image,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_patterns() {
        let p = NumberPattern::parse("shots/img%03d.png").unwrap();
        assert_eq!(p.name(7), "shots/img007.png");
        assert_eq!(p.name(1234), "shots/img1234.png");
        assert_eq!(NumberPattern::parse("f%d.png").unwrap().name(12), "f12.png");
        assert_eq!(
            NumberPattern::parse("100%%_%02d.png").unwrap().name(3),
            "100%_03.png"
        );
        assert_eq!(NumberPattern::parse("plain.png"), None);
        assert_eq!(NumberPattern::parse("a%d%d.png"), None);
        assert_eq!(NumberPattern::parse("a%s.png"), None);
    }

    #[test]
    fn formats_follow_the_image() {
        assert_eq!(input_format(ColorType::Rgb8), PixelFormat::Rgb24);
        assert_eq!(input_format(ColorType::Rgba8), PixelFormat::Rgba);
        assert_eq!(input_format(ColorType::L16), PixelFormat::Gray16Le);
        assert_eq!(input_format(ColorType::Rgb16), PixelFormat::Rgb48Le);
        assert!(loses_information(ColorType::Rgb8, PixelFormat::Gray16Le));
        assert!(loses_information(ColorType::Rgb16, PixelFormat::Rgb24));
        assert!(!loses_information(ColorType::Rgba8, PixelFormat::Rgb24));
        assert!(!loses_information(ColorType::L8, PixelFormat::Rgb48Le));
    }
}
