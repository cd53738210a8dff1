"""The imageio v3 plugin: asked for by name only."""

from __future__ import annotations

import io

import av
import imageio
import imageio.v3 as iio
import numpy as np
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


# -- imageio's pyav plugin's writing keywords and methods -----------------------------------


def _keyframes(src) -> list:
    """Which frames of a video are keyframes, decoded with PyAV."""
    with av.open(io.BytesIO(src) if isinstance(src, bytes) else str(src)) as c:
        return [f.key_frame for f in c.decode(video=0)]


def test_pyav_write_keywords(tmp_path):
    frames = blocks(6, H, W, seed=5)
    iio.imwrite(tmp_path / "a.mp4", frames, plugin="encode_native", codec="h264", fps=12,
                out_pixel_format="yuv444p", in_pixel_format="rgb24")
    d = decode(tmp_path / "a.mp4")
    assert (d.count, d.width, d.height, d.codec, d.pix_fmt) == (6, W, H, "h264", "yuv444p")
    assert d.fps == 12
    c = block_centres(H, W)
    assert_close(d.frames[5][c], frames[5][c], 8, "last frame")
    # The pyav plugin's default frame rate is 24.
    iio.imwrite(tmp_path / "b.mp4", frames, plugin="encode_native")
    assert decode(tmp_path / "b.mp4").fps == 24


@pytest.mark.parametrize("fmt", ["bgr24", "rgba", "bgra", "argb", "abgr", "rgb0", "bgr0", "gbrp"])
def test_in_pixel_formats_in_other_orders(tmp_path, fmt):
    rgb = blocks(3, H, W, seed=7)
    alpha = np.full(rgb.shape[:3] + (1,), 255, np.uint8)
    rgba = np.concatenate([rgb, alpha], axis=-1)
    layouts = {"bgr24": rgb[..., ::-1], "rgba": rgba, "bgra": rgba[..., [2, 1, 0, 3]],
               "argb": rgba[..., [3, 0, 1, 2]], "abgr": rgba[..., [3, 2, 1, 0]],
               "rgb0": rgba, "bgr0": rgba[..., [2, 1, 0, 3]],
               "gbrp": np.stack([rgb[..., 1], rgb[..., 2], rgb[..., 0]], axis=1)}
    data = iio.imwrite("<bytes>", layouts[fmt], extension=".mp4", plugin="encode_native",
                       in_pixel_format=fmt, out_pixel_format="yuv444p", crf=10)
    d = decode(data)
    assert (d.count, d.width, d.height) == (3, W, H)
    c = block_centres(H, W)
    for i in range(3):
        assert_close(d.frames[i][c], rgb[i][c], 6, f"{fmt} frame {i}")


def test_gray_frames_and_a_gray_gif_is_exact(tmp_path):
    rng = np.random.default_rng(2)
    grey = rng.integers(0, 256, (4, 40, 48), dtype=np.uint8)
    grey[0].flat[:256] = np.arange(256)  # every grey level in one frame
    iio.imwrite(tmp_path / "g.gif", list(grey), plugin="encode_native", codec="gif",
                out_pixel_format="gray", in_pixel_format="gray", fps=10)
    with av.open(str(tmp_path / "g.gif")) as c:
        got = [f.to_ndarray(format="gray") for f in c.decode(video=0)]
    assert len(got) == 4
    for i in range(4):
        np.testing.assert_array_equal(got[i], grey[i])
    with pytest.raises(ValueError, match="out_pixel_format 'gray' for a GIF takes grey frames"):
        iio.imwrite(tmp_path / "h.gif", blocks(2, H, W), plugin="encode_native", codec="gif",
                    out_pixel_format="gray")


def test_planar_yuv444p_through_init_video_stream_and_write_frame(tmp_path):
    rgb = blocks(4, H, W, seed=9)
    planes = [av.VideoFrame.from_ndarray(f, format="rgb24").reformat(format="yuv444p").to_ndarray()
              for f in rgb]
    assert planes[0].shape == (3, H, W)
    buf = io.BytesIO()
    with iio.imopen(buf, "w", plugin="encode_native", extension=".mp4") as f:
        f.init_video_stream("libx264", fps=15, pixel_format="yuv444p")
        for p in planes:
            f.write_frame(p, pixel_format="yuv444p")
    d = decode(buf.getvalue())
    assert (d.count, d.width, d.height, d.pix_fmt, d.fps) == (4, W, H, "yuv444p", 15)
    c = block_centres(H, W)
    assert_close(d.frames[3][c], rgb[3][c], 8, "yuv444p frame")


def test_bayer_mosaic_is_demosaiced(tmp_path):
    rgb = blocks(2, H, W, seed=11)  # flat 16x16 blocks: each 2x2 cell is one colour
    mosaic = np.empty((2, H, W), np.uint8)
    mosaic[:, 0::2, 0::2] = rgb[:, 0::2, 0::2, 0]
    mosaic[:, 0::2, 1::2] = rgb[:, 0::2, 1::2, 1]
    mosaic[:, 1::2, 0::2] = rgb[:, 1::2, 0::2, 1]
    mosaic[:, 1::2, 1::2] = rgb[:, 1::2, 1::2, 2]
    data = iio.imwrite("<bytes>", mosaic, extension=".mp4", plugin="encode_native",
                       in_pixel_format="bayer_rggb8", out_pixel_format="yuv444p", crf=10)
    d = decode(data)
    assert (d.count, d.width, d.height) == (2, W, H)
    c = block_centres(H, W)
    assert_close(d.frames[1][c], rgb[1][c], 6, "demosaiced")


def test_keyframe_interval_tags_and_rotation(tmp_path):
    frames = blocks(30, H, W, seed=1)
    with iio.imopen(tmp_path / "k.mp4", "w", plugin="encode_native") as f:
        f.init_video_stream("h264", fps=30, max_keyframe_interval=5, force_keyframes=True)
        f.container_metadata["comment"] = "made by imageio"
        f.video_stream_metadata["rotate"] = "90"
        f.video_stream_metadata["language"] = "fra"
        for frame in frames:
            f.write_frame(frame)
        with pytest.raises(RuntimeError, match="set tags before the first frame"):
            f.container_metadata["title"] = "late"
    keys = _keyframes(tmp_path / "k.mp4")
    assert len(keys) == 30
    at = [i for i, k in enumerate(keys) if k]
    assert at[0] == 0 and max(np.diff(at + [30])) <= 5
    with av.open(str(tmp_path / "k.mp4")) as c:
        assert c.metadata["comment"] == "made by imageio"
        assert c.streams.video[0].metadata["language"] == "fra"
        frame = next(c.decode(video=0))
        assert frame.rotation in (90, -90)  # the display matrix (PyAV counts anticlockwise)


def test_codec_png_writes_a_png_every_reader_reads(tmp_path):
    rng = np.random.default_rng(4)
    picture = rng.integers(0, 256, (30, 41, 3), dtype=np.uint8)
    iio.imwrite(tmp_path / "out.png", picture, plugin="encode_native", codec="png",
                is_batch=False, out_pixel_format="rgb24")
    from PIL import Image

    with Image.open(tmp_path / "out.png") as im:
        assert im.format == "PNG"
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), picture)
    with pytest.raises(ValueError, match=r"codec 'png' is written as an APNG.*'\.mp4'"):
        iio.imwrite(tmp_path / "x.mp4", picture, plugin="encode_native", codec="png", is_batch=False)


def test_filters_become_the_filter_setting(tmp_path):
    from encode_native._settings import key_of
    from encode_native.imageio import filter_text

    assert filter_text([("scale", "32:24"), ("fps", {"fps": 10, "round": "up"})]) == \
        "scale=32:24,fps=fps=10:round=up"
    graph = ({"split": ("split", ""), "gen": ("palettegen", ""), "use": ("paletteuse", "")},
             [("video_in", "split", 0, 0), ("split", "gen", 0, 0), ("split", "use", 1, 0),
              ("gen", "use", 0, 1), ("use", "video_out", 0, 0)])
    assert filter_text(None, graph) == \
        "null[vin];[vin]split[l1][l2];[l1]palettegen[l3];[l2][l3]paletteuse[vout];[vout]null"
    frames = blocks(3, H, W)
    if key_of("filter") is None:
        with pytest.raises(ValueError, match="needs the filter setting"):
            iio.imwrite(tmp_path / "f.mp4", frames, plugin="encode_native",
                        filter_sequence=[("scale", "32:24")])
        return
    iio.imwrite(tmp_path / "f.mp4", frames, plugin="encode_native",
                filter_sequence=[("scale", "32:24")])
    d = decode(tmp_path / "f.mp4")
    assert (d.count, d.width, d.height) == (3, 32, 24)
    # A sequence then a graph (a mirror), through set_video_filter.
    with iio.imopen(tmp_path / "g.mp4", "w", plugin="encode_native") as f:
        f.init_video_stream("h264", fps=10, pixel_format="yuv444p")
        f.set_video_filter([("crop", {"w": 32, "h": 32, "x": 0, "y": 0})],
                           ({"flip": ("hflip", "")},
                            [("video_in", "flip", 0, 0), ("flip", "video_out", 0, 0)]))
        for frame in frames:
            f.write_frame(frame)
        with pytest.raises(RuntimeError, match="filters are set before the first frame"):
            f.set_video_filter([("scale", "16:16")])
    d = decode(tmp_path / "g.mp4")
    assert (d.count, d.width, d.height) == (3, 32, 32)
    assert_close(d.frames[2][8, 8], frames[2][8, 23], 8, "mirrored block")
    # The GIF palette recipe of imageio's documentation.
    data = iio.imwrite("<bytes>", frames, extension=".gif", plugin="encode_native", codec="gif",
                       out_pixel_format="pal8", filter_graph=graph)
    d = decode(data)
    assert (d.count, d.width, d.height) == (3, W, H)
    c = block_centres(H, W)
    assert_close(d.frames[2][c], frames[2][c], 12, "GIF through palettegen")


def test_container_keyword_and_what_cannot_be_written(tmp_path):
    frames = blocks(2, H, W)
    buf = io.BytesIO()
    with iio.imopen(buf, "w", plugin="encode_native", container="matroska") as f:
        f.write(frames)
    assert buf.getvalue()[:4] == b"\x1a\x45\xdf\xa3"
    with pytest.raises(IOError) as e:
        iio.imopen(io.BytesIO(), "w", plugin="encode_native", legacy_mode=False)
    assert "extension='.mp4' or container='mp4'" in str(e.value.__cause__)
    with pytest.raises(IOError) as e:
        iio.imwrite(tmp_path / "foo.abc", frames, plugin="encode_native")
    assert "cannot write '.abc' files" in str(e.value.__cause__)
    with pytest.raises(IOError) as e:
        iio.imopen(io.BytesIO(), "w", plugin="encode_native", container="flv", legacy_mode=False)
    assert "container 'flv' is not one encode_native writes" in str(e.value.__cause__)


def test_wrong_inputs_raise_specific_errors(tmp_path):
    frames = blocks(2, H, W)
    with pytest.raises(ValueError, match=r"frame 0: in_pixel_format 'yuyv422' is not one .*expected one of"):
        iio.imwrite(tmp_path / "a.mp4", frames, plugin="encode_native", in_pixel_format="yuyv422")
    with pytest.raises(ValueError, match=r"yuv444p frames have the shape \(3, H, W\).*got \(48, 64, 3\)"):
        iio.imwrite(tmp_path / "b.mp4", frames, plugin="encode_native", in_pixel_format="yuv444p")
    with pytest.raises(ValueError, match="Bayer mosaic has an even width and height, got 63x48"):
        iio.imwrite(tmp_path / "c.mp4", frames[:, :, :63, 0], plugin="encode_native",
                    in_pixel_format="bayer_rggb8")
    with pytest.raises(ValueError, match="pix_fmt"):
        iio.imwrite(tmp_path / "d.mp4", frames, plugin="encode_native", out_pixel_format="nv12")
    with iio.imopen(tmp_path / "e.mp4", "w", plugin="encode_native") as f:
        with pytest.raises(RuntimeError, match="write_frame before init_video_stream"):
            f.write_frame(frames[0])
        f.init_video_stream("h264")
        with pytest.raises(RuntimeError, match="already initialized"):
            f.init_video_stream("h264")
        f.write_frame(frames[0])
        with pytest.raises(ValueError, match=r"frame 1: pixel_format 'bgr24', but the video started with 'rgb24'"):
            f.write_frame(frames[1], pixel_format="bgr24")
    with pytest.raises(ValueError, match=r"frame 1 has \(48, 60, 3\), frame 0 \(48, 64, 3\)"):
        iio.imwrite(tmp_path / "g.mp4", [frames[0], frames[1][:, :60]], plugin="encode_native")
    assert not (tmp_path / "g.mp4").exists()
    with pytest.raises(ValueError, match="'libvpx' is FFmpeg's VP8 encoder"):
        iio.imwrite(tmp_path / "h.webm", frames, plugin="encode_native", codec="libvpx")
    with iio.imopen(tmp_path / "f.mp4", "w", plugin="encode_native") as f:
        f.write(frames, codec="h264", fps=10)
        f.write(frames, codec="h264", fps=10.0)
        with pytest.raises(ValueError, match=r"fps=12, but the video started with 10"):
            f.write(frames, fps=12)
        with pytest.raises(ValueError, match=r"codec='mpeg4', but the video started with 'h264'"):
            f.write(frames, codec="mpeg4")
    assert decode(tmp_path / "f.mp4").count == 4
