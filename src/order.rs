//! Natural order of file names, for image sequences.

use std::cmp::Ordering;

/// Natural order for image sequences: runs of digits compare as numbers (leading zeros
/// ignored), so `frame2` comes before `frame10` and `f02` after `f1`.
///
/// ```
/// let mut names = vec!["frame10.png", "frame2.png", "frame1.png"];
/// names.sort_by(|a, b| encode_native::natural_cmp(a, b));
/// assert_eq!(names, ["frame1.png", "frame2.png", "frame10.png"]);
/// ```
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (a_bytes, b_bytes) = (a.as_bytes(), b.as_bytes());
    let (mut i, mut j) = (0, 0);
    while i < a_bytes.len() && j < b_bytes.len() {
        if a_bytes[i].is_ascii_digit() && b_bytes[j].is_ascii_digit() {
            let (si, sj) = (i, j);
            while i < a_bytes.len() && a_bytes[i].is_ascii_digit() {
                i += 1;
            }
            while j < b_bytes.len() && b_bytes[j].is_ascii_digit() {
                j += 1;
            }
            let strip = |d: &'_ [u8]| -> usize { d.iter().take_while(|&&c| c == b'0').count() };
            let na = &a_bytes[si + strip(&a_bytes[si..i])..i];
            let nb = &b_bytes[sj + strip(&b_bytes[sj..j])..j];
            let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
            if ord != Ordering::Equal {
                return ord;
            }
        } else {
            if a_bytes[i] != b_bytes[j] {
                return a_bytes[i].cmp(&b_bytes[j]);
            }
            i += 1;
            j += 1;
        }
    }
    (a_bytes.len() - i)
        .cmp(&(b_bytes.len() - j))
        .then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec![
            "f10.png", "f2.png", "f1.png", "f02.png", "a/f3.png", "f100.png", "g1.png",
        ];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            ["a/f3.png", "f1.png", "f02.png", "f2.png", "f10.png", "f100.png", "g1.png"]
        );
    }
}
