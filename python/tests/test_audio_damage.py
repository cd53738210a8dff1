"""A soundtrack file damaged inside the part the video needs: concealed with silence and
counted (``audio_damage="conceal"``, the default), or an error (``"error"``); damage after
that part is not read. Every file is decoded back with PyAV."""

from __future__ import annotations

import wave

import av
import numpy as np
import pytest

import encode_native as en

H, W = 32, 48


def tone(path, seconds: float = 2.0):
    """A 440 Hz stereo 16-bit WAV at 48 kHz (written with the wave module: no tool needed)."""
    t = np.arange(int(48000 * seconds)) / 48000
    left = (np.sin(2 * np.pi * 440 * t) * 20000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(48000)
        w.writeframes(np.stack([left, left // 2], axis=1).tobytes())
    return path.read_bytes()


def samples_of(path) -> int:
    with av.open(str(path)) as c:
        return sum(f.samples for f in c.decode(c.streams.audio[0]))


def write(path, audio, **kw):
    with en.Writer(path, fps=30, audio=str(audio), audio_codec="pcm_s16le", **kw) as w:
        for _ in range(30):
            w.write(np.zeros((H, W, 3), np.uint8))
    return w.summary


def test_damage_inside_what_the_video_needs_is_concealed_and_counted_or_an_error(tmp_path):
    whole = tone(tmp_path / "tone.wav")
    data = whole.index(b"data") + 8
    cut = tmp_path / "cut.wav"
    # Cut in the middle of a sample, inside the first second (which the video needs).
    cut.write_bytes(whole[: data + 100_001])
    summary = write(tmp_path / "conceal.mkv", cut)
    assert summary.audio.damaged == 1
    assert summary.audio.samples == 48000 and samples_of(tmp_path / "conceal.mkv") == 48000
    with pytest.raises(Exception, match=r"does not decode.*audio_damage=conceal"):
        write(tmp_path / "error.mkv", cut, audio_damage="error")
    assert not (tmp_path / "error.mkv").exists()


def test_damage_after_what_the_video_needs_is_not_read(tmp_path):
    whole = tone(tmp_path / "tone.wav")
    data = whole.index(b"data") + 8
    cut = tmp_path / "late.wav"
    cut.write_bytes(whole[: data + 250_001])
    summary = write(tmp_path / "late.mkv", cut, audio_damage="error")
    assert summary.audio.damaged == 0 and samples_of(tmp_path / "late.mkv") == 48000
