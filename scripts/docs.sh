#!/bin/sh
# Builds the documentation site (mkdocs with mkdocs-material, mkdocs.yml) strictly into
# target/site: a broken link or anchor, a warning, a public Python name without a docstring or
# an undocumented C declaration fails the build. The tools live in their own virtual
# environment, target/docs-venv, made on the first run from PyPI.
#
#   sh scripts/docs.sh            # build into target/site
#   sh scripts/docs.sh --serve    # build and serve a live preview on http://127.0.0.1:8000
#   DOCS_GALLERY=0 sh scripts/docs.sh   # without running the gallery's examples
#
# The gallery (docs/gallery/index.md and its pictures in docs/gallery/media/) is made first by
# scripts/gallery.py, which runs every example with the Python package built in
# target/python-venv (sh scripts/test-python.sh makes it). Without that environment the site
# is built with the gallery page as committed and without its pictures, and says so.
#
# The generated references (settings, CLI, encoders, containers, Python keywords) are
# regions of docs/ kept current by `cargo test readme`; the C API comes from the header and
# the Python API from the package at every build; the performance chart from the benchmark's
# results (scripts/docs_chart.py).
set -eu
cd "$(dirname "$0")/.."
venv=target/docs-venv
# The versions the site was made with; a new one is a deliberate change here.
requirements="mkdocs==1.6.1 mkdocs-material==9.8.2 mkdocstrings==1.0.8 mkdocstrings-python==2.0.11 pymdown-extensions==13.1.2 matplotlib pillow ruff"
stamp="$venv/.requirements"
if [ ! -x "$venv/bin/mkdocs" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$requirements" ]; then
  echo "docs: installing the site's tools into $venv" >&2
  mkdir -p target
  python3 -m venv "$venv"
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q --disable-pip-version-check $requirements
  echo "$requirements" >"$stamp"
fi
export NO_MKDOCS_2_WARNING=1
"$venv/bin/python" scripts/docs_chart.py
if [ "${DOCS_GALLERY:-1}" != 0 ]; then
  if [ -x target/python-venv/bin/python ]; then
    target/python-venv/bin/python scripts/gallery.py
  else
    echo "docs: no target/python-venv (sh scripts/test-python.sh makes it): the gallery's pictures are not made" >&2
  fi
fi
if [ "${1:-}" = "--serve" ]; then
  exec "$venv/bin/mkdocs" serve --strict -a 127.0.0.1:8000
fi
"$venv/bin/mkdocs" build --strict --clean
echo "docs: built target/site/index.html" >&2
