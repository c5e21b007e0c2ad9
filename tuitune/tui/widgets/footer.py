"""The footer of every pane: the keys that work where the user is, on one line.

Why not Textual's ``Footer``: it is one widget per key (about ten per pane) and rebuilds them all
on every "bindings updated" signal, four of which arrive while a pane opens. That cost 40 ms of
the TUI's 300 ms cold start, for one line of text. :class:`KeyBar` draws the same line as one
widget and only repaints it when the bindings change; the keys are laid out the same way
(``s Stop  r Requeue …``, disabled ones dimmed, the command palette's key on the right), a click
on a key presses it, and at narrow widths the spacing tightens before anything is cut.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """The active bindings of the screen shown (those with ``show=True``), one line, docked below."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        color: $footer-foreground;
        background: $footer-background;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._spans: list[tuple[int, int, str, bool]] = []
        """(start column, end column, key, enabled) of each key drawn, for clicks."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen: Screen) -> None:
        self.refresh()

    def keys(self) -> tuple[list[tuple[Binding, bool]], tuple[Binding, bool] | None]:
        """The keys to show (the first binding of each action, with whether it is enabled), and
        the command palette's key when the App has the palette."""
        shown: dict[str, tuple[Binding, bool]] = {}
        palette = None
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show:
                shown.setdefault(binding.action, (binding, enabled))
        if self.app.ENABLE_COMMAND_PALETTE:
            found = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
            palette = (found[1], found[2]) if found else None
        return list(shown.values()), palette

    def render(self) -> Text:
        keys, palette = self.keys()
        width = self.size.width
        for pad in (1, 0):  # roomy when every key fits so, else tight
            parts = [self._part(binding, pad) for binding, _ in keys]
            tail = self._part(palette[0], pad) if palette else ""
            if sum(map(cell_len, parts)) + (len(parts) - 1) * (1 - pad) + cell_len(tail) + 1 <= width:
                break
        line, self._spans = Text(no_wrap=True, overflow="crop"), []
        room = width - (cell_len(tail) + 1 if palette else 0)
        for (binding, enabled), part in zip(keys, parts):  # whole keys, in order, while they fit
            gap = " " if line and not pad else ""
            if line.cell_len + len(gap) + cell_len(part) > room:
                break
            line.append(gap)
            self._append(line, binding, enabled, pad)
        if palette is not None and width > cell_len(tail):
            line.append(" " * (width - line.cell_len - cell_len(tail) - 1))
            line.append("▏", style=Style(dim=True))
            self._append(line, *palette, pad)
        return line

    def _part(self, binding: Binding, pad: int) -> str:
        """The text of one key as :meth:`_append` draws it."""
        return f"{' ' * pad}{self.app.get_key_display(binding)} {binding.description}{' ' * pad}"

    def _append(self, line: Text, binding: Binding, enabled: bool, pad: int) -> None:
        start, dim = line.cell_len, Style(dim=not enabled)
        line.append(f"{' ' * pad}{self.app.get_key_display(binding)} ",
                    style=self.get_component_rich_style("key-bar--key") + dim)
        line.append(f"{binding.description}{' ' * pad}",
                    style=self.get_component_rich_style("key-bar--description") + dim)
        self._spans.append((start, line.cell_len, binding.key, enabled))

    def on_click(self, event: events.Click) -> None:
        """A click on a key presses it (a disabled one rings the bell)."""
        for start, end, key, enabled in self._spans:
            if start <= event.x < end:
                if enabled:
                    self.app.simulate_key(key)
                else:
                    self.app.bell()
                return
