"""Signing the minutes in the app: choose the field and the certificate, type the password
(never shown, never kept), and see the signatures verified against the settings' trust store.
Minutes of an assessment that is not finalized are refused when the screen opens."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from ...i18n import N_, _


class SignScreen(ModalScreen[None]):
    CSS_PATH = Path(__file__).with_name("dialog.tcss")
    DEFAULT_CLASSES = "dialog-screen"
    BINDINGS = [Binding("escape", "close", N_("Close"), id="sign.close")]

    def __init__(self, pdf: Path):
        super().__init__()
        self.pdf = pdf

    def compose(self) -> ComposeResult:
        from ...signing import signature_fields

        fields = signature_fields(self.pdf)
        # each label beside its field, and the whole scrolls: the buttons and the result of
        # the verification fit at 80×24
        with VerticalScroll(id="dialog"):
            yield Label(_("Sign {name}").format(name=self.pdf.name), id="dialog-title")
            with Horizontal(classes="field"):
                yield Label(_("Signature field"))
                yield Select(
                    [
                        (f"{name}" + (_(" (signed)") if done else ""), name)
                        for name, done in fields.items()
                    ],
                    id="field",
                    prompt=_("Choose"),
                )
            with Horizontal(classes="field"):
                yield Label(_("Certificate (.p12)"))
                yield Input(id="p12", placeholder="/home/…/chu-ky.p12")
            with Horizontal(classes="field"):
                yield Label(_("Password"))
                yield Input(id="password", password=True)
            with Horizontal(classes="field"):
                yield Label(_("Role shown in the signature"))
                yield Input(id="role")
            yield Static(id="error")
            with Horizontal(id="buttons"):
                yield Button(_("Sign"), variant="primary", id="sign")
                yield Button(_("Close"), id="close")

    def on_mount(self) -> None:
        from ...signing import SigningError, check_finalized

        try:
            check_finalized(self.pdf)
        except SigningError as exc:  # a draft is not signed: said at once, Sign disabled
            self.query_one("#error", Static).update(Text(str(exc), style="bold red"))
            self.query_one("#sign", Button).disabled = True

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
        from ...settings import load_settings
        from ...signing import (
            SigningError,
            http_timestamper,
            sign_pdf,
            signed_at_text,
            trust_store,
            verify_pdf,
        )
        from ...yaml_lines import ProblemsError

        try:
            settings = load_settings()
            url = settings["signing"]["timestamp_url"]
            sign_pdf(
                self.pdf,
                field,
                p12,
                password,
                role=role,
                timestamper=http_timestamper(url) if url else None,
            )
            reports = verify_pdf(self.pdf, trust_store((), settings))
        except (SigningError, ProblemsError) as exc:
            message = Text(str(exc), style="bold red")
        else:
            message = Text()
            for r in reports:
                style = "green" if r.ok else ("yellow" if not r.signed else "bold red")
                who = f"{r.who} — {signed_at_text(r)}: " if r.signed else ""
                message.append(f"{r.field}: {who}{r.reason}\n", style=style)
        self.app.call_from_thread(self.query_one("#error", Static).update, message)
        self.app.call_from_thread(setattr, self.query_one("#sign", Button), "disabled", False)
