"""End to end on the real runner: the demo's whole round headless, and the regex-only sample.

These are the product's own acceptance: real training scripts as subprocesses under the runner
daemon, their metrics read from files into the store, the checklist computed from the store,
seed repeats run, and a decision recorded. They take tens of seconds, not minutes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tuitune import config
from tuitune.domain import TrialState, Verdict
from tuitune.store import Store

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def tuitune(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tuitune", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture
def stop_runners():
    """Folders whose runner daemon must be stopped when the test ends, whatever happened."""
    folders: list[Path] = []
    yield folders
    for folder in folders:
        if (folder / "tuitune.toml").exists():
            tuitune("runner", "stop", cwd=folder, timeout=60)


def test_demo_headless_runs_the_whole_round(tmp_path: Path, stop_runners: list[Path]) -> None:
    folder = tmp_path / "demo"
    stop_runners.append(folder)
    result = tuitune("demo", str(folder), "--headless", "--repeats", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    assert "Is the search space large enough?" in out and "isolation (weight_decay" in out
    assert "decision: " in out
    assert "no runner was running" in tuitune("runner", "stop", cwd=folder).stdout, "the demo stopped its runner"

    project = config.load_project(folder)
    with Store.open(config.project_store_path(project), readonly=True) as store:
        trials = store.trials()
        (round_,) = store.rounds()
        (decision,) = store.decisions(round_.id)
        studies = store.studies(round_.id)
        curves = store.curves(round_id=round_.id, names=["val_loss"])
    assert all(t.state.terminal for t in trials), [t.state for t in trials]
    infeasible = [t for t in trials if t.state is TrialState.INFEASIBLE]
    assert infeasible and all(t.reason for t in infeasible), "high learning rates must diverge"
    assert sum(t.state is TrialState.COMPLETED for t in trials) >= 20
    seed_studies = [s for s in studies if "decide" in s.extra]
    assert len(seed_studies) == 2
    for s in seed_studies:
        runs = [t for t in trials if t.study_id == s.id]
        assert len(runs) == 3 and len({t.seed for t in runs}) == 3
        assert all(t.state is TrialState.COMPLETED for t in runs)
    assert decision.verdict in (Verdict.ADOPT, Verdict.REJECT) and decision.rationale
    assert decision.evidence["verdict"] in ("better", "not distinguishable", "worse")
    completed = [t for t in trials if t.state is TrialState.COMPLETED]
    assert all(curves[t.id]["val_loss"] for t in completed), "every completed trial reported its curve"

    review = tuitune("review", "--json", cwd=folder)
    assert review.returncode == 0, review.stderr
    (judged,) = json.loads(review.stdout)
    assert {c["check"] for c in judged["checks"]} >= {"boundaries", "sampled_enough", "infeasible"}
    assert all(c["evidence"] for c in judged["checks"] if c["status"] != "n/a")


def test_regex_only_sample_is_tuned_from_its_log_lines(tmp_path: Path, stop_runners: list[Path]) -> None:
    folder = tmp_path / "regex"
    shutil.copytree(ROOT / "tuitune" / "samples" / "regex_only", folder,
                    ignore=shutil.ignore_patterns(".tuitune", "__pycache__"))
    stop_runners.append(folder)
    text = (folder / "tuitune.toml").read_text().replace('command = "python ', f'command = "{sys.executable} ', 1)
    (folder / "tuitune.toml").write_text(text)
    assert tuitune("validate", cwd=folder).returncode == 0
    assert tuitune("round", "new", "does l2 help?", cwd=folder).returncode == 0
    assert tuitune("study", "add", "studies/l2.toml", cwd=folder).returncode == 0
    result = tuitune("run", "--wait", cwd=folder)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    project = config.load_project(folder)
    with Store.open(config.project_store_path(project), readonly=True) as store:
        trials = store.trials()
        curves = store.curves(names=["train_loss", "val_loss", "val_r2"])
    assert len(trials) == 16 and all(t.state.terminal for t in trials)
    completed = [t for t in trials if t.state is TrialState.COMPLETED]
    assert completed
    epochs = project.baseline["epochs"]
    for t in completed:
        lines = (config.project_store_path(project).parent / "runs" / str(t.study_id) / str(t.id) / "stdout.log")
        printed = sum(line.startswith("epoch ") for line in lines.read_text().splitlines())
        for metric in ("train_loss", "val_loss", "val_r2"):
            assert len(curves[t.id][metric]) == printed == epochs, (t.id, metric)
    assert any(t.objective is not None for t in completed)
