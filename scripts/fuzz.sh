#!/bin/sh
# Fuzzes the library and the command line for SECONDS (default 600), in release mode, and
# prints how many executions ran. FUZZ_SEED=N replays a run; FUZZ_JOBS=N runs N soundtrack
# cases at once (their stalled-FIFO cases wait without working: 8 suits 2 cores).
#   sh scripts/fuzz.sh 600
#   FUZZ_JOBS=8 sh scripts/fuzz.sh 6000
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
FUZZ_SECONDS="${1:-600}" cargo test --release --test fuzz -- --nocapture
