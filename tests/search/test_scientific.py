"""Scientific structure: balanced rotation, one stream per value, per-value expansion."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from tuitune.domain import (Algorithm, Condition, Hyperparameter, Layout, ParamType, Role, Scale, SearchSpace,
                            Study)
from tuitune.search import combinations, expand, points, rejoin, warnings

from .spaces import optimizers


def key(scientific) -> tuple:
    return tuple(sorted(scientific.items()))


def test_combinations_respect_conditions():
    assert combinations(optimizers()) == [
        {"optimizer": "sgd", "nesterov": False}, {"optimizer": "sgd", "nesterov": True}, {"optimizer": "adam"}]


def two_categoricals() -> SearchSpace:
    return SearchSpace((
        Hyperparameter("act", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("relu", "gelu", "silu")),
        Hyperparameter("norm", ParamType.BOOL, Role.SCIENTIFIC),
        Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1e-1, scale=Scale.LOG),
    ))


@pytest.mark.parametrize("algorithm", [Algorithm.QUASI_RANDOM, Algorithm.RANDOM, Algorithm.GRID])
@pytest.mark.parametrize("space", [optimizers, two_categoricals])
def test_scientific_values_are_balanced_at_every_prefix(algorithm, space):
    study = Study("b", space(), algorithm, trials=50, seed=9)
    m = len(combinations(study.space))
    counts: Counter = Counter()
    for pt in points(study, 0, 48 if algorithm is Algorithm.GRID else 50):
        counts[key(pt.scientific)] += 1
        assert max(counts.values()) - (min(counts.values()) if len(counts) == m else 0) <= 1
    assert len(counts) == m


def test_each_value_has_its_own_stream():
    """Adding a hyperparameter under adam moves no sgd point."""
    space = optimizers()
    extra = Hyperparameter("beta2", ParamType.FLOAT, low=0.9, high=0.9999, when=(Condition("optimizer", ("adam",)),))
    bigger = SearchSpace((*space.params, extra))
    before, after = points(Study("s", space, trials=30)), points(Study("s", bigger, trials=30))
    for a, b in zip(before, after):
        if a.scientific["optimizer"] == "sgd":
            assert a == b
        else:
            assert "beta2" in b.params and a.params != b.params


def test_continuous_scientific_hyperparameters_are_swept_uniformly():
    space = SearchSpace((
        Hyperparameter("wd", ParamType.FLOAT, Role.SCIENTIFIC, low=1e-6, high=1e-2, scale=Scale.LOG),
        Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0, scale=Scale.LOG),
    ))
    pts = points(Study("c", space, trials=256, seed=1))
    wd = np.log10([pt.scientific["wd"] for pt in pts])
    assert stats.kstest(wd, stats.uniform(-6, 4).cdf).pvalue > 0.01


def test_per_value_expands_into_one_study_per_combination():
    study = Study("opt", optimizers(), trials=12, layout=Layout.PER_VALUE, seed=2, repeats=2)
    children = expand(study)
    assert [c.name for c in children] == [
        "opt[optimizer=sgd,nesterov=false]", "opt[optimizer=sgd,nesterov=true]", "opt[optimizer=adam]"]
    assert len({c.seed for c in children}) == 3
    adam = children[2]
    assert adam.space.ids == ("optimizer", "adam_lr", "beta1", "warmup", "batch", "weight_decay")
    pinned = adam.space["optimizer"]
    assert pinned.role is Role.SCIENTIFIC and pinned.values == ("adam",)
    assert adam.space["adam_lr"].when == ()
    assert (adam.trials, adam.repeats, adam.extra["expanded_from"], adam.extra["values"]) == (
        12, 2, "opt", {"optimizer": "adam"})
    pts = points(adam)
    assert len(pts) == 12 and all(pt.scientific == {"optimizer": "adam"} for pt in pts)
    assert all(set(pt.params) == set(adam.space.ids) for pt in pts)


def test_per_value_children_sweep_only_their_own_nuisance_hyperparameters():
    sgd = expand(Study("opt", optimizers(), layout=Layout.PER_VALUE))[0]
    for pt in points(sgd, 0, 64):
        assert {"adam_lr", "beta1"}.isdisjoint(pt.params)
        assert pt.params["optimizer"] == "sgd" and pt.params["nesterov"] is False


def test_an_unexpanded_per_value_study_has_no_points():
    with pytest.raises(ValueError, match="expand"):
        points(Study("opt", optimizers(), layout=Layout.PER_VALUE))


def vit_patches() -> SearchSpace:
    """A scientific categorical under a nuisance parent: it cannot be rotated."""
    return SearchSpace((
        Hyperparameter("arch", ParamType.CATEGORICAL, values=("cnn", "vit")),
        Hyperparameter("patch", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=(8, 16),
                       when=(Condition("arch", ("vit",)),)),
        Hyperparameter("lr", ParamType.FLOAT, low=0.1, high=1.0),
    ))


def test_expand_leaves_joint_studies_and_studies_without_combinations_alone():
    joint = Study("j", optimizers())
    assert expand(joint) == [joint]
    nothing_to_rotate = Study("p", vit_patches(), layout=Layout.PER_VALUE)
    assert expand(nothing_to_rotate) == [nothing_to_rotate]
    assert any("stays one study" in w for w in warnings(nothing_to_rotate))
    assert len(points(nothing_to_rotate)) == 20


def test_a_scientific_categorical_under_a_nuisance_parent_is_sampled_and_flagged():
    space = vit_patches()
    study = Study("s", space, trials=64)
    assert combinations(space) == [{}]
    assert any("patch" in w and "not balanced" in w for w in warnings(study))
    patches = Counter(pt.params.get("patch") for pt in points(study))
    assert set(patches) == {None, 8, 16}


def test_a_scientific_hyperparameter_with_one_value_is_flagged():
    """Nothing to compare: a design started from the baseline with one role switched to scientific."""
    space = SearchSpace((Hyperparameter("opt", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("momentum",)),
                         Hyperparameter("lr", ParamType.FLOAT, low=1e-3, high=1.0, scale=Scale.LOG)))
    (warning,) = [w for w in warnings(Study("s", space, trials=8)) if "opt" in w]
    assert warning.startswith("scientific opt has one value (momentum): there is nothing to compare")


def test_trials_not_a_multiple_of_the_combinations_is_flagged():
    assert any("multiple" in w for w in warnings(Study("s", optimizers(), trials=10)))
    assert any("never run" in w for w in warnings(Study("s", optimizers(), trials=2)))
    assert warnings(Study("s", optimizers(), trials=9)) == []


def test_reseeded_per_value_studies_get_new_child_seeds():
    study = Study("opt", optimizers(), layout=Layout.PER_VALUE)
    first, second = expand(study), expand(replace(study, seed=1))
    assert all(a.seed != b.seed for a, b in zip(first, second))


def test_rejoin_covers_the_per_value_children_again():
    original = optimizers()
    joined = rejoin(expand(Study("opt", original, layout=Layout.PER_VALUE)))
    assert set(joined.ids) == set(original.ids)
    assert joined["optimizer"].values == ("sgd", "adam")
    assert joined["nesterov"].values == (False, True)
    for pid in ("sgd_lr", "adam_lr", "momentum", "beta1", "warmup", "batch"):
        assert (joined[pid].low, joined[pid].high, joined[pid].name) == (original[pid].low, original[pid].high,
                                                                        original[pid].name)
    for config in ({"optimizer": "sgd", "nesterov": True}, {"optimizer": "adam"}):
        assert set(joined.active(config)) == set(original.active(config))


def test_rejoin_of_one_study_is_its_space():
    study = Study("opt", optimizers())
    assert rejoin([study]) is study.space
