//! The names of the encoders and of the coding formats they write.
//!
//! What each encoder can do (its pixel formats, containers and rules) is the encoder table in
//! `codec/`; here are only the names, so that a configuration can say which one it wants.

named_enum! {
    /// The encoder that makes the video stream, by FFmpeg's name for it (as `ffmpeg -c:v`
    /// takes). The coding format it produces is its [`VideoCodec`]; `h264` names libx264, the
    /// one H.264 encoder encode-native drives.
    #[derive(Default)]
    pub enum Encoder ("codec") {
        /// H.264 through libx264 (the default; plays everywhere).
        #[default]
        Libx264 = ["libx264", "x264", "h264", "avc1"],
        /// H.264 of RGB pictures through libx264rgb (lossless with crf 0).
        Libx264rgb = ["libx264rgb", "x264rgb"],
        /// MPEG-4 Part 2, what OpenCV's `mp4v` fourcc writes; yuv420p only.
        Mpeg4 = ["mpeg4", "mp4v"],
        /// Microsoft MPEG-4 version 3 (DivX 3), what a `.wmv` gets by default from ffmpeg,
        /// imageio and PowerPoint-minded tools; yuv420p only.
        Msmpeg4 = ["msmpeg4", "msmpeg4v3", "mp43", "div3"],
        /// Motion JPEG, what OpenCV's `MJPG` fourcc writes: every frame a JPEG (full range).
        Mjpeg = ["mjpeg", "mjpg"],
        /// HEVC / H.265 through libx265: about half the size of H.264 at the same quality.
        Libx265 = ["libx265", "x265", "hevc", "h265"],
        /// AV1 through SVT-AV1, the default AV1 encoder: small files, plays in browsers.
        Libsvtav1 = ["libsvtav1", "svtav1", "av1"],
        /// AV1 through libaom (slower than SVT-AV1; 4:2:2 and 4:4:4).
        LibaomAv1 = ["libaom-av1", "libaom", "aom"],
        /// AV1 through rav1e.
        Librav1e = ["librav1e", "rav1e"],
        /// VP9 through libvpx: web video without licence questions, alpha in WebM.
        LibvpxVp9 = ["libvpx-vp9", "libvpx", "vp9"],
        /// Apple ProRes through FFmpeg's prores_ks: editing, alpha with 4444.
        ProresKs = ["prores_ks", "prores"],
        /// FFV1: lossless, for archives and science data.
        Ffv1 = ["ffv1"],
        /// Animated PNG: lossless, with transparency.
        Apng = ["apng"],
        /// Animated WebP through libwebp: quality 0–100 (`crf`), or lossless.
        LibwebpAnim = ["libwebp_anim", "libwebp", "webp"],
        /// GIF: 256-colour palettes made from the frames, Floyd–Steinberg dithering.
        Gif = ["gif"],
    }
}

named_enum! {
    /// A video coding format: what a decoder needs, whichever encoder made it.
    pub enum VideoCodec ("video_codec") {
        /// H.264 / AVC.
        H264 = ["h264", "avc"],
        /// MPEG-4 Part 2 (Visual).
        Mpeg4 = ["mpeg4"],
        /// Microsoft MPEG-4 version 3.
        Msmpeg4v3 = ["msmpeg4v3"],
        /// Motion JPEG.
        Mjpeg = ["mjpeg"],
        /// HEVC / H.265.
        Hevc = ["hevc", "h265"],
        /// AV1.
        Av1 = ["av1"],
        /// VP9.
        Vp9 = ["vp9"],
        /// Apple ProRes.
        Prores = ["prores"],
        /// FFV1 (lossless).
        Ffv1 = ["ffv1"],
        /// Animated PNG.
        Apng = ["apng"],
        /// WebP.
        Webp = ["webp"],
        /// GIF.
        Gif = ["gif"],
    }
}
