"""The Design pane's panels: the hyperparameter table (one row per hyperparameter of the draft)
and the panel the preview is drawn in.

Why it draws the draft and not the study: an invalid design must still show everything the user
typed (bad input loses nothing), with a ✗ on the rows that have problems; the validated study,
when there is one, only fills in what the file leaves implicit (inferred types, baseline values).
Roles read as words and fixed values say where they came from, so nothing depends on colour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual.widgets import DataTable, Static

from tuitune.domain import Study
from tuitune.plots import Style
from tuitune.tui.design_draft import Checked, Draft, cell_value, show_when
from tuitune.tui.widgets.design_preview import draw_preview, legend, preview_info

ROLE_STYLE = {"scientific": "bold", "nuisance": "", "fixed": "dim"}
SHORT_TYPES = {"categorical": "categ."}
COLUMNS = ("hyperparameter", "role", "type", "range / values", "when")


def baseline_value(spec: Mapping[str, Any], pid: str, baseline: Mapping[str, Any]) -> Any:
    name = spec.get("name", pid)
    return baseline.get(name, baseline.get(pid)) if isinstance(name, str) else baseline.get(pid)


def range_text(pid: str, spec: Any, baseline: Mapping[str, Any]) -> str:
    """What the row's "range / values" cell says."""
    if not isinstance(spec, dict):
        return cell_value(spec)
    if spec.get("role") == "fixed":
        if "value" in spec:
            return f"= {cell_value(spec['value'])}"
        found = baseline_value(spec, pid, baseline)
        return "= ? (set a value)" if found is None else f"= {cell_value(found)} (baseline)"
    if "values" in spec:
        values = spec["values"]
        return " | ".join(cell_value(v) for v in values) if isinstance(values, list) else cell_value(values)
    if spec.get("type") == "bool":
        return "false | true"
    if "low" in spec or "high" in spec or spec.get("type") in ("float", "int"):
        low, high = (cell_value(spec[k]) if k in spec else "?" for k in ("low", "high"))
        return f"{low} … {high}" + (" log" if spec.get("scale") == "log" else "")
    return "?"


def row_cells(pid: str, spec: Any, checked: Checked, baseline: Mapping[str, Any]) -> tuple[Text, ...]:
    table = spec if isinstance(spec, dict) else {}
    bad = bool(checked.of_param(pid))
    name = table.get("name")
    role = str(table.get("role", "nuisance"))
    if checked.study is not None and pid in checked.study.space:
        kind = checked.study.space[pid].type.value
    else:
        kind = str(table.get("type", "auto"))
    label = pid + (f" → {name}" if isinstance(name, str) and name != pid else "")
    return (Text.assemble(("✗ ", "bold red"), label) if bad else Text(label),
            Text(role, style=ROLE_STYLE.get(role, "")),
            Text(SHORT_TYPES.get(kind, kind)),
            Text(compact(range_text(pid, spec, baseline))),
            Text(compact(show_when(table["when"])) if "when" in table else ""))


def compact(text: str) -> str:
    """``a = x | y`` as ``a=x|y``: the table fits 80 columns; the forms keep the spaced form."""
    return text.replace(" | ", "|").replace(" = ", "=")


class ParamTable(DataTable):
    """Rows of hyperparameters; the screen's keys act on the row under the cursor."""

    def on_mount(self) -> None:
        self.cursor_type = "row"

    @property
    def selected(self) -> str | None:
        """The id of the hyperparameter under the cursor."""
        if not self.row_count:
            return None
        return str(self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value)

    def show(self, draft: Draft, checked: Checked, baseline: Mapping[str, Any], select: str | None = None) -> None:
        """Redraw from ``draft``, keeping the cursor on ``select`` (else the same row number)."""
        row = self.cursor_row
        rows = [(pid, row_cells(pid, spec, checked, baseline)) for pid, spec in draft.params.items()]
        self.clear(columns=True)  # widths measured here, not on idle: the header never lags the rows
        for i, label in enumerate(COLUMNS):
            self.add_column(label, width=max([len(label)] + [cells[i].cell_len for _, cells in rows]))
        for pid, cells in rows:
            self.add_row(*cells, key=pid)
        ids = list(draft.params)
        if select in ids:
            row = ids.index(select)
        if ids:
            self.move_cursor(row=min(max(row, 0), len(ids) - 1), animate=False)


class PreviewPanel(Static):
    """Draws the preview to fit its size, again whenever that changes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._what: tuple[Study | None, tuple[str | None, str | None], int] = (None, (None, None), 0)

    def show(self, study: Study | None, axes: tuple[str | None, str | None], count: int) -> None:
        """Preview the first ``count`` points of ``study`` over ``axes`` (x, then y or ``None``)."""
        self._what = (study, axes, count)
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        study, (x, y), count = self._what
        width, height = self.content_size.width, self.content_size.height
        info = preview_info(study, x, y, count) if study is not None and x is not None else None
        marker = self.app.backend.marker  # type: ignore[attr-defined]
        key = legend(info, marker) if info is not None else ""
        plot_height = height - 1 - bool(key)  # the caption above, the legend below
        if info is None or width < 20 or plot_height < 6:
            self.update(Text("preview: once the design is valid, its first points show here" if study is None
                             else "preview: mark a hyperparameter nuisance or scientific (n, s)" if x is None
                             else "preview: too small here; widen the terminal", style="dim"))
            return
        caption = f"first {info.total} points: x {x}, y {y or 'point number'}   (x/y pick, +/- count)"
        text = Text(caption[:width], style="bold")
        text.append("\n")
        text.append(Text.from_ansi(draw_preview(info, Style(width, plot_height, marker=marker))))
        if key:
            text.append("\n" + key[:width])
        self.update(text)
