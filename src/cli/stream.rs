//! A stream of images one after another (what `plt.savefig(pipe, format="png")` in a loop, or
//! `ffmpeg -f image2pipe`, writes): found by their first bytes — PNG, JPEG, BMP, or binary
//! PPM/PGM/PBM/PAM — and cut at their exact ends, so each can be decoded on its own.

use std::io::{ErrorKind, Read};

use anyhow::{anyhow, bail, Result};

/// One image cut from the stream.
#[derive(Debug)]
pub struct Piece {
    /// Its position, from 1.
    pub number: u64,
    /// Where it starts in the stream.
    pub offset: u64,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl Piece {
    /// How messages name it.
    pub fn label(number: u64, offset: u64) -> String {
        format!("image {number} of standard input (at byte {offset})")
    }
}

/// Cuts images from a reader.
pub struct Splitter<R> {
    input: R,
    offset: u64,
    number: u64,
    done: bool,
}

impl<R: Read> Splitter<R> {
    /// A splitter over `input`.
    pub fn new(input: R) -> Self {
        Splitter {
            input,
            offset: 0,
            number: 0,
            done: false,
        }
    }

    /// The next image, `None` at the end of the stream, or an error naming the image's
    /// number and offset (after which the stream cannot be followed: the splitter stops).
    pub fn next_piece(&mut self) -> Option<Result<Piece>> {
        if self.done {
            return None;
        }
        let start = self.offset;
        let number = self.number + 1;
        let mut bytes = Vec::new();
        match self.read_image(&mut bytes) {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                self.number = number;
                Some(Ok(Piece {
                    number,
                    offset: start,
                    bytes,
                }))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e.context(Piece::label(number, start))))
            }
        }
    }

    /// Reads exactly `n` more bytes onto `buf`; a short read is a truncated image.
    fn take(&mut self, buf: &mut Vec<u8>, n: usize) -> Result<()> {
        let got = self.fill(buf, n)?;
        if got < n {
            bail!(
                "truncated: the stream ended after {} bytes of it, in the middle of the image",
                buf.len()
            );
        }
        Ok(())
    }

    /// Reads up to `n` more bytes onto `buf`; returns how many came.
    fn fill(&mut self, buf: &mut Vec<u8>, n: usize) -> Result<usize> {
        let start = buf.len();
        buf.resize(start + n, 0);
        let mut got = 0;
        while got < n {
            match self.input.read(&mut buf[start + got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == ErrorKind::Interrupted => {
                    if crate::cli::signals::interrupted() {
                        break;
                    }
                }
                Err(e) => return Err(anyhow!(e).context("cannot read standard input")),
            }
        }
        buf.truncate(start + got);
        self.offset += got as u64;
        Ok(got)
    }

    /// One byte more onto `buf`.
    fn byte(&mut self, buf: &mut Vec<u8>) -> Result<u8> {
        self.take(buf, 1)?;
        Ok(buf[buf.len() - 1])
    }

    /// Reads one whole image; `false` when the stream ended cleanly before it.
    fn read_image(&mut self, buf: &mut Vec<u8>) -> Result<bool> {
        if self.fill(buf, 2)? == 0 {
            return Ok(false);
        }
        if buf.len() < 2 {
            bail!("truncated: the stream ends with 1 stray byte");
        }
        match [buf[0], buf[1]] {
            [0x89, b'P'] => self.png(buf)?,
            [0xFF, 0xD8] => self.jpeg(buf)?,
            [b'B', b'M'] => self.bmp(buf)?,
            [b'P', b'4'..=b'7'] => self.pnm(buf)?,
            _ => {
                let mut head = buf.clone();
                let _ = self.fill(&mut head, 6);
                let shown: Vec<String> = head.iter().map(|b| format!("{b:02x}")).collect();
                bail!(
                    "not a PNG, JPEG, BMP or binary PPM/PGM/PAM image: it starts with the bytes {}",
                    shown.join(" ")
                );
            }
        }
        Ok(true)
    }

    /// PNG: the signature, then chunks (length, type, data, CRC) up to IEND.
    fn png(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        self.take(buf, 6)?;
        if buf[..8] != *b"\x89PNG\r\n\x1a\n" {
            bail!("not a PNG image: its signature is damaged");
        }
        loop {
            let at = buf.len();
            self.take(buf, 8)?;
            let len = u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
            if len > 0x7fff_ffff {
                bail!("damaged PNG: a chunk claims {len} bytes");
            }
            let kind = [buf[at + 4], buf[at + 5], buf[at + 6], buf[at + 7]];
            self.take(buf, len as usize + 4)?;
            if &kind == b"IEND" {
                return Ok(());
            }
        }
    }

    /// JPEG: marker segments; after each start of scan, entropy-coded data up to the next
    /// marker that is not a restart or a stuffed zero; the end of image marker closes it.
    fn jpeg(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        loop {
            // Find the next marker (0xFF, then a non-0xFF byte).
            let mut b = self.byte(buf)?;
            if b != 0xFF {
                bail!(
                    "damaged JPEG: expected a marker at byte {} of it",
                    buf.len() - 1
                );
            }
            while b == 0xFF {
                b = self.byte(buf)?;
            }
            match b {
                0xD9 => return Ok(()),
                0xD0..=0xD7 | 0x01 => continue,
                _ => {}
            }
            let at = buf.len();
            self.take(buf, 2)?;
            let len = u16::from_be_bytes([buf[at], buf[at + 1]]) as usize;
            if len < 2 {
                bail!("damaged JPEG: a segment claims {len} bytes");
            }
            self.take(buf, len - 2)?;
            if b == 0xDA {
                // Entropy-coded data: stop before a real marker.
                loop {
                    let x = self.byte(buf)?;
                    if x != 0xFF {
                        continue;
                    }
                    let mut y = self.byte(buf)?;
                    while y == 0xFF {
                        y = self.byte(buf)?;
                    }
                    match y {
                        0x00 | 0xD0..=0xD7 => continue,
                        0xD9 => return Ok(()),
                        _ => {
                            // A marker after the scan (another scan, tables): parse it.
                            let at = buf.len();
                            self.take(buf, 2)?;
                            let len = u16::from_be_bytes([buf[at], buf[at + 1]]) as usize;
                            if len < 2 {
                                bail!("damaged JPEG: a segment claims {len} bytes");
                            }
                            self.take(buf, len - 2)?;
                            if y != 0xDA {
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    /// BMP: the file header holds the whole size.
    fn bmp(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        self.take(buf, 12)?;
        let size = u32::from_le_bytes([buf[2], buf[3], buf[4], buf[5]]) as usize;
        if !(26..=0x7fff_ffff).contains(&size) {
            bail!("damaged BMP: its header gives a size of {size} bytes");
        }
        self.take(buf, size - 14)
    }

    /// Binary PBM (P4), PGM (P5), PPM (P6) and PAM (P7): a text header, then the raster.
    fn pnm(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let kind = buf[1];
        let (width, height, depth, maxval) = if kind == b'7' {
            let (mut w, mut h, mut d, mut m) = (None, None, None, None);
            loop {
                let line = self.line(buf)?;
                let mut words = line.split_whitespace();
                match (words.next(), words.next()) {
                    (Some("ENDHDR"), _) => break,
                    (Some("WIDTH"), Some(v)) => w = v.parse().ok(),
                    (Some("HEIGHT"), Some(v)) => h = v.parse().ok(),
                    (Some("DEPTH"), Some(v)) => d = v.parse().ok(),
                    (Some("MAXVAL"), Some(v)) => m = v.parse().ok(),
                    _ => {}
                }
                if buf.len() > 4096 {
                    bail!("damaged PAM: no ENDHDR in its first 4096 bytes");
                }
            }
            match (w, h, d, m) {
                (Some(w), Some(h), Some(d), Some(m)) => (w, h, d, m),
                _ => bail!("damaged PAM: WIDTH, HEIGHT, DEPTH or MAXVAL missing"),
            }
        } else {
            let w = self.number(buf)?;
            let h = self.number(buf)?;
            let m = if kind == b'4' { 1 } else { self.number(buf)? };
            (w, h, if kind == b'6' { 3 } else { 1 }, m)
        };
        let sample = if maxval > 255 { 2u64 } else { 1 };
        let raster = if kind == b'4' {
            width.div_ceil(8) * height
        } else {
            width
                .checked_mul(height)
                .and_then(|p| p.checked_mul(depth))
                .and_then(|p| p.checked_mul(sample))
                .ok_or_else(|| anyhow!("damaged PNM: {width}x{height}x{depth} is too large"))?
        };
        if raster > 1 << 31 {
            bail!("damaged PNM: a {width}x{height} raster of {raster} bytes is too large");
        }
        self.take(buf, raster as usize)
    }

    /// A PNM header number, after white space and comments; consumes the one white space
    /// byte after it.
    fn number(&mut self, buf: &mut Vec<u8>) -> Result<u64> {
        let mut b = self.byte(buf)?;
        loop {
            if b == b'#' {
                while b != b'\n' {
                    b = self.byte(buf)?;
                }
            }
            if !b.is_ascii_whitespace() {
                break;
            }
            b = self.byte(buf)?;
        }
        let mut value: u64 = 0;
        while b.is_ascii_digit() {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or_else(|| anyhow!("damaged PNM: a header number is too large"))?;
            b = self.byte(buf)?;
        }
        if !b.is_ascii_whitespace() {
            bail!("damaged PNM header: unexpected byte {b:#04x}");
        }
        Ok(value)
    }

    /// A header line (PAM), without its newline.
    fn line(&mut self, buf: &mut Vec<u8>) -> Result<String> {
        let start = buf.len();
        while self.byte(buf)? != b'\n' {}
        Ok(String::from_utf8_lossy(&buf[start..buf.len() - 1]).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(format: image::ImageFormat, img: &image::DynamicImage) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn cuts_every_format_at_its_end() {
        let rgb = image::RgbImage::from_fn(37, 21, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 11) as u8, ((x ^ y) * 3) as u8])
        });
        let img = image::DynamicImage::ImageRgb8(rgb);
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for f in [
            image::ImageFormat::Png,
            image::ImageFormat::Jpeg,
            image::ImageFormat::Bmp,
            image::ImageFormat::Pnm,
            image::ImageFormat::Png,
        ] {
            let bytes = encode(f, &img);
            expected.push((stream.len() as u64, bytes.len()));
            stream.extend_from_slice(&bytes);
        }
        // A PAM, written by hand.
        let pam = b"P7\nWIDTH 2\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n\x01\x02\x03\x04\x05\x06\x07\x08";
        expected.push((stream.len() as u64, pam.len()));
        stream.extend_from_slice(pam);
        let mut s = Splitter::new(&stream[..]);
        let mut got = Vec::new();
        while let Some(p) = s.next_piece() {
            let p = p.unwrap();
            assert!(image::load_from_memory(&p.bytes).is_ok() || p.bytes.starts_with(b"P7"));
            got.push((p.offset, p.bytes.len()));
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn a_truncated_or_unknown_image_names_its_number_and_offset() {
        let img = image::DynamicImage::ImageRgb8(image::RgbImage::new(8, 8));
        let png = encode(image::ImageFormat::Png, &img);
        let mut stream = png.clone();
        stream.extend_from_slice(&png[..png.len() - 5]);
        let mut s = Splitter::new(&stream[..]);
        assert!(s.next_piece().unwrap().is_ok());
        let e = format!("{:#}", s.next_piece().unwrap().unwrap_err());
        assert!(
            e.contains("image 2") && e.contains(&format!("byte {}", png.len())),
            "{e}"
        );
        assert!(e.contains("truncated"), "{e}");
        assert!(s.next_piece().is_none());

        let mut s = Splitter::new(&b"GIF89a......"[..]);
        let e = format!("{:#}", s.next_piece().unwrap().unwrap_err());
        assert!(e.contains("image 1") && e.contains("47 49 46"), "{e}");
    }
}
