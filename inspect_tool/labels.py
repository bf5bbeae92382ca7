"""Words for the codes the model uses (kinds, states, levels, sides), in the user's language;
shared by the command line and the app."""

from __future__ import annotations

from typing import Any

from . import display
from .i18n import _


def kind(value: str) -> str:
    return {
        "self": _("self-assessment"),
        "appraisal": _("appraisal"),
        "inspection": _("inspection"),
    }.get(value, value)


def state(value: str) -> str:
    return {"draft": _("draft"), "submitted": _("submitted"), "finalized": _("finalized")}.get(
        value, value
    )


def level(value: str) -> str:
    return {
        "commune": _("commune"),
        "ward": _("ward"),
        "special_zone": _("special zone"),
        "department": _("department"),
        "province": _("province"),
    }.get(value, value)


def side(value: str) -> str:
    return {"team": _("inspection team"), "unit": _("inspected unit")}.get(value, value)


def header_field(name: str) -> str:
    return {
        "place": _("the place"),
        "started": _("the start time"),
        "ended": _("the end time"),
        "findings": _("the findings"),
        "recommendations": _("the recommendations"),
        "participants": _("the participants"),
        "unit_opinion": _("the unit's opinion"),
    }.get(name, name)


def conflict_place(code: str) -> str:
    """Where a sync conflict is: an item by its code, or a header field by its name."""
    from .model import HEADER_FIELDS

    return header_field(code) if code in HEADER_FIELDS else _("item {code}").format(code=code)


def conflict_value(code: str, value: Any) -> str:
    """One side of a sync conflict in a few words: an item's figures (or N/A, or nothing), a
    header field's text, or its records (findings, recommendations, participants) one by
    one."""
    from .model import HEADER_FIELDS

    if code in HEADER_FIELDS:
        if isinstance(value, list):
            parts = [" — ".join(str(v) for v in r.values() if v) for r in value if r]
            return "; ".join(parts) or _("nothing")
        return str(value) if value else _("nothing")
    if not value:
        return _("nothing")
    if value.get("na"):
        return _("N/A")
    return ", ".join(f"{k}={v}" for k, v in (value.get("inputs") or {}).items()) or _("no figures")


def totals(scores: Any) -> str:
    """Total, maximum, index and band in one line, as the app and the command line show them."""
    return _("Total: {total} / {max}   Index: {index}%   Band: {band}").format(
        total=display.fixed(scores.total),
        max=display.points(scores.max_points),
        index=display.fixed(scores.index),
        band=scores.band_label or "—",
    )
