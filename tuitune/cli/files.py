"""``tuitune init`` and ``tuitune validate``: the project and study files."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

from tuitune import config
from tuitune.baselines import with_current_baseline
from tuitune.domain import Project
from tuitune.domain.errors import InvalidConfig
from tuitune.domain.space import Value
from tuitune.store import Store


def register(verbs: argparse._SubParsersAction) -> None:
    init = verbs.add_parser("init", help="write a commented tuitune.toml and an example study file")
    init.add_argument("folder", nargs="?", default=".", help="where to write them (default: here)")
    init.set_defaults(func=run_init)

    validate = verbs.add_parser("validate", help="check project and study files; list every problem")
    validate.add_argument("files", nargs="*", type=Path,
                          help="files to check (default: the project file and studies/*.toml)")
    validate.set_defaults(func=run_validate)


def run_init(args: argparse.Namespace) -> int:
    written = config.init_project(Path(args.folder))
    for path in written:
        print(f"wrote {path}")
    print("next: edit tuitune.toml (command, metrics, baseline), then `tuitune validate`")
    return 0


def default_files(start: Path) -> list[Path]:
    """The project file and the study files beside it, for a bare ``tuitune validate``."""
    folder = config.find_project(start)
    return [folder / config.PROJECT_FILE, *sorted((folder / "studies").glob("*.toml"))]


def run_validate(args: argparse.Namespace) -> int:
    files = list(args.files) or default_files(Path(args.project))
    read: dict[Path, tuple[Mapping[str, Value], str] | None] = {}

    def adopted(project: Project) -> tuple[Mapping[str, Value], str] | None:
        """The store's adopted baseline of ``project``, read once per store for all the files."""
        path = Path(config.project_store_path(project))
        if path not in read:
            read[path] = _adopted(path, project)
        return read[path]

    problems = config.check_files(files, adopted=adopted)
    if problems:
        raise InvalidConfig(problems)
    for path in files:
        print(f"ok  {path}")
        for warning in _design_warnings(Path(path), adopted):
            print(f"    warning: {warning}")
    return 0


def _adopted(store_path: Path, project: Project) -> tuple[Mapping[str, Value], str] | None:
    """The adopted baseline (written over the file's) and its origin, as ``study add`` uses it;
    ``None`` without a store or an adoption."""
    if not store_path.is_file():
        return None
    with Store.open(store_path, readonly=True) as store:
        current = with_current_baseline(store, project)
    return (current.baseline, current.baseline_origin) if current.baseline_origin else None


def _design_warnings(path: Path, adopted: Callable[[Project], tuple[Mapping[str, Value], str] | None]) -> list[str]:
    """What ``study add`` would warn about a valid study file; nothing for a project file."""
    from tuitune import search
    try:
        if path.name == config.PROJECT_FILE:
            return []
        project = config.load_project(config.find_project(path.parent))
        if (found := adopted(project)) is not None:
            project = replace(project, baseline=found[0], baseline_origin=found[1])
        return search.warnings(config.load_study(path, project))
    except InvalidConfig:  # a project file under another name, or no project: nothing more to say
        return []
