"""The imageio v3 plugin: asked for by name only."""

from __future__ import annotations

import io

import imageio
import imageio.v3 as iio
import pytest

import encode_native as en  # noqa: F401  (registers the plugin)
from encode_native.imageio import EncodeNativePlugin

from conftest import assert_close, block_centres, blocks, decode

H, W = 48, 64


def test_imwrite_to_a_path(tmp_path):
    frames = blocks(9, H, W, seed=3)
    iio.imwrite(tmp_path / "a.mp4", frames, plugin="encode_native", fps=30, crf=18)
    d = decode(tmp_path / "a.mp4")
    assert (d.count, d.width, d.height) == (9, W, H)
    assert d.duration == pytest.approx(9 / 30)
    c = block_centres(H, W)
    assert_close(d.frames[8][c], frames[8][c], 8, "last frame")


def test_imwrite_to_bytes_and_to_a_file_object(tmp_path):
    frames = blocks(4, H, W)
    data = iio.imwrite("<bytes>", frames, plugin="encode_native", extension=".mp4", fps=10)
    assert isinstance(data, bytes) and decode(data).count == 4
    buf = io.BytesIO()
    iio.imwrite(buf, frames, plugin="encode_native", extension=".mp4", fps=10)
    assert decode(buf.getvalue()).count == 4
    data = iio.imwrite("<bytes>", frames, plugin="encode_native", extension=".mkv", fps=10)
    assert data[:4] == b"\x1a\x45\xdf\xa3"  # Matroska


def test_single_frames_lists_and_appending(tmp_path):
    frames = blocks(3, H, W)
    iio.imwrite(tmp_path / "one.mp4", frames[0], plugin="encode_native", is_batch=False)
    assert decode(tmp_path / "one.mp4").count == 1
    iio.imwrite(tmp_path / "list.mp4", list(frames), plugin="encode_native")
    assert decode(tmp_path / "list.mp4").count == 3
    with iio.imopen(tmp_path / "app.mp4", "w", plugin="encode_native") as f:
        f.write(frames, fps=10)
        f.write(frames)
    assert decode(tmp_path / "app.mp4").count == 6


def test_it_is_not_anyones_default(tmp_path):
    for ext in imageio.config.extension_list:
        assert "encode_native" not in ext.priority
    with iio.imopen(tmp_path / "d.mp4", "w") as f:
        assert not isinstance(f, EncodeNativePlugin)
    assert "encode_native" in imageio.config.known_plugins


def test_reading_is_refused(tmp_path):
    iio.imwrite(tmp_path / "a.mp4", blocks(2, H, W), plugin="encode_native")
    with pytest.raises(IOError):
        iio.imread(tmp_path / "a.mp4", plugin="encode_native")
