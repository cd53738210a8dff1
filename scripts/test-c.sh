#!/bin/sh
# The C library's tests. Builds libencode_native (release), installs it into a temporary
# prefix with capi/install.sh, compiles the C and C++ examples and the C tests against it
# through pkg-config (shared; the static library once), runs them, and checks every video
# they write with ffprobe: codec, frame count, size and duration.
#
#   sh scripts/test-c.sh              also runs the Rust-side tests of the C layer, which
#                                     include the check that include/encode_native.h is current
#   sh scripts/test-c.sh --valgrind   the same programs under valgrind's memcheck: any definite
#                                     leak or invalid access fails (scripts/valgrind-c.sh)
set -eu
cd "$(dirname "$0")/.."
root="$(pwd)"
mode="${1:-}"

# A C and a C++ compiler, pkg-config, ffprobe (FFmpeg's own look at the videos) and, for
# --valgrind, valgrind: installed through apt-get when missing.
need=""
command -v cc >/dev/null 2>&1 || need="$need gcc"
command -v c++ >/dev/null 2>&1 || need="$need g++"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
command -v ffprobe >/dev/null 2>&1 || need="$need ffmpeg"
if [ "$mode" = --valgrind ]; then
  command -v valgrind >/dev/null 2>&1 || need="$need valgrind"
fi
if [ -n "$need" ]; then
  command -v apt-get >/dev/null 2>&1 || { echo "test-c: install$need first" >&2; exit 1; }
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "test-c: installing$need" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

run=""
if [ "$mode" = --valgrind ]; then
  run="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite"
else
  echo "test-c: Rust-side tests of the C layer (and the header is current)"
  cargo test -q -p encode-native-capi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "test-c: build the C library and install it into a temporary prefix"
sh capi/install.sh "$work/prefix" >/dev/null
export PKG_CONFIG_PATH="$work/prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
libs="$work/prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cflags="$(pkg-config --cflags encode_native)"
shared="$(pkg-config --cflags --libs encode_native)"
static="$(pkg-config --cflags --libs encode_native-static)"
CFLAGS="-std=c11 -O1 -g -Wall -Wextra -Werror"
CXXFLAGS="-std=c++17 -O1 -g -Wall -Wextra -Werror"

fail() {
  echo "test-c: FAILED: $*" >&2
  exit 1
}

echo "test-c: the header alone, as strict C99 and C++11"
printf '#include <encode_native.h>\nint main(void) { return en_version() == 0; }\n' > "$work/header.c"
# shellcheck disable=SC2086
cc -std=c99 -pedantic -Wall -Wextra -Werror $cflags -fsyntax-only "$work/header.c"
# shellcheck disable=SC2086
c++ -std=c++11 -pedantic -Wall -Wextra -Werror $cflags -fsyntax-only -x c++ "$work/header.c"

echo "test-c: compile the examples and tests with pkg-config --cflags --libs encode_native"
bin="$work/bin"
mkdir -p "$bin" "$work/out"
# shellcheck disable=SC2086
{
  cc $CFLAGS capi/examples/noise.c -o "$bin/noise" $shared
  cc $CFLAGS capi/examples/gradient.c -o "$bin/gradient" $shared -lm
  cc $CFLAGS capi/examples/threads.c -o "$bin/threads" $shared -pthread
  c++ $CXXFLAGS capi/examples/wrapper.cpp -o "$bin/wrapper" $shared
  cc $CFLAGS capi/tests/bad_args.c -o "$bin/bad_args" $shared
  cc $CFLAGS capi/tests/callbacks.c -o "$bin/callbacks" $shared -pthread
  cc $CFLAGS capi/tests/codecs.c -o "$bin/codecs" $shared
  cc $CFLAGS capi/tests/encoders.c -o "$bin/encoders" $shared -lm
  cc $CFLAGS capi/tests/ffargs.c -o "$bin/ffargs" $shared
  cc $CFLAGS capi/tests/replace.c -o "$bin/replace" $shared
  cc $CFLAGS capi/tests/audio.c -o "$bin/audio" $shared -lm
  cc $CFLAGS capi/tests/delivery.c -o "$bin/delivery" $shared
  # The static library, with FFmpeg's shared libraries: encode_native-static.pc.
  cc $CFLAGS capi/examples/noise.c -o "$bin/noise-static" $static
}
if readelf -d "$bin/noise-static" | grep -q 'libencode_native'; then
  fail "noise-static still needs libencode_native.so"
fi
readelf -d "$bin/noise" | grep -q 'NEEDED.*libencode_native.so.0' || fail "noise does not link libencode_native.so by its SONAME"

# check_video FILE FRAMES WIDTH HEIGHT SECONDS: ffprobe decodes FILE and finds an H.264 video
# of FRAMES frames of WIDTH x HEIGHT lasting SECONDS (within a millisecond).
check_video() {
  probe="$(ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=codec_name,width,height,nb_read_frames -show_entries format=duration \
    -of default=noprint_wrappers=1 "$1")" || fail "ffprobe cannot read $1"
  field() { printf '%s\n' "$probe" | sed -n "s/^$1=//p" | head -n 1; }
  if [ "$(field codec_name)" != h264 ] || [ "$(field nb_read_frames)" != "$2" ] \
    || [ "$(field width)" != "$3" ] || [ "$(field height)" != "$4" ] \
    || ! awk -v d="$(field duration)" -v e="$5" 'BEGIN { exit !(d - e < 0.001 && e - d < 0.001) }'; then
    fail "$1: expected h264, $2 frames, $3x$4, $5 s; ffprobe says: $(printf '%s ' $probe)"
  fi
  echo "test-c:   $(basename "$1"): h264, $2 frames, $3x$4, $5 s"
}

# check_pixel FILE X Y R G B: the first frame's pixel at (X, Y) is within 12 levels of R, G, B.
check_pixel() {
  w="$(ffprobe -v error -select_streams v:0 -show_entries stream=width -of csv=p=0 "$1")"
  ffmpeg -v error -y -i "$1" -frames:v 1 -f rawvideo -pix_fmt rgb24 "$work/frame.rgb"
  got="$(od -An -tu1 -v -j "$(( ($3 * w + $2) * 3 ))" -N 3 "$work/frame.rgb" | tr -s ' ' | sed 's/^ //')"
  # shellcheck disable=SC2086
  set -- "$1" "$2" "$3" "$4" "$5" "$6" $got
  [ $# = 9 ] || fail "$1: cannot read the pixel"
  for pair in "$4 $7" "$5 $8" "$6 $9"; do
    # shellcheck disable=SC2086
    awk -v p="$pair" 'BEGIN { split(p, v, " "); d = v[1] - v[2]; exit !(d <= 12 && d >= -12) }' \
      || fail "$1: pixel ($2, $3) is $7 $8 $9, expected about $4 $5 $6"
  done
  echo "test-c:   $(basename "$1"): pixel ($2, $3) is $7 $8 $9 (expected about $4 $5 $6)"
}

cd "$work/out"
echo "test-c: noise (a file, 1280x720)"
LD_LIBRARY_PATH="$libs" $run "$bin/noise" noise.mp4 >/dev/null || fail "noise"
check_video noise.mp4 5 1280 720 0.166667
[ ! -e noise.mp4.partial ] || fail "noise.mp4.partial was left behind"

echo "test-c: noise, linked with libencode_native.a"
$run "$bin/noise-static" noise-static.mp4 >/dev/null || fail "noise-static"
check_video noise-static.mp4 5 1280 720 0.166667

echo "test-c: gradient (into memory, BGRA rows with padding, written out by the program)"
LD_LIBRARY_PATH="$libs" $run "$bin/gradient" gradient.mp4 >/dev/null || fail "gradient"
check_video gradient.mp4 48 640 360 2.0
# In the first frame: R = 255 x / W, G = 127.5 + 127.5 sin(2 pi x / W), B = 255 y / H.
check_pixel gradient.mp4 320 180 127 127 127
check_pixel gradient.mp4 100 300 40 233 212
check_pixel gradient.mp4 600 20 239 79 14

echo "test-c: threads (four writers on four threads)"
LD_LIBRARY_PATH="$libs" $run "$bin/threads" threads >/dev/null || fail "threads"
for i in 0 1 2 3; do
  check_video "threads-$i.mp4" $((20 + 5 * i)) $((160 + 32 * i)) $((120 + 16 * i)) \
    "$(awk -v n=$((20 + 5 * i)) 'BEGIN { print n / 25 }')"
done

echo "test-c: wrapper (C++, explicit timestamps)"
LD_LIBRARY_PATH="$libs" $run "$bin/wrapper" wrapper.mp4 >/dev/null || fail "wrapper"
check_video wrapper.mp4 25 320 240 1.0

echo "test-c: callbacks (the caller's write and seek functions)"
LD_LIBRARY_PATH="$libs" $run "$bin/callbacks" callbacks >/dev/null || fail "callbacks"
check_video callbacks-seekable.mp4 40 176 144 2.0
check_video callbacks-stream.mp4 40 176 144 2.0
grep -aq moof callbacks-stream.mp4 || fail "callbacks-stream.mp4 is not fragmented"
! grep -aq moof callbacks-seekable.mp4 || fail "callbacks-seekable.mp4 is fragmented"

echo "test-c: codecs (every codec by its name)"
mkdir -p codecs
LD_LIBRARY_PATH="$libs" $run "$bin/codecs" codecs > codecs.log || fail "codecs"
while read -r file codec; do
  case "$file" in
    *.webp)
      # FFmpeg 5.1 cannot decode animated WebP: one ANMF chunk per frame.
      n="$(grep -ao ANMF "$file" | wc -l)"
      [ "$n" = 10 ] || fail "$file: $n frames"
      echo "test-c:   $(basename "$file"): webp, 10 frames"
      continue ;;
  esac
  probe="$(ffprobe -v error -count_frames -select_streams v:0 \
    -show_entries stream=codec_name,width,height,nb_read_frames -of default=noprint_wrappers=1 "$file")" \
    || fail "ffprobe cannot read $file"
  got="$(printf '%s\n' "$probe" | sed -n 's/^codec_name=//p;s/^width=//p;s/^height=//p;s/^nb_read_frames=//p' | tr '\n' ' ')"
  want="$codec 96 64 10 "
  [ "$codec" = av1 ] && got="$(printf '%s' "$got" | sed 's/^libdav1d /av1 /')"
  [ "$codec" = libx264rgb ] && want="h264 96 64 10 "
  [ "$got" = "$want" ] || fail "$file: expected $want; ffprobe says $got"
  echo "test-c:   $(basename "$file"): $got"
done < codecs.log
[ "$(wc -l < codecs.log)" = 13 ] || fail "codecs wrote $(wc -l < codecs.log) videos, expected 13"

echo "test-c: ffargs (settings given as ffmpeg's flags)"
LD_LIBRARY_PATH="$libs" $run "$bin/ffargs" ffargs.mp4 filtered.mp4 >/dev/null || fail "ffargs"
check_video ffargs.mp4 30 96 64 1.0
check_video filtered.mp4 30 64 96 1.0
pix_fmt="$(ffprobe -v error -select_streams v:0 -show_entries stream=pix_fmt -of csv=p=0 ffargs.mp4)"
[ "$pix_fmt" = yuv444p ] || fail "ffargs.mp4: pix_fmt $pix_fmt, expected yuv444p (-pix_fmt)"
grep -aq moof ffargs.mp4 || fail "ffargs.mp4 is not fragmented (-movflags frag_keyframe)"
echo "test-c:   ffargs.mp4: yuv444p, fragmented; filtered.mp4 (filter transpose=1): 64x96"

echo "test-c: replace (a stopped writer leaves an existing file as it was)"
mkdir -p replace
printf 'frozen' > replace/frozen.mp4
frozen=""
chattr +i replace/frozen.mp4 2>/dev/null && frozen=frozen
LD_LIBRARY_PATH="$libs" $run "$bin/replace" "$work/out/replace" $frozen > replace.log 2>&1 \
  || { chattr -i replace/frozen.mp4 2>/dev/null; cat replace.log >&2; fail "replace"; }
[ -z "$frozen" ] || chattr -i replace/frozen.mp4
[ -n "$frozen" ] || echo "test-c:   (chattr +i is not possible here: the immutable file is not tried)"
n="$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
  -of csv=p=0 replace/old.mp4.partial)" || fail "ffprobe cannot read replace/old.mp4.partial"
[ "$n" = 3 ] || fail "replace/old.mp4.partial holds $n frames, expected 3"
[ "$(cat replace/old.mp4)" = "an old video that must survive" ] || fail "replace/old.mp4 was changed"
echo "test-c:   old.mp4 unchanged; old.mp4.partial: 3 frames"

echo "test-c: audio (samples pushed interleaved and planar, a soundtrack from a file, tags)"
mkdir -p audio
ffmpeg -v error -nostdin -f lavfi -i "sine=frequency=660:sample_rate=48000:duration=1" -ac 2 \
  -c:a pcm_s16le audio/tone.wav || fail "ffmpeg cannot make audio/tone.wav"
LD_LIBRARY_PATH="$libs" $run "$bin/audio" "$work/out/audio" "$work/out/audio/tone.wav" \
  > audio.log 2>&1 || { cat audio.log >&2; fail "audio"; }
# check_audio FILE CODEC RATE CHANNELS SECONDS: the audio stream ffprobe finds in FILE.
check_audio() {
  probe="$(ffprobe -v error -select_streams a:0 -show_entries stream=codec_name,sample_rate,channels,duration \
    -of default=noprint_wrappers=1 "$1")" || fail "ffprobe cannot read $1"
  field() { printf '%s\n' "$probe" | sed -n "s/^$1=//p" | head -n 1; }
  if [ "$(field codec_name)" != "$2" ] || [ "$(field sample_rate)" != "$3" ] \
    || [ "$(field channels)" != "$4" ]; then
    fail "$1: expected $2 $3 Hz $4 channels; ffprobe says: $(printf '%s ' $probe)"
  fi
  # Matroska keeps no stream duration: the decoded samples say how long the audio lasts.
  n="$(ffmpeg -v error -nostdin -i "$1" -map 0:a:0 -f s16le - | wc -c)"
  awk -v n="$n" -v r="$3" -v c="$4" -v e="$5" 'BEGIN { d = n / 2 / c / r; exit !(d - e < 0.001 && e - d < 0.001) }' \
    || fail "$1: $n bytes of decoded audio, expected $5 s"
  echo "test-c:   $(basename "$1"): $2, $3 Hz, $4 channels, $5 s"
}
check_video audio/pushed.mkv 25 64 48 1.0
check_audio audio/pushed.mkv pcm_s16le 48000 2 1.0
ffmpeg -v error -nostdin -i audio/pushed.mkv -map 0:a:0 -f s16le - | cmp -s - audio/pushed.s16 \
  || fail "audio/pushed.mkv: the decoded samples differ from those pushed"
echo "test-c:   pushed.mkv: the decoded samples are exactly those pushed"
tags="$(ffprobe -v error -show_entries format_tags=title:stream_tags=language -of default=noprint_wrappers=1 audio/pushed.mkv)"
printf '%s\n' "$tags" | grep -qx 'TAG:title=Sine from C' || fail "audio/pushed.mkv: no title tag: $tags"
printf '%s\n' "$tags" | grep -qx 'TAG:language=eng' || fail "audio/pushed.mkv: no audio language tag: $tags"
echo "test-c:   pushed.mkv: title 'Sine from C', audio language eng"
check_video audio/planar.mkv 10 64 48 0.4
check_audio audio/planar.mkv pcm_f32le 48000 2 0.4
ffmpeg -v error -nostdin -i audio/planar.mkv -map 0:a:0 -f f32le - | cmp -s - audio/planar.f32 \
  || fail "audio/planar.mkv: the decoded samples differ from those pushed"
echo "test-c:   planar.mkv: the decoded samples are exactly those pushed"
check_video audio/file.mkv 25 64 48 1.0
check_audio audio/file.mkv pcm_s16le 48000 2 1.0
ffmpeg -v error -nostdin -i audio/tone.wav -f s16le "$work/tone.s16"
ffmpeg -v error -nostdin -i audio/file.mkv -map 0:a:0 -f s16le - | cmp -s - "$work/tone.s16" \
  || fail "audio/file.mkv: its audio differs from tone.wav's"
echo "test-c:   file.mkv: the audio is tone.wav's, sample for sample"

echo "test-c: delivery (HLS ladder, DASH, an RTMP push to an ffmpeg listener, refusals)"
mkdir -p delivery
LD_LIBRARY_PATH="$libs" $run "$bin/delivery" "$work/out/delivery" > delivery.log 2>&1 \
  || { cat delivery.log >&2; fail "delivery"; }
tail -n 1 delivery.log | sed 's/^/test-c:   /'

echo "test-c: the encoder table (en_encoders): each quality scale written at both ends"
LD_LIBRARY_PATH="$libs" $run "$bin/encoders" > encoders.log 2>&1 \
  || { cat encoders.log >&2; fail "encoders"; }
tail -n 1 encoders.log | sed 's/^/test-c:   /'

echo "test-c: bad arguments (each an error code and a message, no crash)"
LD_LIBRARY_PATH="$libs" $run "$bin/bad_args" "$work/out" > bad_args.log 2>&1 \
  || { cat bad_args.log >&2; fail "bad_args"; }
tail -n 1 bad_args.log | sed 's/^/test-c:   /'

cd "$root"
echo "test-c: all passed${run:+ under valgrind}"
