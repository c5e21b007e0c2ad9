"""A study: one search space swept by one algorithm with a budget.

A round holds one or more studies. The study is pure design; its trials are created by
:mod:`tuitune.search` and run by :mod:`tuitune.runner`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from tuitune.domain.errors import Problem, coerce_enum, raise_if_any
from tuitune.domain.objective import Objective
from tuitune.domain.space import INT64_MAX, Role, SearchSpace, Value


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


@dataclass(frozen=True)
class Study:
    """The design of one study. Immutable; validated on construction.

    ``id`` and ``round_id`` are ``None`` until the store saves it.
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
        for key, minimum in (("trials", 1), ("repeats", 1), ("grid_steps", 2), ("seed", 0)):
            v = getattr(self, key)
            if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
                out.append(Problem(key, f"needs a whole number >= {minimum}, found {v!r}", f"set {key} = {minimum} or more"))
            elif v > INT64_MAX:
                out.append(Problem(key, f"needs a whole number below 2**63 (the store keeps 64-bit integers), found {v}",
                                   f"set {key} to a smaller number, e.g. {key} = {minimum}"))
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

    @property
    def scientific(self) -> tuple[str, ...]:
        """Ids of the scientific hyperparameters."""
        return tuple(p.id for p in self.space.with_role(Role.SCIENTIFIC))

    def with_ids(self, *, id: int | None, round_id: int | None) -> Study:
        return replace(self, id=id, round_id=round_id)
