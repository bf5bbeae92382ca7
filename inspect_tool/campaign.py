"""The yearly campaign: its plan as data, and the rules of its dates, as pure functions.

A province runs its reform index as a campaign: a plan says which criteria set scores which
kind of unit, which units take part, and the dates (the self-scoring deadline, the appraisal
period, the explanation window in working days, the publication). Each unit's way through it
is a `Track`: its self-assessment, the appraisal started from it, the day the appraisal was
sent to the unit, the unit's answer on each changed item (accepted or contested), the
council's decision on each contested item, the day its result became final.

Nothing here reads a clock or a store: `today` is always passed in (tests drive a whole
campaign through its dates without waiting), and the holidays are data from the settings.
`campaign_flow` carries the steps out on a store; `campaign_docs` writes the documents.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .i18n import _

#: a campaign's id names its file in the embedded store: a strict slug, never a path
CAMPAIGN_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")

#: a unit's steps, in order (`step` says which one a unit is at)
STEPS: tuple[str, ...] = (
    "not_started",  # no self-assessment yet
    "self_draft",  # the unit is scoring itself
    "submitted",  # the self-assessment is with the Department
    "appraisal",  # the appraisal team is working on it
    "explanation",  # the appraisal was sent; the unit's explanation window is open
    "council",  # the window closed; contested items wait for the council
    "final",  # the council has decided; the result is final
    "published",  # the campaign's results are published
)

ANSWERS = ("accept", "contest")
OUTCOMES = ("keep", "change")

Clock = Callable[[], dt.date]


def vietnam_today() -> dt.date:
    """Today in Vietnam: the default clock (deadlines are Vietnamese days)."""
    from .store.audit import VIETNAM

    return dt.datetime.now(VIETNAM).date()


@dataclass(frozen=True)
class Extension:
    """More time for one unit's self-scoring, granted by the Department."""

    until: str  # ISO date, the new deadline
    reason: str
    by: str  # the person who granted it
    granted: str  # ISO date it was granted


@dataclass(frozen=True)
class Explanation:
    """A unit's answer on one item the appraisal changed (giải trình)."""

    item: str
    answer: str  # one of ANSWERS
    reason: str = ""
    evidence: str = ""
    at: str = ""  # ISO date


@dataclass(frozen=True)
class Decision:
    """The council's decision on a contested item: keep the appraised points, or change them
    back to what the unit scored itself."""

    item: str
    outcome: str  # one of OUTCOMES
    reason: str
    by: str
    at: str = ""


@dataclass(frozen=True)
class Track:
    """One unit's way through the campaign."""

    unit: str
    self_id: str = ""
    appraisal_id: str = ""
    sent: str = ""  # ISO date the appraisal was sent to the unit: the window opens
    final: str = ""  # ISO date its result became final
    extensions: tuple[Extension, ...] = ()
    explanations: Mapping[str, Explanation] = field(default_factory=dict)
    decisions: Mapping[str, Decision] = field(default_factory=dict)
    version: int = 0  # the Department's changes so far (explanations are the unit's)

    @property
    def contested(self) -> list[str]:
        return [code for code, e in self.explanations.items() if e.answer == "contest"]

    @property
    def waiting(self) -> list[str]:
        """Contested items the council has not decided yet."""
        return [code for code in self.contested if code not in self.decisions]


@dataclass(frozen=True)
class Result:
    """A unit's published result, as locked at publication."""

    unit: str
    name: str
    kind: str
    set_key: str
    total: float
    max_points: float
    index: float
    band: str
    rank: int
    of: int
    changed_items: int = 0


@dataclass(frozen=True)
class Campaign:
    """A province's campaign for a year (see the module docstring). Dates are ISO text."""

    id: str
    province: str
    year: int
    title: str = ""
    sets: Mapping[str, str] = field(default_factory=dict)  # kind of unit -> set id
    deadline: str = ""  # self-scoring deadline (the last day a unit may change its own)
    appraisal_from: str = ""
    appraisal_to: str = ""
    explain_days: int = 5  # the explanation window, in working days after it was sent
    publish_on: str = ""  # the publication planned
    place: str = ""  # where the appraisal council sits (printed in its records)
    tracks: Mapping[str, Track] = field(default_factory=dict)  # by unit code
    published: str = ""  # ISO date it was published; "" while it is not
    published_by: str = ""
    results: tuple[Result, ...] = ()
    created: str = ""
    updated: str = ""


# -- dates ----------------------------------------------------------------------------------


def day_of(text: str) -> dt.date | None:
    """A stored ISO date, or None."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def holidays_from(settings: Mapping) -> frozenset[dt.date]:
    """The public holidays listed in the settings (`calendar.holidays`), as dates; entries
    that are not dates are left out (the settings loader names them)."""
    days = (settings.get("calendar") or {}).get("holidays") or ()
    return frozenset(d for d in (day_of(str(x)) for x in days) if d is not None)


def working_day(day: dt.date, holidays: Iterable[dt.date] = ()) -> bool:
    """Monday to Friday and not a public holiday (Vietnamese offices close on weekends)."""
    return day.weekday() < 5 and day not in set(holidays)


def add_working_days(start: dt.date, n: int, holidays: frozenset[dt.date]) -> dt.date:
    """The n-th working day after `start` (start itself not counted)."""
    day, left = start, max(0, n)
    for _step in range(n * 7 + 400):  # bounded: holidays never fill a year
        if left == 0:
            break
        day += dt.timedelta(days=1)
        if working_day(day, holidays):
            left -= 1
    return day


def working_days_between(start: dt.date, end: dt.date, holidays: frozenset[dt.date]) -> int:
    """Working days after `start` up to and including `end` (negative when end is before)."""
    if end < start:
        return -working_days_between(end, start, holidays)
    span = (end - start).days
    return sum(1 for k in range(1, span + 1) if working_day(start + dt.timedelta(days=k), holidays))


# -- rules ----------------------------------------------------------------------------------


def deadline_of(campaign: Campaign, track: Track | None) -> dt.date | None:
    """The unit's self-scoring deadline: the campaign's, or its latest extension."""
    days = [day_of(campaign.deadline)]
    if track is not None:
        days += [day_of(e.until) for e in track.extensions]
    known = [d for d in days if d is not None]
    return max(known) if known else None


def may_change_self(campaign: Campaign, track: Track | None, today: dt.date) -> bool:
    """Whether the unit may still change its self-assessment: until its deadline (that day
    included), and never once the campaign is published."""
    if campaign.published:
        return False
    deadline = deadline_of(campaign, track)
    return deadline is None or today <= deadline


def appraisal_opens(campaign: Campaign, track: Track | None) -> tuple[str, dt.date] | None:
    """The first day the unit's appraisal may start, and the plan's date that sets it:
    ("appraisal_from", its day) when the plan dates the appraisal period (a unit that
    submitted may then be appraised from that day, its deadline not yet past: the plan
    allowed it); else ("deadline", the day after the unit's deadline, its extension
    included), as provinces appraise after the deadline. None when the plan has neither."""
    start = day_of(campaign.appraisal_from)
    if start is not None:
        return ("appraisal_from", start)
    deadline = deadline_of(campaign, track)
    return ("deadline", deadline + dt.timedelta(days=1)) if deadline else None


def window_close(campaign: Campaign, track: Track, holidays: frozenset[dt.date]) -> dt.date | None:
    """The last day of the unit's explanation window (None until the appraisal is sent)."""
    sent = day_of(track.sent)
    return add_working_days(sent, campaign.explain_days, holidays) if sent else None


def window_open(
    campaign: Campaign, track: Track, today: dt.date, holidays: frozenset[dt.date]
) -> bool:
    close = window_close(campaign, track, holidays)
    return close is not None and today <= close and not track.final


def step(
    campaign: Campaign,
    track: Track,
    self_state: str,
    today: dt.date,
    holidays: frozenset[dt.date],
) -> str:
    """Where the unit stands (one of STEPS); `self_state` is its self-assessment's state,
    "" when it has none."""
    if campaign.published:
        return "published"
    if track.final:
        return "final"
    if track.sent:
        return "explanation" if window_open(campaign, track, today, holidays) else "council"
    if track.appraisal_id:
        return "appraisal"
    if self_state in ("submitted", "finalized"):
        return "submitted"
    return "self_draft" if self_state else "not_started"


def days_left(
    campaign: Campaign,
    track: Track,
    current: str,
    today: dt.date,
    holidays: frozenset[dt.date],
) -> tuple[str, int] | None:
    """What the unit's clock says at its step: ("deadline", calendar days left, negative
    when late) while it scores itself; ("window", working days left) in its explanation
    window; None where no date runs."""
    if current in ("not_started", "self_draft"):
        deadline = deadline_of(campaign, track)
        return ("deadline", (deadline - today).days) if deadline else None
    if current == "explanation":
        close = window_close(campaign, track, holidays)
        return ("window", working_days_between(today, close, holidays)) if close else None
    return None


def counts(steps: Iterable[str]) -> dict[str, int]:
    """How many units are at each step, every step named (0 included), in order."""
    found = list(steps)
    return {s: found.count(s) for s in STEPS}


def step_label(value: str) -> str:
    return {
        "not_started": _("not started"),
        "self_draft": _("self-scoring"),
        "submitted": _("submitted"),
        "appraisal": _("in appraisal"),
        "explanation": _("explanation window"),
        "council": _("council"),
        "final": _("final"),
        "published": _("published"),
    }.get(value, value)


def campaign_json(c: Campaign) -> dict[str, Any]:
    """The campaign as JSON (`campaign show --json`, the server's GET /campaigns)."""
    data = dataclasses.asdict(c)
    data["tracks"] = {code: dataclasses.asdict(t) for code, t in c.tracks.items()}
    return data
