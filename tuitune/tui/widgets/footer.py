"""The footer of every pane: Textual's ``Footer``, rebuilt only when the keys it shows change.

Why: ``Footer`` rebuilds its key widgets (one per binding shown, about ten) on every "bindings
updated" signal. Opening a pane sends four in a row (the screen stack, focus), and every
``refresh_bindings()`` of a pane's dynamic actions sends one more, though the keys shown rarely
change: about 10 ms each, a tenth of the TUI's cold start. This footer compares what it would
show with what it shows and skips the rebuild when they are the same.
"""

from __future__ import annotations

from textual.widgets import Footer


class PaneFooter(Footer):
    """A ``Footer`` that recomposes only when its keys, their state or its layout changed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._shown: tuple | None = None

    def _keys(self) -> tuple:
        """Everything the footer's compose reads: each binding with its state, and its options."""
        bindings = tuple((binding, enabled, tooltip)
                         for _node, binding, enabled, tooltip in self.screen.active_bindings.values())
        return bindings, self.compact, self.show_command_palette

    async def recompose(self) -> None:
        keys = self._keys()
        if keys != self._shown:
            self._shown = keys
            await super().recompose()
