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


def totals(scores: Any) -> str:
    """Total, maximum, index and band in one line, as the app and the command line show them."""
    return _("Total: {total} / {max}   Index: {index}%   Band: {band}").format(
        total=display.fixed(scores.total),
        max=display.points(scores.max_points),
        index=display.fixed(scores.index),
        band=scores.band_label or "—",
    )
