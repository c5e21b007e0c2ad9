"""Evidence in words: how a check's numbers read as text, the same in ``tuitune review`` and
the Review pane (short numbers, long lists cut, nested records indented)."""

from __future__ import annotations

import re
from collections.abc import Mapping


def fmt(value: object) -> str:
    """A value of the evidence, short: 4 significant digits, long lists cut."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        shown = ", ".join(fmt(v) for v in value[:8])
        return f"[{shown}, … {len(value) - 8} more]" if len(value) > 8 else f"[{shown}]"
    if value is None:
        return "—"
    return str(value)


KEYED_BY_DATA = frozenset({"params"})
"""Evidence keys whose mapping is keyed by names from the study (hyperparameter ids), shown as
written: ``learning_rate`` is an id there, not the words "learning rate"."""


def evidence_lines(evidence: Mapping[str, object], indent: str = "", literal: bool = False) -> list[str]:
    """The evidence as readable lines: nested mappings indented, lists of records one per line;
    keys in words (``best_step`` -> ``best step``) unless ``literal``."""
    lines = []
    for key, value in evidence.items():
        label = f"{indent}{key if literal else _words(key)}"
        if isinstance(value, Mapping):
            lines.append(f"{label}:")
            lines.extend(evidence_lines(value, indent + "  ", literal=key in KEYED_BY_DATA))
        elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            lines.append(f"{label}:")
            lines.extend(f"{indent}  • " + "  ".join(f"{_words(k)} {fmt(v)}" for k, v in row.items())
                         for row in value)
        else:
            lines.append(f"{label}: {fmt(value)}")
    return lines


def _words(key: object) -> str:
    """An identifier key in words (``best_step`` -> ``best step``); labels such as ``lr=0.1`` as they are."""
    key = str(key)
    return key.replace("_", " ") if re.fullmatch(r"[a-z_]+", key) else key
