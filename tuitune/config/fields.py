"""Typed reads from parsed TOML that collect problems instead of raising.

Why a collector: a user should see every problem of a file in one pass, so each read records
what is wrong (the field, what was found — type and value — and what to write instead) and
returns a safe default, letting the parse go on. The loaders raise once, at the end.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Collection, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from tuitune.config.toml import KeyPath, Locator, format_path
from tuitune.domain.errors import InvalidConfig, Problem
from tuitune.domain.space import fits_int64

E = TypeVar("E", bound=StrEnum)
MISSING: Any = object()
"""Marks a field that is absent from its table."""


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_scalar(value: object) -> bool:
    return isinstance(value, (bool, int, float, str))


def toml_repr(value: object) -> str:
    """``value`` written as TOML would write it, shortened: what the user sees in the file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, Mapping):
        text = "{" + ", ".join(f"{k} = {toml_repr(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list):
        text = "[" + ", ".join(toml_repr(v) for v in value) + "]"
    else:
        text = repr(value)
    return text if len(text) <= 50 else text[:47] + "..."


def describe(value: object) -> str:
    """The TOML type of ``value`` and the value, e.g. ``string "0.1"``."""
    kinds = ((bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"),
             (list, "array"), (dict, "table"))
    kind = next((name for t, name in kinds if isinstance(value, t)), "date/time")
    return f"{kind} {toml_repr(value)}"


def suggest(word: str, choices: Collection[str]) -> str | None:
    """The closest of ``choices`` to ``word`` (typo or wrong case), if any is close."""
    lowered = {c.lower(): c for c in choices}
    if word.lower() in lowered:
        return lowered[word.lower()]
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


class Fields:
    """Problems of one file, each placed at the line its key path was written on."""

    def __init__(self, file: str, locator: Locator | None):
        self.file = file
        self.locator = locator
        self.problems: list[Problem] = []

    def in_order(self) -> list[Problem]:
        """The problems top to bottom of the file (those without a line last), as a user fixes them."""
        return sorted(self.problems, key=lambda p: (p.line is None, p.line or 0))

    def line(self, path: KeyPath) -> int | None:
        return self.locator.line(path) if self.locator else None

    def add(self, path: KeyPath, message: str, fix: str) -> None:
        self.problems.append(Problem(format_path(path), message, fix, self.file, self.line(path)))

    def add_domain(self, error: InvalidConfig, to_path: Any, note: Mapping[KeyPath, str] | None = None) -> None:
        """Re-attribute a domain object's problems (relative fields) to this file's paths.

        ``to_path`` turns a domain field into a key path; ``note`` adds a remark to problems at
        given paths (e.g. that a fixed value came from the project's baseline).
        """
        reported = {p.field for p in self.problems}
        for p in error.problems:
            path = to_path(p.field)
            if format_path(path) in reported:  # already said, in the file's terms
                continue
            message = p.message + (f" ({note[path]})" if note and path in note else "")
            self.problems.append(Problem(format_path(path), message, p.fix, self.file, self.line(path)))

    def unknown_keys(self, table: Mapping[str, Any], path: KeyPath, allowed: Collection[str],
                     moved: Mapping[str, str] | None = None) -> None:
        """Every key of ``table`` outside ``allowed``, with the closest allowed one as a hint.

        ``moved`` maps keys that belong in another table to its name (``command`` -> ``project``).
        """
        for key in table:
            if key in allowed:
                continue
            close = suggest(key, allowed)
            where = format_path(path) or "the top level"
            message = f"unknown field {key!r} in {where}" + (f"; did you mean {close!r}?" if close else "")
            if close:
                fix = f"rename it to {close}"
            elif moved and key in moved:
                fix = f"move it under [{moved[key]}]"
            else:
                fix = f"remove it; known fields here: {', '.join(sorted(allowed))}"
            self.add(path + (key,), message, fix)

    def wrong_type(self, path: KeyPath, value: object, expected: str, example: str) -> None:
        key = format_path(path[-1:]) if path else ""
        fix = f"write {key} = {example}" if path and isinstance(path[-1], str) else f"use {example}"
        if isinstance(value, str) and expected in ("a number", "a whole number", "true or false"):
            try:
                unquoted = json.loads(value.strip().lower())
            except ValueError:
                unquoted = None
            if is_number(unquoted) or isinstance(unquoted, bool):
                fix = f"remove the quotes: {key} = {toml_repr(unquoted)}"
        self.add(path, f"expected {expected}, found {describe(value)}", fix)

    def table(self, data: Mapping[str, Any], path: KeyPath, key: str) -> dict[str, Any]:
        value = data.get(key, MISSING)
        if value is MISSING:
            return {}
        if not isinstance(value, dict):
            self.wrong_type(path + (key,), value, "a table", f"{{...}}, or a [{format_path(path + (key,))}] section")
            return {}
        return value

    def text(self, data: Mapping[str, Any], path: KeyPath, key: str, default: Any, example: str,
             *, nonempty: bool = True) -> Any:
        value = data.get(key, MISSING)
        if value is MISSING:
            return default
        if not isinstance(value, str):
            self.wrong_type(path + (key,), value, "a string", example)
            return default
        if nonempty and not value.strip():
            self.add(path + (key,), "must not be empty, found \"\"", f"write {key} = {example}")
            return default
        return value

    def boolean(self, data: Mapping[str, Any], path: KeyPath, key: str, default: bool) -> bool:
        value = data.get(key, MISSING)
        if value is MISSING:
            return default
        if not isinstance(value, bool):
            self.wrong_type(path + (key,), value, "true or false", "true")
            return default
        return value

    def integer(self, data: Mapping[str, Any], path: KeyPath, key: str, default: Any, example: str = "1",
                *, minimum: int | None = None) -> Any:
        value = data.get(key, MISSING)
        if value is MISSING:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            if isinstance(value, float) and value.is_integer():
                self.add(path + (key,), f"expected a whole number, found float {value!r}",
                         f"write {key} = {int(value)}")
            else:
                self.wrong_type(path + (key,), value, "a whole number", example)
            return default
        if minimum is not None and value < minimum:
            self.add(path + (key,), f"needs a whole number >= {minimum}, found {value}",
                     f"write {key} = {minimum} or more")
            return default
        return value

    def number(self, data: Mapping[str, Any], path: KeyPath, key: str, default: Any, example: str,
               *, finite: bool = True) -> Any:
        value = data.get(key, MISSING)
        if value is MISSING:
            return default
        if not is_number(value):
            self.wrong_type(path + (key,), value, "a number", example)
            return default
        if isinstance(value, int) and not fits_int64(value):  # before isfinite(), which would overflow
            self.add(path + (key,), f"expected a number within ±2**63, found integer {toml_repr(value)}",
                     f"write {key} = {example}, or a float with an exponent such as 1e21")
            return default
        if finite and not math.isfinite(value):
            self.add(path + (key,), f"expected a finite number, found {value!r}", f"write {key} = {example}")
            return default
        return value

    def scalar(self, data: Mapping[str, Any], path: KeyPath, key: str, default: Any, example: str) -> Any:
        value = data.get(key, MISSING)
        if value is MISSING:
            return default
        if not is_scalar(value):
            self.wrong_type(path + (key,), value, "a string, number or boolean", example)
            return default
        return value

    def enum(self, data: Mapping[str, Any], path: KeyPath, key: str, enum: type[E], default: Any) -> Any:
        value = data.get(key, MISSING)
        if value is MISSING:
            return default
        allowed = [m.value for m in enum]
        listed = ", ".join(json.dumps(a) for a in allowed)
        if not isinstance(value, str):
            self.wrong_type(path + (key,), value, f"one of {listed}", json.dumps(allowed[0]))
            return default
        if value in allowed:
            return enum(value)
        close = suggest(value, allowed)
        hint = f"; did you mean {json.dumps(close)}?" if close else ""
        self.add(path + (key,), f"unknown {key} {json.dumps(value)}{hint} (allowed: {listed})",
                 f"write {key} = {json.dumps(close or allowed[0])}")
        return default

    def strings(self, data: Mapping[str, Any], path: KeyPath, key: str, example: str) -> tuple[str, ...]:
        """A list of strings; a single string is taken as a list of one."""
        value = data.get(key, MISSING)
        if value is MISSING:
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.wrong_type(path + (key,), value, "a list of strings", example)
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, str) and item:
                out.append(item)
            else:
                self.wrong_type(path + (key, i), item, "a non-empty string", example)
        return tuple(out)
