#!/bin/sh
# Plays encode-native's HLS and DASH output in real players: headless Chromium (Debian's
# `chromium`, installed here when missing) plays every *.m3u8 at the top of DIR with hls.js and
# every *.mpd with shaka-player, both from npm (pinned in tests/players/package-lock.json,
# installed once into target/players-node). DIR is served on 127.0.0.1 at a free port.
#
#   sh scripts/check-players.sh [--live] [--expect-renditions N] [--expect-duration SECONDS]
#                               [--rate R] [--timeout SECONDS] DIR
#
# For each manifest: every rendition is forced in turn and must load a fragment and show a
# decoded frame of its size; the whole clip then plays to its end at --rate (default 4x, muted)
# on the highest rendition; sound must decode when the stream has it; no fatal player error and
# no console error. --live: DIR is still being written; waits (30 s at most) for the playlists,
# plays from the live edge at real time, reports how long after the check's start `playing`
# came and requires that the manifest was still live then (no #EXT-X-ENDLIST, a dynamic MPD),
# and plays on until the stream ends. Prints one JSON line per manifest (stdout) and one line
# per problem (stderr, exit 1). Each manifest is bounded by --timeout (default 60 s).
# More: tests/players/README.md.
set -eu
start_ms=$(python3 -c 'import time; print(int(time.time() * 1000))')
here=$(pwd)
cd "$(dirname "$0")/.."
root=$(pwd)

args=""
dir=""
bound=60
while [ $# -gt 0 ]; do
  case "$1" in
    --live) args="$args --live" ;;
    --expect-renditions|--expect-duration|--rate|--timeout)
      [ $# -ge 2 ] || { echo "check-players: $1 needs a value" >&2; exit 2; }
      args="$args $1 $2"
      [ "$1" != --timeout ] || bound=${2%%.*}
      shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "check-players: unknown option $1" >&2; exit 2 ;;
    *) [ -z "$dir" ] || { echo "check-players: one DIR only" >&2; exit 2; }; dir="$1" ;;
  esac
  shift
done
[ -n "$dir" ] || { echo "usage: sh scripts/check-players.sh [--live] [--expect-renditions N] [--expect-duration SECONDS] DIR" >&2; exit 2; }
case "$dir" in /*) ;; *) dir="$here/$dir" ;; esac

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
need_apt() {
  echo "check-players: installing $*" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  need_apt chromium
  browser="$(command -v chromium)"
fi
command -v npm >/dev/null 2>&1 || need_apt nodejs npm

# hls.js and shaka-player, once (again when the lock file changes).
node_dir="$root/target/players-node"
if ! cmp -s tests/players/package-lock.json "$node_dir/package-lock.json" ||
   [ ! -f "$node_dir/node_modules/hls.js/dist/hls.min.js" ] ||
   [ ! -f "$node_dir/node_modules/shaka-player/dist/shaka-player.compiled.js" ]; then
  echo "check-players: installing hls.js and shaka-player into target/players-node" >&2
  mkdir -p "$node_dir"
  cp tests/players/package.json tests/players/package-lock.json "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

# The driver serves DIR (a thread of its own) and runs Chromium (its own process group); both
# end with it. The trap ends it if this script is interrupted; `timeout` bounds the whole run.
driver=""
cleanup() {
  if [ -n "$driver" ]; then kill "$driver" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
n=$(find "$dir" -maxdepth 1 \( -name '*.m3u8' -o -name '*.mpd' \) 2>/dev/null | wc -l)
[ "$n" -gt 0 ] || n=1
# shellcheck disable=SC2086
timeout -k 5 $((40 + (bound + 20) * n)) python3 tests/players/drive.py "$browser" "$node_dir/node_modules" "$dir" \
  --t0 "$start_ms" $args &
driver=$!
status=0
wait "$driver" || status=$?
driver=""
if [ "$status" = 124 ]; then echo "check-players: the whole check ran over its bound" >&2; fi
echo "check-players: $( [ "$status" = 0 ] && echo ok || echo FAILED ) in $(( ($(python3 -c 'import time; print(int(time.time() * 1000))') - start_ms) / 1000 )) s" >&2
exit "$status"
