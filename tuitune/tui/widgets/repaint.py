"""Repaint a Static only when what it shows changed.

Panes poll the store 2–4 times a second; most polls find nothing new. Updating a Static with
equal content still repaints it and sends its cells to the terminal, which over SSH is bytes
on the wire every tick for a screen that did not change.
"""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from textual.visual import VisualType
from textual.widgets import Static


def update_if_changed(widget: Static, content: VisualType, *, layout: bool = True) -> bool:
    """``widget.update(content)`` unless it already shows equal content; True when it repainted."""
    if same(widget.content, content):
        return False
    widget.update(content, layout=layout)
    return True


def same(a: object, b: object) -> bool:
    """Equal content, looking into rich Groups and Paddings (which compare by identity)."""
    if isinstance(a, Group) and isinstance(b, Group):
        return len(a.renderables) == len(b.renderables) and all(map(same, a.renderables, b.renderables))
    if isinstance(a, Padding) and isinstance(b, Padding):
        return (a.top, a.right, a.bottom, a.left) == (b.top, b.right, b.bottom, b.left) and same(a.renderable,
                                                                                              b.renderable)
    return type(a) is type(b) and a == b
