#!/bin/sh
# Checks the declared minimum Rust version (`rust-version` in Cargo.toml) against what the
# build needs: every workspace member's dependencies (normal and build, on this platform) must
# declare a rust-version no newer than the member's own. Clippy's `incompatible_msrv` lint
# (on in CI: `cargo clippy -- -D warnings`) covers the other half, standard library items
# newer than the declared version. Only one toolchain is installed here, so this checks what
# the crates declare rather than building with the old compiler.
set -eu
cd "$(dirname "$0")/.."
host="$(rustc -vV | sed -n 's/^host: //p')"
cargo metadata --format-version 1 --locked --filter-platform "$host" | python3 -c '
import json, sys

meta = json.load(sys.stdin)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}


def version(text):
    parts = [int(x) for x in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


failed = False
for member in meta["workspace_members"]:
    own = packages[member].get("rust_version")
    name = packages[member]["name"]
    if not own:
        print(f"check-msrv: {name} declares no rust-version", file=sys.stderr)
        failed = True
        continue
    seen, todo = set(), [member]
    while todo:
        for dep in nodes[todo.pop()]["deps"]:
            if all(k["kind"] == "dev" for k in dep["dep_kinds"]) or dep["pkg"] in seen:
                continue
            seen.add(dep["pkg"])
            todo.append(dep["pkg"])
    newer = sorted(
        (version(p["rust_version"]), p["name"], p["version"], p["rust_version"])
        for p in (packages[i] for i in seen)
        if p.get("rust_version") and version(p["rust_version"]) > version(own)
    )
    for _, dep_name, dep_version, needs in newer:
        print(f"check-msrv: {name} declares rust-version {own}, but {dep_name} {dep_version} needs {needs}", file=sys.stderr)
    failed = failed or bool(newer)
    if not newer:
        print(f"check-msrv: {name}: rust-version {own} covers its {len(seen)} dependencies")
sys.exit(1 if failed else 0)
'
