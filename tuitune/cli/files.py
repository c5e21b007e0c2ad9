"""``tuitune init`` and ``tuitune validate``: the project and study files."""

from __future__ import annotations

import argparse
from pathlib import Path

from tuitune import config
from tuitune.domain.errors import InvalidConfig


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
    problems = config.check_files(files)
    if problems:
        raise InvalidConfig(problems)
    for path in files:
        print(f"ok  {path}")
    return 0
