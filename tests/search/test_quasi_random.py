"""Quasi-random and random sampling: uniform, even, index-addressed and seeded.

The issue's acceptance figures: per-dimension KS tests at n = 256, centered L2 discrepancy below
random's, 40-then-24 equal to 64 at once, same seed same study and new seed a different one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from scipy.stats import qmc

from tuitune.domain import Algorithm, Hyperparameter, Layout, ParamType, Role, Scale, SearchSpace, Study
from tuitune.search import points

from .spaces import floats, optimizers

ALPHA = 0.01


def mixed() -> SearchSpace:
    return SearchSpace((
        Hyperparameter("lr", ParamType.FLOAT, low=1e-5, high=1e-1, scale=Scale.LOG),
        Hyperparameter("dropout", ParamType.FLOAT, low=0.0, high=0.5),
        Hyperparameter("width", ParamType.FLOAT, Role.SCIENTIFIC, low=64.0, high=1024.0, scale=Scale.LOG),
        Hyperparameter("momentum", ParamType.FLOAT, low=0.8, high=0.999),
    ))


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 12345])
def test_ks_does_not_reject_uniformity_per_dimension(seed):
    space = mixed()
    pts = points(Study("ks", space, trials=256, seed=seed))
    for p in space:
        x = np.array([pt.params[p.id] for pt in pts])
        if p.scale is Scale.LOG:
            x, low, high = np.log(x), math.log(p.low), math.log(p.high)
        else:
            low, high = p.low, p.high
        assert stats.kstest(x, stats.uniform(low, high - low).cdf).pvalue > ALPHA, p.id


@pytest.mark.parametrize("seed", [0, 3])
def test_ks_does_not_reject_uniformity_within_each_scientific_value(seed):
    pts = points(Study("ks", optimizers(), trials=3 * 256, seed=seed))
    for combo in ({"optimizer": "sgd", "nesterov": False}, {"optimizer": "adam"}):
        mine = [pt.params for pt in pts if pt.scientific == combo]
        assert len(mine) == 256
        lr = "adam_lr" if combo["optimizer"] == "adam" else "sgd_lr"
        p = optimizers()[lr]
        u = (np.log([m[lr] for m in mine]) - math.log(p.low)) / (math.log(p.high) - math.log(p.low))
        assert stats.kstest(u, "uniform").pvalue > ALPHA


def discrepancy(algorithm: Algorithm, n: int, d: int, seed: int) -> float:
    pts = points(Study("cd", floats(d), algorithm, trials=n, seed=seed))
    return qmc.discrepancy(np.array([[pt.params[f"x{i}"] for i in range(d)] for pt in pts]), method="CD")


@pytest.mark.parametrize("n", [16, 32, 64])
@pytest.mark.parametrize("d", [2, 4, 6])
def test_quasi_random_discrepancy_is_below_random_median_over_20_seeds(n, d):
    quasi = np.median([discrepancy(Algorithm.QUASI_RANDOM, n, d, s) for s in range(20)])
    rand = np.median([discrepancy(Algorithm.RANDOM, n, d, s) for s in range(20)])
    assert quasi < rand


@pytest.mark.parametrize("study", [
    Study("qr", mixed(), seed=5),
    Study("random", mixed(), Algorithm.RANDOM, seed=5),
    Study("joint", optimizers(), seed=5),
    Study("joint-random", optimizers(), Algorithm.RANDOM, seed=5),
], ids=lambda s: s.name)
def test_forty_then_twenty_four_equals_sixty_four_at_once(study):
    at_once = points(study, 0, 64)
    assert points(study, 0, 40) + points(study, 40, 24) == at_once
    assert points(study, 17, 3) == at_once[17:20]
    assert [pt.index for pt in at_once] == list(range(64))


@pytest.mark.parametrize("algorithm", [Algorithm.QUASI_RANDOM, Algorithm.RANDOM])
@pytest.mark.parametrize("layout_space", [mixed, optimizers])
def test_same_seed_same_study_new_seed_a_different_one(algorithm, layout_space):
    def make(seed):
        return points(Study("s", layout_space(), algorithm, trials=16, seed=seed, layout=Layout.JOINT))

    assert make(4) == make(4)
    other = make(5)
    assert all(a.params != b.params for a, b in zip(make(4), other))


def test_count_defaults_to_the_rest_of_the_trials():
    study = Study("s", mixed(), trials=10)
    assert len(points(study)) == 10 and [pt.index for pt in points(study, 7)] == [7, 8, 9]
    assert len(points(study, 10, 5)) == 5, "a sampled sequence continues past trials"


def test_negative_start_is_refused():
    with pytest.raises(ValueError):
        points(Study("s", mixed()), -1)
