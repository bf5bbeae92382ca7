"""What a role may do, as the server checks it for every request.

The roles and their actions are data of the store (migrations/0005_roles_progress.sql: the
`roles` table); here are only the words that say, in a refusal, what was refused. An action
is `progress`, `ranking`, `accounts`, `campaign.explain` and `recommendation.report`
(migrations/0009), or `KIND.STEP` for a kind of assessment (self, appraisal, inspection) and a
workflow step (create, answer, submit, finalize).
"""

from __future__ import annotations

from ..i18n import _
from .accounts import Account

STEPS = ("create", "answer", "submit", "finalize")


def describe(action: str) -> str:
    """The action in words, for the refusal's message."""
    words = {
        "progress": _("read the progress board"),
        "ranking": _("read the ranking"),
        "accounts": _("manage the accounts"),
        "self.create": _("start a self-assessment"),
        "self.answer": _("answer a self-assessment"),
        "self.submit": _("submit a self-assessment"),
        "self.finalize": _("finalize a self-assessment"),
        "appraisal.create": _("start an appraisal"),
        "appraisal.answer": _("answer an appraisal"),
        "appraisal.submit": _("submit an appraisal"),
        "appraisal.finalize": _("finalize an appraisal"),
        "inspection.create": _("start an inspection"),
        "inspection.answer": _("answer an inspection"),
        "inspection.submit": _("submit an inspection"),
        "inspection.finalize": _("finalize an inspection"),
        "campaign.explain": _("accept or contest the appraisal in the explanation round"),
        "recommendation.report": _("report what was done about a recommendation"),
    }
    return words.get(action, action)


def refusal(account: Account, action: str) -> str | None:
    """Why the account may not do `action` (None when it may)."""
    if account.may(action):
        return None
    return _("the role {role} of account {name} may not {action}").format(
        role=account.role or account.kind, name=account.name, action=describe(action)
    )


def any_step(account: Account, step: str) -> bool:
    """Whether the account may take `step` on some kind of assessment (checked before the
    assessment is read, so that a refusal does not depend on what exists)."""
    return any(action.endswith(f".{step}") for action in account.actions)
