#!/usr/bin/env python3
"""The core's import map: which of its modules use which, in floors, and the arrows that run
back up (a module using one above it, which only a loop makes).

    python3 scripts/import-map.py                 the map of src/, by folder (top-level module)
    python3 scripts/import-map.py --files         by file (output::mux, audio::thread, ...)
    python3 scripts/import-map.py --tree DIR      another checkout's src/ (a past commit:
                                                  git worktree add /tmp/old REV)

A room is a module (a top-level module, or with --files each file); an arrow is one room
naming another (`use crate::x`, `crate::x::y` in code, `super::x`); floors are counted from
the rooms that use no other (floor 0), each room one floor above the highest it uses. Rooms
that use each other (a loop) share a floor, and each arrow between them runs back up.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import defaultdict


def rooms_of(src: str, files: bool) -> dict[str, str]:
    """Each .rs file's room name, keyed by its path."""
    rooms = {}
    for root, _, names in os.walk(src):
        for name in names:
            if not name.endswith(".rs"):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
            if rel[-1] == "mod":
                rel = rel[:-1]
            if rel in (["lib"], ["main"]) or rel[0] == "bin":
                continue
            rooms[path] = "::".join(rel if files else rel[:1])
    return rooms


def arrows_of(src: str, files: bool) -> tuple[set[str], set[tuple[str, str]]]:
    rooms = rooms_of(src, files)
    names = set(rooms.values())
    arrows = set()
    for path, room in rooms.items():
        text = open(path, encoding="utf-8").read()
        # Tests may use anything: only the code counts.
        text = re.split(r"#\[cfg\(test\)\]\s*mod tests", text)[0]
        module = room.split("::")
        for m in re.finditer(r"\b(crate|super)((?:::\w+)+)", text):
            parts = m.group(2).strip(":").split("::")
            if m.group(1) == "super":
                rel = os.path.relpath(path, src)[: -len(".rs")].split(os.sep)
                base = rel[:-2] if rel[-1] == "mod" else rel[:-1]
                parts = base + parts
            # The longest room name the path starts with.
            target = None
            for k in range(len(parts), 0, -1):
                cand = "::".join(parts[:k])
                if cand in names:
                    target = cand
                    break
            if target and target != room and not room.startswith(target + "::") \
                    and not target.startswith("::".join(module) + "::"):
                arrows.add((room, target))
    return names, arrows


def floors(names: set[str], arrows: set[tuple[str, str]]):
    """Strongly connected groups (loops) and each room's floor."""
    out = defaultdict(set)
    for a, b in arrows:
        out[a].add(b)
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in out[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on.discard(w)
                group.add(w)
                if w == v:
                    break
            groups.append(group)

    sys.setrecursionlimit(10000)
    for v in sorted(names):
        if v not in index:
            visit(v)
    group_of = {v: i for i, g in enumerate(groups) for v in g}
    floor: dict[int, int] = {}

    def level(g: int) -> int:
        if g not in floor:
            floor[g] = 0
            below = {group_of[w] for v in groups[g] for w in out[v]} - {g}
            floor[g] = 1 + max((level(h) for h in below), default=-1)
        return floor[g]

    return {v: level(group_of[v]) for v in names}, [g for g in groups if len(g) > 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tree", default=os.path.join(os.path.dirname(__file__), ".."))
    ap.add_argument("--files", action="store_true")
    args = ap.parse_args()
    names, arrows = arrows_of(os.path.join(args.tree, "src"), args.files)
    floor, loops = floors(names, arrows)
    up = sorted((a, b) for a, b in arrows if floor[b] >= floor[a])
    top = max(floor.values(), default=-1)
    for f in range(top, -1, -1):
        print(f"floor {f:2}: " + ", ".join(sorted(n for n in names if floor[n] == f)))
    print(f"{len(names)} rooms on {top + 1} floors, {len(arrows)} arrows, {len(up)} running back up")
    for a, b in up:
        print(f"  back up: {a} -> {b}")
    for g in loops:
        print("  loop: " + " <-> ".join(sorted(g)))


if __name__ == "__main__":
    main()
