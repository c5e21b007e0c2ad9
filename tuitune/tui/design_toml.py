"""Writing study-file data back as TOML text, in the documented study-file layout.

Why our own writer: the standard library reads TOML (``tomllib``) but does not write it, and the
study format is small and fixed (see ``tuitune/templates/example_study.toml``): top-level
settings, an optional ``[objective]`` table, one ``[params.<id>]`` table per hyperparameter with
``when`` as an inline table, and ``[[configs]]``. Writing exactly that keeps saved files looking
like the ones people write by hand, and ``tomllib.loads(dumps(data)) == data`` is tested.
Pure: no Textual; it could live in :mod:`tuitune.config` once a CLI command needs it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
HEADER = "# A study design saved by tuitune's Design pane. Check it with `tuitune validate`.\n"


def dumps(data: Mapping[str, Any], header: str = HEADER) -> str:
    """``data`` (study-file data: scalars, lists and tables) as TOML text.

    Scalars and lists come first, then ``[objective]``-like tables, then ``[params.<id>]`` tables
    (nested tables inside them are written inline), then arrays of tables (``[[configs]]``).

    Raises:
        TypeError: For a value TOML cannot hold (``None``, an object).
    """
    lines = [header.rstrip("\n")] if header else []
    scalars = {k: v for k, v in data.items() if not _is_table(v) and not _is_table_array(v)}
    lines += [f"{key(k)} = {value(v)}" for k, v in scalars.items()]
    for k, v in data.items():
        if _is_table(v) and k == "params":
            loose = {pid: spec for pid, spec in v.items() if not _is_table(spec)}
            if loose:  # not tables: kept as written so the parser can say what is wrong
                lines += ["", f"[{key(k)}]", *_body(loose)]
            for pid, spec in v.items():
                if _is_table(spec):
                    lines += ["", f"[{key(k)}.{key(pid)}]", *_body(spec)]
        elif _is_table(v):
            lines += ["", f"[{key(k)}]", *_body(v)]
    for k, v in data.items():
        if _is_table_array(v):
            for item in v:
                lines += ["", f"[[{key(k)}]]", *_body(item)]
    return "\n".join(lines) + "\n"


def _body(table: Mapping[str, Any]) -> list[str]:
    return [f"{key(k)} = {value(v)}" for k, v in table.items()]


def _is_table(v: Any) -> bool:
    return isinstance(v, Mapping)


def _is_table_array(v: Any) -> bool:
    return isinstance(v, (list, tuple)) and bool(v) and all(isinstance(x, Mapping) for x in v)


def key(k: str) -> str:
    """A bare key when TOML allows one, else a quoted key."""
    return k if _BARE.fullmatch(k) else string(k)


def string(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def value(v: Any) -> str:
    """One TOML value: booleans, integers, floats (``inf``/``nan`` too), strings, arrays and
    inline tables."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{key(k)} = {value(x)}" for k, x in v.items()) + " }" if v else "{}"
    raise TypeError(f"TOML cannot hold {type(v).__name__} {v!r}")
