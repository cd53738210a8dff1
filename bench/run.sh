#!/bin/sh
# The benchmark: builds encode-native in release mode, installs ffmpeg and a Python venv with
# PyAV (under $BENCH_WORK, default /tmp/encode-native-bench), then runs bench/run.py.
#   sh bench/run.sh                 # all workloads, 3 interleaved runs each (~6 min on 2 cores)
#   sh bench/run.sh --reps 5 --workloads W1
#   sh bench/run.sh --check         # regression check against bench/baseline.json (W1)
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
WORK=${BENCH_WORK:-/tmp/encode-native-bench}
mkdir -p "$WORK"
if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import av, numpy' 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install -q av numpy || echo "bench: PyAV could not be installed; running without it" >&2
fi
cargo build --release --quiet --bin encode-native --example bench
BENCH_WORK="$WORK" python3 bench/run.py "$@"
