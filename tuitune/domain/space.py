"""Hyperparameters and the search space they make, in the playbook's vocabulary.

Why it is shaped like this:

* Every hyperparameter has a *role* for the current goal (scientific, nuisance, fixed) because
  the playbook's whole method is comparing scientific values fairly by optimizing over the
  nuisance ones; the role lives on the hyperparameter, not in a side table.
* ``id`` and ``name`` are separate. ``name`` is what the training command receives; ``id`` is
  what tuitune tracks. The playbook warns that two conditional hyperparameters called
  ``learning_rate`` (one under Nesterov, one under Adam) are *different* hyperparameters, so they
  get different ids and may share a name, as long as they can never be active together.
* Validation collects every :class:`~tuitune.domain.errors.Problem` and raises once, so the
  file parser can attribute each one to a file and line, and a user fixes everything in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tuitune.domain.errors import Problem, coerce_enum, raise_if_any

Value = bool | int | float | str
"""A hyperparameter value as passed to a training command."""

INT64_MAX = 2**63 - 1
"""The largest whole number tuitune keeps (seeds, counts, numeric bounds).

Why a limit: the store's INTEGER columns hold signed 64-bit numbers, and Python's ``sqlite3``
refuses a larger int at the write (``OverflowError``), long after validation passed; sampling and
analysis turn bounds into floats, which overflow past 1e308. Checked up front, it is a problem
with a fix like any other.
"""


def fits_int64(x: int) -> bool:
    """``x`` lies within a signed 64-bit integer's range (see :data:`INT64_MAX`)."""
    return -INT64_MAX - 1 <= x <= INT64_MAX


class ParamType(StrEnum):
    """The kind of values a hyperparameter takes."""

    FLOAT = "float"
    INT = "int"
    CATEGORICAL = "categorical"
    BOOL = "bool"


class Scale(StrEnum):
    """How a numeric range is swept: evenly in the value, or evenly in its logarithm."""

    LINEAR = "linear"
    LOG = "log"


class Role(StrEnum):
    """The part a hyperparameter plays for the current goal (playbook: "Design the next round")."""

    SCIENTIFIC = "scientific"
    """Its effect on performance is what the round measures."""
    NUISANCE = "nuisance"
    """Optimized over so that scientific values are compared fairly."""
    FIXED = "fixed"
    """Held at one value for the whole round; conclusions carry that caveat."""


def _is_number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def same_value(a: Value, b: Value) -> bool:
    """Equality that keeps ``True`` apart from ``1`` and ``False`` apart from ``0``."""
    return isinstance(a, bool) == isinstance(b, bool) and a == b


def contains_value(values: Iterable[Value], value: Value) -> bool:
    """``value in values`` under :func:`same_value`."""
    return any(same_value(v, value) for v in values)


def command_text(value: Value) -> str:
    """A value as the training command receives it: ``true``/``false`` for a bool, the shortest
    text that reads back as the same float (``repr``: ``0.1``, ``1e-05``), else ``str``.

    The runner renders values with it (:mod:`tuitune.runner.render`), in ``{args}``, ``{name}``
    and the environment alike; it lives here, below the runner, so that a categorical whose
    values the command could not tell apart (``"1"`` and ``1`` both arrive as ``--opt=1``) is
    refused when the study is read.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


@dataclass(frozen=True)
class Condition:
    """``when = {parent = value}``: the hyperparameter exists only while ``parent`` takes one of
    ``values``. Several conditions on one hyperparameter must all hold."""

    parent: str
    """Id of a categorical or bool hyperparameter in the same space."""
    values: tuple[Value, ...]
    """The parent's values under which the condition holds."""

    def holds(self, assignment: Mapping[str, Value]) -> bool:
        """True when the parent is active in ``assignment`` and takes one of ``values``."""
        return self.parent in assignment and contains_value(self.values, assignment[self.parent])


@dataclass(frozen=True)
class Hyperparameter:
    """One knob of the training command.

    Immutable; construction validates and raises
    :class:`~tuitune.domain.errors.InvalidConfig` listing every problem, with fields relative to
    the hyperparameter (``low``, ``value``...). A fixed hyperparameter must carry its ``value``
    (the project file's baseline supplies it when the study file does not).
    """

    id: str
    """Unique in its study; how tuitune refers to it."""
    type: ParamType
    role: Role = Role.NUISANCE
    name: str = ""
    """The name passed to the command; defaults to ``id``."""
    low: float | None = None
    """Lower bound (inclusive) of a float or int range."""
    high: float | None = None
    """Upper bound (inclusive) of a float or int range."""
    values: tuple[Value, ...] = ()
    """The choices of a categorical; ``(False, True)`` for a bool."""
    scale: Scale = Scale.LINEAR
    value: Value | None = None
    """The value of a fixed hyperparameter."""
    when: tuple[Condition, ...] = ()
    """Conditions under which this hyperparameter exists (all must hold)."""

    def __post_init__(self) -> None:
        coerced: list[Problem] = []
        for attr, enum in (("type", ParamType), ("role", Role), ("scale", Scale)):
            coerce_enum(self, attr, enum, coerced)
        if not self.name:
            object.__setattr__(self, "name", self.id)
        if self.type is ParamType.BOOL and not self.values:
            object.__setattr__(self, "values", (False, True))
        object.__setattr__(self, "values", tuple(self.values))
        object.__setattr__(self, "when", tuple(self.when))
        raise_if_any(coerced + self.problems())

    @property
    def numeric(self) -> bool:
        return self.type in (ParamType.FLOAT, ParamType.INT)

    @property
    def varies(self) -> bool:
        """True for scientific and nuisance hyperparameters: those a study sweeps."""
        return self.role is not Role.FIXED

    def contains(self, value: object) -> bool:
        """Whether ``value`` is a legal value of this hyperparameter."""
        if self.type is ParamType.BOOL:
            return isinstance(value, bool)
        if self.type is ParamType.CATEGORICAL:
            return contains_value(self.values, value)  # type: ignore[arg-type]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if isinstance(value, int) and not fits_int64(value):  # beyond any bound, and float() would overflow
            return False
        if self.type is ParamType.INT and not float(value).is_integer():
            return False
        if not math.isfinite(value):
            return False
        if _is_number(self.low) and value < self.low:  # type: ignore[operator]
            return False
        return not _is_number(self.high) or value <= self.high  # type: ignore[operator]

    def problems(self) -> list[Problem]:
        """Everything wrong with this hyperparameter, fields relative to it."""
        out: list[Problem] = []
        if not self.id or not all(c.isalnum() or c in "_-." for c in self.id):
            out.append(Problem("id", f"found {self.id!r}", "use letters, digits, '_', '-' or '.'"))
        if self.numeric:
            huge = self._huge_number_problems()
            if huge:  # every other check of the range would compare or convert these numbers
                return out + huge
            out += self._range_problems()
        elif self.type is ParamType.CATEGORICAL:
            if not self.values:
                out.append(Problem("values", "a categorical needs at least one value, found none",
                                   'list its choices, e.g. values = ["sgd", "adam"]'))
            for i, v in enumerate(self.values):
                twins = [u for u in self.values[:i] if command_text(u) == command_text(v)]
                if contains_value(self.values[:i], v):
                    out.append(Problem("values", f"duplicate value {v!r}", "list each choice once"))
                elif twins:
                    out.append(Problem("values", f"{twins[0]!r} and {v!r} both reach the command as "
                                       f"{command_text(v)}, so its trials could not tell them apart",
                                       "keep one of them, or make them differ as text"))
            if self.low is not None or self.high is not None or self.scale is Scale.LOG:
                out.append(Problem("low" if self.low is not None else "high" if self.high is not None else "scale",
                                   "a categorical takes values, not low/high/scale",
                                   "remove low, high and scale"))
        elif self.type is ParamType.BOOL:
            odd = [v for v in self.values if not isinstance(v, bool)]
            if odd:
                out.append(Problem("values", f"a bool takes true and false, found {odd[0]!r}",
                                   'use values = [false, true] (or omit values), or type = "categorical"'))
        if self.role is Role.FIXED:
            if self.value is None:
                out.append(Problem("value", "a fixed hyperparameter needs a value, found none",
                                   "set value = ..., or give it a value in the project's [baseline]"))
            elif not self.contains(self.value):
                out.append(Problem("value", f"fixed value {self.value!r} is not a valid {self._describe()}",
                                   f"use a value that is {self._describe()}"))
        elif self.value is not None and not self.contains(self.value):
            out.append(Problem("value", f"{self.value!r} is not a valid {self._describe()}",
                               f"use a value that is {self._describe()}"))
        if self.numeric and not self.varies and (self.low is None) != (self.high is None):
            out.append(Problem("high" if self.high is None else "low", "give both low and high, or neither",
                               "add the missing bound"))
        return out

    def _huge_number_problems(self) -> list[Problem]:
        """Whole numbers of a numeric hyperparameter past 64 bits (see :data:`INT64_MAX`)."""
        out = []
        for key in ("low", "high", "value"):
            v = getattr(self, key)
            if isinstance(v, int) and not isinstance(v, bool) and not fits_int64(v):
                fix = ("write it as a float, with an exponent (e.g. 1.5e21)" if self.type is ParamType.FLOAT
                       else f"use a smaller whole number for {key}")
                out.append(Problem(key, f"needs a whole number within ±2**63 (a 64-bit integer), found {key} = {v}",
                                   fix))
        return out

    def _range_problems(self) -> list[Problem]:
        out: list[Problem] = []
        if self.values:
            out.append(Problem("values", f"a {self.type} takes low/high, not values",
                               'remove values, or set type = "categorical"'))
        if self.varies:
            for bound in ("low", "high"):
                if getattr(self, bound) is None:
                    out.append(Problem(bound, f"a varying {self.type} needs {bound}, found none",
                                       f"add {bound} = ..."))
        for bound in ("low", "high"):
            b = getattr(self, bound)
            if b is None:
                continue
            if isinstance(b, bool) or not isinstance(b, (int, float)) or not math.isfinite(b):
                out.append(Problem(bound, f"needs a finite number, found {b!r}", f"set {bound} to a number"))
                return out
            if self.type is ParamType.INT and not float(b).is_integer():
                out.append(Problem(bound, f"int bounds must be integral, found {bound} = {b!r}",
                                   f"use a whole number for {bound}, or type = \"float\""))
        if self.low is not None and self.high is not None and self.low >= self.high:
            out.append(Problem("low", f"needs low < high, found low = {self.low!r}, high = {self.high!r}",
                               "swap them or widen the range (use role = \"fixed\" for a single value)"))
        if self.scale is Scale.LOG and self.low is not None and self.low <= 0:
            out.append(Problem("low", f"log scale needs low > 0, found low = {self.low!r}",
                               "set low to a positive value such as 1e-5, or scale = \"linear\""))
        return out

    def _describe(self) -> str:
        if self.type is ParamType.BOOL:
            return "bool (true or false)"
        if self.type is ParamType.CATEGORICAL:
            return f"one of {list(self.values)!r}"
        rng = f" in [{self.low!r}, {self.high!r}]" if self.low is not None and self.high is not None else ""
        return f"{self.type}{rng}"


@dataclass(frozen=True)
class SearchSpace:
    """The hyperparameters of a study, validated together.

    Checks: unique ids; every condition names an existing categorical or bool parent and values
    it can take; no cycles of conditions; two hyperparameters passing the same name can never be
    active at once. Problems name ``params.<id>.<field>``.
    """

    params: tuple[Hyperparameter, ...]
    _by_id: dict[str, Hyperparameter] = field(init=False, repr=False, compare=False)
    _order: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "_by_id", {p.id: p for p in self.params})
        problems = self.problems()
        raise_if_any(problems)
        object.__setattr__(self, "_order", self._topological_order())

    def __getitem__(self, param_id: str) -> Hyperparameter:
        return self._by_id[param_id]

    def __contains__(self, param_id: object) -> bool:
        return param_id in self._by_id

    def __iter__(self):
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.params)

    def with_role(self, role: Role) -> tuple[Hyperparameter, ...]:
        return tuple(p for p in self.params if p.role is role)

    @property
    def varying(self) -> tuple[Hyperparameter, ...]:
        """Scientific and nuisance hyperparameters, in declaration order."""
        return tuple(p for p in self.params if p.varies)

    @property
    def order(self) -> tuple[str, ...]:
        """Ids with every parent before its children (declaration order otherwise)."""
        return self._order

    def active(self, assignment: Mapping[str, Value]) -> dict[str, Value]:
        """``assignment`` restricted to the hyperparameters whose conditions hold.

        Fixed values fill in where ``assignment`` lacks them. Parents are resolved before
        children, so a child of an inactive parent is inactive too. Inactive hyperparameters
        get no value at all, never a dummy one.
        """
        out: dict[str, Value] = {}
        for pid in self._order:
            p = self._by_id[pid]
            if not all(c.holds(out) for c in p.when):
                continue
            if pid in assignment:
                out[pid] = assignment[pid]
            elif p.role is Role.FIXED:
                out[pid] = p.value  # type: ignore[assignment]
        return {pid: out[pid] for pid in self.ids if pid in out}

    def problems(self) -> list[Problem]:
        out: list[Problem] = []
        seen: set[str] = set()
        for p in self.params:
            if p.id in seen:
                out.append(Problem(f"params.{p.id}", f"duplicate id {p.id!r}",
                                   "give each hyperparameter its own id (use name = ... to pass the same name)"))
            seen.add(p.id)
        for p in self.params:
            for c in p.when:
                out += self._condition_problems(p, c)
        if not out:
            cycle = self._find_cycle()
            if cycle:
                out.append(Problem(f"params.{cycle[0]}.when", "conditions form a cycle: " + " -> ".join(cycle),
                                   "a hyperparameter cannot depend, directly or not, on itself"))
        if not out:
            out += self._name_clash_problems()
        return out

    def _condition_problems(self, p: Hyperparameter, c: Condition) -> list[Problem]:
        where = f"params.{p.id}.when"
        parent = self._by_id.get(c.parent)
        if parent is None:
            return [Problem(where, f"condition on {c.parent!r}, which is not a hyperparameter of this study",
                            f"add [params.{c.parent}] or fix the name (known: {', '.join(self.ids)})")]
        if parent.id == p.id:
            return [Problem(where, "a hyperparameter cannot be conditional on itself", "remove the condition")]
        if parent.type not in (ParamType.CATEGORICAL, ParamType.BOOL):
            return [Problem(where, f"parent {c.parent!r} is a {parent.type}; conditions need a categorical or bool",
                            "condition on a categorical or bool hyperparameter")]
        if not c.values:
            return [Problem(where, f"condition on {c.parent!r} lists no values", "give at least one value")]
        return [Problem(where, f"{c.parent!r} never takes {v!r} (its values: {list(parent.values)!r})",
                        f"use one of {list(parent.values)!r}")
                for v in c.values if not contains_value(parent.values, v)]

    def _parents(self, pid: str) -> list[str]:
        return [c.parent for c in self._by_id[pid].when if c.parent in self._by_id]

    def _find_cycle(self) -> list[str] | None:
        state: dict[str, int] = {}
        stack: list[str] = []

        def visit(pid: str) -> list[str] | None:
            state[pid] = 1
            stack.append(pid)
            for parent in self._parents(pid):
                if state.get(parent) == 1:
                    return stack[stack.index(parent):] + [parent]
                if parent not in state and (found := visit(parent)):
                    return found
            stack.pop()
            state[pid] = 2
            return None

        for pid in self._by_id:
            if pid not in state and (found := visit(pid)):
                return found
        return None

    def _topological_order(self) -> tuple[str, ...]:
        done: list[str] = []

        def visit(pid: str) -> None:
            if pid in done:
                return
            for parent in self._parents(pid):
                visit(parent)
            done.append(pid)

        for pid in self.ids:
            visit(pid)
        return tuple(done)

    def _all_conditions(self, p: Hyperparameter) -> list[Condition]:
        """``p``'s conditions and those of its ancestors: a child is active only where its parent is."""
        out: list[Condition] = []
        todo, seen = [p], {p.id}
        while todo:
            q = todo.pop()
            out += q.when
            for c in q.when:
                parent = self._by_id.get(c.parent)
                if parent is not None and parent.id not in seen:
                    seen.add(parent.id)
                    todo.append(parent)
        return out

    def _exclusive(self, a: Hyperparameter, b: Hyperparameter) -> bool:
        """True when ``a`` and ``b`` can never be active together: conditions, their own or an
        ancestor's, that ask one parent for disjoint values (e.g. ``lr_adam`` under
        ``optimizer = "adam"`` and ``lr_sgd`` under a child of ``optimizer = "sgd"``)."""
        for ca in self._all_conditions(a):
            for cb in self._all_conditions(b):
                if ca.parent == cb.parent and not any(contains_value(cb.values, v) for v in ca.values):
                    return True
        return False

    def _name_clash_problems(self) -> list[Problem]:
        out = []
        for i, a in enumerate(self.params):
            for b in self.params[i + 1:]:
                if a.name == b.name and not self._exclusive(a, b):
                    out.append(Problem(f"params.{b.id}.name",
                                       f"passes the name {b.name!r}, as {a.id!r} does, and both can be active at once",
                                       "give them conditions on the same parent with different values, or different names"))
        return out
