"""The Design pane's pure parts: the draft, the study-file writer, the store functions, the preview."""

from __future__ import annotations

import math
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from tuitune import config, search
from tuitune.domain import Role, RoundStatus, TrialState
from tuitune.plots import Style
from tuitune.store import Store
from tuitune.tui import design_toml
from tuitune.tui.design_data import DesignRefused, budget_line, load_design, queue_design, start_draft
from tuitune.tui.design_draft import (check, from_baseline, from_file, from_study, parse_list, parse_value,
                                      parse_when, set_role, show_value, show_when, suggest_range, toggle_scale)
from tuitune.tui.widgets.design_preview import default_axes, draw_preview, legend, preview_info

TEMPLATE = Path(__file__).parents[2] / "tuitune" / "templates" / "example_study.toml"

RICH_STUDY = """\
name = "rich"
algorithm = "manual"
seed = 3
repeats = 2
seed_param = "train_seed"
grid_steps = 4
notes = "a \\"quoted\\" note\\nover two lines"

[objective]
metric = "val_accuracy"
direction = "maximize"

[params.optimizer]
role = "scientific"
values = ["sgd", "adam"]

[params.lr_sgd]
name = "lr"
low = 1e-4
high = 1.0
scale = "log"
when = { optimizer = "sgd" }

[params.lr_adam]
name = "lr"
low = 1e-5
high = 0.1
scale = "log"
when = { optimizer = ["adam"] }

[params."drop.rate"]
role = "fixed"
type = "float"
value = 0.1

[[configs]]
optimizer = "sgd"
lr_sgd = 0.01

[[configs]]
optimizer = "adam"
lr_adam = 0.001
"""


def load(project_dir: Path):
    return config.load_project(project_dir)


def round_trip(tmp_path: Path, study, project):
    path = tmp_path / "saved.toml"
    path.write_text(design_toml.dumps(from_study(study, "test").data()))
    return config.load_study(path, project)


def test_saving_a_study_loads_back_the_same_study(tmp_path: Path, seeded: Path) -> None:
    project = load(seeded)
    for source in (seeded / "studies" / "wd.toml", TEMPLATE):
        study = config.load_study(source, replace(project, baseline={**project.baseline, "batch_size": 128}))
        assert round_trip(tmp_path, study, project) == study


def test_round_trip_keeps_conditions_configs_objective_and_quoted_ids(tmp_path: Path, seeded: Path) -> None:
    project = load(seeded)
    (tmp_path / "rich.toml").write_text(RICH_STUDY)
    study = config.load_study(tmp_path / "rich.toml", project)
    assert round_trip(tmp_path, study, project) == study


def test_dumps_writes_toml_that_reads_back_as_the_data() -> None:
    data = {"name": 'odd "name"\twith\x7f\x01 ü', "trials": 3, "x": -0.0, "big": 1e300, "on": True,
            "params": {"a.b": {"role": "fixed", "value": float("inf"), "when": {"p q": [1, "x"]}},
                       "plain": {"values": [False, True], "t": {}}},
            "objective": {"metric": "m"}, "configs": [{"a.b": 1}, {"plain": "s"}]}
    assert tomllib.loads(design_toml.dumps(data)) == data
    assert tomllib.loads(design_toml.dumps({"v": float("nan")}))["v"] != 0  # nan reads back as nan
    assert math.isnan(tomllib.loads(design_toml.dumps({"v": float("nan")}))["v"])
    with pytest.raises(TypeError):
        design_toml.dumps({"v": None})


def test_form_text_reads_as_toml_values_and_shows_back() -> None:
    assert parse_value("1e-3") == 0.001 and parse_value("adam") == "adam" and parse_value("1e-") == "1e-"
    assert parse_value("true") is True and parse_value('"true"') == "true"
    assert parse_list("sgd, adam, 1e-3") == ["sgd", "adam", 0.001]
    assert parse_list("[1, 2]") == [1, 2]
    assert parse_when('optimizer = "adam"') == {"optimizer": "adam"}
    assert parse_when("optimizer = momentum | nesterov; x = true") == {"optimizer": ["momentum", "nesterov"], "x": True}
    assert parse_when("no equals sign") == "no equals sign"
    for value in (0.0001, 1.0, 3, "adam", "true", "1e-3", True, ["sgd", 0.5]):
        text = show_value(value)
        assert (parse_list(text) if isinstance(value, list) else parse_value(text)) == value
    assert parse_when(show_when({"optimizer": ["a", "b"], "z": 1})) == {"optimizer": ["a", "b"], "z": 1}


def test_baseline_draft_fixes_every_value_and_asks_for_something_to_vary(seeded: Path) -> None:
    project = load(seeded)
    draft = from_baseline(project.baseline)
    assert set(draft.params) == {"learning_rate", "weight_decay", "optimizer", "epochs"}
    assert draft.params["epochs"] == {"role": "fixed", "type": "int", "value": 20}
    checked = check(draft, project, seeded / "tuitune.toml")
    assert checked.study is None
    assert [p.field for p in checked.problems] == ["params"]
    assert "nothing varies" in checked.problems[0].message


def test_roles_by_key_start_from_the_baseline_value_and_stay_valid(seeded: Path) -> None:
    project = load(seeded)
    draft = set_role(from_baseline(project.baseline), "learning_rate", Role.NUISANCE, project.baseline)
    assert draft.params["learning_rate"] == {"role": "nuisance", "type": "float", "low": 0.001, "high": 0.1,
                                             "scale": "log"}
    draft = set_role(draft, "epochs", Role.NUISANCE, project.baseline)
    assert draft.params["epochs"]["low"] == 10 and draft.params["epochs"]["high"] == 40
    draft = set_role(draft, "optimizer", Role.SCIENTIFIC, project.baseline)
    assert draft.params["optimizer"]["values"] == ["adam"]
    checked = check(draft, project, seeded / "tuitune.toml")
    assert checked.study is not None, checked.problems
    assert checked.study.scientific == ("optimizer",)
    back = set_role(draft, "learning_rate", Role.FIXED, project.baseline)
    study = check(back, project, seeded / "tuitune.toml").study
    assert study is not None and study.space["learning_rate"].value == 0.01  # from [baseline]
    assert toggle_scale(draft, "learning_rate").params["learning_rate"].get("scale") is None


@pytest.mark.parametrize("value, kind, expected", [
    (0.9, "float", {"low": 0.8, "high": 0.95}),  # momentum: by its gap to 1, never reaching 1
    (0.999, "float", {"low": 0.998, "high": 0.9995}),
    (0.99999, "float", {"low": 0.99998, "high": 0.999995}),  # rounding must not reach 1
    (0.1, "float", {"low": 0.01, "high": 1.0, "scale": "log"}),  # capped at 1.0
    (0.01, "float", {"low": 0.001, "high": 0.1, "scale": "log"}),
    (3.0, "float", {"low": 0.3, "high": 30.0, "scale": "log"}),
    (128, "int", {"low": 64, "high": 256}),
    (0.0, "float", {}), (True, "bool", {}), ("adam", "categorical", {}),
])
def test_a_starting_range_around_a_baseline_value(value, kind, expected) -> None:
    assert suggest_range(value, kind) == expected


def test_problems_name_the_field_and_the_fix(seeded: Path) -> None:
    project = load(seeded)
    draft = from_file(seeded / "studies" / "wd.toml")
    table = draft.table("learning_rate") | {"low": 0}
    checked = check(draft.with_param("learning_rate", "learning_rate", table), project, seeded / "tuitune.toml")
    (problem,) = checked.of_param("learning_rate")
    assert problem.field == "params.learning_rate.low" and "low > 0" in problem.message and problem.fix
    assert checked.field_of(problem, "learning_rate") == "low"


def test_start_draft_prefers_the_round_study_then_a_file_then_the_baseline(seeded: Path) -> None:
    project = load(seeded)
    with Store.open(config.project_store_path(project)) as store:
        data = load_design(store, project)
        assert data.open and data.names == {"wd"} and len(data.durations) == 6
        draft = start_draft(data, project)
        assert draft.stored and draft.name == "wd" and "R2" in draft.source
        seeds = replace(data.studies[0], name="candidate-t6", extra={"decide": "candidate"})
        assert start_draft(replace(data, studies=(*data.studies, seeds)), project).name == "wd"  # not a design
        store.set_round_status(data.round.id, RoundStatus.CLOSED)
        data = load_design(store, project)
    draft = start_draft(data, project)
    assert not draft.stored and draft.source.endswith("wd.toml")
    (seeded / "studies" / "wd.toml").unlink()
    draft = start_draft(replace(data, files=()), project)
    assert draft.source == "the project's [baseline]" and draft.name == "study"


def test_queue_stores_one_study_per_value_and_queues_its_points(seeded: Path) -> None:
    project = load(seeded)
    study = config.load_study(seeded / "studies" / "wd.toml", project)
    per_value = replace(study, name="wd-pv", layout="per_value", trials=4)
    with Store.open(config.project_store_path(project)) as store:
        queued = queue_design(store, per_value)
        assert [s.name for s in queued.studies] == [f"wd-pv[weight_decay={v}]" for v in (0.0, 0.0001, 0.001)]
        assert queued.trials == 12
        for s in queued.studies:
            assert len(store.trials(study_id=s.id, states=[TrialState.QUEUED])) == 4
        with pytest.raises(DesignRefused, match="already has a study named 'wd'"):
            queue_design(store, study)
        store.set_round_status(queued.round.id, RoundStatus.CLOSED)
        with pytest.raises(DesignRefused, match="press 1"):
            queue_design(store, replace(study, name="other"))


def test_budget_line_and_unique_names(seeded: Path) -> None:
    study = config.load_study(seeded / "studies" / "wd.toml", load(seeded))
    assert budget_line(study, (60.0, 100.0), 2) == "12 trials ≈ 8 min (80 s each, mean of 2, on 2 slots)"
    assert "no finished trials" in budget_line(replace(study, repeats=3), (), 1)
    assert "(12 points × 3 repeats)" in budget_line(replace(study, repeats=3), (), 1)
    assert search.unique_name("wd", {"wd", "wd-2"}) == "wd-3" and search.unique_name("x", set()) == "x"


def test_preview_places_the_study_points_on_the_chosen_axes(seeded: Path) -> None:
    study = config.load_study(seeded / "studies" / "wd.toml", load(seeded))
    assert default_axes(study) == ("learning_rate", "weight_decay")
    info = preview_info(study, "learning_rate", "weight_decay", 12)
    assert (info.shown, info.total, len(info.series)) == (12, 12, 3)
    assert info.x.kind == "log" and (info.x.low, info.x.high) == (-4.0, 0.0)
    assert info.y.categories == ("0.0", "0.0001", "0.001")
    expected = [math.log10(p.params["learning_rate"]) for p in search.points(study, 0, 12)
                if p.params["weight_decay"] == 0.0]
    assert list(info.series[0].xs) == expected and set(info.series[0].ys) == {0.0}
    assert legend(info) == "weight_decay: • 0.0  x 0.0001  + 0.001"
    text = draw_preview(info, Style(50, 12))
    assert len(text.splitlines()) == 12 and "0.0001" in text and "x" in text and "•" in text
    assert legend(info, "ascii") == "weight_decay: o 0.0  x 0.0001  + 0.001"
    assert "•" not in draw_preview(info, Style(50, 12, marker="ascii"))
    by_index = preview_info(study, "learning_rate", None, 5)
    assert by_index.y.kind == "index" and sorted(y for s in by_index.series for y in s.ys) == [0, 1, 2, 3, 4]


def test_preview_of_a_continuous_scientific_value_and_conditional_axes(tmp_path: Path) -> None:
    """Thirty-two learning rates are one series (six markers could not tell them apart), and an
    axis that no point activates (beta1 while the optimizer is fixed to momentum) is not a default."""
    file = tmp_path / "lr.toml"
    file.write_text('name = "lr"\ntrials = 32\n'
                    '[params.learning_rate]\nrole = "scientific"\nlow = 0.001\nhigh = 1.0\nscale = "log"\n'
                    '[params.optimizer]\nrole = "fixed"\nvalues = ["momentum", "adam"]\nvalue = "momentum"\n'
                    '[params.beta1]\nrole = "nuisance"\nlow = 0.8\nhigh = 0.99\nwhen = { optimizer = "adam" }\n'
                    '[params.momentum]\nrole = "nuisance"\nlow = 0.8\nhigh = 0.99\nwhen = { optimizer = "momentum" }\n')
    study = config.load_study(file)
    assert default_axes(study) == ("momentum", "learning_rate")
    info = preview_info(study, "momentum", "learning_rate", 32)
    assert [s.label for s in info.series] == ["points"] and info.shown == 32 and legend(info) == ""
    few = preview_info(study, "momentum", "learning_rate", 3)  # three values: each its marker, short
    assert len(few.series) == 3 and all(len(s.label) <= len("learning_rate=0.002498") for s in few.series)
