"""Every snippet of the documentation runs: each ```python block of docs/**/*.md and
README.md is run in a fresh temporary folder by this interpreter (PYTHONPATH=python, a
timeout) and must exit 0, and every video file it names must then exist there and decode
(PyAV). Each ```sh block whose first command starts with ``encode-native`` (or that pipes
into ``encode-native``) is run the same way against target/release/encode-native, when that binary has been built.

A block that shows another library's code (which may need that library, or an ``ffmpeg``
process) is marked, and only such blocks are skipped, each with its reason:

- an HTML comment on a line of its own before the block (nothing but blank lines, content
  tab headers ``=== "..."`` or other comments between): ``<!-- skip-test: the reason -->``;
- or an attribute in the block's info string: ```python skip-test="the reason"``.

A block that shows an error (``<!-- no-video: why -->`` before it) must leave none of the
videos it names behind: a refused writer makes no file.

A block that shows a fragment of a bigger program (not meant to run alone) is marked the
same way, its reason saying so.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The command line built last (scripts/test.sh builds the debug one; a release one left from
# an earlier build may be older than the sources).
_BUILT = [p for p in (ROOT / "target" / b / "encode-native" for b in ("debug", "release"))
          if p.is_file()]
CLI = max(_BUILT, key=lambda p: p.stat().st_mtime) if _BUILT else ROOT / "target" / "release" / "encode-native"
TIMEOUT = 180

if not (ROOT / "docs").is_dir():
    # An installed wheel's tests (scripts/test-dist.sh) come without the repository's pages.
    pytest.skip("the repository's docs/ is not beside these tests", allow_module_level=True)

#: Files whose names end so are videos or animations: a snippet naming one (as a string
#: literal, or an argument of a CLI line) claims to write it, and it must decode.
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mkv", ".webm", ".avi", ".mov", ".ts", ".gif", ".webp", ".apng")

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)\s*(?P<info>[^`]*)$")
SKIP_COMMENT = re.compile(r"<!--\s*skip-test:\s*(?P<reason>.*?)\s*-->")
NO_VIDEO_COMMENT = re.compile(r"<!--\s*no-video\b.*?-->")
SKIP_ATTR = re.compile(r"""skip-test\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')""")
TAB_HEADER = re.compile(r"^\s*[=?!]{3}\+?\s")
VIDEO_LITERAL = re.compile(
    r"""(?P<q>["'])(?P<name>[^"'\s{}%*<>]+?(?:"""
    + "|".join(re.escape(e) for e in VIDEO_EXTENSIONS)
    + r"""))(?P=q)"""
)


@dataclass
class Block:
    path: Path
    line: int
    lang: str
    info: str
    code: str
    skip: Optional[str] = None
    no_video: bool = False
    names: List[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"


def doc_files() -> List[Path]:
    files = sorted((ROOT / "docs").rglob("*.md")) if (ROOT / "docs").is_dir() else []
    readme = ROOT / "README.md"
    if readme.is_file():
        files.append(readme)
    return files


def parse(path: Path) -> List[Block]:
    """The fenced blocks of a Markdown file, with the skip reason each is marked with."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: List[Block] = []
    pending: Optional[str] = None  # a skip-test comment waiting for its block
    no_video = False  # a no-video comment waiting for its block
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE.match(line)
        if not m:
            c = SKIP_COMMENT.search(line)
            if c:
                pending = c.group("reason") or "(no reason given)"
            elif NO_VIDEO_COMMENT.search(line):
                no_video = True
            elif line.strip() and not TAB_HEADER.match(line) and not line.strip().startswith("<!--"):
                pending, no_video = None, False
            i += 1
            continue
        indent, fence, info = m.group("indent"), m.group("fence"), m.group("info").strip()
        start = i + 1
        body: List[str] = []
        i += 1
        while i < len(lines):
            end = lines[i].strip()
            if end.startswith(fence[0] * len(fence)) and set(end) <= {fence[0]}:
                break
            text = lines[i]
            body.append(text[len(indent):] if text.startswith(indent) else text.lstrip())
            i += 1
        i += 1
        lang = info.split()[0].lstrip(".{").rstrip("}") if info else ""
        a = SKIP_ATTR.search(info)
        skip = (a.group("dq") or a.group("sq") or "(no reason given)") if a else pending
        blocks.append(Block(path, start, lang, info, "\n".join(body) + "\n", skip, no_video))
        pending, no_video = None, False
    return blocks


def is_cli_block(block: Block) -> bool:
    """A shell block that runs ``encode-native``: its first command does, or a command
    line pipes into it (``producer | encode-native raw -i - ...``)."""
    if block.lang not in ("sh", "bash", "console", "shell"):
        return False
    commands = [line.strip() for line in block.code.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    if not commands:
        return False
    return commands[0].lstrip("$ ").startswith("encode-native") or any(
        re.match(r"^\|\s*encode-native\b", c) or re.search(r"\|\s*encode-native\b", c) for c in commands
    )


def collect():
    python, cli = [], []
    for path in doc_files():
        for block in parse(path):
            if block.lang in ("python", "py", "python3"):
                python.append(pytest.param(block, id=block.id))
            elif is_cli_block(block):
                cli.append(pytest.param(block, id=block.id))
    return python, cli


PYTHON_BLOCKS, CLI_BLOCKS = collect()


def claimed_videos(code: str) -> List[str]:
    """The video files a snippet names as string literals (relative paths, written into its
    folder), in order, once each."""
    names: List[str] = []
    for m in VIDEO_LITERAL.finditer(code):
        name = m.group("name")
        if not os.path.isabs(name) and "://" not in name and name not in names:
            names.append(name)
    return names


def check_decodes(folder: Path, name: str, block: Block) -> None:
    av = pytest.importorskip("av")
    path = folder / name
    assert path.is_file(), f"{block.id}: the snippet names {name!r} but wrote no such file"
    assert path.stat().st_size > 0, f"{block.id}: {name} is empty"
    frames = 0
    with av.open(str(path)) as container:
        assert container.streams.video, f"{block.id}: {name} has no video stream"
        for _ in container.decode(video=0):
            frames += 1
    assert frames > 0, f"{block.id}: {name} decodes to no frame"


def run(args, folder: Path, env, block: Block, shell: bool = False) -> None:
    try:
        done = subprocess.run(
            args, cwd=folder, env=env, shell=shell, capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{block.id}: the snippet ran longer than {TIMEOUT} s")
    assert done.returncode == 0, (
        f"{block.id}: the snippet exited with {done.returncode}\n--- code\n{block.code}"
        f"--- stdout\n{done.stdout[-3000:]}\n--- stderr\n{done.stderr[-3000:]}"
    )


def snippet_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "python") + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    env.setdefault("EN_DOCS_ROOT", str(ROOT))
    return env


@pytest.mark.parametrize("block", PYTHON_BLOCKS)
def test_python_snippet_runs(block: Block, tmp_path: Path) -> None:
    if block.skip:
        pytest.skip(f"{block.id}: {block.skip}")
    (tmp_path / "snippet.py").write_text(block.code, encoding="utf-8")
    run([sys.executable, "snippet.py"], tmp_path, snippet_env(), block)
    for name in claimed_videos(block.code):
        if block.no_video:
            assert not (tmp_path / name).exists(), f"{block.id}: a refused {name} was written"
        else:
            check_decodes(tmp_path, name, block)


@pytest.mark.parametrize("block", CLI_BLOCKS)
def test_cli_snippet_runs(block: Block, tmp_path: Path) -> None:
    if block.skip:
        pytest.skip(f"{block.id}: {block.skip}")
    if not CLI.is_file():
        pytest.skip(f"{block.id}: no target/*/encode-native is built (cargo build)")
    bindir = tmp_path / ".bin"
    bindir.mkdir()
    (bindir / "encode-native").symlink_to(CLI)
    env = snippet_env()
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    code = "\n".join(line.strip()[2:] if line.strip().startswith("$ ") else line
                     for line in block.code.splitlines())
    run(["sh", "-euc", code], tmp_path, env, block)
    names: List[str] = []
    for line in code.splitlines():
        if line.strip().startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            continue
        for w in words:
            if w.endswith(VIDEO_EXTENSIONS) and not os.path.isabs(w) and "%" not in w and w not in names:
                names.append(w)
    for name in names:
        check_decodes(tmp_path, name, block)


# The runner's own checks, on Markdown made here: a marker skips only its block, an
# attribute skips too, indented blocks (content tabs) are read, and a snippet's named video
# is checked.

SAMPLE = '''
<!-- skip-test: the peer's code -->

=== "Before"

    ```python
    import peer
    ```

=== "After"

    ```python
    print("ours")
    ```

```python skip-test="needs a camera"
import camera
```

```sh
encode-native demo --frames 3 -o a.mp4
```

```sh
ls
```

```sh
head -c 10 /dev/zero \\
  | encode-native raw -i - -o b.mp4
```

<!-- no-video: refused -->
```python
x = "a.mp4"
```
'''


def test_parser_reads_markers_and_tabs(tmp_path: Path) -> None:
    md = tmp_path / "sample.md"
    md.write_text(SAMPLE, encoding="utf-8")
    blocks = parse(md)
    assert [b.lang for b in blocks] == ["python", "python", "python", "sh", "sh", "sh", "python"]
    assert [b.no_video for b in blocks] == [False] * 6 + [True]
    assert blocks[0].skip == "the peer's code" and blocks[0].code == "import peer\n"
    assert blocks[1].skip is None and blocks[1].code == 'print("ours")\n'
    assert blocks[2].skip == "needs a camera"
    assert [is_cli_block(b) for b in blocks[3:6]] == [True, False, True]


def test_claimed_videos() -> None:
    code = 'w = Writer("out.mp4", fps=3)\nx = f"{name}.mp4"\nread("https://x/y.mp4")\n"a.gif" "out.mp4"'
    assert claimed_videos(code) == ["out.mp4", "a.gif"]


def test_there_are_snippets() -> None:
    assert PYTHON_BLOCKS, "no ```python block found in docs/ or README.md"
    migrate = ROOT / "docs" / "migrate"
    if migrate.is_dir():
        for page in sorted(p for p in migrate.glob("*.md") if p.name != "index.md"):
            blocks = parse(page)
            ours = [b for b in blocks if b.lang == "python" and not b.skip]
            assert ours, f"{page.relative_to(ROOT)} has no snippet of ours that runs"


def test_gallery_shows_every_example() -> None:
    """docs/gallery/index.md (made by scripts/gallery.py) has a section, with the code, for
    every example there is: a new example without a gallery entry fails here."""
    page = ROOT / "docs" / "gallery" / "index.md"
    assert page.is_file(), "docs/gallery/index.md is missing: run scripts/gallery.py"
    text = page.read_text(encoding="utf-8")
    sources = [
        *sorted((ROOT / "examples").glob("*.rs")),
        *sorted((ROOT / "python" / "examples").glob("*.py")),
        *sorted((ROOT / "capi" / "examples").glob("*.c*")),
    ]
    assert sources
    for source in sources:
        rel = str(source.relative_to(ROOT))
        assert f"### {source.name}\n" in text, f"the gallery has no section for {rel}"
        assert f'example "{rel}"' in text, f"the gallery does not show the code of {rel}"
        code = source.read_text(encoding="utf-8").rstrip().splitlines()
        shown = "\n".join(("    " + line) if line else "" for line in code)
        assert shown in text, f"the gallery's copy of {rel} is not the file's current code: run scripts/gallery.py"
