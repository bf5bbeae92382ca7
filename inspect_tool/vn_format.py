"""Dates, times and numbers as Vietnamese administrative documents write them.

Every document the tool writes (minutes, reports, the signature stamp) formats through these,
so a document never shows an ISO date, a decimal point, a hyphen for a minus or a `-0`.
Prose dates are "ngày 20 tháng 11 năm 2025"; tables use "20/11/2025"; times "08 giờ 30".
"""

from __future__ import annotations

import datetime as dt
import math
import re
import string
from typing import Any

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
    """81,8 or, with `decimals`, 81,80; a real minus sign; never -0; thousands with a dot from
    five digits on (12.345,5; 2025 stays 2025, as a year or a count of four digits is written).
    None is an empty string."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    value = round(float(value), decimals if decimals is not None else 2)
    if value == 0:
        value = 0.0  # -0.0 → 0
    group = "," if abs(value) >= 10_000 else ""
    if decimals is None:
        text = f"{abs(value):{group}.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{abs(value):{group}.{decimals}f}"
    text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return (MINUS if value < 0 else "") + text


def points(value: float | None) -> str:
    """Points as a document writes them: up to two decimals, decimal comma (7,5; 2; 0,25)."""
    return number(value)


def percent(value: float | None) -> str:
    """'99,91 %'."""
    text = number(value, 2)
    return f"{text} %" if text else ""


# Words that name the kind of an administrative unit at the start of its name. In running
# text Decree 30 writes them in lower case ("tại phường Đông Sơn"); in a heading, in capitals.
UNIT_KIND_WORDS = ("Đặc khu", "Thị trấn", "Thị xã", "Thành phố", "Phường", "Xã", "Quận", "Huyện")


def _split_unit(name: str) -> tuple[str, str]:
    for word in UNIT_KIND_WORDS:
        words = word.count(" ") + 1
        parts = name.split(" ", words)
        if len(parts) > words and " ".join(parts[:words]).casefold() == word.casefold():
            return " ".join(parts[:words]), parts[words]
    return "", name


def unit_in_text(name: str) -> str:
    """'Phường Đông Sơn' → 'phường Đông Sơn', as running text writes a unit's name."""
    kind, rest = _split_unit(name)
    return f"{kind.lower()} {rest}" if kind else name


def unit_short(name: str) -> str:
    """'Phường Đông Sơn' → 'Đông Sơn', the place name of the unit's own documents."""
    return _split_unit(name)[1]


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class DocumentFormatter(string.Formatter):
    """Fills an explanation's template for a document: points with a decimal comma, dates as
    20/11/2025, whatever the template's arguments were computed as."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, bool):
            return super().format_field(value, format_spec)
        if isinstance(value, int) and not format_spec:
            return number(value)
        if isinstance(value, float):
            decimals = None
            if format_spec.startswith(".") and format_spec.endswith("f"):
                decimals = int(format_spec[1:-1] or 0)
            return number(value, decimals)
        if isinstance(value, dt.date):
            return date_short(value)
        if isinstance(value, str) and ISO_DATE.fullmatch(value):
            return date_text(value)
        return super().format_field(value, format_spec)


DOCUMENT_FORMATTER = DocumentFormatter()
