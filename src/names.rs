//! One table of names per enum: `FromStr`, `Display`, `ALL`, `NAMES` and the error listing
//! what is allowed all come from it, so the command line, `EncoderConfig::set`, Python and
//! C speak the same words.

/// Declares a public enum whose names come from one table.
///
/// Each variant is written `Variant = ["name", "alias", ...]`: the first string is its name
/// (what `Display` prints and `NAMES` lists), the others are also accepted by `FromStr`
/// (case-insensitively). `$field` names the setting in the error for an unknown name.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($field:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = [$text:literal $(, $alias:literal)*] ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in the order of the documentation.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every name, in the order of [`ALL`](Self::ALL) (aliases are accepted too but not listed).
            pub const NAMES: &'static [&'static str] = &[$($text),+];

            /// Every name and alias `FromStr` accepts.
            pub const ACCEPTED: &'static [&'static str] = &[$($text, $($alias,)*)+];

            /// The name used on the command line, in settings and in messages.
            pub const fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The other names `FromStr` accepts for this value.
            pub const fn aliases(self) -> &'static [&'static str] {
                match self {
                    $($name::$variant => &[$($alias),*],)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($text) $(|| t.eq_ignore_ascii_case($alias))* {
                        return Ok($name::$variant);
                    }
                )+
                Err($crate::error::Error::config($field, s, $crate::names::one_of($name::NAMES)))
            }
        }
    };
}

/// `a, b or c`.
pub(crate) fn one_of(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The names in `candidates` close to `word` (a typo's likely intent), best first.
pub(crate) fn close_matches<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Vec<&'a str> {
    let word = word.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&word, c), c))
        .filter(|(score, c)| *score >= 0.8 || c.contains(word.as_str()) && word.len() >= 2)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().map(|(_, c)| c).take(3).collect()
}
