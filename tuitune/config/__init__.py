"""Project and study files (TOML) -> domain objects, with errors a user can act on.

Why this layer exists apart from the domain: the domain states the rules with fields relative
to each object (``low``, ``when``); this package knows the files, so it places every problem at
``file:line: full.field.path`` with what was found and the fix, and reports them all at once.

Public API (the CLI is written against it):

* :data:`PROJECT_FILE`, :func:`find_project`, :func:`load_project`,
  :func:`project_store_path`, :func:`project_workdir` — the project file;
* :func:`load_study` — a study design file, fixed values defaulting to the project's baseline;
* :func:`check_files` — every problem of many files, for ``tuitune validate``;
* :func:`init_project` — the commented files ``tuitune init`` writes (``tuitune/templates``).
"""

from tuitune.config.files import check_files, init_project, is_project_file
from tuitune.config.project import (COMMAND_PLACEHOLDERS, PROJECT_FILE, find_project, load_project,
                                    project_store_path, project_workdir)
from tuitune.config.study import load_study

__all__ = [
    "COMMAND_PLACEHOLDERS", "PROJECT_FILE", "check_files", "find_project", "init_project", "is_project_file",
    "load_project", "load_study", "project_store_path", "project_workdir",
]
