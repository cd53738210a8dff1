"""Makes the ``media/`` files that moviepy 2.2.1's writing tests read (its sdist leaves them
out): small equivalents of moviepy's own media (same names, kinds, durations, rates and
channel counts; smaller pictures where the tests do not look at the size), made with
encode-native (videos) and PyAV (MP3s) and Pillow (images). ``python make_media.py DIR``
writes DIR/media/...; files already there are kept. See README.md beside this file."""

from __future__ import annotations

import os
import shutil
import sys

import av
import encode_native as en
import numpy as np
from PIL import Image, ImageDraw

#: moviepy's media/subtitles.srt, as it is (its test compares the parsed subtitles).
SUBTITLES = """0
00:00:00,000 --> 00:00:01,000
Red!

1
00:00:02,000 --> 00:00:03,500
More Red!

2
00:00:5,000 --> 00:00:6,000
Green!

3
00:00:7,000 --> 00:00:8,000
Blue

4
00:00:9,000 --> 00:00:10,000
More Blue!

"""

#: Where a TrueType font is found for media/doc_medias/example.ttf (moviepy's is not free to copy).
FONTS = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/Arial.ttf",
    "C:/Windows/Fonts/arial.ttf",
]


def picture(w: int, h: int, t: float) -> np.ndarray:
    """A frame with something to see: a gradient, a moving disc and a bar."""
    y, x = np.mgrid[0:h, 0:w]
    frame = np.empty((h, w, 3), np.uint8)
    frame[..., 0] = (x * 255 // max(w - 1, 1)).astype(np.uint8)
    frame[..., 1] = (y * 255 // max(h - 1, 1)).astype(np.uint8)
    frame[..., 2] = int(80 + 100 * (t % 1))
    cx, cy, r = int(w * (0.2 + 0.6 * ((t / 3) % 1))), h // 2, max(2, h // 6)
    frame[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = (250, 220, 40)
    frame[h // 8:h // 8 + max(1, h // 10), : int(w * ((t % 2) / 2)) + 1] = (30, 200, 90)
    return frame


def tone(seconds: float, rate: int, channels: int = 2) -> np.ndarray:
    """Stereo sound: 440 Hz left, 660 Hz right, with a beat every half second."""
    t = np.arange(round(seconds * rate)) / rate
    beat = 0.5 + 0.5 * (np.sin(2 * np.pi * 2 * t) > 0)
    left = 0.4 * np.sin(2 * np.pi * 440 * t) * beat
    right = 0.4 * np.sin(2 * np.pi * 660 * t) * beat
    return np.stack([left, right][:channels], axis=1).astype(np.float32)


def video(path: str, w: int, h: int, fps: int, seconds: float, sound: bool = True, **settings) -> None:
    count = round(seconds * fps)
    audio = {"audio": tone(seconds, 44100), "sample_rate": 44100} if sound else {}
    with en.Writer(path, fps, **audio, **settings) as writer:
        for i in range(count):
            writer.write(picture(w, h, i / fps))


def mp3(path: str, seconds: float, rate: int) -> None:
    samples = tone(seconds, rate)
    with av.open(path, "w") as out:
        stream = out.add_stream("libmp3lame", rate=rate, layout="stereo")
        for start in range(0, len(samples), 1152 * 20):
            chunk = np.ascontiguousarray(samples[start:start + 1152 * 20].T)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = rate
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def logo(w: int = 260, h: int = 77) -> Image.Image:
    """An RGBA picture that is not symmetric (python_logo.png's part)."""
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rectangle((4, 4, 70, 70), fill=(55, 118, 171, 255))
    d.ellipse((80, 10, 140, 70), fill=(255, 212, 59, 255))
    d.polygon([(150, 70), (200, 8), (250, 70)], fill=(40, 160, 80, 255))
    return im


def afterimage(w: int = 1200, h: int = 984) -> Image.Image:
    """A picture on pure green (0, 255, 1), the colour its test masks out."""
    im = Image.new("RGBA", (w, h), (0, 255, 1, 255))
    d = ImageDraw.Draw(im)
    d.ellipse((w // 4, h // 4, 3 * w // 4, 3 * h // 4), fill=(200, 40, 40, 255))
    d.rectangle((w // 10, h // 10, w // 3, h // 5), fill=(20, 20, 120, 255))
    return im


def main(root: str) -> None:
    media = os.path.join(root, "media")
    os.makedirs(os.path.join(media, "doc_medias"), exist_ok=True)

    def make(name: str, function, *args, **kwargs) -> None:
        path = os.path.join(media, name)
        if not os.path.exists(path):
            function(path, *args, **kwargs)

    # moviepy's: 1280x720 VP8 24 fps with Vorbis sound, 1 s; here VP9 and Opus.
    make("big_buck_bunny_432_433.webm", video, 1280, 720, 24, 1.0)
    # moviepy's: 1280x720, 30 s; here 640x360 (its tests cut it, compose it and write it).
    make("big_buck_bunny_0_30.webm", video, 640, 360, 24, 30.0, preset=8)
    # moviepy's: 1x1 H.264 at 1 fps, 5 s, no sound.
    for name in ("bitmap.mp4", "-video-with-dash-.mp4"):
        make(name, video, 2, 2, 1, 5.0, sound=False)
    # moviepy's: 640x360 H.264 25 fps 9.64 s with MP3 sound; here AAC.
    make("chaplin.mp4", video, 640, 360, 25, 9.64)
    # moviepy's: a phone video stored 1920x1080 with a display rotation of 90 degrees.
    make("rotated-90-degrees.mp4", video, 1920, 1080, 30, 1.0, rotate=90)
    # moviepy's: an animated GIF, read when test_videotools.py is collected.
    make("pigs_in_a_polka.gif", video, 160, 120, 10, 1.0, sound=False)
    make("crunching.mp3", mp3, 8.314, 48000)
    make("rain.mp3", mp3, 20.0, 44100)
    if not os.path.exists(os.path.join(media, "python_logo.png")):
        logo().save(os.path.join(media, "python_logo.png"))
        logo().rotate(180).save(os.path.join(media, "python_logo_upside_down.png"))
    if not os.path.exists(os.path.join(media, "afterimage.png")):
        afterimage().save(os.path.join(media, "afterimage.png"))
    if not os.path.exists(os.path.join(media, "vacation_2017.jpg")):
        Image.fromarray(picture(2560, 1440, 0.5)).save(os.path.join(media, "vacation_2017.jpg"), quality=90)
    with open(os.path.join(media, "subtitles.srt"), "w", encoding="utf-8") as f:
        f.write(SUBTITLES)
    font = os.path.join(media, "doc_medias", "example.ttf")
    if not os.path.exists(font):
        found = next((f for f in FONTS if os.path.exists(f)), None)
        if found is None:
            print("make_media: no TrueType font found (install fonts-dejavu-core): text tests will fail",
                  file=sys.stderr)
        else:
            shutil.copyfile(found, font)


if __name__ == "__main__":
    main(sys.argv[1])
