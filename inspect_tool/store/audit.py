"""The audit trail: who changed what, when, from what to what, in a hash chain.

Each entry carries the hash of the one before it and its own hash over its content, so editing
or deleting an entry inside a log breaks the chain at that entry. Pure functions only: the
store decides where entries live (beside the data they describe, in the same atomic write).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..i18n import _

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def now_iso() -> str:
    """The time in Vietnam, ISO 8601 with its offset, as documents of record write it."""
    return datetime.now(VIETNAM).isoformat(timespec="seconds")


def _digest(entry: Mapping[str, Any]) -> str:
    body = {k: v for k, v in entry.items() if k != "hash"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chain(previous: Mapping[str, Any] | None, who: str, what: str, old: Any, new: Any) -> dict:
    """The next entry after `previous` (None for the first)."""
    entry = {
        "seq": (previous["seq"] + 1) if previous else 1,
        "who": who,
        "when": now_iso(),
        "what": what,
        "old": old,
        "new": new,
        "prev": previous["hash"] if previous else "",
    }
    entry["hash"] = _digest(entry)
    return entry


@dataclass(frozen=True)
class Break:
    """The first entry of a log that does not fit the chain, and why."""

    log: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return _("{log}: entry {seq}: {reason}").format(
            log=self.log, seq=self.seq, reason=self.reason
        )


def verify(log: str, entries: Iterable[Mapping[str, Any]]) -> Break | None:
    """Check one log; return its first broken entry, or None when the chain holds."""
    previous: Mapping[str, Any] | None = None
    for position, entry in enumerate(entries, start=1):
        seq = entry.get("seq", position)
        if seq != position:
            return Break(
                log, position, _("entry missing or out of order (found {seq})").format(seq=seq)
            )
        if entry.get("prev", "") != (previous["hash"] if previous else ""):
            return Break(log, seq, _("does not follow the entry before it (deleted or moved?)"))
        if entry.get("hash") != _digest(entry):
            return Break(log, seq, _("content changed after it was written"))
        previous = entry
    return None
