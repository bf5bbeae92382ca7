"""The form of one item, drawn from the scoring method's declared inputs.

A new method needs no UI code: each InputSpec becomes an Input, a Select or a SelectionList.
The form only collects what was typed; checking and saving belong to the screen, which asks
the workflow (and shows its refusal, if any, under the form).
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Select, SelectionList, Static

from ...i18n import _
from ...model import InputSpec

YES, NO = "yes", "no"
RESTRICT = {
    "count": r"[0-9]*",
    "number": r"[-0-9.,]*",
    "percent": r"[0-9.,%]*",
    "date": r"[0-9-]*",
}
PLACEHOLDER = {"date": "2025-01-31", "percent": "0–100", "count": "0"}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class ItemForm(Vertical):
    """The inputs of one item, pre-filled with what is recorded."""

    def __init__(self, specs: tuple[InputSpec, ...], values: dict[str, Any], *, disabled: bool):
        super().__init__(classes="item-form")
        self.specs = specs
        self.values = values
        self.form_disabled = disabled

    def compose(self) -> ComposeResult:
        for spec in self.specs:
            label = spec.label + ("" if spec.required else _(" (optional)"))
            yield Label(label, classes="input-label")
            yield self._widget(spec)

    def _widget(self, spec: InputSpec):
        value = self.values.get(spec.name)
        wid = f"in-{spec.name}"
        if spec.type == "yes_no":
            chosen = Select.NULL if value is None else (YES if value else NO)
            return Select(
                [(_("Yes"), YES), (_("No"), NO)],
                value=chosen,
                id=wid,
                prompt=_("Choose"),
                disabled=self.form_disabled,
            )
        if spec.type == "choice":
            chosen = value if value in {k for k, _l in spec.options} else Select.NULL
            return Select(
                [(label, key) for key, label in spec.options],
                value=chosen,
                id=wid,
                prompt=_("Choose"),
                disabled=self.form_disabled,
            )
        if spec.type == "checklist":
            ticked = set(value or ())
            return SelectionList(
                *[(label, key, key in ticked) for key, label in spec.options],
                id=wid,
                disabled=self.form_disabled,
            )
        return Input(
            _text(value),
            placeholder=PLACEHOLDER.get(spec.type, ""),
            id=wid,
            restrict=RESTRICT.get(spec.type),
            disabled=self.form_disabled,
            select_on_focus=False,
        )

    def raw(self) -> dict[str, Any]:
        """What is in the form now, as text or keys, for the workflow to check."""
        values: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.query_one(f"#in-{spec.name}")
            if isinstance(widget, Select):
                chosen = widget.value
                values[spec.name] = None if chosen is Select.NULL else chosen
            elif isinstance(widget, SelectionList):
                values[spec.name] = list(widget.selected)
            else:
                values[spec.name] = widget.value
        return values


class Problem(Static):
    """The reason the last entry was refused, shown under the form."""
