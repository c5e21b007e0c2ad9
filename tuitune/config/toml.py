"""Reading a TOML file, and finding the line where a key was written.

Why a locator of our own: ``tomllib`` gives a line only for syntax errors; the dictionaries it
returns forget where each key came from. A user fixing ``params.lr.low`` wants to jump to the
line, so after a successful parse we scan the text once more and map every key path to the
line that wrote it (table headers ``[params.lr]``, arrays of tables ``[[configs]]``, dotted keys
``params.lr.low = 0``, inline tables ``when = {optimizer = "adam"}``, array elements). The scan
runs only on text ``tomllib`` accepted, so it can be small; it is best effort and never raises.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tuitune.domain.errors import InvalidConfig, Problem

KeyPath = tuple[str | int, ...]
"""A path into a TOML document: table keys, and ints for array (of tables) indices."""

_BARE = re.compile(r"[A-Za-z0-9_-]+")
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_AT_END = re.compile(r"\s*\(at end of document\)\s*$")

# What usually causes each tomllib message, and what to do about it.
_SYNTAX_FIXES = (
    ("Cannot overwrite a value", "each key may appear once per table; remove or rename the repeated key"),
    ("Cannot declare", "each table header may appear once; merge the two tables"),
    ("Invalid value", 'quote strings ("adam"), write booleans as true/false and numbers like 1e-3'),
    ("Expected '=' after a key", "write key = value, one per line"),
    ("Invalid statement", "write key = value, one per line; table headers look like [name]"),
    ("Invalid initial character for a key part", "keys are letters, digits, '_' and '-'; quote any other key"),
    ("Expected ']'", "close the table header: [name], or [[name]] for an array of tables"),
    ("Unclosed", "close the string, array or table that opens on this line"),
    ("Illegal character", "remove the control character, or escape it inside a quoted string"),
)


def display_name(path: Path) -> str:
    """``path`` as the user would type it: relative to the current folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def format_path(path: Iterable[str | int]) -> str:
    """``("params", "lr", "low")`` -> ``params.lr.low``; ``("configs", 0, "lr")`` -> ``configs[0].lr``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = part if _BARE.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
            out += f".{text}" if out else text
    return out


def read_toml(path: Path, file: str) -> tuple[dict[str, Any], Locator]:
    """Parse ``path``; :class:`InvalidConfig` naming ``file`` (and the line) when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidConfig([Problem("", "no such file", "check the path", file)]) from None
    except IsADirectoryError:
        raise InvalidConfig([Problem("", "is a folder, not a file", "name a .toml file", file)]) from None
    except UnicodeDecodeError as e:
        raise InvalidConfig([Problem("", f"is not UTF-8 text ({e.reason} at byte {e.start})",
                                     "save the file as UTF-8", file)]) from None
    except OSError as e:
        raise InvalidConfig([Problem("", f"cannot be read: {e.strerror or e}",
                                     "check that the file exists and is readable", file)]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InvalidConfig([syntax_problem(str(e), file, text)]) from None
    except ValueError:  # not a syntax error: Python refuses to read an integer of over 4300 digits
        raise InvalidConfig([Problem("", "holds a whole number too long to read (over 4300 digits)",
                                     "shorten the number, or write it as a float", file)]) from None
    return data, Locator(text)


def syntax_problem(message: str, file: str, text: str) -> Problem:
    """A tomllib message turned into a Problem whose line is the one tomllib named."""
    line: int | None = None
    if m := _AT.search(message):
        line, column = int(m[1]), int(m[2])
        message = f"{message[:m.start()]} at column {column}"
    elif m := _AT_END.search(message):
        line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        message = f"{message[:m.start()]} at the end of the file"
    fix = next((fix for start, fix in _SYNTAX_FIXES if message.startswith(start)),
               "correct the TOML syntax on that line (see https://toml.io)")
    if line is not None and 0 < line <= len(lines := text.splitlines()):
        message += f" (the line reads: {lines[line - 1].strip()[:60]})"
    first = message[:1].lower() + message[1:]
    return Problem("", f"not valid TOML: {first}", fix, file, line)


class Locator:
    """Maps key paths of one TOML text to the (1-based) line that wrote them."""

    def __init__(self, text: str):
        self.lines: dict[KeyPath, int] = {}
        try:
            _Scanner(text, self.lines).run()
        except Exception:  # noqa: BLE001 - best effort: a line number is a courtesy, never a failure
            pass

    def line(self, path: Iterable[str | int]) -> int | None:
        """The line of ``path``, else of its nearest enclosing key or table, else ``None``."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


class _Scanner:
    """A structural pass over TOML that ``tomllib`` already accepted: keys and lines, no values."""

    def __init__(self, text: str, out: dict[KeyPath, int]):
        self.s, self.i, self.line, self.out = text, 0, 1, out
        self.aot: dict[KeyPath, int] = {}  # array-of-tables path -> index of its latest element

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.s[j] if j < len(self.s) else ""

    def adv(self, n: int = 1) -> None:
        for _ in range(n):
            if self.i < len(self.s):
                self.line += self.s[self.i] == "\n"
                self.i += 1

    def skip(self, newlines: bool) -> None:
        while (c := self.peek()) and (c in " \t\r" or (newlines and c == "\n") or c == "#"):
            if c == "#":
                while self.peek() not in ("\n", ""):
                    self.adv()
            else:
                self.adv()

    def record(self, path: KeyPath) -> None:
        self.out.setdefault(path, self.line)

    def resolve(self, key: KeyPath) -> KeyPath:
        out: KeyPath = ()
        for part in key:
            out += (part,)
            if out in self.aot:
                out += (self.aot[out],)
        return out

    def run(self) -> None:
        table: KeyPath = ()
        while self.i < len(self.s):
            start = self.i
            self.skip(newlines=True)
            if self.s.startswith("[[", self.i):
                self.adv(2)
                key = self.key()
                base = self.resolve(key[:-1]) + key[-1:]
                self.aot[base] = self.aot.get(base, -1) + 1
                table = base + (self.aot[base],)
                self.record(base)
                self.record(table)
            elif self.peek() == "[":
                self.adv()
                table = self.resolve(self.key())
                for n in range(1, len(table) + 1):
                    self.record(table[:n])
            elif self.peek():
                self.assignment(table)
            while self.peek() not in ("\n", ""):  # rest of the line: "]", "]]", a comment
                self.adv()
            if self.i == start:
                self.adv()

    def assignment(self, table: KeyPath) -> None:
        full = table + self.key()
        for n in range(len(table) + 1, len(full) + 1):
            self.record(full[:n])
        self.skip(newlines=False)
        if self.peek() == "=":
            self.adv()
            self.skip(newlines=False)
            self.value(full)

    def key(self) -> KeyPath:
        parts: list[str] = []
        while True:
            self.skip(newlines=False)
            c = self.peek()
            if c in ('"', "'"):
                self.adv()
                buf = ""
                while self.peek() not in (c, "\n", ""):
                    if c == '"' and self.peek() == "\\":
                        self.adv()
                    buf += self.peek()
                    self.adv()
                self.adv()
                parts.append(buf)
            else:
                buf = ""
                while (ch := self.peek()) and (ch.isalnum() or ch in "-_"):
                    buf += ch
                    self.adv()
                parts.append(buf)
            self.skip(newlines=False)
            if self.peek() != ".":
                return tuple(parts)
            self.adv()

    def value(self, path: KeyPath) -> None:
        c = self.peek()
        quote3 = self.s[self.i:self.i + 3]
        if quote3 in ('"""', "'''"):
            self.adv(3)
            while self.i < len(self.s):
                if quote3 == '"""' and self.peek() == "\\":
                    self.adv(2)
                elif self.s.startswith(quote3, self.i):
                    self.adv(3)
                    for _ in range(2):  # up to two quotes may end the content
                        if self.peek() == quote3[0]:
                            self.adv()
                    return
                else:
                    self.adv()
        elif c in ('"', "'"):
            self.adv()
            while self.peek() not in (c, "\n", ""):
                self.adv(2 if c == '"' and self.peek() == "\\" else 1)
            self.adv()
        elif c == "[":
            self.adv()
            index = 0
            while True:
                self.skip(newlines=True)
                if self.peek() in ("]", ""):
                    self.adv()
                    return
                self.record(path + (index,))
                before = self.i
                self.value(path + (index,))
                self.skip(newlines=True)
                if self.peek() == ",":
                    self.adv()
                    index += 1
                elif self.i == before:
                    self.adv()
        elif c == "{":
            self.adv()
            while True:
                self.skip(newlines=False)
                if self.peek() in ("}", "\n", ""):
                    self.adv()
                    return
                before = self.i
                self.assignment(path)
                self.skip(newlines=False)
                if self.peek() == ",":
                    self.adv()
                elif self.i == before:
                    self.adv()
        else:
            while self.peek() not in (",", "]", "}", "\n", "#", ""):
                self.adv()
