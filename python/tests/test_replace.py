"""Replacing a file from Python: an exception never replaces an existing file (the frames
stay in the partial file), a link is followed, permission bits are kept, a file that cannot
be written is refused before encoding. Every video is decoded with PyAV."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import encode_native as en

from conftest import blocks, decode

H, W = 48, 64
OLD = b"an old video that must survive"


def test_an_exception_keeps_the_frames_beside_an_existing_file(tmp_path):
    out = tmp_path / "old.mp4"
    out.write_bytes(OLD)
    with pytest.raises(ZeroDivisionError):
        with en.Writer(out, fps=10, preset="ultrafast") as w:
            for i, f in enumerate(blocks(5, H, W)):
                w.write(f)
                if i == 2:
                    1 / 0  # noqa: B018  (raises inside the with block)
    assert out.read_bytes() == OLD
    assert w.partial == str(out) + ".partial"
    assert w.summary.frames == 3
    assert decode(w.partial).count == 3
    assert sorted(os.listdir(tmp_path)) == ["old.mp4", "old.mp4.partial"]


def test_keep_partial_by_hand_and_on_a_new_file(tmp_path):
    out = tmp_path / "v.mkv"
    w = en.Writer(out, fps=10, preset="ultrafast")
    w.write_frames(blocks(4, H, W))
    assert w.keep_partial() == str(out) + ".partial"
    assert not out.exists()
    assert decode(str(out) + ".partial").count == 4
    # Nothing written: nothing kept.
    w = en.Writer(tmp_path / "none.mp4", fps=10)
    assert w.keep_partial() is None
    assert sorted(os.listdir(tmp_path)) == ["v.mkv.partial"]


def test_a_link_is_followed_and_the_mode_kept(tmp_path):
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = real_dir / "v.mp4"
    real.write_bytes(OLD)
    os.chmod(real, 0o640)
    link = tmp_path / "link.mp4"
    link.symlink_to(real)
    with en.Writer(link, fps=10, preset="ultrafast") as w:
        w.write_frames(blocks(6, H, W))
    assert link.is_symlink()
    assert decode(real).count == 6
    assert os.stat(real).st_mode & 0o7777 == 0o640
    assert sorted(os.listdir(real_dir)) == ["v.mp4"]


@pytest.mark.skipif(shutil.which("chattr") is None, reason="needs chattr")
def test_an_immutable_file_is_refused_before_encoding(tmp_path):
    out = tmp_path / "frozen.mp4"
    out.write_bytes(OLD)
    if subprocess.run(["chattr", "+i", str(out)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not possible here (needs root and ext4/xfs/btrfs)")
    try:
        w = en.Writer(out, fps=10)
        with pytest.raises(PermissionError, match="frozen.mp4"):
            w.write(blocks(1, H, W)[0])
    finally:
        subprocess.run(["chattr", "-i", str(out)], check=True)
    assert out.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["frozen.mp4"]


def test_a_leftover_finishing_file_is_refused_and_kept(tmp_path):
    out = tmp_path / "v.mp4"
    finishing = tmp_path / "v.mp4.finishing"
    finishing.write_bytes(OLD)
    w = en.Writer(out, fps=10)
    with pytest.raises(OSError, match="v.mp4.finishing' is in the way"):
        w.write(blocks(1, H, W)[0])
    assert finishing.read_bytes() == OLD
    assert os.listdir(tmp_path) == ["v.mp4.finishing"]
