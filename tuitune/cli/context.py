"""Finding the project and opening its store, shared by every verb that needs them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from tuitune import config
from tuitune.domain import Project, Round
from tuitune.domain.errors import InvalidConfig, Problem
from tuitune.store import Store


@dataclass
class Context:
    """The project of the current folder and its open store."""

    project: Project
    project_file: Path
    store: Store

    def open_round(self) -> Round:
        """The round new studies go into; an error saying how to start one when there is none."""
        current = self.store.current_round()
        if current is None or current.status != "open":
            raise InvalidConfig([Problem("round", "there is no open round",
                                         'start one with `tuitune round new "GOAL" --kind try_change`')])
        return current


def load_project(args: argparse.Namespace) -> tuple[Project, Path]:
    folder = config.find_project(Path(args.project))
    return config.load_project(folder), folder / config.PROJECT_FILE


def open_context(args: argparse.Namespace, *, readonly: bool = False) -> Context:
    project, project_file = load_project(args)
    store = Store.open(config.project_store_path(project), readonly=readonly)
    return Context(project, project_file, store)
