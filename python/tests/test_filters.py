"""The ``filter`` setting from Python: a libavfilter graph (ffmpeg's ``-vf`` syntax) run on the
encoder thread, by keyword, through ffmpeg-style flags, and through the compatibility layers
that take ffmpeg flags."""

from __future__ import annotations

import numpy as np
import pytest

import encode_native as en

from conftest import blocks, decode


def test_a_scale_filter_makes_the_stored_size(tmp_path):
    frames = blocks(12, 96, 128, seed=1)
    path = tmp_path / "scaled.mp4"
    with en.Writer(path, fps=25, filter="scale=64:48") as w:
        for f in frames:
            w.write(f)
    assert (w.summary.width, w.summary.height) == (64, 48)
    assert (w.summary.input_width, w.summary.input_height) == (128, 96)
    d = decode(path)
    assert (d.count, d.width, d.height) == (12, 64, 48)


def test_hflip_mirrors_the_pictures(tmp_path):
    frame = np.zeros((48, 64, 3), np.uint8)
    frame[:, :16] = (250, 20, 20)  # red on the left
    path = tmp_path / "flip.mp4"
    en.write_video(path, [frame] * 3, fps=10, filter="hflip", crf=0, pix_fmt="yuv444p")
    d = decode(path)
    right = d.frames[0][:, -12:].reshape(-1, 3).mean(axis=0)
    left = d.frames[0][:, :12].reshape(-1, 3).mean(axis=0)
    assert right[0] > 200 and right[1] < 60, right
    assert left.max() < 30, left


def test_fps_changes_the_count_and_the_rate(tmp_path):
    path = tmp_path / "fps.mp4"
    s = en.write_video(path, blocks(60, 48, 64, seed=2), fps=30, filter="fps=10")
    assert s.frames == 20
    d = decode(path)
    assert d.count == 20 and d.fps == 10
    assert d.pts_seconds[:3] == pytest.approx([0.0, 0.1, 0.2])


def test_ffmpeg_flags_take_vf(tmp_path):
    settings = en.ffmpeg_args_settings(["-vf", "scale=320:240", "-crf", "20"])
    assert settings == [("filter", "scale=320:240"), ("crf", "20")]
    path = tmp_path / "vf.mp4"
    en.write_video(path, blocks(3, 120, 160, seed=3), fps=10, **dict(settings))
    d = decode(path)
    assert (d.width, d.height) == (320, 240)


def test_a_bad_graph_is_a_config_error_naming_the_filter(tmp_path):
    # A graph no frame size makes work is refused when the writer is made.
    with pytest.raises(en.ConfigError) as e:
        en.Writer(tmp_path / "bad.mp4", fps=10, filter="scale=nonsense")
    msg = str(e.value)
    assert "filter" in msg and "scale=nonsense" in msg and "Invalid size" in msg
    assert not (tmp_path / "bad.mp4").exists()


def test_imageio_output_params_vf(tmp_path):
    from encode_native.compat import imageio

    path = str(tmp_path / "io.mp4")
    w = imageio.get_writer(path, fps=10, output_params=["-vf", "scale=320:240"], macro_block_size=1)
    for f in blocks(4, 96, 128, seed=4):
        w.append_data(f)
    w.close()
    d = decode(path)
    assert (d.count, d.width, d.height) == (4, 320, 240)


@pytest.mark.parametrize("codec,ext", [("ac3", "mp4"), ("eac3", "mkv"), ("ac3", "avi")])
def test_dolby_digital_soundtracks(tmp_path, codec, ext):
    import av

    rate = 48000
    t = np.arange(rate) / rate
    tone = (0.4 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / f"dd.{ext}"
    s = en.write_video(path, blocks(30, 48, 64, seed=5), fps=30, audio=tone, sample_rate=rate,
                       audio_codec=codec)
    assert s.audio is not None and s.audio.codec == codec
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        assert stream.codec_context.name == codec
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(stream)])
    # A second of a 440 Hz tone comes back as one: its level, within a frame of its length.
    assert abs(len(pcm) - rate) <= 1536 + 256
    rms = float(np.sqrt(np.mean(pcm[2000:40000].astype(np.float64) ** 2)))
    assert 0.2 < rms < 0.35, rms
