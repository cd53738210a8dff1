//! `encode-native images`: a sequence of image files, decoded in parallel ahead of the encoder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use anyhow::{anyhow, bail, Context, Result};
use encode_native::{Frame, PixelFormat};
use image::{ColorType, DynamicImage};

use crate::args::{ImagesArgs, Size};
use crate::output::{Outcome, Output};
use crate::signals;

/// Extensions picked up from a folder.
const EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp", "gif"];

/// Encodes the images in natural order.
pub fn run(args: &ImagesArgs) -> Result<Outcome> {
    let paths = collect_inputs(&args.inputs)?;
    let output = Output::prepare(&args.output)?;
    let total = paths.len();
    let workers = args.jobs.map(|j| j as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .min(16)
    });
    let mut pool = Pool::start(Arc::new(paths), workers, workers * 2, args.resize);

    // The first readable image sets the size and the input pixel format.
    let mut skipped = Vec::new();
    let (first_path, first) = loop {
        match pool.next() {
            None => bail!(
                "none of the {total} images could be read (the first problem: {})",
                skipped
                    .first()
                    .map_or(String::new(), crate::report::error_chain)
            ),
            Some((path, Ok(img))) => break (path, img),
            Some((_, Err(e))) if args.skip_bad => {
                eprintln!("warning: skipped: {}", crate::report::error_chain(&e));
                skipped.push(e);
            }
            Some((_, Err(e))) => return Err(e),
        }
    };
    let (w, h) = (first.width(), first.height());
    let format = input_format(first.color());
    let config = output.config(w, h, format, args.fps);
    output.encode(config, Some(total as u64), move |encoder| {
        for _ in &skipped {
            encoder.count_skipped();
        }
        let mut conversion_reported = false;
        encoder.push(to_frame(first, format))?;
        loop {
            if signals::interrupted() {
                break;
            }
            let Some((path, image)) = pool.next() else {
                break;
            };
            let image = match image {
                Ok(img) => img,
                Err(e) if args.skip_bad => {
                    encoder.warn(&format!("skipped: {}", crate::report::error_chain(&e)));
                    encoder.count_skipped();
                    skipped.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            if (image.width(), image.height()) != (w, h) {
                bail!(
                    "'{}' is {}x{} but the first image '{}' is {w}x{h}; all images must have one \
                     size (or use --resize WxH)",
                    path.display(),
                    image.width(),
                    image.height(),
                    first_path.display()
                );
            }
            if !conversion_reported && loses_information(image.color(), format) {
                encoder.warn(&format!(
                    "'{}' is {:?} but the video's input format, set by the first image, is {}: \
                     converted (further conversions are not reported)",
                    path.display(),
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
        } else {
            bail!("cannot find '{input}': no such file or folder");
        }
    }
    // Natural order (frame2 before frame10), on the names as the OS gives them.
    alphanumeric_sort::sort_path_slice(&mut files);
    files.dedup();
    Ok(files)
}

/// One decoded image (or why not), by its position in the list.
type Decoded = (usize, Result<DynamicImage>);

/// Where the workers are: the next image to claim, and how many the encoder has taken.
struct Window {
    next_claim: usize,
    consumed: usize,
    stop: bool,
}

/// Worker threads decoding images ahead of the encoder, at most `ahead` images beyond the
/// one the encoder takes next (so memory stays bounded), handed out in the original order.
struct Pool {
    paths: Arc<Vec<PathBuf>>,
    window: Arc<(Mutex<Window>, Condvar)>,
    results: Receiver<Decoded>,
    ready: BTreeMap<usize, Result<DynamicImage>>,
    next: usize,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    fn start(paths: Arc<Vec<PathBuf>>, workers: usize, ahead: usize, resize: Option<Size>) -> Self {
        let ahead = ahead.max(1);
        let window = Arc::new((
            Mutex::new(Window {
                next_claim: 0,
                consumed: 0,
                stop: false,
            }),
            Condvar::new(),
        ));
        let (tx, results) = mpsc::channel::<Decoded>();
        let handles = (0..workers.max(1))
            .map(|n| {
                let (paths, window, tx) = (paths.clone(), window.clone(), tx.clone());
                std::thread::Builder::new()
                    .name(format!("decode-{n}"))
                    .spawn(move || loop {
                        let index = {
                            let (lock, cv) = &*window;
                            let mut w = lock.lock().unwrap_or_else(|p| p.into_inner());
                            while !w.stop
                                && w.next_claim < paths.len()
                                && w.next_claim >= w.consumed + ahead
                            {
                                w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
                            }
                            if w.stop || w.next_claim >= paths.len() {
                                return;
                            }
                            w.next_claim += 1;
                            w.next_claim - 1
                        };
                        let path = &paths[index];
                        let result = std::panic::catch_unwind(|| decode(path, resize))
                            .unwrap_or_else(|panic| {
                                Err(anyhow!(
                                    "cannot decode '{}': the decoder failed ({})",
                                    path.display(),
                                    crate::report::panic_message(&*panic)
                                ))
                            });
                        if tx.send((index, result)).is_err() {
                            return;
                        }
                    })
                    .expect("cannot start a decoding thread")
            })
            .collect();
        Pool {
            paths,
            window,
            results,
            ready: BTreeMap::new(),
            next: 0,
            workers: handles,
        }
    }

    /// The next image in order with its path, or `None` after the last.
    fn next(&mut self) -> Option<(PathBuf, Result<DynamicImage>)> {
        if self.next >= self.paths.len() {
            return None;
        }
        let result = loop {
            if let Some(r) = self.ready.remove(&self.next) {
                break r;
            }
            match self.results.recv() {
                Ok((i, r)) => {
                    self.ready.insert(i, r);
                }
                Err(_) => {
                    break Err(anyhow!(
                        "cannot decode '{}': the decoding threads stopped",
                        self.paths[self.next].display()
                    ))
                }
            }
        };
        let path = self.paths[self.next].clone();
        self.next += 1;
        let (lock, cv) = &*self.window;
        lock.lock().unwrap_or_else(|p| p.into_inner()).consumed = self.next;
        cv.notify_all();
        Some((path, result))
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let (lock, cv) = &*self.window;
        lock.lock().unwrap_or_else(|p| p.into_inner()).stop = true;
        cv.notify_all();
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

/// Reads and decodes one image (by its content, whatever its extension), resized if asked.
fn decode(path: &Path, resize: Option<Size>) -> Result<DynamicImage> {
    let reader = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    let image = reader
        .decode()
        .with_context(|| format!("cannot decode '{}'", path.display()))?;
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
