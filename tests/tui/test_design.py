"""The Design pane (2): every action by key, with its effect on the draft, the store and the screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, Static

import tuitune
from tuitune import config
from tuitune.domain import Baseline, RoundStatus, TrialState
from tuitune.store import Store
from tuitune.tui.screens.design import PALETTE, DesignScreen
from tuitune.tui.widgets.design_forms import ParamModal, SettingsModal
from tuitune.tui.widgets.design_table import ParamTable

from .seed import FakeRunner


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def text(app, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def loaded(pilot) -> DesignScreen:
    """The pane once its first reload has drawn the draft (the machine may be busy)."""
    screen = pilot.app.screen
    assert isinstance(screen, DesignScreen)
    for _ in range(100):
        if screen.draft is not None and screen.query_one(ParamTable).row_count:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    return screen


async def ready(pilot, *keys: str) -> DesignScreen:
    screen = await loaded(pilot)
    for key in keys:
        await pilot.press(key)
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    return screen


async def goto_row(pilot, pid: str) -> None:
    table = pilot.app.screen.query_one(ParamTable)
    table.move_cursor(row=list(pilot.app.screen.draft.params).index(pid))
    await pilot.pause()


async def type_into(pilot, field: str, value: str) -> None:
    widget = pilot.app.screen.query_one(f"#f-{field}", Input)
    widget.value = value
    await pilot.pause(0.05)


def store_of(folder: Path) -> Store:
    return Store.open(config.project_store_path(config.load_project(folder)))


async def test_opens_on_the_round_study_read_only(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "s")
        assert screen.draft.stored and screen.draft.name == "wd"
        assert "read-only" in text(app, "#design-title")
        assert screen.query_one(ParamTable).row_count == 4
        assert "12 trials ≈ 20 min" in text(app, "#design-budget")
        assert "first 12 points" in text(app, "#design-preview")
        assert any("press c to edit a copy" in n for n in notes(app))
        assert screen.draft.params["learning_rate"]["role"] == "nuisance"  # unchanged


async def test_copy_then_role_keys_and_scale_change_the_draft(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c")
        assert not screen.draft.stored and screen.draft.name == "wd-2"
        await goto_row(pilot, "optimizer")
        await pilot.press("s")
        assert screen.draft.params["optimizer"]["role"] == "scientific"
        assert screen.checked.study.scientific == ("weight_decay", "optimizer")
        await pilot.press("f")
        assert screen.draft.params["optimizer"]["role"] == "fixed"
        await goto_row(pilot, "learning_rate")
        await pilot.press("l")
        assert "scale" not in screen.draft.params["learning_rate"]
        await pilot.press("n", "u", "u")
        assert screen.draft.params["learning_rate"]["scale"] == "log"
        await pilot.press("d")
        assert "learning_rate" not in screen.draft.params
        await pilot.press("u")
        assert list(screen.draft.params)[1] == "learning_rate"


async def test_edit_form_validates_as_you_type_and_keeps_bad_input(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c")
        await goto_row(pilot, "learning_rate")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ParamModal)
        await type_into(pilot, "low", "0")
        assert "log scale needs low > 0" in text(app, "#e-low")
        await type_into(pilot, "low", "1e-5")
        assert text(app, "#e-low") == ""
        await type_into(pilot, "low", "2")
        assert "needs low < high" in text(app, "#e-low")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and screen.draft.params["learning_rate"]["low"] == 2
        assert "✗" in str(screen.query_one(ParamTable).get_row("learning_rate")[0])
        assert "params.learning_rate.low" in text(app, "#design-problems")
        await pilot.press("r")
        assert any("fix the design first" in n for n in notes(app))
        await pilot.press("u")
        assert screen.checked.study is not None


@pytest.fixture
def sample(tmp_path: Path, monkeypatch) -> Path:
    """The demo's sample project (9 hyperparameters: more rows than the table shows at 80x24),
    with a round and its study stored."""
    from tuitune.cli import main

    folder = tmp_path / "mlp"
    shutil.copytree(Path(tuitune.__file__).parent / "samples" / "mlp_numpy", folder)
    monkeypatch.chdir(folder)
    assert main(["round", "new", "does weight decay help?"]) == 0
    assert main(["study", "add", "studies/weight_decay.toml"]) == 0
    return folder


async def test_at_80x24_problems_show_and_a_new_row_is_in_view(sample: Path, make_app) -> None:
    app = make_app(sample, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c")
        await goto_row(pilot, "learning_rate")
        await pilot.press("e")
        await pilot.pause()
        await type_into(pilot, "low", "2")
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        assert screen.checked.problems
        shown = screen.query_one("#design-messages").region.intersection(screen.query_one("#design-left").region)
        assert shown.height >= 2, "the problem itself shows, not just its count"
        await pilot.press("u", "a")
        await pilot.pause()
        await type_into(pilot, "id", "dropout")
        await type_into(pilot, "low", "0")
        await type_into(pilot, "high", "0.5")
        await pilot.press("ctrl+s")
        await pilot.pause(0.2)
        table = screen.query_one(ParamTable)
        assert table.cursor_row == table.get_row_index("dropout") == 9
        rows_in_view = table.scrollable_content_region.height - 1  # the header row
        assert table.scroll_y <= table.cursor_row < table.scroll_y + rows_in_view, "the new row is in view"


async def test_add_a_conditional_hyperparameter(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c", "a")
        await type_into(pilot, "id", "beta1")
        await type_into(pilot, "low", "0.8")
        await type_into(pilot, "high", "0.99")
        await type_into(pilot, "when", "optimizer = momentum")
        assert "never takes 'momentum'" in text(app, "#e-when")
        await type_into(pilot, "when", "optimizer = adam")
        assert text(app, "#e-when") == ""
        await type_into(pilot, "id", "epochs")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ParamModal)  # a taken id would overwrite a row: refused
        await type_into(pilot, "id", "beta1")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.draft.params["beta1"] == {"role": "nuisance", "low": 0.8, "high": 0.99,
                                                "when": {"optimizer": "adam"}}
        assert screen.checked.study.space["beta1"].when[0].parent == "optimizer"
        assert "optimizer=adam" in str(screen.query_one(ParamTable).get_row("beta1")[4])


async def test_settings_form_changes_trials_and_flags_bad_values(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c", "t")
        assert isinstance(app.screen, SettingsModal)
        await type_into(pilot, "trials", "many")
        assert "expected a whole number" in text(app, "#e-trials")
        await type_into(pilot, "trials", "24")
        await pilot.press("escape")
        assert screen.draft.settings["trials"] == 12  # cancelled
        await pilot.press("t")
        await type_into(pilot, "trials", "24")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.draft.settings["trials"] == 24
        assert "24 trials" in text(app, "#design-settings")


async def test_queue_stores_the_copy_and_starts_the_runner(seeded: Path, make_app) -> None:
    runner = FakeRunner("stopped")
    app = make_app(seeded, start="design", runner=runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c", "r")
        assert type(app.screen).__name__ == "QueueModal"
        await pilot.press("enter")
        await pilot.pause(0.4)
        assert runner.ensured == 1
        assert any("queued 12 trials of wd-2 in R2" in n for n in notes(app))
        assert screen.draft.stored and screen.draft.name == "wd-2"
    with store_of(seeded) as store:
        study = store.study_by_name(2, "wd-2")
        assert len(store.trials(study_id=study.id, states=[TrialState.QUEUED])) == 12


async def test_reseed_stores_a_sibling_then_queues_one_when_asked(seeded: Path, make_app) -> None:
    runner = FakeRunner("stopped")
    app = make_app(seeded, start="design", runner=runner)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "R")
        assert type(app.screen).__name__ == "ReseedModal"
        await pilot.press("s")  # store only
        await pilot.pause(0.4)
        assert runner.ensured == 0 and any("stored wd-seed" in n and "r queues" in n for n in notes(app)), notes(app)
        screen = await loaded(pilot)
        sibling = screen.draft.name
        assert sibling.startswith("wd-seed") and screen.draft.stored  # the pane shows the new sibling
        commands = {c.title: c for c in app.get_system_commands(screen)}
        await commands["Design: reseed the study"].callback()  # the palette reaches it too
        await pilot.pause(0.1)
        assert type(app.screen).__name__ == "ReseedModal"
        await pilot.press("enter")  # store and queue
        await pilot.pause(0.4)
        assert runner.ensured == 1 and any("queued 12 trials" in n for n in notes(app)), notes(app)
    with store_of(seeded) as store:
        wd, first = store.study_by_name(2, "wd"), store.study_by_name(2, sibling)
        second = next(s for s in store.studies(2) if s.reseed_of == first.id)
        assert first.reseed_of == wd.id and first.seed != wd.seed and not store.trials(study_id=first.id)
        assert second.reseed_of == first.id and len(store.trials(study_id=second.id)) == 12


async def test_reseed_needs_a_stored_study(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "c", "R")
        assert type(app.screen).__name__ == "DesignScreen"
        assert any("queue this design first" in n for n in notes(app))
        with Store.open(seeded / ".tuitune" / "store.db") as store:
            store.set_round_status(2, RoundStatus.CLOSED)
        await app.screen.reload()  # the round is closed now: the advice above could not be followed
        await ready(pilot, "R")
        assert "no open round to reseed into: press 1, then n" in notes(app)[-1]


async def test_queue_is_refused_without_an_open_round_or_with_a_taken_name(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "r", "enter")  # the stored study: every point has its trial
        assert any("wd is queued already" in n for n in notes(app)), notes(app)
        await pilot.press("c", "t")
        await type_into(pilot, "name", "wd")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert screen.draft.name == "wd" and not screen.draft.stored
        await pilot.press("r")
        assert any("already has a study named 'wd'" in n for n in notes(app)), (notes(app), app.screen)
    with store_of(seeded) as store:
        store.set_round_status(2, RoundStatus.CLOSED)
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "r")
        assert not screen.draft.stored and screen.draft.source.endswith("wd.toml")
        assert any("no open round" in n and "press 1" in n for n in notes(app)), notes(app)
    with store_of(seeded) as store:
        assert [s.name for s in store.studies()] == ["wd"]


async def test_save_writes_a_study_file_that_loads_back(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "w", "enter")
        assert "exists: enter again" in text(app, ".modal-error")
        app.screen.query_one(Input).value = "studies/wd-copy.toml"
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert any("saved" in n for n in notes(app))
        saved = seeded / "studies" / "wd-copy.toml"
        project = config.load_project(seeded)
        assert config.load_study(saved, project) == config.load_study(seeded / "studies" / "wd.toml", project)
        assert saved in screen.data.files


async def test_save_offers_the_file_the_design_came_from(seeded: Path, make_app) -> None:
    source = seeded / "studies" / "lr_range.toml"  # its name differs from the file's
    source.write_text('name = "lr"\n[params.learning_rate]\nrole = "nuisance"\nlow = 0.001\nhigh = 1.0\n')
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "o")
        app.screen.query_one(Input).value = str(source)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert screen.draft.source == "studies/lr_range.toml"  # relative to the project, wherever we run
        await pilot.press("l")  # log scale: an edit
        await pilot.pause(0.1)
        assert "edited" in text(app, "#design-title")
        await ready(pilot, "w")
        assert app.screen.query_one(Input).value == "studies/lr_range.toml"
        await pilot.press("enter", "enter")  # it exists: the second enter overwrites it
        await pilot.pause(0.3)
        assert 'scale = "log"' in source.read_text() and not (seeded / "studies" / "lr.toml").exists()
        assert text(app, "#design-title").endswith("from studies/lr_range.toml · saved")
        undo_depth = len(screen.undo)
        await pilot.press("l", "l")  # two edits that end where they began: still the saved design
        await pilot.pause(0.1)
        assert text(app, "#design-title").endswith("· saved") and len(screen.undo) == undo_depth + 2


async def test_an_edit_that_changes_nothing_leaves_nothing_to_undo(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "c")
        depth = len(screen.undo)
        screen.change(screen.draft)
        assert len(screen.undo) == depth


async def test_a_design_without_a_name_is_named_after_the_file_it_is_saved_as(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "b", "w")
        assert screen.draft.name == "study"
        await pilot.press(*"studies/adam.toml")  # the suggestion is selected: typing replaces it
        await pilot.press("enter")
        await pilot.pause(0.3)
        saved = seeded / "studies" / "adam.toml"
        assert saved.exists() and 'name = "adam"' in saved.read_text() and screen.draft.name == "adam"


async def test_a_saved_start_design_is_not_swapped_back_by_a_reload(seeded: Path, make_app) -> None:
    with Store.open(seeded / ".tuitune" / "store.db") as store:
        store.set_round_status(2, RoundStatus.CLOSED)  # the pane starts from studies/wd.toml
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "w")
        await pilot.press(*"studies/zz-copy.toml", "enter")  # sorts after wd.toml, the start design
        await pilot.pause(0.3)
        await screen.reload()
        assert screen.draft.source == "studies/zz-copy.toml" and text(app, "#design-title").endswith("· saved")


async def test_open_lists_the_study_files_and_loads_one(seeded: Path, make_app) -> None:
    (seeded / "studies" / "broken.toml").write_text("name = \n")
    (seeded / "studies" / "lr.toml").write_text('name = "lr"\n[params.learning_rate]\nlow = 0\nhigh = 1\n'
                                                 'scale = "log"\n')
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "o")
        assert type(app.screen).__name__ == "OpenModal"
        await pilot.press("down", "enter")  # the list is sorted: broken, lr, wd
        await pilot.pause(0.3)
        assert screen.draft.name == "lr" and not screen.draft.stored
        assert screen.checked.of_param("learning_rate")
        assert any("opened" in n and "1 problem" in n for n in notes(app))
        await pilot.press("o", "enter")
        await pilot.pause(0.3)
        assert screen.draft.name == "lr"  # a file that is not TOML changes nothing
        assert any("not valid TOML" in n for n in notes(app))


async def test_preview_axes_and_count_by_key(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await goto_row(pilot, "weight_decay")
        await pilot.press("x")
        await pilot.pause()
        assert "x weight_decay, y learning_rate" in text(app, "#design-preview")
        await pilot.press("minus")
        await pilot.pause()
        assert "first 6 points" in text(app, "#design-preview")
        await goto_row(pilot, "epochs")
        await pilot.press("y")
        assert any("cannot be previewed" in n for n in notes(app))


async def test_baseline_key_and_palette_commands(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "b")
        assert screen.draft.source == "baseline B2, adopted in R1"  # the store's, not tuitune.toml's
        assert "nothing varies" in text(app, "#design-problems")
        titles = [c.title for c in screen.commands()]
        assert titles == [title for title, _, _ in PALETTE]
        actions = {binding.action for binding in screen.BINDINGS}
        assert {action for _, _, action in PALETTE} <= actions


async def test_after_an_adoption_the_design_starts_from_the_adopted_baseline(seeded: Path, make_app) -> None:
    with Store.open(seeded / ".tuitune" / "store.db") as store:
        store.add_baseline(Baseline({"learning_rate": 0.05, "optimizer": "sgd"}, round_id=2))
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "b")
        assert screen.draft.source == "baseline B3, adopted in R2"
        params = {pid: t["value"] for pid, t in screen.draft.params.items()}
        assert (params["optimizer"], params["learning_rate"]) == ("sgd", 0.05)  # B3's values
        assert params["weight_decay"] == 0.0  # only tuitune.toml names it: it still counts
        assert "from baseline B3, adopted in R2" in text(app, "#design-title")


async def test_a_range_made_up_from_the_baseline_value_is_announced(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await ready(pilot, "b")
        await goto_row(pilot, "learning_rate")
        await ready(pilot, "n")
        assert screen.draft.params["learning_rate"]["low"] == 0.001
        assert "learning_rate: a starting range 0.001 … 0.1 (log) around its baseline value" in notes(app)[-1]


async def test_more_preview_points_than_the_design_has_says_so(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="design")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, "plus")  # the stored study has 12 points, all shown already
        assert "already shows all 12 points" in notes(app)[-1]


def test_snapshot_80x24(snap_compare, seeded: Path, make_app) -> None:
    assert snap_compare(make_app(seeded, start="design"), terminal_size=(80, 24), run_before=_settle)


def test_snapshot_120x40(snap_compare, seeded: Path, make_app) -> None:
    assert snap_compare(make_app(seeded, start="design"), terminal_size=(120, 40), run_before=_settle)


def test_snapshot_problems_80x24(snap_compare, seeded: Path, make_app) -> None:
    async def bad_low(pilot) -> None:
        await _settle(pilot)
        await pilot.press("c")
        pilot.app.clear_notifications()
        await goto_row(pilot, "learning_rate")
        await pilot.press("e")
        await pilot.pause()
        await type_into(pilot, "low", "0")
        for _ in range(100):  # wait for the state the snapshot shows, not for a fixed time
            error = pilot.app.screen.query("#e-low")
            if error and not error.first().has_class("-empty"):
                break
            await pilot.pause(0.05)
        pilot.app.clear_notifications()
        await pilot.pause(0.1)

    assert snap_compare(make_app(seeded, start="design"), terminal_size=(80, 24), run_before=bad_low)


async def _settle(pilot) -> None:
    """Wait until the pane shows its draft and nothing is still loading, then drop the toasts."""
    await loaded(pilot)
    for _ in range(100):
        if not any(w.is_running and w.group != "overview" for w in pilot.app.workers):
            break
        await pilot.pause(0.05)
    pilot.app.clear_notifications()
    await pilot.pause(0.1)


def test_table_cells_shorten_long_floats_only() -> None:
    from tuitune.tui.widgets.design_table import range_text

    assert range_text("lr", {"role": "fixed", "value": 0.03523557869658319}, {}) == "= 0.03524"
    assert range_text("wd", {"role": "scientific", "values": [0.0, 0.0001]}, {}) == "0.0 | 0.0001"
