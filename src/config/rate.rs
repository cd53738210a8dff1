//! Exact rational rates, and the parsers for numbers with units that settings take.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A frame rate (or time base) as an exact rational number, `num / den`.
///
/// Parsed from `"30"`, `"30000/1001"` or a decimal. The NTSC decimals `23.976`, `29.97`,
/// `47.952`, `59.94` and `119.88` map to their exact `N*1000/1001` values, so 29.97 is
/// never rounded to 30.
///
/// ```
/// use encode_native::FrameRate;
/// assert_eq!("29.97".parse::<FrameRate>().unwrap(), FrameRate::new(30000, 1001));
/// assert_eq!("12.5".parse::<FrameRate>().unwrap(), FrameRate::new(25, 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRate {
    /// Numerator.
    pub num: i32,
    /// Denominator.
    pub den: i32,
}

impl FrameRate {
    /// `num / den`, reduced to lowest terms when both are positive.
    pub const fn new(num: i32, den: i32) -> Self {
        if num > 0 && den > 0 {
            let g = gcd(num, den);
            FrameRate {
                num: num / g,
                den: den / g,
            }
        } else {
            FrameRate { num, den }
        }
    }

    /// The rate as a floating-point number.
    pub fn as_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// The reciprocal, `den / num` (a frame rate's time base).
    pub const fn invert(self) -> Self {
        FrameRate {
            num: self.den,
            den: self.num,
        }
    }
}

const fn gcd(mut a: i32, mut b: i32) -> i32 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

impl From<u32> for FrameRate {
    fn from(fps: u32) -> Self {
        FrameRate::new(fps.min(i32::MAX as u32) as i32, 1)
    }
}

impl From<(i32, i32)> for FrameRate {
    fn from((num, den): (i32, i32)) -> Self {
        FrameRate::new(num, den)
    }
}

impl fmt::Display for FrameRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

impl FromStr for FrameRate {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || {
            Error::config(
                "frame_rate",
                s,
                "a positive number such as 30, 29.97, 12.5 or a fraction such as 30000/1001",
            )
        };
        let s = s.trim();
        let rate = if let Some((n, d)) = s.split_once('/') {
            let n: i32 = n.trim().parse().map_err(|_| bad())?;
            let d: i32 = d.trim().parse().map_err(|_| bad())?;
            FrameRate::new(n, d)
        } else if let Some((int, frac)) = s.split_once('.') {
            // NTSC-family rates written as decimals are the 1000/1001 fractions.
            for (text, num) in [
                ("23.976", 24000),
                ("23.98", 24000),
                ("29.97", 30000),
                ("47.952", 48000),
                ("59.94", 60000),
                ("119.88", 120000),
            ] {
                if s == text {
                    return Ok(FrameRate::new(num, 1001));
                }
            }
            if frac.is_empty() || frac.len() > 6 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let int: i64 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let den = 10i64.pow(frac.len() as u32);
            let num = int * den + frac.parse::<i64>().map_err(|_| bad())?;
            if num > i32::MAX as i64 {
                return Err(bad());
            }
            FrameRate::new(num as i32, den as i32)
        } else {
            FrameRate::new(s.parse().map_err(|_| bad())?, 1)
        };
        if rate.num <= 0 || rate.den <= 0 {
            return Err(bad());
        }
        Ok(rate)
    }
}

/// Parses a bitrate with an optional K, M or G suffix (powers of 1000): `4M`, `2.5m`, `800k`.
pub(crate) fn parse_bitrate(s: &str) -> Result<u64> {
    let bad = || {
        Error::config(
            "bitrate",
            s,
            "1k to 2G bits per second, such as 4M, 800k or 2500000",
        )
    };
    let t = s.trim();
    let (number, factor) = match t.chars().last().map(|c| c.to_ascii_lowercase()) {
        Some('k') => (&t[..t.len() - 1], 1e3),
        Some('m') => (&t[..t.len() - 1], 1e6),
        Some('g') => (&t[..t.len() - 1], 1e9),
        _ => (t, 1.0),
    };
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let bits = value * factor;
    if !bits.is_finite() || !(1000.0..=2e9).contains(&bits) {
        return Err(bad());
    }
    Ok(bits.round() as u64)
}

/// Parses `WIDTHxHEIGHT` (also `W*H`), e.g. `1280x720`.
pub(crate) fn parse_size(s: &str) -> Result<(u32, u32)> {
    let bad = || Error::config("size", s, "WIDTHxHEIGHT such as 1280x720");
    let (w, h) = s.trim().split_once(['x', 'X', '*']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrates() {
        assert_eq!(parse_bitrate("4M").unwrap(), 4_000_000);
        assert_eq!(parse_bitrate("800k").unwrap(), 800_000);
        assert_eq!(parse_bitrate("2.5m").unwrap(), 2_500_000);
        assert_eq!(parse_bitrate("1G").unwrap(), 1_000_000_000);
        assert_eq!(parse_bitrate("64000").unwrap(), 64_000);
        assert!(parse_bitrate("fast").is_err());
        assert!(parse_bitrate("5").is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1280x720").unwrap(), (1280, 720));
        assert!(parse_size("1280").is_err());
        assert!(parse_size("axb").is_err());
    }
}
