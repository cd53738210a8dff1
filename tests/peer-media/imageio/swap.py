"""Rewrites imageio's test files as a user of encode-native would (used by
scripts/test-peer-imageio.sh):

    python swap.py TESTS_DIR

- test_ffmpeg.py -> test_ffmpeg_encode_native.py: ``import imageio.v2 as iio`` becomes
  ``from encode_native.compat import imageio as iio`` (imageio's v2 API with encode-native's
  video writers; reading stays imageio's).
- test_pyav.py -> test_pyav_encode_native.py: ``import encode_native`` added (it registers
  the plugin), and ``plugin="pyav"`` becomes ``plugin="encode_native"`` in the calls that
  write (``iio.imwrite(...)`` and ``iio.imopen(..., "w", ...)``); reading stays PyAV's.
"""

import ast
import os
import sys


def _writing_call(node: ast.Call) -> bool:
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name == "imwrite":
        return True
    if name == "imopen" and len(node.args) >= 2:
        mode = node.args[1]
        return isinstance(mode, ast.Constant) and str(mode.value).startswith("w")
    return False


def swap_pyav(text: str) -> str:
    lines = text.splitlines(keepends=True)
    edits = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and _writing_call(node):
            for kw in node.keywords:
                if kw.arg == "plugin" and isinstance(kw.value, ast.Constant) and kw.value.value == "pyav":
                    v = kw.value
                    edits.append((v.lineno - 1, v.col_offset, v.end_col_offset))
    # Right to left, so that earlier offsets on a line stay valid.
    for line, start, end in sorted(edits, reverse=True):
        lines[line] = lines[line][:start] + '"encode_native"' + lines[line][end:]
    out = "".join(lines)
    anchor = "import imageio.v3 as iio\n"
    assert anchor in out, "test_pyav.py no longer imports imageio.v3 as iio"
    out = out.replace(anchor, anchor + "import encode_native  # registers plugin='encode_native'\n", 1)
    print(f"swap: {len(edits)} writing calls of test_pyav.py now use plugin='encode_native'")
    return out


def swap_ffmpeg(text: str) -> str:
    anchor = "import imageio.v2 as iio\n"
    assert anchor in text, "test_ffmpeg.py no longer imports imageio.v2 as iio"
    return text.replace(anchor, "from encode_native.compat import imageio as iio\n", 1)


def main(tests: str) -> None:
    for name, swap in (("test_ffmpeg", swap_ffmpeg), ("test_pyav", swap_pyav)):
        with open(os.path.join(tests, name + ".py"), encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(tests, name + "_encode_native.py"), "w", encoding="utf-8") as f:
            f.write(swap(text))


if __name__ == "__main__":
    main(sys.argv[1])
