"""The project: how to run the user's training command and read its results.

Loaded from ``tuitune.toml`` by :mod:`tuitune.config`; pure data here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tuitune.domain.errors import Problem, raise_if_any
from tuitune.domain.objective import Objective
from tuitune.domain.space import Value

DEFAULT_STORE = ".tuitune/store.db"


@dataclass(frozen=True)
class MetricChannels:
    """Where metrics come from besides ``tuitune.report()`` (always read)."""

    stdout_protocol: bool = True
    """Read lines ``@tuitune {json}`` from stdout."""
    regex: tuple[str, ...] = ()
    """Regular expressions over stdout lines; named groups are metric names (``step`` is the step)."""
    csv: str | None = None
    """A CSV metrics file written by the script, relative to the trial's working directory."""


@dataclass(frozen=True)
class DivergenceRule:
    """When a trial counts as diverged (INFEASIBLE).

    NaN or inf in the objective metric, or in any of ``metrics``, always counts; so does a value
    of one of ``metrics`` above ``above`` (or below ``below``).
    """

    metrics: tuple[str, ...] = ()
    above: float | None = None
    below: float | None = None
    stop: bool = True
    """Stop the trial as soon as it diverges, freeing its slot."""


@dataclass(frozen=True)
class Project:
    """Everything tuitune needs to run and judge trials of one training script."""

    command: str
    """The command template, e.g. ``python train.py {args}``."""
    name: str = "project"
    workdir: str = "."
    store: str = DEFAULT_STORE
    objective: Objective = Objective("val_loss")
    train_metric: str = "train_loss"
    valid_metric: str = "val_loss"
    metrics: MetricChannels = MetricChannels()
    divergence: DivergenceRule = DivergenceRule()
    parallel: int = 1
    gpus_per_trial: int = 0
    gpus: tuple[str, ...] | None = None
    """GPU ids (indices or UUIDs, as ``CUDA_VISIBLE_DEVICES`` takes them): the pool when neither ``CUDA_VISIBLE_DEVICES`` nor ``nvidia-smi`` gives one."""
    timeout: float | None = None
    """Seconds after which a trial is stopped."""
    max_retries: int = 0
    """New attempts for a LOST trial."""
    stop_grace: float = 30.0
    """Seconds a stopped trial gets between SIGTERM and SIGKILL (to save a checkpoint, say)."""
    baseline: Mapping[str, Value] = field(default_factory=dict)
    """The current best configuration, by hyperparameter name."""
    baseline_origin: str = ""
    """Where ``baseline`` came from when not the project file's ``[baseline]`` (an adopted one:
    ``baseline B2, adopted in R1``), for messages; see :func:`tuitune.baselines.with_current_baseline`."""
    root: str = "."
    """The folder holding the project file; relative paths are relative to it."""

    def __post_init__(self) -> None:
        problems = []
        if not isinstance(self.command, str) or not self.command.strip():
            problems.append(Problem("project.command", "the training command is empty",
                                    'set command = "python train.py {args}"'))
        for key, minimum in (("parallel", 1), ("gpus_per_trial", 0), ("max_retries", 0)):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                problems.append(Problem(f"resources.{key}", f"needs a whole number >= {minimum}, found {v!r}",
                                        f"set {key} = {max(minimum, 1)}"))
        if self.timeout is not None and not _positive(self.timeout):
            problems.append(Problem("resources.timeout", f"needs seconds > 0, found {self.timeout!r}",
                                    "remove it or set a positive number of seconds"))
        if not _positive(self.stop_grace):
            problems.append(Problem("resources.stop_grace", f"needs seconds > 0, found {self.stop_grace!r}",
                                    "set stop_grace = 30"))
        raise_if_any(problems)


def _positive(x: object) -> bool:
    """A number of seconds > 0 (not a bool, not NaN)."""
    return not isinstance(x, bool) and isinstance(x, (int, float)) and x > 0
