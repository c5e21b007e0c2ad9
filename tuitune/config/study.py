"""Study design files, read into a :class:`~tuitune.domain.Study`.

Why it is read this way:

* Each ``[params.<id>]`` table becomes one :class:`~tuitune.domain.Hyperparameter`; the table
  key is the id, ``name`` the passed name (two conditional ones may share it).
* Types are inferred so the common file stays short: ``values`` of booleans make a bool, other
  ``values`` a categorical, integer bounds an int, anything else a float. Roles default to
  nuisance: the playbook sweeps whatever is not declared scientific or fixed.
* A fixed hyperparameter without ``value`` takes the project's ``[baseline]`` value (by passed
  name, then id): a new study starts from the current best configuration.
* Every problem of every hyperparameter is reported at once. A hyperparameter that fails its
  own checks is replaced by a valid *stand-in* (same id, name, type, values and conditions)
  so the checks across hyperparameters (conditions, cycles, name clashes) and the study's own
  checks still run, without inventing problems the file does not have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from tuitune.config.fields import MISSING, Fields, describe, is_number, is_scalar, toml_repr
from tuitune.config.project import COMMAND_PLACEHOLDERS, command_placeholders
from tuitune.config.toml import KeyPath, Locator, display_name, read_toml
from tuitune.domain import (Algorithm, Condition, Hyperparameter, InvalidConfig, Layout, Objective, ParamType,
                            Problem, Project, Role, Scale, SearchSpace, Study)
from tuitune.domain.objective import Aggregate, Direction
from tuitune.domain.space import Value, command_text, same_value

STUDY_FIELDS = ("name", "algorithm", "trials", "seed", "repeats", "seed_param", "layout", "grid_steps",
                "notes", "objective", "params", "configs")
PARAM_FIELDS = ("role", "type", "name", "low", "high", "scale", "values", "value", "when")


def load_study(path: Path | str, project: Project | None = None) -> Study:
    """Read a study file; fixed hyperparameters without a value take ``project``'s baseline.

    Raises :class:`InvalidConfig` with every problem of the file.
    """
    path = Path(path).expanduser()
    file = display_name(path)
    data, locator = read_toml(path, file)
    source = None
    if project is not None:
        source = project.baseline_origin or display_name(Path(project.root) / "tuitune.toml")
    study, problems = parse_study(data, locator, file, path.stem,
                                  baseline=None if project is None else project.baseline,
                                  default_metric=None if project is None else project.objective.metric,
                                  baseline_source=source, command=None if project is None else project.command)
    if problems or study is None:
        raise InvalidConfig(problems)
    return study


def parse_study(data: Mapping[str, Any], locator: Locator | None, file: str, default_name: str, *,
                baseline: Mapping[str, Value] | None, default_metric: str | None,
                baseline_source: str | None, command: str | None = None,
                project_broken: bool = False) -> tuple[Study | None, list[Problem]]:
    """The study and every problem. ``baseline_source`` names where the baseline came from (for
    messages); with ``baseline`` ``None`` the messages say that no project file was found.
    ``command`` is the project's command template, whose ``{name}`` placeholders must be
    hyperparameters every trial of this study passes.

    ``project_broken`` says that the project file has problems of its own, reported apart. A
    fixed value missing from its ``[baseline]``, or a metric missing from its objective, is then
    not reported: the broken file may be why (a syntax error hides its whole baseline), so it
    would only be a misleading follow-on; it is checked again once the file is fixed. The study's
    own problems are still reported, but no study is returned."""
    f = Fields(file, locator)
    if isinstance(data.get("project"), dict) and "params" not in data:  # a study's fields would all be "unknown"
        f.add((), "this is a project file (it has a [project] table), not a study design",
              "give a study file instead, e.g. one under studies/ (`tuitune init` writes an example)")
        return None, f.in_order()
    f.unknown_keys(data, (), STUDY_FIELDS)
    name = f.text(data, (), "name", default_name, '"weight-decay"')
    algorithm = f.enum(data, (), "algorithm", Algorithm, Algorithm.QUASI_RANDOM)
    objective = _objective(f, f.table(data, (), "objective"), default_metric, project_broken)

    params_table = f.table(data, (), "params")
    if not params_table and "params" not in data:
        f.add(("params",), "the study has no hyperparameters",
              'add one [params.<id>] table per hyperparameter, e.g. [params.learning_rate] low = 1e-4 high = 1 '
              'scale = "log"')
    reader = _ParamReader(f, baseline, baseline_source, project_broken)
    built: dict[str, Hyperparameter] = {}
    stand_ins: set[str] = set()
    for pid, spec in params_table.items():
        hp, stand_in = reader.read(pid, spec)
        if hp is not None:
            built[pid] = hp
        if stand_in:
            stand_ins.add(pid)
    # A stand-in may not keep a condition on a hyperparameter that could not be read at all.
    def keeps(c: Condition) -> bool:
        return c.parent in built or c.parent not in params_table

    built = {pid: hp if all(map(keeps, hp.when)) else replace(hp, when=tuple(filter(keeps, hp.when)))
             for pid, hp in built.items()}
    ids = tuple(params_table)

    def to_path(field: str) -> KeyPath:
        return _domain_path(field, ids, reader.config_keys)

    space = real_space = None
    try:
        space = real_space = SearchSpace(tuple(built.values()))
    except InvalidConfig as e:
        f.add_domain(e, to_path)
        relaxed = _relaxed(built.values())
        space = SearchSpace(relaxed) if relaxed is not None else None

    configs = reader.configs(data.get("configs", MISSING), algorithm)
    kwargs = dict(name=name, space=space, algorithm=algorithm, objective=objective, configs=configs,
                  trials=f.integer(data, (), "trials", 20, "32"), seed=f.integer(data, (), "seed", 0, "0"),
                  repeats=f.integer(data, (), "repeats", 1, "1"),
                  seed_param=f.text(data, (), "seed_param", "seed", '"seed"'),
                  layout=f.enum(data, (), "layout", Layout, Layout.JOINT),
                  grid_steps=f.integer(data, (), "grid_steps", 3, "3"),
                  notes=f.text(data, (), "notes", "", '"why this study"', nonempty=False))
    study = None
    if space is not None:
        try:
            study = Study(**kwargs)
        except InvalidConfig as e:
            # A config value judged against a stand-in's made-up range says nothing: drop it.
            kept = [p for p in e.problems if not _about_stand_in(p.field, stand_ins)]
            if kept:
                f.add_domain(InvalidConfig(kept), to_path)
    if command is not None and real_space is not None:
        _check_command_names(f, command, real_space, kwargs, baseline_source or "tuitune.toml")
    return (None if f.problems or project_broken else study), f.in_order()


def _check_command_names(f: Fields, command: str, space: SearchSpace, study: Mapping[str, Any], source: str) -> None:
    """A ``{name}`` in the command needs a hyperparameter that every trial of the study passes."""
    passed = {p.name for p in space if not p.when}
    if study["repeats"] > 1:
        passed.add(study["seed_param"])
    conditional = {p.name for p in space if p.when}
    for key, _ in command_placeholders(command):
        if key in COMMAND_PLACEHOLDERS:
            clash = [p.id for p in space if p.name == key]
            if clash:
                f.add(("params", clash[0], "name"), f"passes the name {key!r}, which the command in {source} "
                      f"uses as tuitune's placeholder {{{key}}}", f'pass it under another name, e.g. name = "{key}_"')
        elif key in conditional and key not in passed:
            f.add(("params",), f"the command in {source} uses {{{key}}}, but {key!r} is conditional: some trials "
                  "do not have it", f"use {{args}} in the command, so that only active hyperparameters are passed")
        elif key not in passed:
            f.add(("params",), f"the command in {source} uses {{{key}}}, but no hyperparameter of this study "
                  f"passes the name {key!r}", f'add [params.{key}] (role = "fixed" takes its [baseline] value), '
                  f"or take {{{key}}} out of the command")


def _about_stand_in(field: str, stand_ins: set[str]) -> bool:
    m = re.fullmatch(r"configs\[\d+\]\.(.+)", field)
    return bool(m and m[1] in stand_ins)


def _relaxed(params: Any) -> tuple[Hyperparameter, ...] | None:
    """The hyperparameters without conditions and with unique names: a space the study's own
    checks can run on while the real space has problems (already reported)."""
    seen: set[str] = set()
    out = []
    for p in params:
        out.append(replace(p, when=(), name=p.name if p.name not in seen else p.id))
        seen.add(out[-1].name)
    try:
        SearchSpace(tuple(out))
    except InvalidConfig:
        return None
    return tuple(out)


def _domain_path(field: str, ids: tuple[str, ...], config_keys: Mapping[tuple[int, str], str]) -> KeyPath:
    """A domain field (``params.lr.low``, ``configs[0].lr``, ``trials``) as a key path of the file."""
    if field == "params" or field.startswith("params."):
        rest = field[len("params."):]
        for pid in sorted(ids, key=len, reverse=True):
            if rest == pid:
                return ("params", pid)
            if rest.startswith(pid + "."):
                return ("params", pid, *rest[len(pid) + 1:].split("."))
        return ("params", *filter(None, rest.split(".")))
    if m := re.fullmatch(r"configs\[(\d+)\]\.?(.*)", field):
        i = int(m[1])
        return ("configs", i, config_keys.get((i, m[2]), m[2])) if m[2] else ("configs", i)
    return tuple(field.split(".")) if field else ()


def _objective(f: Fields, table: Mapping[str, Any], default_metric: str | None,
               project_broken: bool) -> Objective | None:
    if not table:
        return None
    f.unknown_keys(table, ("objective",), ("metric", "direction", "aggregate"))
    metric = f.text(table, ("objective",), "metric", default_metric, '"val_loss"')
    if metric is None and project_broken:  # the broken project file's objective may be why
        return None
    if metric is None:
        f.add(("objective", "metric"), "the study sets an objective but no metric, and there is no project "
              "objective to take it from", 'add metric = "val_loss" under [objective]')
        return None
    try:
        return Objective(metric, f.enum(table, ("objective",), "direction", Direction, Direction.MINIMIZE),
                         f.enum(table, ("objective",), "aggregate", Aggregate, Aggregate.BEST))
    except InvalidConfig as e:
        f.add_domain(e, lambda field: ("objective", field))
        return None


class _ParamReader:
    """Reads ``[params.<id>]`` tables and ``[[configs]]`` into domain values."""

    def __init__(self, f: Fields, baseline: Mapping[str, Value] | None, baseline_source: str | None,
                 project_broken: bool):
        self.f = f
        self.baseline = baseline
        self.baseline_source = baseline_source
        self.project_broken = project_broken
        self.names: dict[str, str] = {}  # id -> passed name
        self.config_keys: dict[tuple[int, str], str] = {}  # (config index, id) -> key as written

    def read(self, pid: str, spec: Any) -> tuple[Hyperparameter | None, bool]:
        """The hyperparameter (or its stand-in) and whether it is a stand-in."""
        f, at = self.f, ("params", pid)
        if not isinstance(spec, dict):
            f.add(at, f"expected a table of settings, found {describe(spec)}",
                  f"write [params.{pid}] with its settings, e.g. role = \"fixed\" and value = {toml_repr(spec)}")
            return None, False
        before = len(f.problems)
        f.unknown_keys(spec, at, PARAM_FIELDS)
        name = f.text(spec, at, "name", pid, f'"{pid}"')
        self.names[pid] = name
        role = f.enum(spec, at, "role", Role, Role.NUISANCE)
        scale = f.enum(spec, at, "scale", Scale, Scale.LINEAR)
        low = f.number(spec, at, "low", None, "0.001")
        high = f.number(spec, at, "high", None, "1.0")
        values = self._values(spec, at)
        value = f.scalar(spec, at, "value", None, "0.1")
        when = self._when(spec.get("when", MISSING), at + ("when",))
        note: dict[KeyPath, str] = {}
        if role is Role.FIXED and value is None and "value" not in spec:
            value = self._from_baseline(pid, name, at)
            if value is not None:
                note[at + ("value",)] = f"taken from [baseline] {name} = {toml_repr(value)} in {self.baseline_source}"
        declared = f.enum(spec, at, "type", ParamType, None)
        ptype = declared or _infer_type(spec, values, value)
        if ptype is ParamType.CATEGORICAL and not values and role is Role.FIXED and value is not None:
            values = (value,)
        kwargs = dict(id=pid, type=ptype, role=role, name=name, low=low, high=high, values=values or (),
                      scale=scale, value=value, when=when)
        if len(f.problems) > before or (role is Role.FIXED and value is None):  # the latter: see _from_baseline
            return _stand_in(kwargs), True
        try:
            return Hyperparameter(**kwargs), False
        except InvalidConfig as e:
            f.add_domain(e, lambda field: at + tuple(field.split(".")), note)
            return _stand_in(kwargs), True

    def _from_baseline(self, pid: str, name: str, at: KeyPath) -> Value | None:
        if self.baseline is not None:
            for key in (name, pid):
                if key in self.baseline:
                    return self.baseline[key]
            if self.project_broken:  # not this study's problem (see parse_study); read() makes a stand-in
                return None
            where = f"in [baseline] of {self.baseline_source}" if self.baseline_source else "in the project's [baseline]"
            looked = f"{name!r}" + (f" or {pid!r}" if pid != name else "")
            self.f.add(at + ("value",), f"a fixed hyperparameter needs a value, found none here nor {where} "
                       f"(looked for {looked})",
                       f"set value = ... under [params.{pid}], or add {name} = ... to [baseline] in tuitune.toml")
        else:
            self.f.add(at + ("value",), "a fixed hyperparameter needs a value, found none, and no tuitune.toml "
                       "was found to take a baseline value from",
                       f"set value = ... under [params.{pid}], or keep the study inside a project folder")
        return None

    def _values(self, spec: Mapping[str, Any], at: KeyPath) -> tuple[Value, ...] | None:
        values = spec.get("values", MISSING)
        if values is MISSING:
            return None
        if not isinstance(values, list):
            self.f.wrong_type(at + ("values",), values, "a list of choices", '["sgd", "adam"]')
            return None
        out = []
        for i, v in enumerate(values):
            if is_scalar(v):
                out.append(v)
            else:
                self.f.wrong_type(at + ("values", i), v, "a string, number or boolean", '"adam"')
        return tuple(out)

    def _when(self, when: Any, at: KeyPath) -> tuple[Condition, ...]:
        if when is MISSING:
            return ()
        if not isinstance(when, dict):
            self.f.wrong_type(at, when, "a table of parent = value", _when_example(when))
            return ()
        out = []
        for parent, wanted in when.items():
            wanted = wanted if isinstance(wanted, list) else [wanted]
            bad = [v for v in wanted if not is_scalar(v)]
            if bad:
                self.f.wrong_type(at + (parent,), bad[0], "a value of the parent, or a list of them",
                                  '"adam" or ["momentum", "nesterov"]')
                continue
            out.append(Condition(parent, tuple(wanted)))
        return tuple(out)

    def configs(self, raw: Any, algorithm: Algorithm) -> tuple[dict[str, Value], ...]:
        """``[[configs]]`` keyed by id; a key may also be the passed name of one hyperparameter."""
        f = self.f
        if raw is MISSING:
            return ()
        if not isinstance(raw, list):
            f.wrong_type(("configs",), raw, "an array of tables", "[[configs]] sections")
            return ()
        if algorithm is not Algorithm.MANUAL and raw:
            f.add(("configs",), f"configurations are only used by the manual algorithm, found algorithm = "
                  f"\"{algorithm}\"", 'set algorithm = "manual", or remove the [[configs]] tables')
        by_name: dict[str, list[str]] = {}
        for pid, name in self.names.items():
            by_name.setdefault(name, []).append(pid)
        out = []
        for i, config in enumerate(raw):
            if not isinstance(config, dict):
                f.wrong_type(("configs", i), config, "a table of hyperparameter = value", "{ learning_rate = 0.1 }")
                continue
            row: dict[str, Value] = {}
            for key, value in config.items():
                pid = key if key in self.names or len(by_name.get(key, ())) != 1 else by_name[key][0]
                self.config_keys[(i, pid)] = key
                if is_scalar(value):
                    row[pid] = value
                else:
                    f.wrong_type(("configs", i, key), value, "a string, number or boolean", "0.1")
            out.append(row)
        return tuple(out)


def _infer_type(spec: Mapping[str, Any], values: tuple[Value, ...] | None, value: Value | None) -> ParamType:
    """Booleans -> bool, other values -> categorical, integer bounds -> int, else float."""
    if values is not None:
        return ParamType.BOOL if values and all(isinstance(v, bool) for v in values) else ParamType.CATEGORICAL
    bounds = [spec[k] for k in ("low", "high") if k in spec]
    if bounds:
        return ParamType.INT if all(is_number(b) and isinstance(b, int) for b in bounds) else ParamType.FLOAT
    return value_type(value)


def value_type(value: Any) -> ParamType:
    """The type a single value implies (a fixed hyperparameter's, a baseline entry's)."""
    if isinstance(value, bool):
        return ParamType.BOOL
    if isinstance(value, int):
        return ParamType.INT
    if isinstance(value, str):
        return ParamType.CATEGORICAL
    return ParamType.FLOAT


def _stand_in(kw: dict[str, Any]) -> Hyperparameter | None:
    """A valid hyperparameter keeping what cross-checks look at (id, name, type, values, when)."""
    ptype: ParamType = kw["type"]
    numeric = ptype in (ParamType.FLOAT, ParamType.INT)
    values: tuple[Value, ...] = ()
    for v in kw["values"]:  # without the duplicates, and values passed as the same text, already reported
        if not any(same_value(u, v) or command_text(u) == command_text(v) for u in values):
            values += (v,)
    if ptype is ParamType.CATEGORICAL and not values:
        return None
    if ptype is ParamType.BOOL:
        values = (False, True)
    fixed = kw["role"] is Role.FIXED
    try:
        return Hyperparameter(id=kw["id"], type=ptype, role=kw["role"], name=kw["name"],
                     low=0 if numeric else None, high=1 if numeric else None, values=() if numeric else values,
                     value=(0 if numeric else values[0]) if fixed else None, when=kw["when"])
    except InvalidConfig:
        return None


def _when_example(when: Any) -> str:
    """The table a mistyped ``when`` meant: ``"optimizer = adam | sgd"`` -> ``{ optimizer = ["adam", "sgd"] }``."""
    parent, equals, wanted = when.replace("==", "=").partition("=") if isinstance(when, str) else ("", "", "")
    values = [v.strip().strip("'\"") for v in wanted.split("|") if v.strip()]
    if not (equals and parent.strip() and values):
        return '{ optimizer = "adam" }'
    shown = toml_repr(values[0]) if len(values) == 1 else "[" + ", ".join(map(toml_repr, values)) + "]"
    return f"{{ {parent.strip()} = {shown} }}"
