"""Indented paragraphs whose wrapped lines keep the indent.

Why: a configuration line (``learning_rate=0.03524  momentum=0.8456 ...``) wraps on an 80-column
terminal, and with a plain leading "  " its second line starts at the margin, where it reads as
a new item. Rich's :class:`~rich.padding.Padding` indents every wrapped line.
"""

from __future__ import annotations

from rich.console import Group
from rich.padding import Padding
from rich.text import Text


def indented(text: str | Text, style: str = "", by: int = 2) -> Padding:
    """``text`` ``by`` cells in, its wrapped lines too."""
    return Padding(text if isinstance(text, Text) else Text(text, style=style), (0, 0, 0, by))


def plain(content: object) -> str:
    """The text a Group of lines and indented paragraphs shows, without styles (for tests and copying)."""
    if isinstance(content, Group):
        return "\n".join(plain(part) for part in content.renderables)
    if isinstance(content, Padding):
        return " " * content.left + plain(content.renderable)
    return content.plain if isinstance(content, Text) else str(content)
