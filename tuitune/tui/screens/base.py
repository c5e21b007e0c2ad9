"""What every pane shares: the status line on top, the footer below, and a reload loop.

A pane reloads its data from the store while it is the active screen, every
``backend.refresh_s`` seconds, and not at all while hidden: switching panes costs nothing and an
idle TUI over SSH sends almost nothing. One reload runs at a time and is never cancelled: a
request made while one runs is remembered and served by one more reload when it ends, so a load
slower than the refresh interval (a big round, a busy machine) still finishes, the lanes never
pile up, and the pane always ends up showing the latest data.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.worker import Worker, WorkerState
from textual.screen import Screen
from textual.timer import Timer

from tuitune.domain.errors import TuituneError
from tuitune.tui.backend import Backend
from tuitune.tui.overview import Overview
from tuitune.tui.widgets.footer import KeyBar
from tuitune.tui.widgets.status_line import StatusLine


class PaneScreen(Screen[None]):
    """Base of the five panes. Subclasses implement :meth:`compose_body` and :meth:`reload`.

    ``reload`` runs on the event loop and awaits ``self.backend.io(...)`` /
    ``self.backend.compute(...)`` for data, then updates its widgets. It must not raise for data
    it does not like: show the problem in the pane instead.
    """

    LIVE = True
    """Whether the pane reloads on a timer (False: only when shown and after its own actions)."""
    BINDINGS = [Binding("escape", "restore", "Back", show=True)]
    """Shown only while a widget fills the pane (a Review plot, or the palette's Maximize)."""

    def __init__(self) -> None:
        super().__init__()
        self._timer: Timer | None = None
        self._reloading = False
        self._pending = False

    @property
    def backend(self) -> Backend:
        return self.app.backend  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield StatusLine(self.backend.project.name, id="status-line")
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    async def reload(self) -> None:
        """Load this pane's data and show it."""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restore":
            return self.maximized is not None
        return True

    def action_restore(self) -> None:
        self.minimize()

    def watch_maximized(self) -> None:
        self.refresh_bindings()

    def show_overview(self, overview: Overview) -> None:
        self.query_one(StatusLine).show(overview)

    def on_screen_resume(self) -> None:
        if not self._reloading:  # Textual may resume a new screen twice; one first load will do
            self.request_reload()
        if self.LIVE and self._timer is None:
            self._timer = self.set_interval(self.backend.refresh_s, self.request_reload)
        elif self._timer is not None:
            self._timer.resume()
        overview = getattr(self.app, "overview", None)
        if overview is not None:
            self.show_overview(overview)

    def on_screen_suspend(self) -> None:
        if self._timer is not None:
            self._timer.pause()

    def request_reload(self) -> None:
        """Reload now, or right after the reload in flight."""
        if self._reloading:
            self._pending = True
        else:
            self._reloading = True
            self._reload_worker()

    @work(group="reload", exit_on_error=False)
    async def _reload_worker(self) -> None:
        try:
            while True:
                self._pending = False
                await self._reload_once()
                if not self._pending:
                    break
        finally:
            self._reloading = False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A pane's action that failed says so in one line; the app and the user's place survive.

        Every worker of a pane runs with ``exit_on_error=False``, so an error (a locked store, a
        runner that cannot start, a round closed from another terminal) ends here, not in a
        traceback that would close the TUI.
        """
        error = event.worker.error
        if event.state is not WorkerState.ERROR or error is None:
            return
        if isinstance(error, (TuituneError, ValueError, OSError)):
            self.notify(str(error), severity="error", timeout=10)
        else:
            self.log.error(f"{event.worker.name} failed", error)
            self.notify(f"that did not work: {type(error).__name__}: {error}", severity="error", timeout=10)

    async def _reload_once(self) -> None:
        try:
            await self.reload()
        except TuituneError as error:
            self.notify(str(error), severity="error", timeout=8)
        except Exception as error:  # a pane must survive bad data; the log keeps the details
            self.log.error(f"reload of {type(self).__name__} failed", error)
            self.notify(f"could not load this pane: {type(error).__name__}: {error}", severity="error", timeout=8)
