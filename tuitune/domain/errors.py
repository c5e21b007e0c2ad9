"""Errors a user can act on.

Every error tuitune shows a person is one of these: it says *where* (file, line, field),
*what was found* and *how to fix it*. The CLI prints ``str(error)`` and exits; it never shows a
traceback. Domain validation collects every :class:`Problem` first and raises once, so a user
fixes a file in one pass instead of one error at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a piece of configuration."""

    field: str
    """Dotted path of the offending field, e.g. ``params.lr.low``."""
    message: str
    """What is wrong, including what was found, e.g. ``log scale needs low > 0, found low = 0``."""
    fix: str = ""
    """What to change, e.g. ``set low to a positive value such as 1e-5``."""
    file: str = ""
    """The file the field came from, when known."""
    line: int | None = None
    """The 1-based line in ``file``, when known."""

    def located(self, file: str, line: int | None = None, prefix: str = "") -> Problem:
        """This problem attributed to ``file`` (and ``line``), its field under ``prefix``."""
        field = f"{prefix}.{self.field}" if prefix and self.field else (prefix or self.field)
        return Problem(field, self.message, self.fix, file, line if line is not None else self.line)

    def __str__(self) -> str:
        where = self.file
        if where and self.line is not None:
            where = f"{where}:{self.line}"
        head = ": ".join(part for part in (where, self.field, self.message) if part)
        return f"{head} (fix: {self.fix})" if self.fix else head


class TuituneError(Exception):
    """Base of every error meant for the user rather than for a developer."""


class InvalidConfig(TuituneError):
    """One or more problems in a project file, a study file or a domain object.

    ``problems`` holds all of them; ``str()`` prints one per line.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]):
        if not problems:
            raise ValueError("InvalidConfig needs at least one problem")
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def located(self, file: str, line: int | None = None, prefix: str = "") -> InvalidConfig:
        """The same problems attributed to ``file``."""
        return InvalidConfig([p.located(file, line, prefix) for p in self.problems])


class IllegalTransition(TuituneError):
    """A trial state change the lifecycle does not allow (see :class:`TrialState`)."""


class StoreError(TuituneError):
    """The store cannot be used: wrong place, newer schema, missing row."""


class NotFound(StoreError):
    """A record asked for by id or name does not exist."""


def raise_if_any(problems: list[Problem]) -> None:
    """Raise :class:`InvalidConfig` when ``problems`` is not empty."""
    if problems:
        raise InvalidConfig(problems)


def coerce_enum(obj: object, attr: str, enum: type[StrEnum], problems: list[Problem]) -> None:
    """Turn a plain string in ``obj.attr`` into ``enum``'s member, or record why it cannot.

    Why: rules compare members by identity (``role is Role.FIXED``), so a plain ``"fixed"``
    read back from a store row would silently behave like any other role. Coercing once, at
    construction, keeps every rule honest whatever the caller passed.
    """
    value = getattr(obj, attr)
    if isinstance(value, enum):
        return
    try:
        object.__setattr__(obj, attr, enum(value))
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum)
        problems.append(Problem(attr, f"unknown {attr} {value!r}", f"use one of {allowed}"))
