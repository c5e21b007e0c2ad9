"""The key bar at the bottom of every pane: what it shows at each width, and clicks on keys."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tuitune.tui.widgets.footer import KeyBar


class Pane(Screen[None]):
    BINDINGS = [
        Binding("s", "stop", "Stop"),
        Binding("r", "requeue", "Requeue"),
        Binding("x", "hidden", "Hidden", show=False),
        Binding("w", "wait", "Wait"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pressed: list[str] = []
        self.can_wait = False

    def compose(self) -> ComposeResult:
        yield KeyBar()

    def action_stop(self) -> None:
        self.pressed.append("stop")

    def action_wait(self) -> None:
        self.pressed.append("wait")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return None if action == "wait" and not self.can_wait else True  # None: shown, disabled


class Host(App[None]):
    BINDINGS = [Binding("q", "quit", "Quit")]

    def on_mount(self) -> None:
        self.push_screen(Pane())


def line(app: App) -> str:
    return str(app.screen.query_one(KeyBar).render())


async def test_keys_in_order_with_the_palette_on_the_right() -> None:
    app = Host()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        text = line(app)
        assert len(text) == 80 and text.rstrip().endswith("▏ ^p palette")
        assert text.startswith(" s Stop  r Requeue  w Wait  q Quit ")  # roomy: every key fits
        assert "Hidden" not in text


async def test_a_narrow_bar_tightens_then_drops_whole_keys_but_keeps_the_palette() -> None:
    app = Host()
    async with app.run_test(size=(44, 5)) as pilot:
        await pilot.pause()
        assert line(app).startswith("s Stop r Requeue w Wait q Quit")  # tight: one space between keys
        await pilot.resize_terminal(30, 5)
        await pilot.pause()
        text = line(app)
        assert text.startswith("s Stop r Requeue ") and "Wait" not in text  # never half a key
        assert text.endswith("▏^p palette")


async def test_a_click_presses_the_key_and_a_disabled_key_is_dimmed_and_does_nothing() -> None:
    app = Host()
    async with app.run_test(size=(80, 5)) as pilot:
        await pilot.pause()
        pane = app.screen
        bar = pane.query_one(KeyBar)
        wait = next(part for part in bar.render().divide([19, 27]) if "Wait" in str(part))
        assert all(span.style.dim for span in wait.spans)
        await pilot.click(KeyBar, offset=(2, 0))   # on "s Stop"
        await pilot.click(KeyBar, offset=(20, 0))  # on "w Wait", disabled
        await pilot.pause()
        assert pane.pressed == ["stop"]
        pane.can_wait = True
        pane.refresh_bindings()
        await pilot.pause()
        await pilot.click(KeyBar, offset=(20, 0))
        await pilot.pause()
        assert pane.pressed == ["stop", "wait"]


async def test_the_monitor_filter_key_works_from_the_bar(seeded: Path, make_app) -> None:
    app = make_app(seeded, start="monitor")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        bar = app.screen.query_one(KeyBar)
        column = str(bar.render()).index("f Filter")
        before = app.screen.view.filter
        await pilot.click(KeyBar, offset=(column + 1, 0))
        await pilot.pause()
        assert app.screen.view.filter is before.next()
