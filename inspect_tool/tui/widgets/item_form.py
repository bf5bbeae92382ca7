"""The form of one item, drawn from the scoring method's declared inputs.

A new method needs no UI code: each InputSpec is shown as an Input, a Select or a
SelectionList. The form only collects what was typed; checking and saving belong to the
screen, which asks the workflow (and shows its refusal, if any, under the form).

The form's rows are made once, as many as the set's largest item needs, and reloaded for
each item: mounting new widgets at every step through the items costs far more than setting
a few labels and values. Texts and option lists already shown are not set again: Textual
lays the screen out again for each, and stepping between items of one method changes little.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static
from textual.widgets.input import Selection as TextSelection
from textual.widgets.selection_list import Selection

from ... import display
from ...i18n import _
from ...model import InputSpec

YES, NO = "yes", "no"
PLACEHOLDER = {"percent": "0–100", "count": "0"}


def placeholder(kind: str) -> str:
    """The grey hint in an empty input. A date's says it is an example: a bare date in grey
    reads like an answer already given."""
    if kind == "date":
        return _("e.g. {example}").format(example=display.date_example())
    return PLACEHOLDER.get(kind, "")


QUIET = (Input.Changed, Select.Changed, SelectionList.SelectedChanged)


def show(widget: Static, content: str | Text) -> None:
    """Put `content` in `widget` unless it is there already (an update costs a layout)."""
    if widget.content != content:
        widget.update(content)


class AnswerInput(Input):
    """An input whose whole value is selected when the focus arrives, however it arrives (a
    key, a click, the screen moving to an item), so that typing replaces the value instead of
    going into the middle of it. Nothing typed is filtered: what is typed is what is checked,
    and refused with the reason if it is wrong."""

    _focus_arriving = False  # between the focus event and the next message in the queue

    def on_focus(self, event: events.Focus) -> None:
        # Input's own handler selects the value after this one; a click that brings the focus
        # queues its mouse-down behind the focus event, before this callback
        self._focus_arriving = True
        self.call_later(setattr, self, "_focus_arriving", False)

    def _on_mouse_down(self, event: events.MouseDown) -> None:
        if self._focus_arriving:  # the click that brought the focus: the value stays selected
            event.prevent_default()  # Input's handler would put the cursor where it fell
            self.select_all_text()

    def select_all_text(self) -> None:
        if self.value:
            self.selection = TextSelection(0, len(self.value))


class FieldRow(Vertical):
    """One input of the form: a label and the one editor its type needs."""

    def __init__(self, index: int):
        super().__init__(classes="field-row")
        self.index = index
        self.spec: InputSpec | None = None
        self.label = Label("", classes="input-label")
        self.input = AnswerInput(id=f"field-{index}-input")
        self.select: Select[str] = Select([], id=f"field-{index}-select", prompt=_("Choose"))
        self.ticks: SelectionList[str] = SelectionList(id=f"field-{index}-ticks")
        self.options: list[tuple[str, str]] = []  # what the Select offers now
        self.error = Static("", classes="field-error")  # why what is typed here is refused
        self.error.display = False

    def compose(self) -> ComposeResult:
        yield self.label
        yield self.input
        yield self.select
        yield self.ticks
        yield self.error

    def refuse(self, why: str) -> None:
        """Say next to the field why its value is refused (nothing: it is not)."""
        show(self.error, Text(why, style="bold red") if why else "")
        if self.error.display != bool(why):
            self.error.display = bool(why)

    def load(self, spec: InputSpec, value: Any, disabled: bool) -> None:
        self.spec = spec
        show(self.label, spec.label + ("" if spec.required else _(" (optional)")))
        kind = spec.type
        editor = (
            self.ticks
            if kind == "checklist"
            else (self.select if kind in ("yes_no", "choice") else self.input)
        )
        for widget in (self.input, self.select, self.ticks):
            widget.display = widget is editor
        editor.disabled = disabled
        with self.input.prevent(*QUIET), self.select.prevent(*QUIET), self.ticks.prevent(*QUIET):
            if editor is self.input:
                self.input.placeholder = placeholder(kind)
                self.input.value = display.typed(kind, value)
                # the focus often stays in this input from item to item (no focus event):
                # the value is selected here, so the next key replaces it
                self.input.select_all_text()
            elif editor is self.select:
                if kind == "yes_no":
                    options = [(_("Yes"), YES), (_("No"), NO)]
                    chosen = Select.NULL if value is None else (YES if value else NO)
                else:
                    options = [(label, key) for key, label in spec.options]
                    chosen = value if value in {k for k, _l in spec.options} else Select.NULL
                if options != self.options:
                    self.options = options
                    self.select.set_options(options)
                self.select.value = chosen
            else:
                ticked = set(value or ())
                self.ticks.clear_options()
                self.ticks.add_options(
                    [Selection(label, key, key in ticked) for key, label in spec.options]
                )
                self.ticks.highlighted = 0 if spec.options else None  # the first Space ticks
        self.refuse("")

    def raw(self) -> Any:
        """What is in this row now, as text or keys, for the workflow to check."""
        assert self.spec is not None
        if self.spec.type == "checklist":
            return list(self.ticks.selected)
        if self.spec.type in ("yes_no", "choice"):
            return None if self.select.value is Select.NULL else self.select.value
        return self.input.value


class ItemForm(Vertical):
    """The inputs of one item at a time, pre-filled with what is recorded."""

    def __init__(self, size: int):
        super().__init__(classes="item-form")
        self.rows = [FieldRow(i) for i in range(size)]
        self.specs: tuple[InputSpec, ...] = ()

    def compose(self) -> ComposeResult:
        yield from self.rows

    def load(self, specs: tuple[InputSpec, ...], values: dict[str, Any], *, disabled: bool) -> None:
        self.specs = specs
        for i, row in enumerate(self.rows):
            row.display = i < len(specs)
            if i < len(specs):
                row.load(specs[i], values.get(specs[i].name), disabled)

    def raw(self) -> dict[str, Any]:
        return {spec.name: row.raw() for spec, row in zip(self.specs, self.rows, strict=False)}

    def text(self) -> dict[str, str]:
        """What is in the form, as text (a checklist's ticks separated by commas, a yes/no as
        yes or no), the way a pending entry keeps it."""
        text = {}
        for name, value in self.raw().items():
            if isinstance(value, list):
                value = ",".join(value)
            text[name] = "" if value is None else str(value)
        return text

    @staticmethod
    def values_from_text(
        specs: tuple[InputSpec, ...], pending: Mapping[str, str]
    ) -> dict[str, Any]:
        """A pending entry's text back into what the rows show."""
        values: dict[str, Any] = {}
        for spec in specs:
            if spec.name not in pending:
                continue
            text = pending[spec.name]
            if spec.type == "checklist":
                values[spec.name] = [k.strip() for k in text.split(",") if k.strip()]
            elif spec.type == "yes_no":
                values[spec.name] = {YES: True, NO: False}.get(text.strip().lower())
            else:
                values[spec.name] = text
        return values

    def is_empty(self) -> bool:
        return all(value in ("", None, []) for value in self.raw().values())

    def refuse(self, problems: list[tuple[str | None, str]]) -> None:
        """Each field's reason next to it (an empty list: none is refused)."""
        reasons: dict[str, list[str]] = {}
        for name, why in problems:
            if name:
                reasons.setdefault(name, []).append(why)
        for spec, row in zip(self.specs, self.rows, strict=False):
            row.refuse("; ".join(reasons.get(spec.name, ())))

    def explain(self, problems: list[tuple[str | None, str]]) -> str:
        """The reasons an entry was refused, each under the label the user sees."""
        labels = {spec.name: spec.label for spec in self.specs}
        return "\n".join(
            f"{labels.get(name, name)}: {why}" if name else why for name, why in problems
        )

    def first_editor(self) -> Widget | None:
        return self.editor(self.specs[0].name) if self.specs else None

    def editor(self, name: str):
        """The widget in which input `name` is typed (for tests and focus)."""
        row = self.rows[[s.name for s in self.specs].index(name)]
        return next(w for w in (row.input, row.select, row.ticks) if w.display)


class Problem(Static):
    """The reason the last entry was refused, shown under the form."""
