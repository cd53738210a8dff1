//! Muxing and where the bytes go: libavformat (`mux`), the destinations (`sink`), and the
//! MP4 index mover for in-memory output (`faststart`).

pub(crate) mod concat;
pub(crate) mod copy;
pub(crate) mod delivery;
pub(crate) mod faststart;
pub(crate) mod mux;
pub(crate) mod partial;
pub(crate) mod sink;
pub(crate) mod stream;
pub(crate) mod verify;

pub use concat::Concatenated;
pub use copy::CopiedAudio;
pub use mux::{FragmentCallback, FragmentInfo};
pub use partial::{
    finishing_path, partial_path, recover, Recovered, FINISHING_SUFFIX, PARTIAL_SUFFIX,
};
pub use sink::{Destination, MemoryBuffer, WriteSeek};
