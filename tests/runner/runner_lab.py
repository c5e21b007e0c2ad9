"""The runner tests' laboratory: a project folder with a study of the fake trainer, its runner,
and the checks every crash test makes (rows equal lines, no GPU shared)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil
import pytest

from tuitune.domain import Trial, TrialState
from tuitune.runner import procs
from tuitune.runner.channels import ProtocolChannel, ReportChannel
from tuitune.runner.control import ensure_runner
from tuitune.runner.lock import RunnerInfo, RunnerPaths, running
from tuitune.store import Store

T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.01)


TRAINER = Path(__file__).with_name("trainer.py")

PROJECT = """\
[project]
name = "lab"
command = "{python} {trainer} {trainer_args} {{args}}"

[objective]
metric = "val_loss"

[metrics]
stdout_protocol = true

[divergence]
metrics = ["train_loss"]
above = 1e3
stop = {stop}

[resources]
parallel = {parallel}
gpus_per_trial = {gpus_per_trial}
max_retries = {max_retries}
{timeout}
{stop_grace}
"""

STUDY = """\
name = "s"
algorithm = "quasi_random"
trials = {trials}

[params.lr]
role = "nuisance"
low = 1e-4
high = 1.0
scale = "log"
"""


class Lab:
    """A project folder holding one study (``s``) of the fake trainer, and its runner.

    The runner is started with a short grace period and a fast poll; the GPU pool is faked
    through the runner's ``CUDA_VISIBLE_DEVICES``. :meth:`cleanup` kills every process the lab
    started (the runner, shims, trials and their escaped children), found by path and marker.
    """

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, *, trainer_args: str = "", trials: int = 2,
                 parallel: int = 2, gpus: str | None = "0,1", gpus_per_trial: int = 1, max_retries: int = 0,
                 timeout: float | None = None, stop: bool = True, stop_grace: float | None = None):
        from tuitune.cli import main

        self.folder = folder
        folder.mkdir(parents=True)
        (folder / "tuitune.toml").write_text(PROJECT.format(
            python=sys.executable, trainer=TRAINER, trainer_args=trainer_args, parallel=parallel,
            gpus_per_trial=gpus_per_trial if gpus is not None else 0, max_retries=max_retries,
            stop="true" if stop else "false", timeout="" if timeout is None else f"timeout = {timeout}",
            stop_grace="" if stop_grace is None else f"stop_grace = {stop_grace}"))
        (folder / "study.toml").write_text(STUDY.format(trials=trials))
        if gpus is None:
            monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
        else:
            monkeypatch.setenv("CUDA_VISIBLE_DEVICES", gpus)
        assert main(["-C", str(folder), "round", "new", "lab"]) == 0
        assert main(["-C", str(folder), "study", "add", str(folder / "study.toml")]) == 0
        self.store_path = folder / ".tuitune" / "store.db"
        self.paths = RunnerPaths.for_store(self.store_path)

    def cli(self, *argv: str) -> int:
        from tuitune.cli import main

        return main(["-C", str(self.folder), *argv])

    def start(self, grace: float | None = 1.0) -> RunnerInfo:
        """Start the runner; ``grace=None`` leaves it to the project's ``stop_grace``."""
        info, _ = ensure_runner(self.folder, self.paths, grace=grace, poll=0.05)
        return info

    def kill_runner(self) -> None:
        info = running(self.paths)
        if info is not None:
            procs.send(info.pid, info.started, signal.SIGKILL)
            wait_until(lambda: not procs.alive(info.pid, info.started), what="the runner to die")

    def queue(self) -> list[Trial]:
        """Queue the study's trials (``tuitune run``, which also starts a runner if none runs)."""
        assert self.cli("run", "s") == 0
        with self.store() as store:
            return store.trials()

    def queue_only(self) -> list[Trial]:
        """Queue the study's trials without starting a runner."""
        from tuitune import search

        with self.writer() as store:
            study = store.studies()[0]
            return store.add_trials(search.trials_for(study, study.id))

    def store(self) -> Store:
        return Store.open(self.store_path, readonly=True)

    def writer(self) -> Store:
        """A writable store, for setting up what a crashed runner would have left."""
        return Store.open(self.store_path)

    def trials(self) -> list[Trial]:
        with self.store() as store:
            return store.trials()

    def wait_done(self, timeout: float = 30.0) -> list[Trial]:
        return wait_until(lambda: (ts := self.trials()) and all(t.state.terminal for t in ts) and ts,
                         timeout, "every trial to end")

    def wait_state(self, trial_id: int, *states: TrialState, timeout: float = 20.0) -> Trial:
        return wait_until(lambda: (t := self._trial(trial_id)).state in states and t, timeout,
                         f"trial {trial_id} to be {'/'.join(states)}")

    def _trial(self, trial_id: int) -> Trial:
        with self.store() as store:
            return store.get_trial(trial_id)

    def trial_dir(self, trial: Trial) -> Path:
        return self.paths.trial_dir(trial.study_id, trial.id)

    def cleanup(self) -> None:
        mine = str(self.folder)
        for p in psutil.process_iter():
            try:
                if p.pid == os.getpid():
                    continue
                if any(mine in part for part in p.cmdline()) or p.environ().get("TUITUNE_TRIAL_DIR", "").startswith(mine):
                    p.kill()
            except psutil.Error:
                continue


def file_rows(trial_dir: Path) -> set[tuple[str, int, float]]:
    """Every measurement in a trial's files, read from scratch: what the store must hold."""
    rows = ReportChannel().read(trial_dir / "metrics.jsonl", max_rows=10**9).rows
    rows += ProtocolChannel().read(trial_dir / "stdout.log", max_rows=10**9).rows
    return {(r.name, r.step, r.value) for r in rows}


def store_rows(store: Store, trial_id: int) -> set[tuple[str, int, float]]:
    return {(name, step, value) for name, curve in store.curves(trial_ids=[trial_id]).get(trial_id, {}).items()
            for step, value, _ in curve}


def assert_no_gpu_shared(lb: Lab, trials: list[Trial]) -> None:
    """From what each trial itself saw: no two trials held one GPU at overlapping times."""
    lives = []
    for t in trials:
        life = json.loads((lb.trial_dir(t) / "life.json").read_text())
        lives.append((life["gpus"], life["start"], life.get("end", float("inf")), t.id))
    for gpu, start, end, tid in lives:
        assert gpu in ("0", "1"), f"trial {tid} saw CUDA_VISIBLE_DEVICES={gpu!r}"
        for other_gpu, other_start, other_end, other in lives:
            if other != tid and other_gpu == gpu:
                assert end <= other_start or other_end <= start, f"trials {tid} and {other} shared GPU {gpu}"


def wait_ready(lb: Lab, trial: Trial) -> None:
    """Until the trainer has set up (its SIGTERM handler included)."""
    out = lb.trial_dir(trial) / "stdout.log"

    def ready() -> bool:  # "ready" is the first line: read the head only, the rest may be a flood
        with out.open("rb") as f:
            return b"ready" in f.read(4096)

    wait_until(lambda: out.exists() and ready(), what="the trainer to be ready")
