"""imageio's v2 API on encode-native: ``from encode_native.compat import imageio`` (the seed
tutorial's loop with only its import changed), imageio's own ``get_writer``/``mimwrite``
with ``format="encode_native"``, and imageio-ffmpeg's keywords, each checked on the decoded
output. Also the plain API's float range check, skvideo's ``-an`` and the GIF's MIME type."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
import wave

import av
import imageio as real_imageio
import numpy as np
import pytest

import encode_native as en
from encode_native.compat import imageio, skvideo

from conftest import assert_close, block_centres, blocks, decode

H, W = 240, 320


def seed_frames(n: int = 40) -> np.ndarray:
    """The tutorial's picture: a sine wave over a background whose colour changes."""
    frames = np.zeros((n, H, W, 3), np.uint8)
    x = np.linspace(0, 2 * np.pi, W)
    for i in range(n):
        frames[i, :, :] = (40 + 4 * i, 90, 200 - 3 * i)
        y = np.sin(x + 2 * np.pi * i / n)
        rows = ((1 - y) / 2 * (H - 1)).astype(int)
        frames[i, rows, np.arange(W)] = 255
    return frames


def keyframes(path) -> list:
    with av.open(os.fspath(path)) as c:
        return [i for i, p in enumerate(c.demux(c.streams.video[0])) if p.is_keyframe and p.size]


def write_wav(path, seconds: float = 2.0, rate: int = 44100) -> None:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    with wave.open(os.fspath(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())


# -- the seed program, one import changed --------------------------------------------------


def test_seed_loop_with_only_the_import_changed(tmp_path):
    # The tutorial, as written for imageio v2; only `import imageio` became this line.
    from encode_native.compat import imageio  # noqa: F811

    path = str(tmp_path / "wave.mp4")
    frames = seed_frames(40)
    writer = imageio.get_writer(path, fps=20)
    for frame in frames:
        writer.append_data(frame)
    writer.close()

    d = decode(path)
    assert (d.count, d.width, d.height, d.codec) == (40, W, H, "h264")
    assert d.duration == pytest.approx(2.0)
    for i in (0, 20, 39):  # the background, away from the wave
        assert_close(d.frames[i][:20, :40], frames[i][:20, :40], 6, f"frame {i}")


def test_imageios_own_get_writer_takes_one_frame_per_append(tmp_path):
    # The reported bug: 40 frames of 320x240 became 9600 frames of 4x320.
    path = tmp_path / "a.mp4"
    frames = seed_frames(40)
    w = real_imageio.get_writer(path, format="encode_native", fps=20)
    for f in frames:
        w.append_data(f)
    w.close()
    d = decode(path)
    assert (d.count, d.width, d.height) == (40, W, H)
    assert d.duration == pytest.approx(2.0)
    assert_close(d.frames[39][:20, :40], frames[39][:20, :40], 6, "last frame")
    with real_imageio.get_writer(tmp_path / "b.mp4", format="encode_native", fps=20) as w:
        for f in frames[:5]:
            w.append_data(f)
    assert decode(tmp_path / "b.mp4").count == 5


def test_a_batch_given_to_append_data_raises(tmp_path):
    batch = seed_frames(4)
    for get_writer, kwargs in ((imageio.get_writer, {}),
                               (real_imageio.get_writer, {"format": "encode_native"})):
        w = get_writer(tmp_path / "batch.mp4", fps=20, **kwargs)
        with pytest.raises(ValueError, match=r"one frame.*\(4, 240, 320, 3\).*batch of 4 frames"):
            w.append_data(batch)
        w.append_data(batch[0])  # the writer goes on
        w.close()
        assert decode(tmp_path / "batch.mp4").count == 1


def test_mimwrite_and_mimsave(tmp_path):
    frames = blocks(12, 48, 64, seed=5)
    c = block_centres(48, 64)
    imageio.mimwrite(tmp_path / "list.mp4", list(frames), fps=12, macro_block_size=1)
    imageio.mimsave(tmp_path / "array.mkv", frames, fps=12, macro_block_size=1)
    real_imageio.mimwrite(tmp_path / "real.mp4", list(frames), format="encode_native", fps=12,
                          macro_block_size=1)
    real_imageio.mimsave(tmp_path / "real-array.mp4", frames, format="encode_native", fps=12,
                         macro_block_size=1)
    for name in ("list.mp4", "array.mkv", "real.mp4", "real-array.mp4"):
        d = decode(tmp_path / name)
        assert (d.count, d.width, d.height) == (12, 64, 48), name
        assert d.duration == pytest.approx(1.0, abs=2e-3), name  # MKV: milliseconds
        assert_close(d.frames[11][c], frames[11][c], 8, name)
    data = imageio.mimwrite(imageio.RETURN_BYTES, frames, format="mp4", fps=12)
    assert isinstance(data, bytes) and decode(data).count == 12
    # imwrite of one frame to a video: a video of one frame (imageio's v2 imwrite too).
    real_imageio.imwrite(tmp_path / "one.mp4", frames[0], format="encode_native")
    assert decode(tmp_path / "one.mp4").count == 1


def test_gif_webp_and_apng_are_encode_natives(tmp_path):
    frames = blocks(6, 48, 64)
    imageio.mimsave(tmp_path / "a.gif", frames, duration=100)  # Pillow's milliseconds
    d = decode(tmp_path / "a.gif")
    assert (d.count, d.width, d.height, d.codec) == (6, 64, 48, "gif")
    assert d.duration == pytest.approx(0.6)
    imageio.mimsave(tmp_path / "a.webp", frames, fps=5)
    from PIL import Image, ImageSequence  # FFmpeg does not decode animated WebP

    with Image.open(tmp_path / "a.webp") as im:
        assert sum(1 for _ in ImageSequence.Iterator(im)) == 6
    w = imageio.get_writer(tmp_path / "a.apng", fps=5)
    assert isinstance(w, imageio.VideoWriter)
    for f in frames:
        w.append_data(f)
    w.close()
    d = decode(tmp_path / "a.apng")
    assert (d.count, d.codec) == (6, "apng")
    with pytest.raises(ValueError, match="constant frame rate"):
        imageio.mimsave(tmp_path / "b.gif", frames, duration=[100, 200, 100, 100, 100, 100])


def test_everything_else_is_the_real_imageio(tmp_path):
    image = blocks(1, 48, 64)[0]
    imageio.imwrite(tmp_path / "still.png", image)  # a single image: imageio's Pillow
    np.testing.assert_array_equal(imageio.imread(tmp_path / "still.png"), image)
    assert imageio.mimread(tmp_path / "still.png")[0].shape == (48, 64, 3)
    assert not isinstance(imageio.get_writer(tmp_path / "x.png"), imageio.VideoWriter)
    assert imageio.v3 is real_imageio.v3 and imageio.core is real_imageio.core


def test_the_writer_works_without_imageio_installed(tmp_path):
    out = tmp_path / "noimageio.mp4"
    program = f"""
import sys
sys.modules["imageio"] = None  # as if it were not installed
import numpy as np
from encode_native.compat import imageio
w = imageio.get_writer({str(out)!r}, fps=10)
for i in range(5):
    w.append_data(np.full((32, 48, 3), 40 * i, np.uint8))
w.close()
try:
    imageio.imread("x.png")
except ImportError as e:
    print("imread:", e)
try:
    imageio.help
except AttributeError as e:
    print("help:", e)
"""
    r = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "imread:" in r.stdout and "pip install imageio" in r.stdout
    assert "help:" in r.stdout and "'help'" in r.stdout
    assert decode(out).count == 5


# -- imageio-ffmpeg's keywords ----------------------------------------------------------------


def noise(n: int = 10, h: int = 64, w: int = 96, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return np.stack([np.roll(base, 3 * i, axis=1) for i in range(n)])


def test_quality_maps_to_crf_by_imageio_ffmpegs_formula(tmp_path):
    # Pictures with detail that does not move (rolled noise is nearly free to code
    # losslessly): blocks with fresh noise in every frame.
    rng = np.random.default_rng(2)
    frames = np.clip(blocks(10, 64, 96).astype(int) + rng.integers(-12, 13, (10, 64, 96, 3)),
                     0, 255).astype(np.uint8)
    sizes = []
    for q in (2, 5, 8, 10):
        path = tmp_path / f"q{q}.mp4"
        imageio.mimwrite(path, frames, fps=10, quality=q)
        data = path.read_bytes()
        # x264 writes its settings in the stream: crf = int((1 - q / 10) * 51) (crf 0 is
        # lossless, which x264 writes as qp=0).
        crf = int((1 - q / 10) * 51)
        assert re.search(rb"\bcrf=%d\.0\b" % crf if crf else rb"\bqp=0\b", data), q
        sizes.append(len(data))
    assert sizes == sorted(sizes) and len(set(sizes)) == 4, sizes
    # Not an x264 encoder: imageio-ffmpeg's quantiser, int((1 - q / 10) * 30) + 1; VP9 and
    # AV1 on their crf scale of 0-63; WebP's quality 0-100; nothing for GIF.
    from encode_native.compat.imageio import writer_settings

    assert writer_settings(".avi", {"codec": "mpeg4", "quality": 2})[1]["qscale"] == 25
    # 1 - 0.8 is 0.19999999999999996 in floating point: 6, as imageio-ffmpeg computes it.
    assert writer_settings(".avi", {"codec": "mpeg4", "quality": 8})[1]["qscale"] == 6
    assert writer_settings(".webm", {"quality": 8})[1]["crf"] == 12
    assert writer_settings(".webp", {"quality": 8})[1]["crf"] == 80
    assert "crf" not in writer_settings(".gif", {"quality": 8})[1]
    path = tmp_path / "m.avi"
    imageio.mimwrite(path, frames, fps=10, codec="mpeg4", quality=8)
    assert decode(path).codec == "mpeg4"
    with pytest.raises(ValueError, match="quality 11 is out of range: 0 to 10"):
        imageio.get_writer(tmp_path / "bad.mp4", quality=11)


def test_quality_walks_every_encoders_own_scale():
    """imageio's quality 0-10 on every encoder with a quality scale in the library's table
    (rav1e's qscale and mjpeg's included): the setting stays on the scale, its ends are the
    scale's ends, and it rises or falls with quality as the scale runs. (That the library
    encodes at both ends of each scale is codecs::each_encoders_quality_scale_is_what_it_takes
    in the Rust suite, on every FFmpeg.)"""
    from encode_native import _native
    from encode_native.compat.imageio import _quality_setting

    walked = []
    for entry in _native.encoders():
        scale = entry["quality"]
        if scale is None:
            assert _quality_setting(5, entry["name"]) is None, entry["name"]
            continue
        values = []
        for q in range(11):
            key, value = _quality_setting(q, entry["name"])
            assert key == scale["key"], entry["name"]
            values.append(value)
        lo, hi = sorted((scale["best"], scale["worst"]))
        assert all(lo <= v <= hi for v in values), (entry["name"], values)
        assert values[0] == scale["worst"] and values[10] == scale["best"], (entry["name"], values)
        step = 1 if scale["best"] > scale["worst"] else -1
        assert all((b - a) * step >= 0 for a, b in zip(values, values[1:])), (entry["name"], values)
        walked.append(entry["name"])
    assert {"librav1e", "mjpeg", "libx264", "libwebp_anim"} <= set(walked), walked


def test_bitrate_codec_and_pixelformat(tmp_path):
    frames = noise(20)
    imageio.mimwrite(tmp_path / "low.mp4", frames, fps=10, bitrate="100k", quality=10)
    imageio.mimwrite(tmp_path / "high.mp4", frames, fps=10, bitrate=400_000)
    low, high = ((tmp_path / n).stat().st_size * 8 / 2.0 for n in ("low.mp4", "high.mp4"))
    assert 50_000 < low < 150_000 and low * 2 < high, (low, high)  # bits per second
    assert b"crf=" not in (tmp_path / "low.mp4").read_bytes()  # bitrate wins over quality
    imageio.mimwrite(tmp_path / "c.mkv", frames, fps=10, codec="libx265", pixelformat="yuv444p")
    d = decode(tmp_path / "c.mkv")
    assert (d.codec, d.pix_fmt) == ("hevc", "yuv444p")


def test_wmv_is_msmpeg4_in_asf_as_imageio_ffmpeg_writes_it(tmp_path):
    # imageio-ffmpeg picks msmpeg4 for a .wmv (Windows players); so does the library.
    frames = blocks(10, 96, 128)
    with imageio.get_writer(tmp_path / "a.wmv", fps=10) as w:
        for f in frames:
            w.append_data(f)
    with av.open(os.fspath(tmp_path / "a.wmv")) as c:
        assert c.format.name == "asf"
    d = decode(tmp_path / "a.wmv")
    assert d.codec.startswith("msmpeg4") and len(d.frames) == 10, (d.codec, len(d.frames))
    centres = block_centres(96, 128)
    for i, (got, want) in enumerate(zip(d.frames, frames)):
        assert_close(got[centres], want[centres], 12, f"frame {i}")
    with pytest.raises(en.ConfigError, match="wmv"):
        imageio.mimwrite(tmp_path / "s.wmv", frames, fps=10, audio_path=os.devnull)


def test_macro_block_size_pads_to_a_multiple(tmp_path):
    frames = blocks(3, 70, 100)
    with pytest.warns(UserWarning, match=r"100x70.*macro_block_size=16.*112x80"):
        imageio.mimwrite(tmp_path / "pad.mp4", frames, fps=10)
    d = decode(tmp_path / "pad.mp4")
    assert (d.count, d.width, d.height) == (3, 112, 80)
    # The picture is where it was (no scaling) and the padding repeats its edge.
    c = block_centres(64, 96)
    assert_close(d.frames[2][c], frames[2][c], 8, "picture")
    assert_close(d.frames[2][8, 108], frames[2][8, 99], 8, "padded column")
    with pytest.warns(UserWarning, match="104x72"):
        imageio.mimwrite(tmp_path / "eight.mp4", frames, fps=10, macro_block_size=8)
    assert (decode(tmp_path / "eight.mp4").width, decode(tmp_path / "eight.mp4").height) == (104, 72)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        imageio.mimwrite(tmp_path / "keep.mp4", frames, fps=10, macro_block_size=1)
        imageio.mimwrite(tmp_path / "none.mp4", frames, fps=10, macro_block_size=None)
    assert (decode(tmp_path / "keep.mp4").width, decode(tmp_path / "keep.mp4").height) == (100, 70)
    assert decode(tmp_path / "none.mp4").width == 100


@pytest.mark.parametrize("keyword", ["ffmpeg_params", "output_params"])
def test_ffmpeg_params_reach_the_encoder(tmp_path, keyword):
    path = tmp_path / "g5.mp4"
    imageio.mimwrite(path, noise(20), fps=10, **{keyword: ["-preset", "ultrafast", "-g", "5"]})
    assert keyframes(path) == [0, 5, 10, 15]
    data = path.read_bytes()
    assert b"keyint=5" in data and b"subme=0" in data  # -g 5, and ultrafast's subme
    with pytest.raises(ValueError, match="'-af'"):
        imageio.get_writer(tmp_path / "x.mp4", **{keyword: ["-af", "volume=2"]})


def test_vf_scales_after_the_macro_block_padding(tmp_path):
    # imageio's own test_writer_ffmpeg_params: -vf's scale decides the size, whatever the
    # padding to a multiple of 16 made of the 100x100 frames.
    frames = np.zeros((10, 100, 100, 3), np.uint8)
    frames[:, :, :, 0] = 200
    with pytest.warns(UserWarning, match="padded to 112x112"):
        w = imageio.get_writer(tmp_path / "s.mp4", ffmpeg_params=["-vf", "scale=320:240"])
        for f in frames:
            w.append_data(f)
        w.close()
    d = decode(tmp_path / "s.mp4")
    assert (d.count, d.width, d.height) == (10, 320, 240)
    assert_close(d.frames[9][100:140, 140:180], np.full((40, 40, 3), (200, 0, 0), np.uint8), 6, "red")
    # A filter that is not one raises when the writer is made, naming it; nothing is written.
    # FFmpeg's own reason follows "does not parse" (its wording differs between versions).
    with pytest.raises(ValueError, match=r"'nosuchfilter=1'.*does not parse: \S.{8,}"):
        imageio.get_writer(tmp_path / "x.mp4", output_params=["-vf", "nosuchfilter=1"],
                           macro_block_size=1)
    assert not (tmp_path / "x.mp4").exists()


def test_input_params_ffmpeg_log_level_and_errors_that_name_the_keyword(tmp_path):
    imageio.mimwrite(tmp_path / "r.mp4", noise(5), fps=10, input_params=["-framerate", "25"],
                     ffmpeg_log_level="debug")
    assert decode(tmp_path / "r.mp4").fps == 25
    with pytest.raises(ValueError, match="'-ss'"):
        imageio.get_writer(tmp_path / "x.mp4", input_params=["-ss", "3"])
    with pytest.raises(ValueError, match="invalid setting 'qualty'"):
        imageio.get_writer(tmp_path / "x.mp4", qualty=5)
    # encode-native's own settings pass through.
    imageio.mimwrite(tmp_path / "own.mp4", noise(5), fps=10, crf=40, preset="ultrafast")
    assert b"crf=40.0" in (tmp_path / "own.mp4").read_bytes()


def test_audio_path_and_audio_codec(tmp_path):
    wav = tmp_path / "tone.wav"
    write_wav(wav, 2.0)
    imageio.mimwrite(tmp_path / "a.mp4", noise(20), fps=10, audio_path=wav)
    imageio.mimwrite(tmp_path / "b.mkv", noise(20), fps=10, audio_path=str(wav),
                     audio_codec="flac")
    for name, codec in (("a.mp4", "aac"), ("b.mkv", "flac")):
        with av.open(os.fspath(tmp_path / name)) as c:
            audio = c.streams.audio[0]
            assert audio.codec_context.name == codec, name
            samples = sum(f.samples for f in c.decode(audio))
        assert samples / audio.rate == pytest.approx(2.0, abs=0.05), name
    # imageio's own test_write_audio_ac3: the soundtrack encoded as AC-3.
    imageio.mimwrite(tmp_path / "c.mp4", noise(20), fps=10, audio_path=wav, audio_codec="ac3")
    with av.open(os.fspath(tmp_path / "c.mp4")) as c:
        assert c.streams.audio[0].codec_context.name == "ac3"
        samples = sum(f.samples for f in c.decode(c.streams.audio[0]))
        assert samples / c.streams.audio[0].rate == pytest.approx(2.0, abs=0.05)
    with av.open(os.fspath(tmp_path / "a.mp4")) as c:  # no soundtrack unless asked
        assert c.streams.audio
    imageio.mimwrite(tmp_path / "silent.mp4", noise(5), fps=10)
    with av.open(os.fspath(tmp_path / "silent.mp4")) as c:
        assert not c.streams.audio


def test_pixel_values_follow_imageios_rule(tmp_path):
    from imageio.core.util import image_as_uint

    frames = blocks(3, 48, 64).astype(np.float64)
    c = block_centres(48, 64)
    cases = {
        "unit": frames / 255.0,       # [0, 1]: times 255
        "wide": frames * 4.0 - 100,   # anything else: stretched from min to max
        "int": frames.astype(np.int64),
    }
    for name, data in cases.items():
        with pytest.warns(UserWarning, match="Lossy conversion"):
            imageio.mimwrite(tmp_path / f"{name}.mp4", data, fps=10, macro_block_size=1)
        d = decode(tmp_path / f"{name}.mp4")
        for i in range(3):
            want = image_as_uint(data[i], bitdepth=8)
            assert_close(d.frames[i][c], want[c], 8, f"{name} frame {i}")


# -- the plain API, skvideo, GIF ----------------------------------------------------------------


def test_float_frames_outside_0_1_raise(tmp_path):
    frames = blocks(2, 48, 64).astype(np.float32)  # 0-255 data in floats
    with pytest.raises(ValueError, match=r"frame 0: float values from \d+ to \d+.*read as \[0, 1\]"
                                         r".*astype\(np.uint8\).*divide by 255"):
        en.encode(frames, fps=10)
    w = en.Writer(None, 10)
    w.write(frames[0] / 255.0)
    with pytest.raises(ValueError, match=r"frame 1: float values from -0\.4\d* to"):
        w.write(frames[1] / 255.0 - 0.5)
    w.write(np.clip(frames[1] / 255.0 + 0.0005, None, 1.0005))  # rounding is fine
    nan = frames[1] / 255.0
    nan[0, 0] = np.nan
    w.write(nan)  # NaN is black, as before
    w.close()
    assert decode(w.video).count == 3
    with pytest.raises(ValueError, match="read as"):
        en.encode([np.full((8, 8), 2.0)], fps=10)  # grey too


def test_skvideo_accepts_an(tmp_path):
    frames = blocks(3, 48, 64)
    for out, inp in (({"-an": ""}, {}), ({"-an": None}, {}), ({"-an": True}, {"-an": ""})):
        w = skvideo.io.FFmpegWriter(str(tmp_path / "an.mp4"), inputdict=inp,
                                    outputdict={"-r": "10", **out})
        for f in frames:
            w.writeFrame(f)
        w.close()
        assert decode(tmp_path / "an.mp4").count == 3


def test_encode_of_a_gif_is_labelled_image_gif():
    video = en.encode(blocks(3, 32, 32), fps=10, format="gif")
    assert video.mime == "image/gif"
    assert video[:6] in (b"GIF87a", b"GIF89a")
    assert video._repr_html_().startswith("<img") and "data:image/gif;base64," in video._repr_html_()
    assert en.encode(blocks(3, 32, 32), fps=10).mime == "video/mp4"


def test_output_params_on_the_plain_writer_names_the_keyword():
    with pytest.raises(ValueError) as e:
        en.Writer("x.mp4", 10, output_params=["-g", "5"])
    assert "'output_params'" in str(e.value) and "output_format" not in str(e.value)
    with pytest.raises(ValueError, match=r"'output_format' \(pix_fmt\)"):
        en.Writer("x.mp4", 10, outputformat="yuv444p")


def test_bytes_and_file_objects_through_imageios_v2():
    import io

    frames = blocks(5, 32, 48)
    data = real_imageio.mimwrite("<bytes>", frames, format="encode_native", fps=10)
    assert isinstance(data, bytes) and decode(data).count == 5
    w = real_imageio.get_writer("<bytes>", format="encode_native", fps=10)
    for f in frames:
        w.append_data(f)
    w.close()
    assert decode(w.request.get_result()).count == 5
    buf = io.BytesIO()
    imageio.mimwrite(buf, frames, format="mkv", fps=10)
    assert buf.getvalue()[:4] == b"\x1a\x45\xdf\xa3" and decode(buf.getvalue()).count == 5
