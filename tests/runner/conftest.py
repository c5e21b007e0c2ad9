"""Helpers for the runner's tests: they run real processes, so they poll with deadlines, and
the daemon's tests get a :class:`Lab`: a project, a study of a fake trainer, and its runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from runner_lab import Lab, wait_until

@pytest.fixture
def wait_for() -> Callable[..., object]:
    """``wait_for(predicate, timeout=10, what=...)``: poll until the predicate is truthy; return it."""
    return wait_until


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``lab(**options)`` makes a :class:`Lab`; every lab's processes are killed afterwards."""
    made: list[Lab] = []

    def make(**options: object) -> Lab:
        made.append(Lab(tmp_path / f"lab{len(made)}", monkeypatch, **options))
        return made[-1]

    yield make
    for one in made:
        one.cleanup()
