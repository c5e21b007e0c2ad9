"""``tuitune.report()``: what a training script calls, tested in real training-like processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import tuitune
from tuitune.runner.channels import Cursor, ReportChannel


def _python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != "TUITUNE_METRICS_FILE"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30,
                          env={**full, **(env or {})})


def test_lines_are_read_back_by_the_runner(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.jsonl"
    code = ("import tuitune.client as t\n"
            "t.report(step=0, loss=0.5, acc=1)\n"
            "t.report(step=1, loss=float('nan'), big=float('inf'), low=float('-inf'))\n"
            "t.report(2, loss=0.25)\n")
    done = _python(code, {"TUITUNE_METRICS_FILE": str(metrics)})
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = metrics.read_bytes().splitlines()
    assert len(lines) == 3 and b"NaN" in lines[1] and b"-Infinity" in lines[1]
    rows = ReportChannel().read(metrics, Cursor()).rows
    got = {(r.step, r.name): r.value for r in rows}
    assert got[(0, "loss")] == 0.5 and got[(0, "acc")] == 1.0 and got[(2, "loss")] == 0.25
    assert got[(1, "loss")] != got[(1, "loss")] and got[(1, "big")] == float("inf") and got[(1, "low")] == float("-inf")
    assert all(r.wall_time > 1e9 for r in rows)


def test_outside_tuitune_it_is_a_no_op_with_one_notice(tmp_path: Path) -> None:
    done = _python("import tuitune.client as t\nfor i in range(3): t.report(step=i, loss=1.0)\n")
    assert done.returncode == 0
    assert done.stderr.count("not running under tuitune") == 1
    assert list(tmp_path.iterdir()) == []


def test_mistakes_show_at_the_call(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tuitune.client import report

    monkeypatch.setenv("TUITUNE_METRICS_FILE", str(tmp_path / "m.jsonl"))
    with pytest.raises(ValueError, match="metric 'loss' must be a number"):
        report(step=1, loss="high")
    with pytest.raises(ValueError, match="'_time' is reserved"):
        report(step=1, _time=3.0)
    with pytest.raises(TypeError):
        report(step=1.5, loss=1.0)
    assert not (tmp_path / "m.jsonl").exists()


def test_forked_writers_never_interleave(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.jsonl"
    code = ("import os, tuitune.client as t\n"
            "t.report(step=0, loss=1.0)\n"
            "kids = [os.fork() for _ in range(3)]\n"  # 8 processes sharing one descriptor
            "for i in range(300): t.report(step=i, **{f'm{j}': 1.0 * j for j in range(40)})\n"
            "for k in kids:\n"
            "    if k: os.waitpid(k, 0)\n")
    assert _python(code, {"TUITUNE_METRICS_FILE": str(metrics)}).returncode == 0
    lines = metrics.read_bytes().splitlines()
    assert len(lines) == 1 + 8 * 300
    assert all(len(json.loads(line)) in (3, 42) for line in lines)


def test_import_is_light() -> None:
    code = ("import sys, tuitune.client\n"
            "heavy = {'numpy', 'pandas', 'psutil', 'textual', 'tuitune.domain', 'tuitune.runner'}\n"
            "print(sorted(heavy & set(sys.modules)))\n")
    done = _python(code)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


@pytest.mark.skipif("__getattr__" not in vars(tuitune), reason="tuitune/__init__.py does not yet export report lazily")
def test_tuitune_report_is_the_client() -> None:
    done = _python("import sys, tuitune\nfrom tuitune import report\nassert report is tuitune.report\n"
                   "assert 'tuitune.client' in sys.modules and 'psutil' not in sys.modules\n")
    assert done.returncode == 0, done.stderr
