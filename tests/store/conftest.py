"""Fixtures of the store tests: the contract suite runs against a file store and an in-memory one."""

from __future__ import annotations

import pytest

from tuitune.domain import (
    Condition, Hyperparameter, ParamType, Role, Round, Scale, SearchSpace, Study,
)
from tuitune.store import Store


@pytest.fixture(params=["file", "memory"])
def store(request, tmp_path):
    """Every backend the contract must hold for (optuna's storage-test style)."""
    s = Store.open(tmp_path / "sub" / "store.db") if request.param == "file" else Store.memory()
    yield s
    s.close()


def make_space() -> SearchSpace:
    """Conditional hyperparameters sharing a passed name, a bool parent, fixed values of each type."""
    return SearchSpace((
        Hyperparameter("optimizer", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("sgd", "adam")),
        Hyperparameter("lr_sgd", ParamType.FLOAT, name="lr", low=1e-4, high=1, scale=Scale.LOG,
                       when=(Condition("optimizer", ("sgd",)),)),
        Hyperparameter("lr_adam", ParamType.FLOAT, name="lr", low=1e-5, high=0.1, scale=Scale.LOG,
                       when=(Condition("optimizer", ("adam",)),)),
        Hyperparameter("nesterov", ParamType.BOOL, when=(Condition("optimizer", ("sgd",)),)),
        Hyperparameter("momentum", ParamType.FLOAT, low=0.0, high=0.99,
                       when=(Condition("nesterov", (True,)),)),
        Hyperparameter("layers", ParamType.INT, low=1, high=8),
        Hyperparameter("width", ParamType.CATEGORICAL, values=(1, True, "2", 2.5)),
        Hyperparameter("amp", ParamType.BOOL, Role.FIXED, value=False),
        Hyperparameter("batch", ParamType.INT, Role.FIXED, value=128),
        Hyperparameter("wd", ParamType.FLOAT, Role.FIXED, value=0.0),
    ))


@pytest.fixture
def space() -> SearchSpace:
    return make_space()


@pytest.fixture
def round_(store):
    return store.add_round(Round("does adam beat sgd?"))


@pytest.fixture
def study(store, round_, space):
    return store.add_study(Study("s1", space), round_.id)
