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


def canonical(value: Any) -> bytes:
    """The one byte form of JSON data that every store hashes: sorted keys, no spaces, UTF-8.
    Computed here in Python for every store, never by a database's own JSON."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def content_hash(header: Mapping[str, Any], items: Iterable[Mapping[str, Any]]) -> str:
    """The hash of an assessment's content: its codec documents (the header and the items,
    by code), as canonical JSON. Each audit entry records it as it was after the change."""
    ordered = sorted((dict(i) for i in items), key=lambda d: str(d.get("code", "")))
    return hashlib.sha256(canonical({"header": dict(header), "items": ordered})).hexdigest()


def chain(
    previous: Mapping[str, Any] | None,
    who: str,
    what: str,
    old: Any,
    new: Any,
    content: str | None = None,
) -> dict:
    """The next entry after `previous` (None for the first); `content` is the content hash
    of the assessment after the change (logs of units have none)."""
    entry = {
        "seq": (previous["seq"] + 1) if previous else 1,
        "who": who,
        "when": _stamp(previous),
        "what": what,
        "old": old,
        "new": new,
        "prev": previous["hash"] if previous else "",
    }
    if content is not None:
        entry["content"] = content
    entry["hash"] = _digest(entry)
    return entry


def _stamp(previous: Mapping[str, Any] | None) -> str:
    """Now, but never before the entry this one follows: a laptop whose clock is behind the
    server's (or a server behind a laptop's) would otherwise write a log that `verify` calls
    out of order, and that the other side refuses. The entry then takes the time of the one
    before it: the order of the chain is the truth, and the time is as close as it can be."""
    now = now_iso()
    before = _moment(previous) if previous is not None else None
    if before is not None and datetime.fromisoformat(now) < before:
        return str(previous["when"])
    return now


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


def _moment(entry: Mapping[str, Any]) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(entry.get("when", "")))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=VIETNAM)


def verify(log: str, entries: Iterable[Mapping[str, Any]]) -> Break | None:
    """Check one log; return its first broken entry, or None when the chain holds: every
    entry in its place, following the one before, unchanged, and not earlier than it."""
    previous: Mapping[str, Any] | None = None
    before: datetime | None = None
    for position, entry in enumerate(entries, start=1):
        if not isinstance(entry, Mapping):
            return Break(log, position, _("not an audit entry"))
        seq = entry.get("seq", position)
        if seq != position:
            return Break(
                log, position, _("entry missing or out of order (found {seq})").format(seq=seq)
            )
        if entry.get("prev", "") != (previous["hash"] if previous else ""):
            return Break(log, seq, _("does not follow the entry before it (deleted or moved?)"))
        if entry.get("hash") != _digest(entry):
            return Break(log, seq, _("content changed after it was written"))
        when = _moment(entry)
        if when is None:
            return Break(log, seq, _("its time is not a date and time"))
        if before is not None and when < before:
            return Break(
                log,
                seq,
                _(
                    "written at {when}, before the entry it follows ({before}): out of time order"
                ).format(when=entry.get("when"), before=previous.get("when") if previous else ""),
            )
        previous, before = entry, when
    return None


def continues(previous: Mapping[str, Any] | None, entries: Iterable[Any]) -> str | None:
    """Whether `entries` carry on a chain whose last entry is `previous` (None: from the
    start), each unchanged and in time order, as `verify` checks a whole log; the first
    problem in words, or None. How a pushed piece of a chain (sync) is checked."""
    seq = int(previous["seq"]) if previous else 0
    before = _moment(previous) if previous else None
    prev_hash = previous["hash"] if previous else ""
    for entry in entries:
        seq += 1
        if not isinstance(entry, Mapping):
            return _("entry {seq}: not an audit entry").format(seq=seq)
        if entry.get("seq") != seq:
            return _("entry {seq}: missing or out of order (found {found})").format(
                seq=seq, found=entry.get("seq")
            )
        if entry.get("prev") != prev_hash:
            return _("entry {seq}: does not follow the entry before it").format(seq=seq)
        if entry.get("hash") != _digest(entry):
            return _("entry {seq}: content changed after it was written").format(seq=seq)
        when = _moment(entry)
        if when is None or (before is not None and when < before):
            return _("entry {seq}: its time is not after the entry before it").format(seq=seq)
        prev_hash, before = entry["hash"], when
    return None


def head(entries: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The chain head (the last entry's seq, hash and content hash), None for an empty log:
    what a finalized assessment's minutes carry, so signed minutes anchor the trail."""
    if not entries:
        return None
    last = entries[-1]
    return {"seq": last.get("seq"), "hash": last.get("hash"), "content": last.get("content")}


def check_content(log: str, entries: list[Mapping[str, Any]], current: str) -> str | None:
    """Whether the data kept now is the data the last entry recorded (`current` is its
    content hash); a problem in words, or None. A log whose last entries were written before
    entries recorded the content is not a problem: `unchecked` says so."""
    if not entries:
        return _("{log}: no audit entry: the data cannot be checked").format(log=log)
    recorded = entries[-1].get("content")
    if recorded is None:
        return None
    if recorded != current:
        return _(
            "{log}: the data kept is not the data of the last audit entry ({seq}): it was "
            "changed outside inspect-tool, or entries were removed"
        ).format(log=log, seq=entries[-1].get("seq"))
    return None


def unchecked(entries: list[Mapping[str, Any]]) -> int | None:
    """The seq of the last entry written without a content hash (an older inspect-tool),
    when the last entry has none: the data of such a log cannot be checked; else None."""
    if entries and entries[-1].get("content") is None:
        return entries[-1].get("seq")
    return None


def assessment_hash(assessment: Any) -> str:
    """The content hash of an Assessment, through the codec (the same in every store)."""
    from .codec import header_to_doc, item_to_doc

    items = [item_to_doc(i) for i in assessment.items.values()]
    return content_hash(header_to_doc(assessment), items)
