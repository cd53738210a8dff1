//! The tags' part of the plan: which keys each container stores, the display rotation, and
//! the `encoder` tag every file gets. A key a container cannot store is refused, never
//! dropped.

use crate::config::{Container, Metadata, TagScope, ENCODER_TAG, STREAM_KEYS};
use crate::error::{Error, Result};

/// The file tags AVI's RIFF INFO list stores and FFmpeg reads back under the same key (it
/// writes `album` and `encoder` but reads them back as `product` and `software`: refused).
const AVI_KEYS: &[&str] = &[
    "artist",
    "comment",
    "copyright",
    "date",
    "genre",
    "language",
    "title",
    "track",
    "encoded_by",
];

/// The file tags MPEG-TS stores (its service description). A `title` would be stored as the
/// service name and read back as `service_name`: refused, so that every tag accepted reads
/// back under its own key.
const TS_KEYS: &[&str] = &["service_name", "service_provider"];

/// The keys MP4's own atoms store; any other key needs its `mdta` key list
/// (`use_metadata_tags`).
const MP4_KEYS: &[&str] = &[
    "title",
    "artist",
    "album_artist",
    "album",
    "comment",
    "genre",
    "copyright",
    "composer",
    "date",
    "encoder",
    "description",
    "synopsis",
    "show",
    "episode_id",
    "network",
    "lyrics",
    "grouping",
    "track",
    "disc",
    "keywords",
    "creation_time",
];

/// The keys MOV's QuickTime user data stores and reads back (checked against the linked
/// FFmpeg by the tests); any other key needs its `mdta` key list, as in MP4.
const MOV_KEYS: &[&str] = &[
    "title",
    "artist",
    "album",
    "date",
    "encoder",
    "comment",
    "genre",
    "copyright",
    "make",
    "model",
    "location",
];

/// Whether file tag `key` in `container` needs MP4/MOV's `mdta` key list
/// (`movflags use_metadata_tags`): a key that its own atoms (MP4's iTunes list, MOV's
/// QuickTime user data) do not store.
pub(crate) fn needs_mdta(container: Container, key: &str) -> bool {
    match container {
        Container::Mov => !MOV_KEYS.contains(&key) && key != "encoding_tool",
        Container::Mp4 => !MP4_KEYS.contains(&key) && key != "encoding_tool",
        _ => false,
    }
}

/// The file tags `container` stores: `None` for any key.
fn file_keys(container: Container) -> Option<&'static [&'static str]> {
    match container {
        Container::Mp4 | Container::Mov | Container::Mkv | Container::Webm => None,
        Container::Avi => Some(AVI_KEYS),
        Container::Ts => Some(TS_KEYS),
        _ => Some(&[]),
    }
}

/// The stream tags `container` stores for streams of `scope`.
fn stream_keys(container: Container, scope: TagScope) -> &'static [&'static str] {
    match container {
        // MPEG-TS carries a language for sound (its ISO 639 descriptor), not for video.
        Container::Ts if scope == TagScope::Video => &[],
        // movenc writes no track title that its demuxer (or another reader) reads back.
        Container::Mp4 | Container::Mov => &["language", "handler_name"],
        Container::Mkv | Container::Webm => &["language", "title"],
        Container::Avi => &["title"],
        Container::Ts => &["language"],
        _ => &[],
    }
}

/// The tags as written: what was given, checked against `container`, and the `encoder` tag
/// where the container stores one and none was given.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct TagPlan {
    pub(crate) file: Vec<(String, String)>,
    pub(crate) video: Vec<(String, String)>,
    pub(crate) audio: Vec<(String, String)>,
    pub(crate) rotation: u16,
    /// MP4/MOV need `use_metadata_tags` for a key of their own.
    pub(crate) mdta: bool,
}

/// Checks `metadata` for `container` (`None`: not known yet, only what needs no container).
pub(crate) fn resolve(
    metadata: &Metadata,
    container: Option<Container>,
    has_audio: bool,
) -> Result<TagPlan> {
    if !matches!(metadata.rotation, 0 | 90 | 180 | 270) {
        return Err(Error::config(
            "rotate",
            metadata.rotation,
            "0, 90, 180 or 270 degrees",
        ));
    }
    let mut plan = TagPlan {
        rotation: metadata.rotation,
        ..TagPlan::default()
    };
    for tag in &metadata.tags {
        let shown = match tag.scope {
            TagScope::File => tag.key.clone(),
            TagScope::Video => format!("s:v:{}", tag.key),
            TagScope::Audio => format!("s:a:{}", tag.key),
        };
        if tag.scope != TagScope::File {
            if !STREAM_KEYS.contains(&tag.key.as_str()) {
                return Err(Error::config(
                    "metadata",
                    &shown,
                    format!("a stream tag: {}", STREAM_KEYS.join(", ")),
                ));
            }
            if tag.key == "language" && !is_language(&tag.value) {
                return Err(Error::config(
                    "metadata",
                    format!("{shown}={}", tag.value),
                    "a three-letter ISO 639-2 language code, such as eng, fra or deu",
                ));
            }
        }
        if tag.scope == TagScope::Audio && !has_audio {
            return Err(Error::config(
                "metadata",
                &shown,
                "a soundtrack to tag (audio=FILE, or sample_rate for samples)",
            ));
        }
        if let Some(c) = container {
            let stored = match tag.scope {
                TagScope::File => file_keys(c).is_none_or(|keys| keys.contains(&tag.key.as_str())),
                scope => stream_keys(c, scope).contains(&tag.key.as_str()),
            };
            if !stored {
                let keys = match tag.scope {
                    TagScope::File => file_keys(c).unwrap_or(&[]),
                    scope => stream_keys(c, scope),
                };
                return Err(Error::config(
                    "metadata",
                    &shown,
                    if keys.is_empty() {
                        format!("no tags of this kind: {} stores none", c.name())
                    } else {
                        format!("a key {} stores: {}", c.name(), keys.join(", "))
                    },
                ));
            }
            if tag.scope == TagScope::File && needs_mdta(c, &tag.key) {
                plan.mdta = true;
            }
            // MP4's track and disc atoms hold numbers: movenc drops any other value.
            if c.is_mp4_family()
                && tag.scope == TagScope::File
                && matches!(tag.key.as_str(), "track" | "disc")
                && !is_position(&tag.value)
            {
                return Err(Error::config(
                    "metadata",
                    format!("{shown}={}", tag.value),
                    format!(
                        "a number, or number/total (3 or 3/12): {} stores only those",
                        c.name()
                    ),
                ));
            }
        }
        let list = match tag.scope {
            TagScope::File => &mut plan.file,
            TagScope::Video => &mut plan.video,
            TagScope::Audio => &mut plan.audio,
        };
        list.retain(|(k, _)| k != &tag.key);
        list.push((tag.key.clone(), tag.value.clone()));
    }
    if let Some(c) = container {
        if plan.rotation != 0 && !c.is_mp4_family() {
            return Err(Error::config(
                "rotate",
                plan.rotation,
                format!(
                    "0 for {}: the linked FFmpeg stores a display rotation only in mp4 and mov",
                    c.name()
                ),
            ));
        }
        // Every container with an encoding-software tag gets encode-native's (AVI's reads
        // back as `software`).
        let has_encoder = plan.file.iter().any(|(k, _)| k == "encoder");
        let stores =
            c == Container::Avi || file_keys(c).is_none_or(|keys| keys.contains(&"encoder"));
        if !has_encoder && stores {
            plan.file.push(("encoder".into(), ENCODER_TAG.into()));
        }
    }
    Ok(plan)
}

/// `N` or `N/M`, decimal numbers that fit MP4's 16-bit fields.
fn is_position(v: &str) -> bool {
    let number = |p: &str| {
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok()
    };
    match v.split_once('/') {
        Some((n, m)) => number(n) && number(m),
        None => number(v),
    }
}

/// Three ASCII letters.
fn is_language(v: &str) -> bool {
    v.len() == 3 && v.bytes().all(|b| b.is_ascii_lowercase())
}
