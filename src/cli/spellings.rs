//! The spellings the command line takes beside its own options, and what its errors say.
//!
//! FFmpeg's spellings of the settings are accepted where they are unambiguous: every name
//! of a setting in the library's table ([`EncoderConfig::settings`]: its key and aliases)
//! with one dash or two, `_` or `-` alike (`-pix_fmt`, `-c:v`, `-crf`, `-preset`, `-b:v`,
//! `--vcodec`), and `-r`, `--framerate` for `--fps`. A one-letter name that is one of the
//! command's own short options keeps its meaning (`-q` is `--quiet`, not FFmpeg's `-q:v`).
//! They are rewritten to the option's own name before parsing, and errors name the
//! spelling the user wrote. An unknown option gets the nearest one as a suggestion.

use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::Mutex;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches};
use encode_native::EncoderConfig;

use crate::cli::args::Cli;

/// What the user wrote for each option that was given in another spelling, by the option's
/// own long name (`--pix-fmt` → `-pix_fmt`).
static WRITTEN: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());

/// The names for `--fps` besides its own (the subcommands' frame rate option).
const FPS_NAMES: &[&str] = &["framerate", "frame-rate", "r"];

/// Every other spelling (without dashes, `_` as `-`) → the option's long name (`--pix-fmt`).
fn spellings() -> HashMap<String, String> {
    let mut map = HashMap::new();
    for s in EncoderConfig::settings().iter().filter(|s| s.output_option) {
        let long = format!("--{}", s.key.replace('_', "-"));
        for name in std::iter::once(s.key).chain(s.aliases.iter().copied()) {
            map.insert(name.replace('_', "-"), long.clone());
        }
    }
    for name in FPS_NAMES {
        map.insert(name.to_string(), "--fps".to_string());
    }
    map
}

/// The short options of the command line, each with its option's long name.
fn shorts(cmd: &clap::Command) -> Vec<(char, String)> {
    let mut out: Vec<(char, String)> = cmd
        .get_arguments()
        .filter_map(|a| Some((a.get_short()?, format!("--{}", a.get_long()?))))
        .collect();
    for sub in cmd.get_subcommands() {
        out.extend(shorts(sub));
    }
    out
}

/// `args` with other spellings rewritten to the options' own names, and what was written
/// for each rewritten option.
fn rewrite(cmd: &clap::Command, args: Vec<OsString>) -> (Vec<OsString>, Vec<(String, String)>) {
    let map = spellings();
    let shorts = shorts(cmd);
    let sub = args
        .iter()
        .filter_map(|a| a.to_str())
        .find_map(|a| cmd.find_subcommand(a));
    let mut written = Vec::new();
    let mut out = Vec::with_capacity(args.len());
    let mut iter = args.into_iter().enumerate();
    while let Some((i, arg)) = iter.next() {
        let Some(text) = arg.to_str().filter(|_| i > 0) else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            out.push(arg);
            out.extend(iter.map(|(_, a)| a));
            break;
        }
        let (name, value) = match text.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (text, None),
        };
        let bare = name
            .strip_prefix("--")
            .or_else(|| name.strip_prefix('-'))
            .filter(|b| !b.is_empty() && name.len() > 1);
        let long = bare.and_then(|b| map.get(&b.to_ascii_lowercase().replace('_', "-")));
        // A short option of the command line keeps its meaning (`-q` is --quiet); one that
        // means the same option (`-r`) is rewritten too, so that errors name it.
        let single = name
            .strip_prefix('-')
            .filter(|b| b.chars().count() == 1 && !b.starts_with('-'));
        let long = long.filter(|l| {
            single.is_none_or(|b| {
                shorts
                    .iter()
                    .all(|(c, own)| !b.starts_with(*c) || own == *l)
            })
        });
        let option = match long.filter(|l| l.as_str() != name) {
            Some(long) => {
                written.push((long.clone(), name.to_string()));
                out.push(match value {
                    Some(v) => format!("{long}={v}").into(),
                    None => long.clone().into(),
                });
                sub.and_then(|s| s.get_arguments().find(|a| a.get_long() == Some(&long[2..])))
            }
            None => {
                let found = sub.and_then(|s| {
                    s.get_arguments().find(|a| match name.strip_prefix("--") {
                        Some(l) => a.get_long() == Some(l),
                        None => {
                            single.is_some_and(|b| a.get_short().is_some_and(|c| b.starts_with(c)))
                        }
                    })
                });
                out.push(arg.clone());
                found
            }
        };
        // An option's value is left alone, even if it starts with a dash.
        let takes_value = option.is_some_and(|a| {
            a.get_action().takes_values() && a.get_num_args().is_none_or(|n| n.min_values() > 0)
        });
        if value.is_none() && takes_value {
            if let Some((_, v)) = iter.next() {
                out.push(v);
            }
        }
    }
    (out, written)
}

/// The spelling the user wrote for the option `long` (`--pix-fmt`), if another one.
pub fn written(long: &str) -> Option<String> {
    WRITTEN
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .rev()
        .find(|(l, _)| l == long)
        .map(|(_, w)| w.clone())
}

/// The spelling the user wrote for the setting `key` (`pix_fmt` → `--pix-fmt`, or `-pix_fmt`
/// when written so).
pub fn option_for_key(key: &str) -> String {
    let long = format!("--{}", key.replace('_', "-"));
    written(&long).unwrap_or(long)
}

/// Parses the command line, with the other spellings, and errors that name what was
/// written and suggest the nearest option for an unknown one.
pub fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    let (args, rewritten) = rewrite(&cmd, args);
    *WRITTEN.lock().unwrap_or_else(|p| p.into_inner()) = rewritten;
    let result = cmd
        .try_get_matches_from_mut(&args)
        .and_then(|m| Cli::from_arg_matches(&m));
    result.map_err(|mut e| {
        let sub = args
            .iter()
            .filter_map(|a| a.to_str())
            .find_map(|a| cmd.find_subcommand(a));
        if e.kind() == ErrorKind::UnknownArgument {
            if let (Some(sub), Some(ContextValue::String(arg))) =
                (sub, e.get(ContextKind::InvalidArg))
            {
                if let Some(near) = nearest(sub, arg) {
                    e.insert(ContextKind::SuggestedArg, ContextValue::String(near));
                    // Not clap's "to pass it as a value, use '-- -r'".
                    e.remove(ContextKind::Suggested);
                }
            }
        }
        // The option as written (`-pix_fmt <FORMAT>`), not as rewritten (`--pix-fmt`).
        if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
            let long = arg.split([' ', '=']).next().unwrap_or_default().to_string();
            if let Some(w) = written(&long) {
                let renamed = format!("{w}{}", &arg[long.len()..]);
                e.insert(ContextKind::InvalidArg, ContextValue::String(renamed));
            }
        }
        e
    })
}

/// The option of `cmd` nearest to the unknown `arg` (`--fsp` → `--fps`), if one is near
/// enough: at most one edit (swapping two letters is one) in a short name, two or three in
/// longer ones.
fn nearest(cmd: &clap::Command, arg: &str) -> Option<String> {
    let norm = |s: &str| {
        s.trim_start_matches('-')
            .to_ascii_lowercase()
            .replace('_', "-")
    };
    let typed = norm(arg.split('=').next().unwrap_or(arg));
    if typed.chars().count() < 2 {
        return None;
    }
    let map = spellings();
    let mut candidates: Vec<(String, String)> = Vec::new();
    for a in cmd.get_arguments() {
        let Some(long) = a.get_long() else { continue };
        let target = format!("--{long}");
        candidates.push((long.to_string(), target.clone()));
        for alias in a.get_all_aliases().unwrap_or_default() {
            candidates.push((alias.to_string(), target.clone()));
        }
        for (name, to) in &map {
            if *to == target {
                candidates.push((name.clone(), target.clone()));
            }
        }
    }
    let limit = match typed.chars().count() {
        0..=4 => 1,
        5..=8 => 2,
        _ => 3,
    };
    candidates
        .into_iter()
        .map(|(name, target)| (strsim::damerau_levenshtein(&typed, &name), target))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, target)| target)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No other spelling is the name of a different option of any subcommand.
    #[test]
    fn spellings_never_shadow_an_option() {
        let map = spellings();
        let cmd = Cli::command();
        for sub in cmd.get_subcommands() {
            for a in sub.get_arguments() {
                let Some(long) = a.get_long() else { continue };
                if let Some(to) = map.get(long) {
                    assert_eq!(*to, format!("--{long}"), "{} --{long}", sub.get_name());
                }
            }
        }
    }

    fn rewritten(args: &[&str]) -> Vec<String> {
        let args = args.iter().map(OsString::from).collect();
        let (out, _) = rewrite(&Cli::command(), args);
        out.into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn rewrites_only_options() {
        assert_eq!(
            rewritten(&["en", "demo", "-o", "-", "-c:v", "mpeg4", "-q", "-r", "24", "-crf=3"]),
            ["en", "demo", "-o", "-", "--codec", "mpeg4", "-q", "--fps", "24", "-crf=3"]
        );
        // A value is left alone, and so is everything after `--`.
        assert_eq!(
            rewritten(&["en", "demo", "--metadata", "-crf", "--", "-crf"]),
            ["en", "demo", "--metadata", "-crf", "--", "-crf"]
        );
        assert_eq!(
            rewritten(&["en", "demo", "--pix_fmt=yuv444p", "-preset", "fast"]),
            ["en", "demo", "--pix-fmt=yuv444p", "--preset", "fast"]
        );
    }
}
