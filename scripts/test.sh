#!/bin/sh
# Runs the whole test suite: unit, integration (library, command line, examples) and doc tests.
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
# The example tests run the example programs themselves.
cargo build --examples
cargo test
