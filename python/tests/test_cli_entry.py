"""The command line from pip: the ``encode-native`` script that installing the package puts in
the environment's bin directory, and ``python -m encode_native``. Both run the command line
built into the native module; their videos are decoded back with PyAV."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import decode

BIN = os.path.dirname(sys.executable)
SCRIPT = os.path.join(BIN, "encode-native")


def run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def test_the_script_is_installed_beside_python():
    assert os.access(SCRIPT, os.X_OK), f"{SCRIPT} is not installed"
    # A Python entry point, not a second binary with its own FFmpeg.
    with open(SCRIPT, "rb") as f:
        head = f.read(200)
    assert head.startswith(b"#!") and b"python" in head.split(b"\n")[0], head


def test_script_demo_writes_a_video(tmp_path):
    out = tmp_path / "x.mp4"
    r = run([SCRIPT, "demo", "--frames", "10", "--size", "160x96", "--json", "-o", str(out)])
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["frames"] == 10
    d = decode(out)
    assert d.count == 10
    assert (d.width, d.height) == (160, 96)
    assert d.codec == "h264"
    assert abs(d.duration - 10 / 30) < 1e-3


def test_python_m_info_and_ffmpeg_spellings(tmp_path):
    r = run([sys.executable, "-m", "encode_native", "info"])
    assert r.returncode == 0, r.stderr
    assert "encode-native" in r.stdout and "libavcodec" in r.stdout
    r = run([sys.executable, "-m", "encode_native", "info", "--json"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["encode_native"]
    out = tmp_path / "y.mp4"
    r = run([sys.executable, "-m", "encode_native", "demo", "--frames", "6", "--size", "64x48", "-r", "24",
             "-pix_fmt", "yuv444p", "-q", "-o", str(out)])
    assert r.returncode == 0, r.stderr
    d = decode(out)
    assert (d.count, d.fps, d.pix_fmt) == (6, 24, "yuv444p")


def test_help_and_version_exit_zero():
    r = run([SCRIPT, "--help"])
    assert r.returncode == 0 and "demo" in r.stdout, r.stderr
    r = run([sys.executable, "-m", "encode_native", "--version"])
    assert r.returncode == 0 and "encode-native" in r.stdout, r.stderr


@pytest.mark.parametrize(
    "args,status,said",
    [
        (["demo", "--frames", "2", "-o", "{tmp}/x.mp4", "--fsp", "24"], 2, "'--fps'"),
        (["demo", "--frames", "2", "-o", "{tmp}/x.mp4", "--crf", "abc"], 2, "0 to 51"),
        (["nonsense"], 2, "unrecognized subcommand"),
        (["demo", "--frames", "2", "-o", "{tmp}/x.mp4", "--pix-fmt", "yuv420p10le"], 1, "invalid --pix-fmt"),
        (["images", "{tmp}/none%03d.png", "-o", "{tmp}/x.mp4"], 1, "numbered pattern"),
    ],
)
def test_exit_statuses_propagate(tmp_path, args, status, said):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    for prefix in ([SCRIPT], [sys.executable, "-m", "encode_native"]):
        r = run(prefix + args)
        assert r.returncode == status, (prefix, r.stderr)
        assert said in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "panicked" not in r.stderr, r.stderr


def test_ctrl_c_finishes_the_video_and_exits_130(tmp_path):
    out = tmp_path / "long.mp4"
    p = subprocess.Popen(
        [SCRIPT, "demo", "--frames", "100000", "--size", "64x48", "--progress-json", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait for the first progress line: the encode is under way.
        assert p.stderr is not None
        line = p.stderr.readline()
        assert "frames_pushed" in line, line
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    d = decode(out)
    assert 0 < d.count < 100000


def test_pythons_ctrl_c_still_works_after_a_run(tmp_path):
    # In-process: after the command line returns, Ctrl-C is Python's KeyboardInterrupt again.
    code = (
        "import signal, sys\n"
        "from encode_native.__main__ import main\n"
        "assert main(['info', '--json']) == 0\n"
        "try:\n"
        "    signal.raise_signal(signal.SIGINT)\n"
        "    for _ in range(1000): pass\n"
        "except KeyboardInterrupt:\n"
        "    print('KeyboardInterrupt')\n"
    )
    r = run([sys.executable, "-c", code])
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("KeyboardInterrupt"), r.stdout
