"""Repaint a Static only when what it shows changed.

Panes poll the store 2–4 times a second; most polls find nothing new. Updating a Static with
equal content still repaints it and sends its cells to the terminal, which over SSH is bytes
on the wire every tick for a screen that did not change.
"""

from __future__ import annotations

from textual.visual import VisualType
from textual.widgets import Static


def update_if_changed(widget: Static, content: VisualType, *, layout: bool = True) -> bool:
    """``widget.update(content)`` unless it already shows equal content; True when it repainted."""
    if widget.content == content:
        return False
    widget.update(content, layout=layout)
    return True
