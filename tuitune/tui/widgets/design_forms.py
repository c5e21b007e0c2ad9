"""The Design pane's two forms: one hyperparameter, and the study's settings.

Why forms validate the whole design on every keystroke: a field is only right or wrong in
context (a condition names another hyperparameter, a fixed value needs the baseline, trials
interact with the scientific values), so each change re-reads the candidate draft with the study
file parser and shows each problem under the field it names, with its fix, as the user types.
Applying never refuses a problem the parser found: the draft keeps whatever was typed, the table
marks it, and queueing waits until it is fixed. Only what would lose data is refused (an empty or
duplicate id would drop or overwrite a row).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from tuitune.domain import Algorithm, Layout, Problem, Project, Role
from tuitune.domain.space import ParamType
from tuitune.tui.design_draft import (Checked, Draft, check, parse_list, parse_value, parse_when, show_value,
                                      show_when)
from tuitune.tui.widgets.footer import KeyBar


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    choices: tuple[str, ...] = ()
    """Non-empty: a Select of these (``""`` first means "leave out")."""
    parse: Any = parse_value


PARAM_FIELDS = (
    Field("id", "id", parse=str.strip), Field("name", "passed as", parse=str.strip),
    Field("role", "role", tuple(r.value for r in Role)),
    Field("type", "type", ("", *(t.value for t in ParamType))),
    Field("low", "low"), Field("high", "high"), Field("scale", "scale", ("linear", "log")),
    Field("values", "values", parse=parse_list), Field("value", "value"), Field("when", "when", parse=parse_when),
)
SETTING_FIELDS = (
    Field("name", "name", parse=str.strip), Field("algorithm", "algorithm", tuple(a.value for a in Algorithm)),
    Field("trials", "trials"), Field("seed", "seed"), Field("repeats", "repeats"),
    Field("layout", "layout", tuple(lay.value for lay in Layout)), Field("seed_param", "seed param", parse=str.strip),
    Field("grid_steps", "grid steps"), Field("notes", "notes", parse=str),
)


def as_text(f: Field, value: Any) -> str:
    """A field's value as typed: text fields as they are, values as :func:`show_value` writes them
    (so the string "true" comes back quoted, not as a boolean)."""
    if f.key == "when":
        return show_when(value)
    if isinstance(value, str) and (f.choices or f.parse in (str, str.strip)):
        return value
    return show_value(value)


class FormModal(ModalScreen[Any]):
    """Rows of label, input and the live problems of that field; ctrl+s applies, escape cancels."""

    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > VerticalScroll { width: 96%; max-width: 90; height: auto; max-height: 100%;
                                 border: round $accent; background: $surface; padding: 0 1; }
    FormModal .form-row { height: 1; }
    FormModal .form-row Label { width: 11; }
    FormModal .form-row Input, FormModal .form-row Select { width: 1fr; }
    FormModal .form-row Input:focus { background: $boost; }
    FormModal .form-error { color: $error; padding-left: 11; height: auto; }
    FormModal .form-error.-empty { display: none; }
    FormModal #form-general { color: $error; height: auto; }
    """
    BINDINGS = [Binding("ctrl+s", "apply", "Apply"), Binding("escape", "cancel", "Cancel")]
    FIELDS: tuple[Field, ...] = ()
    TITLE_TEXT = ""
    HINT = ""

    def __init__(self, draft: Draft, project: Project, project_file: Path) -> None:
        super().__init__()
        self.draft = draft
        self.project = project
        self.project_file = project_file
        self.checked: Checked = Checked(None)

    def initial(self, field: Field) -> str:
        raise NotImplementedError

    def candidate(self) -> Draft:
        raise NotImplementedError

    def errors(self, checked: Checked) -> tuple[dict[str, list[Problem]], list[Problem]]:
        """Problems by field key, and those about no field of this form."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with VerticalScroll(can_focus=False):
            yield Static(Text(self.TITLE_TEXT, style="bold"))
            for f in self.FIELDS:
                with Horizontal(classes="form-row"):
                    yield Label(f.label)
                    value = self.initial(f)
                    if f.choices:  # a value outside the choices (a typo in a file) stays selectable
                        choices = f.choices + ((value,) if value not in f.choices else ())
                        yield Select([(c or "inferred", c) for c in choices], value=value, allow_blank=False,
                                     compact=True, id=f"f-{f.key}")
                    else:
                        yield Input(value, compact=True, id=f"f-{f.key}")
                yield Static("", classes="form-error -empty", id=f"e-{f.key}")
            yield Static("", id="form-general")
            yield Static(self.HINT + "\nctrl+s applies (problems stay marked) · escape cancels", classes="hint")
        yield KeyBar()

    def on_mount(self) -> None:
        self.validate()

    def text(self, key: str) -> str:
        widget = self.query_one(f"#f-{key}")
        value = widget.value
        return "" if value is Select.NULL or value is None else str(value)

    def value_of(self, f: Field) -> Any:
        return f.parse(self.text(f.key))

    def on_input_changed(self) -> None:
        self.validate()

    def on_select_changed(self) -> None:
        self.validate()

    def on_input_submitted(self) -> None:
        self.action_apply()

    def blocker(self) -> str:
        """Why applying would lose data (``""``: it would not)."""
        return ""

    def validate(self) -> None:
        self.checked = check(self.candidate(), self.project, self.project_file)
        by_field, general = self.errors(self.checked)
        for f in self.FIELDS:
            lines = [f"{p.message} (fix: {p.fix})" if p.fix else p.message for p in by_field.get(f.key, [])]
            error = self.query_one(f"#e-{f.key}", Static)
            error.update("\n".join(lines))
            error.set_class(not lines, "-empty")
        lines = [self.blocker()] if self.blocker() else []
        lines += [f"{p.field}: {p.message}" + (f" (fix: {p.fix})" if p.fix else "") for p in general]
        self.query_one("#form-general", Static).update("\n".join(lines))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        if reason := self.blocker():
            self.notify(reason, severity="error")
            return
        self.dismiss(self.result())

    def result(self) -> Any:
        raise NotImplementedError


class ParamModal(FormModal):
    """Edit (or add, with ``pid=None``) one hyperparameter. Dismisses with
    ``(old id or None, new id, table)``, or ``None`` when cancelled."""

    FIELDS = PARAM_FIELDS
    HINT = ("write 1e-4 or adam · lists: sgd, adam · when: optimizer = adam | sgd\n"
            "an empty field is left out; an empty type is inferred")

    def __init__(self, draft: Draft, pid: str | None, project: Project, project_file: Path) -> None:
        super().__init__(draft, project, project_file)
        self.pid = pid
        self.original = draft.table(pid) if pid is not None else {"role": "nuisance"}
        self.TITLE_TEXT = f"Hyperparameter {pid}" if pid is not None else "New hyperparameter"

    def initial(self, f: Field) -> str:
        if f.key == "id":
            return self.pid or ""
        if f.key not in self.original:
            return {"role": "nuisance", "scale": "linear", "type": ""}.get(f.key, "")
        return as_text(f, self.original[f.key])

    def table(self) -> dict[str, Any]:
        known = {f.key for f in self.FIELDS}
        out = {k: v for k, v in self.original.items() if k not in known}  # unknown keys: kept, flagged
        for f in self.FIELDS[1:]:
            text = self.text(f.key).strip()
            if not text or (f.key == "scale" and text == "linear" and "scale" not in self.original):
                continue
            if f.key == "name" and text == self.text("id").strip():
                continue
            out[f.key] = self.value_of(f)
        return out

    def candidate(self) -> Draft:
        return self.draft.with_param(self.pid, self.text("id").strip() or self.pid or "_", self.table())

    def blocker(self) -> str:
        new = self.text("id").strip()
        if not new:
            return "id: a hyperparameter needs an id (fix: type one, e.g. learning_rate)"
        if new != self.pid and new in self.draft.params:
            return f"id: another hyperparameter is already called {new!r} (fix: choose another id)"
        return ""

    def errors(self, checked: Checked) -> tuple[dict[str, list[Problem]], list[Problem]]:
        pid = self.text("id").strip() or self.pid or "_"
        by_field: dict[str, list[Problem]] = {}
        general = []
        for p in checked.of_param(pid):
            key = checked.field_of(p, pid)
            if key in {f.key for f in self.FIELDS}:
                by_field.setdefault(key, []).append(p)
            else:
                general.append(p)
        return by_field, general

    def result(self) -> tuple[str | None, str, dict[str, Any]]:
        return self.pid, self.text("id").strip(), self.table()


class SettingsModal(FormModal):
    """Edit the study's settings. Dismisses with the new settings table, or ``None``."""

    FIELDS = SETTING_FIELDS
    TITLE_TEXT = "Study settings"
    HINT = ("quasi_random explores · grid suits 1-2 dimensions · repeats > 1 retrain\n"
            "each point with new seeds · per_value: one study per scientific value")

    DEFAULTS = {"algorithm": "quasi_random", "trials": 20, "seed": 0, "repeats": 1, "layout": "joint",
                "seed_param": "seed", "grid_steps": 3}
    """What the study file means when a key is left out (those keys stay out unless changed)."""

    def initial(self, f: Field) -> str:
        return as_text(f, self.draft.settings.get(f.key, self.DEFAULTS.get(f.key, "")))

    def settings(self) -> dict[str, Any]:
        known = {f.key for f in self.FIELDS}
        out = {k: v for k, v in self.draft.settings.items() if k not in known}
        for f in self.FIELDS:
            text, present = self.text(f.key), f.key in self.draft.settings
            if not present and (not text.strip() or text == as_text(f, self.DEFAULTS.get(f.key, ""))):
                continue
            out[f.key] = self.value_of(f)
        return out

    def candidate(self) -> Draft:
        return self.draft.with_settings(self.settings())

    def errors(self, checked: Checked) -> tuple[dict[str, list[Problem]], list[Problem]]:
        keys = {f.key for f in self.FIELDS}
        by_field: dict[str, list[Problem]] = {}
        general = []
        for p in checked.problems:
            top = p.field.split(".")[0].split("[")[0]
            if top in keys:
                by_field.setdefault(top, []).append(p)
            elif top != "params":
                general.append(p)
        return by_field, general

    def result(self) -> dict[str, Any]:
        return self.settings()
