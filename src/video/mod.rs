//! The video track: the pushed pictures converted to the encoder's pixel format (`convert`,
//! with `quantize` for GIF's palettes) and encoded (`encode`); the encoder hands the output a
//! [`StreamSpec`](crate::output::stream::StreamSpec) and its packets.

pub(crate) mod convert;
pub(crate) mod encode;
pub(crate) mod filter;
#[cfg(feature = "gif")]
pub(crate) mod quantize;
