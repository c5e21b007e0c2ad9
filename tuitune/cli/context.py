"""Finding the project and opening its store, shared by every verb that needs them."""

from __future__ import annotations

import argparse
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tuitune import config
from tuitune.baselines import with_current_baseline
from tuitune.domain import Project, Round, RoundStatus, Study
from tuitune.domain.errors import InvalidConfig, NotFound, Problem
from tuitune.store import Store


@dataclass
class Context:
    """The project of the current folder and its open store."""

    project: Project
    project_file: Path
    store: Store
    problems: InvalidConfig | None = None
    """What is wrong with tuitune.toml when it was opened ``lenient`` (``project`` then holds
    defaults and the file's store path): enough to look at and stop trials, not to start any."""

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
            elsewhere = [s for s in self.store.studies() if s.name == ref]  # a name is unique in its round only
            hint = "; in other rounds: " + ", ".join(f"study {s.id} (round {s.round_id})" for s in elsewhere) + \
                " — pass its id" if elsewhere else ""
            raise NotFound(f"no study {ref!r} in {where} (studies: {known or 'none'}){hint}")
        return found


def load_project(args: argparse.Namespace) -> tuple[Project, Path]:
    folder = config.find_project(Path(args.project))
    return config.load_project(folder), folder / config.PROJECT_FILE


def load_project_leniently(args: argparse.Namespace) -> tuple[Project, Path, InvalidConfig | None]:
    """:func:`load_project`, but a tuitune.toml with problems gives a stand-in project (see
    :func:`stand_in`) and the problems, printed as a warning: an edit that broke the file must
    not keep the user from seeing and stopping the trials that already run."""
    try:
        return (*load_project(args), None)
    except InvalidConfig as problems:
        folder = config.find_project(Path(args.project))
        print(f"tuitune: warning: {problems}\n(shown anyway; fix tuitune.toml before starting trials)",
              file=sys.stderr)
        return stand_in(folder), folder / config.PROJECT_FILE, problems


def stand_in(folder: Path) -> Project:
    """A project with tuitune's defaults and what can still be read of ``folder``'s tuitune.toml:
    its name and its store's path (its whole TOML may not parse: then the default store)."""
    try:
        section = tomllib.loads((folder / config.PROJECT_FILE).read_text()).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        section = {}
    section = section if isinstance(section, dict) else {}
    fields = {k: v for k in ("name", "store") if isinstance(v := section.get(k), str) and v.strip()}
    return Project("(tuitune.toml has problems)", root=str(folder), **fields)


def open_context(args: argparse.Namespace, *, readonly: bool = False, lenient: bool = False) -> Context:
    if lenient:
        project, project_file, problems = load_project_leniently(args)
    else:
        (project, project_file), problems = load_project(args), None
    store = Store.open(config.project_store_path(project), readonly=readonly)
    try:
        project = with_current_baseline(store, project)  # an adopted baseline outranks the file's
    except BaseException:
        store.close()
        raise
    return Context(project, project_file, store, problems)
