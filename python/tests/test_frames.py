"""Every frame layout the package takes: dtypes, channel counts, channel orders, memory
layouts (in place or copied once), array-likes; each video decoded and compared."""

from __future__ import annotations

import numpy as np
import pytest

import encode_native as en

from conftest import assert_close, block_centres, blocks, decode

H, W, N = 48, 64, 4
# Near-lossless settings: every pixel can be compared (4:4:4, crf 0); the remaining error
# is the RGB -> YUV -> RGB rounding.
EXACT = dict(pix_fmt="yuv444p", crf=0, preset="ultrafast")
TOL = 4


def _rgb():
    return blocks(N, H, W, seed=1)


def _alpha(shape, dtype, top):
    return np.random.default_rng(9).integers(0, top, size=shape[:-1] + (1,)).astype(dtype)


# name -> (frames as given, input_format, expected decoded RGB)
def _cases():
    rgb = _rgb()
    grey = rgb[..., 1]
    grey3 = np.repeat(grey[..., None], 3, axis=3)
    u16 = rgb.astype(np.uint16) * 257
    f = rgb.astype(np.float64) / 255.0
    return {
        "uint8 HxW": (grey, None, grey3),
        "uint8 HxWx1": (grey[..., None], None, grey3),
        "uint8 HxWx3": (rgb, None, rgb),
        "uint8 HxWx4": (np.concatenate([rgb, _alpha(rgb.shape, np.uint8, 256)], axis=3), None, rgb),
        "uint8 bgr24": (np.ascontiguousarray(rgb[..., ::-1]), "bgr24", rgb),
        "uint8 bgra": (np.concatenate([rgb[..., ::-1], _alpha(rgb.shape, np.uint8, 256)], axis=3), "bgra", rgb),
        "uint8 4 channels bgr24": (np.concatenate([rgb[..., ::-1], _alpha(rgb.shape, np.uint8, 256)], axis=3), "bgr24", rgb),  # noqa: E501
        "uint16 HxW": (u16[..., 1], None, grey3),
        "uint16 HxWx1": (u16[..., 1:2], None, grey3),
        "uint16 HxWx3": (u16, None, rgb),
        "uint16 HxWx4": (np.concatenate([u16, _alpha(u16.shape, np.uint16, 65536)], axis=3), None, rgb),
        "uint16 bgr24": (np.ascontiguousarray(u16[..., ::-1]), "bgr24", rgb),
        "uint16 big-endian": (u16.astype(">u2"), None, rgb),
        "float32 HxWx3": (f.astype(np.float32), None, rgb),
        "float32 HxW": (f[..., 1].astype(np.float32), None, grey3),
        "float32 HxWx4": (np.concatenate([f, np.ones_like(f[..., :1]) * 0.5], axis=3).astype(np.float32), None, rgb),
        "float32 bgr24": (np.ascontiguousarray(f[..., ::-1]).astype(np.float32), "bgr24", rgb),
        "float64 HxWx3": (f, None, rgb),
        "float64 HxW": (f[..., 1], None, grey3),
        "float64 HxWx1": (f[..., 1:2], None, grey3),
        "float16 HxWx3": (f.astype(np.float16), None, rgb),
        "rgb48le named": (u16, "rgb48le", rgb),
        "gray named": (grey, "gray", grey3),
    }


@pytest.mark.parametrize("name", list(_cases()))
def test_every_dtype_channel_count_and_order(tmp_path, name):
    given, fmt, want = _cases()[name]
    path = tmp_path / "out.mp4"
    summary = en.write_video(path, given, fps=25, input_format=fmt, **EXACT)
    assert summary.frames == N and (summary.width, summary.height) == (W, H)
    d = decode(path)
    assert d.count == N
    assert (d.width, d.height) == (W, H)
    assert d.pix_fmt == "yuv444p"
    assert d.duration == pytest.approx(N / 25)
    for i in range(N):
        assert_close(d.frames[i], want[i], TOL, f"{name} frame {i}")


def test_default_output_is_yuv420p_at_the_given_rate(tmp_path):
    frames = blocks(10, H, W, seed=2)
    s = en.write_video(tmp_path / "a.mp4", frames, fps=12.5)
    d = decode(tmp_path / "a.mp4")
    assert (d.count, d.width, d.height, d.pix_fmt, d.codec) == (10, W, H, "yuv420p", "h264")
    assert d.fps == 12.5 and d.duration == pytest.approx(10 / 12.5)
    assert s.duration == pytest.approx(0.8) and s.pixel_format == "yuv420p" and s.codec == "h264"
    assert s.encoder == "libx264"
    centres = block_centres(H, W)
    for i in range(10):
        assert_close(d.frames[i][centres], frames[i][centres], 8, f"frame {i}")


def test_ntsc_rate_is_exact(tmp_path):
    en.write_video(tmp_path / "a.mp4", blocks(5, H, W), fps=29.97)
    d = decode(tmp_path / "a.mp4")
    assert d.pts_seconds == pytest.approx([i * 1001 / 30000 for i in range(5)], abs=1e-6)


def test_a_crop_is_read_in_place_and_gives_its_pixels(tmp_path):
    big = blocks(N, 480, 640, seed=3)
    with en.Writer(tmp_path / "crop.mp4", fps=25, **EXACT) as w:
        for f in big:
            crop = f[10:400, 20:600]
            assert not crop.flags.c_contiguous
            w.write(crop)
    assert w.frames_copied == 0
    d = decode(tmp_path / "crop.mp4")
    assert (d.count, d.width, d.height) == (N, 580, 390)
    for i in range(N):
        assert_close(d.frames[i], big[i, 10:400, 20:600], TOL, f"frame {i}")


@pytest.mark.parametrize("dtype", [np.uint16, np.float32])
def test_crops_of_16_bit_and_float_frames_are_read_in_place(tmp_path, dtype):
    rgb = blocks(N, 96, 128, seed=4)
    big = rgb.astype(np.uint16) * 257 if dtype == np.uint16 else (rgb / 255.0).astype(np.float32)
    with en.Writer(tmp_path / "crop.mp4", fps=25, **EXACT) as w:
        for f in big:
            w.write(f[5:90, 3:120])
    assert w.frames_copied == 0
    d = decode(tmp_path / "crop.mp4")
    for i in range(N):
        assert_close(d.frames[i], rgb[i, 5:90, 3:120], TOL, f"frame {i}")


@pytest.mark.parametrize(
    "view",
    [
        lambda a: a[:, :, ::-1],  # channels reversed: negative channel stride
        lambda a: a[::-1],  # rows upside down: negative row stride
        lambda a: a[:, ::2],  # every other column: pixel stride of 2 pixels
        lambda a: np.asfortranarray(a),  # column-major
        lambda a: np.broadcast_to(a[:, :1], a.shape),  # zero pixel stride
        lambda a: np.ascontiguousarray(a.swapaxes(0, 1)).swapaxes(0, 1),  # pygame's surfarray
        lambda a: a[:, ::-1],  # mirrored: negative pixel stride
        lambda a: a[:, :, ::-1][::-1, ::3],  # several at once
    ],
    ids=["reversed channels", "flipped rows", "column step", "fortran order", "broadcast",
         "swapped axes", "mirrored", "combined"],
)
def test_other_layouts_are_copied_once_with_the_right_pixels(tmp_path, view):
    rgb = blocks(N, H, W * 2, seed=5)
    with en.Writer(tmp_path / "v.mp4", fps=25, **EXACT) as w:
        views = [view(f) for f in rgb]
        for v in views:
            w.write(v)
    assert w.frames_copied == N
    d = decode(tmp_path / "v.mp4")
    for i in range(N):
        assert_close(d.frames[i], np.ascontiguousarray(views[i]), TOL, f"frame {i}")


def test_a_later_frame_of_another_shape_or_dtype_is_refused_and_the_writer_goes_on(tmp_path):
    rgb = blocks(3, H, W, seed=6)
    path = tmp_path / "a.mp4"
    with en.Writer(path, fps=25, **EXACT) as w:
        w.write(rgb[0])
        with pytest.raises(ValueError) as e:
            w.write(np.zeros((H, W, 4), np.uint8))
        msg = str(e.value)
        assert "frame 1" in msg and f"({H}, {W}, 3) uint8" in msg and f"({H}, {W}, 4) uint8" in msg
        with pytest.raises(ValueError, match=rf"frame 1: .*\({H}, {W}, 3\) float32"):
            w.write(rgb[1].astype(np.float32) / 255)
        with pytest.raises(ValueError, match=rf"frame 1: .*\({H + 2}, {W}, 3\) uint8"):
            w.write(np.zeros((H + 2, W, 3), np.uint8))
        w.write(rgb[1])
        assert w.frames_written == 2
    d = decode(path)
    assert d.count == 2
    assert_close(d.frames[1], rgb[1], TOL, "frame 1")


@pytest.mark.parametrize(
    "bad, words",
    [
        (np.zeros((H, W, 2), np.uint8), "shape"),
        (np.zeros((2, H, W, 3), np.uint8), "shape"),
        (np.zeros((H, W, 3), np.int64), "dtype int64"),
        (np.zeros((H, W, 3), bool), "dtype bool"),
        (np.zeros((0, W, 3), np.uint8), "empty"),
    ],
)
def test_arrays_that_are_not_pictures_are_refused(tmp_path, bad, words):
    w = en.Writer(tmp_path / "a.mp4")
    with pytest.raises(ValueError, match=words):
        w.write(bad)
    w.write(np.zeros((H, W, 3), np.uint8))  # still usable: the first good frame opens it
    assert w.close().frames == 1


def test_array_likes_pil_images_and_palette_images(tmp_path):
    from PIL import Image

    rgb = blocks(3, H, W, seed=7)

    class Tensorish:  # what a CPU tensor offers: __array__
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a

    palette = Image.fromarray(rgb[2]).quantize(colors=64)
    assert palette.mode == "P"
    given = [Image.fromarray(rgb[0]), Tensorish(rgb[1]), palette]
    en.write_video(tmp_path / "a.mp4", given, fps=10, **EXACT)
    d = decode(tmp_path / "a.mp4")
    assert d.count == 3
    assert_close(d.frames[0], rgb[0], TOL, "PIL RGB")
    assert_close(d.frames[1], rgb[1], TOL, "__array__")
    assert_close(d.frames[2], np.asarray(palette.convert("RGB")), TOL, "palette image's colours")


def test_odd_sizes_are_padded_by_default_and_cropped_on_request(tmp_path):
    rgb = blocks(2, 47, 65, seed=8)
    s = en.write_video(tmp_path / "pad.mp4", rgb, fps=10)
    assert (s.width, s.height, s.input_width, s.input_height) == (66, 48, 65, 47)
    d = decode(tmp_path / "pad.mp4")
    assert (d.width, d.height) == (66, 48)
    s = en.write_video(tmp_path / "crop.mp4", rgb, fps=10, odd_size="crop")
    assert (decode(tmp_path / "crop.mp4").width, s.height) == (64, 46)


def test_planar_yuv_input_is_encoded_as_it_is(tmp_path):
    y = np.full((H, W), 120, np.uint8)
    u = np.full((H // 2, W // 2), 128, np.uint8)
    frame = np.concatenate([y.ravel(), u.ravel(), u.ravel()]).reshape(H * 3 // 2, W)  # OpenCV's I420
    en.write_video(tmp_path / "y.mp4", [frame] * 3, fps=10, input_format="yuv420p", width=W,
                   height=H, color_matrix="bt601")
    d = decode(tmp_path / "y.mp4")
    assert d.count == 3
    grey = round((120 - 16) * 255 / 219)
    assert_close(d.frames[0], np.full((H, W, 3), grey, np.uint8), 2, "grey from Y=120")
    with pytest.raises(ValueError, match="width"):
        en.Writer(tmp_path / "z.mp4", input_format="yuv420p").write(frame)


def test_explicit_timestamps(tmp_path):
    rgb = blocks(3, H, W, seed=9)
    with en.Writer(tmp_path / "t.mp4", time_base="1/1000") as w:
        for f, ms in zip(rgb, [0, 100, 350]):
            w.write(f, pts=ms)
    d = decode(tmp_path / "t.mp4")
    assert d.pts_seconds == pytest.approx([0.0, 0.1, 0.35], abs=1e-3)


def test_4d_array_and_generator_inputs(tmp_path):
    rgb = blocks(5, H, W, seed=10)
    assert en.write_video(tmp_path / "a.mp4", rgb, fps=10).frames == 5
    assert en.write_video(tmp_path / "b.mp4", (f for f in rgb), fps=10).frames == 5
    assert decode(tmp_path / "b.mp4").count == 5



def test_a_crop_reaching_the_end_of_its_buffer_is_right(tmp_path):
    big = blocks(N, 96, 128, seed=11)
    with en.Writer(tmp_path / "corner.mp4", fps=25, **EXACT) as w:
        for f in big:
            w.write(f[40:, 30:])  # the bottom-right corner: its last row ends the buffer
    d = decode(tmp_path / "corner.mp4")
    assert (d.count, d.width, d.height) == (N, 98, 56)
    for i in range(N):
        assert_close(d.frames[i], big[i, 40:, 30:], TOL, f"frame {i}")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_grey_and_16_bit_corner_crops_are_read_in_place(tmp_path, dtype):
    rgb = blocks(N, 96, 128, seed=12)
    big = rgb[..., 0].astype(dtype) * (257 if dtype == np.uint16 else 1)
    with en.Writer(tmp_path / "corner.mp4", fps=25, **EXACT) as w:
        for f in big:
            w.write(f[40:, 30:])
    assert w.frames_copied == 0
    d = decode(tmp_path / "corner.mp4")
    for i in range(N):
        want = np.repeat(rgb[i, 40:, 30:, :1], 3, axis=2)
        assert_close(d.frames[i], want, TOL, f"frame {i}")
