"""A study's points and trials: the one entry point over every algorithm.

Why it is shaped like this: a study is pure design (:class:`~tuitune.domain.Study`), and its
points are a pure function of that design, addressed by index. ``points(study, 40, 24)`` equals
``points(study, 0, 64)[40:]`` for every algorithm, so the store keeps no sampler state: adding
trials to a running study, resuming after a crash, or previewing the first points in the TUI all
call the same function with a start and a count.

Sampled algorithms (quasi-random, random) share the machinery: the scientific value combination
of point ``k`` is ``k mod m`` (balanced rotation, :mod:`tuitune.search.scientific`), its other
values come from point ``k // m`` of that combination's own stream (:mod:`.quasi_random` or
:mod:`.random_search`), mapped through the unit cube (:mod:`.cube`). Grid and manual studies are
finite lists, sliced the same way.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from tuitune.domain import Algorithm, Layout, Role, Study, Trial, Value
from tuitune.search import manual, quasi_random, random_search
from tuitune.search.cube import decode, dimensions, is_constant
from tuitune.search.grid import grid_points
from tuitune.search.scientific import combinations, expand, rotated
from tuitune.search.seeds import RESEED, STREAM, derive, training_seed

_SAMPLERS = {Algorithm.QUASI_RANDOM: quasi_random.unit_points, Algorithm.RANDOM: random_search.unit_points}


@dataclass(frozen=True)
class Point:
    """One configuration of a study, before it is run (possibly several times, see ``repeats``)."""

    index: int
    """Position in the study's sequence; the same index always gives the same point."""
    params: Mapping[str, Value]
    """Hyperparameter id -> value for the active hyperparameters only, fixed ones included."""
    scientific: Mapping[str, Value]
    """The values of the scientific hyperparameters among ``params``."""


def size(study: Study) -> int:
    """The number of points of ``study``.

    ``study.trials`` for quasi-random and random studies (their sequences never end); the number
    of distinct grid points for a grid study and of configurations for a manual one, whose design
    fixes its own size (``trials`` is then not used).

    Raises:
        ValueError: For a per-value study with several scientific value combinations
            (call :func:`expand` and size each study).
    """
    _check_expanded(study)
    finite = _finite(study)
    return study.trials if finite is None else len(finite)


def points(study: Study, start: int = 0, count: int | None = None) -> list[Point]:
    """Points ``start`` to ``start + count - 1`` of ``study``, for every algorithm.

    Args:
        study: A study. A per-value study with several scientific value combinations must be
            expanded first (:func:`expand`); each expanded study has its own points.
        start: Index of the first point.
        count: How many points; defaults to ``size(study) - start``. Quasi-random and random
            sequences continue past ``study.trials``; grid and manual lists end at their size, so
            fewer points may come back.

    Returns:
        The points, with ``index`` running from ``start``.

    Raises:
        ValueError: For a negative start or count, or an unexpanded per-value study.
    """
    if start < 0 or (count is not None and count < 0):
        raise ValueError(f"start and count must be >= 0, found start={start}, count={count}")
    _check_expanded(study)
    finite = _finite(study)
    if count is None:
        count = max((study.trials if finite is None else len(finite)) - start, 0)
    params = _sampled(study, start, count) if finite is None else finite[start:start + count]
    scientific = study.scientific
    return [Point(start + i, p, {pid: p[pid] for pid in scientific if pid in p}) for i, p in enumerate(params)]


def trials_for(study: Study, study_id: int, start: int = 0, count: int | None = None) -> list[Trial]:
    """The queued trials of points ``start`` .. ``start + count - 1``: each point ``repeats`` times.

    Trials come point by point, repeats together. With ``repeats > 1`` each trial carries its
    training seed in :attr:`Trial.seed` (never in ``params``, which hold hyperparameter ids only):
    distinct across the repeats of a point, deterministic from the study seed and the point
    index (:func:`tuitune.search.seeds.training_seed`). The runner passes it to the command under
    the name ``study.seed_param``, replacing a fixed hyperparameter of that name if there is one.
    With ``repeats == 1`` the seed is ``None`` and nothing extra is passed.

    Args:
        study: The study (expanded, if per-value).
        study_id: The stored study's id.
        start: Index of the first *point* (not trial).
        count: How many points; see :func:`points`.
    """
    out = []
    for point in points(study, start, count):
        for repeat in range(study.repeats):
            seed = training_seed(study.seed, point.index, repeat) if study.repeats > 1 else None
            out.append(Trial(study_id=study_id, index=point.index, params=dict(point.params),
                             repeat=repeat, seed=seed))
    return out


def reseed(study: Study, new_seed: int | None = None, name: str | None = None) -> Study:
    """A sibling study with the same design and a new sequence seed, to measure study variance.

    Args:
        study: The study to re-run.
        new_seed: The sibling's seed; by default one derived from ``study.seed`` (deterministic,
            never equal to it). Reseeding the same study twice by default gives the same
            sibling; reseed the sibling, or pass seeds, for more.
        name: The sibling's name; defaults to ``"<name>-seed<new seed>"``.

    Returns:
        An unsaved study (``id`` ``None``) with ``reseed_of = study.id``. The training seeds of
        its repeats change too, since they derive from the sequence seed.

    Raises:
        ValueError: When ``new_seed`` equals ``study.seed``.
    """
    if new_seed is None:
        new_seed = derive(study.seed, RESEED) % 2**31
        new_seed += new_seed == study.seed
    elif new_seed == study.seed:
        raise ValueError(f"the sibling needs a seed other than {study.seed}")
    return replace(study, name=name or f"{study.name}-seed{new_seed}", seed=new_seed, id=None,
                   created_at=None, reseed_of=study.id)


def unique_name(name: str, taken: Collection[str]) -> str:
    """``name``, or ``name-2``, ``name-3``... the first not in ``taken``: how a reseeded or
    copied study gets a name of its own in a round."""
    base, n = name, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def warnings(study: Study) -> list[str]:
    """Things about the design a person should know before running it, one line each.

    Covers: grids above two varying dimensions; joint studies with fewer trials than scientific
    value combinations, or a count that is not a multiple of them; per-value layouts with
    nothing to expand; scientific categoricals that cannot be rotated, or have one value to
    compare; manual configurations that will not run as written; a repeat seed overriding a fixed
    hyperparameter.
    """
    space, out = study.space, []
    rot = {p.id for p in rotated(space)}
    for p in space.with_role(Role.SCIENTIFIC):
        if not p.numeric and len(p.values) < 2 and study.algorithm is not Algorithm.MANUAL:
            out.append(f"scientific {p.id} has one value ({', '.join(map(str, p.values))}): there is nothing to "
                       "compare; add the values the round asks about, or make it fixed")
        elif not p.numeric and p.id not in rot:
            parents = ", ".join(c.parent for c in p.when)
            out.append(f"scientific {p.id} depends on {parents}, which is not scientific: it is sampled like a "
                       "nuisance hyperparameter, so its values are not balanced")
    m = len(combinations(space))
    if study.algorithm is not Algorithm.MANUAL:
        if study.layout is Layout.PER_VALUE and m < 2:
            out.append("layout per_value needs a categorical or bool scientific hyperparameter with two or more "
                       "values: the study stays one study")
        if study.layout is Layout.JOINT and study.algorithm in _SAMPLERS and m > 1:
            if study.trials < m:
                out.append(f"{study.trials} trials for {m} scientific value combinations: {m - study.trials} "
                           f"never run (set trials = {m} or more)")
            elif study.trials % m:
                out.append(f"trials = {study.trials} is not a multiple of the {m} scientific value combinations: "
                           f"some get one trial more (set trials = {-(-study.trials // m) * m} for equal counts)")
    if study.algorithm is Algorithm.GRID:
        out += _grid_warnings(study)
    if study.algorithm is Algorithm.MANUAL:
        out += manual.notes(study)
    if study.repeats > 1:
        out += [f"the repeat seed is passed as {study.seed_param!r} and replaces fixed {p.id} = {p.value!r}"
                for p in space.with_role(Role.FIXED) if p.name == study.seed_param]
    return out


def estimate_budget(trials: int, repeats: int, durations: Sequence[float | None], parallel: int) -> float | None:
    """Seconds to run ``trials`` points ``repeats`` times on ``parallel`` slots.

    ``trials * repeats * mean(durations) / parallel``, where ``durations`` are the seconds of
    comparable finished trials (unfinished or non-finite ones are ignored).

    Returns:
        The estimate, or ``None`` without any usable duration (no history yet).

    Raises:
        ValueError: When ``parallel < 1``.
    """
    if parallel < 1:
        raise ValueError(f"parallel needs at least one slot, found {parallel}")
    usable = [d for d in durations if d is not None and math.isfinite(d) and d >= 0]
    if not usable:
        return None
    return trials * repeats * (sum(usable) / len(usable)) / parallel


def _check_expanded(study: Study) -> None:
    if (study.layout is Layout.PER_VALUE and study.algorithm is not Algorithm.MANUAL
            and len(combinations(study.space)) > 1):
        raise ValueError(f"study {study.name!r} has layout per_value: expand(study) into one study per "
                         "scientific value combination, then take the points of each")


def _finite(study: Study) -> list[dict[str, Value]] | None:
    """Every point of a grid or manual study; ``None`` for an endless (sampled) one."""
    if study.algorithm is Algorithm.MANUAL:
        return manual.configurations(study)
    if study.algorithm is Algorithm.GRID:
        return _grid(study)
    if study.algorithm in _SAMPLERS:
        return None
    raise ValueError(f"no point generator for algorithm {study.algorithm!r}")


def _sampled(study: Study, start: int, count: int) -> list[dict[str, Value]]:
    """Points of a quasi-random or random study: combination ``k mod m``, stream point ``k // m``."""
    combos = combinations(study.space)
    m, end = len(combos), start + count
    unit_points = _SAMPLERS[study.algorithm]
    by_index: dict[int, dict[str, Value]] = {}
    for c, combo in enumerate(combos):
        first, stop = max(0, -((c - start) // m)), max(0, -((c - end) // m))
        if stop <= first:
            continue
        dims = dimensions(study.space, combo)
        rows = unit_points(derive(study.seed, STREAM, c), len(dims), first, stop - first)
        for j, row in enumerate(rows, start=first):
            by_index[j * m + c] = decode(study.space, dims, combo, row)
    return [by_index[k] for k in range(start, end)]


def _grid(study: Study) -> list[dict[str, Value]]:
    """The grid of each scientific value combination, interleaved one point of each at a time."""
    grids = [grid_points(study.space, dimensions(study.space, combo), combo, study.grid_steps)
             for combo in combinations(study.space)]
    return [g[j] for j in range(max(map(len, grids))) for g in grids if j < len(g)]


def _grid_warnings(study: Study) -> list[str]:
    out = []
    for child in expand(study):
        varying = {p.id for p in child.space.varying if not is_constant(p)}
        grid = _grid(child)
        d = max(len(varying.intersection(params)) for params in grid)
        if d > 2:
            out.append(f"grid {child.name!r} varies {d} dimensions at once and makes {len(grid)} points: "
                       "quasi-random search covers that many dimensions far better for the same budget")
    return out
