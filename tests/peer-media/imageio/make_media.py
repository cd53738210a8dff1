"""Makes stand-ins for the four files of imageio's test images that its video-writing tests
read (cockatoo.mp4, realshort.mp4, newtonscradle.gif, chelsea.png), with the properties
those tests rely on: sizes, frame counts, pixel format, an audio track. See README.md.

    python make_media.py DIR      writes the files into DIR (PyAV, numpy and Pillow needed)

The pictures are synthetic (gradients and moving shapes), made with a fixed seed, so a run
makes the same files every time. PyAV (in-process FFmpeg) encodes the videos, Pillow the
GIF and the PNG.
"""

import os
import sys
from fractions import Fraction

import av
import numpy as np
from PIL import Image


def scene(t: int, height: int, width: int) -> np.ndarray:
    """Frame t of a smooth moving picture: gradients and a disc that moves, RGB uint8."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    r = 128 + 100 * np.sin((x + 4 * t) / 90.0)
    g = 128 + 100 * np.cos((y - 3 * t) / 70.0)
    b = 128 + 90 * np.sin((x + y + 5 * t) / 120.0)
    cx = width * (0.2 + 0.6 * ((t * 7) % 280) / 280.0)
    cy = height * 0.5 + height * 0.3 * np.sin(t / 15.0)
    disc = (x - cx) ** 2 + (y - cy) ** 2 < (min(height, width) * 0.12) ** 2
    frame = np.stack([r, g, b], axis=-1)
    frame[disc] = (250, 240, 30)
    return np.clip(frame, 0, 255).astype(np.uint8)


def video(path: str, frames: int, height: int, width: int, pix_fmt: str, audio: bool) -> None:
    """An H.264 MP4 at 20 fps (with a 440 Hz AAC track when `audio`)."""
    with av.open(path, "w") as container:
        stream = container.add_stream("libx264", rate=20)
        stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
        stream.options = {"preset": "ultrafast", "crf": "20"}
        sound = None
        if audio:
            sound = container.add_stream("aac", rate=44100)
            sound.layout = "mono"
        for t in range(frames):
            picture = av.VideoFrame.from_ndarray(scene(t, height, width), format="rgb24")
            picture.pts = t
            picture.time_base = Fraction(1, 20)
            for packet in stream.encode(picture):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if sound is not None:
            seconds = frames / 20
            n = int(44100 * seconds)
            tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(n) / 44100)).astype(np.float32)
            for start in range(0, n, 1024):
                chunk = tone[start:start + 1024][None, :]
                samples = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="mono")
                samples.sample_rate = 44100
                samples.pts = start
                for packet in sound.encode(samples):
                    container.mux(packet)
            for packet in sound.encode():
                container.mux(packet)


def gif(path: str) -> None:
    """36 frames of 200x150, palette images with a few dozen colours, 50 ms each."""
    frames = []
    for t in range(36):
        small = scene(t * 8, 150, 200) // 32 * 32  # a few levels per channel
        frames.append(Image.fromarray(small).convert("P", palette=Image.ADAPTIVE, colors=64))
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50, loop=0)


def png(path: str) -> None:
    """One 451x300 RGB picture with noise (so no encoder gets it right by luck)."""
    rng = np.random.default_rng(1)
    picture = scene(3, 300, 451).astype(np.int16) + rng.integers(-12, 13, (300, 451, 3))
    Image.fromarray(np.clip(picture, 0, 255).astype(np.uint8)).save(path)


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    video(os.path.join(out, "cockatoo.mp4"), 280, 720, 1280, "yuv444p", audio=False)
    video(os.path.join(out, "realshort.mp4"), 36, 360, 640, "yuv420p", audio=True)
    gif(os.path.join(out, "newtonscradle.gif"))
    png(os.path.join(out, "chelsea.png"))


if __name__ == "__main__":
    main(sys.argv[1])
