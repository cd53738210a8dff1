#!/bin/sh
# Encodes a 10-second demo video (no input needed) to demo.mp4, or to the path given.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
out="${1:-demo.mp4}"
cargo run --release --quiet --bin encode-native -- demo -o "$out" -y
