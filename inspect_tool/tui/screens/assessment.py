"""One assessment, item by item: the tree on the left, the item and its form on the right,
the running totals below. Every entry is checked and saved as it is typed; a wrong one is
refused on the spot with the reason, and nothing invalid is stored."""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Select, SelectionList, Static, Tree

from ... import display, labels
from ...i18n import N_, _
from ...model import ItemRecord
from ...scoring import AnswerError, Scores
from ...workflow import Workflow, WorkflowError, evidence_text, parse_evidence
from ..widgets.carried import CarriedRecommendations
from ..widgets.criteria_tree import CriteriaTree
from ..widgets.item_form import ItemForm, Problem, show
from ..widgets.keys_footer import KeysFooter
from ..widgets.totals import TotalsBar

STATICS = ("title", "base", "points", "files", "info")
HEADER_SIDES = 18  # the header's icon on the left, the room kept for a clock on the right
ENTRIES = ("evidence", "note", "reason")  # beside the form, the same for every item


class AssessmentScreen(Screen):
    CSS_PATH = Path(__file__).with_suffix(".tcss")
    BINDINGS = [
        Binding("pagedown", "next_item", N_("Next item"), id="item.next", priority=True),
        Binding("pageup", "previous_item", N_("Previous item"), id="item.previous", priority=True),
        Binding("f3", "next_unanswered", N_("Next unanswered"), id="item.next_unanswered"),
        Binding("f2", "toggle_na", N_("N/A"), id="item.toggle_na"),
        Binding("f6", "next_area", N_("Next area"), id="item.next_area"),
        Binding("f4", "record", N_("Findings"), id="assessment.record"),
        Binding("f5", "finish", N_("Finish"), id="assessment.finish"),
        Binding("escape", "back", N_("Units"), id="assessment.back"),
        # over Input's own Ctrl+D (delete right: the Delete key does it too)
        Binding(
            "ctrl+d", "clear_item", N_("Clear answer"), id="item.clear", priority=True, show=False
        ),
        Binding("ctrl+z", "undo_item", N_("Undo"), id="item.undo", show=False),
        Binding("f7", "resolve_conflict", N_("Resolve"), id="item.resolve", show=False),
        # `/` only where it is not typed into a field (the tree); Ctrl+F anywhere
        Binding(
            "slash,ctrl+f",
            "search",
            N_("Search the criteria by code or words of the title"),
            id="item.search",
            show=False,
        ),
    ]

    def __init__(self, flow: Workflow, assessment_id: str, code: str | None = None):
        super().__init__()
        self.flow = flow
        self.assessment = flow.get(assessment_id)
        self.engine = flow.engine(self.assessment)
        # scored now, so that an assessment that no longer scores is refused before it opens
        self.scores = flow.scores(self.assessment)
        self.base: Scores | None = None
        if self.assessment.base:
            self.base = flow.scores(flow.store.assessment(self.assessment.base))
        self.codes = [c.code for c in self.engine.cset.items()]
        self.code = code if code in self.codes else self.codes[0]
        # the form shows an entry refused or partial: kept as the item's pending entry on leaving
        self.unaccepted = False
        # undo is of an edit (a field from focus to leaving it), not of a key: per item, what
        # it was before its last edit began; and the field being edited now
        self.undo_to: dict[str, ItemRecord | None] = {}
        self.editing: tuple[str, str] | None = None

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield CarriedRecommendations(self.flow, self.assessment)  # an inspection's: hidden if none
        with Horizontal(id="body"):
            yield CriteriaTree(_("Criteria"), id="tree")
            # not focusable itself: Tab from the tree lands in a field that shows the cursor
            with VerticalScroll(id="item", can_focus=False):
                # what is typed first, then what explains it: small screens see the form
                yield Static(id="item-title")
                yield Static(id="item-base")
                yield ItemForm(max(len(self.engine.inputs(code)) for code in self.codes))
                yield Static(id="item-points")
                yield Problem(id="problem")
                yield Label(
                    _("Evidence (number;date;issuer, several separated by |)"),
                    classes="input-label",
                )
                yield Input(
                    id="evidence",
                    placeholder=_("e.g. {example}").format(example="12/KH-UBND;2025-01-20;UBND xã"),
                )
                yield Static(id="item-files")  # the files attached, by name and short hash
                yield Input(id="attach", placeholder=_("Attach a file: type its path, then Enter"))
                yield Label(_("Note"), classes="input-label")
                yield Input(id="note")
                if self.assessment.kind == "appraisal":
                    yield Label(_("Reason for a changed score"), classes="input-label")
                    yield Input(id="reason")
                yield Static(id="item-info")
        yield TotalsBar(id="totals")
        yield KeysFooter()

    def on_mount(self) -> None:
        # looked up once: a query per widget at every step costs more than the step's own work
        self.criteria = self.query_one(CriteriaTree)
        self.form = self.query_one(ItemForm)
        self.problem = self.query_one(Problem)
        self.totals = self.query_one(TotalsBar)
        self.statics = {name: self.query_one(f"#item-{name}", Static) for name in STATICS}
        self.entries = {e.id: e for e in self.query(Input) if e.id in ENTRIES}
        self.attach_entry = self.query_one("#attach", Input)
        self.pane = self.query_one("#item", VerticalScroll)
        self.criteria.fill(self.engine.cset)
        self.show_titles()
        self.show_scores()  # scored when the screen was made
        self.show_item(self.code, answering=self.editable)
        self.call_after_refresh(self._center)

    def _center(self) -> None:
        """Once the tree is laid out: the current item in the middle, its neighbours around."""
        self.criteria.select_code(self.code, center=True)

    # -- showing -----------------------------------------------------------------------------

    @property
    def editable(self) -> bool:
        return self.flow.editable(self.assessment)

    def show_titles(self) -> None:
        """The unit, the assessment and its set in the header, whole: the set's title when
        the line has room for it, else its id and version (the help shows the title)."""
        a = self.assessment
        unit = self.flow.store.unit(a.unit)
        self.title = f"{a.unit} {unit.name if unit else ''}"
        cset = self.engine.cset
        head = f"{labels.kind(a.kind)} {a.year} · {labels.state(a.state)}"
        room = (self.size.width or self.app.size.width) - HEADER_SIDES - cell_len(self.title) - 3
        for sub in (f"{head} · {cset.title}", f"{head} · {cset.id} {cset.version}", head):
            if cell_len(sub) <= room:
                break
        self.sub_title = sub

    def on_resize(self) -> None:
        self.show_titles()

    def refresh_scores(self) -> None:
        self.scores = self.flow.scores(self.assessment)
        self.show_scores()

    def show_scores(self) -> None:
        self.criteria.refresh_marks(self.assessment, self.scores, self.base)
        self.totals.show(self.scores, [a.code for a in self.engine.cset.areas])

    def show_item(self, code: str, *, answering: bool | None = None) -> None:
        """Show item `code`. Someone answering (typing in the form) lands in its first field;
        someone reading the tree stays there."""
        if answering is None:
            answering = self.focused is not None and self.pane in self.focused.ancestors
        if code != self.code:
            self.keep_unaccepted()
        self.editing = None  # an edit ends with its item
        self.code = code
        item = self.engine.item(code)
        record = self.assessment.items.get(code)
        show(
            self.statics["title"],
            Text(
                f"{code}  {item.title}  "
                + _("(max {points})").format(points=display.points(item.max_points)),
                style="bold",
            ),
        )
        info = Text()
        if item.guidance:
            info.append(_("Guidance: "), style="bold")
            info.append(item.guidance + "\n")
        if item.evidence:
            info.append(_("Evidence expected: "), style="bold")
            info.append("; ".join(item.evidence))
            if item.evidence_required:
                info.append(_(" (required)"), style="bold red")
        show(self.statics["info"], info)
        base_text = Text()
        if self.base is not None:
            base_text.append(
                _("Self-assessment: {points} ({why})").format(
                    points=display.points(self.base.points[code]),
                    why=self.base.explanation(code, display.formatter()),
                )
            )
        if record is not None and record.conflict:  # sync: both values, side by side in F7
            from .conflict import conflict_text

            base_text.append("\n" if base_text else "")
            base_text.append_text(conflict_text(record.conflict))
        show(self.statics["base"], base_text)
        specs = self.engine.inputs(code)
        values = dict(record.inputs) if record and not record.na else {}
        if record is not None and record.pending:  # typed earlier, kept as typed
            values.update(self.form.values_from_text(specs, record.pending))
        self.unaccepted = False
        self.form.load(
            specs,
            values,
            disabled=not self.editable or bool(record and record.na),
        )
        texts = {
            "evidence": evidence_text(record.evidence) if record else "",
            "note": record.note if record else "",
            "reason": record.reason if record else "",  # an appraisal's only
        }
        for name, entry in self.entries.items():
            with entry.prevent(Input.Changed):
                entry.value = texts[name]
            entry.disabled = not self.editable
        self.show_files(record)
        if self.attach_entry.value:
            self.attach_entry.value = ""
        self.attach_entry.disabled = not self.editable
        show(self.problem, "")
        if record is not None and record.pending:
            self.explain_pending()
        self.show_points()
        self.criteria.select_code(code)
        if answering:  # the first field open to typing: an N/A item's is its evidence
            first = self.form.first_editor()
            evidence = self.entries["evidence"]
            target = next(
                (w for w in (first, evidence) if w is not None and not w.disabled), self.criteria
            )
            if target is not self.focused:  # the rows are reused: often it has the focus already
                # at once, not after the queue as focus() does: a held PgDn's next key would
                # see the old field focused, and the focus land on a field then hidden
                self.set_focus(target, scroll_visible=False)  # the pane starts at the top
        if self.pane.scroll_y:
            self.pane.scroll_home(animate=False)  # a new item is read from its title
        self.app.remember(self.assessment.id, code)

    def show_points(self) -> None:
        code = self.code
        record = self.assessment.items.get(code)
        text = Text()
        if record is None:
            text.append(_("Not answered yet."), style="italic")
        else:
            text.append(
                _("Points: {points}/{max}").format(
                    points=display.points(self.scores.points[code]),
                    max=display.points(self.scores.maxima[code]),
                ),
                style="bold green",
            )
            text.append("  " + self.scores.explanation(code, display.formatter()))
        if not self.editable:
            text.append(
                "\n"
                + _("This assessment is {state}: reopen it to change it.").format(
                    state=labels.state(self.assessment.state)
                ),
                style="yellow",
            )
        show(self.statics["points"], text)

    # -- saving --------------------------------------------------------------------------------

    @on(Input.Changed)
    @on(Input.Submitted)
    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    def entry_changed(self, event) -> None:
        """Only the user's own edits arrive here: an item is loaded with its events held back.
        Enter in a field saves too, which is how an answer left empty on purpose is given."""
        if self.editable and event.control is not self.attach_entry:
            self.begin_edit(event.control)
            self.save()

    def begin_edit(self, control) -> None:
        """The first change in a field since it got the focus begins an edit: the item as
        it was is what Ctrl+Z goes back to. Later keys in the same field are the same edit."""
        field = (self.code, str(control.id or id(control)))
        if field != self.editing:
            self.mark_undo()
            self.editing = field

    def mark_undo(self) -> None:
        """A change of the item begins: the item as it is now is what undo brings back."""
        self.undo_to[self.code] = self.assessment.items.get(self.code)
        self.editing = None

    def on_descendant_blur(self) -> None:
        self.editing = None  # leaving a field ends its edit

    @on(Input.Submitted, "#attach")
    def attach_file(self) -> None:
        """The file at the typed path copied into the store as evidence of the item."""
        typed = self.attach_entry.value.strip()
        if not typed or not self.editable:
            return
        path = Path(typed).expanduser()
        self.mark_undo()
        try:
            self.assessment = self.flow.attach(self.assessment.id, self.code, path)
        except WorkflowError as exc:
            show(self.problem, Text(str(exc), style="bold red"))
            self.notify(str(exc), severity="error", markup=False)
            return
        self.attach_entry.value = ""
        self.show_files(self.assessment.items.get(self.code))
        self.refresh_scores()  # evidence required and now given: the mark changes
        self.notify(_("{name} attached to item {code}.").format(name=path.name, code=self.code))

    def show_files(self, record) -> None:
        files = [e for e in record.evidence if e.file] if record else []
        text = Text()
        if files:
            text.append(_("Files: "), style="bold")
            text.append(", ".join(f"{e.file} ({e.sha256[:8]})" for e in files))
        show(self.statics["files"], text)

    def save(self, *, na: bool | None = None) -> bool:
        """Ask the workflow to record the form, evidence and note; show its refusal if any."""
        refusal = self._record(na)
        self.unaccepted = refusal is not None and na is None
        show(self.problem, refusal or "")
        if refusal is None:
            self.refresh_scores()
            self.show_points()
        self.keep_in_view(self.problem if refusal is not None else self.statics["points"])
        return refusal is None

    def keep_in_view(self, widget) -> None:
        """The refusal or the points line, below the form, scrolled into the pane once laid
        out, when it is out of it (a small screen): the reason shows where the person types."""
        self.call_after_refresh(self.pane.scroll_to_widget, widget, animate=False)

    def _record(self, na: bool | None) -> Text | None:
        """Record the item as it is on screen (N/A as it is, unless `na` says); the refusal."""
        record = self.assessment.items.get(self.code)
        na = bool(record and record.na) if na is None else na
        try:
            extras = {name: entry.value for name, entry in self.entries.items()}
            extras["evidence"] = parse_evidence(extras["evidence"])
            if record is not None:  # attached files are not typed: kept as they are
                extras["evidence"] += [e for e in record.evidence if e.file]
            self.assessment = self.flow.answer(
                self.assessment.id, self.code, None if na else self.form.raw(), na=na, **extras
            )
        except WorkflowError as exc:
            self.form.refuse(exc.problems)  # each field's reason beside it
            if record is None and not na and self.form.is_empty():
                # evidence or a note typed before the answer: kept on screen, stored with it
                return Text(
                    _("Give the answer above: the evidence and note are kept with it."),
                    style="not bold yellow",
                )
            return Text(self.form.explain(exc.problems) or str(exc), style="bold red")
        self.form.refuse([])
        kept = self.assessment.items.get(self.code)
        if kept is not None and kept.pending:  # accepted now: the entry kept earlier is done
            self.assessment = self.flow.keep_pending(self.assessment.id, self.code, {})
        return None

    def explain_pending(self) -> None:
        """Why the entry kept for this item is not accepted yet: beside its fields, and below."""
        try:
            self.engine.check(self.code, self.form.raw())
        except AnswerError as exc:
            self.form.refuse(exc.problems)
            why = self.form.explain(exc.problems) or str(exc)
        else:  # it checks alone: what refused it was the appraisal's missing reason
            why = _("Give the reason for the changed score.")
        show(
            self.problem,
            Text(_("Kept as typed, not accepted yet.") + "\n" + why, style="bold yellow"),
        )

    def keep_unaccepted(self, *, refresh: bool = True) -> None:
        """Leaving an item whose entry was refused or is partial: it is kept as the item's
        pending entry (marked in the tree, back in the form on return), never thrown away."""
        if not self.unaccepted or not self.editable:
            return
        self.unaccepted = False
        text = self.form.text()
        record = self.assessment.items.get(self.code)
        if not any(text.values()):  # a field emptied: the answer stands, cleared only on purpose
            if refresh and record is not None and record.inputs:
                self.notify(
                    _("Item {code}: the emptied answer was not saved; Ctrl+D clears it.").format(
                        code=self.code
                    ),
                    severity="warning",
                )
            return
        try:
            self.assessment = self.flow.keep_pending(self.assessment.id, self.code, text)
        except WorkflowError as exc:
            if refresh:
                self.notify(str(exc), severity="error")
            return
        if refresh:
            self.criteria.refresh_marks(self.assessment, self.scores, self.base)

    def on_unmount(self) -> None:
        self.keep_unaccepted(refresh=False)  # the app quit with an entry not accepted

    # -- actions ---------------------------------------------------------------------------------

    def action_clear_item(self) -> None:
        """Clear the item's answer (and what was typed for it), logged; undo brings it back."""
        if not self.editable:
            return
        self.unaccepted = False
        if self.code not in self.assessment.items:
            self.show_item(self.code)  # only typed, never saved: the form emptied
            return
        self.mark_undo()
        self.assessment = self.flow.clear(self.assessment.id, self.code)
        self.refresh_scores()
        self.show_item(self.code)
        self.notify(_("Item {code} cleared; Ctrl+Z brings it back.").format(code=self.code))

    def action_undo_item(self) -> None:
        """Typing not accepted yet is dropped first; then the item's last saved change."""
        if not self.editable:
            return
        if self.unaccepted:
            self.unaccepted = False
            self.show_item(self.code)
            self.notify(_("Item {code}: what was typed is dropped.").format(code=self.code))
            return
        code = self.code
        try:
            if code in self.undo_to:  # an edit made here: all of it, back to before it
                current = self.assessment.items.get(code)
                self.assessment = self.flow.restore(self.assessment.id, code, self.undo_to[code])
                self.undo_to[code] = current  # undoing again redoes
            else:  # changed before this screen was opened: its last change, from the log
                self.assessment = self.flow.undo(self.assessment.id, code)
        except WorkflowError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.editing = None
        self.refresh_scores()
        self.show_item(self.code)
        self.notify(_("Item {code}: last change undone.").format(code=self.code))

    @on(Tree.NodeHighlighted)
    def node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        code = event.node.data
        if code in self.codes and code != self.code:
            self.show_item(code)

    def _move(self, step: int) -> None:
        position = self.codes.index(self.code)
        self.show_item(self.codes[(position + step) % len(self.codes)])

    def action_next_item(self) -> None:
        self._move(1)

    def action_previous_item(self) -> None:
        self._move(-1)

    def action_next_unanswered(self) -> None:
        start = self.codes.index(self.code)
        for step in range(1, len(self.codes) + 1):
            code = self.codes[(start + step) % len(self.codes)]
            if code not in self.assessment.items:
                self.show_item(code)
                return
        self.notify(_("Every item is answered."))

    def action_next_area(self) -> None:
        areas = self.engine.cset.areas
        current = self.engine.cset.area_of(self.code)
        index = next(i for i, a in enumerate(areas) if a is current)
        area = areas[(index + 1) % len(areas)]
        self.show_item(area.first_item())

    def action_toggle_na(self) -> None:
        if not self.editable:
            return
        node = self.criteria.cursor_node
        if self.focused is self.criteria and node is not None and node.data not in self.codes:
            from .area_na import ask_group_na  # F2 on an area or criterion: all its items

            ask_group_na(self, node.data)
            return
        record = self.assessment.items.get(self.code)
        refusal = None
        self.mark_undo()
        if record is not None and record.na:
            # back to unanswered: an N/A item has no inputs to go back to
            self.assessment = self.flow.clear(self.assessment.id, self.code)
        else:
            refusal = self._record(na=True)
        self.refresh_scores()
        self.show_item(self.code)
        if refusal is not None:
            self.problem.update(refusal)  # after show_item, which clears it

    def action_record(self) -> None:
        from .record import RecordScreen

        self.keep_unaccepted()

        def done(_result: object) -> None:
            self.assessment = self.flow.get(self.assessment.id)

        self.app.push_screen(RecordScreen(self.flow, self.assessment.id), done)

    def action_finish(self) -> None:
        from .finish import DELETED, FinishScreen

        self.keep_unaccepted()  # listed as missing there

        def done(code: str | None) -> None:
            if code == DELETED:  # an empty draft deleted there: back to the units
                self.app.remember(None)
                self.dismiss(None)
                return
            # its state may have moved (its answers not: the scores and marks stand)
            self.assessment = self.flow.get(self.assessment.id)
            self.show_titles()
            self.show_item(code or self.code)

        self.app.push_screen(FinishScreen(self.flow, self.assessment.id), done)

    def action_search(self) -> None:
        self.app.search_criteria()

    # -- sync conflicts ------------------------------------------------------------------------

    def action_resolve_conflict(self) -> None:
        """F7 on a conflicted item: both values side by side; keep one, or what the form
        shows, with a reason (Workflow.resolve_conflict, an audited act)."""
        from .conflict import ConflictScreen

        record = self.assessment.items.get(self.code)
        if record is None or not record.conflict:
            self.notify(_("Item {code} has no sync conflict.").format(code=self.code))
            return
        if not self.editable:
            return
        self.keep_unaccepted()
        code = self.code

        def done(choice: tuple[str, str] | None) -> None:
            if choice is None:
                return
            take, reason = choice
            current = self.flow.get(self.assessment.id).items.get(code)
            try:
                if take == "typed":
                    inputs = dict(current.inputs) if current and not current.na else None
                    self.assessment = self.flow.resolve_conflict(
                        self.assessment.id,
                        code,
                        reason=reason,
                        inputs=inputs,
                        na=bool(current and current.na),
                    )
                else:
                    self.assessment = self.flow.resolve_conflict(
                        self.assessment.id, code, take, reason=reason
                    )
            except WorkflowError as exc:
                self.notify(str(exc), severity="error")
                return
            self.refresh_scores()
            self.show_item(code)
            self.notify(_("Item {code}: conflict resolved.").format(code=code))

        self.app.push_screen(ConflictScreen(code, record.conflict), done)

    def action_back(self) -> None:
        self.keep_unaccepted()
        self.app.remember(None)
        self.dismiss(None)
