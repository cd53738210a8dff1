#!/usr/bin/env python3
"""Makes a directory of ELF programs and libraries self-contained, as auditwheel does a wheel.

    python3 scripts/bundle-libs.py LIBDIR ELF...

Every shared library that the ELF files need, directly or through each other, and that is not
one of the system libraries every Linux distribution has (glibc's, libgcc_s, libstdc++: the
libraries the manylinux policies allow outside a wheel) is copied into LIBDIR under a name with
a hash of its contents (libavcodec.so.59 -> libavcodec-1a2b3c4d.so.59), its SONAME set to
that name, and every reference to it rewritten. So the bundled FFmpeg can never be mistaken
for, or clash with, another FFmpeg loaded into the same process. Each file's RUNPATH is set to
find LIBDIR relative to itself ($ORIGIN). Needs patchelf (and ldd, for libraries not on LD_LIBRARY_PATH).

Prints one line per bundled library: its new name and the file it came from.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys

# Libraries every glibc system provides, which a bundle must use from the system (manylinux's
# policy lists these; bundling glibc itself would break).
SYSTEM = {
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "librt.so.1",
    "libpthread.so.0",
    "libutil.so.1",
    "libresolv.so.2",
    "libnsl.so.1",
    "libcrypt.so.1",
    "libgcc_s.so.1",
    "libstdc++.so.6",
    "ld-linux-x86-64.so.2",
    "ld-linux-aarch64.so.1",
    "linux-vdso.so.1",
}


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def needed(path: str) -> list[str]:
    """The DT_NEEDED entries of an ELF file."""
    return [n for n in run("patchelf", "--print-needed", path).split() if n]


def resolve(path: str) -> dict[str, str]:
    """Where each library `path` needs is found: in the LD_LIBRARY_PATH directories (where the
    FFmpeg to bundle is), else where the dynamic loader finds it (ldd's view, which only this
    machine's architecture has: a cross build's libraries must all be on LD_LIBRARY_PATH)."""
    found = {}
    dirs = [d for d in os.environ.get("LD_LIBRARY_PATH", "").split(":") if d]
    wanted = [n for n in needed(path) if n not in SYSTEM]
    for soname in wanted:
        for d in dirs:
            if os.path.isfile(os.path.join(d, soname)):
                found[soname] = os.path.join(d, soname)
                break
    if all(n in found for n in wanted):
        return found
    for line in run("ldd", path).splitlines():
        m = re.match(r"\s*(\S+) => (\S+) \(", line)
        if m:
            found[m.group(1)] = m.group(2)
        elif "not found" in line:
            sys.exit(f"bundle-libs: {path} needs {line.split()[0]}, which is not found")
    return found


def hashed_name(soname: str, path: str) -> str:
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:8]
    stem, sep, rest = soname.partition(".so")
    return f"{stem}-{digest}{sep}{rest}"


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    libdir = os.path.abspath(sys.argv[1])
    roots = [os.path.abspath(p) for p in sys.argv[2:]]
    os.makedirs(libdir, exist_ok=True)

    renamed: dict[str, str] = {}  # soname -> new file name in libdir
    queue = list(roots)
    done = set()
    while queue:
        elf = queue.pop()
        if elf in done:
            continue
        done.add(elf)
        where = resolve(elf)
        for soname in needed(elf):
            if soname in SYSTEM or soname in renamed:
                continue
            source = where.get(soname)
            if source is None:
                sys.exit(f"bundle-libs: cannot find {soname}, needed by {elf}")
            new = hashed_name(soname, source)
            dest = os.path.join(libdir, new)
            shutil.copyfile(source, dest)
            os.chmod(dest, 0o755)
            run("patchelf", "--set-soname", new, dest)
            renamed[soname] = new
            print(f"{new}\t{os.path.realpath(source)}")
            # Resolve its own needs from where it was found, before renaming them.
            queue.append(source)

    bundled = [os.path.join(libdir, n) for n in renamed.values()]
    for elf in roots + bundled:
        for soname in needed(elf):
            if soname in renamed:
                run("patchelf", "--replace-needed", soname, renamed[soname], elf)
        rel = os.path.relpath(libdir, os.path.dirname(elf))
        origin = "$ORIGIN" if rel == "." else f"$ORIGIN/{rel}"
        run("patchelf", "--set-rpath", origin, elf)


if __name__ == "__main__":
    main()
