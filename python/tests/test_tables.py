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
    assert set(table) == {"mp4", "mov", "mkv", "avi", "ts", "webm", "apng", "webp", "gif"}
    for name in ("mkv", "ts", "apng", "webp"):
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


def test_every_error_kind_maps_to_a_python_exception():
    names = {"ValueError": ValueError, "OSError": OSError, "EncodeError": en.EncodeError}
    kinds = {k["kind"]: k for k in _native.error_kinds()}
    for k in kinds.values():
        assert k["exception"] in names, k
    assert kinds["no_space"]["exception"] == "OSError"
    # An unsupported request is a ValueError here, and EN_ERR_CONFIG (-1) in C.
    assert kinds["unsupported"]["exception"] == "ValueError"
    assert kinds["unsupported"]["c_status"] == kinds["config"]["c_status"] == -1
    assert kinds["no_space"]["c_status"] == -7
