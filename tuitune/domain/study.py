"""A study: one search space swept by one algorithm with a budget.

A round holds one or more studies. The study is pure design; its trials are created by
:mod:`tuitune.search` and run by :mod:`tuitune.runner`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from tuitune.domain.errors import Problem, coerce_enum, raise_if_any
from tuitune.domain.objective import Objective
from tuitune.domain.space import INT64_MAX, Hyperparameter, ParamType, Role, SearchSpace, Value

MAX_TRIALS = 100_000
"""The most trials one study may run: its points times its ``repeats``.

Why a limit: every trial is a row in the store and a process to start, and a design past it is
almost always a slip (``trials = 100000000``, or a grid of 40 steps over four floats: 2,560,000
points) that would spend minutes and gigabytes building points before anything ran, or never
finish. A larger design is split into several studies.
"""


class Algorithm(StrEnum):
    """How a study picks its points."""

    QUASI_RANDOM = "quasi_random"
    """Scrambled Halton sequence (playbook's choice for exploration)."""
    RANDOM = "random"
    GRID = "grid"
    MANUAL = "manual"
    """An explicit list of configurations (``configs``)."""


class Layout(StrEnum):
    """Where the scientific hyperparameters live (playbook: "Create a set of studies")."""

    JOINT = "joint"
    """Scientific hyperparameters inside the study, their values assigned in balanced rotation."""
    PER_VALUE = "per_value"
    """One study per scientific value, each sweeping only its own nuisance hyperparameters."""


DECIDE = "decide"
"""The ``Study.extra`` key marking a seed-repeat study the Decide pane queued (value ``candidate``
or ``baseline``): evidence for a decision, not a design to review or to start a new one from."""


@dataclass(frozen=True)
class Study:
    """The design of one study. Immutable; validated on construction.

    It runs at most :data:`MAX_TRIALS` trials (its points times ``repeats``; a grid's points
    counted as the product of its axes). ``id`` and ``round_id`` are ``None`` until the store
    saves it.
    """

    name: str
    space: SearchSpace
    algorithm: Algorithm = Algorithm.QUASI_RANDOM
    trials: int = 20
    """Number of points to sample (each run ``repeats`` times)."""
    seed: int = 0
    """Seed of the point sequence (not the training seed)."""
    repeats: int = 1
    """Runs per point, each with its own training seed, for retrain variance."""
    seed_param: str = "seed"
    """The name under which the training seed is passed when ``repeats > 1``."""
    layout: Layout = Layout.JOINT
    objective: Objective | None = None
    """Overrides the project's objective when set."""
    configs: tuple[Mapping[str, Value], ...] = ()
    """The configurations of a manual study, as hyperparameter id -> value."""
    grid_steps: int = 3
    """Points per continuous dimension of a grid study."""
    id: int | None = None
    round_id: int | None = None
    reseed_of: int | None = None
    """The study this one re-runs with a new sequence seed (study variance)."""
    created_at: float | None = None
    notes: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)
    """Free-form settings kept with the study (e.g. the per-value group it came from)."""

    def __post_init__(self) -> None:
        coerced: list[Problem] = []
        coerce_enum(self, "algorithm", Algorithm, coerced)
        coerce_enum(self, "layout", Layout, coerced)
        object.__setattr__(self, "configs", tuple(dict(c) for c in self.configs))
        raise_if_any(coerced + self.problems())

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        if not self.name:
            out.append(Problem("name", "a study needs a name, found none", 'set name = "..."'))
        limits = {"trials": (1, MAX_TRIALS), "repeats": (1, MAX_TRIALS), "grid_steps": (2, INT64_MAX),
                  "seed": (0, INT64_MAX)}
        for key, (minimum, maximum) in limits.items():
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                out.append(Problem(key, f"needs a whole number >= {minimum}, found {v!r}", f"set {key} = {minimum} or more"))
            elif v > maximum and maximum == MAX_TRIALS:
                out.append(Problem(key, f"needs at most {MAX_TRIALS:,}, the most trials a study may run, found {v:,}",
                                   f"lower {key}, or split the design into several studies"))
            elif v > maximum:
                out.append(Problem(key, f"needs a whole number below 2**63 (the store keeps 64-bit integers), "
                                        f"found {v}", f"set {key} to a smaller number, e.g. {key} = {minimum}"))
        if not any(p.field in limits for p in out):
            out += self._size_problems()
        if self.algorithm is Algorithm.MANUAL:
            if not self.configs:
                out.append(Problem("configs", "a manual study needs configurations, found none",
                                   "add [[configs]] tables with one value per hyperparameter"))
        elif not self.space.varying:
            out.append(Problem("params", "nothing varies: every hyperparameter is fixed",
                               'mark at least one as role = "nuisance" or "scientific", or use algorithm = "manual"'))
        for i, config in enumerate(self.configs):
            for pid, value in config.items():
                if pid not in self.space:
                    out.append(Problem(f"configs[{i}].{pid}", "not a hyperparameter of this study",
                                       f"use one of {', '.join(self.space.ids)}"))
                elif not self.space[pid].contains(value):
                    out.append(Problem(f"configs[{i}].{pid}", f"{value!r} is not a valid value",
                                       "use a value inside the hyperparameter's range or values"))
        if (isinstance(self.repeats, int) and self.repeats > 1
                and any(p.name == self.seed_param and p.varies for p in self.space)):
            out.append(Problem("seed_param", f"{self.seed_param!r} is swept by the study and also set by repeats",
                               "make it fixed, or set seed_param to another name"))
        return out

    def _size_problems(self) -> list[Problem]:
        """A design of more than :data:`MAX_TRIALS` trials, counted without building its points."""
        if self.algorithm is Algorithm.MANUAL:
            field, points, what = "configs", len(self.configs), f"{len(self.configs):,} configurations"
            fix = "split the configurations into several studies, or lower repeats"
        elif self.algorithm is Algorithm.GRID:
            counts = [(p.id, _grid_count(p, self.grid_steps)) for p in self.space.varying]
            points = math.prod(n for _, n in counts)
            field = "grid_steps"
            what = (f"a grid of up to {points:,} points ({' x '.join(f'{n:,}' for _, n in counts)} values of "
                    f"{', '.join(pid for pid, _ in counts)})")
            fix = 'lower grid_steps, fix some hyperparameters (role = "fixed"), or split the study into several studies'
        else:
            field, points, what = "trials", self.trials, f"{self.trials:,} points"
            fix = "lower trials or repeats, or split the study into several studies"
        if points * self.repeats <= MAX_TRIALS:
            return []
        if self.repeats > 1:
            what += f" x {self.repeats:,} repeats = {points * self.repeats:,} trials"
        return [Problem(field, f"{what}: more than the {MAX_TRIALS:,} trials a study may run", fix)]

    @property
    def scientific(self) -> tuple[str, ...]:
        """Ids of the scientific hyperparameters."""
        return tuple(p.id for p in self.space.with_role(Role.SCIENTIFIC))

    def with_ids(self, *, id: int | None, round_id: int | None) -> Study:
        return replace(self, id=id, round_id=round_id)


def _grid_count(p: Hyperparameter, steps: int) -> int:
    """The number of grid values of a varying hyperparameter, or more (rounded ints may merge):
    its values; ``steps`` for a float; for an int, ``steps`` or its whole numbers if fewer.
    The rule of :func:`tuitune.search.grid.axis`, counted here so a grid is sized unbuilt."""
    if not p.numeric:
        return len(p.values)
    if p.type is ParamType.INT:
        return min(steps, int(p.high) - int(p.low) + 1)  # type: ignore[arg-type]
    return steps
