"""``tuitune.toml``: the project file, read into a :class:`~tuitune.domain.Project`.

Why it is read this way: the project file is edited by hand, once, and then trusted by every
trial for weeks. Anything odd is refused up front with the line and the fix, rather than
discovered as a crashed trial at 3 a.m.: unknown fields (typos such as ``[resource]``),
regexes that do not compile or name no metric, unknown command placeholders, a GPU pool
smaller than one trial's share, a workdir that does not exist. The ``[baseline]`` table is read
even when the rest of the file is broken, so study files can still be checked against it.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tuitune.config.fields import MISSING, Fields, describe, is_scalar, suggest
from tuitune.config.toml import KeyPath, Locator, display_name, read_toml
from tuitune.domain import DivergenceRule, InvalidConfig, MetricChannels, Objective, Problem, Project
from tuitune.domain.objective import Aggregate, Direction
from tuitune.domain.project import DEFAULT_STORE
from tuitune.domain.space import Value

PROJECT_FILE = "tuitune.toml"

COMMAND_PLACEHOLDERS = ("args", "args_no_hyphens", "args_json", "params_file", "trial_id", "trial_dir")
"""The built-in ``{placeholders}`` of a command template (as :mod:`tuitune.runner.render` fills
them); any other ``{name}`` is the value of the hyperparameter passed as ``name``."""
WORD_ONLY = ("args", "args_no_hyphens")
"""Placeholders that expand to several words, so they must be a word of their own."""
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\-]*)\}")

SECTIONS: Mapping[str, tuple[str, ...]] = {
    "project": ("name", "command", "workdir", "store"),
    "objective": ("metric", "direction", "aggregate"),
    "metrics": ("train", "valid", "stdout_protocol", "regex", "csv"),
    "divergence": ("metrics", "above", "below", "stop"),
    "resources": ("parallel", "gpus_per_trial", "gpus", "timeout", "max_retries", "stop_grace"),
    "baseline": (),
}
"""The tables of a project file and their fields (``baseline`` takes any hyperparameter name)."""

_HOME = {key: section for section, keys in SECTIONS.items() for key in keys}


def find_project(start: Path | str = ".") -> Path:
    """The folder holding ``tuitune.toml``: ``start`` or the nearest folder above it.

    Walking up lets every command work from any subfolder of a project, as git does.
    """
    here = Path(start).expanduser().resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return folder
    raise InvalidConfig([Problem("", f"no {PROJECT_FILE} in {display_name(here)} or any folder above it",
                                 "run `tuitune init` in your project's folder, cd into a project, or try `tuitune demo`",
                                 display_name(here))])


def project_file(path: Path | str) -> Path:
    """``path`` itself, or the project file inside it when it is a folder."""
    path = Path(path).expanduser()
    return path / PROJECT_FILE if path.is_dir() else path


def load_project(path: Path | str) -> Project:
    """Read a project file (``path`` is the file or its folder); :class:`InvalidConfig` lists
    every problem. ``Project.root`` is the folder, absolute; store and workdir stay as written
    (see :func:`project_store_path` and :func:`project_workdir`)."""
    file = project_file(path)
    if not file.exists() and file.name == PROJECT_FILE:
        raise InvalidConfig([Problem("", "no such file", "run `tuitune init` there, or name the project's folder",
                                     display_name(file))])
    data, locator = read_toml(file, display_name(file))
    project, problems, _ = parse_project(data, locator, display_name(file), file.resolve().parent)
    if problems or project is None:
        raise InvalidConfig(problems)
    return project


def project_store_path(project: Project) -> Path:
    """The store's path: ``project.store`` relative to the project's folder unless absolute."""
    return _under_root(Path(project.root), project.store)


def project_workdir(project: Project) -> Path:
    """Where trials run: ``project.workdir`` relative to the project's folder unless absolute."""
    return _under_root(Path(project.root), project.workdir)


def _under_root(root: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else root / path


def parse_project(data: Mapping[str, Any], locator: Locator | None, file: str, root: Path
                  ) -> tuple[Project | None, list[Problem], dict[str, Value]]:
    """The project, every problem, and the baseline (read even when the rest is broken)."""
    f = Fields(file, locator)
    f.unknown_keys(data, (), SECTIONS, moved=_HOME)
    t = {name: f.table(data, (), name) for name in SECTIONS}
    for name, keys in SECTIONS.items():
        if keys:
            f.unknown_keys(t[name], (name,), keys, moved=_HOME)
    baseline = _baseline(f, t["baseline"])

    p = t["project"]
    command = f.text(p, ("project",), "command", None, '"python train.py {args}"')
    if command is None and "command" not in p:
        f.add(("project", "command"), "the training command is missing",
              'add command = "python train.py {args}" under [project]')
    elif command is not None:
        _check_command(f, command, baseline)
    name = f.text(p, ("project",), "name", root.name or "project", '"mlp"')
    workdir = f.text(p, ("project",), "workdir", ".", '"."')
    _check_workdir(f, root, workdir)
    store = f.text(p, ("project",), "store", DEFAULT_STORE, f'"{DEFAULT_STORE}"')
    if isinstance(store, str) and store.endswith(("/", "\\")):
        f.add(("project", "store"), f"names a folder, found {store!r}; the store is a file",
              f'write store = "{store}store.db"')

    m = t["metrics"]
    train = f.text(m, ("metrics",), "train", "train_loss", '"train_loss"')
    valid = f.text(m, ("metrics",), "valid", "val_loss", '"val_loss"')
    regexes = f.strings(m, ("metrics",), "regex", r"""['epoch (?P<step>\d+) loss (?P<train_loss>[\d.eE+-]+)']""")
    _check_regexes(f, regexes)
    channels = MetricChannels(stdout_protocol=f.boolean(m, ("metrics",), "stdout_protocol", True), regex=regexes,
                              csv=f.text(m, ("metrics",), "csv", None, '"logs/metrics.csv"'))

    o = t["objective"]
    objective = None
    try:
        objective = Objective(f.text(o, ("objective",), "metric", valid, '"val_loss"'),
                              f.enum(o, ("objective",), "direction", Direction, Direction.MINIMIZE),
                              f.enum(o, ("objective",), "aggregate", Aggregate, Aggregate.BEST))
    except InvalidConfig as e:
        f.add_domain(e, lambda field: ("objective", field))

    d = t["divergence"]
    above = f.number(d, ("divergence",), "above", None, "1e3")
    below = f.number(d, ("divergence",), "below", None, "-1e3")
    if above is not None and below is not None and not below < above:
        f.add(("divergence", "below"), f"needs below < above, found below = {below!r}, above = {above!r}",
              "every value would count as diverged; lower below or raise above")
    divergence = DivergenceRule(f.strings(d, ("divergence",), "metrics", '["train_loss"]'), above, below,
                                f.boolean(d, ("divergence",), "stop", True))

    r = t["resources"]
    parallel = f.integer(r, ("resources",), "parallel", 1)
    per_trial = f.integer(r, ("resources",), "gpus_per_trial", 0, "0")
    gpus = _gpus(f, r)
    if gpus is not None and isinstance(per_trial, int) and per_trial > len(gpus):
        f.add(("resources", "gpus_per_trial"),
              f"each trial needs {per_trial} GPUs but the pool has {len(gpus)} ({list(gpus)})",
              "lower gpus_per_trial or add GPU ids to gpus")
    timeout = f.number(r, ("resources",), "timeout", None, "3600")
    grace = f.number(r, ("resources",), "stop_grace", 30.0, "30")

    project = None
    if objective is not None and command is not None:
        try:
            project = Project(command=command, name=name, workdir=workdir, store=store, objective=objective,
                              train_metric=train, valid_metric=valid, metrics=channels, divergence=divergence,
                              parallel=parallel, gpus_per_trial=per_trial, gpus=gpus, timeout=timeout,
                              max_retries=f.integer(r, ("resources",), "max_retries", 0, "0"), stop_grace=grace,
                              baseline=baseline, root=str(root))
        except InvalidConfig as e:
            f.add_domain(e, lambda field: tuple(field.split(".")))
    return (None if f.problems else project), f.in_order(), baseline


def _baseline(f: Fields, table: Mapping[str, Any]) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for key, value in table.items():
        if is_scalar(value) and not (isinstance(value, float) and not math.isfinite(value)):
            out[key] = value
        else:
            f.add(("baseline", key), f"a baseline value is one string, number or boolean, found {describe(value)}",
                  f"write {key} = <the value your script gets today>")
    return out


def _gpus(f: Fields, table: Mapping[str, Any]) -> tuple[str, ...] | None:
    """GPU ids as CUDA_VISIBLE_DEVICES takes them: indices (0, 1) or UUIDs ("GPU-...", "MIG-...")."""
    value = table.get("gpus", MISSING)
    if value is MISSING:
        return None
    if not isinstance(value, list):
        f.wrong_type(("resources", "gpus"), value, "a list of GPU ids", "[0, 1]")
        return None
    out: list[str] = []
    for i, gpu in enumerate(value):
        is_index = isinstance(gpu, int) and not isinstance(gpu, bool) and gpu >= 0
        is_uuid = isinstance(gpu, str) and gpu.startswith(("GPU-", "MIG-"))
        if not (is_index or is_uuid):
            f.add(("resources", "gpus", i), f"a GPU id is a whole number >= 0 or a GPU-/MIG- UUID, found {describe(gpu)}",
                  "list ids as nvidia-smi -L shows them, e.g. gpus = [0, 1]")
        elif str(gpu) in out:
            f.add(("resources", "gpus", i), f"GPU {gpu} is listed twice", "list each GPU once")
        else:
            out.append(str(gpu))
    return tuple(out)


def command_placeholders(command: str) -> list[tuple[str, str]]:
    """``(placeholder, word)`` for each ``{placeholder}`` of the command's shell words."""
    try:
        words = shlex.split(command)
    except ValueError:
        return []
    return [(m[1], word) for word in words for m in PLACEHOLDER.finditer(word)]


def _check_command(f: Fields, command: str, baseline: Mapping[str, Value]) -> None:
    """What would make every trial fail to start, said now rather than at the first trial.

    The runner splits the template like a shell (never running one) and fills placeholders word
    by word; any other text, braces included, is kept. A ``{name}`` outside the built-ins is a
    hyperparameter's value, checked against each study; here only likely typos of a built-in
    are refused, unless ``[baseline]`` has a hyperparameter of that name.
    """
    at = ("project", "command")
    try:
        shlex.split(command)
    except ValueError as e:
        f.add(at, f"cannot be split into words as a shell would ({e}), found {command!r}",
              "balance the quotes, or escape a lone quote with a backslash")
        return
    for key, word in command_placeholders(command):
        if key in WORD_ONLY and word != "{" + key + "}":
            f.add(at, f"{{{key}}} expands to several words and must be a word of its own, found {word!r}",
                  f"put spaces around {{{key}}}")
        elif key not in COMMAND_PLACEHOLDERS and key not in baseline and (close := suggest(key, COMMAND_PLACEHOLDERS)):
            f.add(at, f"unknown placeholder {{{key}}}; did you mean {{{close}}}?",
                  f"write {{{close}}}; a {{name}} of your own is the value of the hyperparameter passed as name")


def _check_workdir(f: Fields, root: Path, workdir: str) -> None:
    """Every trial starts in the workdir, so a missing one would fail them all: said now."""
    folder = _under_root(root, workdir)
    if folder.is_dir():
        return
    what = "is a file, not a folder" if folder.exists() else "does not exist"
    f.add(("project", "workdir"), f"found workdir = {workdir!r}: {folder} {what}",
          'create that folder, or set workdir to one that exists, relative to the folder of tuitune.toml '
          '("." is that folder)')


def _check_regexes(f: Fields, regexes: tuple[str, ...]) -> None:
    path: KeyPath
    for i, pattern in enumerate(regexes):
        path = ("metrics", "regex", i)
        try:
            compiled = re.compile(pattern)
        except re.error as e:
            f.add(path, f"does not compile: {e}, found {pattern!r}",
                  r"fix the expression, e.g. 'loss (?P<train_loss>[\d.eE+-]+)'")
            continue
        if not set(compiled.groupindex) - {"step"}:
            f.add(path, f"names no metric: it needs a named group such as (?P<train_loss>...), found {pattern!r}",
                  "name each captured metric with (?P<metric_name>...); (?P<step>...) captures the step")
