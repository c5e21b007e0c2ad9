"""A tuitune.toml broken by an edit while trials run: the user can still look and stop."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuitune import config
from tuitune.cli import main
from tuitune.domain import CommandKind, Hyperparameter, ParamType, Round, SearchSpace, Study, Trial
from tuitune.store import Store


@pytest.fixture
def broken(project_dir: Path) -> Path:
    """The initialised project with one queued trial, then ``parallel = 0`` in tuitune.toml."""
    with Store.open(config.project_store_path(config.load_project(project_dir))) as store:
        rnd = store.add_round(Round("does weight decay help?"))
        space = SearchSpace((Hyperparameter("lr", ParamType.FLOAT, low=0.1, high=1.0),))
        study = store.add_study(Study("wd", space), rnd.id)
        store.add_trials([Trial(study.id, 0, {"lr": 0.5})])
    toml = project_dir / "tuitune.toml"
    toml.write_text(toml.read_text().replace("parallel = 1", "parallel = 0"))
    assert "parallel = 0" in toml.read_text()
    return project_dir


def test_status_shows_the_trials_and_warns(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    out, err = capsys.readouterr()
    assert "study 1 wd: 0/1 ended" in out and "does weight decay help?" in out
    assert "resources.parallel" in err and "fix tuitune.toml before starting trials" in err


def test_the_runner_can_be_checked_and_stopped(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runner", "status"]) == 3
    assert main(["runner", "stop"]) == 0
    assert "no runner was running" in capsys.readouterr().out


def test_a_stop_is_recorded_for_the_next_runner_and_says_none_can_start(
        broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stop", "1"]) == 1
    assert "none can start until tuitune.toml is fixed" in capsys.readouterr().err
    with Store.open(broken / ".tuitune" / "store.db") as store:
        [command] = store.pending_commands()
        assert command.kind is CommandKind.STOP and command.payload["trial_ids"] == [1]


def test_a_file_that_does_not_parse_still_finds_the_default_store(broken: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (broken / "tuitune.toml").write_text('[project]\nname = "p1\n')
    assert main(["status"]) == 0
    out, err = capsys.readouterr()
    assert "study 1 wd" in out and "tuitune.toml:2" in err


def test_starting_trials_still_needs_a_valid_file(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["runner", "start"]) == 1
    assert "resources.parallel" in capsys.readouterr().err
