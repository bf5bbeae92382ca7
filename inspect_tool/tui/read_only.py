"""A second window on a store another one is writing to: it reads, and refuses every change
with the reason (who holds the writing lock) instead of failing deep in the store."""

from __future__ import annotations

from typing import Any

from ..i18n import _
from ..model import Assessment
from ..workflow import Workflow, WorkflowError

WRITES = ("save", "put_units", "pin_set", "delete", "keep_file", "save_campaign")


def read_only_reason(holder: str) -> str:
    return _(
        "Read only: the store is open for writing in another window ({holder}). Close that "
        "window and open this one again to make changes."
    ).format(holder=holder or _("unknown"))


class ReadOnlyStore:
    """The store opened with `write=False`, its writes refused as a workflow refusal, which
    every screen already shows in words."""

    def __init__(self, store: Any, reason: str):
        self._store = store
        self.reason = reason

    def __getattr__(self, name: str) -> Any:
        if name in WRITES:
            raise WorkflowError(self.reason)
        return getattr(self._store, name)


class ReadOnlyWorkflow(Workflow):
    """Nothing editable and no step possible: the screens disable their fields and buttons."""

    def __init__(self, core: Any, store: Any, reason: str):
        super().__init__(core, ReadOnlyStore(store, reason))
        self.reason = reason

    def editable(self, assessment: Assessment) -> bool:  # type: ignore[override]
        return False

    def can(self, assessment: Assessment, move: str) -> bool:  # type: ignore[override]
        return False
