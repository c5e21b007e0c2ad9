"""``tuitune validate`` and ``tuitune init``: checking many files, and writing the first ones.

Why :func:`check_files` never raises for a user's mistake: validation is the one place where a
user asks for *all* the bad news at once, across files, so problems are returned as a list
(each carrying its file and line) and the CLI decides how to print them and what exit code to use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from tuitune.config.project import PROJECT_FILE, find_project, parse_project
from tuitune.config.study import parse_study
from tuitune.config.toml import display_name, read_toml
from tuitune.domain import InvalidConfig, Problem, Project
from tuitune.domain.space import Value

TEMPLATES = {PROJECT_FILE: "tuitune.toml", "studies/example.toml": "example_study.toml"}
"""What ``tuitune init`` writes (relative to the folder) from which file of ``tuitune/templates``."""


class _Projects:
    """Project files parsed at most once per :func:`check_files` call."""

    def __init__(self) -> None:
        self.cache: dict[Path, tuple[Project | None, list[Problem], dict[str, Value]]] = {}

    def parse(self, file: Path, data: dict[str, Any] | None = None, locator: Any = None
              ) -> tuple[Project | None, list[Problem], dict[str, Value]]:
        key = file.resolve()
        if key not in self.cache:
            name = display_name(file)
            try:
                if data is None:
                    data, locator = read_toml(file, name)
                self.cache[key] = parse_project(data, locator, name, key.parent)
            except InvalidConfig as e:
                self.cache[key] = (None, list(e.problems), {})
        return self.cache[key]


def is_project_file(path: Path, data: dict[str, Any]) -> bool:
    """Project files are named ``tuitune.toml``, or hold a ``[project]`` table."""
    return path.name == PROJECT_FILE or isinstance(data.get("project"), dict)


def check_files(paths: list[Path | str],
                adopted: Callable[[Project], tuple[Mapping[str, Value], str] | None] | None = None) -> list[Problem]:
    """Every problem of every file, in order; empty when all are fine.

    Study files are checked against the nearest project file above them (for baseline values
    and the objective), whose own problems are reported once, and only if it is also in
    ``paths`` or was needed by a study; while it has problems, those stand in for the study's
    follow-on ones (see :func:`~tuitune.config.study.parse_study`). ``adopted`` gives a
    project's adopted baseline and its origin, written over the file's ``[baseline]`` as
    ``study add`` does (the config layer does not read the store itself).
    """
    projects = _Projects()
    problems: list[Problem] = []

    def extend(new: list[Problem]) -> None:
        problems.extend(p for p in new if p not in problems)

    for raw in paths:
        path = Path(raw).expanduser()
        name = display_name(path)
        try:
            data, locator = read_toml(path, name)
        except InvalidConfig as e:
            extend(list(e.problems))
            continue
        if is_project_file(path, data):
            extend(projects.parse(path, data, locator)[1])
            continue
        try:
            project_path: Path | None = find_project(path.parent) / PROJECT_FILE
        except InvalidConfig:
            project_path = None
        baseline: dict[str, Value] | None = None
        metric, source, command, broken = None, None, None, False
        if project_path is not None:
            project, project_problems, baseline = projects.parse(project_path)
            extend(project_problems)
            source = display_name(project_path)
            if project is not None and adopted is not None and (found := adopted(project)) is not None:
                baseline, source = {**(baseline or {}), **found[0]}, found[1]
            metric = project.objective.metric if project else None
            command = project.command if project else None
            broken = project is None
        extend(parse_study(data, locator, name, path.stem, baseline=baseline, default_metric=metric,
                           baseline_source=source, command=command, project_broken=broken)[1])
    return problems


def template(name: str) -> str:
    """The text of one file of ``tuitune/templates``."""
    return resources.files("tuitune").joinpath("templates", name).read_text(encoding="utf-8")


def init_project(folder: Path | str) -> list[Path]:
    """Write a commented ``tuitune.toml`` and ``studies/example.toml`` into ``folder`` (made if
    missing); return their paths. Nothing is written when any of them already exists: a
    half-initialised folder is harder to reason about than a refusal."""
    folder = Path(folder).expanduser()
    targets = {folder / rel: src for rel, src in TEMPLATES.items()}
    existing = [path for path in targets if path.exists()]
    if existing:
        raise InvalidConfig([Problem("", "already exists; tuitune init never overwrites a file",
                                     "remove it, or run `tuitune init` in another folder", display_name(path))
                             for path in existing])
    name = folder.resolve().name or "project"
    written = []
    for path, src in targets.items():
        text = template(src).replace("__NAME__", name.replace("\\", "\\\\").replace('"', '\\"'))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8") as out:  # "x": never clobber a file made meanwhile
                out.write(text)
        except OSError as e:
            raise InvalidConfig([Problem("", f"cannot be written: {e.strerror or e}",
                                         "pick a folder you can write to", display_name(path))]) from None
        written.append(path)
    return written
