"""``encode_native.compat.moviepy`` with moviepy installed: the module is moviepy (its names,
its submodules, its editing and reading), and its writing is encode-native's, in-process.
Every video is decoded back with PyAV; no ffmpeg process may be started to write one.

Skipped without moviepy (scripts/test-peer-moviepy.sh runs them in a venv that has it)."""

from __future__ import annotations

import importlib
import math
import os
import subprocess
import time
from fractions import Fraction

import av
import numpy as np
import pytest

moviepy = pytest.importorskip("moviepy")

import encode_native.compat.moviepy as mp  # noqa: E402
from encode_native.compat.moviepy import _real  # noqa: E402

from conftest import decode  # noqa: E402


def level_frame(t):
    """A flat grey frame whose level says its time: 20 + 100 t (float64, as moviepy's)."""
    return np.full((48, 64, 3), 20 + 100 * t, dtype=np.float64)


def stereo(t):
    return np.array([np.sin(440 * 2 * np.pi * t), 0.5 * np.sin(220 * 2 * np.pi * t)]).T.copy(order="C")


def sound_of(path):
    """(sample rate, channels, decoded seconds, one audio frame's seconds) by PyAV."""
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        samples, size = 0, 0
        for f in c.decode(a):
            samples += f.samples
            size = max(size, f.samples)
        rate = a.codec_context.sample_rate
        return rate, a.codec_context.channels, samples / rate, size / rate


def _writes(cmd):
    """Whether an ffmpeg command writes a file (not a reader's ``-`` nor a probe's ``-i x``)."""
    if isinstance(cmd, (str, bytes)) or "ffmpeg" not in os.path.basename(str(cmd[0])):
        return False
    return str(cmd[-1]) not in ("-", "pipe:") and str(cmd[-2]) != "-i"


@pytest.fixture
def no_ffmpeg_writer(monkeypatch):
    """subprocess.Popen refuses an ffmpeg process that would write a file (readers are
    allowed: moviepy reads through ffmpeg); yields the ffmpeg commands started."""
    started = []
    real = subprocess.Popen

    class Guard(real):  # type: ignore[misc,valid-type]
        def __init__(self, cmd, *args, **kwargs):
            if not isinstance(cmd, (str, bytes)) and "ffmpeg" in os.path.basename(str(cmd[0])):
                started.append([str(c) for c in cmd])
                if _writes(cmd):
                    raise AssertionError(f"an ffmpeg process was started to write: {cmd}")
            super().__init__(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", Guard)
    return started


# -- the module is moviepy ---------------------------------------------------------------------


def test_every_name_and_submodule_is_moviepys():
    for name in moviepy.__all__:
        assert getattr(mp, name) is getattr(moviepy, name), name
    assert mp.__version__ == moviepy.__version__
    for sub in ("video.io.ffmpeg_writer", "video.tools.subtitles", "tools", "config", "video.fx",
                "audio.io.AudioFileClip", "video.compositing.CompositeVideoClip", "decorators"):
        ours = importlib.import_module("encode_native.compat.moviepy." + sub)
        assert ours is importlib.import_module("moviepy." + sub), sub
    from encode_native.compat.moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter, ffmpeg_write_video
    from encode_native.compat.moviepy.video.tools.subtitles import SubtitlesClip

    assert SubtitlesClip is moviepy.video.tools.subtitles.SubtitlesClip
    assert ffmpeg_write_video is _real.ffmpeg_write_video and FFMPEG_VideoWriter is _real.FFMPEG_VideoWriter
    namespace: dict = {}
    exec("from encode_native.compat.moviepy.editor import *", namespace)
    assert namespace["CompositeVideoClip"] is moviepy.CompositeVideoClip and namespace["vfx"] is moviepy.vfx
    with pytest.raises(ModuleNotFoundError, match="encode_native.compat.moviepy.no_such_module"):
        importlib.import_module("encode_native.compat.moviepy.no_such_module")


def test_moviepys_own_modules_write_through_encode_native():
    # The replacement is global: moviepy imported as moviepy writes with encode-native too.
    import moviepy.video.io.ffmpeg_writer as writer_module
    import moviepy.video.io.gif_writers as gif_module
    import moviepy.video.VideoClip as clip_module

    assert writer_module.ffmpeg_write_video is _real.ffmpeg_write_video
    assert writer_module.FFMPEG_VideoWriter is _real.FFMPEG_VideoWriter
    assert clip_module.ffmpeg_write_video is _real.ffmpeg_write_video
    assert clip_module.write_gif_with_imageio is gif_module.write_gif_with_imageio
    assert "encode-native" in (moviepy.VideoClip.write_videofile.__doc__ or "")


# -- writing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fps, duration", [(29.97, 10 / 3), (23.976, 2.5), (7, 1.5)])
def test_frames_times_and_sound(tmp_path, no_ffmpeg_writer, fps, duration):
    # round(duration × fps) frames, halves up (moviepy 2.2.1: int(), one fewer at each of these),
    # frame i made at t = i / fps, the soundtrack pushed in the same writer.
    monkey = os.getcwd()
    os.chdir(tmp_path)
    try:
        clip = moviepy.VideoClip(level_frame, duration=duration).with_audio(
            moviepy.AudioClip(stereo, duration=duration, fps=44100))
        clip.write_videofile("out.mp4", fps=fps, logger=None)
        assert sorted(os.listdir(tmp_path)) == ["out.mp4"]  # no temporary sound file left or made
    finally:
        os.chdir(monkey)
    rate = Fraction(30000, 1001) if fps == 29.97 else Fraction(24000, 1001) if fps == 23.976 else Fraction(fps)
    n = math.floor(Fraction(repr(duration)) * rate + Fraction(1, 2))
    assert n == int(duration * fps) + 1
    d = decode(tmp_path / "out.mp4")
    assert d.count == n and d.fps == rate
    for i, pts in enumerate(d.pts_seconds):
        assert pts - d.pts_seconds[0] == pytest.approx(float(i / rate), abs=1e-4)
    for i in (0, n // 2, n - 1):
        want = int(np.float64(20 + 100 * float(i / rate)).astype("uint8"))
        assert abs(float(d.frames[i].mean()) - want) <= 3, (i, d.frames[i].mean(), want)
    sample_rate, channels, seconds, frame = sound_of(tmp_path / "out.mp4")
    assert (sample_rate, channels) == (44100, 2)
    assert abs(seconds - float(n / rate)) <= frame
    assert not any(_writes(c) for c in no_ffmpeg_writer)


def test_mono_list_sound_and_audio_settings(tmp_path, no_ffmpeg_writer):
    tone = moviepy.AudioClip(lambda t: [np.sin(440 * 2 * np.pi * t)], duration=0.5)
    clip = moviepy.VideoClip(level_frame, duration=1).with_audio(tone)
    out = tmp_path / "mono.mkv"
    summary = clip.write_videofile(str(out), fps=10, audio_fps=48000, audio_codec="flac", logger=None)
    assert summary.audio.encoder == "flac" and summary.audio.channels == 1
    sample_rate, channels, seconds, frame = sound_of(out)
    # The tone lasts 0.5 s; the library pads the soundtrack to the video's 1 s.
    assert (sample_rate, channels) == (48000, 1) and abs(seconds - 1.0) <= frame
    with av.open(str(out)) as c:
        pcm = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    assert np.abs(pcm[:24000]).max() > 0.9 and np.abs(pcm[24500:]).max() < 1e-3


def test_editing_and_reading_stay_moviepys(tmp_path, no_ffmpeg_writer):
    # A composition with effects, written; read back with moviepy's VideoFileClip (an ffmpeg
    # reader), cut, and written again with its own sound: only the reading uses ffmpeg.
    red = moviepy.ColorClip((64, 48), color=(200, 30, 30), duration=2)
    blue = moviepy.ColorClip((32, 24), color=(30, 30, 200), duration=2).with_position((0, 0))
    comp = moviepy.CompositeVideoClip([red, blue]).with_effects([moviepy.vfx.FadeIn(0.5)])
    comp = comp.with_audio(moviepy.AudioClip(stereo, duration=2, fps=44100))
    first = tmp_path / "comp.mp4"
    comp.write_videofile(str(first), fps=10, logger=None)
    d = decode(first)
    assert d.count == 20
    assert np.abs(d.frames[10][40, 50].astype(int) - (200, 30, 30)).max() <= 10
    assert np.abs(d.frames[10][5, 5].astype(int) - (30, 30, 200)).max() <= 10
    assert d.frames[0].mean() < 10  # the fade starts black
    with moviepy.VideoFileClip(str(first)) as read:
        part = read.subclipped(0.5, 1.5)
        second = tmp_path / "cut.mp4"
        part.write_videofile(str(second), logger=None)
    d = decode(second)
    assert d.count == 10 and d.fps == 10
    assert np.abs(d.frames[5][40, 50].astype(int) - (200, 30, 30)).max() <= 12
    _, channels, seconds, frame = sound_of(second)
    assert channels == 2 and abs(seconds - 1.0) <= frame
    assert any(not _writes(c) for c in no_ffmpeg_writer)  # moviepy did read through ffmpeg


def test_the_guard_catches_an_ffmpeg_writer(tmp_path, no_ffmpeg_writer):
    # moviepy's sound file writer is still moviepy's ffmpeg process: the guard sees it.
    with pytest.raises(AssertionError, match="started to write"):
        moviepy.AudioClip(stereo, duration=0.2, fps=44100).write_audiofile(str(tmp_path / "s.wav"), logger=None)


def test_write_gif_and_the_writer_functions(tmp_path, no_ffmpeg_writer):
    clip = moviepy.VideoClip(level_frame, duration=1.5)
    gif = tmp_path / "a.gif"
    clip.write_gif(str(gif), fps=7, logger=None)  # 10.5 frames: 11 (moviepy: 10)
    with av.open(str(gif)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 11
    from encode_native.compat.moviepy.video.io.ffmpeg_writer import FFMPEG_VideoWriter, ffmpeg_write_video

    out = tmp_path / "f.mp4"
    ffmpeg_write_video(clip, str(out), 10, codec="mpeg4", bitrate="400k", logger=None)
    d = decode(out)
    assert (d.count, d.codec) == (15, "mpeg4")
    out = tmp_path / "w.webm"
    with FFMPEG_VideoWriter(str(out), (64, 48), 5, codec="libvpx") as w:
        for i in range(5):
            w.write_frame(level_frame(i / 5))
    d = decode(out)
    assert (d.count, d.codec) == (5, "vp9")
    assert abs(float(d.frames[4].mean()) - 100) <= 3


def test_arguments_and_logger(tmp_path, no_ffmpeg_writer):
    import proglog

    class Recorder(proglog.ProgressBarLogger):
        def __init__(self):
            super().__init__()
            self.frames = []
            self.messages = []

        def bars_callback(self, bar, attr, value, old_value=None):
            if bar == "frame_index" and attr == "index":
                self.frames.append(value)

        def callback(self, **changes):
            self.messages.append(changes.get("message"))

    log = Recorder()
    clip = moviepy.VideoClip(level_frame, duration=1)
    out = tmp_path / "s.mp4"
    summary = clip.write_videofile(str(out), fps=10, preset="ultrafast", pixel_format="yuv444p",
                                   ffmpeg_params=["-crf", "10", "-g", "5"], threads=1, write_logfile=True,
                                   audio_nbytes=2, temp_audiofile="ignored.mp3", logger=log)
    assert summary.encoder == "libx264"
    assert decode(out).pix_fmt == "yuv444p"
    assert os.path.exists(str(out) + ".log")
    assert set(range(10)) <= set(log.frames) and max(log.frames) == 10  # proglog ends at the total
    assert any(m and "video ready" in m for m in log.messages)
    with pytest.raises(ValueError, match="-map"):
        clip.write_videofile(str(tmp_path / "m.mp4"), fps=10, ffmpeg_params=["-map", "0"], logger=None)
    with pytest.raises(ValueError, match="couldn't find the codec"):
        clip.write_videofile(str(tmp_path / "x.unknown"), fps=10, logger=None)


def test_threads_render_frames_in_processes(tmp_path, no_ffmpeg_writer):
    notes = tmp_path / "pids"

    def make_frame(t):
        busy = time.thread_time() + 0.02  # 20 ms of drawing: worth another process
        while time.thread_time() < busy:
            pass
        with open(notes, "a") as f:
            f.write(f"{os.getpid()}\n")
        return level_frame(t)

    clip = moviepy.VideoClip(make_frame, duration=1)
    notes.unlink()
    clip.write_videofile(str(tmp_path / "two.mp4"), fps=10, threads=2, logger=None)
    assert set(notes.read_text().split()) - {str(os.getpid())}
    d = decode(tmp_path / "two.mp4")
    assert d.count == 10
    for i, frame in enumerate(d.frames):
        assert abs(float(frame.mean()) - int(20 + 100 * i / 10)) <= 3, i


def test_an_unknown_codec_is_moviepys_error(tmp_path, no_ffmpeg_writer):
    # moviepy raises IOError saying ffmpeg did not find the codec; so do we (also a ValueError).
    clip = moviepy.VideoClip(level_frame, duration=0.5)
    for kwargs in ({"codec": "nonexistent-codec"}, {"audio_codec": "nonexistent-codec"}):
        with pytest.raises(IOError, match="didn't find the specified codec") as info:
            clip.with_audio(moviepy.AudioClip(stereo, duration=0.5, fps=44100)).write_videofile(
                str(tmp_path / "x.mp4"), fps=10, logger=None, **kwargs)
        assert isinstance(info.value, ValueError) and "nonexistent-codec" in str(info.value)
    assert not (tmp_path / "x.mp4").exists()


def test_masks_odd_sizes_and_gif_loops(tmp_path, no_ffmpeg_writer):
    # A mask is the alpha channel where the format keeps one (VP9), as moviepy writes it;
    # elsewhere the picture is over black. Odd sizes are kept (4:4:4), as ffmpeg keeps them
    # for moviepy's pipe. write_gif's loop count is stored.
    red = moviepy.ColorClip((64, 48), color=(255, 0, 0), duration=1)
    mask = moviepy.ColorClip((64, 48), color=0.3, is_mask=True, duration=1)
    clip = red.with_mask(mask)
    webm = tmp_path / "alpha.webm"
    summary = _real.ffmpeg_write_video(clip, str(webm), 5, codec="libvpx", logger=None)
    assert summary.pixel_format == "yuva420p"
    with moviepy.VideoFileClip(str(webm), has_mask=True) as back:
        assert back.mask is not None
        assert abs(float(back.mask.get_frame(0.5)[24, 32]) - 0.3) < 0.02
    mp4 = tmp_path / "over_black.mp4"
    clip.write_videofile(str(mp4), fps=5, logger=None)
    d = decode(mp4)
    assert np.abs(d.frames[2][24, 32].astype(int) - (76, 0, 0)).max() <= 6  # 255 x 0.3
    odd = tmp_path / "odd.mp4"
    summary = moviepy.ColorClip((3, 3), color=(0, 200, 0), duration=0.5).write_videofile(
        str(odd), fps=10, logger=None)
    assert (summary.width, summary.height, summary.pixel_format) == (3, 3, "yuv444p")
    assert decode(odd).frames[0].shape == (3, 3, 3)
    from PIL import Image

    gif = tmp_path / "twice.gif"
    moviepy.ColorClip((8, 8), color=(0, 0, 255), duration=0.5).write_gif(str(gif), fps=4, loop=2, logger=None)
    with Image.open(gif) as im:
        assert im.info["loop"] == 2 and im.n_frames == 2


def test_threads_with_a_video_file_clip(tmp_path, no_ffmpeg_writer):
    # Frames read from a file by moviepy's reader (an ffmpeg process and its pipe) and
    # rendered in worker processes: each worker reads through a reader of its own, so every
    # frame is the right one.
    source = tmp_path / "levels.mp4"
    moviepy.VideoClip(lambda t: np.full((48, 64, 3), 10 + 100 * t), duration=2).write_videofile(
        str(source), fps=10, logger=None)

    def slow(frame):
        busy = time.thread_time() + 0.02  # 20 ms of effect: worth another process
        while time.thread_time() < busy:
            pass
        return frame

    with moviepy.VideoFileClip(str(source)) as clip:
        out = tmp_path / "threads.mp4"
        clip.image_transform(slow).write_videofile(str(out), threads=2, logger=None)
    d = decode(out)
    assert d.count == 20
    levels = [float(f.mean()) for f in d.frames]
    for i, level in enumerate(levels):
        assert abs(level - (10 + 10 * i)) <= 3, (i, levels)


def test_remove_temp_false_keeps_the_sound_as_a_wav(tmp_path, no_ffmpeg_writer):
    # No temporary sound file is made; asked to keep one, the pushed soundtrack is kept as a
    # WAV named as moviepy names its temporary file. A named preset on VP9 is left out, as
    # ffmpeg ignores it there.
    import wave

    clip = moviepy.VideoClip(level_frame, duration=1).with_audio(moviepy.AudioClip(stereo, duration=1, fps=44100))
    keep = tmp_path / "keep"
    keep.mkdir()
    out = tmp_path / "v.webm"
    clip.write_videofile(str(out), fps=10, preset="ultrafast", temp_audiofile_path=str(keep), remove_temp=False,
                         logger=None)
    assert os.listdir(keep) == ["vTEMP_MPY_wvf_snd.wav"]
    with wave.open(str(keep / "vTEMP_MPY_wvf_snd.wav")) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (2, 44100, 44100)
        pcm = np.frombuffer(w.readframes(100), "<i2").reshape(-1, 2) / 32767
    want = stereo(np.arange(100) / 44100)
    assert np.abs(pcm - want).max() < 1e-3
    assert decode(out).count == 10
    clip.write_videofile(str(tmp_path / "w.mp4"), fps=10, logger=None)  # remove_temp=True: nothing kept
    assert sorted(os.listdir(tmp_path)) == ["keep", "v.webm", "w.mp4"]
