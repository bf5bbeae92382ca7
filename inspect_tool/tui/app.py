"""The application: opens the store, shows the units, and comes back to where the user was."""

from __future__ import annotations

import gc
from collections.abc import Iterable
from functools import partial
from pathlib import Path

import yaml
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from .. import labels
from ..core import Core
from ..i18n import N_, _
from ..store import Store, StoreError
from ..workflow import Workflow
from .commands import CriteriaProvider
from .read_only import ReadOnlyWorkflow, read_only_reason
from .screens.assessment import AssessmentScreen
from .screens.units import UnitsScreen
from .state import UiState
from .textual_words import Palette, translate_node, translate_textual


def load_keymap(path: Path | None) -> dict[str, str]:
    """A user's key remapping: `binding id: keys`, e.g. `item.next: ctrl+down`."""
    if path is None or not path.is_file():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def textual_commands() -> dict[str, tuple[str, str]]:
    """Textual's own palette commands, by their English title, in the user's language."""
    return {
        "Theme": (_("Theme"), _("Change the colours of the app")),
        "Quit": (_("Quit"), _("Quit the app")),
        "Keys": (_("Keys"), _("Show or hide the keys and the help of the focused field")),
        "Minimize": (_("Minimize"), _("Give the widget back its usual size")),
        "Maximize": (_("Maximize"), _("Show the focused widget on the whole screen")),
        "Screenshot": (_("Screenshot"), _("Save a picture (SVG) of the screen")),
    }


class InspectApp(App):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "inspect-tool"
    BINDINGS = [
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True),
        # declared here only to name it in the user's language (Textual calls it "palette")
        # show=False: Textual's footer shows it already, at its right end
        Binding(
            "ctrl+p",
            "command_palette",
            N_("Commands"),
            id="app.commands",
            priority=True,
            show=False,
        ),
        Binding("f1", "help", N_("Help"), id="app.help"),
        # not a priority: typed into a field, `?` is the field's
        Binding("question_mark", "help", N_("Help"), id="app.help_key", show=False),
        # -- sync
        Binding("f9", "sync", N_("Sync"), id="app.sync", show=False),
    ]
    COMMANDS = App.COMMANDS | {CriteriaProvider}

    def __init__(
        self,
        core: Core,
        store: Store,
        *,
        keymap: dict[str, str] | None = None,
        lock_holder: str = "",
    ):
        translate_textual()  # before any widget is made: they copy their classes' key words
        super().__init__()
        self.core = core
        self.store = store
        # opened read-only (another window writes): said on every screen, every change refused
        self.read_only = "" if getattr(store, "writable", True) else read_only_reason(lock_holder)
        if self.read_only:
            self.flow: Workflow = ReadOnlyWorkflow(core, store, self.read_only)
        else:
            self.flow = Workflow(core, store)
        self.ui_state = UiState(store.files_dir)
        self.keymap = keymap or {}
        self._state_timer = None

    def on_mount(self) -> None:
        # Everything loaded so far (modules, sets, Textual's machinery) lives as long as the
        # app: kept out of the collector's full passes, which otherwise stall a step 60-90 ms.
        gc.freeze()
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
        self.start_sync()
        last = self.ui_state.last_assessment
        if last:
            self.open_assessment(last)

    def push_screen(self, screen, *args, **kwargs):
        if isinstance(screen, Screen):
            translate_node(screen)  # its keys' words in the language now
        shown = super().push_screen(screen, *args, **kwargs)
        if self.read_only and not isinstance(screen, ModalScreen):
            self.call_after_refresh(self._banner, screen)
        if isinstance(screen, UnitsScreen):
            self.call_after_refresh(self.show_sync_state)
        return shown

    def _banner(self, screen: Screen) -> None:
        """The read-only banner at the top of a full screen, under its header."""
        if screen.is_attached and not screen.query("#read-only"):
            screen.mount(Static(self.read_only, id="read-only"), before=0)

    def open_assessment(self, assessment_id: str) -> None:
        try:
            screen = AssessmentScreen(
                self.flow, assessment_id, self.ui_state.position(assessment_id)
            )
        except (ValueError, LookupError) as exc:  # WorkflowError, a set or answer that fails
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

    def action_command_palette(self) -> None:
        """Textual's palette, with its search prompt in the user's language."""
        if self.use_command_palette and not Palette.is_open(self):
            placeholder = _("Search for commands…")
            self.push_screen(Palette(id="--command-palette", placeholder=placeholder))

    def search_themes(self) -> None:
        from textual.theme import ThemeProvider

        self.push_screen(Palette(providers=[ThemeProvider], placeholder=_("Search for themes…")))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def search_criteria(self) -> None:
        """The palette with only the criteria: `/` or Ctrl+F in an assessment's tree."""
        if not Palette.is_open(self):
            placeholder = _("Search the criteria: code or words, with or without diacritics…")
            self.push_screen(Palette(providers=[CriteriaProvider], placeholder=placeholder))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        words = textual_commands()
        for command in super().get_system_commands(screen):
            title, help_text = words.get(command.title, (command.title, command.help))
            yield command._replace(title=title, help=help_text)
        if isinstance(screen, AssessmentScreen):
            for title, help_text, action in (
                (
                    _("Next unanswered item"),
                    _("Jump to the next item without an answer"),
                    screen.action_next_unanswered,
                ),
                (
                    _("Mark not applicable"),
                    _("Mark or unmark the item N/A"),
                    screen.action_toggle_na,
                ),
                (
                    _("Clear the answer"),
                    _("Remove the item's answer, evidence and note (logged; undo brings it back)"),
                    screen.action_clear_item,
                ),
                (
                    _("Undo"),
                    _("Drop what was typed and not accepted, or undo the item's last change"),
                    screen.action_undo_item,
                ),
                (
                    _("Findings and participants"),
                    _("Record findings, recommendations, participants, place and time"),
                    screen.action_record,
                ),
                (_("Finish"), _("See what is missing; submit, finalize"), screen.action_finish),
            ):
                yield SystemCommand(title, help_text, action)
            for area in screen.engine.cset.areas:
                yield SystemCommand(
                    _("Go to area {code}").format(code=area.code),
                    area.title,
                    partial(screen.show_item, area.first_item()),
                )
        if isinstance(screen, UnitsScreen):
            yield SystemCommand(
                _("New assessment"), _("Start an assessment of a unit"), screen.action_new
            )
        if self.sync_server():
            yield SystemCommand(
                _("Sync"),
                _("Send the changes made here to the server and get its news (F9)"),
                self.action_sync,
            )

    # -- sync (inspect_tool/sync.py) -----------------------------------------------------------
    #
    # F9, and every few minutes while the store has a server: the sync runs in a worker
    # thread (the network never blocks typing), and each of its writes to the store runs on
    # this thread (`call_from_thread`), between two saves of what is typed.

    SYNC_EVERY = 300  # seconds between background syncs

    def sync_server(self) -> str:
        """The server this store syncs with ("" if it never synced, or is not a laptop's)."""
        if self.read_only:
            return ""
        try:
            return str(self.store.sync_state().get("server", ""))
        except (StoreError, AttributeError):
            return ""

    def start_sync(self) -> None:
        self._syncing = False
        self._sync_problem = ""
        if self.sync_server():
            self.set_interval(self.SYNC_EVERY, partial(self.run_sync, quiet=True))

    def action_sync(self) -> None:
        self.run_sync(quiet=False)

    def run_sync(self, *, quiet: bool) -> None:
        from ..sync import token_for

        server = self.sync_server()
        token = token_for(server) if server else None
        if not server or not token:
            if not quiet:
                first = _("Sync once from the command line: {command}").format(
                    command="inspect-tool sync --server URL --user NAME"
                )
                self.notify(first, severity="warning")
            return
        if getattr(self, "_syncing", False):
            if not quiet:
                self.notify(_("A sync is running."))
            return
        self._syncing = True
        self.run_worker(partial(self._sync_work, server, token, quiet), thread=True, group="sync")

    def _sync_work(self, server: str, token: str, quiet: bool) -> None:
        from ..sync import sync

        try:
            report = sync(self.core, self.store, server, token, write=self.call_from_thread)
        except Exception as exc:  # noqa: BLE001 (said in the app, never a traceback)
            self.call_from_thread(self._synced, None, str(exc), quiet)
            return
        self.call_from_thread(self._synced, report, "", quiet)

    def _synced(self, report, problem: str, quiet: bool) -> None:
        self._syncing = False
        self._sync_problem = problem
        if report is None:
            if not quiet:
                self.notify(problem, title=_("Sync"), severity="error", timeout=10)
        else:
            said = _("{sent} sent, {merged} merged, {got} received").format(
                sent=len(report.stored), merged=len(report.merged), got=len(report.pulled)
            )
            for ident, why in report.refused:
                said += "\n" + _("refused: {id}: {why}").format(id=ident[:8], why=why)
            for ident, code in report.conflicts:
                said += "\n" + _("conflict: {id} {where}").format(
                    id=ident[:8], where=labels.conflict_place(code)
                )
            if not quiet or report.conflicts or report.refused or report.pulled:
                warn = report.conflicts or report.refused
                self.notify(said, title=_("Sync"), severity="warning" if warn else "information")
            self._reload_after_sync(set(report.pulled))
        self.show_sync_state()

    def _reload_after_sync(self, pulled: set[str]) -> None:
        screen = self.screen
        if isinstance(screen, UnitsScreen):
            screen.action_reload()
        elif isinstance(screen, AssessmentScreen) and screen.assessment.id in pulled:
            screen.assessment = self.flow.get(screen.assessment.id)
            screen.show_titles()
            screen.refresh_scores()
            screen.show_item(screen.code)

    def sync_state_line(self) -> str:
        from ..sync import status

        if not self.sync_server():
            return ""
        st = status(self.store)
        line = _("Sync: last {when} · {waiting} changes waiting · {conflicts} conflicts").format(
            when=st.last_sync.replace("T", " ")[:16] or _("never"),
            waiting=len(st.waiting),
            conflicts=len(st.conflicts),
        )
        if getattr(self, "_sync_problem", ""):
            line += " · " + _("last try failed: {why}").format(why=self._sync_problem)
        return line

    def show_sync_state(self) -> None:
        """The sync line under the units (only for a store that syncs)."""
        screen = self.screen
        if not isinstance(screen, UnitsScreen) or not screen.is_attached:
            return
        line = self.sync_state_line()
        if not line:
            return
        found = screen.query("#sync-state")
        if found:
            found.first(Static).update(line)
        else:
            screen.mount(Static(line, id="sync-state", markup=False))
