//! The tags' part of the plan: which keys each container stores, the display rotation, and
//! the `encoder` tag every file gets. A key a container cannot store is refused, never
//! dropped.

use crate::config::{Container, Metadata, TagScope, ENCODER_TAG, STREAM_KEYS};
use crate::error::{Error, Result};

/// The file tags AVI's RIFF INFO list stores (FFmpeg's names for its four-letter keys).
const AVI_KEYS: &[&str] = &[
    "artist",
    "comment",
    "copyright",
    "date",
    "genre",
    "language",
    "title",
    "album",
    "track",
    "encoder",
    "encoded_by",
];

/// The file tags MPEG-TS stores (its service description).
const TS_KEYS: &[&str] = &["title", "service_name", "service_provider"];

/// The keys MP4's own atoms store; any other key needs its `mdta` key list
/// (`use_metadata_tags`).
const MP4_KEYS: &[&str] = &[
    "title",
    "artist",
    "author",
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
    "location",
];

/// The file tags `container` stores: `None` for any key.
fn file_keys(container: Container) -> Option<&'static [&'static str]> {
    match container {
        Container::Mp4 | Container::Mov | Container::Mkv | Container::Webm => None,
        Container::Avi => Some(AVI_KEYS),
        Container::Ts => Some(TS_KEYS),
        _ => Some(&[]),
    }
}

/// The stream tags `container` stores.
fn stream_keys(container: Container) -> &'static [&'static str] {
    match container {
        Container::Mp4 | Container::Mov => &["language", "title", "handler_name"],
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
                _ => stream_keys(c).contains(&tag.key.as_str()),
            };
            if !stored {
                let keys = match tag.scope {
                    TagScope::File => file_keys(c).unwrap_or(&[]),
                    _ => stream_keys(c),
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
            if c.is_mp4_family()
                && tag.scope == TagScope::File
                && !MP4_KEYS.contains(&tag.key.as_str())
            {
                plan.mdta = true;
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
        let has_encoder = plan.file.iter().any(|(k, _)| k == "encoder");
        if !has_encoder && file_keys(c).is_none_or(|keys| keys.contains(&"encoder")) {
            plan.file.push(("encoder".into(), ENCODER_TAG.into()));
        }
    }
    Ok(plan)
}

/// Three ASCII letters.
fn is_language(v: &str) -> bool {
    v.len() == 3 && v.bytes().all(|b| b.is_ascii_lowercase())
}
