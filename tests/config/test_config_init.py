"""``tuitune init``: commented files that validate as written, and never an overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuitune import config
from tuitune.domain import InvalidConfig, Role


def test_init_writes_files_that_validate_clean(tmp_path: Path) -> None:
    folder = tmp_path / "new project"
    written = config.init_project(folder)
    assert written == [folder / "tuitune.toml", folder / "studies" / "example.toml"]
    assert config.check_files(written) == []
    project = config.load_project(folder)
    assert project.name == "new project"
    study = config.load_study(written[1], project)
    assert study.scientific == ("weight_decay",)
    assert study.space["optimizer"].role is Role.FIXED
    assert study.space["optimizer"].value == project.baseline["optimizer"]
    assert study.space.active({"weight_decay": 0.0, "learning_rate": 0.1, "momentum": 0.9, "beta1": 0.9}) == {
        "weight_decay": 0.0, "learning_rate": 0.1, "optimizer": "adam", "beta1": 0.9, "batch_size": 128}


def test_the_project_template_documents_every_placeholder() -> None:
    text = (Path(config.__file__).parent.parent / "templates" / "tuitune.toml").read_text()
    for placeholder in config.COMMAND_PLACEHOLDERS:
        assert "{" + placeholder + "}" in text


@pytest.mark.parametrize("existing", ["tuitune.toml", "studies/example.toml"])
def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, existing: str) -> None:
    (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / existing).write_text("mine")
    with pytest.raises(InvalidConfig) as raised:
        config.init_project(tmp_path)
    (problem,) = raised.value.problems
    assert problem.file.endswith(existing) and "already exists" in problem.message
    assert "fix: remove it" in str(problem)
    assert (tmp_path / existing).read_text() == "mine"
    others = {"tuitune.toml", "studies/example.toml"} - {existing}
    assert not any((tmp_path / other).exists() for other in others)


def test_init_into_a_path_that_is_a_file_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    with pytest.raises(InvalidConfig) as raised:
        config.init_project(tmp_path / "f")
    assert "cannot be written" in str(raised.value)
