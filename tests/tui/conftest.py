"""TUI fixtures: a seeded project, a fake runner, and the App built on them with a frozen clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuitune import config
from tuitune.tui.app import TuituneApp
from tuitune.tui.backend import Backend

from .seed import FROZEN, FakeRunner, seed_project


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A project folder with a store holding two rounds (see ``seed.py``)."""
    return seed_project(tmp_path / "mlp")


@pytest.fixture
def make_app():
    """``make_app(folder, start=None)``: the App on ``folder`` with a fake runner and a frozen clock."""
    def make(folder: Path, start: str | None = None, runner: FakeRunner | None = None) -> TuituneApp:
        project = config.load_project(folder)
        backend = Backend(project, folder / "tuitune.toml", config.project_store_path(project),
                          runner or FakeRunner(), clock=lambda: FROZEN, refresh_s=0.1)
        return TuituneApp(backend, start=start)
    return make
