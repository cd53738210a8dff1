"""Shared helpers: every output is decoded with PyAV (an outside decoder, FFmpeg of its own
wheel) and checked for what it holds."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass
from fractions import Fraction
from typing import List, Union

import av
import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def _default_ctrl_c() -> None:
    """Ctrl-C as an interactive shell leaves it, whatever started the tests: a background job
    of a script starts with SIGINT ignored, which every child would inherit (Python then
    installs no KeyboardInterrupt handler, and a SIGINT the tests send would be dropped).
    Handlers are reset to the default across exec, an ignored signal is not."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_default_ctrl_c()


def pytest_configure(config: pytest.Config) -> None:
    """With ENCODE_NATIVE_TEST_INSTALLED=1 (scripts/test-dist.sh), the tests must run against an
    installed wheel: stop at once if `encode_native` is imported from anywhere else."""
    if os.environ.get("ENCODE_NATIVE_TEST_INSTALLED") == "1":
        import encode_native

        where = os.path.realpath(encode_native.__file__)
        if not where.startswith(os.path.realpath(sys.prefix) + os.sep) or "site-packages" not in where:
            pytest.exit(f"encode_native comes from {where}, not from the installed wheel in {sys.prefix}", returncode=1)
        print(f"testing the installed encode_native in {os.path.dirname(where)}")

EXAMPLES = os.path.join(os.path.dirname(HERE), "examples")


@dataclass
class Decoded:
    frames: List[np.ndarray]  # RGB uint8 (H, W, 3), every frame in display order
    width: int
    height: int
    pix_fmt: str
    codec: str
    fps: Fraction
    duration: float  # seconds: the last frame's end
    pts_seconds: List[float]

    @property
    def count(self) -> int:
        return len(self.frames)


def decode(src: Union[str, bytes, os.PathLike, io.BytesIO]) -> Decoded:
    """Decodes every frame of a video file or bytes."""
    if isinstance(src, (bytes, bytearray)):
        src = io.BytesIO(bytes(src))
    elif isinstance(src, os.PathLike):
        src = os.fspath(src)
    with av.open(src) as container:
        stream = container.streams.video[0]
        frames, pts = [], []
        for frame in container.decode(stream):
            frames.append(frame.to_ndarray(format="rgb24"))
            pts.append(float(frame.pts * stream.time_base) if frame.pts is not None else float("nan"))
        rate = stream.average_rate or stream.guessed_rate
        ctx = stream.codec_context
        fps = Fraction(rate.numerator, rate.denominator) if rate else Fraction(0)
        duration = (pts[-1] - pts[0] + 1 / float(fps)) if pts and fps else 0.0
        return Decoded(frames, ctx.width, ctx.height, ctx.pix_fmt, ctx.name, fps, duration, pts)


def blocks(n: int, h: int, w: int, seed: int = 0, block: int = 16) -> np.ndarray:
    """`n` frames of flat colour blocks (different in every frame): pictures whose pixels
    survive chroma subsampling and compression closely away from block edges."""
    rng = np.random.default_rng(seed)
    tiles = rng.integers(20, 236, size=(n, -(-h // block), -(-w // block), 3), dtype=np.uint8)
    return np.repeat(np.repeat(tiles, block, axis=1), block, axis=2)[:, :h, :w]


def block_centres(h: int, w: int, block: int = 16):
    """Index arrays of the pixels at the centre of each whole block."""
    ys = np.arange(block // 2, h - block // 2 + 1, block)
    xs = np.arange(block // 2, w - block // 2 + 1, block)
    return np.ix_(ys, xs)


def assert_close(got: np.ndarray, want: np.ndarray, tol: int, what: str = "") -> None:
    """Every value within `tol` levels."""
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    diff = np.abs(got.astype(np.int16) - want.astype(np.int16))
    assert diff.max() <= tol, f"{what}: max difference {diff.max()} > {tol} (mean {diff.mean():.2f})"


def run_python(args, cwd=None, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    """Runs this interpreter on `args`, failing the test with its output when it fails."""
    r = subprocess.run([sys.executable, *args], cwd=cwd, capture_output=True, timeout=timeout, **kwargs)
    assert r.returncode == 0, f"{args} exited {r.returncode}:\n{r.stdout.decode(errors='replace')}\n{r.stderr.decode(errors='replace')}"  # noqa: E501
    return r


@pytest.fixture
def frames():
    return blocks(6, 48, 64)
