"""The application: opens the store, shows the units, and comes back to where the user was."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..core import Core
from ..i18n import _
from ..store import Store
from ..workflow import Workflow, WorkflowError
from .screens.assessment import AssessmentScreen
from .screens.units import UnitsScreen
from .state import UiState


def load_keymap(path: Path | None) -> dict[str, str]:
    """A user's key remapping: `binding id: keys`, e.g. `item.next: ctrl+down`."""
    if path is None or not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


class InspectApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "inspect-tool"
    BINDINGS = [Binding("ctrl+q", "quit", _("Quit"), id="app.quit", priority=True)]

    def __init__(self, core: Core, store: Store, *, keymap: dict[str, str] | None = None):
        super().__init__()
        self.core = core
        self.store = store
        self.flow = Workflow(core, store)
        self.ui_state = UiState(store.path)
        self.keymap = keymap or {}
        self._state_timer = None

    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        for problem in self.core.registry.problems + self.core.catalog.problems:
            self.notify(
                str(problem),
                title=_("Plugin or criteria set left out"),
                severity="warning",
                timeout=15,
            )
        self.push_screen(UnitsScreen(self.flow))
        last = self.ui_state.last_assessment
        if last:
            self.open_assessment(last)

    def open_assessment(self, assessment_id: str) -> None:
        try:
            screen = AssessmentScreen(
                self.flow, assessment_id, self.ui_state.position(assessment_id)
            )
        except (WorkflowError, KeyError) as exc:
            self.notify(str(exc), severity="error")
            return
        self.push_screen(screen)

    def remember(self, assessment_id: str | None, code: str | None = None) -> None:
        """Note where the user is; written at most twice a second, and when the app ends."""
        self.ui_state.remember(assessment_id, code)
        if self._state_timer is None:
            self._state_timer = self.set_timer(0.5, self.save_state)

    def save_state(self) -> None:
        self._state_timer = None
        self.ui_state.save()

    def on_unmount(self) -> None:
        self.save_state()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, AssessmentScreen):
            yield SystemCommand(
                _("Next unanswered item"),
                _("Jump to the next item without an answer"),
                screen.action_next_unanswered,
            )
            yield SystemCommand(
                _("Mark not applicable"), _("Mark or unmark the item N/A"), screen.action_toggle_na
            )
            yield SystemCommand(
                _("Findings and participants"),
                _("Record findings, recommendations, participants, place and time"),
                screen.action_record,
            )
            yield SystemCommand(
                _("Finish"), _("See what is missing; submit, finalize"), screen.action_finish
            )
            for area in screen.engine.cset.areas:
                first = next(c.code for c in area.walk() if c.is_item)
                yield SystemCommand(
                    _("Go to area {code}").format(code=area.code),
                    area.title,
                    lambda code=first: screen.show_item(code),
                )
        if isinstance(screen, UnitsScreen):
            yield SystemCommand(
                _("New assessment"), _("Start an assessment of a unit"), screen.action_new
            )
