"""The Monitor pane: its loaders (pure), every action under Pilot, and snapshots at 80x24 and 120x40."""

from __future__ import annotations

import contextlib
import math
from pathlib import Path

import pytest

from tuitune import config
from tuitune.domain import CommandKind, Round, RoundStatus
from tuitune.domain import TrialState as S
from tuitune.runner import intents
from tuitune.store import Store
from tuitune.tui.monitor_data import (
    Filter,
    Sort,
    TableView,
    load_curves,
    load_log,
    load_table,
    plotted_ids,
    points_left,
    trial_folder,
)
from tuitune.tui.monitor_trials import UNENDED
from tuitune.tui.screens.monitor import MonitorScreen
from tuitune.tui.widgets.monitor_add import AddTrialsModal, parse_count
from tuitune.tui.widgets.monitor_curves import Shown
from tuitune.tui.widgets.monitor_log import LogView
from tuitune.runner.overview import duration
from tuitune.tui.widgets.monitor_table import TrialsTable, number, step_text

from .seed import FROZEN


def open_store(folder: Path) -> tuple[Store, object]:
    project = config.load_project(folder)
    return Store.open(config.project_store_path(project)), project


def write_logs(folder: Path) -> None:
    """stdout for running trial 11; stdout and a traceback for failed trial 5."""
    store_path = config.project_store_path(config.load_project(folder))
    running = trial_folder(store_path, 1, 11)
    running.mkdir(parents=True)
    (running / "stdout.log").write_text("".join(f"epoch {i} val_loss {1.1 / (i + 1):.4f}\n" for i in range(30)))
    failed = trial_folder(store_path, 1, 5)
    failed.mkdir(parents=True)
    (failed / "stdout.log").write_text("epoch 0\nepoch 1\n")
    (failed / "stderr.log").write_text("Traceback (most recent call last):\n  File \"train.py\", line 88\n"
                                       "RuntimeError: CUDA out of memory\n")


# --- loaders -------------------------------------------------------------------------------


class _NoCurves:
    """A store whose bulk curve read fails: proves the memo spares it."""

    def __init__(self, store: Store):
        self._store = store

    def __getattr__(self, name):
        if name == "curves":
            raise AssertionError("curves read although nothing changed")
        return getattr(self._store, name)


def test_seed_runs_are_named_by_their_study_and_seed(seeded):
    from tuitune.tui import decide_data as dd

    store, project = open_store(seeded)
    with store:
        decide = dd.load_decide(store, project)
        cand, base, _ = dd.queue_seed_repeats(store, 2, decide.candidate.trial.id, decide.baseline, 2)
        data = load_table(store, project, FROZEN)
        for study in (cand, base):
            rows = [r for r in data.rows if r.study_id == study.id]
            seeds = [t.seed for t in store.trials(study_id=study.id)]
            assert sorted(r.params for r in rows) == sorted(f"{study.name} seed={seed}" for seed in seeds)


def test_table_rows_counts_and_objectives(seeded):
    store, project = open_store(seeded)
    with store:
        data = load_table(store, project, FROZEN)
        assert data.total == data.matching == len(data.rows) == 12
        assert [r.state for r in data.rows[:3]] == [S.RUNNING, S.RUNNING, S.QUEUED]
        assert data.counts == {Filter.ALL: 12, Filter.ACTIVE: 3, Filter.FAILED: 3, Filter.DONE: 6}
        best = data.row(6)
        assert best.objective == pytest.approx(min(v for _, v, _ in store.curve(6, "val_loss")))
        assert best.params == "wd=0.001 lr=0.00478" and best.runtime == pytest.approx(199.0)
        assert data.row(12).runtime is None and data.row(12).objective is None
        assert data.row(11).runtime == pytest.approx(1599.0)  # running: until the (frozen) clock
        assert data.top[1] == (6, 1, 2)
        assert set(data.memo.objectives) == {r.id for r in data.rows if r.step is not None}
        again = load_table(_NoCurves(store), project, FROZEN, memo=data.memo)  # nothing new: no curve read
        assert [r.objective for r in again.rows] == [r.objective for r in data.rows]
        # the runner's cached objective wins over the curve
        store.set_objective(6, 0.123)
        assert load_table(store, project, FROZEN).row(6).objective == 0.123


class _Counting:
    """A store that records the states each ``trials()`` call asked for (``None``: all)."""

    def __init__(self, store: Store):
        self._store = store
        self.asked: list[object] = []

    def trials(self, *args, **kwargs):
        self.asked.append(kwargs.get("states"))
        return self._store.trials(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def test_ended_trials_are_read_once_until_another_ends(seeded):
    store, project = open_store(seeded)
    with store:
        counting = _Counting(store)
        first = load_table(counting, project, FROZEN)
        assert counting.asked == [None] and len(first.memo.ended.trials) == 9
        again = load_table(counting, project, FROZEN, memo=first.memo)
        assert counting.asked[1] == UNENDED and again.rows == first.rows and again.memo.ended is first.memo.ended
        intents.queue_study(store, store.studies()[0], 1)  # a new queued trial: still no full read
        assert load_table(counting, project, FROZEN, memo=again.memo).total == 13 and counting.asked[2] == UNENDED
        store.transition(11, S.COMPLETED, at=FROZEN, exit_code=0)  # a trial ends: everything is read again
        ended = load_table(counting, project, FROZEN, memo=again.memo)
        assert counting.asked[3:] == [UNENDED, None] and ended.row(11).state is S.COMPLETED
        assert len(ended.memo.ended.trials) == 10


def test_filters_sorts_and_reverse(seeded):
    store, project = open_store(seeded)
    with store:
        failed = load_table(store, project, FROZEN, TableView(Filter.FAILED))
        assert {r.state for r in failed.rows} == {S.FAILED, S.INFEASIBLE} and failed.matching == 3
        by_objective = load_table(store, project, FROZEN, TableView(sort=Sort.OBJECTIVE)).rows
        ranked = [r for r in by_objective if r.objective is not None and r.state is not S.INFEASIBLE]
        values = [r.objective for r in ranked]
        assert values == sorted(values) and list(by_objective[:len(ranked)]) == ranked
        worst_first = load_table(store, project, FROZEN, TableView(sort=Sort.OBJECTIVE, reverse=True)).rows
        assert worst_first[0].objective == max(values)
        # infeasible trials are not ranked, whichever way round: a diverged trial is not the "worst"
        assert all(r.state is S.INFEASIBLE or r.objective is None for r in worst_first[len(ranked):])
        assert any(r.state is S.INFEASIBLE for r in worst_first[len(ranked):])
        newest = load_table(store, project, FROZEN, TableView(sort=Sort.ID)).rows
        assert [r.id for r in newest] == list(range(12, 0, -1))
        assert Filter.DONE.next() is Filter.ALL and Sort.RUNTIME.next() is Sort.STATE


def test_window_caps_rows_keeping_active_and_selected(seeded):
    store, project = open_store(seeded)
    with store:
        intents.queue_study(store, store.studies()[0], 300)
        data = load_table(store, project, FROZEN, TableView(sort=Sort.ID, cap=50), selected=3)
        assert data.matching == data.total == 312 and len(data.rows) == 50
        ids = {r.id for r in data.rows}
        assert {10, 11, 3} <= ids  # running trials and the selection survive the cap
        assert [r.id for r in data.rows] == sorted(ids, reverse=True)


def test_curves_log_and_points_left(seeded):
    write_logs(seeded)
    store, project = open_store(seeded)
    with store:
        data = load_table(store, project, FROZEN)
        assert plotted_ids(data, 11) == (11, 6, 1, 2) and plotted_ids(data, 6) == (6, 1, 2)
        assert plotted_ids(data, None) == (6, 1, 2)
        curves = load_curves(store, (11, 6), 11, ("train_loss", "val_loss"))
        assert [(s.trial_id, s.metric, len(s.steps), s.selected) for s in curves.series] == [
            (11, "train_loss", 8, True), (11, "val_loss", 8, True), (6, "train_loss", 20, False),
            (6, "val_loss", 20, False)]
        assert {s.metric for s in load_curves(store, (11, 6), 11, ("val_loss",)).series} == {"val_loss"}
        store_path = config.project_store_path(project)
        tail = load_log(store_path, 1, 5, 2)
        assert tail.exists and tail.stdout == ("epoch 0", "epoch 1")
        assert tail.stderr[-1] == "RuntimeError: CUDA out of memory"
        assert [p.name for p in tail.paths] == ["stdout.log", "stderr.log"]
        missing = load_log(store_path, 1, 12, 5)
        assert not missing.exists and missing.paths == ()
        assert points_left(store, store.studies()[0]) is None  # quasi-random: the sequence goes on


def test_formatting():
    assert [number(v) for v in (None, math.nan, math.inf, 0.30371, 12345.0)] == ["–", "nan", "inf", "0.3037", "1.2e4"]
    assert [number(v) for v in (8.1e95, -8.1e95, -0.000123, 1e-100)] == ["8.1e95", "-8e95", "-1e-4", "1e-100"]
    assert [step_text(v) for v in (None, 99_999, 132_600, 9_999_999, 10_000_000)] == ["–", "99999", "132k", "9999k",
                                                                                     "10M"]
    assert [duration(v) for v in (None, 0.83, 9.94, 9.97, 42, 59.7, 1799, 18_120, 400_000)] == [
        "–", "0.8s", "9.9s", "10s", "42s", "1m00s", "29m59s", "5h02m", "111h"]
    assert parse_count("8", None) == (8, "")
    assert parse_count("0", None)[0] is None and "at least 1" in parse_count("0", None)[1]
    assert "2 point(s) left" in parse_count("3", 2)[1]
    assert "not a whole number" in parse_count("x", None)[1]


# --- the pane under Pilot ------------------------------------------------------------------


async def settle(pilot, until=None) -> MonitorScreen:
    """Wait until the pane has loaded its table and drawn its curves (and ``until()`` holds)."""
    for _ in range(200):
        await pilot.pause(0.02)
        screen = pilot.app.screen
        if (isinstance(screen, MonitorScreen) and screen.data.total and screen.curves._drawn is not None
                and screen.query_one(LogView)._shown is not None
                and not any(w.group in ("details", "curves") and not w.is_finished for w in pilot.app.workers)
                and (until is None or until(screen))):
            return screen
    raise AssertionError("the Monitor pane did not settle")


def messages(app) -> list[str]:
    return [n.message for n in app._notifications]


def table_ids(table: TrialsTable) -> list[int]:
    return list(table.row_ids)


async def test_table_updates_in_place_and_keeps_the_selection(seeded, make_app):
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        table = screen.table
        assert table_ids(table)[:3] == [11, 10, 12] and table.selected == 11
        await pilot.press("down", "down", "down")
        assert table.selected == 5
        with Store.open(app.backend.store_path) as store:  # new measurements and a new trial arrive
            store.add_measurements([(10, 8, "val_loss", 0.25, FROZEN)])
            intents.queue_study(store, store.studies()[0], 1)
        screen = await settle(pilot, lambda s: s.data.total == 13)
        await pilot.pause(0.2)
        assert table.row_count == 13 and table.selected == 5
        assert table.row_ids.index(5) == table.cursor_row
        assert table.cell(10, "valid") == "0.25"
        assert "#5" in str(screen.query_one("#monitor-detail").render())


async def test_until_the_user_moves_the_cursor_it_stays_on_the_top_row(seeded, make_app):
    """A glance shows the running trials: a trial that finishes sinks without dragging the view."""
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        table = screen.table
        assert table_ids(table)[:2] == [11, 10] and table.selected == 11 and table.follow_top
        with Store.open(app.backend.store_path) as store:
            store.transition(11, S.COMPLETED, at=FROZEN + 5)
        screen = await settle(pilot, lambda s: s.table.row_ids[0] != 11)
        assert table.cursor_row == 0 and table.selected == table.row_ids[0] == 10
        assert round(table.scroll_y) == 0
        await pilot.press("down")  # the user picks a trial: it is followed by id from now on
        picked = table.selected
        with Store.open(app.backend.store_path) as store:
            store.transition(10, S.COMPLETED, at=FROZEN + 6)
        screen = await settle(pilot, lambda s: s.table.row_ids[0] != 10)
        assert table.selected == picked and not table.follow_top
        await pilot.press("home")
        assert table.follow_top and table.cursor_row == 0 and table.selected == table.row_ids[0]


async def test_filter_and_sort_keys(seeded, make_app):
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        await pilot.press("f")
        screen = await settle(pilot, lambda s: s.data.matching == 3 and s.table.row_count == 3)
        assert screen.view.filter is Filter.ACTIVE
        assert "queued or running 3" in str(screen.query_one("#monitor-info").render())
        await pilot.press("f", "f", "f")  # failed, done, all
        await pilot.press("o")
        screen = await settle(pilot, lambda s: s.view.sort is Sort.OBJECTIVE and s.table.row_count == 12)
        await pilot.pause(0.2)
        assert table_ids(screen.table)[0] == 6 and "best first" in str(screen.query_one("#monitor-info").render())
        await pilot.press("O")
        screen = await settle(pilot, lambda s: s.view.reverse)
        await pilot.pause(0.2)
        assert table_ids(screen.table)[-3:] == [12, 8, 3]  # no objective, or infeasible: last either way


async def test_stop_and_requeue_write_intents(seeded, make_app):
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")  # trial 11 runs
        await pilot.pause(0.1)
        assert "stop requested for trial #11" in messages(app)[-1]
        await pilot.press("r")
        await pilot.pause(0.1)
        assert "still running: stop it first" in messages(app)[-1]
        await pilot.press("down", "down", "down", "r")  # trial 5 failed
        await pilot.pause(0.1)
        assert "requeued trial #5" in messages(app)[-1]
        await pilot.press("s")
        await pilot.pause(0.1)
        assert "has already ended (failed)" in messages(app)[-1]
        with Store.open(app.backend.store_path) as store:
            commands = [(c.kind, c.payload["trial_ids"]) for c in store.pending_commands()]
        assert commands == [(CommandKind.STOP, [11]), (CommandKind.REQUEUE, [5])]
        assert app.backend.runner.ensured == 1


async def test_add_trials_modal(seeded, make_app):
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await pilot.pause(0.2)
        assert isinstance(app.screen, AddTrialsModal)
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MonitorScreen)
        await pilot.press("a")
        await pilot.pause(0.2)
        await pilot.press("ctrl+a", "ctrl+k", "0", "enter")  # refused, with the reason
        await pilot.pause(0.1)
        assert isinstance(app.screen, AddTrialsModal)
        assert "at least 1" in str(app.screen.query_one("#add-error").render())
        await pilot.press("backspace", "3", "enter")
        screen = await settle(pilot, lambda s: s.data.total == 15)
        assert "queued 3 trial(s) of study wd (#13–#15)" in messages(app)[-1]
        assert app.backend.runner.ensured == 1
        assert screen.data.row(15).state is S.QUEUED


async def test_a_closed_round_takes_no_more_trials(seeded, make_app):
    """Its trials are the evidence its decision rests on: requeue and add are refused, stop is not."""
    with Store.open(seeded / ".tuitune" / "store.db") as store:
        store.set_round_status(2, RoundStatus.CLOSED)
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "down", "down", "r")  # trial 5 failed
        await pilot.pause(0.1)
        assert "R2 is closed: its trials are the record of that round" in messages(app)[-1]
        await pilot.press("a")
        await pilot.pause(0.1)
        assert isinstance(app.screen, MonitorScreen) and "R2 is closed" in messages(app)[-1]
        await pilot.press("home", "s")  # trial 11 still runs: stopping it is fine
        await pilot.pause(0.1)
        assert "stop requested for trial #11" in messages(app)[-1]
        with Store.open(app.backend.store_path) as store:
            assert [c.kind for c in store.pending_commands()] == [CommandKind.STOP]


async def test_actions_without_a_row_say_why(seeded, make_app):
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        with Store.open(app.backend.store_path) as store:
            store.add_round(Round("does dropout help?"))
        for _ in range(100):
            await pilot.pause(0.05)
            if screen.data.round is not None and screen.data.round.id == 3:
                break
        await pilot.press("s")
        await pilot.pause(0.1)
        assert "no trials in R3 yet: press 2" in messages(app)[-1]


async def test_pager_opens_the_log_or_says_why_not(seeded, make_app, monkeypatch):
    write_logs(seeded)
    app = make_app(seeded, start="monitor")
    runs = []
    monkeypatch.setenv("PAGER", "cat -A")
    monkeypatch.setattr("tuitune.tui.screens.monitor.subprocess.run", lambda argv, **kw: runs.append(argv))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("p")  # headless: no terminal to hand over
        await pilot.pause(0.1)
        assert "cannot hand over to a pager" in messages(app)[-1]
        monkeypatch.setattr(type(app), "suspend", lambda self: contextlib.nullcontext())
        await pilot.press("p")
        await pilot.pause(0.1)
        assert runs and runs[-1][:2] == ["cat", "-A"] and runs[-1][2].endswith("runs/1/11/stdout.log")
        await pilot.press("down", "down", "p")  # trial 12 is queued: no log
        await pilot.pause(0.1)
        assert "trial #12 has no log yet" in messages(app)[-1]
        monkeypatch.setenv("PAGER", "no-such-pager-here")
        await pilot.press("up", "up", "p")
        await pilot.pause(0.1)
        assert "no pager 'no-such-pager-here' found" in messages(app)[-1]


async def test_curves_and_log_toggles(seeded, make_app):
    write_logs(seeded)
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        curves, log = screen.curves, screen.query_one(LogView)
        assert curves.display and not log.display  # narrow: one at a time
        await pilot.press("y")
        await settle(pilot, lambda s: s.curves._drawn[3])
        assert "(log y)" in str(curves.render())
        await pilot.press("c")
        await settle(pilot, lambda s: s.curves._drawn[4] is Shown.TRAIN)
        assert "train_loss" in str(curves.render())
        await pilot.press("l")
        await pilot.pause(0.2)
        assert log.display and not curves.display
        assert "epoch 29" in str(log.render())
        await pilot.press("l")
        await pilot.pause(0.1)
        assert curves.display


async def test_palette_commands(seeded, make_app):
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await settle(pilot)
        titles = [c.title for c in screen.commands()]
        assert titles[:4] == ["Stop trial #11", "Requeue trial #11", "Add trials to study wd",
                              "Open the log of trial #11 in $PAGER"]
        assert "Show the log tail or the curves" in titles
        stop = next(c for c in screen.commands() if c.title == "Stop trial #11")
        await stop.callback()
        await pilot.pause(0.1)
        assert "stop requested for trial #11" in messages(app)[-1]
    async with make_app(seeded, start="monitor").run_test(size=(120, 40)) as pilot:
        screen = await settle(pilot)
        assert "Show the log tail or the curves" not in [c.title for c in screen.commands()]


async def test_empty_round_says_what_to_do(tmp_path, make_app):
    from .seed import PROJECT
    (tmp_path / "tuitune.toml").write_text(PROJECT)
    app = make_app(tmp_path, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert "no round yet" in str(app.screen.query_one("#monitor-info").render())
        await pilot.press("s", "a")
        await pilot.pause(0.1)
        assert "no study in this round yet" in messages(app)[-1]


# --- snapshots -----------------------------------------------------------------------------


def test_snapshot_80x24(snap_compare, seeded, make_app):
    write_logs(seeded)
    assert snap_compare(make_app(seeded, start="monitor"), terminal_size=(80, 24), run_before=settle)


def test_snapshot_120x40(snap_compare, seeded, make_app):
    write_logs(seeded)
    assert snap_compare(make_app(seeded, start="monitor"), terminal_size=(120, 40), run_before=settle)


def test_snapshot_80x24_failed_trial_log(snap_compare, seeded, make_app):
    write_logs(seeded)

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("down", "down", "down", "l")
        await settle(pilot, lambda s: "CUDA out of memory" in str(s.query_one(LogView).render()))

    assert snap_compare(make_app(seeded, start="monitor"), terminal_size=(80, 24), run_before=run_before)


def test_a_pager_that_returns_at_once_waits_for_enter(monkeypatch):
    """PAGER=cat (or less -F on a short log) prints and leaves: the TUI must not paint over it."""
    from tuitune.tui.screens import monitor

    prompts: list[str] = []
    monkeypatch.setattr(monitor, "input", prompts.append, raising=False)
    monkeypatch.setattr(monitor.subprocess, "run", lambda argv, **kw: None)
    monitor.page(["cat", "log"])
    assert prompts and "press Enter to return" in prompts[0]
    ticks = iter([0.0, 30.0])  # a real pager: the user read for half a minute
    monkeypatch.setattr(monitor.time, "monotonic", lambda: next(ticks))
    monitor.page(["less", "log"])
    assert len(prompts) == 1


def test_the_params_column_puts_scientific_values_first():
    """A narrow column cuts its end: the value the round compares must come first."""
    from tuitune.domain import Hyperparameter, ParamType, Role, SearchSpace, Study, Trial
    from tuitune.tui import monitor_data

    study = Study("adam-vs-sgd", SearchSpace((
        Hyperparameter("learning_rate", ParamType.FLOAT, Role.NUISANCE, low=1e-3, high=1.0),
        Hyperparameter("optimizer", ParamType.CATEGORICAL, Role.SCIENTIFIC, values=("sgd", "adam")))), trials=4)
    trial = Trial(study_id=1, index=0, params={"learning_rate": 0.0104, "optimizer": "adam"})
    text = monitor_data._params(trial, study, monitor_data._abbreviations([study]))
    assert text == "optimizer=adam lr=0.0104"  # one letter is too short to stand for a name
