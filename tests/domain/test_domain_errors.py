"""Problems print as ``file:line: field: message (fix: ...)`` and can be re-attributed to a file."""

from __future__ import annotations

import pytest

from tuitune.domain import InvalidConfig, Problem


@pytest.mark.parametrize("problem, text", [
    (Problem("low", "found 0", "use 1", "s.toml", 7), "s.toml:7: low: found 0 (fix: use 1)"),
    (Problem("low", "found 0", "use 1", "s.toml"), "s.toml: low: found 0 (fix: use 1)"),
    (Problem("low", "found 0"), "low: found 0"),
    (Problem("", "no such file", "check the path", "x.toml"), "x.toml: no such file (fix: check the path)"),
])
def test_str(problem: Problem, text: str) -> None:
    assert str(problem) == text


def test_located_prefixes_the_field_and_keeps_a_known_line() -> None:
    p = Problem("low", "m", "f")
    assert p.located("s.toml", 3, "params.lr") == Problem("params.lr.low", "m", "f", "s.toml", 3)
    assert Problem("", "m").located("s.toml", None, "params.lr").field == "params.lr"
    assert Problem("x", "m", line=9).located("s.toml").line == 9


def test_invalid_config_holds_every_problem() -> None:
    error = InvalidConfig([Problem("a", "1"), Problem("b", "2")])
    assert str(error) == "a: 1\nb: 2"
    located = error.located("f.toml", 1, "p")
    assert [str(p) for p in located.problems] == ["f.toml:1: p.a: 1", "f.toml:1: p.b: 2"]
    with pytest.raises(ValueError):
        InvalidConfig([])
