"""The command line as a user meets it: exit codes, messages, and records in the store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tuitune import __version__, config
from tuitune.cli import main
from tuitune.domain import Baseline, Decision, Verdict
from tuitune.store import Store

STUDY = """\
name = "wd"
algorithm = "quasi_random"
trials = 12
seed = 3

[params.weight_decay]
role = "scientific"
values = [0.0, 0.0001, 0.001]

[params.learning_rate]
role = "nuisance"
low = 1e-4
high = 1.0
scale = "log"
"""


def run_cli(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real console entry point in a child process, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "tuitune", *argv], capture_output=True, text=True,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=60)


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"tuitune {__version__}"


def test_bare_command_outside_a_project_says_how_to_start(tmp_path: Path) -> None:
    result = run_cli(cwd=tmp_path)
    assert result.returncode == 1
    assert "tuitune init" in result.stderr
    assert "Traceback" not in result.stderr


def test_init_then_validate_in_an_empty_folder(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    assert run_cli("init", cwd=folder).returncode == 0
    result = run_cli("validate", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "tuitune.toml" in result.stdout


def test_init_refuses_to_overwrite(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", str(project_dir)]) == 1
    err = capsys.readouterr().err
    assert "tuitune.toml" in err and "fix" in err


def test_validate_reports_the_field_and_fix_without_traceback(project_dir: Path) -> None:
    bad = project_dir / "bad.toml"
    bad.write_text(STUDY.replace("low = 1e-4", "low = 0"))
    result = run_cli("validate", str(bad), cwd=project_dir)
    assert result.returncode == 1
    assert "bad.toml" in result.stderr
    assert "params.learning_rate.low" in result.stderr
    assert "fix" in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_outside_a_project_says_how_to_start(tmp_path: Path) -> None:
    result = run_cli("validate", cwd=tmp_path)
    assert result.returncode == 1
    assert "tuitune init" in result.stderr


def test_round_new_then_list(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["round", "new", "does weight decay help?", "--kind", "try-change"]) == 0
    assert main(["round", "list"]) == 0
    out = capsys.readouterr().out
    assert "does weight decay help?" in out
    assert "try a change" in out
    project = config.load_project(project_dir)
    with Store.open(config.project_store_path(project), readonly=True) as store:
        (only,) = store.rounds()
    assert only.goal == "does weight decay help?"


def test_round_new_rejects_an_unknown_kind(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["round", "new", "goal", "--kind", "bayes"])
    assert exit_info.value.code == 2
    assert "try_change" in capsys.readouterr().err


def test_study_add_needs_an_open_round(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY)
    assert main(["study", "add", "wd.toml"]) == 1
    assert "tuitune round new" in capsys.readouterr().err


def test_study_preview_json(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY)
    assert main(["study", "preview", "wd.toml", "--n", "6", "--json"]) == 0
    points = json.loads(capsys.readouterr().out)
    assert [p["index"] for p in points] == list(range(6))
    for p in points:
        assert set(p) == {"index", "params", "scientific"}
        assert 1e-4 <= p["params"]["learning_rate"] <= 1.0
        assert p["scientific"] == {"weight_decay": p["params"]["weight_decay"]}


def test_study_add_and_reseed(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY)
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 0
    assert main(["study", "add", "wd.toml"]) == 1
    assert "already has a study named 'wd'" in capsys.readouterr().err
    assert main(["study", "reseed", "wd"]) == 0
    project = config.load_project(project_dir)
    with Store.open(config.project_store_path(project), readonly=True) as store:
        first, sibling = store.studies()
    assert first.name == "wd" and first.seed == 3
    assert sibling.reseed_of == first.id
    assert sibling.seed != first.seed
    assert sibling.space == first.space


def test_after_an_adoption_fixed_values_come_from_the_adopted_baseline(
        project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """tuitune.toml keeps the user's [baseline]; the store's adopted one outranks it."""
    (project_dir / "wd.toml").write_text(STUDY + '\n[params.optimizer]\nrole = "fixed"\n')
    assert main(["round", "new", "does weight decay help?"]) == 0
    project = config.load_project(project_dir)
    assert project.baseline["optimizer"] == "adam"
    with Store.open(config.project_store_path(project)) as store:
        store.add_baseline(Baseline({"learning_rate": 0.02, "optimizer": "sgd"}, round_id=1))
    capsys.readouterr()
    assert main(["study", "preview", "wd.toml", "--n", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["params"]["optimizer"] == "sgd"
    assert main(["study", "add", "wd.toml"]) == 0
    with Store.open(config.project_store_path(project), readonly=True) as store:
        assert store.studies()[0].space["optimizer"].value == "sgd"
    (project_dir / "broken.toml").write_text('name = "b"\n[params.depth]\nrole = "fixed"\n')
    assert main(["study", "add", "broken.toml"]) == 1
    assert "in [baseline] of baseline B1, adopted in R1" in capsys.readouterr().err
    # validate reads the same baseline as study add: the adopted one over the file's
    with Store.open(config.project_store_path(project)) as store:
        store.add_baseline(Baseline({"depth": 4}, round_id=1))
    (project_dir / "deep.toml").write_text('name = "d"\n[params.depth]\nrole = "fixed"\n'
                                           '[params.act]\nrole = "scientific"\nvalues = ["relu"]\n')
    assert main(["validate", "deep.toml"]) == 0
    out = capsys.readouterr().out
    assert "ok  deep.toml" in out and "warning: scientific act has one value (relu)" in out
    (project_dir / "both.toml").write_text('name = "both"\n[params.depth]\nrole = "fixed"\n'
                                           '[params.optimizer]\nrole = "fixed"\n[params.wd]\nlow = 0.0\nhigh = 0.1\n')
    assert main(["study", "add", "both.toml"]) == 0  # depth from B2, optimizer from the file: B2 lacks it
    with Store.open(config.project_store_path(project), readonly=True) as store:
        space = store.studies()[-1].space
    assert (space["depth"].value, space["optimizer"].value) == (4, "adam")


def test_round_list_and_status_say_how_a_round_ended(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["round", "new", "does weight decay help?"]) == 0
    project = config.load_project(project_dir)
    with Store.open(config.project_store_path(project)) as store:
        store.decide(Decision(1, Verdict.REJECT, "no better than noise"))
    capsys.readouterr()
    assert main(["round", "list"]) == 0
    assert "closed     reject" in capsys.readouterr().out
    assert main(["status"]) == 0
    assert capsys.readouterr().out.startswith("round 1: does weight decay help? (closed; `tuitune round new` opens")


def test_a_study_name_from_an_earlier_round_points_to_its_id(project_dir: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY)
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 0
    assert main(["round", "new", "does width help?"]) == 0
    capsys.readouterr()
    assert main(["study", "reseed", "wd"]) == 1
    assert "no study 'wd' in round 2 (studies: none); in other rounds: study 1 (round 1) — pass its id" \
        in capsys.readouterr().err


def test_an_internal_error_is_one_line_and_a_file(monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str], project_dir: Path) -> None:
    from tuitune.cli import rounds

    def broken(args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(rounds, "run_list", broken)
    assert main(["round", "list"]) == 70
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError: a bug" in err and "Traceback" not in err
    report = Path(err.split("the details are in ")[1].split(";")[0])
    assert "ZeroDivisionError" in report.read_text()
    report.unlink()


def test_a_refusal_of_the_file_system_is_one_line_not_a_bug(monkeypatch: pytest.MonkeyPatch,
                                                             capsys: pytest.CaptureFixture[str], project_dir: Path) -> None:
    from tuitune.cli import rounds

    def refused(args):
        raise PermissionError(13, "Permission denied", "/srv/p/.tuitune/runner.log")

    monkeypatch.setattr(rounds, "run_list", refused)
    assert main(["round", "list"]) == 1
    err = capsys.readouterr().err
    assert err == "tuitune: [Errno 13] Permission denied: '/srv/p/.tuitune/runner.log'\n"


def test_demo_into_a_file_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "afile"
    target.write_text("not a folder")
    assert main(["demo", str(target), "--headless"]) == 1
    assert "is a file, not a folder" in capsys.readouterr().err


def test_run_in_a_round_without_studies_says_to_add_one(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["run"]) == 1
    assert "has no study yet" in capsys.readouterr().err
