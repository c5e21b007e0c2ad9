"""Bad input on the command line and in the files it reads: a clear error with the fix, never an
internal error, and nothing run or stored before it is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuitune import config
from tuitune.cli import main
from tuitune.store import Store

STUDY = """\
name = "wd"
trials = 4
seed = 3

[params.weight_decay]
role = "scientific"
values = [0.0, 0.001]

[params.learning_rate]
low = 1e-4
high = 1.0
scale = "log"
"""

PAST_64_BITS = str(2**70)


def stored_studies(project_dir: Path) -> list:
    project = config.load_project(project_dir)
    with Store.open(config.project_store_path(project), readonly=True) as store:
        return store.studies()


def test_study_add_refuses_a_seed_past_64_bits(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY.replace("seed = 3", f"seed = {PAST_64_BITS}"))
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 1
    err = capsys.readouterr().err
    assert "wd.toml:3: seed:" in err and PAST_64_BITS in err and "(fix: " in err
    assert "internal error" not in err
    assert stored_studies(project_dir) == []


def test_reseed_refuses_a_seed_past_64_bits_while_parsing(project_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY)
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 0
    with pytest.raises(SystemExit) as exit_info:
        main(["study", "reseed", "wd", "--seed", PAST_64_BITS])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --seed: needs a whole number from 0 to {2**63 - 1}, found '{PAST_64_BITS}'" in err
    assert "(fix: " in err
    assert len(stored_studies(project_dir)) == 1


def test_reseed_with_the_study_s_own_seed_says_so(project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY)
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 0
    assert main(["study", "reseed", "wd", "--seed", "3"]) == 1
    err = capsys.readouterr().err
    assert "already has seed 3" in err and "(fix: " in err and "internal error" not in err


GRID = """\
name = "grid"
algorithm = "grid"
grid_steps = 1000
""" + "".join(f"[params.p{i}]\nlow = 0.0\nhigh = 1.0\n" for i in range(4))


def test_preview_of_a_grid_past_the_limit_is_refused_before_building_it(
        project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "grid.toml").write_text(GRID)
    assert main(["study", "preview", "grid.toml", "--n", "3"]) == 1
    err = capsys.readouterr().err
    assert "grid.toml:3: grid_steps: a grid of up to 1,000,000,000,000 points" in err and "(fix: " in err


def test_study_add_refuses_more_trials_than_a_study_may_run(project_dir: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY.replace("trials = 4", "trials = 100000000"))
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "wd.toml"]) == 1
    err = capsys.readouterr().err
    assert "wd.toml:2: trials: needs at most 100,000" in err and "split" in err
    assert stored_studies(project_dir) == []


@pytest.mark.parametrize("repeats", ["1", "0", "-2", "three"])
def test_demo_refuses_too_few_seed_repeats_before_running_anything(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                   repeats: str) -> None:
    folder = tmp_path / "demo"
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--headless", "--repeats", repeats, str(folder)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --repeats: needs a whole number from 2 to 100000, found '{repeats}'" in err
    assert "(fix: " in err and "internal error" not in err
    assert not folder.exists()


@pytest.mark.parametrize("breakage, where", [
    (("[baseline]", "[baseline"), "tuitune.toml:53: not valid TOML"),
    (("parallel = 1 ", "parallel = 0 "), "tuitune.toml:46: resources.parallel: needs a whole number >= 1, found 0"),
], ids=["syntax-error", "parallel-zero"])
def test_preview_in_a_project_with_a_broken_tuitune_toml_reports_its_problems(
        project_dir: Path, capsys: pytest.CaptureFixture[str], breakage: tuple[str, str], where: str) -> None:
    project_file = project_dir / "tuitune.toml"
    project_file.write_text(project_file.read_text().replace(*breakage))
    assert main(["study", "preview", "studies/example.toml", "--n", "3"]) == 1
    err = capsys.readouterr().err
    assert where in err and "(fix: " in err
    assert "no tuitune.toml was found" not in err and "example.toml" not in err


def test_preview_of_a_per_value_study_without_n_shows_every_study_s_points(
        project_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project_dir / "wd.toml").write_text(STUDY.replace("seed = 3", 'seed = 3\nlayout = "per_value"'))
    assert main(["study", "preview", "wd.toml"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out] == ["wd[weight_decay=0.0]"] * 4 + ["wd[weight_decay=0.001]"] * 4
