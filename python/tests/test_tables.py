"""The library's tables as Python sees them: containers (MIME types, what a browser shows),
encoders, error kinds and the summary's fields, all from the library, none copied."""

from __future__ import annotations

import base64
import dataclasses
import errno
import os

import numpy as np
import pytest

import encode_native as en
from encode_native import _native

from conftest import blocks

H, W = 48, 64


def test_gif_shows_as_an_image_and_webm_as_a_video():
    gif = en.encode(blocks(4, H, W), fps=10, format="gif")
    html = gif._repr_html_()
    assert gif.mime == "image/gif"
    assert html.startswith("<img") and 'src="data:image/gif;base64,' in html
    assert base64.b64decode(html.split("base64,")[1].split('"')[0]) == bytes(gif)
    assert bytes(gif[:6]) in (b"GIF87a", b"GIF89a")
    webm = en.encode(blocks(4, H, W), fps=10, format="webm", preset=8)
    assert webm.mime == "video/webm" and webm.summary.encoder == "libvpx-vp9"
    assert webm._repr_html_().startswith("<video") and "data:video/webm;" in webm._repr_html_()


def test_every_container_is_labelled_by_the_library():
    table = {c["name"]: c for c in _native.containers()}
    assert set(table) == {"mp4", "mov", "mkv", "avi", "ts", "webm", "apng", "webp", "gif", "wmv"}
    for name in ("mkv", "ts", "apng", "webp", "wmv"):
        kwargs = {"preset": "ultrafast"} if name in ("mkv", "ts") else {}
        video = en.encode(blocks(2, H, W), fps=10, format=name, **kwargs)
        assert video.mime == table[name]["mime"]
        html = video._repr_html_()
        browser = table[name]["browser"]
        if browser is None:
            assert html.startswith("<a download=") and f'video.{table[name]["extension"]}' in html
        else:
            assert html.startswith(f"<{browser}")


def test_the_encoder_table_names_codecs_and_aliases():
    table = {e["name"]: e for e in _native.encoders()}
    assert table["libx264"]["codec"] == "h264" and "h264" in table["libx264"]["aliases"]
    assert table["ffv1"]["codec"] == "ffv1" and "bgr0" in table["ffv1"]["pixel_formats"]
    assert "webm" in table["libvpx-vp9"]["containers"]


def test_default_encoders_and_presets_come_from_the_tables(tmp_path):
    from encode_native import _settings

    # Each container's own encoder, by extension (any case) or name, as a file written
    # without a codec gets it.
    for c in _native.containers():
        assert _settings.default_encoder(f"clip.{c['extension'].upper()}") == c["default_encoder"]
        assert _settings.default_encoder(c["name"]) == c["default_encoder"]
    assert _settings.default_encoder("clip.xyz") is None
    summary = en.write_video(tmp_path / "a.webm", blocks(3, H, W), fps=10, preset=8)
    assert summary.encoder == _settings.default_encoder("a.webm")
    # Named presets: x264's and x265's, by any alias; none for the others.
    assert _settings.named_presets("h264")[0] == "ultrafast"
    assert _settings.named_presets("x265")[-1] == "placebo"
    assert _settings.named_presets("vp9") == [] and _settings.named_presets("nope") == []
    for e in _native.encoders():
        for preset in e["presets"]:
            _native.check_settings([("codec", e["name"]), ("preset", preset)], e["containers"][0])
    with pytest.raises(ValueError, match="preset"):
        _native.check_settings([("codec", "libx264"), ("preset", "8")], "mp4")


def test_the_summary_has_the_fields_the_library_reports(tmp_path):
    s = en.write_video(tmp_path / "a.mkv", blocks(3, H, W), fps=10, codec="ffv1")
    assert (s.codec, s.encoder, s.container) == ("ffv1", "ffv1", "mkv")
    # Lossless by default: RGB stays RGB.
    assert s.pixel_format == "bgr0"
    fields = {f.name for f in dataclasses.fields(en.Summary)}
    assert {"codec", "encoder", "pixel_format", "container", "frames"} <= fields


def test_a_full_disk_is_oserror_enospc():
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    frames = np.full((30, H, W, 3), 7, np.uint8)
    with pytest.raises(OSError) as info:
        en.write_video("/dev/full", frames, fps=10, format="mkv")
    assert info.value.errno == errno.ENOSPC, info.value
    assert isinstance(info.value, en.NoSpaceError), type(info.value).__mro__


def test_every_error_kind_maps_to_a_python_exception():
    from encode_native import _errors
    kinds = {k["kind"]: k["exception"] for k in _native.error_kinds()}
    for kind, name in kinds.items():
        cls = getattr(_errors, name)
        assert issubclass(cls, en.Error) and cls is not en.Error, (kind, name)
    # What the caller asked is a ValueError too; files an OSError; FFmpeg a RuntimeError.
    for kind in ("config", "unsupported", "frame", "finished"):
        assert issubclass(getattr(_errors, kinds[kind]), ValueError), kind
    assert kinds["unsupported"] == kinds["config"] == "ConfigError"
    assert issubclass(en.NoSpaceError, en.OutputError) and issubclass(en.OutputError, OSError)
    assert issubclass(en.EncoderError, RuntimeError) and en.EncodeError is en.EncoderError


def test_each_kind_of_failure_raises_its_class_and_its_builtin(tmp_path):
    frames = np.zeros((2, 16, 16, 3), np.uint8)
    with pytest.raises(en.ConfigError, match="crf") as e:
        en.write_video(tmp_path / "a.mp4", frames, fps=10, crf=99)
    assert isinstance(e.value, ValueError) and isinstance(e.value, en.Error)
    with pytest.raises(en.FrameError, match="frame 0") as e:
        en.write_video(tmp_path / "b.mp4", np.zeros((2, 16, 16, 5), np.uint8), fps=10)
    assert isinstance(e.value, ValueError)
    w = en.Writer(tmp_path / "c.mp4", fps=10)
    w.write(frames[0])
    with pytest.raises(en.FrameError):
        w.write(np.zeros((8, 8, 3), np.uint8))  # another size: refused, the writer goes on
    w.write(frames[1])
    w.close()
    with pytest.raises(en.WriterFinishedError):
        w.write(frames[0])
    with pytest.raises(en.OutputError) as e:
        en.write_video(tmp_path / "no" / "such" / "dir" / "d.mp4", frames, fps=10)
    assert isinstance(e.value, FileNotFoundError) and e.value.errno == errno.ENOENT, e.value
    assert isinstance(e.value, en.Error)


def test_the_native_checks_raise_the_class_of_each_kind():
    # Each function of the native module raises the library's error as its kind's class,
    # which is also the builtin a caller catches.
    for call in (
        lambda: _native.check_settings([("crf", "abc")]),
        lambda: _native.check_settings([("codec", "libx264")], "nope"),
        lambda: _native.ffmpeg_args_settings(["-vf", "scale=2:2", "-no-such-flag"]),
        lambda: _native.pixel_format_name("nope"),
        lambda: _native.frame_rate("-3"),
    ):
        with pytest.raises(en.ConfigError) as caught:
            call()
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, en.Error)
    with pytest.raises(en.Error):
        _native.concat([], "out.mp4")
