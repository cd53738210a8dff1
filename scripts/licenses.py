#!/usr/bin/env python3
"""Writes the licence file of a wheel or bundle: every library inside it and its licence.

    python3 scripts/licenses.py OUT FFMPEG_PREFIX BUNDLED_LIST CRATE_LIST

- FFMPEG_PREFIX: the minimal FFmpeg: its version, its configuration, its licence texts, and the
  static codec libraries linked into libavcodec. From scripts/build-ffmpeg.sh (Debian's codec
  packages), its configure-flags file lists them; from scripts/build-codecs.sh (every library
  built from source), its codecs.txt lists them with their versions, and share/licenses/NAME/
  holds each one's licence files from its source tarball;
- BUNDLED_LIST: lines "bundled-name<TAB>source-file" (what scripts/bundle-libs.py prints),
  or one source file per line: the shared libraries shipped beside encode-native;
- CRATE_LIST: lines "name version<TAB>licence" of the Rust crates compiled in (cargo tree).

Each library from Debian's packages is named with its package and version, its licence taken
from the package's machine-readable copyright file (the `Files: *` paragraph), and the
copyright file itself is appended. A library whose licence cannot be told is an error.
"""

from __future__ import annotations

import glob
import os
import re
import subprocess
import sys

# Debian copyright files that are not in the machine-readable format, by source package.
NOT_DEP5 = {"numactl": "LGPL-2.1 (libnuma)", "libwebp": "BSD-3-Clause"}
COMMON = "/usr/share/common-licenses"
# The licence of each codec library scripts/build-codecs.sh builds from source (SPDX), by source
# package; their texts come from the source tarballs.
FROM_SOURCE = {
    "zlib": "Zlib",
    "opus": "BSD-3-Clause",
    "lame": "LGPL-2.0-or-later",
    "libwebp": "BSD-3-Clause (with a patent grant)",
    "dav1d": "BSD-2-Clause",
    "x264": "GPL-2.0-or-later",
    "libvpx": "BSD-3-Clause (with a patent grant)",
    "x265": "GPL-2.0-or-later",
    "svt-av1": "BSD-3-Clause-Clear (with the Alliance for Open Media Patent License 1.0)",
    "aom": "BSD-2-Clause (with the Alliance for Open Media Patent License 1.0)",
    "srt": "MPL-2.0",
    "libc++": "Apache-2.0 WITH LLVM-exception",
}
# Those linked into libavformat (protocols) rather than libavcodec.
IN_LIBAVFORMAT = {"srt"}
# The C++ libraries, for which zig links its libc++ into the FFmpeg library holding them.
CXX_USERS = (("libavcodec", "x265", "x265"), ("libavformat", "srt", "libsrt"))


def dpkg(*args: str) -> str:
    return subprocess.run(["dpkg-query", *args], check=True, capture_output=True, text=True).stdout.strip()


def owner(path: str) -> str:
    """The Debian package that installed `path` (following symlinks to the real file)."""
    real = os.path.realpath(path)
    # dpkg knows a file by the path its package installed it at: /lib/... or /usr/lib/...
    # are the same directory on a merged /usr, so both are asked.
    merged = [p[4:] if p.startswith("/usr/lib/") else "/usr" + p for p in (path, real) if p.startswith(("/usr/lib/", "/lib/"))]
    for candidate in (path, real, *merged):
        out = subprocess.run(["dpkg-query", "-S", candidate], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.split(":")[0].strip()
    sys.exit(f"licenses: no Debian package owns {path}; its licence cannot be told")


def licence_of(package: str) -> tuple[str, str]:
    """(licence, copyright text) of a Debian package."""
    path = f"/usr/share/doc/{package}/copyright"
    if not os.path.exists(path):
        sys.exit(f"licenses: {package} has no {path}")
    text = open(path, encoding="utf-8", errors="replace").read()
    m = re.search(r"^Files:\s*\*\s*$.*?^License:\s*(.+?)\s*$", text, re.M | re.S)
    if m:
        return m.group(1), text
    source = dpkg("-W", "-f=${source:Package}", package)
    if source in NOT_DEP5:
        return NOT_DEP5[source], text
    sys.exit(f"licenses: {path} does not say the licence in the machine-readable form")


def main() -> None:
    out, prefix, bundled_list, crate_list = sys.argv[1:5]
    flags = open(os.path.join(prefix, "configure-flags")).read()
    static = re.search(r"^static: (.*)$", flags, re.M)
    static_libs = static.group(1).split() if static else []
    version = os.path.basename(prefix).split("-")[0]
    origin = "Debian's ffmpeg source package"
    # Built from source by scripts/build-codecs.sh: FFmpeg and each codec library with its version.
    from_source = []
    listing = os.path.join(prefix, "codecs.txt")
    if os.path.exists(listing):
        rows = [line.split("\t") for line in open(listing).read().splitlines() if line.strip()]
        version = next(v for n, v in rows if n == "ffmpeg")
        origin = "the upstream tarball of Debian's ffmpeg source package"
        from_source = [(n, v) for n, v in rows if n != "ffmpeg"]
        static_libs = []

    entries = []  # (what, package, version, licence, how it is shipped)
    texts = {}
    for line in open(bundled_list).read().splitlines():
        if not line.strip():
            continue
        name, _, source = line.partition("\t")
        source = source or name
        if os.path.realpath(source).startswith(os.path.realpath(prefix)):
            continue  # FFmpeg's own libraries: listed below.
        package = owner(source)
        licence, text = licence_of(package)
        texts[package] = text
        entries.append((os.path.basename(name), package, dpkg("-W", "-f=${Version}", package), licence, "bundled"))
    arch = subprocess.run(["gcc", "-print-multiarch"], capture_output=True, text=True).stdout.strip()
    for lib in static_libs:
        archive = f"/usr/lib/{arch or 'x86_64-linux-gnu'}/lib{lib}.a"
        package = owner(archive)
        licence, text = licence_of(package)
        texts[package] = text
        entries.append((f"lib{lib}.a", package, dpkg("-W", "-f=${Version}", package), licence, "in libavcodec"))
    source_texts = {}
    for name, pkg_version in from_source:
        if name not in FROM_SOURCE:
            sys.exit(f"licenses: the licence of {name} (built from source) is not known")
        files = sorted(glob.glob(os.path.join(prefix, "share", "licenses", name, "*")))
        if not files:
            sys.exit(f"licenses: no licence file of {name} in {prefix}/share/licenses/{name}")
        source_texts[name] = files
        if name == "libc++":
            names = {n for n, _ in from_source}
            users = [(lib, what) for lib, n, what in CXX_USERS if n in names]
            libs = " and ".join(lib for lib, _ in users)
            whats = " and ".join(what for _, what in users)
            how = f"static, in {libs}; LLVM's C++ runtime as zig ships it, for {whats}"
        else:
            inside = "libavformat" if name in IN_LIBAVFORMAT else "libavcodec"
            how = f"static, in {inside}; built from the upstream tarball of Debian's source package"
        entries.append((name, name, pkg_version, FROM_SOURCE[name], how))

    with open(out, "w", encoding="utf-8") as f:
        f.write(
            "encode-native is free software under the GNU General Public License, version 2 or\n"
            "(at your option) any later version (GPL-2.0-or-later). This build links FFmpeg\n"
            "configured with --enable-gpl and the GPL libraries x264 and x265, so the whole is\n"
            "distributed under the GPL, version 2 or later; its full text is at the end.\n\n"
            "Libraries inside this distribution\n"
            "==================================\n\n"
        )
        f.write(f"FFmpeg {version} (libavcodec, libavformat, libavfilter, libavutil, libswscale, libswresample)\n")
        f.write(f"  licence: GPL-2.0-or-later (configured with --enable-gpl); source: {origin}\n")
        f.write(f"  {version}, configured with:\n  {flags.splitlines()[0].strip()}\n\n")
        for what, package, pkg_version, licence, how in entries:
            if package == "libc++":
                where = pkg_version
            elif package in source_texts:
                where = f"source package {package} {pkg_version}"
            else:
                where = f"Debian package {package} {pkg_version}"
            f.write(f"{what} ({how})\n  licence: {licence}; from {where}\n\n")
        f.write("Rust crates compiled into encode-native\n=======================================\n\n")
        for line in sorted(set(open(crate_list).read().splitlines())):
            if line.strip():
                name, _, licence = line.partition("\t")
                f.write(f"{name}: {licence or 'no licence field'}\n")
        f.write("\n")
        for path in sorted(glob.glob(os.path.join(prefix, "share", "licenses", "ffmpeg", "*"))):
            f.write(f"\n{'=' * 72}\nFFmpeg: {os.path.basename(path)}\n{'=' * 72}\n\n")
            f.write(open(path, encoding="utf-8", errors="replace").read())
        for name, files in sorted(source_texts.items()):
            for path in files:
                f.write(f"\n{'=' * 72}\n{name}: {os.path.basename(path)}\n{'=' * 72}\n\n")
                f.write(open(path, encoding="utf-8", errors="replace").read())
        for package, text in sorted(texts.items()):
            f.write(f"\n{'=' * 72}\n{package}: /usr/share/doc/{package}/copyright\n{'=' * 72}\n\n{text}")
        for name in ("GPL-2", "LGPL-2", "LGPL-2.1", "Apache-2.0"):
            path = os.path.join(COMMON, name)
            if os.path.exists(path):
                f.write(f"\n{'=' * 72}\n{name} (referred to above as {COMMON}/{name})\n{'=' * 72}\n\n")
                f.write(open(path, encoding="utf-8").read())


if __name__ == "__main__":
    main()
