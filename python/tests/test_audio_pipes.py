"""A soundtrack read from a FIFO that has no writer: Ctrl-C raises KeyboardInterrupt
promptly, and nothing is made. Run in a child interpreter, which the test interrupts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    import numpy as np
    import encode_native as en
    print("ready", flush=True)
    try:
        with en.Writer(sys.argv[2], fps=30, audio=sys.argv[1]) as w:
            w.write(np.zeros((32, 48, 3), np.uint8))
    except KeyboardInterrupt:
        print("KeyboardInterrupt", flush=True)
        sys.exit(42)
    """
)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX feature")
def test_ctrl_c_ends_a_wait_for_a_soundtrack_fifo_with_keyboard_interrupt(tmp_path):
    fifo = tmp_path / "a.fifo"
    os.mkfifo(fifo)
    out = tmp_path / "out.mp4"
    # SIGINT at its default (Python's handler), whatever the test runner left.
    child = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(fifo), str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.default_int_handler),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(1.5)
        sent = time.monotonic()
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=10)
        waited = time.monotonic() - sent
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 42, (stdout, stderr)
    assert b"KeyboardInterrupt" in stdout
    assert waited < 2.0, f"KeyboardInterrupt {waited:.2f} s after Ctrl-C"
    assert not out.exists() and not (tmp_path / "out.mp4.partial").exists()
