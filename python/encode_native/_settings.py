"""Keyword arguments to the library's settings by name: ``crf=18`` becomes
``EncoderConfig::set("crf", "18")``, so that every setting the library knows reaches Python
without code here."""

from __future__ import annotations

import numbers
import os
import re
from fractions import Fraction
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import _native

Settings = List[Tuple[str, str]]

_SETTINGS = _native.settings()
#: Every name a setting is known by (key and aliases) -> its key.
KEYS: Dict[str, str] = {}
for _s in _SETTINGS:
    for _name in [_s["key"], *_s["aliases"]]:
        KEYS[_name.replace("-", "_").lower()] = _s["key"]
_KINDS = {s["key"]: s["kind"] for s in _SETTINGS}


def encoder_entry(codec: str) -> Optional[Dict[str, Any]]:
    """The library's encoder table row for a codec name or alias (any case), or None."""
    name = codec.lower()
    return next((e for e in _native.encoders() if name == e["name"] or name in e["aliases"]), None)


def container_entry(path_or_name: str) -> Optional[Dict[str, Any]]:
    """The library's container table row for a file name's extension (``clip.mp4``), or a
    container name or alias (``mkv``, ``m4v``), any case; None for one it does not know."""
    text = os.fspath(path_or_name).lower()
    ext = os.path.splitext(text)[1].lstrip(".") or text.lstrip(".")
    return next(
        (c for c in _native.containers() if ext in (c["extension"], c["name"], *c["aliases"])),
        None,
    )


def default_encoder(path_or_name: str) -> Optional[str]:
    """The encoder the library writes a file of this name (or container) with when no codec
    is given (``libx264`` for ``.mp4``, ``libvpx-vp9`` for ``.webm``), from its container
    table; None for an extension it does not know."""
    entry = container_entry(path_or_name)
    return None if entry is None else str(entry["default_encoder"])


def named_presets(codec: str) -> List[str]:
    """The named presets (``ultrafast`` … ``placebo``) the encoder of a codec name or alias
    takes, from the library's encoder table; empty where it takes none."""
    entry = encoder_entry(codec)
    return [] if entry is None else list(entry["presets"])


def key_of(name: str) -> Optional[str]:
    """The setting's key for `name` or one of its aliases, None for an unknown name."""
    return KEYS.get(name.replace("-", "_").lower())


def is_repeated(key: str) -> bool:
    """Whether the setting `key` may be given more than once (``metadata``,
    ``codec_option``): its values add up instead of replacing each other."""
    return _KINDS.get(key) == "repeated"


def fps_text(fps: Any) -> str:
    """A frame rate as the library reads it exactly: ``30``, ``30000/1001``.

    Floats with up to six decimals are passed as written (the library reads ``29.97`` as
    30000/1001); longer ones become the nearest fraction with a denominator up to 1001, so
    ``1000 / 30`` (matplotlib's rate for a 30 ms interval) is 100/3."""
    if isinstance(fps, bool):
        raise ValueError(f"invalid fps {fps!r}: a positive number such as 30 or 29.97")
    if isinstance(fps, numbers.Integral):
        return str(int(fps))
    if isinstance(fps, Fraction):
        return f"{fps.numerator}/{fps.denominator}"
    if isinstance(fps, numbers.Real):
        f = float(fps)
        if not f > 0 or f != f or f == float("inf"):
            raise ValueError(f"invalid fps {fps!r}: a positive number such as 30 or 29.97")
        text = repr(f)
        if f.is_integer():
            return str(int(f))
        if "e" not in text and len(text.partition(".")[2]) <= 6:
            return text
        frac = Fraction(f).limit_denominator(1001)
        return str(frac.numerator) if frac.denominator == 1 else f"{frac.numerator}/{frac.denominator}"
    return str(fps)


def fps_value(text: str) -> Fraction:
    """The frame rate `text` as the library reads it, exactly (``"29.97"`` is 30000/1001)."""
    num, den = _native.frame_rate(text)
    return Fraction(num, den)


def value_text(key: str, value: Any) -> str:
    """One value as text: booleans are true/false, sizes WxH, fractions n/d."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "fps":
        return fps_text(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if key == "size" and isinstance(value, (tuple, list)) and len(value) == 2:
        return f"{int(value[0])}x{int(value[1])}"
    if key == "renditions" and isinstance(value, (tuple, list)):
        return ",".join(rendition_text(r) for r in value)
    if key == "manifests" and isinstance(value, (tuple, list)):
        return ",".join(str(m) for m in value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


def rendition_text(r: Any) -> str:
    """One rendition of a ladder as the setting's text: ``"720p"``, ``"1280x720@3M"``, a
    ``(width, height)`` pair, or a dict with ``size`` (``"1280x720"``, ``(1280, 720)`` or
    ``"720p"``) or ``height``, and optionally ``bitrate`` (``"3M"``, ``800_000``), ``crf``
    and ``codec``."""
    if isinstance(r, str):
        return r
    if isinstance(r, (tuple, list)) and len(r) == 2:
        return f"{int(r[0])}x{int(r[1])}"
    if isinstance(r, Mapping):
        unknown = set(r) - {"size", "height", "bitrate", "crf", "codec"}
        if unknown:
            raise ValueError(
                f"renditions: unknown key {sorted(unknown)[0]!r} in {dict(r)!r}; a rendition "
                "takes size (or height), bitrate or crf, and codec"
            )
        size = r.get("size")
        if size is None and r.get("height") is not None:
            size = f"{int(r['height'])}p"
        if size is None:
            raise ValueError(f"renditions: {dict(r)!r} has no size or height")
        text = f"{int(size[0])}x{int(size[1])}" if isinstance(size, (tuple, list)) else str(size)
        if r.get("bitrate") is not None and r.get("crf") is not None:
            raise ValueError(f"renditions: {dict(r)!r} gives both bitrate and crf")
        if r.get("bitrate") is not None:
            text += f"@{r['bitrate']}"
        elif r.get("crf") is not None:
            text += f"@crf{r['crf']}"
        if r.get("codec") is not None:
            text += f"/{r['codec']}"
        return text
    raise TypeError(
        f"renditions: each rendition is a str ('720p', '1280x720@3M'), a (width, height) pair "
        f"or a dict; got {type(r).__name__}"
    )


#: Keywords of other libraries that hold ffmpeg's flags (imageio-ffmpeg, scikit-video,
#: matplotlib): not settings, but flags for the translator.
_FLAG_LISTS = ("output_params", "ffmpeg_params", "input_params", "outputdict", "inputdict",
               "extra_args")


def unknown_setting(name: str) -> ValueError:
    """The error for a keyword that is no setting: the library's message (close matches,
    every key), with each suggested alias followed by the key it is another name of, so
    that every name in the message is one the user can find in the list; keywords of other
    libraries that hold ffmpeg's flags get a message of their own."""
    if name.replace("-", "_").lower() in _FLAG_LISTS:
        return ValueError(
            f"invalid setting {name!r}: a list of ffmpeg's flags is not a setting of "
            "encode_native; imageio's writer takes it (from encode_native.compat import "
            f"imageio; imageio.get_writer(path, {name}=[...])), or translate the flags into "
            "settings with encode_native.ffmpeg_args_settings(['-preset', 'ultrafast'])"
        )
    try:
        _native.check_settings([(name, "")])
    except ValueError as e:
        message = str(e)
    else:  # pragma: no cover - the name is known after all
        return ValueError(f"invalid setting {name!r}")
    head, sep, rest = message.partition("did you mean ")
    if sep:
        hint, sep2, tail = rest.partition("? ")

        def named(match: "re.Match[str]") -> str:
            alias = match.group(1)
            key = KEYS.get(alias.replace("-", "_").lower())
            return f"'{alias}' ({key})" if key and key != alias else f"'{alias}'"

        message = head + sep + re.sub(r"'([^']*)'", named, hint) + sep2 + tail
    return ValueError(message)


def _tag_value(key: str, value: Any) -> str:
    """A tag's value as text: a str as it is, an integer in decimal; anything else raises
    TypeError naming the key, since its text would be a guess (None is no "None", bytes
    have no encoding, a float's digits are repr's choice)."""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    if value is None:
        raise TypeError(f"metadata {key!r}: the value is None, expected str (leave the key out "
                        "for no tag)")
    if isinstance(value, (bytes, bytearray, memoryview)):
        raise TypeError(f"metadata {key!r}: the value is bytes, expected str (decode it first)")
    raise TypeError(f"metadata {key!r}: the value is {type(value).__name__} {value!r}, expected "
                    "str (or an integer): write it as the text the tag is to hold")


def metadata_tags(value: Any) -> List[str]:
    """Tags as the ``metadata`` setting's ``KEY=VALUE`` texts, checked: a dict
    (``{"title": "Demo", "track": 3}``), a list of ``"KEY=VALUE"`` strings, or one such
    string.

    A dict's keys are str without ``=``; its values are str, or integers (written in
    decimal, ``3`` as ``"3"``); None, bytes, floats, booleans and other objects raise
    TypeError naming the key rather than being written as their ``str()`` (``"None"``,
    ``"b'...'"``). A list's items are str. Keys that differ only in case are refused by
    :func:`check_tag_keys`."""
    if isinstance(value, Mapping):
        tags = []
        for k, v in value.items():
            if not isinstance(k, str):
                raise TypeError(f"metadata key {k!r}: keys are str, got {type(k).__name__}")
            if "=" in k:
                raise ValueError(f"metadata key {k!r}: a key cannot contain '=' (the tag would be "
                                 f"{k.partition('=')[0]!r})")
            tags.append(f"{k}={_tag_value(k, v)}")
        return tags
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"metadata {item!r}: a tag in a list is a \"KEY=VALUE\" str, got "
                            f"{type(item).__name__} (or give a dict of tags)")
    return items


def _tag_key(tag: str) -> Tuple[str, str]:
    """(scope, key) of a ``KEY=VALUE`` tag as the library reads it: the key trimmed, then
    ``s:v:`` or ``s:a:`` its stream."""
    key = tag.partition("=")[0].strip()
    for scope in ("s:v:", "s:a:"):
        if key.startswith(scope):
            return scope, key[len(scope):]
    return "", key


def check_tag_keys(settings: Settings) -> None:
    """Refuses ``metadata`` settings whose keys differ only in case (``Title`` and
    ``title``): containers compare keys without case (Matroska stores them upper-case, MP4
    maps both to one atom), so one would replace the other. The same key twice is allowed:
    the last value is the tag, as with ffmpeg's ``-metadata``."""
    seen: Dict[Tuple[str, str], str] = {}
    for key, tag in settings:
        if key != "metadata":
            continue
        scope, name = _tag_key(tag)
        folded = (scope, name.casefold())
        other = seen.setdefault(folded, name)
        if other != name:
            raise ValueError(f"metadata keys {scope + other!r} and {scope + name!r} differ only in "
                             "case: containers store one of them")


def repeated_texts(key: str, value: Any) -> List[str]:
    """The values of a setting that may repeat, as texts: ``metadata`` by
    :func:`metadata_tags`; others (``codec_option``) from a dict (``{"aq-mode": 2}``), a list
    of ``"NAME=VALUE"`` strings or one value."""
    if key == "metadata":
        return metadata_tags(value)
    if isinstance(value, Mapping):
        return [f"{k}={value_text(key, v)}" for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [value_text(key, v) for v in value]
    return [value_text(key, value)]


def to_settings(kwargs: Mapping[str, Any]) -> Settings:
    """Keyword arguments as (key, value) settings, in order; None values are left out.

    A setting that may repeat (``codec_option``) takes a dict (``{"aq-mode": 2}``) or a list
    of ``"NAME=VALUE"`` strings; ``metadata`` is checked by :func:`metadata_tags` and
    :func:`check_tag_keys`. An unknown name raises ValueError naming it, with the close
    matches."""
    out: Settings = []
    for name, value in kwargs.items():
        if value is None:
            continue
        known = key_of(name)
        if known is None:
            raise unknown_setting(name)
        key = known
        if _KINDS.get(key) == "repeated":
            out.extend((key, text) for text in repeated_texts(key, value))
        else:
            out.append((key, value_text(key, value)))
    check_tag_keys(out)
    return out


def size_of(settings: Settings) -> Tuple[Optional[int], Optional[int]]:
    """The width and height the settings give, if any (for planar YUV input, which does not
    say its own size)."""
    width = height = None
    for key, value in settings:
        if key == "width":
            width = int(value)
        elif key == "height":
            height = int(value)
        elif key == "size":
            w, _, h = value.lower().partition("x")
            width, height = int(w), int(h)
    return width, height


def table() -> str:
    """The settings as an indented list for docstrings: key (aliases): help [choices]."""
    lines = []
    for s in _SETTINGS:
        if s["key"] in ("width", "height", "size", "in_pix_fmt"):
            continue
        names = s["key"] + (f" ({', '.join(a for a in s['aliases'] if ':' not in a)})" if s["aliases"] else "")
        extra = f" One of: {', '.join(s['choices'])}." if s["choices"] else ""
        default = f" Default: {s['default']}." if s["default"] else ""
        lines.append(f"    {names}\n        {s['help']}.{extra}{default}")
    return "\n".join(lines)
