"""The Goal pane: the journal and baselines it shows, and opening and abandoning rounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text

from tuitune import config
from tuitune.domain import Phase, Round, RoundKind, RoundStatus
from tuitune.store import Store
from tuitune.tui import goal_data
from tuitune.tui.screens.goal import GoalScreen
from tuitune.tui.widgets.goal_modals import ChoiceModal, NewRoundModal
from tuitune.tui.widgets.hanging import plain

from .seed import FROZEN

DAY = 86_400.0


def store_of(folder: Path) -> Store:
    return Store.open(config.project_store_path(config.load_project(folder)))


def text_of(widget) -> str:
    return plain(widget.content)


# --- pure ---------------------------------------------------------------------------------------


def test_ago_reads_minutes_hours_days_then_a_date() -> None:
    assert goal_data.ago(FROZEN - 5, FROZEN) == "just now"
    assert goal_data.ago(FROZEN - 300, FROZEN) == "5 min ago"
    assert goal_data.ago(FROZEN - 3 * 3600, FROZEN) == "3 h ago"
    assert goal_data.ago(FROZEN - 4 * DAY, FROZEN) == "4 d ago"
    assert goal_data.ago(FROZEN - 100 * DAY, FROZEN).count("-") == 2
    assert goal_data.ago(None, FROZEN) == "—"


def test_config_text_writes_values_as_typed() -> None:
    config = {"lr": 0.001, "adam": True, "opt": "sgd", "n": 3}
    assert goal_data.config_text(config) == "lr=0.001  adam=true  opt=sgd  n=3"
    assert goal_data.config_text({}) == "(empty)"


def test_load_goal_joins_rounds_decisions_and_baselines(seeded: Path) -> None:
    with store_of(seeded) as store:
        data = goal_data.load_goal(store)
    assert [e.round.goal for e in data.journal] == ["does weight decay help?", "is adam better than momentum?"]
    assert data.journal[0].decision is None and data.journal[0].studies == 1
    assert data.journal[1].decision.verdict.value == "adopt"
    assert [b.current for b in data.baselines] == [True, False]
    assert data.baselines[0].round_goal == "is adam better than momentum?"
    assert [r.id for r in data.open_rounds] == [2]


def test_create_round_abandons_what_it_is_told_and_nothing_else(seeded: Path) -> None:
    with store_of(seeded) as store:
        made = goal_data.create_round(store, Round("  does dropout help?  ", RoundKind.UNDERSTAND, Phase.EXPLOIT),
                                      abandon=(2,), now=FROZEN)
        assert (made.goal, made.kind, made.phase, made.created_at) == ("does dropout help?", RoundKind.UNDERSTAND,
                                                                      Phase.EXPLOIT, FROZEN)
        assert store.get_round(2).status is RoundStatus.ABANDONED
        assert store.current_round().id == made.id
        assert len(store.trials(round_id=2)) == 12  # abandoning touches no trial


def test_abandon_round_refuses_a_closed_round(seeded: Path) -> None:
    with store_of(seeded) as store:
        with pytest.raises(ValueError, match="already closed"):
            goal_data.abandon_round(store, 1)
        assert goal_data.abandon_round(store, 2).status is RoundStatus.ABANDONED


# --- the pane -----------------------------------------------------------------------------------


async def test_shows_journal_detail_and_baselines(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        screen = app.screen
        table = screen.query_one("#journal")
        assert table.row_count == 2
        assert [str(c) for c in table.get_row_at(0)][:2] == ["R2", "does weight decay help?"]
        assert "no decision yet" in text_of(screen.query_one("#round-detail"))
        await pilot.press("down")
        await pilot.pause()
        assert "adopt: adam wins at every width" in text_of(screen.query_one("#round-detail"))
        baselines = text_of(screen.query_one("#baseline-list"))
        assert baselines.startswith("● current B2  objective 0.41  adopted in R1  3 d ago")
        assert "optimizer=sgd" in baselines and "initial configuration" in baselines


async def test_empty_goal_is_refused_in_the_form_and_nothing_written(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, NewRoundModal)
        await pilot.press("space", "enter")
        await pilot.pause()
        assert isinstance(app.screen, NewRoundModal)
        error = text_of(app.screen.query_one("#round-error"))
        assert "goal: a round needs a goal" in error and "fix:" in error
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GoalScreen)
    with store_of(seeded) as store:
        assert len(store.rounds()) == 2


@pytest.mark.parametrize(("answer", "old_status"), [("a", RoundStatus.ABANDONED), ("k", RoundStatus.OPEN)])
async def test_new_round_while_one_is_open_asks_abandon_or_keep(seeded: Path, make_app, answer: str,
                                                                old_status: RoundStatus) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"does dropout help?", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press(answer)
        await pilot.pause(0.3)
        assert isinstance(app.screen, GoalScreen)
        assert "R3 opened" in " ".join(n.message for n in app._notifications)
        assert app.screen.query_one("#journal").row_count == 3
    with store_of(seeded) as store:
        assert store.get_round(2).status is old_status
        new = store.current_round()
        assert (new.id, new.goal, new.kind, new.status, new.created_at) == (3, "does dropout help?",
                                                                             RoundKind.TRY_CHANGE, RoundStatus.OPEN,
                                                                             FROZEN)


async def test_escape_at_the_question_creates_nothing(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("n", *"x", "enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert "no round created" in " ".join(n.message for n in app._notifications)
    with store_of(seeded) as store:
        assert len(store.rounds()) == 2


async def test_the_project_files_baseline_shows_until_one_is_adopted(tmp_path: Path, make_app) -> None:
    folder = tmp_path / "fresh"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python train.py {args}"\n'
                                         '[baseline]\nlearning_rate = 0.1\noptimizer = "momentum"\n')
    app = make_app(folder, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        shown = text_of(app.screen.query_one("#baseline-list"))
        assert shown.startswith("● current  from tuitune.toml [baseline]") and "No baseline yet" not in shown
        assert "learning_rate=0.1" in shown and "optimizer=momentum" in shown


async def test_kind_and_phase_come_from_the_form(tmp_path: Path, make_app) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python train.py {args}"\n')
    app = make_app(folder, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert "No round yet" in text_of(app.screen.query_one("#round-detail"))
        assert "No baseline yet" in text_of(app.screen.query_one("#baseline-list"))
        await pilot.press("n")
        await pilot.pause()
        app.screen.query_one("#kind").value = RoundKind.MINIMIZE
        app.screen.query_one("#phase").value = Phase.EXPLOIT
        await pilot.press(*"lowest error", "enter")
        await pilot.pause(0.3)
    with Store.open(folder / ".tuitune" / "store.db") as store:
        (only,) = store.rounds()
        assert (only.goal, only.kind, only.phase) == ("lowest error", RoundKind.MINIMIZE, Phase.EXPLOIT)


async def test_abandon_asks_then_closes_the_current_round(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)
        await pilot.press("n")
        await pilot.pause(0.2)
        with store_of(seeded) as store:
            assert store.get_round(2).status is RoundStatus.OPEN
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause(0.3)
        assert "R2 abandoned" in " ".join(n.message for n in app._notifications)
        assert "✗ abandoned" in str(app.screen.query_one("#journal").get_row_at(0)[3])
        await pilot.press("x")
        await pilot.pause(0.2)
        assert "no open round to close" in " ".join(n.message for n in app._notifications)
    with store_of(seeded) as store:
        assert store.get_round(2).status is RoundStatus.ABANDONED


async def test_palette_reaches_both_actions(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "New round" in titles and "Close the current round (abandon)" in titles
        command = next(c for c in app.get_system_commands(app.screen) if c.title.startswith("Close the current"))
        command.callback()
        await pilot.pause()
        assert isinstance(app.screen, ChoiceModal)


def test_snapshot_80x24(snap_compare, seeded: Path, make_app) -> None:
    assert snap_compare(make_app(seeded, start="goal"), terminal_size=(80, 24), run_before=settle)


def test_snapshot_120x40(snap_compare, seeded: Path, make_app) -> None:
    assert snap_compare(make_app(seeded, start="goal"), terminal_size=(120, 40), run_before=settle)


def test_snapshot_new_round_form_80x24(snap_compare, seeded: Path, make_app) -> None:
    async def form(pilot) -> None:
        await settle(pilot)
        await pilot.press("n", "enter")
        await pilot.pause(0.1)
    assert snap_compare(make_app(seeded, start="goal"), terminal_size=(80, 24), run_before=form)


async def settle(pilot) -> None:
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()
