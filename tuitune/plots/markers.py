"""Plot marker styles by name, for fonts with and without braille.

Why a module of its own: it is plain data, importable without numpy or plotext, so the TUI can
check a user's choice (``TUITUNE_MARKER``, ``--marker``) when it starts, before any plot is drawn.
"""

from __future__ import annotations

MARKERS = {"braille": "braille", "hd": "hd", "dot": "dot", "ascii": "*"}
"""Style name -> plotext marker: ``braille`` (2x4 dots a cell, the finest; needs a font with the
braille block), ``hd`` (2x2 block quadrants, in nearly every monospace font), ``dot``, ``ascii``."""
SUBCOLUMNS = {"braille": 2, "hd": 2, "dot": 1, "ascii": 1}
"""Style name -> distinct x positions per cell."""
