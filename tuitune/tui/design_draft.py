"""The design being edited in the Design pane: a study file's contents, held as plain TOML values.

Why the draft is the file's data and not a :class:`~tuitune.domain.Study`: a person typing a
range passes through invalid states (low above high, a half-typed number, a fixed value that is
missing), and bad input must lose nothing. A ``Study`` cannot hold an invalid design; a TOML
table can. So the draft keeps exactly what a study file would hold, :func:`check` reads it with
the same parser as ``tuitune validate`` (:func:`tuitune.config.study.parse_study`), so the pane's
messages are the file's messages, and saving writes the draft as it is
(:mod:`tuitune.tui.design_toml`). Pure: no Textual, no store.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tuitune import search
from tuitune.config.study import parse_study, value_type
from tuitune.config.toml import display_name, format_path, read_toml
from tuitune.domain import Problem, Project, Role, Study
from tuitune.domain.space import ParamType, Scale

Table = dict[str, Any]


@dataclass(frozen=True)
class Draft:
    """A study design as study-file data. Treat it as immutable: every edit returns a new one."""

    settings: Mapping[str, Any]
    """Top-level keys of the file: name, algorithm, trials, seed, repeats, layout, objective..."""
    params: Mapping[str, Any] = field(default_factory=dict)
    """Hyperparameter id -> its ``[params.<id>]`` table, in the file's order."""
    configs: tuple[Any, ...] = ()
    """The ``[[configs]]`` of a manual study."""
    source: str = ""
    """Where it came from, for the title: a file, a stored study, the baseline."""
    stored: bool = False
    """A study already in the round: shown read-only (edit a copy instead)."""
    path: str = ""
    """The study file it was opened from or last saved to (absolute): what ``w`` offers to write."""

    @property
    def name(self) -> str:
        name = self.settings.get("name")
        return name if isinstance(name, str) else ""

    def data(self) -> dict[str, Any]:
        """The study file's data (deep copies: safe to hand out)."""
        out = copy.deepcopy(dict(self.settings))
        out["params"] = copy.deepcopy(dict(self.params))
        if self.configs:
            out["configs"] = copy.deepcopy(list(self.configs))
        return out

    def table(self, pid: str) -> Table:
        """A copy of ``pid``'s table (an empty table for a value that is not one)."""
        spec = self.params.get(pid)
        return copy.deepcopy(spec) if isinstance(spec, dict) else {}

    def with_param(self, old_id: str | None, new_id: str, table: Table) -> Draft:
        """``old_id`` replaced by ``new_id`` (same place), or ``new_id`` added at the end."""
        params: dict[str, Any] = {}
        for pid, spec in self.params.items():
            params[new_id if pid == old_id else pid] = copy.deepcopy(table) if pid == old_id else spec
        if old_id is None or old_id not in self.params:
            params[new_id] = copy.deepcopy(table)
        return replace(self, params=params)

    def without_param(self, pid: str) -> Draft:
        return replace(self, params={k: v for k, v in self.params.items() if k != pid})

    def with_settings(self, settings: Mapping[str, Any]) -> Draft:
        return replace(self, settings=copy.deepcopy(dict(settings)))


@dataclass(frozen=True)
class Checked:
    """A draft read as a study: the study when valid, every problem, and the design warnings."""

    study: Study | None
    problems: tuple[Problem, ...] = ()
    warnings: tuple[str, ...] = ()

    def of_param(self, pid: str) -> tuple[Problem, ...]:
        """Problems whose field is ``params.<pid>`` or below it."""
        prefix = format_path(("params", pid))
        return tuple(p for p in self.problems if p.field == prefix or p.field.startswith(prefix + "."))

    def field_of(self, problem: Problem, pid: str) -> str:
        """The field of ``problem`` relative to ``pid`` (``low``, ``when``; ``""`` for the table)."""
        prefix = format_path(("params", pid))
        return problem.field[len(prefix) + 1:].split(".")[0] if problem.field.startswith(prefix + ".") else ""


def describe_problem(problem: Problem) -> str:
    """``params.lr.low: log scale needs low > 0 (fix: ...)``, without the file name."""
    head = f"{problem.field}: {problem.message}" if problem.field else problem.message
    return f"{head} (fix: {problem.fix})" if problem.fix else head


def check(draft: Draft, project: Project, project_file: Path) -> Checked:
    """Read ``draft`` as ``tuitune validate`` reads a study file against ``project``."""
    study, problems = parse_study(draft.data(), None, "design", draft.name or "study",
                                  baseline=project.baseline, default_metric=project.objective.metric,
                                  baseline_source=project.baseline_origin or display_name(project_file),
                                  command=project.command)
    if study is None:
        return Checked(None, tuple(problems))
    return Checked(study, (), tuple(search.warnings(study)))


# --- making drafts ----------------------------------------------------------------------------

def from_study(study: Study, source: str, *, stored: bool = False) -> Draft:
    """The draft that saves as ``study``'s file (fixed values written out explicitly)."""
    settings: Table = {"name": study.name, "algorithm": study.algorithm.value, "trials": study.trials,
                       "seed": study.seed, "repeats": study.repeats, "layout": study.layout.value}
    if study.seed_param != "seed":
        settings["seed_param"] = study.seed_param
    if study.grid_steps != 3:
        settings["grid_steps"] = study.grid_steps
    if study.notes:
        settings["notes"] = study.notes
    if study.objective is not None:
        o = study.objective
        settings["objective"] = {"metric": o.metric, "direction": o.direction.value, "aggregate": o.aggregate.value}
    params: dict[str, Table] = {}
    for p in study.space:
        table: Table = {"role": p.role.value, "type": p.type.value}
        if p.name != p.id:
            table["name"] = p.name
        for key in ("low", "high"):
            if getattr(p, key) is not None:
                table[key] = getattr(p, key)
        if p.scale is Scale.LOG:
            table["scale"] = "log"
        if p.values and not (p.type is ParamType.BOOL and p.values == (False, True)):
            table["values"] = list(p.values)
        if p.value is not None:
            table["value"] = p.value
        if p.when:
            table["when"] = {c.parent: c.values[0] if len(c.values) == 1 else list(c.values) for c in p.when}
        params[p.id] = table
    return Draft(settings, params, tuple(dict(c) for c in study.configs), source, stored)


def from_baseline(baseline: Mapping[str, Any], name: str = "study", origin: str = "") -> Draft:
    """Every baseline key as a fixed hyperparameter of the inferred type: the playbook's start.

    ``origin`` names an adopted baseline (``baseline B2, adopted in R1``); empty: tuitune.toml's."""
    params = {key: {"role": "fixed", "type": value_type(value).value, "value": value}
              for key, value in baseline.items()}
    settings = {"name": name, "algorithm": "quasi_random", "trials": 20, "seed": 0, "repeats": 1, "layout": "joint"}
    return Draft(settings, params, (), origin or "the project's [baseline]")


def from_file(path: Path, root: Path | None = None) -> Draft:
    """A study file's data as a draft, problems and all; raises ``InvalidConfig`` when it is
    not TOML at all (nothing to show). Its source reads relative to ``root`` (the project)."""
    data, _ = read_toml(path, display_name(path))
    params = data.get("params", {})
    configs = data.get("configs", [])
    settings = {k: v for k, v in data.items() if k not in ("params", "configs")}
    settings.setdefault("name", path.stem)
    return Draft(settings, params if isinstance(params, dict) else {"params": params},
                 tuple(configs) if isinstance(configs, list) else (configs,), file_label(path, root),
                 path=str(path.resolve()))


def file_label(path: Path, root: Path | None) -> str:
    """``studies/wd.toml`` inside the project ``root``; elsewhere as the user would type it."""
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return display_name(path)


# --- edits by key ------------------------------------------------------------------------------

def set_role(draft: Draft, pid: str, role: Role, baseline: Mapping[str, Any]) -> Draft:
    """``pid`` in ``role``. Leaving *fixed* turns its one value into a starting range (see
    :func:`suggest_range`) or a first categorical value, so the design stays close to the
    baseline; undo restores it."""
    table = draft.table(pid)
    was_fixed = table.get("role") == Role.FIXED.value
    table["role"] = role.value
    if role is not Role.FIXED and was_fixed:
        value = table.pop("value", baseline.get(table.get("name", pid), baseline.get(pid)))
        kind = table.get("type") or (value_type(value).value if value is not None else None)
        if kind in ("float", "int") and "low" not in table and "high" not in table:
            table.update(suggest_range(value, kind))
        elif kind == "categorical" and not table.get("values") and value is not None:
            table["values"] = [value]
    return draft.with_param(pid, pid, table)


def suggest_range(value: Any, kind: str) -> Table:
    """A starting range around a positive baseline value; empty when there is none to go by.

    An int: half to double. A float near 1 (momentum 0.9, a beta of 0.999) is tuned by its gap
    to 1, half to double that gap (0.8 … 0.95), never reaching 1. Another float below 1 (a
    learning rate, a dropout): a decade below it up to at most 1.0, on a log scale; from 1 up, a
    decade either side. The user edits it (e) from there."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return {}
    if kind == "int":
        return {"low": max(1, int(value) // 2), "high": max(2, int(value) * 2)}
    if 0.5 < value < 1:
        gap = 1 - value
        digits = 2 - math.floor(math.log10(gap / 2))  # enough to keep high = 1 - gap/2 below 1
        low, high = round(1 - 2 * gap, digits), round(1 - gap / 2, digits)
        return {"low": low, "high": high} if low < high < 1 else {}
    high = value * 10 if value >= 1 else min(1.0, value * 10)
    return {"low": float(f"{value / 10:.3g}"), "high": float(f"{high:.3g}"), "scale": "log"}


def toggle_scale(draft: Draft, pid: str) -> Draft:
    table = draft.table(pid)
    if table.get("scale") == "log":
        table.pop("scale")
    else:
        table["scale"] = "log"
    return draft.with_param(pid, pid, table)


# --- text in the forms <-> TOML values ---------------------------------------------------------

def parse_value(text: str) -> Any:
    """What a form field holds: a TOML value when it reads as one, else the text itself (so
    ``adam`` is the string "adam" and a half-typed ``1e-`` stays for the parser to flag)."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_list(text: str) -> Any:
    """``sgd, adam`` or ``[0.0, 1e-4]``: a list; items that are not TOML values are strings."""
    text = text.strip()
    if text.startswith("["):
        return parse_value(text)
    return [parse_value(item) for item in split_top(text, ",") if item.strip()]


def parse_when(text: str) -> Any:
    """``optimizer = adam`` or ``optimizer = momentum | nesterov; other = true``: a table of
    parent -> value(s). Text that does not read so is kept as text (the parser then says why)."""
    text = text.strip()
    try:
        return tomllib.loads(f"v = {{{text}}}")["v"]
    except tomllib.TOMLDecodeError:
        pass
    out: Table = {}
    for part in split_top(text, ";"):
        if not part.strip():
            continue
        key, eq, rest = part.partition("=")
        if not eq or not key.strip():
            return text
        values = [parse_value(v) for v in rest.split("|")]
        out[key.strip().strip('"')] = values[0] if len(values) == 1 else values
    return out


def split_top(text: str, sep: str) -> list[str]:
    """``text`` split on ``sep`` outside quotes and brackets."""
    parts, depth, quote, buf = [], 0, "", ""
    for ch in text:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(buf)
            buf = ""
            continue
        buf += ch
    return parts + [buf]


def show_value(value: Any) -> str:
    """A TOML value as a person reads it in a form or cell: strings bare when unambiguous."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:g}" if float(f"{value:g}") == value else repr(value)
        return text + ".0" if text.lstrip("-").isdigit() else text
    if isinstance(value, str):
        return value if value and parse_value(value) == value and "," not in value and "|" not in value \
            else '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, list):
        return ", ".join(show_value(v) for v in value)
    return str(value)


def cell_value(value: Any) -> str:
    """A value in a table cell: a long float to 4 significant digits (a candidate's learning rate
    reads ``0.03524``, not ``0.03523557869658319``); the edit form shows it exactly."""
    text = show_value(value)
    return f"{value:.4g}" if isinstance(value, float) and len(text) > 8 else text


def show_when(when: Any) -> str:
    """``{optimizer = "adam"}`` -> ``optimizer = adam``; text kept as text."""
    if not isinstance(when, dict):
        return str(when)
    return "; ".join(f"{k} = " + (" | ".join(show_value(x) for x in v) if isinstance(v, list) else show_value(v))
                     for k, v in when.items())
