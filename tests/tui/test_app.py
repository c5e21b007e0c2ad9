"""The App shell: panes a key each, help, the status line, the palette, and quitting safely."""

from __future__ import annotations

import io
import re
from pathlib import Path

from rich.console import Console

from tuitune import config
from tuitune.domain import Round, TrialState
from tuitune.store import Store
from tuitune.tui.app import PANES, pane_screen
from tuitune.tui.overview import Overview
from tuitune.tui.screens.help import key_table
from tuitune.tui.widgets.footer import KeyBar
from tuitune.tui.widgets.status_line import StatusLine, describe

from .seed import FakeRunner


async def test_number_keys_switch_panes(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        for mode, (key, _, _) in PANES.items():
            await pilot.press(key)
            await pilot.pause()
            assert app.current_mode == mode
            assert isinstance(app.screen, pane_screen(mode))


async def test_opens_monitor_when_the_round_has_trials(seeded: Path, make_app) -> None:
    app = make_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert app.current_mode == "monitor"


async def test_opens_goal_when_there_is_no_round(tmp_path: Path, make_app) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "tuitune.toml").write_text('[project]\ncommand = "python train.py {args}"\n')
    app = make_app(folder)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        assert app.current_mode == "goal"


async def test_help_lists_the_pane_keys_and_closes(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        app.notify("a toast that would cover the key list")
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpModal"
        assert not app._notifications  # cleared: toasts are drawn over the help
        text = " ".join(str(s.render()) for s in app.screen.query("Static"))
        for _, title, _ in PANES.values():
            assert title in text
        keys = io.StringIO()
        Console(file=keys, width=100).print(key_table(app.screen._under))
        listing = keys.getvalue()
        assert "Start the runner" in listing and "palette" in listing
        # tuitune's keys come before Textual's focus and cursor keys
        assert listing.index("New round") < listing.index("Quit") < listing.index("general")
        assert listing.index("general") < listing.index("Focus Next") and "Cursor up" in listing
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "GoalScreen"


async def test_status_line_shows_goal_counts_and_runner(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal", runner=FakeRunner("stopped"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        line = str(app.screen.query_one(StatusLine).render())
        assert "does weight decay help?" in line
        assert "▶2" in line and "✓6" in line and "✗1" in line  # symbols: the hint below takes the room
        assert line.endswith("runner stopped: ^r starts it")


async def test_an_unchanged_status_line_is_not_repainted(seeded: Path, make_app) -> None:
    """Over SSH every repaint is bytes on the wire: an idle TUI should send none."""
    app = make_app(seeded, start="goal", runner=FakeRunner("stopped"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        line = app.screen.query_one(StatusLine)
        painted: list[str] = []
        original = line.update
        line.update = lambda text="", **kw: (painted.append(str(text)), original(text, **kw))[1]
        line.show(line._overview)
        line.show(line._overview)
        assert painted == []
        line.show(Overview(None, runner="running"))
        assert len(painted) == 1 and "runner running" in painted[0]


async def test_a_maximized_widget_shows_how_to_go_back(seeded: Path, make_app) -> None:
    """The palette's Maximize fills the pane; the footer must say that esc restores it."""
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        keys = lambda: str(app.screen.query_one(KeyBar).render())  # noqa: E731
        assert "esc Back" not in keys()
        app.screen.maximize(app.screen.query_one("#journal"))
        await pilot.pause()
        assert "esc Back" in keys()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.maximized is None and "esc Back" not in keys()


async def test_palette_reaches_every_pane(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)):
        titles = [c.title for c in app.get_system_commands(app.screen)]
        for _, title, _ in PANES.values():
            assert f"Go to {title}" in titles


async def test_palette_lists_the_actions_the_issue_names_on_their_panes(seeded: Path, make_app) -> None:
    wanted = {"goal": ["New round"], "design": ["reseed the study"],
              "monitor": ["Stop trial", "Requeue trial", "in $PAGER"],
              "review": ["Change objective", "Export review"]}
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        for mode, phrases in wanted.items():
            await pilot.press(PANES[mode][0])
            await pilot.pause(0.2)
            titles = " | ".join(c.title for c in app.get_system_commands(app.screen))
            assert all(phrase in titles for phrase in phrases), (mode, titles)


async def test_quitting_leaves_trials_as_they_were(seeded: Path, make_app) -> None:
    project = config.load_project(seeded)
    with Store.open(config.project_store_path(project)) as store:
        before = [(t.id, t.state) for t in store.trials()]
    app = make_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("q")
    with Store.open(config.project_store_path(project)) as store:
        assert [(t.id, t.state) for t in store.trials()] == before
        assert store.pending_commands() == []


def test_status_line_shortens_counts_before_the_runner_state() -> None:
    overview = Overview(Round("a rather long goal about weight decay and its effect", id=3),
                        counts={TrialState.RUNNING: 2, TrialState.COMPLETED: 10, TrialState.FAILED: 1},
                        runner="running")
    wide = describe(overview, "mlp", 140).plain
    narrow = describe(overview, "mlp", 80).plain
    assert "▶2 running" in wide and "✓10 done" in wide
    assert "▶2" in narrow and "✓10" in narrow and narrow.endswith("runner running")
    assert len(narrow) <= 80


def test_status_line_says_how_to_start_a_stopped_runner_with_trials_waiting() -> None:
    waiting = Overview(Round("g", id=1), counts={TrialState.QUEUED: 3}, runner="stopped")
    assert describe(waiting, "mlp", 100).plain.endswith("runner stopped: ^r starts it")
    done = Overview(Round("g", id=1), counts={TrialState.COMPLETED: 3}, runner="stopped")
    assert describe(done, "mlp", 100).plain.endswith("runner stopped")


def test_status_line_keeps_the_runner_hint_whole_when_narrow() -> None:
    waiting = Overview(Round("does weight decay help?", id=1),
                       counts={TrialState.QUEUED: 17, TrialState.RUNNING: 2, TrialState.COMPLETED: 12},
                       runner="stopped")
    line = describe(waiting, "a-rather-long-project-nm", 80, "3 Monitor").plain
    assert len(line) <= 80 and line.endswith("runner stopped: ^r starts it") and "a-rath" in line
    for width in (60, 70):  # no room for the sentence: the key still shows
        line = describe(waiting, "mlp_numpy", width, "3 Monitor").plain
        assert len(line) <= width and line.endswith("^r"), line


async def test_ctrl_r_starts_the_runner(seeded: Path, make_app) -> None:
    runner = FakeRunner("stopped")
    app = make_app(seeded, start="monitor", runner=runner)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        line = app.screen.query_one(StatusLine)
        assert "^r starts it" in str(line.render())
        await pilot.press("ctrl+r")
        await pilot.pause(0.3)
        assert runner.ensured == 1
        assert "the runner is up" in " ".join(n.message for n in app._notifications)
        assert "runner running" in str(line.render())


async def test_a_screenshot_goes_to_the_project_folder(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="goal")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        saved = Path(app.deliver_screenshot())
        await pilot.pause()
        assert saved.parent == seeded and saved.suffix == ".svg" and "<svg" in saved.read_text()
        assert f"screenshot saved: {saved}" in " ".join(n.message for n in app._notifications)
        app.deliver_screenshot(path=str(seeded / "missing"))
        await pilot.pause()
        assert "cannot save the screenshot" in " ".join(n.message for n in app._notifications)


async def test_a_runner_that_cannot_start_says_why(seeded: Path, make_app) -> None:
    class Unstartable(FakeRunner):
        def ensure(self) -> None:
            raise PermissionError(13, "Permission denied", "/srv/project/.tuitune/runner.log")

    app = make_app(seeded, start="monitor", runner=Unstartable("stopped"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("ctrl+r")
        await pilot.pause(0.3)
        messages = " ".join(n.message for n in app._notifications)
        assert "cannot start the runner: [Errno 13] Permission denied: '/srv/project/.tuitune/runner.log'" in messages


async def test_panes_read_in_256_colours(seeded: Path, make_app, monkeypatch) -> None:
    """Over SSH and in tmux without truecolor: the screen rendered for a 256-colour terminal uses
    no 24-bit colour, and the Monitor's cursor line still stands out from the other rows."""
    monkeypatch.delenv("NO_COLOR")  # the suite runs without colour; this test is about colour
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(100):
            await pilot.pause(0.05)
            if app.screen.table.row_count:
                break
        console = Console(color_system="256", force_terminal=True, file=io.StringIO(), width=80,
                          legacy_windows=False)
        console.print(app.screen._compositor.render_update(full=True))
        lines = console.file.getvalue().splitlines()
    assert lines and not any(re.search(r"[34]8;2;", line) for line in lines)

    def backgrounds(trial: int) -> set[str]:
        line = next(line for line in lines if re.search(rf"\b{trial}\b.*(running|queued)", re.sub(r"\x1b\[[0-9;]*m", "", line)))
        return set(re.findall(r"48;5;(\d+)", line))

    assert backgrounds(11) != backgrounds(12)  # 11 is under the cursor, 12 is not


def test_quitting_while_trials_run_says_they_go_on() -> None:
    """The TUI never holds a trial; on quit it says so, with how to see them again."""
    from tuitune.tui import farewell

    r = Round("does weight decay help?", id=1)
    assert farewell(None) is None and farewell(Overview(r, counts={TrialState.COMPLETED: 3})) is None
    going = Overview(r, counts={TrialState.RUNNING: 2, TrialState.QUEUED: 1}, runner="running (pid 7)")
    assert farewell(going) == ("2 trials running and 1 trial queued: the runner goes on with them; "
                               "`tuitune` reopens them, `tuitune status` lists them")
    waiting = Overview(r, counts={TrialState.QUEUED: 4}, runner="stopped")
    assert "4 trials queued: the runner is stopped: `tuitune runner start` runs them" in farewell(waiting)

