"""mkdocs hooks of the documentation site (mkdocs.yml: hooks).

- The C API reference (reference/c-api.md) is generated from capi/include/encode_native.h by
  scripts/c_api_reference.py at every build: a declaration without a comment fails the build.
- CHANGELOG.md and CONTRIBUTING.md are shown in the site as they are in the repository
  (`<!-- include: FILE -->`), their links to the repository's files made absolute.
- Rust blocks lose rustdoc's hidden lines (`# fn main() ...`), which doc tests need and
  readers do not.
- Every public name of the Python package (its `__all__`, and the public members of its
  classes) must have a docstring: a missing one is a warning, which `--strict` makes a failure.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger("mkdocs.plugins.encode_native")

sys.path.insert(0, str(ROOT / "scripts"))
import c_api_reference  # noqa: E402

FENCE = re.compile(r"^(\s*)```")
INCLUDE = re.compile(r"<!-- include: (\S+) -->")


def _hide_rustdoc_lines(markdown: str) -> str:
    out = []
    in_rust = False
    for line in markdown.split("\n"):
        m = FENCE.match(line)
        if m:
            info = line.strip()[3:].strip()
            if not in_rust and info.startswith("rust"):
                in_rust = True
                out.append(line)
                continue
            if in_rust:
                in_rust = False
        if in_rust and (line.strip() == "#" or line.strip().startswith("# ")):
            continue
        out.append(line)
    return "\n".join(out)


def _include(match: re.Match) -> str:
    name = match.group(1)
    path = ROOT / name
    if not path.exists():
        return f"`{name}` is not written yet."
    text = path.read_text(encoding="utf-8")
    # Links relative to the repository's root name the file: the site has no copy of it.
    text = re.sub(r"\[([^\]]+)\]\((?!https?:|#|mailto:)([^)]+)\)", r"\1 (`\2`)", text)
    return text


def on_page_markdown(markdown, page, config, files):
    if page.file.src_uri == "reference/c-api.md":
        header = (ROOT / "capi" / "include" / "encode_native.h").read_text(encoding="utf-8")
        markdown = markdown.replace("<!-- c-api-reference -->", c_api_reference.render(header))
    markdown = INCLUDE.sub(_include, markdown)
    return _hide_rustdoc_lines(markdown)


def _undocumented():
    """Public names of the Python package without a docstring."""
    import griffe

    missing = []
    for module_name in ("encode_native", "encode_native.dask", "encode_native.matplotlib"):
        try:
            module = griffe.load(
                module_name,
                search_paths=[str(ROOT / "python")],
                allow_inspection=False,
                docstring_parser="google",
            )
        except Exception as e:  # a package griffe cannot read is a failure too
            missing.append(f"{module_name}: cannot be read ({e})")
            continue
        for name, member in module.members.items():
            if not member.is_public:
                continue
            try:
                target = member.final_target if member.is_alias else member
            except Exception:
                continue
            if target.is_module or (name.startswith("__") and name.endswith("__")):
                continue
            # Another name for a documented class (`EncodeError = EncoderError`).
            if target.is_attribute and str(target.value) in module.members:
                continue
            if not target.docstring:
                missing.append(f"{module_name}.{name}")
            if target.is_class:
                for sub_name, sub in target.members.items():
                    if sub_name.startswith("_") or not sub.is_public:
                        continue
                    try:
                        sub_target = sub.final_target if sub.is_alias else sub
                    except Exception:
                        continue
                    if sub_target.is_attribute:
                        continue
                    if not sub_target.docstring:
                        missing.append(f"{module_name}.{name}.{sub_name}")
    return missing


def on_pre_build(config):
    for name in _undocumented():
        log.warning("the Python API has no docstring for %s", name)
