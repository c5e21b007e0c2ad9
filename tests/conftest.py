"""Shared fixtures: a project folder made by ``tuitune init`` and a way to run the CLI in-process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised project folder, made the current directory."""
    from tuitune.cli import main

    folder = tmp_path / "proj"
    assert main(["init", str(folder)]) == 0
    monkeypatch.chdir(folder)
    return folder


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("TUITUNE_METRICS_FILE", raising=False)
    os.environ.pop("TUITUNE_TRIAL_ID", None)
