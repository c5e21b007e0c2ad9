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
import os
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


class Row(NamedTuple):
    """One measurement, in the column order of the store's measurements table."""

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
    """The result of one read: new rows, the cursor after them, and how many lines were garbage."""

    rows: list[Row]
    cursor: Cursor
    garbage: int

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
            wall = time.time() if now is None else now
            rows: list[Row] = []
            garbage = 0
            for line in _lines(f, cur, max_bytes):
                got = None if line is None else self._parse(line, cur, wall)
                if got is None:
                    garbage += 1
                else:
                    rows.extend(got)
                    if len(rows) >= max_rows:
                        break
        return Batch(rows, cur, garbage)

    def _resume(self, f: IO[bytes], cur: Cursor, size: int) -> Cursor:
        """The cursor to read on from; a file shorter than the offset was replaced: start over."""
        return cur if size >= cur.offset else Cursor(next_step=cur.next_step)

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Row] | None:
        """The rows of one line (advancing ``cur``'s state), or ``None`` when it is garbage."""
        raise NotImplementedError


class ReportChannel(Channel):
    """``metrics.jsonl`` written by :func:`tuitune.report`."""

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Row] | None:
        return _json_rows(line, cur, wall)


class ProtocolChannel(Channel):
    """``@tuitune {json}`` lines on stdout; every other line is ordinary output, not garbage."""

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Row] | None:
        line = _last_segment(line)
        if not line.startswith(PROTOCOL_PREFIX):
            return []
        return _json_rows(line[len(PROTOCOL_PREFIX):], cur, wall)


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

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Row] | None:
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
        cur.next_step = max([step, *steps]) + 1
        return [Row(s if s is not None else step, name, value, wall) for s, name, value in found]


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

    def _parse(self, line: bytes, cur: Cursor, wall: float) -> list[Row] | None:
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
        cur.next_step = step + 1
        rows = []
        for name, cell in record.items():
            number = _number(cell) if cell.strip() else None
            if number is not None:
                rows.append(Row(step, name, number, wall))
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


_decode = json.JSONDecoder().raw_decode
_new_row = tuple.__new__


def _json_rows(text: bytes, cur: Cursor, wall: float) -> list[Row] | None:
    # The hot path of ingest (every metric line of every trial): the C scanner is called directly
    # (json.loads adds encoding detection and a regex per call), and exact types are tested first.
    try:
        line = text.decode().strip()
        obj, end = _decode(line)
    except ValueError:  # includes invalid UTF-8
        return None
    if end != len(line) or type(obj) is not dict:
        return None
    step = obj.pop("step", None)
    if type(step) is not int:
        step = _step(step)
        if step is None:
            step = cur.next_step
    t = obj.pop("_time", None)
    if t is not None:
        wall = float(t) if type(t) in (int, float) else wall
    cur.next_step = step + 1
    rows = []
    for name, value in obj.items():
        kind = type(value)
        if kind is float:
            number = value
        elif kind is int:
            number = float(value)
        elif (number := _number(value)) is None:
            continue
        rows.append(_new_row(Row, (step, name, number, wall)))
    return rows


def _step(value: object) -> int | None:
    """An integer step from JSON or text (``3``, ``3.0``, ``"3"``), else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
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
    return next(csv.reader([text]), [])


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
