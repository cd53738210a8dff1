#!/usr/bin/env python3
"""The C API reference (docs/reference/c-api.md's body), generated from the comments of
capi/include/encode_native.h, which cbindgen writes from capi/src's documentation.

Every declaration at the top level of the header (enums, structs, callback types, functions)
becomes a section with its declaration and its comment; an enum's or a struct's members are
listed with their own comments. A declaration without a comment is an error, so that the
reference cannot lose anything: the docs build (docs/hooks.py) calls render() and fails.

    python3 scripts/c_api_reference.py [HEADER]    # prints the Markdown
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import List, Optional, Tuple

HEADER = Path(__file__).resolve().parents[1] / "capi" / "include" / "encode_native.h"


def _comment_text(block: str) -> str:
    """The text of a /** ... */ comment, its leading stars removed, paragraphs kept."""
    body = block.strip()[3:-2]
    lines = [re.sub(r"^\s*\* ?", "", line) for line in body.splitlines()]
    return "\n".join(lines).strip()


def _members(body: str) -> List[Tuple[str, str]]:
    """(declaration, comment) for each commented member of an enum or struct body."""
    out = []
    for m in re.finditer(r"(/\*\*.*?\*/)\s*([^;/]+?)\s*[,;]", body, re.S):
        out.append((" ".join(m.group(2).split()), _comment_text(m.group(1))))
    return out


def _name(decl: str) -> str:
    decl = " ".join(decl.split())
    m = re.match(r"typedef (?:enum|struct) (\w+)", decl)
    if m:
        return m.group(1)
    m = re.match(r"typedef [^(]*\(\*(\w+)\)", decl)
    if m:
        return m.group(1)
    m = re.search(r"(\w+)\s*\(", decl)
    if m:
        return m.group(1)
    raise ValueError(f"cannot name the declaration {decl!r}")


def declarations(text: str) -> List[Tuple[str, str, Optional[str]]]:
    """(name, declaration, comment or None) of each top-level declaration, in order."""
    # The file's own comment and the include guard are not declarations.
    text = re.sub(r"^/\*(?!\*).*?\*/", "", text, count=1, flags=re.S)
    text = re.sub(r"^\s*#.*$", "", text, flags=re.M)
    text = re.sub(r'^extern "C" \{$|^\}\s*// extern "C"$', "", text, flags=re.M)
    text = re.sub(r"/\*(?!\*)[^\n]*?\*/", "", text)
    out: List[Tuple[str, str, Optional[str]]] = []
    pos = 0
    pending: Optional[str] = None
    token = re.compile(r"\s*(/\*\*.*?\*/)|\s*(typedef (?:enum|struct) \w+ \{.*?\} \w+;|[^;{}]+;)", re.S)
    while True:
        m = token.match(text, pos)
        if not m:
            rest = text[pos:].strip()
            if rest:
                raise ValueError(f"cannot read the header from: {rest[:80]!r}")
            return out
        pos = m.end()
        if m.group(1):
            pending = _comment_text(m.group(1))
            continue
        decl = m.group(2).strip()
        out.append((_name(decl), decl, pending))
        pending = None


def render(text: str) -> str:
    decls = declarations(text)
    missing = [name for name, _, comment in decls if not comment]
    if missing:
        raise ValueError("encode_native.h: no documentation comment for " + ", ".join(missing))
    kinds = [
        ("Types", lambda d: d.startswith("typedef")),
        ("Functions", lambda d: not d.startswith("typedef")),
    ]
    out = []
    for title, wanted in kinds:
        out.append(f"## {title}\n")
        for name, decl, comment in decls:
            if not wanted(decl):
                continue
            out.append(f"### `{name}`\n")
            if re.match(r"typedef (enum|struct) \w+ \{", decl):
                head = decl.split("{", 1)[0].strip()
                out.append(f"```c\n{head} {{ ... }} {name};\n```\n")
                out.append(comment + "\n")
                members = _members(decl.split("{", 1)[1].rsplit("}", 1)[0])
                if members:
                    out.append("| member | what it is |\n| --- | --- |")
                    for member, text_ in members:
                        cell = " ".join(text_.split()).replace("|", "\\|")
                        out.append(f"| `{member}` | {cell} |")
                    out.append("")
            else:
                out.append(f"```c\n{' '.join(decl.split())}\n```\n")
                out.append(comment + "\n")
    return "\n".join(out)


if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HEADER
    sys.stdout.write(render(path.read_text(encoding="utf-8")))
