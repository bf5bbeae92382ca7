"""What the minutes record besides the scores: findings and recommendations per area (with
deadlines), who took part and in what role, the place and time of the visit, and the unit's
opinion."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Select, Static

from ... import display, labels
from ...i18n import N_, _
from ...workflow import Workflow
from .base import WorkflowScreen


class RecordScreen(WorkflowScreen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("escape", "back", N_("Back"), id="record.back"),
        Binding("f7", "resolve_conflict", N_("Resolve"), id="record.resolve"),
    ]
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]  # the rows' layout, in its .tcss

    def __init__(self, flow: Workflow, assessment_id: str):
        super().__init__()
        self.flow = flow
        self.assessment_id = assessment_id
        self.conflicted = False  # a header field in conflict (F7), set by show()

    def compose(self) -> ComposeResult:
        a = self.flow.get(self.assessment_id)
        areas = [(f"{x.code} {x.title}", x.code) for x in self.flow.engine(a).cset.areas]
        yield Header()
        with VerticalScroll(id="record"):
            yield Static(id="summary")
            yield Label(_("Finding or recommendation"), classes="section")
            with Horizontal(classes="row"):
                yield Select(areas, id="area", prompt=_("Area"))
                yield Input(placeholder=_("Text"), id="text")
                yield Input(
                    placeholder=_("Deadline, e.g. {example}").format(
                        example=display.date_example()
                    ),
                    id="deadline",
                )
            with Horizontal(classes="row"):
                yield Button(_("Add finding"), id="add-finding")
                yield Button(_("Add recommendation"), id="add-recommendation")
            yield Label(_("Participant"), classes="section")
            with Horizontal(classes="row"):
                yield Input(placeholder=_("Full name"), id="name")
                yield Input(placeholder=_("Role"), id="role")
                yield Select(
                    [(labels.side(s), s) for s in ("team", "unit")],
                    id="side",
                    value="team",
                    allow_blank=False,
                )
                yield Button(_("Add participant"), id="add-participant")
            yield Label(_("Place and time of the visit"), classes="section")
            with Horizontal(classes="row"):
                yield Input(a.place, placeholder=_("Place"), id="place")
                yield Input(
                    display.moment(a.started),
                    placeholder=_("Began, e.g. {example}").format(
                        example=display.time_example("08:30")
                    ),
                    id="started",
                )
                yield Input(
                    display.moment(a.ended),
                    placeholder=_("Ended, e.g. {example}").format(
                        example=display.time_example("11:30")
                    ),
                    id="ended",
                )
                yield Button(_("Save"), id="save-visit")
            yield Label(_("The unit's opinion"), classes="section")
            with Horizontal(classes="row"):
                yield Input(a.unit_opinion, placeholder=_("As the unit said it"), id="opinion")
                yield Button(_("Save"), id="save-opinion")
            yield Static(id="error")
        yield Footer()

    def on_mount(self) -> None:
        self.title = _("Findings, recommendations, participants")
        self.show()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F7 only while a header field is in conflict (the footer shows it then)."""
        return action != "resolve_conflict" or self.conflicted

    def show(self) -> None:
        a = self.flow.get(self.assessment_id)
        self.conflicted = bool(a.header_conflicts)
        self.refresh_bindings()
        for widget in self.query("#record Input, #record Select, #record Button"):
            widget.disabled = not self.flow.editable(a)  # read only until reopened
        text = Text()
        for name in a.header_conflicts:  # a sync kept both sides: F7 resolves them
            text.append(self.flow.conflict_text(name) + " (F7)\n", style="bold red")
        text.append(_("Findings") + "\n", style="bold")
        for f in a.findings:
            text.append(f"  [{f.area}] {f.text}\n")
        text.append(_("Recommendations") + "\n", style="bold")
        for r in a.recommendations:
            text.append(
                f"  [{r.area}] {r.text}"
                + (f" ({display.day(r.deadline)})" if r.deadline else "")
                + "\n"
            )
        text.append(_("Participants") + "\n", style="bold")
        for p in a.participants:
            text.append(f"  {p.name}, {p.role} ({labels.side(p.side)})\n")
        self.query_one("#summary", Static).update(text)

    def _value(self, selector: str) -> str:
        return self.query_one(selector, Input).value.strip()

    def _area_and_text(self) -> tuple[str, str] | None:
        area = self.query_one("#area", Select).value
        if area is Select.NULL:
            self.query_one("#error", Static).update(_("Choose an area."))
            self.notify(_("Choose an area."), severity="error")
            return None
        return str(area), self._value("#text")  # the workflow refuses an empty text

    def _clear(self, *selectors: str) -> None:
        for selector in selectors:
            self.query_one(selector, Input).value = ""

    @on(Button.Pressed, "#add-finding")
    def add_finding(self) -> None:
        if (chosen := self._area_and_text()) and self.attempt(
            lambda: self.flow.add_finding(self.assessment_id, *chosen)
        ):
            self._clear("#text")

    @on(Button.Pressed, "#add-recommendation")
    def add_recommendation(self) -> None:
        deadline = self._value("#deadline")
        if (chosen := self._area_and_text()) and self.attempt(
            lambda: self.flow.add_recommendation(self.assessment_id, *chosen, deadline)
        ):
            self._clear("#text", "#deadline")

    @on(Button.Pressed, "#add-participant")
    def add_participant(self) -> None:
        name, role = self._value("#name"), self._value("#role")
        side = str(self.query_one("#side", Select).value)
        if self.attempt(lambda: self.flow.add_participant(self.assessment_id, name, role, side)):
            self._clear("#name", "#role")

    @on(Button.Pressed, "#save-visit")
    def save_visit(self) -> None:
        a = self.flow.get(self.assessment_id)
        fields = {"place": self._value("#place")}
        for name in ("started", "ended"):
            typed, kept = self._value(f"#{name}"), getattr(a, name)
            # shown to the minute: left as shown, the stored value (its seconds) stays
            fields[name] = kept if typed == display.moment(kept) else typed
        self.attempt(lambda: self.flow.update_header(self.assessment_id, **fields))

    @on(Button.Pressed, "#save-opinion")
    def save_opinion(self) -> None:
        text = self._value("#opinion")
        self.attempt(lambda: self.flow.update_header(self.assessment_id, unit_opinion=text))

    def action_resolve_conflict(self) -> None:
        """F7: the first header field a sync left in conflict, both sides side by side; keep
        one, or what the field holds now, with a reason (an audited act)."""
        from .conflict import ConflictScreen

        a = self.flow.get(self.assessment_id)
        if not a.header_conflicts:
            self.notify(_("No sync conflict here."))
            return
        name = next(iter(sorted(a.header_conflicts)))

        def done(choice: tuple[str, str] | None) -> None:
            if choice is not None:
                take, reason = choice
                take = None if take == "typed" else take
                if self.attempt(
                    lambda: self.flow.resolve_conflict(
                        self.assessment_id, name, take, reason=reason
                    )
                ):
                    self.refill()

        self.app.push_screen(ConflictScreen(name, a.header_conflicts[name]), done)

    def refill(self) -> None:
        """The visit's and the opinion's fields show what is kept now."""
        a = self.flow.get(self.assessment_id)
        for selector, value in (
            ("#place", a.place),
            ("#started", display.moment(a.started)),
            ("#ended", display.moment(a.ended)),
            ("#opinion", a.unit_opinion),
        ):
            self.query_one(selector, Input).value = value

    def action_back(self) -> None:
        self.dismiss(None)
