"""Dates, times and numbers as Vietnamese administrative documents write them.

Every document the tool writes (minutes, reports, the signature stamp) formats through these,
so a document never shows an ISO date, a decimal point, a hyphen for a minus or a `-0`.
Prose dates are "ngày 20 tháng 11 năm 2025"; tables use "20/11/2025"; times "08 giờ 30".
"""

from __future__ import annotations

import datetime as dt
import math

MINUS = "\u2212"  # the real minus sign, not a hyphen


def date_prose(day: dt.date | None) -> str:
    """'ngày 05 tháng 03 năm 2025' (Decree 30 pads day and month below 10 with a zero);
    dotted placeholders when the date is not known yet (drafts)."""
    if day is None:
        return "ngày …… tháng …… năm ……"
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def date_short(day: dt.date | None) -> str:
    """'05/03/2025', the form of tables and of dates inside a line."""
    return f"{day:%d/%m/%Y}" if day else "……/……/……"


def time_of_day(moment: dt.datetime | dt.time | None) -> str:
    """'08 giờ 30'."""
    return f"{moment.hour:02d} giờ {moment.minute:02d}" if moment else "…… giờ ……"


def parse_date(text: str | None) -> dt.date | None:
    """An ISO date or date-time as the store keeps it; None when empty or not a date."""
    moment = parse_moment(text)
    return moment.date() if moment else None


def parse_moment(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None


def date_text(text: str | None) -> str:
    """A stored ISO date shown as 05/03/2025; anything else as it was typed."""
    day = parse_date(text)
    return date_short(day) if day else (text or "")


def number(value: float | None, decimals: int | None = None) -> str:
    """81,8 or, with `decimals`, 81,80; a real minus sign; never -0; thousands with a dot
    (1.234,5), as Vietnamese writes them. None is an empty string."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    value = round(float(value), decimals if decimals is not None else 2)
    if value == 0:
        value = 0.0  # -0.0 → 0
    if decimals is None:
        text = f"{abs(value):,.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{abs(value):,.{decimals}f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return (MINUS if value < 0 else "") + text


def points(value: float | None) -> str:
    """Points as a document writes them: up to two decimals, decimal comma (7,5; 2; 0,25)."""
    return number(value)


def percent(value: float | None) -> str:
    """'99,91 %'."""
    text = number(value, 2)
    return f"{text} %" if text else ""
