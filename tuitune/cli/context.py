"""Finding the project and opening its store, shared by every verb that needs them."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from tuitune import config
from tuitune.domain import Project, Round, RoundStatus, Study
from tuitune.domain.errors import InvalidConfig, NotFound, Problem
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
        if current is None or current.status is not RoundStatus.OPEN:
            raise InvalidConfig([Problem("round", "there is no open round",
                                         'start one with `tuitune round new "GOAL" --kind try_change`')])
        return current


    def find_study(self, ref: str) -> Study:
        """A study by id, or by name in the current round; the error lists the known ones."""
        current = self.store.current_round()
        if ref.isdigit():
            found = self.store.get_study(int(ref))
        else:
            found = self.store.study_by_name(current.id, ref) if current else None
        if found is None:
            known = ", ".join(f"{s.id}:{s.name}" for s in self.store.studies(current.id)) if current else ""
            where = f"round {current.id}" if current else "the store (no round yet)"
            raise NotFound(f"no study {ref!r} in {where} (studies: {known or 'none'})")
        return found


def load_project(args: argparse.Namespace) -> tuple[Project, Path]:
    folder = config.find_project(Path(args.project))
    return config.load_project(folder), folder / config.PROJECT_FILE


def open_context(args: argparse.Namespace, *, readonly: bool = False) -> Context:
    project, project_file = load_project(args)
    store = Store.open(config.project_store_path(project), readonly=readonly)
    return Context(project, project_file, store)
