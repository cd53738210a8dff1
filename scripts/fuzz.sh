#!/bin/sh
# Fuzzes the library and the command line for SECONDS (default 600), in release mode, and
# prints how many executions ran. FUZZ_SEED=N replays a run.
#   sh scripts/fuzz.sh 600
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
FUZZ_SECONDS="${1:-600}" cargo test --release --test fuzz -- --nocapture
