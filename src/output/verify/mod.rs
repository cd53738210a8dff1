//! What a damaged file still holds, checked rather than assumed.
//!
//! [`Extent`] (`layout`) decides how much of a file libavformat may read; [`Verified`]
//! (`verified`) then hands out packets in decode order only while each is complete and decodes
//! without any error; [`check_segment`] (`segment`) is the quicker check `concat` makes of a
//! finished file.

mod layout;
mod segment;
mod verified;

pub(crate) use layout::Extent;
pub(crate) use segment::check_segment;
pub(crate) use verified::Verified;
