"""The Review pane: its loader (pure, no Textual), every action under Pilot, and its snapshots."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Select, Static
from textual.worker import WorkerState

from tuitune import config
from tuitune.domain import Aggregate, Direction, Objective, Round, RoundKind, TrialState
from tuitune.store import Store
from tuitune.rounds import group_studies
from tuitune.analysis.text import evidence_lines
from tuitune.tui.review_data import ReviewView, export_review, load_review
from tuitune.tui.screens import review as review_screen
from tuitune.tui.screens.review import ReviewScreen
from tuitune.tui.widgets.review_checklist import ReviewChecklist, mark
from tuitune.tui.widgets.review_detail import ReviewDetail
from tuitune.tui.widgets.review_objective import ObjectiveModal
from tuitune.tui.widgets.review_plot import ReviewPlot

from .seed import STUDY

CHECKS = ["boundaries", "sampled_enough", "infeasible", "optimization", "overfitting", "late_noise",
          "compute_bound"]


def open_store(folder: Path) -> tuple[config.Project, Store]:
    project = config.load_project(folder)
    return project, Store.open(config.project_store_path(project))


def add_study(folder: Path, name: str) -> None:
    """A second study (no trials) in the open round."""
    project, store = open_store(folder)
    path = folder / "studies" / f"{name}.toml"
    path.write_text(STUDY.replace('name = "wd"', f'name = "{name}"'))
    with store:
        store.add_study(config.load_study(path, project), store.current_round().id)


# --- the loader ---------------------------------------------------------------------------------


def test_load_review_judges_the_open_round(seeded: Path) -> None:
    project, store = open_store(seeded)
    with store:
        view = load_review(store, project)
    assert view.group is not None and view.group.name == "wd" and view.round_id == 2
    assert [i.key for i in view.items] == [*CHECKS, "isolation:0"]
    statuses = {i.key: i.status for i in view.items}
    assert statuses["infeasible"] == "warn" and statuses["sampled_enough"] == "n/a"
    assert {i.key: i.plot for i in view.items} == {
        "boundaries": "axis", "sampled_enough": "boxes", "infeasible": "axis", "optimization": "curves",
        "overfitting": "curves", "late_noise": "curves", "compute_bound": "curves", "isolation:0": "isolation"}
    assert view.summary == "12 trials, 6 judged" and view.active == 3
    assert view.metrics == ("train_loss", "val_loss") and not view.switched
    assert [a.param for a in view.plots.axes] == ["weight_decay", "learning_rate"]
    isolation = view.items[-1]
    assert isolation.verdict == "best weight_decay=0.001: 0.3037 (trial 6)" and isolation.trial_ids == (6,)


def test_load_review_with_another_objective_recomputes(seeded: Path) -> None:
    project, store = open_store(seeded)
    with store:
        view = load_review(store, project, objective=Objective("train_loss", Direction.MINIMIZE, Aggregate.FINAL))
    assert view.switched and view.objective.metric == "train_loss"
    assert view.default_objective == project.objective
    assert view.plots.best_curves[0].objective < 0.3  # the train loss sits below the validation loss


def test_load_review_explains_an_empty_round(tmp_path: Path, seeded: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python train.py {args}"\n')
    project, store = open_store(folder)
    with store:
        assert "press 1" in load_review(store, project).message
    project, store = open_store(seeded)
    with store:
        store.set_round_status(2, "closed")
        store.add_round(Round("a fresh question", RoundKind.TRY_CHANGE))
        view = load_review(store, project)
    assert "press 2" in view.message and not view.items


def test_per_value_children_are_one_group(seeded: Path) -> None:
    project, store = open_store(seeded)
    with store:
        (study,) = store.studies(2)
    children = [replace(study, id=i, extra={"expanded_from": "wd", "values": {"weight_decay": v}})
                for i, v in ((7, 0.0), (8, 0.001))]
    alone = replace(study, id=9, name="other")
    groups = group_studies([children[0], alone, children[1]])
    assert [(g.name, g.study_ids) for g in groups] == [("wd", (7, 8)), ("other", (9,))]


def test_evidence_reads_as_lines() -> None:
    lines = evidence_lines({"best_step": 3, "late_noise": 0.00123456, "ids": list(range(10)),
                            "per_group": {"lr=0.1": 0.5}, "rows": [{"trial_id": 1, "gap": None}],
                            "params": {"learning_rate": {"best_trial": 4}}})
    assert lines == ["best step: 3", "late noise: 0.001235", "ids: [0, 1, 2, 3, 4, 5, 6, 7, … 2 more]",
                     "per group:", "  lr=0.1: 0.5", "rows:", "  • trial id 1  gap —",
                     "params:", "  learning_rate:", "    best trial: 4"]  # an id as written, its fields in words


def test_export_writes_strict_json(seeded: Path) -> None:
    project, store = open_store(seeded)
    with store:
        view = load_review(store, project)
    path = export_review(seeded, view)
    assert path == seeded / "review-2-wd.json"
    record = json.loads(path.read_text())
    assert record["study"] == "wd" and record["study_ids"] == [1] and record["round"] == 2
    assert record["objective"] == {"metric": "val_loss", "direction": "minimize", "aggregate": "best"}
    assert [c["check"] for c in record["checks"]] == CHECKS
    assert record["isolation"][0]["best"] == "weight_decay=0.001"
    with pytest.raises(ValueError):
        export_review(seeded, ReviewView(message="nothing"))


def test_marks_are_symbols_and_words() -> None:
    assert [mark(s).plain for s in ("pass", "warn", "fail", "n/a", "plot")] == [
        "✓ pass", "! warn", "✗ fail", "– n/a ", "◆ plot"]


# --- the pane -----------------------------------------------------------------------------------


async def settle(pilot: Pilot) -> ReviewScreen:
    """Wait until the review on screen is computed."""
    for _ in range(300):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        busy = any(w.node is screen and w.state in (WorkerState.PENDING, WorkerState.RUNNING)
                   for w in pilot.app.workers)
        if isinstance(screen, ReviewScreen) and screen.view is not None and not busy:
            break
    await pilot.pause()
    assert isinstance(pilot.app.screen, ReviewScreen)
    return pilot.app.screen


def last_note(app):
    """The latest notification the App showed."""
    return list(app._notifications)[-1]


def detail(screen: ReviewScreen) -> str:
    return str(screen.query_one("#review-detail-text", Static).render())


def plot(screen: ReviewScreen) -> str:
    return str(screen.query_one(ReviewPlot).render())


async def test_checklist_items_open_their_plots(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        checklist = screen.query_one(ReviewChecklist)
        assert checklist.option_count == 8 and checklist.has_focus
        assert "the best trials sit inside every range" in detail(screen)
        assert "weight_decay: 6 trials, 3 infeasible x, best #6 o" in plot(screen)
        await pilot.press("down")
        assert screen.item.key == "sampled_enough" and "k=1" in plot(screen)
        await pilot.press("j", "j")
        assert screen.item.key == "optimization" and "train_loss" in plot(screen)
        await pilot.press("k")
        assert screen.item.key == "infeasible"
        assert "→ adjust the search space to avoid failing points" in detail(screen)
        await pilot.press("end")
        assert screen.item.key == "isolation:0" and "isolation: best val_loss per weight_decay" in plot(screen)


async def test_h_cycles_the_axis_plots_hyperparameter(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert screen.axis_param == "weight_decay" and "plot: weight_decay (1 of 2; h: next)" in detail(screen)
        await pilot.press("h")
        assert screen.axis_param == "learning_rate" and "(log scale)" in plot(screen)
        await pilot.press("h")
        assert screen.axis_param == "weight_decay"
        await pilot.press("down")  # the box plot has no hyperparameter: the key is hidden and does nothing
        assert screen.axis_param is None
        assert screen.check_action("next_param", ()) is False
        screen.action_next_param()
        await pilot.pause()
        assert "Only the axis plots" in last_note(app).message


async def test_enter_maximizes_the_plot_and_escape_restores(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        small = screen.query_one(ReviewPlot).content_size
        await pilot.press("enter")
        await pilot.pause()
        assert screen.maximized is screen.query_one(ReviewPlot)
        assert screen.query_one(ReviewPlot).content_size.width > small.width
        assert screen.check_action("restore", ()) is True
        await pilot.press("down")  # the arrows step through the items without leaving the full pane
        await pilot.pause()
        assert screen.item.key == "sampled_enough" and "k=1" in plot(screen)
        assert screen.maximized is screen.query_one(ReviewPlot)
        await pilot.press("escape")
        await pilot.pause()
        assert screen.maximized is None and screen.query_one(ReviewChecklist).has_focus
        await pilot.press("down")
        assert screen.item.key == "infeasible"


async def test_objective_switcher_recomputes_and_resets(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press("o")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ObjectiveModal)
        modal.query_one("#objective-metric", Select).value = "train_loss"
        modal.query_one("#objective-aggregate", Select).value = Aggregate.FINAL
        await pilot.press("ctrl+s")
        screen = await settle(pilot)
        assert screen.view.objective == Objective("train_loss", Direction.MINIMIZE, Aggregate.FINAL)
        head = str(screen.query_one("#review-head", Static).render())
        assert "train_loss, minimize, final value (switched; o)" in head
        assert "Judging by train_loss" in last_note(app).message
        await pilot.press("o")
        await pilot.pause()
        await pilot.click("#objective-default")
        screen = await settle(pilot)
        assert not screen.view.switched and screen.view.objective.metric == "val_loss"
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and not screen.view.switched


async def test_export_writes_the_file_and_says_where(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press("e")
        await pilot.pause(0.2)
        path = seeded / "review-2-wd.json"
        assert json.loads(path.read_text())["study"] == "wd"
        assert str(path) in last_note(app).message
        titles = {c.title: c for c in screen.commands()}
        assert {"Export review as JSON", "Change objective", "Recompute review", "Review: plot full-pane",
                "Review: next hyperparameter"} <= set(titles)  # the keys h and enter, by name
        assert "Review next study" not in titles
        path.unlink()
        await titles["Export review as JSON"].callback()
        assert path.exists()


async def test_export_failure_is_a_message(seeded: Path, make_app) -> None:
    (seeded / "review-2-wd.json").mkdir()  # a folder where the file should go
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause(0.2)
        last = last_note(app)
        assert last.severity == "error" and "Could not write" in last.message


async def test_recompute_picks_up_finished_trials(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert screen.view.summary == "12 trials, 6 judged"
        project, store = open_store(seeded)
        with store:
            for trial in store.trials(states=[TrialState.RUNNING]):
                store.transition(trial.id, TrialState.COMPLETED, exit_code=0)
        await pilot.press("r")
        screen = await settle(pilot)
        assert screen.view.summary == "12 trials, 8 judged" and screen.view.active == 1


async def test_a_slow_review_says_it_is_computing(seeded: Path, make_app, monkeypatch) -> None:
    def slow(store, *args):
        time.sleep(0.5)
        return load_review(store, *args)
    monkeypatch.setattr(review_screen, "load_review", slow)
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        screen = app.screen
        assert screen.computing and "computing" in detail(screen)
        assert "⟳ computing…" in str(screen.query_one("#review-head", Static).render())
        screen = await settle(pilot)
        assert not screen.computing and "computing" not in str(screen.query_one("#review-head", Static).render())
        assert screen.query_one(ReviewChecklist).option_count == 8


async def test_live_reload_only_while_trials_run(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        calls: list[int] = []
        screen.request_reload = lambda: calls.append(1)  # type: ignore[method-assign]
        screen._live_tick()
        assert calls == [1]
        screen._view = replace(screen.view, active=0)
        screen._live_tick()
        assert calls == [1]


async def test_s_moves_to_the_next_study(seeded: Path, make_app) -> None:
    add_study(seeded, "lr")
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert screen.view.group.name == "wd"
        assert "Review next study" in {c.title for c in screen.commands()}
        await pilot.press("s")
        screen = await settle(pilot)
        assert screen.view.group.name == "lr" and screen.view.summary == "no trials yet"
        assert "wd" not in str(screen.query_one("#review-head", Static).render())
        await pilot.press("s")
        screen = await settle(pilot)
        assert screen.view.group.name == "wd"


async def test_no_round_shows_what_to_do(tmp_path: Path, make_app) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python train.py {args}"\n')
    app = make_app(folder, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        assert "press 1" in detail(screen)
        assert screen.query_one(OptionList).option_count == 0
        for action in ("objective", "export", "next_study", "open_plot", "next_param"):
            assert not screen.check_action(action, ())
        await pilot.press("e", "o", "h", "s")
        assert app.screen is screen


async def test_detail_scrolls_with_the_keyboard(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="review")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        await pilot.press("tab")
        assert screen.query_one(ReviewPlot).has_focus
        await pilot.press("down", "down")  # on the plot, the arrows step through the items
        assert screen.item.key == "infeasible"
        await pilot.press("tab")
        assert screen.query_one(ReviewDetail).has_focus
        await pilot.press("down", "down")
        assert screen.query_one(ReviewDetail).scroll_y > 0


# --- snapshots ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_snapshot_review(snap_compare, seeded: Path, make_app, size: tuple[int, int]) -> None:
    async def before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("down", "down")
    assert snap_compare(make_app(seeded, start="review"), terminal_size=size, run_before=before)


def test_snapshot_review_plot_full_pane(snap_compare, seeded: Path, make_app) -> None:
    async def before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("h", "enter")
    assert snap_compare(make_app(seeded, start="review"), terminal_size=(80, 24), run_before=before)


def test_snapshot_objective_switcher(snap_compare, seeded: Path, make_app) -> None:
    async def before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("o")
    assert snap_compare(make_app(seeded, start="review"), terminal_size=(80, 24), run_before=before)
