"""Metric channels: incremental, exactly-once reads of growing, torn, garbled and rewritten files."""

from __future__ import annotations

import math
import random
import tracemalloc
from pathlib import Path

import pytest

from tuitune.domain.errors import InvalidConfig
from tuitune.runner.channels import (
    MAX_LINE,
    Channel,
    CsvChannel,
    Cursor,
    ProtocolChannel,
    RegexChannel,
    ReportChannel,
    Row,
    channels_for,
)

NOW = 1000.0


def triples(rows: list[Row]) -> list[tuple[int, str, float]]:
    return [(r.step, r.name, r.value) for r in rows]


def read_all(channel: Channel, path: Path, cursor: Cursor | None = None, **kw) -> tuple[list[Row], Cursor, int]:
    """Read until nothing is left, as the runner does, round-tripping the cursor through JSON."""
    rows, garbage = [], 0
    cursor = cursor or Cursor()
    while True:
        batch = channel.read(path, cursor, now=NOW, **kw)
        rows += batch.rows
        garbage += batch.garbage
        if batch.cursor == cursor:
            return rows, cursor, garbage
        cursor = Cursor.from_json(batch.cursor.to_json())


def test_report_lines_torn_last_line_waits(tmp_path: Path) -> None:
    f = tmp_path / "metrics.jsonl"
    f.write_bytes(b'{"step": 0, "_time": 5.5, "loss": 1.5, "acc": 2}\n{"step": 1, "loss": NaN, "x": Infin')
    batch = ReportChannel().read(f, Cursor(), now=NOW)
    assert batch.rows == [Row(0, "loss", 1.5, 5.5), Row(0, "acc", 2.0, 5.5)]
    assert batch.offset == f.read_bytes().index(b"\n") + 1 and batch.garbage == 0
    with f.open("ab") as out:
        out.write(b'ity, "y": -Infinity, "z": "nan", "note": "text", "n": null}\n')
    more = ReportChannel().read(f, batch.cursor, now=NOW)
    got = {r.name: r.value for r in more.rows}
    assert math.isnan(got["loss"]) and got["x"] == math.inf and got["y"] == -math.inf and math.isnan(got["z"])
    assert set(got) == {"loss", "x", "y", "z"} and more.offset == f.stat().st_size
    assert ReportChannel().read(f, more.cursor).rows == []


def test_garbage_is_counted_and_skipped(tmp_path: Path) -> None:
    f = tmp_path / "metrics.jsonl"
    f.write_bytes(b'not json\n[1, 2]\n{"step": 1, "loss": 0.5}\n\xff\xfe{"bad utf8": 1}\n\n{"loss": 0.25}\n')
    rows, _, garbage = read_all(ReportChannel(), f)
    assert triples(rows) == [(1, "loss", 0.5), (2, "loss", 0.25)]  # no step: one after the last
    assert garbage == 4


def test_nested_too_deep_and_odd_values_are_garbage_or_skipped_not_fatal(tmp_path: Path) -> None:
    f = tmp_path / "metrics.jsonl"
    f.write_bytes(b"[" * 200_000 + b"\n"  # deeper than the JSON scanner recurses: garbage, not a crash
                  + b'{"step": true, "a": true, "b": 12345678901234567890, "c": "1e3", "_time": "x"}\n'
                  + b'  {"step": "4", "_time": 7, "a": 1}  \n'
                  + b'{"step": 1e300, "a": 2, "huge": 1' + b"0" * 400 + b'}\n'  # beyond int64 and float: not kept
                  + b'{"step": 99999999999999999999, "a": 3}\n')
    rows, _, garbage = read_all(ReportChannel(), f)
    assert garbage == 1
    assert rows == [(0, "b", 12345678901234567890.0, NOW), (0, "c", 1000.0, NOW), (4, "a", 1.0, 7.0),
                    (5, "a", 2.0, NOW), (6, "a", 3.0, NOW)]
    assert all(type(r.value) is float and type(r.wall_time) is float for r in rows)


def test_a_batch_holds_plain_points_and_names_them_on_request(tmp_path: Path) -> None:
    """The runner binds ``points`` to SQLite as they are (exact tuples bind fastest); ``rows``
    gives the same measurements with named fields."""
    f = tmp_path / "stdout.log"
    f.write_bytes(b'@tuitune {"step": 3, "loss": 0.5}\nstep 4 loss=0.25\n')
    for channel in (ProtocolChannel(), RegexChannel([r"step (?P<step>\d+) loss=(?P<loss>\S+)"])):
        batch = channel.read(f, now=NOW)
        assert batch.points and all(type(p) is tuple for p in batch.points)
        assert [(r.step, r.name, r.value, r.wall_time) for r in batch.rows] == batch.points


def test_a_missing_file_has_no_rows(tmp_path: Path) -> None:
    batch = ReportChannel().read(tmp_path / "nope.jsonl")
    assert (batch.rows, batch.offset, batch.garbage) == ([], 0, 0)


def test_over_long_lines_are_skipped_without_being_held(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    f.write_bytes(b'@tuitune {"step": 1, "a": 1}\n' + b"x" * (3 * MAX_LINE))
    batch = ProtocolChannel().read(f)
    assert triples(batch.rows) == [(1, "a", 1.0)] and batch.garbage == 1
    assert batch.cursor.skipping and batch.offset == f.stat().st_size
    with f.open("ab") as out:
        out.write(b"x" * 100 + b'\n@tuitune {"step": 2, "a": 2}\n')
    rows, cursor, garbage = read_all(ProtocolChannel(), f, batch.cursor)
    assert triples(rows) == [(2, "a", 2.0)] and garbage == 0 and not cursor.skipping


@pytest.mark.slow
def test_memory_stays_bounded_on_a_huge_line(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    with f.open("wb") as out:
        for _ in range(40):
            out.write(b"\r 42%|#####     | 420/1000" * 40_000)  # ~40 MB, not one newline
    tracemalloc.start()
    try:
        rows, cursor, garbage = read_all(ProtocolChannel(), f)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [] and garbage == 1 and cursor.offset == f.stat().st_size
    assert peak < 8 * MAX_LINE


def test_reads_stop_at_max_rows_and_resume_exactly(tmp_path: Path) -> None:
    f = tmp_path / "metrics.jsonl"
    f.write_text("".join(f'{{"step": {i}, "loss": {i}}}\n' for i in range(250)))
    first = ReportChannel().read(f, max_rows=100)
    assert len(first.rows) == 100
    rows, _, _ = read_all(ReportChannel(), f, first.cursor, max_rows=100)
    assert [r.step for r in first.rows + rows] == list(range(250))


def test_any_split_of_the_writes_gives_the_same_rows(tmp_path: Path) -> None:
    """Exactly once: reading while the file grows in arbitrary pieces equals reading it at the end."""
    lines = [f'@tuitune {{"step": {i}, "loss": {i / 7!r}, "acc": NaN}}\n' if i % 3 else f"plain line {i}\r50%\n"
             for i in range(300)] + ["@tuitune {garbage\n"]
    data = "".join(lines).encode()
    rnd = random.Random(4)
    for _ in range(5):
        f = tmp_path / f"stdout{rnd.random()}.log"
        f.write_bytes(b"")
        cursor, rows, garbage, pos = Cursor(), [], 0, 0
        while pos < len(data):
            step = rnd.randint(1, 200)
            with f.open("ab") as out:
                out.write(data[pos:pos + step])
            pos += step
            got, cursor, g = read_all(ProtocolChannel(), f, cursor)
            rows += got
            garbage += g
        whole, _, whole_garbage = read_all(ProtocolChannel(), f)
        assert repr(triples(rows)) == repr(triples(whole)) and garbage == whole_garbage == 1
        assert len(whole) == 2 * 200


def test_protocol_lines_after_a_progress_bar(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    f.write_bytes(b"epoch 1\r\n 10%|#\r 100%|##\r@tuitune {\"step\": 5, \"val\": 0.5}\r\n"
                  b"say @tuitune {\"step\": 6, \"val\": 9}\n@tuitune {\"val\": 0.25}\n")
    rows, _, garbage = read_all(ProtocolChannel(), f)
    assert triples(rows) == [(5, "val", 0.5), (6, "val", 0.25)] and garbage == 0
    assert all(r.wall_time == NOW for r in rows)


def test_regex_channel(tmp_path: Path) -> None:
    f = tmp_path / "stdout.log"
    f.write_text("step 10 loss=0.5 lr=0.1\nhello\nloss=nan\nstep 12 loss=oops\nval_acc: 0.75\nstep 13 loss=inf\n")
    channel = RegexChannel([r"step (?P<step>\d+) loss=(?P<train_loss>\S+)", r"^loss=(?P<train_loss>\S+)",
                            r"val_acc: (?P<val_acc>[\d.]+)"])
    rows, _, garbage = read_all(channel, f)
    assert repr(triples(rows)) == repr([(10, "train_loss", 0.5), (11, "train_loss", math.nan), (12, "val_acc", 0.75),
                                        (13, "train_loss", math.inf)])
    assert garbage == 1


def test_regex_errors_name_the_pattern() -> None:
    with pytest.raises(InvalidConfig) as err:
        RegexChannel([r"loss=(?P<loss>\S+", r"step (?P<step>\d+)"])
    assert [p.field for p in err.value.problems] == ["metrics.regex[0]", "metrics.regex[1]"]
    assert "has no named group for a metric" in str(err.value)


def test_keras_csv(tmp_path: Path) -> None:
    f = tmp_path / "log.csv"
    f.write_text("epoch,loss,val_loss\r\n0,0.9,1.0\r\n1,nan,\r\n2,0.5,0.6\r\n3,0.4")
    rows, cursor, garbage = read_all(CsvChannel(), f)
    assert repr(triples(rows)) == repr([(0, "loss", 0.9), (0, "val_loss", 1.0), (1, "loss", math.nan),
                                        (2, "loss", 0.5), (2, "val_loss", 0.6)])
    assert garbage == 0 and cursor.header == ["epoch", "loss", "val_loss"]
    f.write_text("epoch,loss,val_loss\n0,0.8,0.9\n")  # a new fit without append: the file starts over
    rows, _, _ = read_all(CsvChannel(), f, cursor)
    assert triples(rows) == [(0, "loss", 0.8), (0, "val_loss", 0.9)]


def test_lightning_csv_rewritten_with_a_wider_header(tmp_path: Path) -> None:
    f = tmp_path / "metrics.csv"
    f.write_text("epoch,step,train_loss\n0,49,0.9\n0,99,0.8\n")
    first, cursor, _ = read_all(CsvChannel(), f)
    assert triples(first) == [(49, "epoch", 0.0), (49, "train_loss", 0.9), (99, "epoch", 0.0), (99, "train_loss", 0.8)]
    f.write_text("epoch,step,train_loss,val_loss\n0,49,0.9,\n0,99,0.8,\n0,99,,0.7\n1,149,0.6,\n1,150,bad,1,1\n")
    rows, cursor, garbage = read_all(CsvChannel(), f, cursor)
    assert triples(rows) == [(99, "epoch", 0.0), (99, "val_loss", 0.7), (149, "epoch", 1.0), (149, "train_loss", 0.6)]
    assert garbage == 1 and cursor.rows == 5 and cursor.skip == 0


def test_lightning_rewrite_seen_half_written(tmp_path: Path) -> None:
    f = tmp_path / "metrics.csv"
    f.write_text("step,a\n1,1\n2,2\n3,3\n")
    _, cursor, _ = read_all(CsvChannel(), f)
    f.write_text("step,a,b\n1,1,\n")  # the rewrite is not atomic: the reader may see its first part
    rows, cursor, _ = read_all(CsvChannel(), f, cursor)
    assert rows == [] and cursor.skip == 2
    f.write_text("step,a,b\n1,1,\n2,2,\n3,3,\n4,4,5\n")
    rows, _, _ = read_all(CsvChannel(), f, cursor)
    assert triples(rows) == [(4, "a", 4.0), (4, "b", 5.0)]


def test_channels_for_a_trial(tmp_path: Path) -> None:
    got = channels_for(True, [r"loss=(?P<loss>\S+)"], "logs/metrics.csv", tmp_path / "t", cwd=tmp_path)
    assert {k: (p.name, type(c).__name__) for k, (p, c) in got.items()} == {
        "report": ("metrics.jsonl", "ReportChannel"), "protocol": ("stdout.log", "ProtocolChannel"),
        "regex": ("stdout.log", "RegexChannel"), "csv": ("metrics.csv", "CsvChannel")}
    assert got["csv"][0] == tmp_path / "logs" / "metrics.csv"
    assert list(channels_for(False, [], None, tmp_path, tmp_path)) == ["report"]


def test_junk_that_overflows_or_cannot_be_stored_is_garbage(tmp_path: Path) -> None:
    """Lines that once raised (OverflowError, UnicodeEncodeError) and killed the runner."""
    f = tmp_path / "metrics.jsonl"
    f.write_bytes(b'{"_time": ' + b"9" * 400 + b', "val_loss": 2}\n'
                  b'{"_time": Infinity, "val_loss": 3}\n'
                  b'{"step": 9223372036854775807, "val_loss": 4}\n'
                  b'{"val_loss": 5}\n'
                  b'{"step": 1, "\\ud800": 1, "ok": 6}\n')
    rows, cursor, garbage = read_all(ReportChannel(), f)
    assert rows == [Row(0, "val_loss", 2.0, NOW), Row(1, "val_loss", 3.0, NOW),
                    Row(2**63 - 1, "val_loss", 4.0, NOW), Row(1, "ok", 6.0, NOW)]
    assert garbage == 2, "the step past the 64-bit maximum, the name that is not UTF-8"
    assert cursor.next_step == 2 and cursor.offset == f.stat().st_size


def test_csv_with_a_bare_carriage_return_or_a_huge_cell_is_garbage(tmp_path: Path) -> None:
    f = tmp_path / "metrics.csv"
    f.write_bytes(b"step,loss\n0,1.0\n1,2\r.0\n2," + b"1" * (200 << 10) + b"\n3,4.0\n")
    rows, cursor, garbage = read_all(CsvChannel(), f)
    assert triples(rows) == [(0, "loss", 1.0), (3, "loss", 4.0)] and garbage == 2
    assert cursor.offset == f.stat().st_size
