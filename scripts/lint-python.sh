#!/bin/sh
# Lints and type-checks the Python package: ruff over python/, mypy over its sources
# (python/encode_native; settings in python/pyproject.toml), and stubtest of the native
# module's stub (encode_native/_native.pyi) against the built module. Runs after
# scripts/test-python.sh, which builds the package into the same venv.
set -eu
cd "$(dirname "$0")/.."
VENV="${ENCODE_NATIVE_VENV:-target/python-venv}"
PY="$(cd "$VENV/bin" && pwd)/python"
if ! "$PY" -c 'import ruff, mypy' 2>/dev/null; then
  echo "lint-python: installing ruff and mypy into $VENV" >&2
  "$PY" -m pip install -q ruff mypy
fi
"$PY" -m ruff check python/
cd python
"$PY" -m mypy
# PyO3 classes are PEP 800 disjoint bases; the stub says so with @final alone.
"$PY" -m mypy.stubtest --ignore-disjoint-bases encode_native._native
