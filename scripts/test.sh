#!/bin/sh
# Runs the whole test suite: the Rust library and command line (unit, integration, examples,
# doc tests, a short fuzz run), the Python package (pytest, in target/python-venv) and the C
# library (C and C++ programs built against it with pkg-config).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
# The example tests run the example programs themselves; the Python tests run the CLI.
cargo build --examples --bins
cargo test
ENCODE_NATIVE_BIN="$PWD/target/debug/encode-native" sh scripts/test-python.sh
sh scripts/test-c.sh
