#!/bin/sh
# Runs the whole test suite (unit, integration, CLI, doc tests and examples).
set -eu
cd "$(dirname "$0")/.."
sh scripts/setup.sh
cargo test --all-targets
cargo test --doc
