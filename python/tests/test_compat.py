"""The seed programs, changed by one line: scikit-video's and OpenCV's writers, and the PNG pipe
into ``encode-native images -``. Every video is decoded with PyAV and checked."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

import numpy as np
import pytest

from encode_native.compat import cv2, skvideo

from conftest import blocks, decode

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli() -> str:
    """The encode-native command: $ENCODE_NATIVE_BIN, the repository's build, or the PATH."""
    for path in (
        os.environ.get("ENCODE_NATIVE_BIN"),
        os.path.join(ROOT, "target", "release", "encode-native"),
        os.path.join(ROOT, "target", "debug", "encode-native"),
        shutil.which("encode-native"),
    ):
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    pytest.fail("the encode-native command is not built (cargo build --release --bin encode-native)")


# -- scikit-video ---------------------------------------------------------------------------


def test_skvideo_ffmpegwriter_random_frames(tmp_path):
    # The seed program: random numpy frames through FFmpegWriter, with its outputdict.
    out = str(tmp_path / "outputvideo.mp4")
    outputdata = (np.random.random(size=(30, 480, 640, 3)) * 255).astype(np.uint8)
    writer = skvideo.io.FFmpegWriter(
        out,
        outputdict={"-r": "30", "-c:v": "libx264", "-preset": "ultrafast", "-pix_fmt": "yuv444p"},
    )
    for i in range(outputdata.shape[0]):
        writer.writeFrame(outputdata[i, :, :, :])
    writer.close()
    d = decode(out)
    assert (d.count, d.width, d.height, d.pix_fmt, d.codec) == (30, 640, 480, "yuv444p", "h264")
    assert d.duration == pytest.approx(1.0)


def test_skvideo_writeframe_from_a_folder_of_pillow_images(tmp_path):
    from PIL import Image

    folder = tmp_path / "frames"
    folder.mkdir()
    for i in range(10):
        Image.new("RGB", (320, 240), (20 * i, 100, 200 - 10 * i)).save(folder / f"f{i:02}.png")
    out = str(tmp_path / "folder.mp4")
    writer = skvideo.io.FFmpegWriter(out, inputdict={"-r": "10"}, outputdict={"-crf": "18"})
    for name in sorted(os.listdir(folder)):
        writer.writeFrame(np.asarray(Image.open(folder / name)))
    writer.close()
    d = decode(out)
    assert (d.count, d.width, d.height, d.pix_fmt, d.codec) == (10, 320, 240, "yuv420p", "h264")
    assert d.duration == pytest.approx(1.0)
    # The pictures went in: the first frame's red is 0, the last one's 180.
    assert abs(int(d.frames[0][120, 160, 0]) - 0) <= 6
    assert abs(int(d.frames[9][120, 160, 0]) - 180) <= 6


def test_skvideo_vwrite_grey_and_options(tmp_path):
    out = str(tmp_path / "v.mkv")
    video = np.linspace(0, 255, 24 * 64 * 48).reshape(24, 48, 64).astype(np.uint8)
    summary = skvideo.io.vwrite(
        out,
        video,
        inputdict={"-framerate": "24000/1001"},
        outputdict={"-vcodec": "libx264", "-g": "12", "-preset": "ultrafast"},
    )
    assert summary.frames == 24
    d = decode(out)
    assert (d.count, d.width, d.height) == (24, 64, 48)
    assert d.fps == pytest.approx(24000 / 1001)


def test_skvideo_outputdict_vf_is_the_filter(tmp_path):
    out = str(tmp_path / "vf.mp4")
    w = skvideo.io.FFmpegWriter(out, outputdict={"-vf": "crop=32:24:8:8,hflip", "-preset": "ultrafast"})
    for f in blocks(5, 48, 64, seed=9):
        w.writeFrame(f)
    w.close()
    d = decode(out)
    assert (d.count, d.width, d.height) == (5, 32, 24)


def test_skvideo_unknown_flags_and_differing_rates_are_errors(tmp_path):
    out = str(tmp_path / "x.mp4")
    with pytest.raises(ValueError, match=r"'-ss'.*supported flags are .*-crf"):
        skvideo.io.FFmpegWriter(out, outputdict={"-ss": "2"})
    with pytest.raises(ValueError, match=r"'-loglevel'"):
        skvideo.io.FFmpegWriter(out, inputdict={"-loglevel": "quiet"})
    with pytest.raises(ValueError, match=r"input -r 25 and output -r 30 differ"):
        skvideo.io.FFmpegWriter(out, inputdict={"-r": "25"}, outputdict={"-r": "30"})
    with pytest.raises(ValueError, match=r"preset"):
        w = skvideo.io.FFmpegWriter(out, outputdict={"-preset": "warp"})
        w.writeFrame(np.zeros((48, 64, 3), np.uint8))
    # The same rate twice is fine, and a frame of another size names both sizes.
    w = skvideo.io.FFmpegWriter(out, inputdict={"-r": "30", "-s": "64x48"}, outputdict={"-r": "30"})
    with pytest.raises(ValueError, match=r"frame 0: 32x48 does not match the -s 64x48"):
        w.writeFrame(np.zeros((48, 32, 3), np.uint8))
    w.writeFrame(np.zeros((48, 64, 3), np.uint8))
    w.close()
    assert decode(out).count == 1
    assert not os.path.exists(out + ".partial")


# -- OpenCV ---------------------------------------------------------------------------------


def test_cv2_videowriter_mp4v_100_random_frames(tmp_path):
    # The seed program: 100 random 640x480 frames through cv2.VideoWriter with MP4V.
    out = str(tmp_path / "output.mp4")
    fourcc = cv2.VideoWriter_fourcc(*"MP4V")
    writer = cv2.VideoWriter(out, fourcc, 20.0, (640, 480))
    assert writer.isOpened()
    for _ in range(100):
        frame = np.random.randint(0, 256, (480, 640, 3), dtype=np.uint8)
        writer.write(frame)
    writer.release()
    d = decode(out)
    assert (d.count, d.width, d.height, d.codec) == (100, 640, 480, "mpeg4")
    assert d.duration == pytest.approx(5.0)


def test_cv2_avc1_bgr_colours_grey_and_with_block(tmp_path):
    out = str(tmp_path / "bgr.mp4")
    # Pure blue in OpenCV's BGR order must come out blue.
    blue = np.zeros((96, 128, 3), np.uint8)
    blue[..., 0] = 255
    with cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"avc1"), 30, (128, 96)) as w:
        for _ in range(15):
            w.write(blue)
    d = decode(out)
    assert (d.count, d.codec) == (15, "h264")
    r, g, b = (int(v) for v in d.frames[0][48, 64])
    assert b > 200 and r < 50 and g < 50, (r, g, b)

    grey_out = str(tmp_path / "grey.avi")
    w = cv2.VideoWriter(grey_out, cv2.VideoWriter_fourcc(*"XVID"), 10, (64, 48), isColor=False)
    for level in range(0, 250, 25):
        w.write(np.full((48, 64), level, np.uint8))
    with pytest.raises(ValueError, match="grey"):
        w.write(np.zeros((48, 64, 3), np.uint8))
    w.release()
    d = decode(grey_out)
    assert (d.count, d.codec) == (10, "mpeg4")
    assert abs(int(d.frames[5][24, 32, 0]) - 125) <= 6


def test_cv2_wrong_sized_frame_raises_instead_of_a_silent_drop(tmp_path):
    out = str(tmp_path / "sizes.mp4")
    w = cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"mp4v"), 25, (640, 480))
    w.write(np.zeros((480, 640, 3), np.uint8))
    with pytest.raises(ValueError, match=r"frame 1: 480x640 does not match the writer's frameSize 640x480"):
        w.write(np.zeros((640, 480, 3), np.uint8))
    w.write(np.zeros((480, 640, 3), np.uint8))
    w.release()
    assert decode(out).count == 2
    with pytest.raises(ValueError, match=r"FourCC 'WMV2'.*avc1"):
        cv2.VideoWriter(out, cv2.VideoWriter_fourcc(*"WMV2"), 25, (64, 48))


# -- the PNG pipe ---------------------------------------------------------------------------


def test_matplotlib_pngs_piped_into_encode_native_images(tmp_path):
    # The seed program: a matplotlib loop saving PNGs into a pipe, read by
    # `ffmpeg -f image2pipe -vcodec png -i pipe: out.avi`, now `encode-native images -`.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = str(tmp_path / "out.avi")
    p = subprocess.Popen(
        [cli(), "images", "-", "--fps", "1", "--preset", "ultrafast", "-o", out, "-q"],
        stdin=subprocess.PIPE,
    )
    fig = plt.figure(figsize=(4, 3), dpi=80)
    for i in range(8):
        plt.clf()
        plt.plot(np.sin(np.linspace(0, 2 * np.pi, 100) + i / 2.0))
        plt.savefig(p.stdin, format="png")
    plt.close(fig)
    p.stdin.close()
    assert p.wait(timeout=120) == 0
    d = decode(out)
    assert (d.count, d.width, d.height, d.codec) == (8, 320, 240, "h264")
    assert d.duration == pytest.approx(8.0)


def test_a_corrupt_image_in_the_pipe_names_its_position(tmp_path):
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 30)).save(png, format="PNG")
    data = png.getvalue()
    stream = data + data + data[: len(data) // 2]
    out = str(tmp_path / "cut.mp4")
    r = subprocess.run(
        [cli(), "images", "-", "--preset", "ultrafast", "-o", out],
        input=stream,
        capture_output=True,
        timeout=120,
    )
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert f"image 3 of standard input (at byte {2 * len(data)})" in err
    assert decode(out).count == 2
