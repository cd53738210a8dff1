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
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return str(value)


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


def to_settings(kwargs: Mapping[str, Any]) -> Settings:
    """Keyword arguments as (key, value) settings, in order; None values are left out.

    A setting that may repeat (``codec_option``) takes a dict (``{"aq-mode": 2}``) or a list
    of ``"NAME=VALUE"`` strings. An unknown name raises ValueError naming it, with the
    close matches."""
    out: Settings = []
    for name, value in kwargs.items():
        if value is None:
            continue
        known = key_of(name)
        if known is None:
            raise unknown_setting(name)
        key = known
        if _KINDS.get(key) == "repeated":
            if isinstance(value, Mapping):
                out.extend((key, f"{k}={value_text(key, v)}") for k, v in value.items())
            elif isinstance(value, (list, tuple)):
                out.extend((key, value_text(key, v)) for v in value)
            else:
                out.append((key, value_text(key, value)))
        else:
            out.append((key, value_text(key, value)))
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
