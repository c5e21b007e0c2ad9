"""Conditional hyperparameters: never a value when the condition is false, own ranges per id."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tuitune.domain import Algorithm, Condition, Hyperparameter, Layout, ParamType, SearchSpace, Study
from tuitune.search import expand, points

from .spaces import optimizers

SAMPLED = st.sampled_from([Algorithm.QUASI_RANDOM, Algorithm.RANDOM, Algorithm.GRID])


def nested() -> SearchSpace:
    """A child of a child: ``decay_steps`` exists only under schedule = "step" under use_schedule."""
    return SearchSpace((
        Hyperparameter("use_schedule", ParamType.BOOL),
        Hyperparameter("schedule", ParamType.CATEGORICAL, values=("step", "cosine"),
                       when=(Condition("use_schedule", (True,)),)),
        Hyperparameter("decay_steps", ParamType.INT, low=100, high=1000, when=(Condition("schedule", ("step",)),)),
        Hyperparameter("lr", ParamType.FLOAT, low=1e-4, high=1.0),
    ))


def assert_exactly_the_active_ones(space: SearchSpace, params) -> None:
    assert dict(params) == space.active(params), "an inactive hyperparameter got a value"
    for p in space:
        if all(c.holds(params) for c in p.when):
            assert p.id in params, f"{p.id} is active but has no value"
            assert p.contains(params[p.id])


@settings(max_examples=40, deadline=None)
@given(algorithm=SAMPLED, layout=st.sampled_from(list(Layout)), seed=st.integers(0, 2**32 - 1),
       start=st.integers(0, 200), count=st.integers(0, 40))
def test_a_conditional_hyperparameter_never_appears_when_its_condition_is_false(algorithm, layout, seed, start,
                                                                               count):
    for study in expand(Study("c", optimizers(), algorithm, seed=seed, layout=layout)):
        for pt in points(study, start, count):
            assert_exactly_the_active_ones(optimizers(), pt.params)


@settings(max_examples=20, deadline=None)
@given(algorithm=SAMPLED, seed=st.integers(0, 2**32 - 1))
def test_nested_conditions_resolve_parents_first(algorithm, seed):
    space = nested()
    for pt in points(Study("n", space, algorithm, trials=32, seed=seed), 0, 32):
        assert_exactly_the_active_ones(space, pt.params)
        assert ("decay_steps" in pt.params) == (pt.params.get("schedule") == "step")


def test_two_same_named_conditional_hyperparameters_get_their_own_ranges():
    space = optimizers()
    pts = points(Study("r", space, trials=3 * 128, seed=0))
    sgd = [pt.params["sgd_lr"] for pt in pts if "sgd_lr" in pt.params]
    adam = [pt.params["adam_lr"] for pt in pts if "adam_lr" in pt.params]
    assert len(sgd) == 256 and len(adam) == 128
    assert 1e-3 <= min(sgd) < 2e-3 and 0.5 < max(sgd) <= 1.0
    assert 1e-6 <= min(adam) < 2e-6 and 5e-4 < max(adam) <= 1e-3
    assert all(space[pid].name == "learning_rate" for pid in ("sgd_lr", "adam_lr"))
