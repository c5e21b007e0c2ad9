"""The line locator: where each key path of a TOML text was written."""

from __future__ import annotations

import tomllib

import pytest

from tuitune.config.toml import Locator, format_path, syntax_problem

TEXT = '''\
name = "x"  # a comment with key = value
notes = """
fake = 1
[fake.table]
"""
[params.lr]
low = 0
when = { optimizer = ["a",
  "b"], x.y = 1 }
[params."odd.id"]
high = 2
[metrics]
regex = [
  'a(?P<m>x)',  # first
  "b",
]
[[configs]]
lr = 1
[[configs]]
lr = 2
other.params.lr = 3
'''


@pytest.mark.parametrize("path, line", [
    (("name",), 1), (("notes",), 2), (("fake",), None), (("params",), 6), (("params", "lr"), 6),
    (("params", "lr", "low"), 7), (("params", "lr", "when"), 8), (("params", "lr", "when", "optimizer", 1), 9),
    (("params", "lr", "when", "x", "y"), 9), (("params", "odd.id", "high"), 11), (("metrics", "regex", 0), 14),
    (("metrics", "regex", 1), 15), (("configs", 0, "lr"), 18), (("configs", 1), 19), (("configs", 1, "lr"), 20),
    (("configs", 1, "other", "params", "lr"), 21),
    # missing keys fall back to the nearest enclosing table
    (("params", "lr", "high"), 6), (("configs", 1, "momentum"), 19), (("nothing", "here"), None),
])
def test_lines(path: tuple, line: int | None) -> None:
    tomllib.loads(TEXT)  # the locator only ever sees valid TOML
    assert Locator(TEXT).line(path) == line


def test_never_raises_on_garbage() -> None:
    assert Locator("[[[\n= = {\n'''").line(("a",)) is None


def test_format_path() -> None:
    assert format_path(("params", "odd.id", "when")) == 'params."odd.id".when'
    assert format_path(("configs", 0, "lr")) == "configs[0].lr"


def test_syntax_problem_takes_the_line_from_tomllib() -> None:
    text = "a = 1\nb = nope\n"
    with pytest.raises(tomllib.TOMLDecodeError) as raised:
        tomllib.loads(text)
    problem = syntax_problem(str(raised.value), "f.toml", text)
    assert (problem.file, problem.line) == ("f.toml", 2)
    assert "b = nope" in problem.message and problem.fix
