#!/bin/sh
# Runs the Python test suite against the built wheel under every CPython it claims (cp39-abi3:
# any CPython >= 3.9), one interpreter at a time, each in its own venv with only the wheel
# and the test packages installed:
#
#   sh scripts/test-wheel-pythons.sh                       dist/encode_native-*.whl
#   sh scripts/test-wheel-pythons.sh path/to/encode_native-...whl
#   PYTHONS="3.9 3.13" sh scripts/test-wheel-pythons.sh    a subset (the oldest and newest)
#
# PYTHONS lists the interpreters (default "3.9 3.10 3.11 3.12 3.13 system"): 3.X is the newest
# pyenv version 3.X.* (else python3.X on the PATH), system is the system python3 (pyenv's
# "system", else /usr/bin/python3), and an absolute path is that interpreter. Each gets a venv
# in target/wheel-pythons/<version> (kept for the next run; the wheel is reinstalled every
# time; FRESH=1 makes them anew) and a copy of python/tests and python/examples there, run
# from that copy so that `import encode_native` is the installed wheel (checked, as in
# scripts/test-dist.sh step 4). The encode-native command the compatibility tests drive is
# the wheel's own.
#
# The test packages (numpy pytest av matplotlib imageio pillow dask distributed
# opencv-python-headless tqdm) are installed from binary wheels only: one with no wheel for
# an interpreter is left out and reported. Tests that import it with pytest.importorskip skip
# themselves; a test module or test that fails only for want of it (ModuleNotFoundError) is
# counted as "not run" there, not as a failure. numpy, pytest and PyAV (every video is
# decoded with it) are required.
#
# Prints a table (passed, failed, errors, skipped, not run, seconds per interpreter), then
# every failure, skip and module not run with its reason; exits non-zero if any interpreter
# fails or errs a test, runs none or cannot install the wheel, or if an interpreter PYTHONS
# names explicitly is not found.
#
# Needs the interpreters (pyenv install 3.9 ...; their venv module), the ffmpeg and ffprobe
# commands for the tests that compare with them (skipped without), and PyPI.
set -eu
cd "$(dirname "$0")/.."
repo="$PWD"
started=$(date +%s)
say() { echo "test-wheel-pythons: $*" >&2; }
fail() { say "FAILED: $*"; exit 1; }

wheel="${1:-}"
[ -n "$wheel" ] || wheel="$(ls dist/encode_native-*.whl 2>/dev/null | sort | tail -1)"
[ -n "$wheel" ] || fail "no wheel in dist/: run sh scripts/build-dist.sh, or name one"
[ -f "$wheel" ] || fail "$wheel: no such file"
wheel="$(cd "$(dirname "$wheel")" && pwd)/$(basename "$wheel")"
say "wheel $(basename "$wheel")"

explicit=0
[ -n "${PYTHONS:-}" ] && explicit=1
pythons="${PYTHONS:-3.9 3.10 3.11 3.12 3.13 system}"
pyenv_root="$(pyenv root 2>/dev/null || true)"

find_python() { # NAME: the interpreter's path, or nothing
  case "$1" in
    /*) [ -x "$1" ] && echo "$1" ;;
    system)
      p="$(PYENV_VERSION=system pyenv which python3 2>/dev/null || true)"
      [ -n "$p" ] || { [ -x /usr/bin/python3 ] && p=/usr/bin/python3; }
      [ -n "$p" ] || p="$(command -v python3 || true)"
      [ -n "$p" ] && echo "$p" ;;
    *)
      p=""
      if [ -n "$pyenv_root" ]; then
        v="$(ls -d "$pyenv_root/versions/$1".* 2>/dev/null | sed 's|.*/||' | grep -E "^$1\.[0-9]+\$" | sort -t. -k3,3n | tail -1)"
        [ -n "$v" ] && [ -x "$pyenv_root/versions/$v/bin/python3" ] && p="$pyenv_root/versions/$v/bin/python3"
      fi
      [ -n "$p" ] || p="$(command -v "python$1" || true)"
      [ -n "$p" ] && echo "$p" ;;
  esac
  return 0
}

# Import name and distribution name of each test package; the first three are required.
packages="numpy:numpy pytest:pytest av:av matplotlib:matplotlib imageio:imageio PIL:pillow dask:dask
  distributed:distributed cv2:opencv-python-headless tqdm:tqdm"

top="$repo/target/wheel-pythons"
mkdir -p "$top"
results="$top/results.txt"
: >"$results"
status=0

for name in $pythons; do
  py="$(find_python "$name")"
  if [ -z "$py" ]; then
    say "$name: not found"
    echo "$name|not found|||||||" >>"$results"
    [ "$explicit" = 1 ] && status=1
    continue
  fi
  version="$("$py" -c 'import platform; print(platform.python_version())')"
  label="$version"
  [ "$name" = system ] && label="system-$version"
  dir="$top/$label"
  say "== $label: $py"
  [ "${FRESH:-0}" = 1 ] && rm -rf "$dir"
  venv="$dir/venv"
  vpy="$venv/bin/python"
  if [ ! -x "$vpy" ]; then
    rm -rf "$venv"
    "$py" -m venv "$venv" || { echo "$label|no venv|||||||" >>"$results"; status=1; continue; }
  fi
  t0=$(date +%s)

  # The wheel first, with its dependencies (numpy), then the test packages, from wheels only
  # (no source builds: an interpreter a package has no wheel for goes without it).
  if ! "$vpy" -m pip install -q --force-reinstall --no-deps "$wheel" ||
     ! "$vpy" -m pip install -q "$wheel"; then
    say "$label: pip install of the wheel failed"
    echo "$label|wheel not installed|||||||" >>"$results"
    status=1
    continue
  fi
  missing=""
  want=""
  for p in $packages; do
    "$vpy" -c "import ${p%%:*}" 2>/dev/null || want="$want ${p#*:}"
  done
  if [ -n "$want" ]; then
    say "$label: installing$want"
    # shellcheck disable=SC2086
    if ! "$vpy" -m pip install -q --only-binary :all: $want; then
      for p in $want; do
        "$vpy" -m pip install -q --only-binary :all: "$p" || say "$label: $p does not install (no wheel for Python $version?)"
      done
    fi
  fi
  for p in $packages; do
    "$vpy" -c "import ${p%%:*}" 2>/dev/null || missing="$missing ${p%%:*}"
  done
  "$vpy" -m pip list 2>/dev/null | grep -iE '^(encode.native|numpy|pytest|av|matplotlib|imageio|pillow|dask|distributed|opencv-python-headless|cloudpickle|tqdm) ' |
    awk '{ printf "%s %s  ", $1, $2 } END { print "" }' >"$dir/versions.txt"
  say "$label: $(cat "$dir/versions.txt")"

  # A fresh copy of the tests, outside the source tree.
  rm -rf "$dir/python"
  mkdir -p "$dir/python"
  cp -r python/tests python/examples python/pyproject.toml "$dir/python/"
  find "$dir/python" -name __pycache__ -prune -exec rm -rf {} +

  for m in $missing; do
    case "$m" in
      numpy | pytest | av)
        say "$label: $m is not installed: the suite cannot run"
        echo "$label|no $m|||||||" >>"$results"
        status=1
        continue 2 ;;
    esac
  done
  [ -n "$missing" ] && say "$label: without$missing"

  where="$(cd "$dir/python" && unset PYTHONPATH && "$vpy" -c 'import encode_native; print(encode_native.__file__)')"
  say "$label: encode_native is $where"
  case "$where" in
    "$venv"/lib/python*/site-packages/encode_native/*) ;;
    *) fail "$label: encode_native comes from $where, not from the wheel installed in $venv" ;;
  esac

  t1=$(date +%s)
  rm -f "$dir/junit.xml"
  # A test module that imports a missing package (directly, or through encode_native.matplotlib
  # and the like) fails to collect: the others still run, and such errors (and failures for
  # want of the package) are counted as "not run" below rather than as failures.
  ( cd "$dir/python" && unset PYTHONPATH VIRTUAL_ENV &&
    ENCODE_NATIVE_TEST_INSTALLED=1 ENCODE_NATIVE_BIN="$venv/bin/encode-native" PATH="$venv/bin:$PATH" \
      "$vpy" -m pytest -q -p no:cacheprovider -rfEs --basetemp="$dir/tmp" \
      --junitxml="$dir/junit.xml" --continue-on-collection-errors tests ) >"$dir/pytest.log" 2>&1 && rc=0 || rc=$?
  seconds=$(( $(date +%s) - t1 ))
  tail -3 "$dir/pytest.log" | sed "s/^/test-wheel-pythons: $label: /" >&2
  if [ ! -f "$dir/junit.xml" ]; then
    say "$label: pytest exited $rc with no report:"
    tail -20 "$dir/pytest.log" >&2
    echo "$label|pytest exited $rc|||||||" >>"$results"
    status=1
    continue
  fi
  # Counts, and each failure and skip with its reason, from pytest's JUnit report.
  counts="$("$vpy" - "$dir/junit.xml" "$dir/details.txt" "$missing" <<'EOF'
import re
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
missing = set(sys.argv[3].split())
n = {"passed": 0, "failure": 0, "error": 0, "skipped": 0, "not run": 0}
lines = []
for case in root.iter("testcase"):
    test = f"{case.get('classname', '')}::{case.get('name', '')}".strip(":")
    outcome = "passed"
    for kind in ("failure", "error", "skipped"):
        for el in case.findall(kind):
            outcome = kind
            text = el.text or ""
            msg = el.get("message") or text
            if msg == "collection skipped":  # the reason is in the text
                msg = text
            msg = msg.strip().splitlines()
            msg = msg[0][:300] if msg else ""
            # A module or test that needs a test package this interpreter has none of.
            gone = re.search(r"No module named '([^'.]+)", text)
            if kind != "skipped" and gone and gone.group(1) in missing:
                outcome, msg = "not run", f"needs {gone.group(1)}, not installed for this Python"
            lines.append(f"{outcome.upper()} {test}: {msg}")
    n[outcome] += 1
with open(sys.argv[2], "w") as f:
    f.write("".join(line + "\n" for line in lines))
print("|".join(str(n[k]) for k in ("passed", "failure", "error", "skipped", "not run")))
EOF
)"
  echo "$label|$counts|$seconds|$(( t1 - t0 ))" >>"$results"
  failed="$(echo "$counts" | cut -d'|' -f2)"
  errors="$(echo "$counts" | cut -d'|' -f3)"
  # pytest exits 1 when a test failed or a module failed to collect, 5 when it found none.
  if [ "$rc" -gt 1 ] || [ "$failed" != 0 ] || [ "$errors" != 0 ] || [ "$(echo "$counts" | cut -d'|' -f1)" = 0 ]; then
    status=1
  fi
done

echo
printf '%-16s %7s %7s %7s %7s %8s %8s %10s\n' python passed failed errors skipped "not run" seconds "install s"
while IFS='|' read -r label a b c d e f g; do
  case "$a" in
    [0-9]*) printf '%-16s %7s %7s %7s %7s %8s %8s %10s\n' "$label" "$a" "$b" "$c" "$d" "$e" "$f" "$g" ;;
    *) printf '%-16s %s\n' "$label" "$a" ;;
  esac
done <"$results"
for d in "$top"/*/; do
  label="$(basename "$d")"
  grep -q "^$label|[0-9]" "$results" || continue
  if [ -s "$d/details.txt" ]; then
    echo
    echo "$label (log: ${d#"$repo"/}pytest.log):"
    sed 's/^/  /' "$d/details.txt"
  fi
done
echo
say "$(basename "$wheel"): $([ "$status" = 0 ] && echo "every interpreter passed" || echo FAILED) ($(( $(date +%s) - started )) s)"
exit "$status"
