#!/bin/sh
# Runs matplotlib's own animation tests (lib/matplotlib/tests/test_animation.py of the
# installed matplotlib) with the "encode_native" writer added where they go through writers:
# the save smoke test and grab_frame test over MP4, GIF and WebM outputs (beside matplotlib's
# own writers), the HTML5-video representation, and, with animation.writer=encode_native,
# the tests that save with the default writer (the saved GIF's last frame against a drawn
# figure, the embed limit of to_html5_video).
#
# The test file comes from the installed matplotlib when its wheel ships the tests, else from
# that version's wheel on PyPI (pip download; no GitHub needed). It is copied into a
# temporary directory and rewritten there (the writer lists extended); nothing of
# matplotlib's is changed in place. Prints the pass/fail/skip counts of the encode_native
# cases and of the rest, and exits 1 if any encode_native case fails (matplotlib's own
# cases only inform: they depend on ffmpeg and ImageMagick being installed).
#
# usage: sh scripts/test-peer-matplotlib.sh [pytest args...]   (about 30 s on 2 cores)
# env:   ENCODE_NATIVE_VENV (default target/python-venv): the venv with matplotlib, pytest
#        and encode_native importable; PEER_MATPLOTLIB_FROM_PYPI=1 takes the tests from the
#        wheel on PyPI even when the installed matplotlib has them.
set -eu
cd "$(dirname "$0")/.."
VENV="${ENCODE_NATIVE_VENV:-target/python-venv}"
PY="$(cd "$VENV/bin" && pwd)/python"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/peer-matplotlib.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT INT TERM

"$PY" - "$WORK" <<'EOF'
"""Puts matplotlib's test_animation.py, rewritten to include encode_native, into WORK."""
import os
import subprocess
import sys
import zipfile

import matplotlib

work = sys.argv[1]
here = os.path.join(os.path.dirname(matplotlib.__file__), "tests")
names = ("test_animation.py", "conftest.py")
if os.environ.get("PEER_MATPLOTLIB_FROM_PYPI") != "1" and all(
        os.path.exists(os.path.join(here, n)) for n in names):
    sources = {n: open(os.path.join(here, n), encoding="utf-8").read() for n in names}
    origin = here
else:
    wheels = os.path.join(work, "wheel")
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary",
                    ":all:", f"matplotlib=={matplotlib.__version__}", "-d", wheels], check=True)
    (wheel,) = [os.path.join(wheels, w) for w in os.listdir(wheels) if w.endswith(".whl")]
    with zipfile.ZipFile(wheel) as z:
        sources = {n: z.read(f"matplotlib/tests/{n}").decode() for n in names}
    origin = os.path.basename(wheel)
print(f"matplotlib {matplotlib.__version__}: tests from {origin}")

test = sources["test_animation.py"]


def replace(old, new):
    global test
    if test.count(old) != 1:
        sys.exit(f"test_animation.py has changed: {old!r} found {test.count(old)} times")
    test = test.replace(old, new)


# The writer registers itself when encode_native is imported.
replace("from matplotlib import animation\n",
        "from matplotlib import animation\nimport encode_native  # noqa: F401\n")
# Saving and grab_frame over the writers: encode_native for MP4, GIF and WebM too.
replace("def gen_writers():\n",
        "WRITER_OUTPUT += [('encode_native', 'movie.mp4'), ('encode_native', 'movie.gif'),\n"
        "                  ('encode_native', 'movie.webm')]\n\n\ndef gen_writers():\n")
# The notebook representation (to_html5_video) through each writer.
replace("@pytest.mark.parametrize('writer', [\n",
        "@pytest.mark.parametrize('writer', [\n    'encode_native',\n")
test += """

def _with_encode_native(test, **only):
    \"\"\"`test` run again with animation.writer=encode_native: its marks copied, the
    parameters named in `only` narrowed to the values given.\"\"\"
    import functools

    @functools.wraps(test)
    def run(*args, **kwargs):
        with mpl.rc_context({"animation.writer": "encode_native"}):
            return test(*args, **kwargs)

    marks = [m for m in getattr(test, "pytestmark", [])
             if not (m.name == "parametrize" and m.args[0] in only)]
    run.pytestmark = marks + [pytest.mark.parametrize(k, v).mark for k, v in only.items()]
    return run


test_animation_frame_encode_native = _with_encode_native(test_animation_frame)
# to_jshtml does not go through a movie writer: only to_html5_video.
test_embed_limit_encode_native = _with_encode_native(test_embed_limit, method_name=["to_html5_video"])
"""
with open(os.path.join(work, "test_animation.py"), "w", encoding="utf-8") as f:
    f.write(test)
with open(os.path.join(work, "conftest.py"), "w", encoding="utf-8") as f:
    f.write(sources["conftest.py"])
EOF

status=0
(cd "$WORK" && "$PY" -m pytest test_animation.py -p no:cacheprovider -q -rfE \
    --junitxml "$WORK/results.xml" "$@") || status=$?

"$PY" - "$WORK/results.xml" "$status" <<'EOF'
"""Counts the encode_native cases and the others; fails on a failed encode_native case."""
import sys
import xml.etree.ElementTree as ET

path, status = sys.argv[1], int(sys.argv[2])
counts = {True: {"passed": 0, "failed": 0, "skipped": 0}, False: {"passed": 0, "failed": 0, "skipped": 0}}
failed = []
for case in ET.parse(path).iter("testcase"):
    name = case.get("name", "")
    ours = "encode_native" in name
    if case.find("failure") is not None or case.find("error") is not None:
        outcome = "failed"
        if ours:
            failed.append(name)
    elif case.find("skipped") is not None:
        outcome = "skipped"
    else:
        outcome = "passed"
    counts[ours][outcome] += 1
for ours, label in ((True, "encode_native cases"), (False, "matplotlib's other cases")):
    c = counts[ours]
    print(f"{label}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped")
if failed or counts[True]["passed"] == 0:
    print("FAILED encode_native cases:", ", ".join(failed) or "none ran")
    sys.exit(1)
if status not in (0, 1):
    sys.exit(status)  # pytest itself failed (usage, collection, interrupted)
EOF
