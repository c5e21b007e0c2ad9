"""``tuitune review`` and ``tuitune compare`` on a store filled as the runner would fill it."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tuitune import config, search
from tuitune.cli import main
from tuitune.domain import TrialState as S
from tuitune.store import Store

STUDY = """\
name = "wd"
trials = 24
repeats = {repeats}

[params.weight_decay]
role = "scientific"
values = [0.0, 0.001]

[params.learning_rate]
low = 1e-4
high = 1.0
scale = "log"
"""


def finish(store: Store, trial_id: int, losses: list[float], state: S = S.COMPLETED) -> None:
    """Run one trial through its lifecycle with ``losses`` as its val_loss and train_loss curves."""
    store.transition(trial_id, S.STARTING)
    store.transition(trial_id, S.RUNNING, pid=1, pid_started=1.0)
    store.add_measurements([(trial_id, step, name, v, 1000.0 + step) for step, v in enumerate(losses)
                            for name in ("val_loss", "train_loss")])
    store.transition(trial_id, state, exit_code=0 if state is S.COMPLETED else None)


@pytest.fixture
def filled(project_dir: Path) -> Path:
    """A round with one study of 24 trials: weight decay helps a little; lr above 0.3 diverges."""
    (project_dir / "wd.toml").write_text(STUDY.format(repeats=1))
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 0
    project = config.load_project(project_dir)
    rng = np.random.default_rng(0)
    with Store.open(config.project_store_path(project)) as store:
        (study,) = store.studies()
        for trial in store.add_trials(search.trials_for(study, study.id)):
            lr, wd = trial.params["learning_rate"], trial.params["weight_decay"]
            if lr > 0.3:
                finish(store, trial.id, [1.0, math.nan], S.INFEASIBLE)
                continue
            floor = 0.3 + 0.1 * abs(math.log10(lr) + 2) - 20 * wd
            finish(store, trial.id, list(floor + np.exp(-np.arange(20) / 4) + rng.normal(0, 0.002, 20)))
    return project_dir


def test_review_json_lists_every_check_with_evidence(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["review", "--json"]) == 0
    (result,) = json.loads(capsys.readouterr().out)
    assert result["study"] == "wd"
    checks = {c["check"]: c for c in result["checks"]}
    assert len(checks) == 7
    for c in checks.values():
        assert set(c) >= {"check", "status", "verdict", "evidence", "action"}
        assert c["status"] in {"pass", "warn", "fail", "n/a"}
    infeasible = checks["infeasible"]
    assert infeasible["status"] != "pass"
    (iso,) = result["isolation"]
    assert iso["param"] == "weight_decay"
    assert iso["best"] == "weight_decay=0.001"


def test_review_text_and_a_redefined_objective(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["review", "wd", "--aggregate", "final", "--metric", "train_loss"]) == 0
    out = capsys.readouterr().out
    assert "objective train_loss, minimize, final over training" in out
    assert "isolation (weight_decay" in out


def test_review_of_a_missing_study_names_the_known_ones(filled: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "nope"]) == 1
    assert "1:wd" in capsys.readouterr().err


def test_compare_two_trials_seed_repeats(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY.format(repeats=5).replace("trials = 24", "trials = 2"))
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 0
    project = config.load_project(project_dir)
    rng = np.random.default_rng(1)
    with Store.open(config.project_store_path(project)) as store:
        (study,) = store.studies()
        trials = store.add_trials(search.trials_for(study, study.id))
        for t in trials:
            level = 0.5 if t.params["weight_decay"] == 0.001 else 0.7
            finish(store, t.id, [1.0, level + rng.normal(0, 0.01)])
    candidate = next(t for t in trials if t.params["weight_decay"] == 0.001)
    baseline = next(t for t in trials if t.params["weight_decay"] == 0.0)
    capsys.readouterr()
    assert main(["compare", f"t{candidate.id}", f"t{baseline.id}", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "better"
    assert result["candidate"]["n"] == result["baseline"]["n"] == 5
    assert result["improvement"] == pytest.approx(0.2, abs=0.03)
