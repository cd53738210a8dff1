//! The READMEs' generated regions, rendered from the library's tables and this command line's
//! own definition, and checked against the files: a setting, an encoder, a container or an
//! option added or changed without its README text makes `cargo test readme` fail.
//!
//! A region is the text between `<!-- generated:NAME ... -->` and `<!-- end generated:NAME -->`.
//! `EN_UPDATE_README=1 cargo test readme` rewrites every region from the tables. Columns that
//! only people can write (what an encoder is good for) are kept from the README by their row's
//! key, and a row without one fails the test.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use encode_native::{AudioEncoder, Container, Encoder, EncoderConfig, Setting, SettingKind};

use encode_native::cli::Cli;

/// One column of a generated table: its title and how a row's cell is made.
type Column<T> = (&'static str, fn(&T) -> String);

/// A Markdown table of `rows`, one line per row.
fn table<T>(columns: &[Column<T>], rows: &[T]) -> String {
    let line = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    let mut out = line(columns.iter().map(|(t, _)| t.to_string()).collect());
    out += &line(columns.iter().map(|_| "---".to_string()).collect());
    for row in rows {
        out += &line(columns.iter().map(|(_, f)| cell(&f(row))).collect());
    }
    out
}

/// Text as one table cell: on one line, `|` escaped.
fn cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// `a`, `b`, `c` as code spans.
fn code_list<'a>(names: impl IntoIterator<Item = &'a str>, sep: &str) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// Choices longer than this are left to their own table (the encoders, the containers).
const MAX_CHOICES: usize = 12;

// ---------------------------------------------------------------------------------------------
// The regions

/// `settings`: every setting [`EncoderConfig::set`] takes.
fn settings() -> String {
    let columns: &[Column<Setting>] = &[
        ("key", |s| format!("`{}`", s.key)),
        ("also", |s| code_list(s.aliases.iter().copied(), ", ")),
        ("value", |s| value_of(s, " ")),
        ("default", |s| {
            if s.default.is_empty() {
                String::new()
            } else {
                format!("`{}`", s.default)
            }
        }),
        ("what it does", |s| {
            let per: Vec<String> = s
                .per_encoder()
                .iter()
                .map(|(e, text)| format!("`{e}` {text}"))
                .collect();
            if per.is_empty() {
                s.help.to_string()
            } else {
                format!("{}: {}", s.help, per.join("; "))
            }
        }),
    ];
    table(columns, EncoderConfig::settings())
}

/// What a setting takes: its choices, or its value's placeholder.
fn value_of(s: &Setting, sep: &str) -> String {
    if s.kind == SettingKind::Switch {
        "`true`/`false`".to_string()
    } else {
        match s.key {
            // Listed with what each one takes in the encoder and container tables.
            "codec" => "an encoder, see [encoders](encoders.md)".to_string(),
            "format" => "a container, see [containers](containers.md)".to_string(),
            "pix_fmt" => "the encoder's, see [encoders](encoders.md)".to_string(),
            _ if !s.choices.is_empty() && s.choices.len() <= MAX_CHOICES => {
                code_list(s.choices.iter().copied(), sep)
            }
            _ => s.value_name.to_string(),
        }
    }
}

/// `encoders`: the encoder table; `good for` is written by hand and kept by encoder.
fn encoders(readme: &str) -> Result<String, String> {
    let notes = kept_column(readme, "encoders")?;
    let columns: &[Column<Encoder>] = &[
        ("encoder", |e| format!("`{e}`")),
        ("codec", |e| e.codec().to_string()),
        ("also named", |e| {
            code_list(e.aliases().iter().copied(), ", ")
        }),
        ("pixel formats", |e| {
            e.info()
                .pixel_formats
                .iter()
                .map(|p| p.name())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        ("containers", |e| {
            e.info()
                .containers
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        ("licence", |e| e.info().license.to_string()),
    ];
    let mut out = String::new();
    let mut missing = Vec::new();
    for line in table(columns, Encoder::ALL).lines() {
        let key = line.split('|').nth(1).unwrap_or("").trim();
        let note = match key {
            "encoder" => "good for",
            "---" => "---",
            _ => notes.get(key).map(String::as_str).unwrap_or_else(|| {
                missing.push(key.to_string());
                ""
            }),
        };
        out += &format!("{line} {note} |\n");
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "docs/reference/encoders.md's encoder table has no 'good for' text for {}: write it in the table's last column",
            missing.join(", ")
        ))
    }
}

/// `audio-encoders`: the audio encoder table (the rows `encode-native info` prints).
fn audio_encoders() -> String {
    let columns: &[Column<AudioEncoder>] = &[
        ("encoder", |e| format!("`{e}`")),
        ("codec", |e| e.info().codec.to_string()),
        ("also named", |e| {
            code_list(e.aliases().iter().copied(), ", ")
        }),
        ("sample rates", |e| {
            let info = e.info();
            match (info.rates.iter().min(), info.rates.iter().max()) {
                (Some(lo), Some(hi)) => format!("{lo}–{hi} Hz ({} rates)", info.rates.len()),
                _ => format!("up to {} Hz", info.max_rate),
            }
        }),
        ("channels", |e| format!("1–{}", e.info().max_channels)),
        ("bitrate per channel", |e| {
            match e.info().bitrate_per_channel {
                Some((lo, hi)) => match e.info().max_bitrate {
                    Some(max) => format!("{lo}–{hi} bit/s, at most {max} in all"),
                    None => format!("{lo}–{hi} bit/s"),
                },
                None => String::new(),
            }
        }),
        ("lossless", |e| {
            if e.info().lossless { "yes" } else { "no" }.to_string()
        }),
        ("containers", |e| {
            e.info()
                .containers
                .iter()
                .map(|c| c.name())
                .collect::<Vec<_>>()
                .join(", ")
        }),
        ("default for", |e| {
            let of: Vec<&str> = Container::ALL
                .iter()
                .filter(|&&c| AudioEncoder::default_for(c) == Some(*e))
                .map(|c| c.name())
                .collect();
            of.join(", ")
        }),
    ];
    table(columns, AudioEncoder::ALL)
}

/// `containers`: the container table.
/// The first sentence of a Rust file's module documentation (its `//!` lines), on one line.
fn module_summary(path: &Path) -> String {
    let text = read(path);
    let doc: Vec<&str> = text
        .lines()
        .take_while(|l| l.starts_with("//!"))
        .map(|l| l.trim_start_matches("//!").trim())
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = doc.join(" ");
    let sentence = match joined.find(". ") {
        Some(i) => &joined[..=i],
        None => joined.as_str(),
    };
    without_links(sentence).replace('|', "\\|")
}

/// Rustdoc's intra-doc links (`` [`X`](path) `` and `` [`X`] ``) as plain code spans: the
/// README is also the crate's front page, where a link to a private item would not resolve.
fn without_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("[`") {
        out += &rest[..open];
        let Some(close) = rest[open..].find("`]") else {
            break;
        };
        out += &rest[open + 1..open + close + 1];
        rest = &rest[open + close + 2..];
        if rest.starts_with('(') {
            rest = rest.find(')').map_or("", |end| &rest[end + 1..]);
        }
    }
    out + rest
}

/// Markdown links (`[text](target)`) as their text: python/README.md is also the wheel's
/// description on package indexes, where the site's relative links lead nowhere.
fn without_md_links(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(mid) = rest.find("](") {
        let (Some(open), Some(close)) = (rest[..mid].rfind('['), rest[mid..].find(')')) else {
            break;
        };
        out += &rest[..open];
        out += &rest[open + 1..mid];
        rest = &rest[mid + close + 1..];
    }
    out + rest
}

/// The source layout: every module of the library under `src/` (a file, or a folder with its
/// files), with the first sentence of its own documentation, so that the table follows the
/// tree.
fn source_layout() -> String {
    let src = root().join("src");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "lib.rs" && n != "bin"))
        .collect();
    entries.sort();
    let mut out = String::from("| path | what it holds |\n|---|---|\n");
    for path in entries {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            let mut files: Vec<String> = std::fs::read_dir(&path)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .filter(|n| n != "mod.rs")
                .map(|n| {
                    if path.join(&n).is_dir() {
                        format!("{n}/")
                    } else {
                        n
                    }
                })
                .collect();
            files.sort();
            let own = path.join("mod.rs");
            let own = if own.exists() {
                own
            } else {
                src.join(format!("{name}.rs"))
            };
            let list: Vec<String> = files.iter().map(|f| format!("`{f}`")).collect();
            out += &format!(
                "| `src/{name}/` | {} ({}) |\n",
                module_summary(&own),
                list.join(", ")
            );
        } else if !src.join(name.trim_end_matches(".rs")).is_dir() {
            out += &format!("| `src/{name}` | {} |\n", module_summary(&path));
        }
    }
    out
}

fn containers() -> String {
    let columns: &[Column<Container>] = &[
        ("container", |c| format!("`{c}`")),
        ("also named", |c| {
            code_list(c.aliases().iter().copied(), ", ")
        }),
        ("muxer", |c| format!("`{}`", c.muxer())),
        ("MIME type", |c| format!("`{}`", c.mime())),
        ("in a browser", |c| match c.browser_element() {
            Some(b) => format!("`<{}>`", b.tag()),
            None => "no".to_string(),
        }),
        ("default encoder", |c| format!("`{}`", c.default_encoder())),
        ("encoders", |c| {
            let fits = Encoder::ALL
                .iter()
                .filter(|e| e.info().containers.contains(c));
            fits.map(|e| e.name()).collect::<Vec<_>>().join(", ")
        }),
        ("write-only streams", |c| {
            if c.needs_seeking() {
                "no (seeks back)"
            } else {
                "yes"
            }
            .to_string()
        }),
    ];
    table(columns, Container::ALL)
}

/// The options of an encoding subcommand under its `Output` heading, as clap defines them.
fn output_options() -> Vec<clap::Arg> {
    let mut cli = Cli::command();
    // Built, so that every argument has its number of values and value names.
    cli.build();
    let demo = cli.find_subcommand("demo").expect("demo subcommand");
    demo.get_arguments()
        .filter(|a| a.get_help_heading() == Some("Output"))
        .cloned()
        .collect()
}

/// `cli-options`: every output option of the encoding subcommands, from the command line's
/// definition (whose setting options come from [`EncoderConfig::settings`]).
fn cli_options() -> String {
    arg_table(&output_options())
}

/// A table of command-line arguments: how each is written, its values, what it does.
fn arg_table(args: &[clap::Arg]) -> String {
    let columns: &[Column<clap::Arg>] = &[
        ("option", |a| {
            let mut names = Vec::new();
            if let Some(s) = a.get_short() {
                names.push(format!("-{s}"));
            }
            if let Some(l) = a.get_long() {
                names.push(format!("--{l}"));
            }
            if a.is_positional() {
                let value = a
                    .get_value_names()
                    .map(|v| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
                    .unwrap_or_else(|| a.get_id().as_str().to_uppercase());
                let many = a.get_num_args().is_some_and(|n| n.max_values() > 1);
                let dots = if many { "..." } else { "" };
                return if a.is_required_set() {
                    format!("`{value}{dots}`")
                } else {
                    format!("`[{value}{dots}]`")
                };
            }
            let takes_value = a.get_num_args().is_some_and(|n| n.takes_values());
            let mut text = names.join(", ");
            if takes_value {
                let value = a
                    .get_value_names()
                    .map(|v| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
                    .unwrap_or_default();
                let optional = a.get_num_args().is_some_and(|n| n.min_values() == 0);
                text += &if optional {
                    format!(" [{value}]")
                } else {
                    format!(" {value}")
                };
            }
            format!("`{text}`")
        }),
        ("values", |a| {
            let setting = a
                .get_long()
                .and_then(|l| EncoderConfig::setting(l).ok())
                .filter(|s| s.key == a.get_id().as_str());
            match setting {
                Some(s) if s.kind == SettingKind::Switch => String::new(),
                Some(s) if value_of(s, ", ") == s.value_name => String::new(),
                Some(s) => value_of(s, ", "),
                None if !a.get_action().takes_values() => String::new(),
                None => {
                    let values = a.get_possible_values();
                    let names = values
                        .iter()
                        .filter(|v| !v.is_hide_set())
                        .map(|v| v.get_name());
                    code_list(names, ", ")
                }
            }
        }),
        ("what it does", |a| {
            a.get_help().map(|h| h.to_string()).unwrap_or_default()
        }),
    ];
    table(columns, args)
}

/// `cli-reference`: every subcommand with every argument it takes, from the command line's
/// definition, so that the reference cannot miss an option.
fn cli_reference() -> String {
    let mut cli = Cli::command();
    cli.build();
    let mut out = String::new();
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        out += &format!("### `encode-native {name}`\n\n");
        let about = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|h| h.to_string())
            .unwrap_or_default();
        if !about.is_empty() {
            out += &format!("{}\n\n", about.trim());
        }
        let args: Vec<clap::Arg> = sub
            .get_arguments()
            .filter(|a| !a.is_hide_set() && !matches!(a.get_id().as_str(), "help" | "version"))
            .cloned()
            .collect();
        let mut headings: Vec<Option<&str>> = Vec::new();
        for a in &args {
            if !headings.contains(&a.get_help_heading()) {
                headings.push(a.get_help_heading());
            }
        }
        for heading in headings {
            let group: Vec<clap::Arg> = args
                .iter()
                .filter(|a| a.get_help_heading() == heading)
                .cloned()
                .collect();
            if let Some(h) = heading {
                out += &format!("{h}:\n\n");
            }
            out += &arg_table(&group);
            out += "\n";
        }
    }
    out
}

/// `subcommands`: the command line's subcommands.
fn subcommands() -> String {
    let cli = Cli::command();
    let subs: Vec<clap::Command> = cli.get_subcommands().cloned().collect();
    let columns: &[Column<clap::Command>] = &[
        ("subcommand", |c| {
            format!("`encode-native {}`", c.get_name())
        }),
        ("what it does", |c| {
            c.get_about().map(|h| h.to_string()).unwrap_or_default()
        }),
    ];
    table(columns, &subs)
}

/// `python-keywords` (python/README.md): the keyword arguments, one per setting.
fn python_keywords() -> String {
    let mut out = String::new();
    for s in EncoderConfig::settings() {
        let value = match s.kind {
            SettingKind::Switch => "`True`/`False`".to_string(),
            SettingKind::Repeated => {
                // The example as a dict entry: `aq-mode=2` is `{"aq-mode": 2}`, `title=Demo`
                // is `{"title": "Demo"}`.
                let (k, v) = s.example.split_once('=').unwrap_or((s.example, ""));
                let v = if v.parse::<f64>().is_ok() {
                    v.to_string()
                } else {
                    format!("\"{v}\"")
                };
                format!(
                    "a dict such as `{{\"{k}\": {v}}}`, or a list of `{}`",
                    s.value_name
                )
            }
            _ => value_of(s, ", "),
        };
        out += &format!("- `{}` ({}): {}\n", s.key, value, s.help);
    }
    out
}

/// `python` / `python-dask` (README.md): `file`, without its title, one heading level down,
/// its own generated markers left out.
fn embedded(file: &str) -> String {
    embedded_at(file, 1)
}

/// `file` without its title, its headings `shift` levels down, its own generated markers left
/// out.
fn embedded_at(file: &str, shift: usize) -> String {
    let mut out = String::new();
    let mut fenced = false;
    let mut lines = file.lines().peekable();
    // The title and the blank line after it.
    if lines.peek().is_some_and(|l| l.starts_with("# ")) {
        lines.next();
        if lines.peek() == Some(&"") {
            lines.next();
        }
    }
    for line in lines {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if line.starts_with("<!-- generated:") || line.starts_with("<!-- end generated:") {
            continue;
        }
        if !fenced && line.starts_with('#') {
            out += &"#".repeat(shift);
        }
        out += line;
        out.push('\n');
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Regions in files

/// The text of region `name` in `text`, between its markers.
fn region<'a>(text: &'a str, name: &str) -> Result<&'a str, String> {
    let begin = format!("<!-- generated:{name} ");
    let end = format!("<!-- end generated:{name} -->");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no '{begin}...-->' marker"))?;
    let body = start + text[start..].find("-->\n").ok_or("unclosed marker")? + 4;
    let stop = text[body..]
        .find(&end)
        .ok_or_else(|| format!("no '{end}' marker"))?;
    Ok(&text[body..body + stop])
}

/// `text` with region `name`'s text replaced by `body`.
fn replace(text: &str, name: &str, body: &str) -> Result<String, String> {
    let old = region(text, name)?;
    let start = old.as_ptr() as usize - text.as_ptr() as usize;
    Ok(format!(
        "{}{body}{}",
        &text[..start],
        &text[start + old.len()..]
    ))
}

/// The hand-written last column of the table in region `name`, by the row's first cell.
fn kept_column(text: &str, name: &str) -> Result<HashMap<String, String>, String> {
    let mut kept = HashMap::new();
    for line in region(text, name)?.lines().skip(2) {
        let cells = split_row(line);
        if let (Some(first), Some(last)) = (cells.first(), cells.last()) {
            if cells.len() > 1 && !last.is_empty() {
                kept.insert(first.clone(), last.clone());
            }
        }
    }
    Ok(kept)
}

/// A table row's cells, trimmed (an escaped `\|` stays in its cell).
fn split_row(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for ch in inner.chars() {
        match ch {
            '|' if !escaped => cells.push(String::new()),
            _ => cells.last_mut().unwrap().push(ch),
        }
        escaped = ch == '\\';
    }
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The lines that differ between `old` and `new`, for the failure message.
fn difference(old: &str, new: &str) -> String {
    let old_lines: Vec<&str> = old.lines().collect();
    let new_lines: Vec<&str> = new.lines().collect();
    let mut out = String::new();
    for l in old_lines.iter().filter(|l| !new_lines.contains(l)).take(10) {
        out += &format!("  - {l}\n");
    }
    for l in new_lines.iter().filter(|l| !old_lines.contains(l)).take(10) {
        out += &format!("  + {l}\n");
    }
    out
}

/// Renders every region of `path` with `render` (region name, the file's text → its new text)
/// and compares, or rewrites the file under `EN_UPDATE_README=1`.
fn check(path: &Path, names: &[&str], render: impl Fn(&str, &str) -> Result<String, String>) {
    let text = read(path);
    let mut expected = text.clone();
    let mut stale = Vec::new();
    for name in names {
        let body =
            render(name, &text).unwrap_or_else(|e| panic!("{}: {name}: {e}", path.display()));
        let current = region(&text, name).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if current != body {
            stale.push(format!("region '{name}':\n{}", difference(current, &body)));
        }
        expected = replace(&expected, name, &body).unwrap();
    }
    if stale.is_empty() {
        return;
    }
    if std::env::var_os("EN_UPDATE_README").is_some() {
        std::fs::write(path, expected).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    panic!(
        "{} is out of date with the library's tables (- README, + the tables):\n{}\nregenerate with EN_UPDATE_README=1 cargo test readme",
        path.display(),
        stale.join("\n")
    );
}

/// python/README.md's regions.
fn check_python_readme() {
    check(
        &root().join("python/README.md"),
        &["python-keywords"],
        |name, _| match name {
            "python-keywords" => Ok(without_md_links(&python_keywords())),
            _ => unreachable!(),
        },
    );
}

/// The documentation site's pages with generated regions, and the generator of each region.
#[test]
fn readme_is_current() {
    // python/README.md first, so that its regions are current when they are copied.
    check_python_readme();
    let python = read(&root().join("python/README.md"));
    let dask = read(&root().join("python/README-dask.md"));
    let docs = root().join("docs");
    check(
        &docs.join("reference/settings.md"),
        &["settings"],
        |_, _| Ok(settings()),
    );
    check(
        &docs.join("reference/cli.md"),
        &["subcommands", "cli-options", "cli-reference"],
        |name, _| match name {
            "subcommands" => Ok(subcommands()),
            "cli-options" => Ok(cli_options()),
            "cli-reference" => Ok(cli_reference()),
            _ => unreachable!(),
        },
    );
    check(
        &docs.join("reference/encoders.md"),
        &["encoders", "audio-encoders"],
        |name, text| match name {
            "encoders" => encoders(text),
            "audio-encoders" => Ok(audio_encoders()),
            _ => unreachable!(),
        },
    );
    check(
        &docs.join("reference/containers.md"),
        &["containers"],
        |_, _| Ok(containers()),
    );
    check(
        &docs.join("reference/python-keywords.md"),
        &["python-keywords"],
        |_, _| Ok(python_keywords()),
    );
    check(
        &docs.join("getting-started/python.md"),
        &["python"],
        |_, _| Ok(embedded_at(&python, 0)),
    );
    check(&docs.join("guides/dask.md"), &["python-dask"], |_, _| {
        Ok(embedded_at(&dask, 0))
    });
    check(
        &docs.join("development/source-layout.md"),
        &["source-layout"],
        |_, _| Ok(source_layout()),
    );
}

#[test]
fn readme_regions_work() {
    let text = "a\n<!-- generated:x (how) -->\nold\n<!-- end generated:x -->\nb\n";
    assert_eq!(region(text, "x").unwrap(), "old\n");
    let new = replace(text, "x", "new\nlines\n").unwrap();
    assert_eq!(
        new,
        "a\n<!-- generated:x (how) -->\nnew\nlines\n<!-- end generated:x -->\nb\n"
    );
    assert!(region(text, "y").is_err());
    assert_eq!(split_row("| `a` | b \\| c | d |"), ["`a`", "b \\| c", "d"]);
    assert_eq!(
        without_links("a [`X`](crate::x::X) and [`y`] b"),
        "a `X` and `y` b"
    );
    assert_eq!(
        without_md_links("[x] a, see [encoders](encoders.md) [b]"),
        "[x] a, see encoders [b]"
    );
    let md = "# T\n\nx\n## H\n```py\n# c\n```\n<!-- generated:k -->\n";
    assert_eq!(embedded(md), "x\n### H\n```py\n# c\n```\n");
}
