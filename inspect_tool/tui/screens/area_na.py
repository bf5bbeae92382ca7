"""F2 on an area (or a criterion with sub-criteria) in the tree: all its items not applicable,
as the sets' notes expect for area 9 when there was no survey; asked first. Each item goes
through the workflow's answer, one logged change per item, as F2 on one item does. When every
item is already not applicable, F2 offers to take the mark off them all."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ...i18n import N_, _, count, ngettext
from ...workflow import WorkflowError

if TYPE_CHECKING:
    from .assessment import AssessmentScreen


class ConfirmGroupNA(ModalScreen[str | None]):
    """Yes (with the reason, for an appraisal) or no."""

    CSS_PATH = Path(__file__).with_name("dialog.tcss")
    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="group_na.cancel")]

    def __init__(self, question: str, *, ask_reason: bool):
        super().__init__()
        self.question = question
        self.ask_reason = ask_reason

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Label(_("Not applicable"), id="dialog-title")
            yield Static(self.question, id="question")
            if self.ask_reason:
                yield Label(_("Reason for a changed score"))
                yield Input(id="reason")
            with Horizontal(id="buttons"):
                yield Button(_("Yes"), variant="warning", id="yes")
                yield Button(_("No"), id="no")

    def on_mount(self) -> None:
        self.query_one("#reason" if self.ask_reason else "#no").focus()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#yes")
    def yes(self) -> None:
        reason = self.query_one("#reason", Input).value.strip() if self.ask_reason else ""
        self.dismiss(reason)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(None)


def group_items(screen: AssessmentScreen, code: str) -> tuple[str, list[str]]:
    """The title of area or criterion `code` and the codes of its items."""
    cset = screen.engine.cset
    for area in cset.areas:
        if area.code == code:
            return area.title, [c.code for c in area.walk() if c.is_item]
        for node in area.walk():
            if node.code == code:
                return node.title, [c.code for c in node.walk() if c.is_item]
    raise LookupError(code)


def ask_group_na(screen: AssessmentScreen, code: str) -> None:
    """Ask, then mark every item of `code` not applicable (or take the mark off them all)."""
    title, codes = group_items(screen, code)
    items = screen.assessment.items
    unmark = all(items.get(c) is not None and items[c].na for c in codes)
    if unmark:
        question = ngettext(
            "Take the not-applicable mark off the {n} item of {code} {title}?",
            "Take the not-applicable mark off the {n} items of {code} {title}?",
            len(codes),
        )
    else:
        question = ngettext(
            "Mark the {n} item of {code} {title} not applicable? Its answers are replaced.",
            "Mark the {n} items of {code} {title} not applicable? Their answers are replaced.",
            len(codes),
        )
    question = question.format(n=len(codes), code=code, title=title)
    ask_reason = screen.assessment.kind == "appraisal" and not unmark

    def answered(reason: str | None) -> None:
        if reason is not None:
            apply_group_na(screen, codes, unmark=unmark, reason=reason)
            screen.criteria.select_code(code)  # the cursor stays on the area, as before F2

    screen.app.push_screen(ConfirmGroupNA(question, ask_reason=ask_reason), answered)


def apply_group_na(
    screen: AssessmentScreen, codes: list[str], *, unmark: bool, reason: str = ""
) -> None:
    flow, aid = screen.flow, screen.assessment.id
    done, refused = 0, []
    for code in codes:
        record = flow.get(aid).items.get(code)
        screen.undo_to[code] = record  # Ctrl+Z on one of them: back to before this
        try:
            if unmark:
                flow.clear(aid, code)
            elif record is None or not record.na:
                flow.answer(aid, code, None, na=True, reason=reason or None)
            else:
                continue
        except WorkflowError as exc:
            refused.append(f"{code}: {exc}")
            continue
        done += 1
    screen.assessment = flow.get(aid)
    screen.refresh_scores()
    screen.show_item(screen.code)
    if unmark:
        message = count("{n} item is no longer N/A.", "{n} items are no longer N/A.", done)
    else:
        message = count("{n} item marked N/A.", "{n} items marked N/A.", done)
    screen.notify(message)
    if refused:
        screen.notify(
            "\n".join(refused), title=_("Refused"), severity="error", timeout=15, markup=False
        )
