"""Finishing: what is still missing (each line jumps to its item), then submit, finalize or
reopen with a reason."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Footer, Header, Input, OptionList, Static
from textual.widgets.option_list import Option

from ... import display, labels
from ...i18n import N_, _, count
from ...workflow import Workflow, WorkflowError
from .base import WorkflowScreen
from .confirm import ConfirmScreen

DELETED = "\x00deleted"  # what the screen returns when the assessment is gone


class FinishScreen(WorkflowScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [Binding("escape", "back", N_("Back"), id="finish.back")]

    def __init__(self, flow: Workflow, assessment_id: str):
        super().__init__()
        self.flow = flow
        self.assessment_id = assessment_id
        self.minutes_path = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="finish"):
            yield Static(id="status")
            yield OptionList(id="missing")
            yield Input(placeholder=_("Reason for reopening"), id="reason")
            with Horizontal(id="buttons"):
                yield Button(_("Submit"), variant="primary", id="submit")
                yield Button(_("Finalize"), variant="success", id="finalize")
                yield Button(_("Reopen"), variant="warning", id="reopen")
                yield Button(_("Make the minutes"), id="minutes")
                yield Button(_("Sign the minutes"), id="sign", disabled=True)
                yield Button(_("Delete draft"), variant="error", id="delete")
            yield Static(id="error")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Finish")
        self.show()

    def show(self) -> None:
        a = self.flow.get(self.assessment_id)
        scores = self.flow.scores(a)
        missing = self.flow.missing_items(a) if self.flow.editable(a) else []
        status = Text()
        status.append(_("State: {state}").format(state=labels.state(a.state)), style="bold")
        status.append("\n" + labels.totals(scores))  # a line of its own: 80 columns keep it whole
        status.append(
            "\n"
            + (
                count(
                    "{n} thing missing before it can be submitted:",
                    "{n} things missing before it can be submitted:",
                    len(missing),
                )
                if missing
                else _("Nothing missing.")
            )
        )
        changes = self.flow.changes_from_base(a)
        if changes:
            status.append("\n" + _("Changes from the self-assessment:") + "\n", style="bold")
            for code, before, after, reason in changes:
                why = reason or _("(no reason)")
                status.append(
                    f"  {code}: {display.points(before)} → {display.points(after)}  {why}\n"
                )
        self.query_one("#status", Static).update(status)
        options = self.query_one("#missing", OptionList)
        options.clear_options()
        engine = self.flow.engine(a)
        options.add_options(
            [
                Option(f"{text} — {engine.item(code).title}" if code else text, id=f"{n}|{code}")
                for n, (code, text) in enumerate(missing)
            ]
        )
        if missing:  # Enter on the first (or only) line jumps at once
            options.highlighted = 0
        options.display = bool(missing)  # an empty box says nothing "Nothing missing." does not
        self.query_one("#submit").disabled = not self.flow.can(a, "submit") or bool(missing)
        # only the steps that can be taken from this state: the row fits 80 columns
        self.query_one("#finalize").display = self.flow.can(a, "finalize")
        self.query_one("#reopen").display = self.flow.can(a, "reopen")
        self.query_one("#reason").display = self.flow.can(a, "reopen")
        self.query_one("#delete").display = a.state == "draft" and not (
            a.items or a.findings or a.recommendations or a.participants
        )

    @on(OptionList.OptionSelected)
    def jump(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((event.option.id or "|").split("|", 1)[1] or None)

    def confirm(self, title: str, message: str, step: str, then, variant="warning") -> None:
        """Ask first (the focus on Cancel); `then` runs only when the step is chosen."""

        def chosen(yes: bool | None) -> None:
            if yes:
                then()

        self.app.push_screen(ConfirmScreen(title, message, step, variant=variant), chosen)

    @on(Button.Pressed, "#submit")
    def submit(self) -> None:
        self.confirm(
            _("Submit this assessment?"),
            _(
                "Once submitted, its answers, evidence, findings and record are locked: nothing "
                "can be changed until it is reopened, with a reason that is logged. An appraisal "
                "can then be made from it."
            ),
            _("Submit"),
            lambda: self.attempt(lambda: self.flow.submit(self.assessment_id)),
            variant="primary",
        )

    @on(Button.Pressed, "#finalize")
    def finalize(self) -> None:
        self.confirm(
            _("Finalize this assessment?"),
            _(
                "Once finalized, it is the final result: its answers, evidence, findings and "
                "record are locked, its minutes can be signed, and it is changed only by "
                "reopening it with a reason that is logged."
            ),
            _("Finalize"),
            lambda: self.attempt(lambda: self.flow.finalize(self.assessment_id)),
            variant="success",
        )

    @on(Button.Pressed, "#delete")
    def delete(self) -> None:
        def gone() -> None:
            try:
                self.flow.delete(self.assessment_id)
            except WorkflowError as exc:
                self.query_one("#error", Static).update(Text(str(exc), style="bold red"))
                self.notify(str(exc), severity="error", markup=False)
                return
            self.dismiss(DELETED)

        self.confirm(
            _("Delete this empty draft?"),
            _(
                "Nothing is recorded in it. It is deleted from the store (the deletion is "
                "logged) and cannot be opened again."
            ),
            _("Delete"),
            gone,
            variant="error",
        )

    @on(Button.Pressed, "#reopen")
    def reopen(self) -> None:
        reason = self.query_one("#reason", Input).value
        self.attempt(lambda: self.flow.reopen(self.assessment_id, reason))

    @on(Button.Pressed, "#minutes")
    def make_minutes(self) -> None:
        self.query_one("#minutes", Button).disabled = True
        self.notify(_("Making the minutes…"))
        self.render_minutes()

    @work(thread=True, exclusive=True)
    def render_minutes(self) -> None:
        """In a worker thread: WeasyPrint takes a second or more and must not freeze the app."""
        from ...minutes import make_minutes, minutes_file_name

        try:
            a = self.flow.get(self.assessment_id)
            out = self.flow.store.files_dir / "minutes" / minutes_file_name(a)
            out.parent.mkdir(exist_ok=True)
            make_minutes(self.flow, a.id, out)
        except Exception as exc:  # shown to the user; the app keeps working
            self.app.call_from_thread(self.notify, str(exc), severity="error")
        else:
            self.app.call_from_thread(self.notify, _("Minutes written to {path}").format(path=out))
            self.minutes_path = out
            self.app.call_from_thread(setattr, self.query_one("#sign", Button), "disabled", False)
        self.app.call_from_thread(setattr, self.query_one("#minutes", Button), "disabled", False)

    @on(Button.Pressed, "#sign")
    def sign_minutes(self) -> None:
        from .sign import SignScreen

        if self.minutes_path is not None:
            self.app.push_screen(SignScreen(self.minutes_path))

    def action_back(self) -> None:
        self.dismiss(None)
