"""Grid search: every combination of a few values per dimension.

Why it is here at all: the playbook prefers quasi-random search, but a small grid over one or
two hyperparameters is easy to read (an isolation plot drawn directly) and some rounds ask for
it. Above two varying dimensions the number of points explodes and most of them repeat the same
value of each hyperparameter, so :func:`tuitune.search.warnings` says so.

The axis of a dimension: ``grid_steps`` values from ``low`` to ``high`` inclusive, evenly spaced
in the dimension's scale (geometric on a log scale); every integer when an int range holds no
more than ``grid_steps`` of them, else ``grid_steps`` rounded, distinct values; every value of a
categorical or bool. Conditional hyperparameters take part only where they are active, and
duplicate points (a child that is inactive under a parent value) are dropped.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np

from tuitune.domain import Hyperparameter, ParamType, Scale, SearchSpace, Value
from tuitune.search.cube import known_values


def axis(p: Hyperparameter, steps: int) -> tuple[Value, ...]:
    """The grid values of one varying hyperparameter (see the module docstring)."""
    if not p.numeric:
        return tuple(p.values)
    low, high = float(p.low), float(p.high)  # type: ignore[arg-type]
    spaced = np.geomspace(low, high, steps) if p.scale is Scale.LOG else np.linspace(low, high, steps)
    if p.type is ParamType.INT:
        if high - low + 1 <= steps:
            return tuple(range(int(low), int(high) + 1))
        return tuple(dict.fromkeys(int(round(x)) for x in spaced))
    return tuple(float(x) for x in spaced)


def grid_points(space: SearchSpace, dims: Sequence[Hyperparameter], pinned: Mapping[str, Value],
                steps: int) -> list[dict[str, Value]]:
    """The distinct active assignments of the grid over ``dims``, first dimension slowest.

    Args:
        space: The study's search space.
        dims: The dimensions to grid (:func:`tuitune.search.cube.dimensions` of ``pinned``).
        pinned: Values set outside the grid (the scientific value combination).
        steps: Values per continuous dimension (``Study.grid_steps``).
    """
    base = known_values(space, pinned)
    out: dict[tuple, dict[str, Value]] = {}
    for values in itertools.product(*(axis(p, steps) for p in dims)):
        params = space.active({**base, **dict(zip((p.id for p in dims), values))})
        out.setdefault(tuple((k, type(v).__name__, v) for k, v in params.items()), params)
    return list(out.values())
