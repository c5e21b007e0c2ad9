"""The layer rules of ARCHITECTURE.md, enforced.

Nothing below the TUI may import Textual (the core must run headless, e.g. inside the runner
daemon), and the report client must import nothing but the standard library because it runs
inside the user's training process. Each import is checked in a fresh interpreter so that
modules imported by other tests cannot hide a leak.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ["tuitune.domain", "tuitune.config", "tuitune.store", "tuitune.search", "tuitune.runner",
        "tuitune.analysis", "tuitune.plots"]


def imported_after(module: str) -> set[str]:
    """Modules that importing ``module`` adds to a fresh interpreter (start-up's own, such as an
    editable install's path finder, are not counted)."""
    code = "import sys, json; before = set(sys.modules); import {}; print(json.dumps(sorted(set(sys.modules) - before)))"
    out = subprocess.run([sys.executable, "-c", code.format(module)], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", CORE)
def test_core_package_does_not_import_textual(module: str) -> None:
    if not (ROOT / module.replace(".", "/")).exists() and not (ROOT / (module.replace(".", "/") + ".py")).exists():
        pytest.skip(f"{module} does not exist yet")
    modules = imported_after(module)
    assert not {m for m in modules if m == "textual" or m.startswith("textual.")}


def test_report_client_imports_only_the_standard_library() -> None:
    modules = imported_after("tuitune.client")
    third_party = {m.split(".")[0] for m in modules} - set(sys.stdlib_module_names) - {"tuitune"}
    assert not third_party, f"tuitune.client pulled in {sorted(third_party)}"
    assert {m for m in modules if m.startswith("tuitune")} <= {"tuitune", "tuitune.client"}


def test_import_linter_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if lint is None:
        pytest.skip("import-linter is not installed")
    result = subprocess.run([lint, "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
