"""Soundtracks and tags from Python: every output is decoded back with PyAV and its samples,
sample counts, timing and tags compared with what was written."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave

import av
import numpy as np
import pytest

import encode_native as en
from encode_native import _native
from encode_native.compat import imageio as iio
from encode_native.compat.skvideo import io as skio

RATE = 48000
H, W = 32, 48


def frames(n: int) -> np.ndarray:
    return np.zeros((n, H, W, 3), np.uint8)


def decoded_audio(path) -> tuple:
    """(samples as (n, channels) in the decoder's dtype, sample rate, the container's
    tags)."""
    with av.open(str(path)) as c:
        assert c.streams.audio, f"{path}: no audio stream"
        stream = c.streams.audio[0]
        channels = stream.codec_context.channels
        parts = []
        for f in c.decode(stream):
            a = f.to_ndarray()
            # Packed formats come as (1, n * channels), planar ones as (channels, n).
            parts.append(a.reshape(-1, channels) if f.format.is_packed else a.T)
        return np.concatenate(parts), stream.codec_context.sample_rate, tags_of(c.metadata)


def tags_of(metadata) -> dict:
    """Tags by lower-case key (Matroska stores them upper-case, as ffmpeg's -metadata
    does; its title is the segment's own)."""
    return {k.lower(): v for k, v in dict(metadata).items()}


def noise_i16(n: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(-30000, 30000, (n, channels)).astype(np.int16)


def noise_f32(n: int, channels: int = 2, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, channels)) * 1.8 - 0.9).astype(np.float32)


@pytest.mark.parametrize("codec", ["pcm_s16le", "flac"])
def test_int16_samples_come_back_bit_exact(tmp_path, codec):
    track = noise_i16(RATE)
    path = tmp_path / f"{codec}.mkv"
    s = en.write_video(path, frames(30), fps=30, audio=track, sample_rate=RATE, audio_codec=codec)
    assert s.audio == en.AudioSummary(codec=codec, encoder=codec, sample_rate=RATE, channels=2,
                                      samples=RATE, duration=1.0, padded=0, trimmed=False)
    got, rate, _ = decoded_audio(path)
    assert rate == RATE
    # int16 samples are stored as 16 bits, FLAC too (the decoder gives int16 back).
    assert got.dtype == np.int16
    np.testing.assert_array_equal(got, track)


def test_float32_samples_come_back_exact_as_pcm_f32le(tmp_path):
    track = noise_f32(RATE // 2, channels=1)
    path = tmp_path / "f32.mkv"
    en.write_video(path, frames(15), fps=30, audio=track[:, 0], sample_rate=RATE,
                   audio_codec="pcm_f32le")
    got, _, _ = decoded_audio(path)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got[:, 0], track[:, 0])


def test_float64_planar_and_strided_samples(tmp_path):
    """float64 is pushed as F64; planar (channels, n) and a non-contiguous view are taken
    too; with pcm_f32le every sample comes back as its float32 value."""
    track = noise_f32(RATE, channels=2).astype(np.float64)
    path = tmp_path / "planar.mkv"
    with en.Writer(path, fps=30, sample_rate=RATE, channels=2, audio_codec="pcm_f32le") as w:
        w.write_audio(np.ascontiguousarray(track[:16000].T), planar=True)  # planar
        w.write_audio(np.asfortranarray(track[16000:32000]))               # not C order
        w.write_frames(frames(30))
        w.write_audio(track[32000:])
        assert w.audio_samples_written == RATE
    got, _, _ = decoded_audio(path)
    np.testing.assert_array_equal(got, track.astype(np.float32))


def test_aac_in_mkv_and_opus_in_webm_sample_counts(tmp_path):
    track = noise_f32(RATE) * 0.2
    aac = en.write_video(tmp_path / "a.mkv", frames(30), fps=30, audio=track, sample_rate=RATE)
    assert (aac.audio.codec, aac.audio.encoder, aac.audio.samples) == ("aac", "aac", RATE)
    got, rate, _ = decoded_audio(tmp_path / "a.mkv")
    # AAC: whole frames of 1024 samples, every sample there, and past them at most FFmpeg's
    # encoder priming (1024: Matroska's codec delay drops it from FFmpeg 6 on, 5.1 stores
    # none) and the last frame's padding.
    assert rate == RATE and len(got) % 1024 == 0
    assert RATE <= len(got) <= -(-(RATE + 1024) // 1024) * 1024
    opus = en.write_video(tmp_path / "o.webm", frames(30), fps=30, audio=track, sample_rate=RATE)
    assert (opus.audio.codec, opus.audio.encoder, opus.audio.samples) == ("opus", "libopus", RATE)
    got, rate, _ = decoded_audio(tmp_path / "o.webm")
    assert rate == RATE and len(got) == RATE  # pre-skip and end trimming are stored


def test_aac_in_mp4(tmp_path):
    path = tmp_path / "a.mp4"
    s = en.write_video(path, frames(30), fps=30, audio=noise_f32(RATE) * 0.2, sample_rate=RATE,
                       metadata={"title": "In MP4"})
    with av.open(str(path)) as c:
        assert len(c.streams.audio) == 1, "the MP4 has no audio stream"
    got, _, tags = decoded_audio(path)
    assert s.audio.samples == RATE and len(got) >= RATE
    assert tags["title"] == "In MP4"


def test_metadata_is_read_back(tmp_path):
    path = tmp_path / "tags.mkv"
    en.write_video(path, frames(3), fps=30, metadata={"title": "Ünïcode title", "artist": "Me"})
    with av.open(str(path)) as c:
        assert tags_of(c.metadata)["title"] == "Ünïcode title"
        assert tags_of(c.metadata)["artist"] == "Me"
    # A list of KEY=VALUE, stream tags, and encode()/from_function take it too.
    video = en.encode(frames(2), fps=10, format="mkv",
                      metadata=["title=Listed", "s:v:language=eng"])
    path.write_bytes(video)
    with av.open(str(path)) as c:
        assert tags_of(c.metadata)["title"] == "Listed"
        assert c.streams.video[0].metadata.get("language") == "eng"
    s = en.from_function(lambda t: np.zeros((H, W, 3), np.uint8), 0.5, 10, tmp_path / "f.mkv",
                         metadata={"title": "From function"})
    assert s.frames == 5
    with av.open(str(tmp_path / "f.mkv")) as c:
        assert tags_of(c.metadata)["title"] == "From function"


def test_metadata_keys_and_values_are_checked(tmp_path):
    """A tag is written as given or refused, never rewritten: a key with '=' would become
    another key, None or bytes their repr, keys differing only in case one tag."""
    path = tmp_path / "t.mkv"
    refused = [
        ({"a=b": "c"}, ValueError, r"metadata key 'a=b': a key cannot contain '='"),
        ({"title": None}, TypeError, r"metadata 'title': the value is None, expected str"),
        ({"title": b"bytes"}, TypeError, r"metadata 'title': the value is bytes, expected str"),
        ({"title": 1.5}, TypeError, r"metadata 'title': the value is float 1.5, expected str"),
        ({"title": True}, TypeError, r"metadata 'title': the value is bool True, expected str"),
        ({1: "x"}, TypeError, r"metadata key 1: keys are str"),
        (["title=A", None], TypeError, r"metadata None: a tag in a list is a \"KEY=VALUE\" str"),
        ({"Title": "a", "title": "b"}, ValueError,
         r"metadata keys 'Title' and 'title' differ only in case: containers store one of them"),
        (["s:a:language=eng", "s:a:LANGUAGE=fre"], ValueError,
         r"metadata keys 's:a:language' and 's:a:LANGUAGE' differ only in case"),
    ]
    for tags, error, message in refused:
        with pytest.raises(error, match=message):
            en.Writer(path, fps=30, metadata=tags)
        with pytest.raises(error, match=message):
            en.write_video(path, frames(2), fps=30, metadata=tags)
        assert not path.exists()
    # Across the metadata keyword and the setting's other name, and through the layers that
    # pass tags on (scikit-video's dict, matplotlib's, imageio's with ffmpeg's -metadata).
    with pytest.raises(ValueError, match="'title' and 'TITLE' differ only in case"):
        en.Writer(path, fps=30, metadata={"TITLE": "a"}, tag=["title=b"])
    with pytest.raises(TypeError, match="metadata 'artist': the value is None"):
        skio.FFmpegWriter(str(path), outputdict={"-r": "30"}, metadata={"artist": None})
    from encode_native.matplotlib import EncodeNativeWriter

    with pytest.raises(ValueError, match="metadata key 'a=b'"):
        EncodeNativeWriter(fps=10, metadata={"a=b": "c"})
    with pytest.raises(ValueError, match="'Title' and 'title' differ only in case"):
        iio.get_writer(str(path), fps=30, metadata={"Title": "a"}, output_params=["-metadata", "title=b"])
    assert not path.exists()
    # Integers are written in decimal; a value may hold '='; the video stream's title is
    # another tag than the file's.
    en.write_video(path, frames(2), fps=30, metadata={"title": "x=y", "track": 3, "year": np.int64(2024),
                                                       "s:v:title": "Video"})
    with av.open(str(path)) as c:
        tags = tags_of(c.metadata)
        assert (tags["title"], tags["track"], tags["year"]) == ("x=y", "3", "2024")
        assert "a" not in tags and "none" not in {v.lower() for v in tags.values()}
        assert c.streams.video[0].metadata.get("title") == "Video"
    # The same through imageio's layer, whose dict and -metadata flags add up.
    with iio.get_writer(str(path), fps=30, metadata={"artist": "Me"},
                        output_params=["-metadata", "title=Flags"]) as w:
        w.append_data(frames(1)[0])
    with av.open(str(path)) as c:
        tags = tags_of(c.metadata)
        assert (tags["artist"], tags["title"]) == ("Me", "Flags")


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffprobe for the stored bit depth")
def test_int16_samples_to_flac_are_stored_alike_whenever_they_are_written(tmp_path):
    """The sample format FLAC stores does not depend on whether write_audio came before the
    first frame or after it; sample_format chooses it, and an int16 soundtrack given to the
    writer whole is stored as 16 bits."""
    tone = (np.sin(2 * np.pi * 440 * np.arange(RATE // 2) / RATE) * 20000).astype(np.int16).reshape(-1, 1)

    def written(name, before, **settings):
        path = tmp_path / f"{name}.mkv"
        with en.Writer(path, fps=30, sample_rate=RATE, channels=1, audio_codec="flac", **settings) as w:
            if before:
                w.write_audio(tone)
            w.write(frames(1)[0])
            if not before:
                w.write_audio(tone)
            w.write_frames(frames(14))
        return path

    def stored(path):
        r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                            "stream=codec_name,sample_fmt,bits_per_raw_sample", "-of", "json", str(path)],
                           capture_output=True, text=True, check=True)
        s = json.loads(r.stdout)["streams"][0]
        return s["codec_name"], s["sample_fmt"], int(s["bits_per_raw_sample"])

    def full_scale(samples):
        return samples.astype(np.float64) / (1 << (8 * samples.dtype.itemsize - 1))

    before, after = written("before", True), written("after", False)
    assert stored(before) == stored(after) == ("flac", "s32", 24)  # sample_format's default, f32
    got_before, got_after = decoded_audio(before)[0], decoded_audio(after)[0]
    assert got_before.dtype == got_after.dtype
    np.testing.assert_array_equal(got_before, got_after)
    np.testing.assert_array_equal(full_scale(got_before), full_scale(tone))  # every sample exact
    # sample_format="s16" is 16-bit FLAC, before or after the first frame alike.
    s16 = [written(f"s16_{b}", b, sample_format="s16") for b in (True, False)]
    assert stored(s16[0]) == stored(s16[1]) == ("flac", "s16", 16)
    for path in s16:
        got = decoded_audio(path)[0]
        assert got.dtype == np.int16
        np.testing.assert_array_equal(got, tone)
    # A whole int16 soundtrack given to the writer is known before anything is encoded:
    # it is stored as 16 bits.
    whole = tmp_path / "whole.mkv"
    en.write_video(whole, frames(15), fps=30, audio=tone, sample_rate=RATE, audio_codec="flac")
    assert stored(whole) == ("flac", "s16", 16)
    np.testing.assert_array_equal(decoded_audio(whole)[0], tone)


def test_matplotlibs_frame_grabbing_example_writes_its_title(tmp_path):
    """matplotlib's own example (examples/animation/frame_grabbing_sgskip.py) with the
    encode_native writer in place of FFMpegWriter."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import animation

    from encode_native.matplotlib import EncodeNativeWriter

    np.random.seed(19680801)
    metadata = dict(title="Movie Test", artist="Matplotlib", comment="Movie support!")
    for writer in (EncodeNativeWriter(fps=15, metadata=metadata),
                   animation.writers["encode_native"](fps=15, metadata=metadata)):
        fig = plt.figure()
        (line,) = plt.plot([], [], "k-o")
        plt.xlim(-5, 5)
        plt.ylim(-5, 5)
        x0, y0 = 0.0, 0.0
        out = tmp_path / "writer_test.mkv"
        with writer.saving(fig, str(out), 100):
            for _ in range(20):
                x0 += 0.1 * np.random.randn()
                y0 += 0.1 * np.random.randn()
                line.set_data([x0], [y0])
                writer.grab_frame()
        plt.close(fig)
        assert writer.summary.frames == 20
        with av.open(str(out)) as c:
            assert tags_of(c.metadata)["title"] == "Movie Test"
            assert tags_of(c.metadata)["artist"] == "Matplotlib"
            assert tags_of(c.metadata)["comment"] == "Movie support!"


def test_matplotlib_extra_args_metadata_and_audio_flags(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from encode_native.matplotlib import EncodeNativeWriter

    writer = EncodeNativeWriter(fps=10, metadata={"title": "T"},
                                extra_args=["-metadata", "artist=A", "-metadata", "comment=C",
                                            "-c:a", "flac", "-ar", "48000", "-ac", "1"])
    fig = plt.figure(figsize=(1, 1))
    out = tmp_path / "x.mkv"
    with writer.saving(fig, str(out), 64):
        for _ in range(3):
            writer.grab_frame()
    plt.close(fig)
    with av.open(str(out)) as c:
        tags = tags_of(c.metadata)
        assert (tags["title"], tags["artist"], tags["comment"]) == ("T", "A", "C")
    # A soundtrack of samples with nothing written is silence, padded to the video.
    assert writer.summary.audio.codec == "flac" and writer.summary.audio.channels == 1
    assert writer.summary.audio.padded == writer.summary.audio.samples == 14400


def test_ffmpeg_flags_translate_metadata_and_audio():
    assert _native.ffmpeg_args_settings(
        ["-metadata", "title=X", "-metadata:s:a", "language=eng", "-c:a", "libopus",
         "-b:a", "64k", "-ar", "24000", "-ac", "1"]) == [
        ("metadata", "title=X"), ("metadata", "s:a:language=eng"), ("audio_codec", "libopus"),
        ("audio_bitrate", "64k"), ("sample_rate", "24000"), ("channels", "1")]
    with pytest.raises(ValueError, match="'-i'.*audio setting"):
        _native.ffmpeg_args_settings(["-i", "music.wav"])


def test_skvideo_outputdict_metadata_and_audio_flags(tmp_path):
    path = tmp_path / "sk.mkv"
    track = noise_i16(RATE // 2, channels=1)
    w = skio.FFmpegWriter(str(path), outputdict={
        "-r": "30", "-metadata": "title=X", "-c:a": "pcm_s16le", "-ar": str(RATE), "-ac": "1"},
        metadata={"artist": "Y"})
    for k in range(15):
        w.writeFrame(frames(1)[0])
        w.writeAudio(track[k * 1600:(k + 1) * 1600])
    s = w.close()
    assert s.audio.samples == RATE // 2 and s.audio.padded == 0
    got, _, tags = decoded_audio(path)
    assert (tags["title"], tags["artist"]) == ("X", "Y")
    np.testing.assert_array_equal(got[:, 0], track[:, 0])
    # A soundtrack file needs no second -i: audio= names it (a WAV's PCM is copied into MKV).
    wav = tmp_path / "in.wav"
    with wave.open(str(wav), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(track.tobytes())
    w = skio.FFmpegWriter(str(tmp_path / "v.mkv"), outputdict={"-r": "30"}, audio=str(wav))
    for f in frames(15):
        w.writeFrame(f)
    s = w.close()
    assert s.audio.encoder is None and s.audio.codec == "pcm_s16le"
    got, _, _ = decoded_audio(tmp_path / "v.mkv")
    np.testing.assert_array_equal(got[:, 0], track[:, 0])
    with pytest.raises(ValueError, match="'-i'"):
        skio.FFmpegWriter(str(tmp_path / "no.mkv"), inputdict={"-i": "music.wav"})


def test_write_audio_interleaved_with_write(tmp_path):
    track = noise_i16(RATE)
    path = tmp_path / "live.mkv"
    with en.Writer(path, fps=25, sample_rate=RATE, audio_codec="pcm_s16le") as w:
        for k, f in enumerate(frames(25)):
            w.write(f)
            w.write_audio(track[k * 1920:(k + 1) * 1920])
    assert w.summary.audio.samples == RATE and w.summary.audio.padded == 0
    got, _, _ = decoded_audio(path)
    np.testing.assert_array_equal(got, track)
    # The muxer got them interleaved: audio packets come between the video's.
    with av.open(str(path)) as c:
        kinds = [p.stream.type for p in c.demux() if p.size]
    first_video_after_audio = kinds.index("video", kinds.index("audio"))
    assert kinds.index("audio") < len(kinds) - 25 and first_video_after_audio < len(kinds) - 1


def test_wrong_channel_count_is_a_value_error_and_the_writer_goes_on(tmp_path):
    with en.Writer(tmp_path / "c.mkv", fps=10, sample_rate=RATE, channels=2) as w:
        # Before the first frame (checked in Python) and after it (by the library).
        with pytest.raises(ValueError, match="integer-scale sound"):
            w.write_audio((np.sin(np.arange(200) / 10) * 32767).astype(np.float32).reshape(100, 2))
        with pytest.raises(ValueError, match=r"3 channels given, the soundtrack has 2 \(its `channels` setting\)"):
            w.write_audio(np.zeros((100, 3), np.float32))
        w.write(frames(1)[0])
        with pytest.raises(ValueError, match=r"audio chunk \d+: 1 channel given, the soundtrack has 2"):
            w.write_audio(np.zeros(100, np.float32))
        with pytest.raises(ValueError, match="not a finite number"):
            w.write_audio(np.full((10, 2), np.nan, np.float32))
        # Integer-scale sound in a float array, after the first frame and before it below.
        with pytest.raises(ValueError, match="integer-scale sound"):
            w.write_audio(np.full((10, 2), 32767.0, np.float32))
        with pytest.raises(ValueError, match="dtype float32, int16, int32 or float64"):
            w.write_audio(np.zeros((10, 2), np.int64))
        w.write_audio(np.zeros((4800, 2), np.float32))
    assert w.summary.audio.samples == 4800
    with en.Writer(tmp_path / "n.mkv", fps=10) as w:
        with pytest.raises(ValueError, match="no soundtrack of samples"):
            w.write_audio(np.zeros((10, 2), np.float32))
        w.write(frames(1)[0])
    with pytest.raises(ValueError, match="needs its sample_rate"):
        en.Writer(tmp_path / "r.mkv", audio=np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="has 2 channels, channels=1"):
        en.Writer(tmp_path / "r.mkv", audio=np.zeros((10, 2), np.float32), sample_rate=RATE,
                  channels=1)
    with pytest.raises(ValueError, match=r"audio\.T"):
        en.Writer(tmp_path / "r.mkv", audio=np.zeros((2, 4800), np.float32), sample_rate=RATE)


def test_progressive_soundtrack_keeps_sync(tmp_path):
    """A click at 1 s and a white frame at 1 s, the soundtrack given as an array: decoded,
    they are within 1 ms of each other; and the array was written as the frames came (audio
    packets are in the file before the last frames)."""
    fps = en.Writer(None, fps="30000/1001").fps
    n = 60
    video = frames(n)
    white = 30  # shown at 30 * 1001 / 30000 = 1.001 s
    video[white] = 255
    click_at = white * fps.denominator * RATE // fps.numerator  # its sample: 1.001 s
    track = np.zeros((n * RATE * fps.denominator // fps.numerator, 2), np.int16)
    track[click_at] = 30000
    path = tmp_path / "sync.mkv"

    pushed = []
    with en.Writer(path, fps=fps, audio=track, sample_rate=RATE, audio_codec="pcm_s16le") as w:
        for f in video:
            w.write(f)
            pushed.append(w.audio_samples_written)
    # Each write pushed the soundtrack up to the end of the frames written, no further.
    assert pushed[0] == RATE * fps.denominator // fps.numerator
    assert pushed[29] == 30 * RATE * fps.denominator // fps.numerator
    assert w.summary.audio.samples == len(track)

    with av.open(str(path)) as c:
        vs = c.streams.video[0]
        white_t = next(float(f.pts * vs.time_base) for f in c.decode(vs)
                       if f.to_ndarray(format="gray").mean() > 200)
    got, _, _ = decoded_audio(path)
    click_t = int(np.argmax(np.abs(got[:, 0]))) / RATE
    assert abs(white_t - 1.001) < 0.001 and abs(click_t - white_t) < 0.001, (white_t, click_t)
    with av.open(str(path)) as c:
        kinds = [p.stream.type for p in c.demux() if p.size]
    assert "audio" in kinds[: len(kinds) // 2], "the soundtrack was not written as the video went"


def test_audio_from_a_file_path(tmp_path):
    track = noise_i16(RATE, channels=2, seed=3)
    wav = tmp_path / "music.wav"
    with wave.open(str(wav), "wb") as f:
        f.setnchannels(2)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(track.tobytes())
    s = en.write_video(tmp_path / "f.mkv", frames(15), fps=30, audio=wav, audio_codec="flac")
    # The video lasts 0.5 s: the second half of the file is cut.
    assert (s.audio.encoder, s.audio.samples, s.audio.trimmed) == ("flac", RATE // 2, True)
    got, _, _ = decoded_audio(tmp_path / "f.mkv")
    np.testing.assert_array_equal(got, track[: RATE // 2])


def test_shortest_cuts_frames(tmp_path):
    """A soundtrack file shorter than the video with audio_length="shortest": the frames
    after its end are left out and counted in frames_cut."""
    wav = tmp_path / "half.wav"
    with wave.open(str(wav), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(np.zeros(RATE // 2, np.int16).tobytes())
    s = en.write_video(tmp_path / "s.mkv", frames(30), fps=30, audio=wav,
                       audio_length="shortest", audio_codec="pcm_s16le")
    assert s.audio.channels == 1
    assert (s.frames, s.frames_cut) == (15, 15)


def test_dask_render_with_a_soundtrack(tmp_path):
    distributed = pytest.importorskip("distributed")
    track = noise_i16(RATE * 2, channels=1, seed=5)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            import encode_native.dask as end

            def make_frame(i):
                return np.full((H, W, 3), i % 256, np.uint8)

            s = end.render(make_frame, 60, 30, tmp_path / "d.mkv", segment_frames=15,
                           client=client, audio=track, sample_rate=RATE,
                           audio_codec="pcm_s16le", metadata={"title": "Dask"})
    assert s.frames == 60 and s.audio.samples == 2 * RATE
    got, _, tags = decoded_audio(tmp_path / "d.mkv")
    assert tags["title"] == "Dask"
    np.testing.assert_array_equal(got[:, 0], track[:, 0])


def test_the_channels_default_is_the_soundtracks_own_and_2_for_pushed_samples(tmp_path):
    # The rule where the default is shown (the settings table, settings(), --help).
    help_text = next(s["help"] for s in en.settings() if s["key"] == "channels")
    assert "a whole array's" in help_text and "2 for samples pushed" in help_text
    frames = [np.zeros((48, 64, 3), np.uint8)] * 10
    mono = np.zeros(4800, np.float32)
    s = en.write_video(tmp_path / "mono.mkv", frames, fps=10, audio=mono, sample_rate=4800 * 10,
                       audio_codec="flac")
    assert s.audio.channels == 1
    with en.Writer(tmp_path / "pushed.mkv", fps=10, sample_rate=48000, audio_codec="flac") as w:
        w.write_frames(frames)
        w.write_audio(np.zeros((48000, 2), np.float32))
    assert w.summary.audio.channels == 2
