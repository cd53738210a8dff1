#!/bin/sh
# imageio's own tests of video writing, run against encode-native's imageio layers and,
# for comparison, against the real imageio:
#
#   (a) the v2 writer tests of imageio's tests/test_ffmpeg.py, with `import imageio.v2 as
#       iio` swapped for `from encode_native.compat import imageio as iio`;
#   (b) the writing tests of tests/test_pyav.py, with plugin="pyav" swapped for
#       plugin="encode_native" in the calls that write (imwrite, imopen(..., "w")).
#
#   sh scripts/test-peer-imageio.sh          # venv in target/peer-imageio-venv, reused
#   sh scripts/test-peer-imageio.sh -x       # extra arguments go to every pytest run
#
# Needs python3 (3.9 or later, with venv), PyPI (imageio, PyAV, pytest, imageio-ffmpeg,
# psutil, Pillow; imageio's tests come from its sdist) and the built extension in
# python/encode_native (scripts/test-python.sh builds it); encode_native is imported from
# python/ through PYTHONPATH. No GitHub: the four files imageio's tests read from its test
# image repository are made by tests/peer-media/imageio/make_media.py (see its README).
# A test in which an ffmpeg process writes a file fails in the swapped runs
# (tests/peer-media/imageio/peer_guard.py): encode-native writes in-process.
#
# Exits non-zero when fewer than V2_MIN (default 9: test_writer_pixelformat_size_verbose
# wants an untagged pixel format, and encode-native tags the colour it wrote, BT.601 for this
# small picture) of the 10 v2 tests or PYAV_MIN (default
# 16) of the 16 pyav-plugin tests succeed with encode-native (an expected failure, xfail,
# counts as success when it is one with the real imageio too). IMAGEIO_VERSION picks another
# imageio (default 2.38.*), PEER_IMAGEIO_VENV another venv. About 3.5 minutes on two busy
# cores (the real imageio's runs are most of it), plus a minute the first time.
set -eu
cd "$(dirname "$0")/.."
root="$(pwd)"
VENV="${PEER_IMAGEIO_VENV:-target/peer-imageio-venv}"
WORK="$root/target/peer-imageio"
MEDIA="$root/tests/peer-media/imageio"
PY="$VENV/bin/python"

if [ ! -x "$PY" ]; then
  echo "test-peer-imageio: creating the virtual environment $VENV" >&2
  "${PYTHON:-python3}" -m venv "$VENV"
fi
if ! "$PY" -c 'import imageio, av, pytest, imageio_ffmpeg, psutil, numpy, PIL' 2>/dev/null; then
  echo "test-peer-imageio: installing imageio and the test packages into $VENV" >&2
  "$PY" -m pip install -q "imageio==${IMAGEIO_VERSION:-2.38.*}" av pytest imageio-ffmpeg psutil \
    numpy pillow
fi
PYTEST="$(cd "$VENV/bin" && pwd)/pytest"
version="$("$PY" -c 'import imageio; print(imageio.__version__)')"

# imageio's test files, from its source distribution.
mkdir -p "$WORK"
sdist="$WORK/imageio-$version.tar.gz"
if [ ! -f "$sdist" ]; then
  "$PY" -m pip download -q --no-binary :all: --no-deps "imageio==$version" -d "$WORK"
fi
rm -rf "$WORK/tests"
mkdir -p "$WORK/tests"
for f in conftest.py test_ffmpeg.py test_pyav.py; do
  tar -xzf "$sdist" -O "imageio-$version/tests/$f" >"$WORK/tests/$f" || {
    echo "test-peer-imageio: imageio-$version's sdist has no tests/$f" >&2
    exit 1
  }
done
"$PY" "$MEDIA/swap.py" "$WORK/tests"
cp "$MEDIA/peer_guard.py" "$WORK/tests/"

# The test images they read (imageio's conftest looks for them in .test_images beside tests/).
if [ ! -f "$WORK/.test_images/cockatoo.mp4" ]; then
  echo "test-peer-imageio: making the test media" >&2
  "$PY" "$MEDIA/make_media.py" "$WORK/.test_images.tmp"
  rm -rf "$WORK/.test_images"
  mv "$WORK/.test_images.tmp" "$WORK/.test_images"
fi

V2_TESTS="test_read_and_write test_write_not_contiguous test_write_audio_ac3
test_write_audio_default_codec test_writer_more test_writer_file_properly_closed
test_writer_pixelformat_size_verbose test_writer_ffmpeg_params test_writer_wmv test_reverse_read"
PYAV_TESTS="test_mp4_writing test_write_bytes test_write_png test_gif_write
test_raises_exception_when_shapes_mismatch test_gif_gen test_multiple_writes test_exceptions
test_invalid_resource test_bayer_write test_procedual_writing test_multi_frame_libx264_write
test_procedual_writing_with_filter test_rotation_flag_metadata test_write_float_fps
test_keyframe_intervals"

# run NAME MODULE SWAPPED TESTS...: runs the tests, prints each outcome, leaves the count of
# successes in $ok (passed; with the real imageio also xfailed, and those tests' names in
# $xfailed; swapped, xfailed counts only for a test in $xfailed) and the log in $WORK/NAME.log.
run() {
  name="$1"
  module="$2"
  swapped="$3"
  shift 3
  ids=""
  for t in "$@"; do ids="$ids tests/$module.py::$t"; done
  log="$WORK/$name.log"
  start=$(date +%s)
  # shellcheck disable=SC2086
  (cd "$WORK" && COLUMNS=250 PYTHONPATH="$WORK/tests${swapped:+:$root/python}" PEER_NO_FFMPEG_WRITE="$swapped" \
    nice -n 10 "$PYTEST" -p peer_guard -m "not needs_internet" -rA -q \
    -W ignore::DeprecationWarning $ids $EXTRA) >"$log" 2>&1 || true
  ok=$(grep -cE "^PASSED " "$log" || true)
  names=$(sed -n 's/^XFAIL tests\/[a-z_]*\.py::\([a-z0-9_]*\).*/\1/p' "$log")
  if [ -z "$swapped" ]; then
    xfailed="$names"
    ok=$((ok + $(echo "$names" | grep -c . || true)))
  else
    for t in $names; do
      case " $(echo $xfailed) " in *" $t "*) ok=$((ok + 1)) ;; esac
    done
  fi
  echo "== $name: $ok of $# succeeded ($(($(date +%s) - start)) s; log: $log)"
  grep -E "^(PASSED|XFAIL|FAILED|ERROR|SKIPPED) " "$log" | sed 's/^/   /' | cut -c1-300 || true
}

EXTRA="$*"
xfailed=""
# shellcheck disable=SC2086
run v2-imageio test_ffmpeg "" $V2_TESTS
# shellcheck disable=SC2086
run v2-encode-native test_ffmpeg_encode_native 1 $V2_TESTS
v2_ok=$ok
# shellcheck disable=SC2086
run pyav-imageio test_pyav "" $PYAV_TESTS
# shellcheck disable=SC2086
run pyav-encode-native test_pyav_encode_native 1 $PYAV_TESTS
pyav_ok=$ok

v2_min="${V2_MIN:-9}"
pyav_min="${PYAV_MIN:-16}"
echo "test-peer-imageio: imageio $version: v2 writer tests $v2_ok/10 (need $v2_min), pyav-plugin writing tests $pyav_ok/16 (need $pyav_min) with encode-native"
[ "$v2_ok" -ge "$v2_min" ] && [ "$pyav_ok" -ge "$pyav_min" ]
