"""Every codec by the same names as the library and the command line: the keyword arguments
go to the library's settings, so the package has no codec code of its own. Each output is
decoded with PyAV (animated WebP, which FFmpeg cannot decode, with Pillow)."""

from __future__ import annotations

import io

import numpy as np
import pytest

import encode_native as en
from encode_native import _settings

from conftest import blocks, decode

H, W, N = 64, 96, 12

# (codec name, file extension, extra settings, decoder's codec name, least PSNR or None)
CASES = [
    ("h264", "mp4", {}, "h264", 30),
    ("libx264rgb", "mkv", {"crf": 0}, "h264", None),
    ("mpeg4", "avi", {}, "mpeg4", 28),
    ("hevc", "mp4", {"preset": "ultrafast"}, "hevc", 30),
    ("libx265", "mkv", {"pix_fmt": "yuv420p10le", "preset": "ultrafast"}, "hevc", None),
    # Preset 8: SVT-AV1 3.x's fastest presets (11-13) code one of these frames at 19 dB
    # whatever the crf (1.4's at 28 dB or more); 8 gives 40 dB or more with both.
    ("av1", "webm", {"preset": "8"}, "av1", 28),
    ("libaom-av1", "mkv", {"preset": "8"}, "av1", 28),
    ("rav1e", "mkv", {"preset": "10"}, "av1", 28),
    ("vp9", "webm", {"preset": "8"}, "vp9", 28),
    ("prores", "mov", {}, "prores", None),
    ("ffv1", "mkv", {}, "ffv1", 40),
    ("apng", "apng", {}, "apng", None),
    ("gif", "gif", {}, "gif", 30),
]


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.mark.parametrize("codec,ext,extra,decoded_as,least_psnr", CASES, ids=[c[0] for c in CASES])
def test_every_codec_by_its_name(tmp_path, codec, ext, extra, decoded_as, least_psnr):
    frames = blocks(N, H, W, seed=3)
    path = tmp_path / f"v.{ext}"
    entry = _settings.encoder_entry(codec)
    if not entry["available"]:
        # A build without it (the wheel has no rav1e): refused up front, naming the encoder,
        # and nothing is made.
        with pytest.raises(ValueError, match=f"has no '{entry['name']}' encoder"):
            en.write_video(path, frames, fps=10, codec=codec, **extra)
        assert not path.exists()
        return
    summary = en.write_video(path, frames, fps=10, codec=codec, **extra)
    assert summary.frames == N
    d = decode(path)
    assert d.codec in (decoded_as, "libdav1d") if decoded_as == "av1" else d.codec == decoded_as
    assert (d.count, d.width, d.height) == (N, W, H)
    if ext != "gif":  # GIF keeps time in 1/100 s
        assert d.pts_seconds == pytest.approx([i / 10 for i in range(N)], abs=1e-6)
    if least_psnr is not None:
        worst = min(_psnr(a, b) for a, b in zip(d.frames, frames))
        assert worst >= least_psnr, f"{codec}: PSNR {worst:.1f} dB"
    if codec in ("libx264rgb", "apng"):
        for a, b in zip(d.frames, frames):
            np.testing.assert_array_equal(a, b)


def test_gif_palette_settings_by_keyword(tmp_path):
    frames = blocks(6, H, W, seed=4)
    path = tmp_path / "few.gif"
    en.write_video(path, frames, fps=10, colors=8, dither="none", palette="per-frame")
    for f in decode(path).frames:
        assert len(np.unique(f.reshape(-1, 3), axis=0)) <= 8
    with pytest.raises(ValueError, match="only with gif"):
        en.write_video(tmp_path / "x.mp4", frames, fps=10, colors=8)


def test_animated_webp_has_every_frame():
    from PIL import Image, ImageSequence

    frames = blocks(N, H, W, seed=5)
    data = en.encode(frames, fps=10, format="webp")
    with Image.open(io.BytesIO(bytes(data))) as im:
        back = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(im)]
    assert len(back) == N
    assert min(_psnr(a, b) for a, b in zip(back, frames)) > 25


def test_rgba_keeps_its_alpha_through_ffv1(tmp_path):
    import av

    rgba = np.concatenate([blocks(N, H, W, seed=6), np.zeros((N, H, W, 1), np.uint8)], axis=3)
    rgba[..., 3] = np.linspace(0, 255, W).astype(np.uint8)[None, None, :]
    rgba[:, : H // 2, :, 3] = 255 - rgba[:, : H // 2, :, 3]
    path = tmp_path / "alpha.mkv"
    en.write_video(path, rgba, fps=10, codec="ffv1", pix_fmt="yuva420p")
    with av.open(str(path)) as c:
        decoded = [f.to_ndarray(format="rgba") for f in c.decode(video=0)]
    assert len(decoded) == N
    # libswscale's RGBA -> yuva420p moves alpha by at most one level.
    for got, want in zip(decoded, rgba):
        assert np.abs(got[..., 3].astype(int) - want[..., 3]).max() <= 1
