"""What a writer holds of a soundtrack ahead of its frames is bounded (``audio_ahead``
seconds), however the samples are given; every file is decoded back with PyAV."""

from __future__ import annotations

import av
import numpy as np
import pytest

import encode_native as en

RATE = 8000
H, W = 32, 48


def decoded_samples(path) -> np.ndarray:
    with av.open(str(path)) as c:
        parts = [f.to_ndarray().reshape(-1) for f in c.decode(c.streams.audio[0])]
    return np.concatenate(parts)


def tone(seconds: float) -> np.ndarray:
    n = int(RATE * seconds)
    return (np.random.default_rng(5).integers(-20000, 20000, n)).astype(np.int16)


def frame() -> np.ndarray:
    return np.zeros((H, W, 3), np.uint8)


def test_samples_before_the_first_frame_are_bounded_and_the_writer_goes_on(tmp_path):
    path = tmp_path / "early.mkv"
    w = en.Writer(path, fps=30, sample_rate=RATE, channels=1, audio_codec="pcm_s16le")
    track = tone(40)
    with pytest.raises(ValueError, match=r"audio chunk 0: .*31\.000 s before any frame.*audio_ahead = 30"):
        w.write_audio(track[: RATE * 31])
    w.write_audio(track[: RATE * 29])
    for _ in range(30):
        w.write(frame())
    # One second of video: 10 minutes in one call is refused by the library's own bound.
    with pytest.raises(ValueError, match="audio_ahead"):
        w.write_audio(np.zeros(RATE * 600, np.int16))
    summary = w.close()
    back = decoded_samples(path)
    assert len(back) == RATE and summary.audio.samples == RATE
    assert np.array_equal(back, track[:RATE])


def test_a_whole_soundtrack_much_longer_than_the_video_is_read_as_needed(tmp_path):
    # audio=array is read as the frames come and, at the end, only as far as the policy
    # keeps: 10 minutes of sound for one second of video gives one second.
    path = tmp_path / "whole.mkv"
    track = tone(600)
    with en.Writer(path, fps=30, audio=track, sample_rate=RATE, channels=1,
                   audio_codec="pcm_s16le") as w:
        for _ in range(30):
            w.write(frame())
    back = decoded_samples(path)
    assert len(back) == RATE
    assert np.array_equal(back, track[:RATE])


def test_longest_has_no_bound_and_keeps_every_sample(tmp_path):
    path = tmp_path / "longest.mkv"
    track = tone(120)
    with en.Writer(path, fps=30, sample_rate=RATE, channels=1, audio_codec="pcm_s16le",
                   audio_length="longest") as w:
        w.write(frame())
        w.write_audio(track)
    assert np.array_equal(decoded_samples(path), track)


def test_the_bound_is_a_setting(tmp_path):
    path = tmp_path / "raised.mkv"
    track = tone(60)
    with en.Writer(path, fps=30, sample_rate=RATE, channels=1, audio_codec="pcm_s16le",
                   audio_ahead=90) as w:
        w.write_audio(track)
        for _ in range(15):
            w.write(frame())
    back = decoded_samples(path)
    assert np.array_equal(back, track[: RATE // 2])
    with pytest.raises(ValueError, match="audio_ahead"):
        en.Writer(tmp_path / "zero.mkv", fps=30, sample_rate=RATE, audio_ahead=0)


@pytest.mark.parametrize("dtype", [">f4", ">f8", ">i2", ">i4"])
def test_big_endian_samples_are_converted_not_refused(tmp_path, dtype):
    # What a WAV reader gives for a big-endian file (AIFF, some scientific formats).
    native = np.dtype(dtype).newbyteorder("=")
    if native.kind == "f":
        track = (np.sin(np.arange(RATE) / 10) * 0.5).astype(native)
        codec, want = "pcm_f32le", track.astype(np.float32)
    else:
        track = tone(1).astype(native) * (65536 if native.itemsize == 4 else 1)
        codec, want = "pcm_s16le", (track // (65536 if native.itemsize == 4 else 1)).astype(np.int16)
    path = tmp_path / "be.mkv"
    with en.Writer(path, fps=30, sample_rate=RATE, channels=1, audio_codec=codec) as w:
        for _ in range(30):
            w.write(frame())
        w.write_audio(track.astype(dtype))
    assert np.array_equal(decoded_samples(path), want), dtype
