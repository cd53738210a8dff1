"""The public API: documented, typed, and its stubs in step with the code."""

from __future__ import annotations

import ast
import inspect
import os
import pydoc
from fractions import Fraction

import encode_native as en
import encode_native.imageio as en_imageio
import encode_native.matplotlib as en_matplotlib

PACKAGE = os.path.dirname(en.__file__)


def _stub_defs(name):
    with open(os.path.join(PACKAGE, name)) as f:
        tree = ast.parse(f.read())
    defs = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            defs[node.name] = node
        elif isinstance(node, ast.ClassDef):
            defs[node.name] = node
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    defs[f"{node.name}.{item.name}"] = item
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                defs[alias.asname or alias.name] = node
    return defs


def test_no_stub_shadows_a_typed_source():
    # The Python sources carry their own annotations; a .pyi beside a .py would hide them from
    # type checkers (CI type-checks the sources with mypy and the native module's stub with
    # stubtest).
    for root, _, files in os.walk(PACKAGE):
        for f in files:
            if f.endswith(".pyi"):
                assert not os.path.exists(os.path.join(root, f[:-1])), f"{f} shadows {f[:-1]}"


def test_the_native_stub_matches_the_module():
    stub = _stub_defs("_native.pyi")
    from encode_native import _native

    for name in ["NativeWriter", "check_settings", "settings", "pixel_format_name"]:
        assert hasattr(_native, name) and name in stub, name
    for method in ["push", "finish"]:
        assert hasattr(_native.NativeWriter, method) and f"NativeWriter.{method}" in stub


def test_typed_package_marker():
    assert os.path.exists(os.path.join(PACKAGE, "py.typed"))


def test_everything_public_has_a_docstring():
    objects = [en, en_matplotlib, en_imageio, en_matplotlib.EncodeNativeWriter, en_imageio.EncodeNativePlugin]
    objects += [getattr(en, n) for n in en.__all__ if n != "__version__"]
    for cls in (en.Writer, en.Video, en_matplotlib.EncodeNativeWriter, en_imageio.EncodeNativePlugin):
        objects += [m for n, m in vars(cls).items() if not n.startswith("_") and callable(m)]
        objects += [m.fget for n, m in vars(cls).items() if isinstance(m, property)]
    for obj in objects:
        assert inspect.getdoc(obj), f"{obj} has no docstring"


def test_help_lists_the_settings_with_their_choices():
    text = pydoc.render_doc(en.Writer)
    for word in ["crf", "preset", "pix_fmt", "yuv444p", "codec_option", "fragmented", "bgr24"]:
        assert word in text, word


def test_settings_come_from_the_library():
    keys = {s["key"]: s for s in en.settings()}
    assert {"crf", "preset", "pix_fmt", "codec", "format", "gop", "x264_params", "color_matrix",
            "full_range", "fragmented", "odd_size"} <= set(keys)
    assert "yuv444p" in keys["pix_fmt"]["choices"] and keys["codec_option"]["kind"] == "repeated"


def test_keyword_values_become_setting_text():
    from encode_native._settings import to_settings

    assert to_settings({"crf": 18.5, "full_range": True, "fragmented": False, "size": (64, 48),
                        "codec_options": {"aq-mode": 2, "bf": 0}, "preset": None}) == [
        ("crf", "18.5"), ("full_range", "true"), ("fragmented", "false"), ("size", "64x48"),
        ("codec_option", "aq-mode=2"), ("codec_option", "bf=0")]
    from encode_native._settings import fps_text

    assert [fps_text(v) for v in (30, 29.97, 1000 / 30, 12.5, 25.0, "30000/1001")] == [
        "30", "29.97", "100/3", "12.5", "25", "30000/1001"]
    assert en.Writer(None, fps=29.97).fps == Fraction(30000, 1001)
    assert en.Writer(None, fps=1000 / 30).fps == Fraction(100, 3)


def test_dir_lists_the_public_names_not_the_imports():
    names = dir(en)
    assert set(en.__all__) <= set(names)
    for helper in ["np", "os", "math", "base64", "threading", "dataclasses", "Optional", "Union",
                   "Any", "Fraction", "annotations", "check_settings", "_native"]:
        assert helper not in names, helper
    # Every public name is there to use, and every name listed can be got.
    assert all(hasattr(en, n) for n in names)
    assert "matplotlib" in names  # imported above
    assert {n for n in en.__all__ if not n.startswith("_")} == {
        n for n in names if not n.startswith("_") and n not in en._SUBMODULES}


def test_the_package_metadata_says_what_the_package_writes():
    import pathlib
    import re

    root = pathlib.Path(__file__).parent.parent
    text = (root / "pyproject.toml").read_text()
    description = re.search(r'^description = "(.*)"$', text, re.M).group(1)
    # Many codecs and containers, not "H.264 video" alone.
    for word in ["MP4", "WebM", "AV1", "no ffmpeg subprocess"]:
        assert word in description, word
    # The wheel's long description is python/README.md, whose opening is for Python users.
    assert re.search(r'^readme = "README.md"$', text, re.M)
    opening = (root / "README.md").read_text().split("\n## ")[0]
    assert "import encode_native as en" in opening and "write_video" in opening
    assert "H.264 video" not in opening
