"""The matplotlib movie writer: registered on import, the exact number of frames, the same
pictures as writer="ffmpeg", matplotlib's arguments mapped or refused clearly."""

from __future__ import annotations

import shutil
import subprocess
import sys
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import animation  # noqa: E402

import encode_native as en  # noqa: E402
from encode_native.matplotlib import EncodeNativeWriter, extra_args_settings  # noqa: E402

from conftest import assert_close, decode  # noqa: E402

LOSSLESS = ["-pix_fmt", "yuv444p", "-crf", "0", "-preset", "ultrafast"]


def sine(frames=100, blit=True, figsize=(6.4, 4.8), dpi=100):
    fig, ax = plt.subplots(figsize=figsize, dpi=dpi)
    x = np.linspace(0, 2 * np.pi, 200)
    (line,) = ax.plot(x, np.sin(x))
    ax.set_ylim(-1.1, 1.1)

    def update(i):
        line.set_ydata(np.sin(x + i / 10))
        return (line,)

    return fig, animation.FuncAnimation(fig, update, frames=frames, blit=blit, interval=40)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_writer_is_registered_on_import():
    assert animation.writers.is_available("encode_native")
    assert animation.writers["encode_native"] is EncodeNativeWriter


@pytest.mark.parametrize("first", ["encode_native", "matplotlib.animation"])
def test_registration_does_not_depend_on_import_order(first):
    other = "matplotlib.animation" if first == "encode_native" else "encode_native"
    code = (f"import {first}, {other}, sys\n"
            "from matplotlib import animation\n"
            "assert animation.writers.is_available('encode_native'), animation.writers.list()\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_importing_encode_native_does_not_import_matplotlib():
    code = "import sys, encode_native\nassert 'matplotlib' not in sys.modules\nassert 'imageio' not in sys.modules\n"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("blit", [True, False])
def test_a_funcanimation_of_100_frames_gives_100_frames(tmp_path, blit):
    fig, ani = sine(100, blit=blit, figsize=(3.2, 2.4))
    path = tmp_path / "sine.mp4"
    ani.save(path, writer="encode_native", fps=30)
    d = decode(path)
    assert (d.count, d.width, d.height, d.pix_fmt) == (100, 320, 240, "yuv420p")
    assert d.duration == pytest.approx(100 / 30)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command to compare")
def test_frames_match_what_the_ffmpeg_writer_makes(tmp_path):
    videos = {}
    for writer in ("encode_native", "ffmpeg"):
        fig, ani = sine(8)
        path = tmp_path / f"{writer}.mp4"
        # Lossless 4:4:4 on both sides: what is compared is the picture each writer took.
        ani.save(path, writer=writer, fps=30, extra_args=LOSSLESS)
        plt.close(fig)
        videos[writer] = decode(path)
    ours, theirs = videos["encode_native"], videos["ffmpeg"]
    assert ours.count == theirs.count == 8
    assert (ours.width, ours.height, ours.pix_fmt) == (theirs.width, theirs.height, "yuv444p")
    for i in range(8):
        assert_close(ours.frames[i], theirs.frames[i], 4, f"frame {i}")
    assert np.abs(ours.frames[0].astype(int) - ours.frames[7].astype(int)).max() > 100  # it moves


def busy_blit(frames=9):
    """A blitted animation that tests the redraw of only what changes: two Axes with moving
    lines (one leaving its Axes under the spines), a legend and a title over them, a moving
    text below the tick labels, a figure title, and a title that changes every third frame
    (not animated: the background must be drawn again)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(4.8, 2.4), dpi=100)
    x = np.linspace(0, 2 * np.pi, 100)
    (line1,) = ax1.plot(x, np.sin(x), lw=3, label="sin")
    ax1.set_ylim(-0.8, 0.8)
    ax1.legend(loc="upper right", framealpha=0.6)
    ax1.set_title("frame 0")
    note = ax1.text(1, 0, "t", zorder=1, fontsize=14)
    (line2,) = ax2.plot(x, np.cos(x), color="red")
    fig.suptitle("busy")

    def update(i):
        line1.set_ydata(np.sin(x + i / 3))
        line2.set_ydata(np.cos(x - i / 2))
        note.set_position((1 + i / 3, 0))
        if i % 3 == 0:
            ax1.set_title(f"frame {i}")
        return line1, line2, note

    return fig, animation.FuncAnimation(fig, update, frames=frames, blit=True)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command to compare")
def test_blitted_animations_match_the_ffmpeg_writer_frame_by_frame(tmp_path):
    videos = {}
    for writer in ("encode_native", "ffmpeg"):
        fig, ani = busy_blit()
        ani.save(tmp_path / f"{writer}.mp4", writer=writer, fps=10, extra_args=LOSSLESS)
        plt.close(fig)
        videos[writer] = decode(tmp_path / f"{writer}.mp4")
    ours, theirs = videos["encode_native"], videos["ffmpeg"]
    assert ours.count == theirs.count == 9
    for i in range(9):
        assert_close(ours.frames[i], theirs.frames[i], 4, f"frame {i}")


def test_a_blitted_animation_is_drawn_in_full_only_when_needed(tmp_path, monkeypatch):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    draws = []
    full_draw = FigureCanvasAgg.draw
    monkeypatch.setattr(FigureCanvasAgg, "draw", lambda self: (draws.append(1), full_draw(self))[1])
    fig, ani = sine(30, blit=True, figsize=(3.2, 2.4))
    ani.save(tmp_path / "b.mp4", writer="encode_native", fps=30)
    assert decode(tmp_path / "b.mp4").count == 30
    assert len(draws) <= 3, f"{len(draws)} full draws for 30 blitted frames"
    fig, ani = busy_blit(9)
    draws.clear()
    ani.save(tmp_path / "busy.mp4", writer="encode_native", fps=10)
    assert 3 <= len(draws) <= 5  # the title changes at frames 0, 3 and 6


def test_animated_artists_in_a_grab_frame_loop_are_drawn(tmp_path):
    fig, ax = plt.subplots(figsize=(2, 2), dpi=50)
    (line,) = ax.plot([0, 1], [0, 0], lw=8, color="black", animated=True)
    ax.set_ylim(-1, 1)
    writer = EncodeNativeWriter(fps=10, extra_args=LOSSLESS)
    with writer.saving(fig, tmp_path / "a.mp4", dpi=50):
        for y in (-0.5, 0.5):
            line.set_ydata([y, y])  # an animated artist: the figure does not become stale
            writer.grab_frame()
    d = decode(tmp_path / "a.mp4")
    rows = [np.flatnonzero(f[:, 50, 0] < 60) for f in d.frames]
    assert len(rows[0]) and len(rows[1]) and rows[0].mean() > rows[1].mean() + 20, rows


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg command to compare")
def test_default_settings_match_the_ffmpeg_writer_closely(tmp_path):
    videos = {}
    for writer in ("encode_native", "ffmpeg"):
        fig, ani = sine(5)
        ani.save(tmp_path / f"{writer}.mp4", writer=writer, fps=30)
        plt.close(fig)
        videos[writer] = decode(tmp_path / f"{writer}.mp4")
    for a, b in zip(videos["encode_native"].frames, videos["ffmpeg"].frames):
        diff = np.abs(a.astype(int) - b.astype(int))
        # Two lossy encodes differ at sharp edges (chroma filters, rounding); on average they agree.
        assert diff.mean() < 0.6 and np.percentile(diff, 99) <= 10


def test_saving_and_grab_frame_draw_what_changed(tmp_path):
    fig = plt.figure(figsize=(2, 2), dpi=50)
    colours = [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0)]
    writer = EncodeNativeWriter(fps=10, extra_args=LOSSLESS)
    with writer.saving(fig, tmp_path / "g.mp4", dpi=50):
        for c in colours:
            fig.patch.set_facecolor(c)  # no draw here: grab_frame must see the change
            writer.grab_frame()
    assert writer.summary.frames == 4
    d = decode(tmp_path / "g.mp4")
    assert (d.count, d.width, d.height) == (4, 100, 100)
    for frame, c in zip(d.frames, colours):
        assert_close(frame[50, 50], np.array(c, np.uint8) * 255, 3, f"colour {c}")


def test_save_dpi_sets_the_size_and_the_figure_keeps_its_dpi(tmp_path):
    fig, ani = sine(3, figsize=(4, 3), dpi=100)
    ani.save(tmp_path / "d.mp4", writer="encode_native", fps=10, dpi=50)
    d = decode(tmp_path / "d.mp4")
    assert (d.count, d.width, d.height) == (3, 200, 150)
    assert fig.dpi == 100


def test_odd_pixel_sizes_become_even_like_the_ffmpeg_writer(tmp_path):
    fig, ani = sine(3, figsize=(3.01, 2.01), dpi=100)
    ani.save(tmp_path / "o.mp4", writer="encode_native", fps=10)
    d = decode(tmp_path / "o.mp4")
    assert d.width % 2 == 0 and d.height % 2 == 0 and abs(d.width - 301) <= 1 and abs(d.height - 201) <= 1


def test_savefig_kwargs_that_change_the_picture_are_honoured(tmp_path):
    fig, ani = sine(3, figsize=(2, 2), dpi=50)
    ani.save(tmp_path / "f.mp4", writer="encode_native", fps=10,
             savefig_kwargs={"facecolor": "black"}, extra_args=LOSSLESS)
    d = decode(tmp_path / "f.mp4")
    assert_close(d.frames[0][1, 1], np.zeros(3, np.uint8), 3, "black background corner")


def test_codec_bitrate_and_extra_args_map_to_settings(tmp_path):
    fig, ani = sine(10, figsize=(3.2, 2.4))
    ani.save(tmp_path / "m.mp4", writer="encode_native", fps=10, codec="mpeg4", bitrate=400)
    d = decode(tmp_path / "m.mp4")
    assert (d.codec, d.count) == ("mpeg4", 10)
    fig, ani = sine(3, figsize=(3.2, 2.4))
    ani.save(tmp_path / "x.mp4", writer="encode_native", fps=10,
             extra_args=["-preset", "ultrafast", "-pix_fmt", "yuv444p", "-g", "1", "-y"])
    assert decode(tmp_path / "x.mp4").pix_fmt == "yuv444p"
    assert extra_args_settings(["-vcodec", "h264", "-crf", "18", "-bf", "0", "-movflags", "+faststart"]) == [
        ("codec", "h264"), ("crf", "18"), ("codec_option", "bf=0"), ("faststart", "true")]


def test_extra_args_vf_is_the_filter(tmp_path):
    fig, ani = sine(4, figsize=(3.2, 2.4))
    ani.save(tmp_path / "vf.mp4", writer="encode_native", fps=10, dpi=100,
             extra_args=["-vf", "scale=160:120", "-preset", "ultrafast"])
    d = decode(tmp_path / "vf.mp4")
    assert (d.count, d.width, d.height) == (4, 160, 120)


@pytest.mark.parametrize("args, words", [(["-ss", "2"], "seeking"),
                                         (["-r", "10"], "frame rate"),
                                         (["-crf"], "expected a value")])
def test_extra_args_without_an_equivalent_are_refused(args, words):
    with pytest.raises(ValueError, match=words):
        EncodeNativeWriter(fps=10, extra_args=args)


@pytest.mark.parametrize("ext, name", [("gif", "GIF"), ("apng", "APNG")])
def test_bitrate_for_a_format_without_one_is_ignored_with_a_warning(tmp_path, caplog, ext, name):
    """matplotlib's ffmpeg and Pillow writers take ``bitrate=500`` for any output (its test
    suite passes it for every format, with warnings as errors); this writer drops it where
    the encoder has no use for it, saying so in matplotlib's way (a logged warning), while
    encode_native.Writer itself still refuses it."""
    fig, ax = plt.subplots(figsize=(1, 1), dpi=32)
    (line,) = ax.plot([0, 1], [0, 1])
    ani = animation.FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=3)
    path = tmp_path / f"movie.{ext}"
    caplog.set_level("WARNING", logger="encode_native.matplotlib")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ani.save(path, writer="encode_native", fps=10, bitrate=500)
    logged = [r for r in caplog.records if "bitrate" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelname == "WARNING"
    assert logged[0].getMessage().startswith(f"bitrate=500 does not apply to {name} output and is ignored")
    caplog.clear()
    d = decode(path)
    assert (d.count, d.width, d.height) == (3, 32, 32)
    # Where the bitrate applies it is used, without a warning.
    ani.save(tmp_path / "movie.mp4", writer="encode_native", fps=10, codec="mpeg4", bitrate=500)
    assert not [r for r in caplog.records if "bitrate" in r.getMessage()]
    assert decode(tmp_path / "movie.mp4").count == 3
    # The library's own writer refuses it, with the reason.
    with pytest.raises(ValueError, match=f"'bitrate 500000'.*no rate control with {ext}"):
        with en.Writer(tmp_path / f"plain.{ext}", fps=10, bitrate="500k") as w:
            w.write(np.zeros((32, 32, 3), np.uint8))
    assert not (tmp_path / f"plain.{ext}").exists()


def test_invalid_settings_and_metadata_are_refused_before_drawing():
    with pytest.raises(ValueError, match="crf"):
        EncodeNativeWriter(fps=10, extra_args=["-crf", "99x"])
    # Tags are written (test_audio.py reads them back); a tag without a key is refused.
    with pytest.raises(ValueError, match="metadata.*non-empty key"):
        EncodeNativeWriter(fps=10, metadata={"": "me"})


def test_writer_settings_as_keywords(tmp_path):
    fig, ani = sine(4, figsize=(3.2, 2.4))
    writer = EncodeNativeWriter(fps=20, crf=30, preset="ultrafast", format="mkv")
    ani.save(tmp_path / "k.mkv", writer=writer)
    assert writer.summary.container == "mkv" and decode(tmp_path / "k.mkv").count == 4


def test_to_html5_video_can_use_it():
    fig, ani = sine(5, figsize=(3.2, 2.4))
    with matplotlib.rc_context({"animation.writer": "encode_native"}):
        html = ani.to_html5_video()
    assert "<video" in html and "base64" in html


def _children() -> set:
    import glob
    import os

    pids: set = set()
    for path in glob.glob(f"/proc/{os.getpid()}/task/*/children"):
        with open(path) as f:
            pids.update(int(p) for p in f.read().split())
    return pids


def artists(frames=30):
    fig, ax = plt.subplots(figsize=(3.2, 2.4))
    x = np.linspace(0, 2 * np.pi, 100)
    shots = [[ax.plot(x, np.sin(x + i / 5), "C0")[0], ax.text(1, 0, f"frame {i}")] for i in range(frames)]
    return fig, animation.ArtistAnimation(fig, shots, interval=40)


def titled_sine(frames=40, blit=False):
    fig, ani = sine(frames, blit=blit, figsize=(3.2, 2.4))
    title = fig.axes[0].set_title("")
    func = ani._func

    def update(i):
        title.set_text(f"frame {i}")
        return (*func(i), title)

    ani._func = update
    return fig, ani


def generated(frames=40):
    """Frame data from a generator function, extra arguments (fargs), no cache."""
    fig, ax = plt.subplots(figsize=(3.2, 2.4))
    x = np.linspace(0, 2 * np.pi, 200)
    (line,) = ax.plot(x, np.sin(x))
    title = ax.set_title("")

    def phases():
        for i in range(frames):
            yield i, i / 7

    def update(data, scale):
        i, phase = data
        line.set_ydata(scale * np.sin(x + phase))
        title.set_text(f"frame {i}")

    return fig, animation.FuncAnimation(fig, update, frames=phases, fargs=(0.8,), save_count=frames,
                                        cache_frame_data=False)


@pytest.fixture
def always_fork(monkeypatch):
    """Every frame to the workers, however cheap (these small figures draw in milliseconds)."""
    from encode_native import _parallel

    monkeypatch.setattr(_parallel, "SERIAL_BELOW", 0.0)


@pytest.mark.usefixtures("always_fork")
@pytest.mark.parametrize("make", [lambda: titled_sine(blit=False), lambda: titled_sine(blit=True), artists,
                                  generated], ids=["func", "func-blit", "artists", "generator"])
def test_workers_draw_the_same_video_as_one_process(tmp_path, monkeypatch, make):
    import multiprocessing
    import os

    before = _children()
    # Which process renders each frame (shared with the forked workers).
    pids, drawn = multiprocessing.get_context("fork").Array("i", 64), multiprocessing.Value("i", 0)
    frame_pixels = EncodeNativeWriter._frame_pixels

    def spy(self, savefig_kwargs):
        with drawn.get_lock():
            pids[drawn.value] = os.getpid()
            drawn.value += 1
        return frame_pixels(self, savefig_kwargs)

    monkeypatch.setattr(EncodeNativeWriter, "_frame_pixels", spy)
    videos = []
    for workers in (1, 2):
        drawn.value = 0
        fig, ani = make()
        path = tmp_path / f"w{workers}.mp4"
        ani.save(path, writer=EncodeNativeWriter(fps=30, workers=workers, extra_args=LOSSLESS))
        videos.append(decode(path).frames)
        if isinstance(ani, animation.FuncAnimation):
            # The figure is left at the last frame, as a save in one process leaves it.
            assert fig.axes[0].get_title() == "frame 39"
        plt.close(fig)
    # The second video's frames after the first were drawn by two other processes.
    others = set(pids[1:drawn.value])
    assert pids[0] == os.getpid() and os.getpid() not in others and len(others) == 2
    assert len(videos[0]) == len(videos[1]) > 0
    for i, (a, b) in enumerate(zip(*videos)):
        assert np.array_equal(a, b), f"frame {i} differs"
    # Different frames, not one picture repeated.
    assert not np.array_equal(videos[1][1], videos[1][2])
    assert _children() - before == set()


def test_workers_need_animation_save(tmp_path):
    fig, ax = plt.subplots()
    with pytest.raises(RuntimeError, match="applies to Animation.save"):
        with EncodeNativeWriter(fps=10, workers=2).saving(fig, tmp_path / "x.mp4", dpi=100):
            pass


def test_workers_refuse_frames_from_a_one_shot_iterator(tmp_path):
    fig, ax = plt.subplots()
    (line,) = ax.plot([0, 1], [0, 1])
    ani = animation.FuncAnimation(fig, lambda i: line.set_ydata([0, i]), frames=iter(range(10)),
                                  repeat=False, save_count=10)
    with pytest.raises(RuntimeError, match="one-shot iterator"):
        ani.save(tmp_path / "x.mp4", writer=EncodeNativeWriter(fps=10, workers=2))


@pytest.mark.usefixtures("always_fork")
def test_a_failing_frame_in_a_worker_is_raised_by_save_with_its_index(tmp_path):
    before = _children()
    fig, ax = plt.subplots(figsize=(2, 2))
    (line,) = ax.plot([0, 1], [0, 1])

    def update(i):
        if i == 6:
            raise ValueError("bad frame data")
        line.set_ydata([0, i])

    ani = animation.FuncAnimation(fig, update, frames=20)
    with pytest.raises(ValueError, match="bad frame data") as info:
        ani.save(tmp_path / "x.mp4", writer=EncodeNativeWriter(fps=10, workers=2))
    assert "in frame 6" in "\n".join(info.value.__notes__)
    assert _children() - before == set()
    # The animation draws again in this process afterwards.
    assert "_draw_next_frame" not in ani.__dict__


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_workers_must_be_a_whole_number(workers):
    with pytest.raises(ValueError, match="workers"):
        EncodeNativeWriter(fps=10, workers=workers)


def test_workers_without_fork_are_refused_when_the_writer_is_made(monkeypatch):
    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    with pytest.raises(RuntimeError, match="fork"):
        EncodeNativeWriter(fps=10, workers=2)
    assert EncodeNativeWriter(fps=10, workers=1).workers == 1


def test_the_writer_name_needs_the_import_and_every_example_says_so():
    # matplotlib has no registration without the import (no entry points for writers): in a
    # fresh interpreter the name is unknown until `import encode_native`, then available.
    code = (
        "import matplotlib; matplotlib.use('Agg'); from matplotlib import animation\n"
        "before = animation.writers.is_available('encode_native')\n"
        "import encode_native\n"
        "print(before, animation.writers.is_available('encode_native'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
    import pathlib

    import encode_native.matplotlib as module

    examples = pathlib.Path(__file__).parent.parent / "examples"
    users = [p for p in examples.glob("*.py") if 'writer="encode_native"' in p.read_text()]
    assert users, "no example saves with writer=\"encode_native\""
    for path in users:
        text = path.read_text()
        assert "import encode_native" in text and "registers" in text, path
    assert "import encode_native  # registers" in module.__doc__
    assert "not a valid value for" in module.__doc__
    assert "registers" in EncodeNativeWriter.__doc__
