"""The tuitune App: five panes of one tuning round, a key each.

Why it is shaped like this: each pane of the playbook's loop is a Textual *mode* (its own screen
stack), so ``1``–``5`` switch instantly and every pane keeps its cursor and scroll while hidden.
A pane's module is imported when the pane is first shown: Design, Review and Decide pull in
scipy and pandas (a second of imports, five times Textual's own start), which the first screen
does not need; once it is up they are imported on a background lane, so no key waits for them.
The App holds the injected :class:`~tuitune.tui.backend.Backend` and polls the round's overview
for the status line; panes load their own data while shown. Quitting closes store connections
and nothing else: trials belong to the runner daemon and keep running.
"""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterable
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from tuitune.domain import RoundStatus, TuituneError
from tuitune.tui.backend import Backend
from tuitune.tui.overview import Overview, load_overview
from tuitune.tui.screens.base import PaneScreen
from tuitune.tui.screens.help import HelpModal

PANES: dict[str, tuple[str, str, str]] = {
    "goal": ("1", "Goal", "goal:GoalScreen"),
    "design": ("2", "Design", "design:DesignScreen"),
    "monitor": ("3", "Monitor", "monitor:MonitorScreen"),
    "review": ("4", "Review", "review:ReviewScreen"),
    "decide": ("5", "Decide", "decide:DecideScreen"),
}
"""mode -> (key, title, ``module:class`` in :mod:`tuitune.tui.screens`): the playbook's loop, in order."""
WARM_UP_S = 1.0
"""Seconds after start-up before the other panes' modules are imported in the background."""


def pane_screen(mode: str) -> type[PaneScreen]:
    """The screen class of pane ``mode``, its module imported on first use."""
    module, _, name = PANES[mode][2].partition(":")
    return getattr(importlib.import_module(f"tuitune.tui.screens.{module}"), name)


class TuituneApp(App[None]):
    """The terminal workbench. Construct with a :class:`Backend`; ``run()`` it."""

    TITLE = "tuitune"
    CSS_PATH = "app.tcss"
    ENABLE_COMMAND_PALETTE = True
    ALLOW_IN_MAXIMIZED_VIEW = "KeyBar"  # a plot shown full-pane keeps the keys (esc goes back)
    MODES = {mode: (lambda mode=mode: pane_screen(mode)()) for mode in PANES}
    BINDINGS = [
        # The pane keys are in the status line ("3 Monitor") and in help; the footer keeps its
        # room at 80 columns for the keys of the pane itself.
        *(Binding(key, f"switch_pane('{mode}')", title, show=False) for mode, (key, title, _) in PANES.items()),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        # Shown in the status line while the runner is stopped with trials to run, not in the footer.
        Binding("ctrl+r", "start_runner", "Start the runner", show=False),
    ]

    def __init__(self, backend: Backend, *, start: str | None = None) -> None:
        self.backend = backend
        self.overview: Overview | None = None
        self._overview_busy = False
        self._start = start
        super().__init__()
        if backend.low_bandwidth:
            self.animation_level = "none"

    def run(self, **kwargs: Any) -> None:
        """Run the App (see :meth:`textual.app.App.run`), after moving every object that exists
        now into the collector's permanent generation (:func:`gc.freeze`).

        Why: start-up allocates the modules, classes and CSS of Textual and tuitune, which live
        until exit; a full collection walks all of them (about 30 ms, once during the first
        paint, and again at random moments later, a stutter in a refresh). Frozen, they are
        never walked again; garbage made from here on is collected as usual.
        """
        gc.freeze()
        return super().run(**kwargs)

    def on_mount(self) -> None:
        if self._start is not None:
            self.switch_mode(self._start)
        self.open_first_pane()
        self.set_timer(WARM_UP_S, self._warm_up)

    @work(exclusive=True, group="start", exit_on_error=False)
    async def open_first_pane(self) -> None:
        """Load the status line's first overview and, unless ``start`` named a pane, open the one
        the user most likely wants: no open round -> Goal; no trial -> Design; trials -> Monitor.
        Only that pane is built (and its module imported) at start-up, and the status line's
        polling starts only now, so nothing else reads the store while it is being built."""
        runner = self.backend.runner
        mode = "goal"
        try:
            self.overview = await self.backend.io(lambda store: load_overview(store, runner.state()))
            round = self.overview.round
            if round is not None and round.status is RoundStatus.OPEN:
                mode = "monitor" if self.overview.total else "design"
        finally:  # a store that cannot be read still gets a pane, which says why
            if self._start is None:
                self.switch_mode(mode)
            elif self.overview is not None and isinstance(self.screen, PaneScreen):
                self.screen.show_overview(self.overview)
            self.set_interval(self.backend.refresh_s, self.refresh_overview)

    @work(group="warm-up", exit_on_error=False)
    async def _warm_up(self) -> None:
        """Import every pane's module off the event loop, so the first switch to it is instant."""
        await self.backend.compute(lambda _store: [pane_screen(mode) for mode in PANES])

    def refresh_overview(self) -> None:
        """Reload the status line's numbers; a tick while one reload runs is skipped, not queued."""
        if not self._overview_busy:
            self._overview_busy = True
            self._load_overview()

    @work(group="overview", exit_on_error=False)
    async def _load_overview(self) -> None:
        runner = self.backend.runner
        try:
            self.overview = await self.backend.io(lambda store: load_overview(store, runner.state()))
        finally:
            self._overview_busy = False
        if isinstance(self.screen, PaneScreen):
            self.screen.show_overview(self.overview)

    def pane_label(self) -> str:
        """``3 Monitor``: the key and title of the pane shown, for the status line."""
        key, title, _ = PANES.get(self.current_mode, ("", "", None))
        return f"{key} {title}".strip()

    def action_switch_pane(self, mode: str) -> None:
        self.switch_mode(mode)

    def action_start_runner(self) -> None:
        self._start_runner()

    @work(exclusive=True, group="runner", exit_on_error=False)
    async def _start_runner(self) -> None:
        """Start the store's runner unless one runs (after a reboot, or a runner that was
        stopped or killed): it runs the queued trials and re-adopts the running ones."""
        runner = self.backend.runner
        try:
            await self.backend.io(lambda _store: runner.ensure())
        except (TuituneError, OSError) as error:  # OSError: the runner's folder, log or process
            self.notify(f"cannot start the runner: {error}" if isinstance(error, OSError) else str(error),
                        severity="error", timeout=10)
            return
        self.notify("the runner is up: it runs the queued trials, and keeps them running after you quit",
                    timeout=5)
        self.refresh_overview()

    def action_help(self) -> None:
        self.push_screen(HelpModal(self.screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for mode, (key, title, _) in PANES.items():
            yield SystemCommand(f"Go to {title}", f"Show the {title} pane (key {key})",
                                lambda mode=mode: self.switch_mode(mode))
        yield SystemCommand("Start the runner", "Run the queued trials now; it keeps running after you quit "
                            "(ctrl+r)", self.action_start_runner)
        commands = getattr(screen, "commands", None)
        if commands is not None:
            yield from commands()
        yield from super().get_system_commands(screen)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Save an SVG of the screen into the project folder and say where (the palette's
        "Screenshot"). Textual's default folder, ~/Downloads, is rarely there on a GPU server."""
        try:
            saved = self.save_screenshot(filename, path or str(self.backend.project_file.parent), time_format)
        except OSError as error:
            self.notify(f"cannot save the screenshot: {error}", severity="error", timeout=10)
            return None
        self.notify(f"screenshot saved: {saved}", timeout=8)
        return saved

    def on_unmount(self) -> None:
        self.backend.close()

