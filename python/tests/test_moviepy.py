"""moviepy programs with one changed import (``encode_native.compat.moviepy``), on the
standalone part of the layer (what the module is without moviepy installed; with moviepy
installed, the same clips imported as ``encode_native.compat.moviepy._standalone``, and the
module itself is tested as moviepy in test_moviepy_real.py): every video is decoded back
with PyAV and checked for its frames, their times, size and pixels."""

from __future__ import annotations

import math
import os
import time
import wave
from fractions import Fraction

import av
import numpy as np
import pytest

try:
    import moviepy  # noqa: F401
except ImportError:
    HAVE_MOVIEPY = False
    import encode_native.compat.moviepy as standalone
else:
    HAVE_MOVIEPY = True
    import encode_native.compat.moviepy._standalone as standalone

from conftest import decode

AudioClip, AudioFileClip = standalone.AudioClip, standalone.AudioFileClip
ImageSequenceClip, VideoClip = standalone.ImageSequenceClip, standalone.VideoClip


def expected_count(duration, rate: Fraction) -> int:
    """round(duration × fps), halves up, from the duration as written."""
    return math.floor(Fraction(repr(float(duration))) * rate + Fraction(1, 2))


def level_frame(t):
    """A flat grey frame whose level says its time: 20 + 100 t (uint8)."""
    return np.full((48, 64, 3), 20 + 100 * t, dtype=np.float64)


def write_wav(path, seconds, rate=44100, channels=2):
    n = int(seconds * rate)
    tone = (np.sin(2 * np.pi * 440 * np.arange(n) / rate) * 12000).astype(np.int16)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(np.repeat(tone[:, None], channels, axis=1).tobytes())


def streams(path):
    """(video duration, audio duration, audio sample rate, audio frame seconds) by PyAV."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio[0]
        vend = max(float((p.pts + p.duration) * v.time_base) for p in c.demux(v) if p.pts is not None)
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        samples = 0
        first = None
        frame_size = 0
        for f in c.decode(a):
            if first is None:
                first = float(f.pts * a.time_base)
            samples += f.samples
            frame_size = max(frame_size, f.samples)
        rate = a.codec_context.sample_rate
    return vend, samples / rate, rate, frame_size / rate


# -- the seed programs ---------------------------------------------------------------------


def test_seed_one_liner(tmp_path, monkeypatch):
    # The seed, with only its import changed (it writes to the current folder).
    monkeypatch.chdir(tmp_path)
    VideoClip(lambda t: np.ones((480, 640, 3)) * (t * 255 / 2), duration=2).write_videofile("x.mp4", fps=24)
    d = decode(tmp_path / "x.mp4")
    assert (d.count, d.width, d.height, d.codec) == (48, 640, 480, "h264")
    assert d.duration == pytest.approx(2.0)
    assert d.fps == 24
    for i, frame in enumerate(d.frames):
        # moviepy's cast: float64 to uint8 by astype, truncating (t = 1 s: 127.5 -> 127).
        want = int(np.float64((i / 24) * 255 / 2).astype("uint8"))
        assert abs(float(frame.mean()) - want) <= 2, (i, frame.mean(), want)


def test_pygame_style_make_frame(tmp_path):
    # Drawing into an array each frame (what a pygame surface gives): a square moving right.
    W, H = 320, 240

    def make_frame(t):
        surface = np.zeros((H, W, 3), dtype=np.uint8)
        surface[:] = (30, 60, 90)
        x = int(40 + 100 * t)
        surface[80:160, x:x + 80] = (230, 200, 40)
        return surface

    out = tmp_path / "pygame.mp4"
    clip = VideoClip(make_frame, duration=2)
    assert clip.size == (W, H) and clip.w == W and clip.h == H
    clip.write_videofile(str(out), fps=15, logger=None)
    d = decode(out)
    assert (d.count, d.width, d.height) == (30, W, H)
    assert d.duration == pytest.approx(2.0)
    for i, frame in enumerate(d.frames):
        want = make_frame(i / 15)
        inner = (slice(90, 150), slice(int(40 + 100 * i / 15) + 10, int(40 + 100 * i / 15) + 70))
        assert np.abs(frame[inner].astype(int) - want[inner]).max() <= 12, i
        assert np.abs(frame[10:60, 10:30].astype(int) - want[10:60, 10:30]).max() <= 12, i


def test_image_sequence_from_a_folder_of_pngs(tmp_path):
    from PIL import Image

    folder = tmp_path / "pngs"
    folder.mkdir()
    colours = [(20 * i + 10, 120, 220 - 20 * i) for i in range(10)]
    for i, c in enumerate(colours):
        Image.new("RGB", (160, 120), c).save(folder / f"img{i:03}.png")
    clip = ImageSequenceClip(str(folder), fps=10)
    assert (clip.duration, clip.fps, clip.size) == (1, 10, (160, 120))
    out = tmp_path / "folder.mp4"
    clip.write_videofile(str(out), logger=None)
    d = decode(out)
    assert (d.count, d.width, d.height) == (10, 160, 120)
    assert d.duration == pytest.approx(1.0)
    for frame, c in zip(d.frames, colours):
        assert np.abs(frame[60, 80].astype(int) - c).max() <= 6


def test_image_sequence_from_a_list_with_durations(tmp_path):
    images = [np.full((64, 96, 3), (40 * k + 20, 200 - 40 * k, 90), np.uint8) for k in range(4)]
    durations = [0.5, 0.25, 0.25, 1]
    clip = ImageSequenceClip(images, durations=durations)
    # Every image lasts its duration exactly: 4 fps, 8 frames (moviepy: 2 fps, 4 frames,
    # the third image never shown).
    assert (clip.fps, clip.duration) == (4, 2)
    out = tmp_path / "durations.mp4"
    clip.write_videofile(str(out), logger=None)
    d = decode(out)
    assert (d.count, d.width, d.height) == (8, 96, 64)
    assert d.duration == pytest.approx(2.0)
    shown = [0, 0, 1, 2, 3, 3, 3, 3]
    for frame, k in zip(d.frames, shown):
        assert np.abs(frame[32, 48].astype(int) - images[k][32, 48]).max() <= 6


def test_rgba_and_grey_frames(tmp_path):
    # RGBA: the alpha is dropped (as moviepy drops a PNG's); grey (H, W): a grey video.
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 200, 60
    out = tmp_path / "rgba.mp4"
    ImageSequenceClip([rgba] * 5, fps=5).write_videofile(str(out), logger=None)
    d = decode(out)
    assert d.count == 5 and abs(int(d.frames[0][24, 32, 0]) - 200) <= 4 and d.frames[0][24, 32, 1] <= 4
    out = tmp_path / "grey.mp4"
    VideoClip(lambda t: np.full((48, 64), 150, np.uint8), duration=1).write_videofile(str(out), fps=10, logger=None)
    d = decode(out)
    assert d.count == 10 and np.abs(d.frames[3].astype(int) - 150).max() <= 3


def test_pixels_cast_as_moviepy_casts_them(tmp_path):
    # Not uint8: frame.astype("uint8"), moviepy's cast: truncation, wrapping outside 0-255.
    values = [127.9, 300.0, 64.2]
    frames = {i: np.full((32, 32, 3), v) for i, v in enumerate(values)}
    out = tmp_path / "cast.mkv"
    clip = VideoClip(lambda t: frames[min(2, int(round(t * 10)))], duration=0.3)
    clip.write_videofile(str(out), fps=10, codec="libx264", ffmpeg_params=["-crf", "0"], pixel_format="yuv444p",
                         logger=None)
    d = decode(out)
    assert d.count == 3
    for frame, v in zip(d.frames, values):
        want = int(np.asarray(v).astype("uint8"))
        assert abs(int(frame[16, 16, 0]) - want) <= 1, (v, frame[16, 16], want)


# -- frame times ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fps, duration, rate",
    [
        (29.97, 10, Fraction(30000, 1001)),
        (23.976, 10, Fraction(24000, 1001)),
        (7, 1.5, Fraction(7)),
        (30, 3.33, Fraction(30)),
        (29.97, 1, Fraction(30000, 1001)),
        (24, 2, Fraction(24)),
    ],
)
def test_frame_times(tmp_path, fps, duration, rate):
    # Exactly round(duration × fps) frames, the last one included, frame i at t = i / fps:
    # moviepy 2.2.1 makes int(duration × fps) (299, 239, 10, 99, 29 for the first five).
    times = []

    def make_frame(t):
        times.append(t)
        return level_frame(t)

    out = tmp_path / "times.mp4"
    clip = VideoClip(make_frame, duration=duration)
    times.clear()  # the clip's size comes from the frame at t = 0, as in moviepy
    summary = clip.write_videofile(str(out), fps=fps, preset="ultrafast", logger=None)
    n = expected_count(duration, rate)
    assert summary.frames == n
    assert times == [float(Fraction(i) / rate) for i in range(n)]
    d = decode(out)
    assert d.count == n
    assert d.fps == rate
    for i, pts in enumerate(d.pts_seconds):
        assert pts - d.pts_seconds[0] == pytest.approx(float(i / rate), abs=1e-4), i
    assert d.duration == pytest.approx(float(n / rate), abs=1e-4)
    # The frames are the right ones: the last frame's level is that of its time.
    last = 20 + 100 * float((n - 1) / rate)
    assert abs(float(d.frames[-1].mean()) - int(last) % 256) <= 3


# -- sound ---------------------------------------------------------------------------------


def test_with_audio_file(tmp_path):
    wav = tmp_path / "tone.wav"
    write_wav(wav, 2.5, rate=48000)
    sound = AudioFileClip(str(wav))
    assert sound.duration == pytest.approx(2.5) and sound.fps == 48000 and sound.nchannels == 2
    clip = VideoClip(level_frame, duration=2).with_audio(sound)
    out = tmp_path / "sound.mp4"
    summary = clip.write_videofile(str(out), fps=24, logger=None)
    assert summary.audio is not None and summary.audio.sample_rate == 44100  # moviepy's audio_fps
    video_end, audio_seconds, rate, audio_frame = streams(out)
    assert rate == 44100
    assert video_end == pytest.approx(2.0, abs=1e-3)
    assert abs(audio_seconds - video_end) <= audio_frame
    assert decode(out).count == 48


def test_set_audio_and_an_audio_function_moviepy_1(tmp_path):
    # moviepy 1's spelling: set_audio, set_fps, make_frame=, and AudioClip(make_frame=...).
    tone = AudioClip(make_frame=lambda t: np.sin(2 * np.pi * 440 * np.asarray(t)) * 0.5, duration=1.5)
    clip = VideoClip(make_frame=level_frame).set_duration(1.5).set_fps(20).set_audio(tone)
    out = tmp_path / "tone.mkv"
    clip.write_videofile(str(out), audio_fps=48000, audio_codec="flac", logger=None)
    video_end, audio_seconds, rate, audio_frame = streams(out)
    assert rate == 48000
    assert video_end == pytest.approx(1.5, abs=1e-3)
    assert abs(audio_seconds - 1.5) <= audio_frame
    assert decode(out).count == 30


def test_audio_path_argument(tmp_path):
    wav = tmp_path / "t.wav"
    write_wav(wav, 1.0, channels=1)
    out = tmp_path / "p.mp4"
    VideoClip(level_frame, duration=1).write_videofile(str(out), fps=10, audio=str(wav), logger=None)
    _, audio_seconds, _, audio_frame = streams(out)
    assert abs(audio_seconds - 1.0) <= audio_frame


# -- GIF, settings, editing ------------------------------------------------------------------


def test_write_gif(tmp_path):
    out = tmp_path / "a.gif"
    colours = [(230, 30, 30), (30, 230, 30), (30, 30, 230), (230, 230, 30)]
    images = [np.tile(np.asarray(c, np.uint8), (40, 60, 1)) for c in colours]
    ImageSequenceClip(images, fps=8).write_gif(str(out), fps=8, logger=None)
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        size = (c.streams.video[0].codec_context.width, c.streams.video[0].codec_context.height)
    assert len(frames) == 4 and size == (60, 40)
    for frame, c in zip(frames, colours):
        assert np.abs(frame[20, 30].astype(int) - c).max() <= 8
    out = tmp_path / "b.gif"
    VideoClip(level_frame, duration=1).write_gif(str(out), fps=10, logger=None)
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 10


def test_write_videofile_settings(tmp_path):
    out = tmp_path / "s.mp4"
    clip = VideoClip(level_frame, duration=1)
    summary = clip.write_videofile(str(out), fps=10, codec="mpeg4", bitrate="500k", threads=1,
                                   write_logfile=True, logger=None)
    assert summary.encoder == "mpeg4" and decode(out).codec == "mpeg4"
    assert os.path.exists(str(out) + ".log")
    out = tmp_path / "p.mp4"
    clip.write_videofile(str(out), fps=10, preset="ultrafast", ffmpeg_params=["-pix_fmt", "yuv444p", "-g", "5"],
                         logger=None)
    assert decode(out).pix_fmt == "yuv444p"
    with pytest.raises(ValueError, match="-map"):
        clip.write_videofile(str(tmp_path / "f.mp4"), fps=10, ffmpeg_params=["-map", "0"], logger=None)
    with pytest.raises(ValueError, match="fps"):
        clip.write_videofile(str(tmp_path / "n.mp4"), logger=None)
    with pytest.raises(ValueError, match="duration"):
        VideoClip(level_frame).write_videofile(str(tmp_path / "d.mp4"), fps=10, logger=None)


def test_subclip_and_concatenate(tmp_path):
    concatenate_videoclips = standalone.concatenate_videoclips
    clip = VideoClip(level_frame, duration=2)
    part = clip.subclipped(1, 1.5)
    assert part.duration == 0.5
    assert float(np.asarray(part.get_frame(0)).mean()) == pytest.approx(120)
    joined = concatenate_videoclips([clip.subclip(0, 0.5), VideoClip(lambda t: np.full((48, 64, 3), 200.0),
                                                                    duration=0.5)])
    out = tmp_path / "joined.mp4"
    joined.write_videofile(str(out), fps=10, logger=None)
    d = decode(out)
    assert d.count == 10
    assert abs(float(d.frames[2].mean()) - 40) <= 3 and abs(float(d.frames[7].mean()) - 200) <= 3


def test_the_module_is_the_standalone_part_without_moviepy():
    import encode_native.compat.moviepy as mp
    import encode_native.compat.moviepy._standalone as part

    if HAVE_MOVIEPY:
        assert mp.VideoClip is moviepy.VideoClip and mp.VideoClip is not part.VideoClip
    else:
        assert mp.__all__ == part.__all__
        assert all(getattr(mp, name) is getattr(part, name) for name in part.__all__)


@pytest.mark.skipif(HAVE_MOVIEPY, reason="with moviepy installed, the editor module is moviepy's (test_moviepy_real)")
def test_moviepy_1_editor_star_import(tmp_path):
    namespace: dict = {}
    exec("from encode_native.compat.moviepy.editor import *", namespace)
    for name in ("VideoClip", "ImageSequenceClip", "AudioFileClip", "CompositeVideoClip", "vfx"):
        assert name in namespace
    out = tmp_path / "m1.mp4"
    namespace["VideoClip"](make_frame=level_frame, duration=1).write_videofile(str(out), fps=12, verbose=False,
                                                                               logger=None)
    assert decode(out).count == 12


def test_editing_raises_not_implemented():
    mp = standalone
    clip = VideoClip(level_frame, duration=1)
    cases = [
        ("CompositeVideoClip", lambda: mp.CompositeVideoClip([clip])),
        ("TextClip", lambda: mp.TextClip(text="hello")),
        ("VideoFileClip", lambda: mp.VideoFileClip("in.mp4")),
        ("vfx.Resize", lambda: mp.vfx.Resize(0.5)),
        ("afx.AudioFadeIn", lambda: mp.afx.AudioFadeIn(1)),
        ("clip.resized", lambda: clip.resized(0.5)),
        ("clip.with_position", lambda: clip.with_position("center")),
        ("clip.fadein", lambda: clip.fadein(1)),
        ("clip.with_effects", lambda: clip.with_effects([])),
        ("concatenate_videoclips", lambda: mp.concatenate_videoclips([clip], method="compose")),
    ]
    for name, call in cases:
        with pytest.raises(NotImplementedError, match="Use moviepy for editing") as info:
            call()
        assert name in str(info.value)
    with pytest.raises(AttributeError):
        clip.no_such_method  # noqa: B018


def test_audio_file_subclip(tmp_path):
    # The usual cut, AudioFileClip(...).subclip(start, start + video's duration): the first
    # `start` seconds skipped; a piece ending before both the file and the video is refused.
    wav = tmp_path / "long.wav"
    write_wav(wav, 3.0)
    clip = VideoClip(level_frame, duration=2)
    out = tmp_path / "cut.mp4"
    summary = clip.with_audio(AudioFileClip(str(wav)).subclip(0.5, 2.5)).write_videofile(str(out), fps=10,
                                                                                         logger=None)
    assert summary.audio is not None and summary.audio.padded == 0
    _, audio_seconds, _, audio_frame = streams(out)
    assert abs(audio_seconds - 2.0) <= audio_frame
    with pytest.raises(NotImplementedError, match="cutting sound"):
        clip.with_audio(AudioFileClip(str(wav)).subclipped(0.5, 1.0)).write_videofile(
            str(tmp_path / "short.mp4"), fps=10, logger=None)


def test_audio_clip_of_a_list_per_channel(tmp_path):
    # moviepy's mono idiom: a list of one value per channel, for a scalar t or an array of t.
    tone = AudioClip(lambda t: [np.sin(440 * 2 * np.pi * t)], duration=0.5)
    assert tone.nchannels == 1
    stereo = AudioClip(lambda t: [np.sin(440 * 2 * np.pi * t), 0.5 * np.sin(220 * 2 * np.pi * t)], duration=0.5)
    assert stereo.nchannels == 2
    samples = stereo.to_soundarray(8000)
    assert samples.shape == (4000, 2)
    assert samples[1, 1] == pytest.approx(0.5 * np.sin(220 * 2 * np.pi / 8000), abs=1e-6)
    for clip, channels in ((tone, 1), (stereo, 2)):
        out = tmp_path / f"list{channels}.mp4"
        summary = VideoClip(level_frame, duration=0.5).with_audio(clip).write_videofile(
            str(out), fps=10, logger=None)
        assert summary.audio is not None and summary.audio.channels == channels
        video_end, audio_seconds, rate, audio_frame = streams(out)
        assert rate == 44100 and abs(audio_seconds - 0.5) <= audio_frame


def test_image_sequence_zero_durations(tmp_path):
    # moviepy accepts an image of duration 0: it is never shown.
    images = [np.full((32, 48, 3), v, np.uint8) for v in (40, 120, 200)]
    clip = ImageSequenceClip(images, durations=[0.5, 0, 0.5])
    assert clip.duration == 1
    out = tmp_path / "zero.mp4"
    clip.write_videofile(str(out), logger=None)
    d = decode(out)
    assert d.count == clip.fps * 1
    levels = [int(round(float(f.mean()))) for f in d.frames]
    assert all(abs(v - 40) <= 3 for v in levels[: d.count // 2]), levels
    assert all(abs(v - 200) <= 3 for v in levels[d.count // 2:]), levels
    with pytest.raises(ValueError, match="not all 0"):
        ImageSequenceClip(images, durations=[0, 0, 0])
    with pytest.raises(ValueError, match="0 or more"):
        ImageSequenceClip(images, durations=[0.5, -0.1, 0.5])


def test_threads_render_frames_in_processes(tmp_path):
    # threads=2: frames made in forked workers (each frame function call notes its process),
    # the video the same as made in one process.
    notes = tmp_path / "pids"

    def make_frame(t):
        busy = time.thread_time() + 0.02  # 20 ms of drawing: worth another process
        while time.thread_time() < busy:
            pass
        with open(notes, "a") as f:
            f.write(f"{os.getpid()}\n")
        return np.full((48, 64, 3), 20 + 100 * t)

    clip = VideoClip(make_frame, duration=1)
    notes.unlink()
    clip.write_videofile(str(tmp_path / "one.mp4"), fps=10, logger=None)
    assert set(notes.read_text().split()) == {str(os.getpid())}
    notes.unlink()
    clip.write_videofile(str(tmp_path / "two.mp4"), fps=10, threads=2, logger=None)
    pids = set(notes.read_text().split())
    assert pids - {str(os.getpid())}, pids
    one, two = decode(tmp_path / "one.mp4"), decode(tmp_path / "two.mp4")
    assert one.count == two.count == 10
    for a, b in zip(one.frames, two.frames):
        assert np.array_equal(a, b)
