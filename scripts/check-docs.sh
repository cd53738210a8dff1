#!/bin/sh
# Checks the documentation site: builds it strictly (sh scripts/docs.sh: broken links and
# anchors, undocumented Python names and C declarations fail), serves target/site on
# 127.0.0.1 with python3 -m http.server, and opens it in headless Chromium (Debian's
# `chromium`, installed here when missing): screenshots of the home page, a guide and a
# migration page must not be blank, the browser must report no console message (an uncaught
# error, a failed load), and every image and video the pages show (the gallery's previews,
# the performance chart) must load. Screenshots: target/docs-check/*.png.
#
#   sh scripts/check-docs.sh
set -eu
cd "$(dirname "$0")/.."
start=$(date +%s)
sh scripts/docs.sh
built=$(date +%s)
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "check-docs: installing chromium" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
  browser="$(command -v chromium)"
fi
target/docs-venv/bin/python scripts/check_docs.py "$browser" target/site target/docs-check
echo "check-docs: built in $((built - start)) s, checked in $(( $(date +%s) - built )) s" >&2
