"""The map between hyperparameter values and the unit cube ``[0, 1)^d``.

Why it matters: samplers (quasi-random, random) produce uniform points in the cube, and the
playbook's fair comparison of scientific values holds only if the map to values keeps that
uniformity, so each rule below spends the cube evenly:

* a float on a log scale is uniform in its logarithm (``lr`` in [1e-5, 1e-1] spends as much of
  the axis on [1e-5, 1e-4] as on [1e-2, 1e-1]);
* an int gives every integer of ``[low, high]`` a cell of equal width
  (``floor(low + u * (high - low + 1))``), so the edges are drawn as often as the middle, which
  rounding ``low + u * (high - low)`` would not do (it halves the edge cells); on a log scale
  the cells are equal in ``log`` over ``[low - 1/2, high + 1/2]``;
* categoricals and bools cut the axis into equal cells, one per value;
* a categorical with a single value (a pinned scientific value) is a constant, not a dimension.

Each varying hyperparameter *id* is its own dimension. Two conditional hyperparameters that
share a passed name (``learning_rate`` under Nesterov and under Adam) have two ids, hence two
dimensions with their own ranges. A point is decoded by assigning every dimension, then
resolving the assignment through :meth:`SearchSpace.active`, so an inactive conditional
hyperparameter gets no value at all and a fixed one gets its value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from tuitune.domain import Hyperparameter, ParamType, Role, Scale, SearchSpace, Value
from tuitune.domain.space import same_value


def is_constant(p: Hyperparameter) -> bool:
    """True when ``p`` is fixed, or a categorical or bool left with a single value."""
    return p.role is Role.FIXED or (not p.numeric and len(p.values) == 1)


def constant_value(p: Hyperparameter) -> Value:
    """The one value of a constant hyperparameter (see :func:`is_constant`)."""
    return p.value if p.role is Role.FIXED else p.values[0]  # type: ignore[return-value]


def from_unit(p: Hyperparameter, u: float) -> Value:
    """The value of ``p`` at coordinate ``u`` in ``[0, 1)`` of its dimension.

    Args:
        p: A varying hyperparameter (float and int ones need ``low`` and ``high``).
        u: The coordinate; values at or above 1 map to the top cell.

    Returns:
        A plain Python ``float``, ``int``, ``bool`` or categorical value, always legal for ``p``.
    """
    if not p.numeric:
        return p.values[min(int(u * len(p.values)), len(p.values) - 1)]
    low, high = float(p.low), float(p.high)  # type: ignore[arg-type]
    if p.type is ParamType.INT:
        if p.scale is Scale.LOG:
            lo, hi = math.log(low - 0.5), math.log(high + 0.5)
            k = math.floor(math.exp(lo + u * (hi - lo)) + 0.5)
        else:
            k = math.floor(low + u * (high - low + 1))
        return int(min(max(k, low), high))
    if p.scale is Scale.LOG:
        x = low * math.exp(u * math.log(high / low))
    else:
        x = low + u * (high - low)
    return float(min(max(x, low), high))


def to_unit(p: Hyperparameter, value: Value) -> float:
    """The coordinate in ``[0, 1]`` of ``value`` on the dimension of ``p``.

    The inverse of :func:`from_unit` for floats; for ints, categoricals and bools it is the centre
    of the value's cell. Useful to draw axes and to measure coverage.
    """
    if not p.numeric:
        i = next(i for i, v in enumerate(p.values) if same_value(v, value))
        return (i + 0.5) / len(p.values)
    low, high, x = float(p.low), float(p.high), float(value)  # type: ignore[arg-type]
    if p.type is ParamType.INT:
        if p.scale is Scale.LOG:
            lo, hi = math.log(low - 0.5), math.log(high + 0.5)
            return ((math.log(x - 0.5) + math.log(x + 0.5)) / 2 - lo) / (hi - lo)
        return (x - low + 0.5) / (high - low + 1)
    if p.scale is Scale.LOG:
        return (math.log(x) - math.log(low)) / (math.log(high) - math.log(low))
    return (x - low) / (high - low)


def known_values(space: SearchSpace, pinned: Mapping[str, Value]) -> dict[str, Value]:
    """``pinned`` plus the value of every constant hyperparameter of ``space``."""
    return {**{p.id: constant_value(p) for p in space if is_constant(p)}, **pinned}


def reachable(space: SearchSpace, known: Mapping[str, Value]) -> set[str]:
    """Ids that can be active once the hyperparameters in ``known`` take their values.

    A condition on a known parent must hold; a condition on a parent still to be sampled can
    hold (its values are checked by :class:`SearchSpace`); either way the parent must itself be
    reachable.
    """
    out: set[str] = set()
    for pid in space.order:
        p = space[pid]
        if all(c.parent in out and (c.parent not in known or c.holds(known)) for c in p.when):
            out.add(pid)
    return out


def dimensions(space: SearchSpace, pinned: Mapping[str, Value]) -> tuple[Hyperparameter, ...]:
    """The hyperparameters a stream samples once ``pinned`` is set, in declaration order.

    These are the varying, non-constant hyperparameters that are not pinned and can be active
    under ``pinned``: the nuisance ones active under a scientific value, with continuous
    scientific ones swept alongside.
    """
    known = known_values(space, pinned)
    can_be_active = reachable(space, known)
    return tuple(p for p in space if p.id in can_be_active and p.id not in known)


def decode(space: SearchSpace, dims: Sequence[Hyperparameter], pinned: Mapping[str, Value],
           row: Iterable[float]) -> dict[str, Value]:
    """The active assignment (fixed values included) of one point of the cube.

    Args:
        space: The study's search space.
        dims: The dimensions, as returned by :func:`dimensions` for ``pinned``.
        pinned: Values set outside the cube (the scientific value combination).
        row: One coordinate per dimension.

    Returns:
        Hyperparameter id -> value for the active hyperparameters only.
    """
    assignment = known_values(space, pinned)
    assignment.update((p.id, from_unit(p, float(u))) for p, u in zip(dims, row, strict=True))
    return space.active(assignment)
