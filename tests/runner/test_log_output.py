"""Log text for people: progress bars collapsed, bad bytes replaced, escapes gone, size capped."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from tuitune.runner.output import clean, read_log, tail_lines


def test_progress_bars_collapse_to_their_last_state() -> None:
    assert clean(b"start\n 10%|#   |\r 50%|##  |\r100%|####|\nnext\r\n") == "start\n100%|####|\nnext\n"
    assert clean(b"running\r 30%|#") == " 30%|#"  # a bar still moving shows where it is now


def test_invalid_utf8_is_replaced() -> None:
    assert clean(b"caf\xc3\xa9 \xff\xfe ok \xe2\x82") == "café \ufffd\ufffd ok \ufffd"


def test_escapes_and_controls_are_stripped() -> None:
    data = (b"\x1b[1;31mred\x1b[0m \x1b]0;title\x07x\x1b]8;;http://a\x1b\\link\x1b]8;;\x1b\\ "
            b"\x1b[2K\x1b[Aup\x1b(B\x07bell\x00nul\ttab\x1b")
    assert clean(data) == "red xlink upbellnul\ttab"


def test_small_logs_are_shown_whole(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    f.write_bytes(b"a\nb\n")
    assert read_log(f) == "a\nb\n"
    assert read_log(tmp_path / "missing.log") == ""


def test_big_logs_keep_head_and_tail(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    f.write_text("".join(f"line {i}\n" for i in range(100_000)))
    text = read_log(f, cap=4096)
    head, _, rest = text.partition("[… ")
    omitted, _, tail = rest.partition(" bytes of output left out …]\n")
    assert head.startswith("line 0\nline 1\n") and head.endswith("\n") and len(head) <= 2048
    assert tail.endswith("line 99998\nline 99999\n") and len(tail) <= 2048
    assert [line[:5] for line in (head + tail).splitlines()] == ["line "] * (head + tail).count("\n")
    assert int(omitted.replace(",", "")) == f.stat().st_size - len(head) - len(tail)


@pytest.mark.slow
def test_a_huge_log_without_newlines_in_bounded_memory(tmp_path: Path) -> None:
    """Tens of MB written by a real process: a tqdm-like bar with colour and bad bytes, no newline."""
    f = tmp_path / "stderr.log"
    code = ("import sys\nw = sys.stdout.buffer.write\n"
            "for i in range(300_000): w(b'\\r\\x1b[32m%3d%%|' % (i % 100) + b'#' * 80 + b'\\x1b[0m| \\xff')\n"
            "w(b'\\rdone')\n")
    with f.open("wb") as out:
        subprocess.run([sys.executable, "-c", code], stdout=out, check=True, timeout=60)
    assert f.stat().st_size > 25_000_000
    tracemalloc.start()
    try:
        text = read_log(f, cap=64 * 1024)
        last = tail_lines(f, 5)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000
    head, _, tail = text.partition("\n[… ")
    assert re.fullmatch(r" *\d+%\|#*", head)  # the last state of the bar within the head, cut by the cap
    assert tail.endswith("…]\ndone") and "\x1b" not in text and "\r" not in text
    assert last == ["done"]


def test_tail_lines(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    f.write_text("".join(f"{i}\r{i} done\n" for i in range(10_000)))
    assert tail_lines(f, 3, max_bytes=100) == ["9997 done", "9998 done", "9999 done"]
    assert tail_lines(f, 0) == [] and tail_lines(tmp_path / "missing", 3) == []


@pytest.mark.slow
def test_one_gigabyte_without_a_newline_is_read_in_bounded_memory(tmp_path: Path) -> None:
    """The issue's figure: 1 GiB of stdout with no newline, then one protocol line. The metric
    reader skips the giant line (counted as garbage) and still finds the metric; the log display
    keeps head and tail; the reading process never holds more than a few MB of it."""
    f = tmp_path / "stdout.log"
    with f.open("wb") as out:
        out.truncate(1 << 30)  # sparse: a gigabyte of NUL bytes, no newline, no disk cost
        out.seek(1 << 30)
        out.write(b'\n@tuitune {"step": 7, "val_loss": 0.25}\n')
    # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the pytest process it forked from
    code = ("import json, sys\n"
            "from tuitune.runner.channels import Cursor, ProtocolChannel\n"
            "from tuitune.runner.output import read_log, tail_lines\n"
            "path, cursor, rows, garbage = sys.argv[1], Cursor(), [], 0\n"
            "while True:\n"
            "    batch = ProtocolChannel().read(path, cursor)\n"
            "    rows += [(r.step, r.name, r.value) for r in batch.rows]\n"
            "    garbage += batch.garbage\n"
            "    if batch.cursor == cursor: break\n"
            "    cursor = batch.cursor\n"
            "text = read_log(path, cap=64 * 1024)\n"
            "hwm = next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]\n"
            "print(json.dumps({'rows': rows, 'garbage': garbage, 'offset': cursor.offset, 'log': len(text),\n"
            "                  'tail': tail_lines(path, 1), 'rss_mb': int(hwm) / 1024}))\n")
    result = subprocess.run([sys.executable, "-c", code, str(f)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["rows"] == [[7, "val_loss", 0.25]] and seen["garbage"] == 1
    assert seen["offset"] == f.stat().st_size
    assert seen["log"] <= 70 * 1024 and seen["tail"] == ['@tuitune {"step": 7, "val_loss": 0.25}']
    assert seen["rss_mb"] < 64, f"peak RSS {seen['rss_mb']:.0f} MB"
