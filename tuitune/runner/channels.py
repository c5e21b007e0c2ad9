"""Metric channels: reading measurements out of a trial's files, incrementally and exactly once.

Why it works like this:

* **Files, read by byte offset.** Every channel is a file the trial appends to: the report
  client's ``metrics.jsonl``, ``stdout.log`` (protocol lines, regular expressions) or a CSV file.
  :meth:`Channel.read` takes a :class:`Cursor` (the offset plus the little state a channel
  carries) and returns the rows of the complete lines after it with the next cursor. The caller
  commits rows and cursor in one transaction, so ingest is exactly once across crashes: reading
  again from a committed cursor yields exactly the rows that followed it.
* **Only complete lines.** A torn last line (the writer is mid-``write``, or died there) is left
  for the next read: the cursor stops before it. A line that does not parse is counted as
  garbage and skipped, never fatal. Non-finite values (``NaN``, ``Infinity``, ``nan``, ``inf``)
  are kept: they are what divergence detection looks for.
* **Bounded memory and time per read.** Files are read in 1 MiB chunks; a line longer than
  :data:`MAX_LINE` is garbage, skipped without being held (the cursor remembers "inside an
  over-long line", so even a gigabyte without a newline costs one pass); one read stops after
  ``max_rows`` rows or ``max_bytes`` bytes and the caller simply reads again.
* **Steps.** A line that names no step gets the channel's running step: one more than the last
  step of that channel. The counter lives in the cursor, so it survives a restart too.

Formats:

* report (``metrics.jsonl``) and the **stdout protocol**: a JSON object per line, ``step`` the
  step, ``_time`` the wall time in seconds since the epoch (optional), every other key a metric
  whose value is a number, ``NaN``/``Infinity``, or a string ``float()`` reads (``"nan"``, for
  languages whose JSON cannot write NaN); other values (``null``, text, lists) are ignored. On
  stdout the line must start with ``@tuitune `` (after the last ``\\r``, so a progress bar on
  the same line does not hide it), e.g. ``@tuitune {"step": 3, "loss": 0.25}``.
* **regex**: each pattern is searched in each stdout line; named groups are metrics, the group
  ``step`` is the step, e.g. ``step (?P<step>\\d+) loss=(?P<train_loss>\\S+)``.
* **CSV** as PyTorch Lightning's and Keras's ``CSVLogger`` write it: a header row, then rows with
  empty cells for metrics not logged at that step. The step is the ``step`` column, else
  ``epoch``, else the running step; every other non-empty numeric cell is a metric. Lightning
  rewrites the whole file with a wider header when a new metric appears: a changed header is
  detected on each read, and the rows already read are passed over in the rewritten file.
  A file that shrank under the same header was started over (Keras without ``append``): it is
  read again from its start.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import IO, NamedTuple

from tuitune.domain.errors import InvalidConfig, Problem
from tuitune.runner.trialdir import METRICS, STDOUT

CHUNK = 1 << 20
MAX_LINE = 1 << 20
"""Bytes; a longer line is garbage (no metric line is that long; a progress bar without a newline is)."""
PROTOCOL_PREFIX = b"@tuitune "
STEP_MIN, STEP_MAX = -(1 << 63), (1 << 63) - 1
"""The steps SQLite can store; a line naming another gets the running step. A line that names
no step once the running step has passed ``STEP_MAX`` is garbage (``next_step`` stops at
``STEP_MAX + 1``)."""
TIME_MAX = sys.float_info.max
"""A ``_time`` beyond (or not finite) is not a time: the row gets the time of the read."""


Point = tuple[int, str, float, float]
"""``(step, name, value, wall_time)``: one measurement of the trial, as a plain tuple, the shape
:meth:`tuitune.store.Store.ingest` binds. Plain, not a :class:`Row`: SQLite's driver binds an
exact tuple straight from its slots, a tuple subclass through the sequence protocol, and at half
a million rows that is a fifth of the insert's time."""


class Row(NamedTuple):
    """One measurement with named fields: a :data:`Point` as :attr:`Batch.rows` returns it."""

    step: int
    name: str
    value: float
    wall_time: float


@dataclass
class Cursor:
    """Where a channel stopped reading, and the state it carries across reads.

    Store it with the rows it produced (:meth:`to_json`); a fresh channel starts at ``Cursor()``.
    """

    offset: int = 0
    """Bytes of the file consumed: the start of the first line not yet read."""
    next_step: int = 0
    """The step given to a line that names none."""
    skipping: bool = False
    """The offset is inside an over-long line, whose rest is skipped up to its newline."""
    header: list[str] | None = None
    """CSV: the columns of the header row read from this file."""
    rows: int = 0
    """CSV: data rows consumed from this file."""
    skip: int = 0
    """CSV: rows of a rewritten file still to pass over (they were read before the rewrite)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> Cursor:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class Batch:
    """The result of one read: new points, the cursor after them, and how many lines were garbage."""

    points: list[Point]
    cursor: Cursor
    garbage: int

    @property
    def rows(self) -> list[Row]:
        """The points with named fields (built on each access; the runner ingests :attr:`points`)."""
        return [_new_row(Row, p) for p in self.points]

    @property
    def offset(self) -> int:
        return self.cursor.offset


class Channel:
    """A way of turning the lines of one file into rows. Stateless: all state is in the cursor."""

    def read(self, path: str | os.PathLike[str], cursor: Cursor | None = None, *, now: float | None = None,
             max_rows: int = 100_000, max_bytes: int = 64 << 20) -> Batch:
        """The rows of the complete lines of ``path`` after ``cursor``; a missing file has none.

        ``now`` is the wall time of rows that carry none (default: the time of the read).
        """
        cur = replace(cursor) if cursor is not None else Cursor()
        try:
            f = open(path, "rb")
        except FileNotFoundError:
            return Batch([], cur, 0)
        with f:
            cur = self._resume(f, cur, os.fstat(f.fileno()).st_size)
            points: list[Point] = []
            garbage = self._take(_lines(f, cur, max_bytes), cur, time.time() if now is None else now, points, max_rows)
        return Batch(points, cur, garbage)

    def _resume(self, f: IO[bytes], cur: Cursor, size: int) -> Cursor:
        """The cursor to read on from; a file shorter than the offset was replaced: start over."""
        return cur if size >= cur.offset else Cursor(next_step=cur.next_step)

    def _take(self, lines: Iterator[bytes | None], cur: Cursor, wall: float, points: list[Point],
              max_rows: int) -> int:
        """Append the points of ``lines`` to ``points`` until it holds ``max_rows``; the garbage count.

        It stops right after the line that filled ``points``: :func:`_lines` has advanced the
        cursor past that line and no further.
        """
        garbage = 0
        parse = self._parse
        for line in lines:
            got = None if line is None else parse(line, cur, wall)
            if got is None:
                garbage += 1
            elif got:
                points.extend(got)
                if len(points) >= max_rows:
                    break
        return garbage

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Point] | None:
        """The points of one line (advancing ``cur``'s state), or ``None`` when it is garbage."""
        raise NotImplementedError


class ReportChannel(Channel):
    """``metrics.jsonl`` written by :func:`tuitune.report`."""

    prefix = b""
    """What a metric line starts with; any other line is ordinary output (none for this file)."""

    def _take(self, lines: Iterator[bytes | None], cur: Cursor, wall: float, points: list[Point],
              max_rows: int) -> int:
        # The hot path of ingest: every metric line of every trial passes here, a flood of them
        # at 100,000s of rows per second. So the loop is one function with no call per line
        # beyond the C JSON scanner (json.loads adds a Python frame, encoding detection and a
        # regex per call), exact types are tested before the general conversions, and points are
        # built straight from the object's items.
        garbage = 0
        append = points.append
        prefix = self.prefix
        cut = len(prefix)
        for line in lines:
            if line is None:
                garbage += 1
                continue
            if cut:
                if b"\r" in line:
                    line = _last_segment(line)
                if not line.startswith(prefix):
                    continue
                line = line[cut:]
            try:
                text = line.decode().strip()
                obj, end = _scan(text, 0)
            except (ValueError, StopIteration, RecursionError):  # invalid UTF-8 or JSON, nothing, too deep
                garbage += 1
                continue
            if end != len(text) or type(obj) is not dict:
                garbage += 1
                continue
            step = obj.pop("step", None)
            if type(step) is not int or not STEP_MIN <= step <= STEP_MAX:
                step = _step(step)
                if step is None:
                    step = cur.next_step
                    if step > STEP_MAX:  # the running step has overflowed: no step to give
                        garbage += 1
                        continue
            cur.next_step = step + 1
            when = obj.pop("_time", None)
            kind = type(when)
            if kind is float:
                if not _isfinite(when):
                    when = wall
            elif kind is int and -TIME_MAX <= when <= TIME_MAX:
                when = float(when)
            else:
                when = wall
            bad = False
            for name, value in obj.items():
                if type(value) is not float and (value := _number(value)) is None:
                    continue
                if not name.isascii() and not _encodes(name):  # a lone surrogate ("\ud800"): SQLite cannot bind it
                    bad = True
                    continue
                append((step, name, value, when))
            if bad:
                garbage += 1
            if len(points) >= max_rows:
                break
        return garbage


class ProtocolChannel(ReportChannel):
    """``@tuitune {json}`` lines on stdout; every other line is ordinary output, not garbage."""

    prefix = PROTOCOL_PREFIX


class RegexChannel(Channel):
    """Regular expressions over stdout lines, for scripts that cannot be changed.

    A line no pattern matches is ordinary output; a match whose metric text is not a number is
    garbage. Raises :class:`~tuitune.domain.errors.InvalidConfig` for a pattern that does not
    compile or names no metric.
    """

    def __init__(self, patterns: Sequence[str]):
        problems, compiled = [], []
        for i, text in enumerate(patterns):
            try:
                pattern = re.compile(text)
            except re.error as exc:
                problems.append(Problem(f"metrics.regex[{i}]", f"{text!r} is not a regular expression: {exc}"))
                continue
            if not set(pattern.groupindex) - {"step"}:
                problems.append(Problem(f"metrics.regex[{i}]", f"{text!r} has no named group for a metric",
                                        r"name the metric's group, e.g. loss=(?P<train_loss>\S+)"))
            compiled.append(pattern)
        if problems:
            raise InvalidConfig(problems)
        self.patterns = tuple(compiled)

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Point] | None:
        text = _last_segment(line).decode("utf-8", "replace")
        found: list[tuple[int | None, str, float]] = []
        for pattern in self.patterns:
            if (m := pattern.search(text)) is None:
                continue
            groups = m.groupdict()
            step = _step(groups.pop("step", None))
            for name, value in groups.items():
                if value is None:
                    continue
                number = _number(value)
                if number is None:
                    return None
                found.append((step, name, number))
        if not found:
            return []
        steps = [s for s, _, _ in found if s is not None]
        step = steps[0] if steps else cur.next_step
        if step > STEP_MAX:  # the running step has overflowed
            return None
        cur.next_step = max([step, *steps]) + 1
        return [(s if s is not None else step, name, value, wall) for s, name, value in found]


class CsvChannel(Channel):
    """A CSV metrics file (Lightning's or Keras's ``CSVLogger``), header changes included."""

    def _resume(self, f: IO[bytes], cur: Cursor, size: int) -> Cursor:
        if cur.header is None:
            return super()._resume(f, cur, size)
        first = f.readline(MAX_LINE)
        header = _csv_cells(first) if first.endswith(b"\n") else None
        if header is not None and header != cur.header:  # rewritten with new columns
            return Cursor(next_step=cur.next_step, skip=cur.rows + cur.skip)
        if size < cur.offset:  # started over
            return Cursor(next_step=cur.next_step)
        return cur

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Point] | None:
        cells = _csv_cells(line)
        if cur.header is None:
            if not cells:
                return None
            cur.header = cells
            return []
        cur.rows += 1
        if cur.skip:
            cur.skip -= 1
            return []
        if cells is None or len(cells) != len(cur.header):
            return None
        record = dict(zip(cur.header, cells, strict=True))
        key = "step" if "step" in record else "epoch" if "epoch" in record else None
        step = _step(record.pop(key)) if key else None
        if step is None:
            step = cur.next_step
            if step > STEP_MAX:  # the running step has overflowed
                return None
        cur.next_step = step + 1
        rows = []
        for name, cell in record.items():
            number = _number(cell) if cell.strip() else None
            if number is not None:
                rows.append((step, name, number, wall))
        return rows


def _lines(f: IO[bytes], cur: Cursor, max_bytes: int) -> Iterator[bytes | None]:
    """The complete lines after ``cur.offset`` (without their newline), ``None`` for an over-long one.

    ``cur.offset`` and ``cur.skipping`` are advanced *before* each line is yielded, so a caller
    that stops iterating after handling a line leaves the cursor right after it.
    """
    f.seek(cur.offset)
    buf = b""
    start = cur.offset
    while cur.offset - start < max_bytes and (chunk := f.read(CHUNK)):
        parts = (buf + chunk).split(b"\n")
        buf = parts.pop()
        for part in parts:
            cur.offset += len(part) + 1
            if cur.skipping:  # the end of an over-long line, already counted
                cur.skipping = False
            elif len(part) > MAX_LINE:
                yield None
            else:
                yield part
        if len(buf) > MAX_LINE or cur.skipping:
            cur.offset += len(buf)
            buf = b""
            if not cur.skipping:
                cur.skipping = True
                yield None


_scan = json.JSONDecoder().scan_once
"""The C scanner behind ``json.loads``: ``(value, end)`` of the JSON value at an index of a str."""
_new_row = tuple.__new__


_isfinite = math.isfinite


def _encodes(text: str) -> bool:
    """Whether ``text`` encodes to UTF-8 (JSON's ``\\ud800`` escapes decode to lone surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _step(value: object) -> int | None:
    """An integer step from JSON or text (``3``, ``3.0``, ``"3"``), else ``None`` (also for one
    beyond SQLite's 64-bit integers, which the store could not bind)."""
    if isinstance(value, bool) or value is None:
        return None
    if not isinstance(value, int):
        number = _number(value)
        if number is None or not number.is_integer():
            return None
        value = int(number)
    return value if STEP_MIN <= value <= STEP_MAX else None


def _number(value: object) -> float | None:
    """A float from a JSON number or text (``"nan"`` too), else ``None`` (also for an integer
    beyond the range of a float)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            return float(value)
        except (ValueError, OverflowError):
            return None
    return None


def _last_segment(line: bytes) -> bytes:
    """What a terminal would show of a line: the text after its last carriage return."""
    line = line.rstrip(b"\r")
    return line[line.rfind(b"\r") + 1:]


def _csv_cells(line: bytes) -> list[str] | None:
    try:
        text = line.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        return None
    try:
        return next(csv.reader([text]), [])
    except csv.Error:  # a bare carriage return inside the line, a cell over csv.field_size_limit()
        return None


def channels_for(stdout_protocol: bool, regex: Sequence[str], csv_path: str | None, trial_dir: str | os.PathLike[str],
                 cwd: str | os.PathLike[str]) -> dict[str, tuple[Path, Channel]]:
    """The channels of one trial by name (the key to store each cursor under): its file and reader.

    ``csv_path`` is relative to the trial's working directory ``cwd``.
    """
    trial_dir = Path(trial_dir)
    out: dict[str, tuple[Path, Channel]] = {"report": (trial_dir / METRICS, ReportChannel())}
    if stdout_protocol:
        out["protocol"] = (trial_dir / STDOUT, ProtocolChannel())
    if regex:
        out["regex"] = (trial_dir / STDOUT, RegexChannel(regex))
    if csv_path:
        out["csv"] = (Path(cwd) / csv_path, CsvChannel())
    return out
