"""Signing the minutes in the app: choose the field and the certificate, type the password
(never shown, never kept), and see the signatures verified."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...i18n import _


class SignScreen(ModalScreen[None]):
    CSS_PATH = Path(__file__).with_name("dialog.tcss")
    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape", "close", _("Close"), id="sign.close")]

    def __init__(self, pdf: Path):
        super().__init__()
        self.pdf = pdf

    def compose(self) -> ComposeResult:
        from ...signing import signature_fields

        fields = signature_fields(self.pdf)
        with Vertical(id="dialog"):
            yield Label(_("Sign {name}").format(name=self.pdf.name), id="dialog-title")
            yield Label(_("Signature field"))
            yield Select(
                [
                    (f"{name}" + (_(" (signed)") if done else ""), name)
                    for name, done in fields.items()
                ],
                id="field",
                prompt=_("Choose"),
            )
            yield Label(_("Certificate (.p12)"))
            yield Input(id="p12", placeholder="/home/…/chu-ky.p12")
            yield Label(_("Password"))
            yield Input(id="password", password=True)
            yield Label(_("Role shown in the signature"))
            yield Input(id="role")
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Button(_("Sign"), variant="primary", id="sign")
                yield Button(_("Close"), id="close")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#sign")
    def sign(self) -> None:
        field = self.query_one("#field", Select).value
        p12 = Path(self.query_one("#p12", Input).value.strip()).expanduser()
        if field is Select.NULL or not p12.is_file():
            self.query_one("#error", Static).update(
                Text(_("Choose a field and an existing .p12 file."), style="bold red")
            )
            return
        password = self.query_one("#password", Input).value.encode("utf-8")
        self.query_one("#password", Input).value = ""  # not kept a moment longer than needed
        self.query_one("#sign", Button).disabled = True
        self.run_signing(str(field), p12, password, self.query_one("#role", Input).value)

    @work(thread=True, exclusive=True)
    def run_signing(self, field: str, p12: Path, password: bytes, role: str) -> None:
        from ...signing import SigningError, sign_pdf, verify_pdf

        try:
            sign_pdf(self.pdf, field, p12, password, role=role)
            reports = verify_pdf(self.pdf)
        except SigningError as exc:
            message = Text(str(exc), style="bold red")
        else:
            message = Text()
            for r in reports:
                style = "green" if r.ok else "bold red"
                message.append(f"{r.field}: {r.signer} — {r.signed_at}: {r.reason}\n", style=style)
        self.app.call_from_thread(self.query_one("#error", Static).update, message)
        self.app.call_from_thread(setattr, self.query_one("#sign", Button), "disabled", False)
