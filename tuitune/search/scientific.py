"""Scientific structure: which scientific value combinations a study compares, and how.

Why: the playbook compares scientific values (e.g. ``optimizer`` in {Nesterov, Adam}) by the
best trial of each after "optimizing away" the nuisance hyperparameters, so every value must be
sampled as evenly as every other, whatever the search algorithm. tuitune supports the two
layouts of the playbook's "Create a set of studies":

* :attr:`Layout.JOINT`: the categorical and bool scientific hyperparameters are *rotated*, not
  sampled: point ``k`` takes combination ``k mod m`` of their ``m`` value combinations, so
  counts differ by at most one at every prefix of the study. Combination ``c`` has its own
  point stream (seed derived from the study seed and ``c``) over the hyperparameters that can be
  active under it; point ``k`` is point ``k // m`` of that stream. Streams do not interfere:
  adding Adam's ``beta2`` does not move a single Nesterov point. Continuous scientific
  hyperparameters are sampled in the stream like nuisance ones (uniformly).
* :attr:`Layout.PER_VALUE`: :func:`expand` makes one study per combination. Each child study
  pins its scientific values as categoricals (bools) with that single value and keeps their role
  SCIENTIFIC, so analysis across the sibling studies still knows which hyperparameter is being
  compared and every trial's ``params`` carry the value; a single-valued categorical is a
  constant, never a sampled dimension (see :mod:`tuitune.search.cube`). Hyperparameters that
  cannot be active under the pinned values are dropped from the child, and conditions on the
  pinned parents (which always hold) are removed, so each child sweeps only its own nuisance
  hyperparameters with its own seed.

Combinations respect conditions: with scientific ``optimizer`` in {sgd, adam} and scientific
``nesterov`` (bool, only when optimizer = sgd) there are three, ``sgd/false``, ``sgd/true`` and
``adam``. A categorical scientific hyperparameter conditional on a *nuisance* one cannot be
rotated (its presence is not known before sampling), so it is sampled like a nuisance one, and
:func:`tuitune.search.warnings` says so.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace

from tuitune.domain import Algorithm, Condition, Hyperparameter, Layout, Role, SearchSpace, Study, Value
from tuitune.domain.space import contains_value, same_value
from tuitune.search.cube import known_values, reachable
from tuitune.search.seeds import PER_VALUE, derive


def rotated(space: SearchSpace) -> tuple[Hyperparameter, ...]:
    """The scientific categoricals and bools assigned in rotation, in declaration order.

    Those whose every condition is on a fixed or another rotated hyperparameter; the others are
    sampled (see the module docstring).
    """
    ids: set[str] = set()
    for pid in space.order:
        p = space[pid]
        if p.role is Role.SCIENTIFIC and not p.numeric and all(
                c.parent in ids or space[c.parent].role is Role.FIXED for c in p.when):
            ids.add(pid)
    return tuple(p for p in space if p.id in ids)


def combinations(space: SearchSpace) -> list[dict[str, Value]]:
    """The distinct scientific value combinations of ``space``, in rotation order.

    The cartesian product of the rotated hyperparameters' values (first one slowest), with
    hyperparameters inactive under a combination left out and duplicates removed. ``[{}]`` when
    nothing is rotated.
    """
    rot = rotated(space)
    out: list[dict[str, Value]] = []
    for values in itertools.product(*(p.values for p in rot)):
        active = space.active(dict(zip((p.id for p in rot), values)))
        combo = {p.id: active[p.id] for p in rot if p.id in active}
        if not any(_same(combo, seen) for seen in out):
            out.append(combo)
    return out


def expand(study: Study) -> list[Study]:
    """One study per scientific value combination of a :attr:`Layout.PER_VALUE` study.

    Args:
        study: Any study. A joint study, a manual one (its configurations already name their
            scientific values) or one without two or more combinations is returned alone.

    Returns:
        The child studies in rotation order. Child ``c`` is named
        ``"<name>[<id>=<value>,...]"``, keeps the layout, algorithm, trials (per child), repeats
        and seed parameter, gets the seed ``derive(study.seed, PER_VALUE, c)`` and no id, and
        records ``extra["expanded_from"]`` (the parent's name), ``extra["value_index"]`` and
        ``extra["values"]`` (the pinned combination).
    """
    combos = combinations(study.space)
    if study.layout is not Layout.PER_VALUE or study.algorithm is Algorithm.MANUAL or len(combos) < 2:
        return [study]
    return [replace(study, name=f"{study.name}[{label(combo)}]", space=pin(study.space, combo),
                    seed=derive(study.seed, PER_VALUE, c), id=None, created_at=None,
                    extra={**study.extra, "expanded_from": study.name, "value_index": c, "values": combo})
            for c, combo in enumerate(combos)]


def pin(space: SearchSpace, combo: dict[str, Value]) -> SearchSpace:
    """``space`` with the hyperparameters in ``combo`` reduced to their one value.

    Hyperparameters that cannot be active under ``combo`` are dropped; conditions on a pinned
    parent (which hold by construction) are removed.
    """
    can_be_active = reachable(space, known_values(space, combo))
    params = []
    for p in space:
        if p.id not in can_be_active:
            continue
        when = tuple(c for c in p.when if c.parent not in combo)
        if p.id in combo:
            params.append(replace(p, values=(combo[p.id],), value=combo[p.id], when=when))
        else:
            params.append(replace(p, when=when))
    return SearchSpace(tuple(params))


def rejoin(studies: Sequence[Study]) -> SearchSpace:
    """One space covering the children of a per-value study, for judging them together.

    The inverse of :func:`pin` as far as the children allow: a pinned hyperparameter gets the
    values of every child again, and a hyperparameter only some children have becomes conditional
    on the pinned values of those children (so ``lr_sgd`` and ``lr_adam`` passing the same name
    stay exclusive). A single study's own space is returned as it is.
    """
    if len(studies) == 1:
        return studies[0].space
    pinned = [dict(s.extra.get("values", {})) for s in studies]
    keys = list(dict.fromkeys(k for combo in pinned for k in combo))
    params: dict[str, Hyperparameter] = {}
    holders: dict[str, list[int]] = {}
    for i, study in enumerate(studies):
        for p in study.space:
            holders.setdefault(p.id, []).append(i)
            if p.id in params and p.id in keys:
                merged = params[p.id].values + tuple(v for v in p.values if not contains_value(params[p.id].values, v))
                params[p.id] = replace(params[p.id], values=merged, value=None)
            elif p.id not in params:
                params[p.id] = replace(p, value=None) if p.id in keys else p
    out = []
    for pid, p in params.items():
        when = p.when
        if len(holders[pid]) < len(studies):
            when += tuple(Condition(k, tuple(dict.fromkeys(pinned[i][k] for i in holders[pid])))
                          for k in keys if k != pid and all(k in pinned[i] for i in holders[pid]))
        out.append(replace(p, when=when))
    return SearchSpace(tuple(out))


def label(combo: dict[str, Value]) -> str:
    """``optimizer=adam,nesterov=true``: a combination as text."""
    return ",".join(f"{pid}={str(v).lower() if isinstance(v, bool) else v}" for pid, v in combo.items())


def _same(a: dict[str, Value], b: dict[str, Value]) -> bool:
    return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
