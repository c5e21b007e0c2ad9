"""A trial's output as people read it: ``stdout.log``/``stderr.log`` cleaned and capped for display.

Why it works like this:

* The log files stay exactly as the trial wrote them (they are the record); cleaning happens
  only when text is shown, in the TUI's log pane, ``tuitune status`` or an error message.
* **Bounded, whatever the file.** A log can be a gigabyte without a single newline (a progress
  bar to a file). Reading never takes more than ``cap`` bytes: the head and the tail, cut at line
  boundaries where there are any, with a marker line saying how much was left out between them.
  The start shows how the run was set up, the end how it is going or why it died.
* ``\\r`` **progress bars** (tqdm, Keras) rewrite one terminal line many times; in a file they
  are one huge line. Each line is shown as a terminal would leave it: the text after its last
  carriage return.
* **Invalid UTF-8** is replaced (U+FFFD), never an exception: trainers print bytes from anywhere.
* **ANSI escapes are stripped, all of them**, colours included. Decided so because the text is
  drawn inside a widget: cursor movement (tqdm's ``ESC[A`` for nested bars), screen clears and
  OSC titles would corrupt the screen around it, and keeping only colours safely would need a
  terminal emulator. Other control characters except tab go too, for the same reason.
"""

from __future__ import annotations

import os
import re

CAP = 256 * 1024
"""Default bytes of a log shown: half from the head, half from the tail."""

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI: colours, cursor movement, erase
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"   # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"                # two-character escapes, or a lone ESC cut off by the cap
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(data: bytes) -> str:
    """``data`` as text for a person: UTF-8 with replacements, bars collapsed, no escapes."""
    text = _ESCAPES.sub("", data.decode("utf-8", "replace"))
    return "\n".join(_CONTROLS.sub("", _last_state(line)) for line in text.split("\n"))


def _last_state(line: str) -> str:
    line = line.rstrip("\r")
    return line[line.rfind("\r") + 1:]


def read_log(path: str | os.PathLike[str], cap: int = CAP) -> str:
    """The cleaned text of a log, at most ``cap`` bytes of it: all, or its head and tail.

    A missing file reads as empty (the trial has not written yet).
    """
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return ""
    with f:
        size = os.fstat(f.fileno()).st_size
        if size <= cap:
            return clean(f.read(cap))
        half = cap // 2
        head = f.read(half)
        f.seek(size - half)
        tail = f.read(half)
    if (nl := head.rfind(b"\n")) >= 0:
        head = head[:nl + 1]
    if (nl := tail.find(b"\n")) >= 0:
        tail = tail[nl + 1:]
    omitted = size - len(head) - len(tail)
    shown = clean(head)
    if not shown.endswith("\n"):  # a head cut inside a line
        shown += "\n"
    return f"{shown}[… {omitted:,} bytes of output left out …]\n{clean(tail)}"


def tail_lines(path: str | os.PathLike[str], n: int, max_bytes: int = 64 * 1024) -> list[str]:
    """The last ``n`` cleaned lines of a log, from at most its last ``max_bytes`` bytes.

    For live views polled often: the cost does not grow with the file.
    """
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return []
    with f:
        size = os.fstat(f.fileno()).st_size
        f.seek(max(0, size - max_bytes))
        data = f.read(max_bytes)
    if size > max_bytes and (nl := data.find(b"\n")) >= 0:
        data = data[nl + 1:]  # the first line is cut; drop it
    lines = clean(data).split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines[-n:] if n > 0 else []
