"""Hyperparameters and search spaces: the playbook's rules, one row per rule."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuitune.domain import Condition, Hyperparameter, InvalidConfig, ParamType, Role, Scale, SearchSpace

F, I, C, B = ParamType.FLOAT, ParamType.INT, ParamType.CATEGORICAL, ParamType.BOOL


def hp(id: str = "x", type: ParamType = F, **kw) -> Hyperparameter:
    if type in (F, I) and kw.get("role") is not Role.FIXED:
        kw.setdefault("low", 0)
        kw.setdefault("high", 1)
    return Hyperparameter(id, type, **kw)


def problems(**kw) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as raised:
        hp(**kw)
    return [(p.field, p.message) for p in raised.value.problems]


@pytest.mark.parametrize("kw, field, words", [
    (dict(id="has space"), "id", "'has space'"),
    (dict(scale=Scale.LOG, low=0, high=1), "low", "log scale needs low > 0, found low = 0"),
    (dict(scale=Scale.LOG, low=-1, high=1), "low", "found low = -1"),
    (dict(low=1, high=1), "low", "needs low < high"),
    (dict(low=2, high=1), "low", "found low = 2, high = 1"),
    (dict(type=I, low=0.5, high=3), "low", "integral"),
    (dict(type=I, low=0, high=3.5), "high", "integral"),
    (dict(low=0, high=math.inf), "high", "finite"),
    (dict(low=None), "low", "needs low"),
    (dict(values=(1, 2)), "values", "takes low/high, not values"),
    (dict(type=C), "values", "at least one value"),
    (dict(type=C, values=("a", "a")), "values", "duplicate value 'a'"),
    (dict(type=C, values=("1", 1)), "values", "'1' and 1 both reach the command as 1"),
    (dict(type=C, values=(True, "true")), "values", "True and 'true' both reach the command as true"),
    (dict(type=C, values=("0.1", 0.1)), "values", "could not tell them apart"),
    (dict(type=C, values=("a",), low=0), "low", "not low/high/scale"),
    (dict(type=C, values=("a",), scale=Scale.LOG), "scale", "not low/high/scale"),
    (dict(type=B, values=(True, "no")), "values", "a bool takes true and false"),
    (dict(role=Role.FIXED), "value", "needs a value"),
    (dict(role=Role.FIXED, low=0, high=1, value=2), "value", "fixed value 2"),
    (dict(role=Role.FIXED, type=I, value=1.5), "value", "not a valid int"),
    (dict(role=Role.FIXED, type=C, values=("a", "b"), value="c"), "value", "'c'"),
    (dict(role=Role.FIXED, type=B, value=1), "value", "bool"),
    (dict(role=Role.FIXED, low=0, value=0.5), "high", "give both low and high"),
    (dict(value=3), "value", "not a valid float in [0, 1]"),
    (dict(type="flaot"), "type", "unknown type 'flaot'"),
    (dict(role="science"), "role", "unknown role 'science'"),
    (dict(type=I, low=0, high=2**70), "high", "found high = 1180591620717411303424"),
    (dict(low=-(2**63) - 1, high=1), "low", "within ±2**63"),
    (dict(type=I, low=0, high=10**400), "high", "within ±2**63"),
    (dict(role=Role.FIXED, type=I, value=10**400), "value", "within ±2**63"),
])
def test_hyperparameter_rules(kw: dict, field: str, words: str) -> None:
    found = problems(**kw)
    assert any(f == field and words in m for f, m in found), found


def test_every_problem_at_once() -> None:
    found = problems(id="a b", scale=Scale.LOG, low=0, high=0, role=Role.FIXED, value="s")
    assert {f for f, _ in found} == {"id", "low", "value"}
    assert len(found) == 4  # id, low < high, log low > 0, value


def test_defaults_and_coercion() -> None:
    p = Hyperparameter("lr", "float", role="nuisance", low=1e-4, high=1, scale="log")
    assert (p.name, p.type, p.role, p.scale) == ("lr", F, Role.NUISANCE, Scale.LOG)
    assert p.type is ParamType.FLOAT and p.varies and p.numeric
    flag = Hyperparameter("flag", B)
    assert flag.values == (False, True)
    assert Hyperparameter("lr2", F, name="lr", low=0, high=1).name == "lr"


@pytest.mark.parametrize("p, value, ok", [
    (hp(low=0, high=1), 0.0, True), (hp(low=0, high=1), 1, True), (hp(low=0, high=1), 1.01, False),
    (hp(low=0, high=1), True, False), (hp(low=0, high=1), "0.5", False), (hp(low=0, high=1), math.nan, False),
    (hp(type=I, low=1, high=8), 3, True), (hp(type=I, low=1, high=8), 3.0, True), (hp(type=I, low=1, high=8), 3.5, False),
    (hp(type=C, values=("a", 1)), 1, True), (hp(type=C, values=("a", 1)), True, False),
    (hp(type=C, values=(0, 1)), False, False), (hp(type=B), False, True), (hp(type=B), 0, False),
])
def test_contains_keeps_bools_apart_from_numbers(p: Hyperparameter, value: object, ok: bool) -> None:
    assert p.contains(value) is ok


def test_contains_refuses_whole_numbers_past_64_bits_without_overflowing() -> None:
    assert not hp(type=I, low=1, high=8).contains(10**400)
    assert not hp(low=0, high=1).contains(-(10**400))


OPT = hp("optimizer", C, values=("sgd", "momentum", "adam"))


def space_problems(*params: Hyperparameter) -> list[tuple[str, str]]:
    with pytest.raises(InvalidConfig) as raised:
        SearchSpace(params)
    return [(p.field, p.message) for p in raised.value.problems]


@pytest.mark.parametrize("params, field, words", [
    ((hp("a"), hp("a")), "params.a", "duplicate id 'a'"),
    ((hp("m", when=(Condition("opt", ("sgd",)),)),), "params.m.when", "'opt', which is not a hyperparameter"),
    ((OPT, hp("m", when=(Condition("optimizer", ("nesterov",)),))), "params.m.when", "never takes 'nesterov'"),
    ((hp("lr"), hp("m", when=(Condition("lr", (0.1,)),))), "params.m.when", "is a float"),
    ((OPT, hp("m", when=(Condition("optimizer", ()),))), "params.m.when", "lists no values"),
    ((hp("a", C, values=("x",), when=(Condition("a", ("x",)),)),), "params.a.when", "conditional on itself"),
    ((hp("a", C, values=("x",), when=(Condition("c", ("x",)),)), hp("b", C, values=("x",), when=(Condition("a", ("x",)),)),
      hp("c", C, values=("x",), when=(Condition("b", ("x",)),))), "params.a.when", "a -> c -> b -> a"),
    ((hp("lr"), hp("lr2", name="lr")), "params.lr2.name", "both can be active at once"),
    ((OPT, hp("lr_a", name="lr", when=(Condition("optimizer", ("adam", "sgd")),)),
      hp("lr_s", name="lr", when=(Condition("optimizer", ("sgd",)),))), "params.lr_s.name", "both can be active"),
])
def test_space_rules(params: tuple[Hyperparameter, ...], field: str, words: str) -> None:
    found = space_problems(*params)
    assert any(f == field and words in m for f, m in found), found


def test_same_name_allowed_when_never_active_together() -> None:
    nesterov = hp("nesterov", B, when=(Condition("optimizer", ("momentum",)),))
    space = SearchSpace((
        OPT, nesterov,
        hp("lr_adam", name="lr", when=(Condition("optimizer", ("adam",)),)),
        hp("lr_sgd", name="lr", when=(Condition("optimizer", ("sgd",)),)),
        # exclusive only through its parent's condition (optimizer = momentum, not adam)
        hp("lr_nesterov", name="lr", when=(Condition("nesterov", (True,)),)),
    ))
    assert space.ids == ("optimizer", "nesterov", "lr_adam", "lr_sgd", "lr_nesterov")


def test_order_puts_parents_first_and_active_drops_inactive_children() -> None:
    space = SearchSpace((
        hp("beta", when=(Condition("optimizer", ("adam",)),)),
        hp("nesterov", B, when=(Condition("optimizer", ("momentum",)),)),
        hp("nest_lr", when=(Condition("nesterov", (True,)),)),
        OPT,
        hp("wd", role=Role.FIXED, value=0.1),
        hp("lr"),
    ))
    assert space.order.index("optimizer") < space.order.index("beta")
    assert space.order.index("nesterov") < space.order.index("nest_lr")
    full = {"beta": 0.5, "nesterov": True, "nest_lr": 0.2, "optimizer": "adam", "lr": 0.3}
    assert space.active(full) == {"beta": 0.5, "optimizer": "adam", "wd": 0.1, "lr": 0.3}
    momentum = dict(full, optimizer="momentum")
    assert space.active(momentum) == {"nesterov": True, "nest_lr": 0.2, "optimizer": "momentum", "wd": 0.1, "lr": 0.3}
    assert "nest_lr" not in space.active(dict(momentum, nesterov=False))
    assert space.active({"optimizer": "sgd"}) == {"optimizer": "sgd", "wd": 0.1}  # never a dummy value
    assert [p.id for p in space.varying] == ["beta", "nesterov", "nest_lr", "optimizer", "lr"]
    assert space.with_role(Role.FIXED) == (space["wd"],)
    assert "wd" in space and "zz" not in space and len(space) == 6


def test_condition_on_a_fixed_parent_follows_its_value() -> None:
    space = SearchSpace((hp("optimizer", C, values=("sgd", "adam"), role=Role.FIXED, value="adam"),
                         hp("beta", when=(Condition("optimizer", ("adam",)),)),
                         hp("mom", when=(Condition("optimizer", ("sgd",)),))))
    assert space.active({"beta": 0.9, "mom": 0.9}) == {"optimizer": "adam", "beta": 0.9}


@given(st.sampled_from(["sgd", "momentum", "adam"]), st.booleans(), st.floats(0, 1), st.floats(0, 1))
def test_active_children_always_have_their_parents_active(opt: str, nesterov: bool, a: float, b: float) -> None:
    space = SearchSpace((OPT, hp("nesterov", B, when=(Condition("optimizer", ("momentum",)),)),
                         hp("nl", when=(Condition("nesterov", (True,)),)), hp("beta", when=(Condition("optimizer", ("adam",)),))))
    active = space.active({"optimizer": opt, "nesterov": nesterov, "nl": a, "beta": b})
    for pid in active:
        for c in space[pid].when:
            assert c.parent in active and c.holds(active)
    assert ("nl" in active) == (opt == "momentum" and nesterov)
