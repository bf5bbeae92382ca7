"""The campaign's steps carried out on a store: plan, self-scoring, appraisal, explanation,
council, final, publication, and moving back; every step checked, then audited.

The rules themselves are in `campaign` (pure); the assessments' own life is the workflow's,
which this drives (a self-assessment is a `self` assessment, the appraisal an `appraisal`
started from it). The clock is injected: `CampaignFlow(flow, clock=lambda: date(…))`; the
workflow's edit lock then reads the same clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import campaign as rules
from . import labels
from .campaign import (
    ANSWERS,
    CAMPAIGN_ID,
    OUTCOMES,
    Campaign,
    Clock,
    Decision,
    Explanation,
    Extension,
    Result,
    Track,
)
from .i18n import _
from .inputs import InputError, parse_date
from .model import LEVELS, Assessment
from .recommendations import FollowUps, status
from .scoring import rank
from .store import Change, Summary
from .store.audit import now_iso
from .text_rules import NAME, PLACE, TEXT, TextError, clean
from .vn_format import date_short
from .workflow import DuplicateError, Workflow, WorkflowError

#: the fields `set` may change, and those `new` takes besides
DATE_FIELDS = ("deadline", "appraisal_from", "appraisal_to", "publish_on")
TEXT_FIELDS = ("title", "province", "place")
# dates that may not come before another (an appraisal period may begin before the deadline:
# a unit that submitted early can then be appraised early, see `campaign.appraisal_opens`)
DATE_ORDER = (
    ("appraisal_from", "appraisal_to"),
    ("deadline", "appraisal_to"),
    ("deadline", "publish_on"),
    ("appraisal_to", "publish_on"),
)
MAX_EXPLAIN_DAYS = 30


def date_label(name: str) -> str:
    """A date of the plan, in words."""
    return {
        "deadline": _("the self-scoring deadline"),
        "appraisal_from": _("the appraisal's first day"),
        "appraisal_to": _("the appraisal's last day"),
        "publish_on": _("the publication"),
    }.get(name, name)


class CampaignError(WorkflowError):
    """A campaign step refused, with the reason; nothing was changed."""


@dataclass(frozen=True)
class BoardRow:
    """One unit on the campaign board."""

    unit: str
    name: str
    step: str
    deadline: str  # the unit's self-scoring deadline (its extension's, if granted)
    clock: str  # "deadline" or "window": what `days` counts; "" when no date runs
    days: int | None  # days left (negative: late); working days in the window
    window_close: str
    changed: int  # items the appraisal changed
    contested: int
    waiting: int  # contested items the council has not decided
    overdue: int  # the unit's recommendations (of any year) overdue on the board's day
    index: float | None  # the appraisal's index, else the self-assessment's
    self_id: str
    appraisal_id: str


def days_text(row: BoardRow) -> str:
    """A board row's clock in words: days left or late, or working days left in the window."""
    if row.days is None:
        return ""
    if row.clock == "window":
        return _("{n} working days left").format(n=row.days)
    if row.days < 0:
        return _("{n} days late").format(n=-row.days)
    return _("{n} days left").format(n=row.days)


def _text(value: str, limit: int, what: str, *, required: bool = False) -> str:
    try:
        text = clean(value or "", limit, what).strip()
    except TextError as exc:
        raise CampaignError(str(exc)) from None
    if required and not text:
        raise CampaignError(_("write {what}").format(what=what))
    return text


def _date(value: Any, what: str) -> str:
    """A date as people type it (31/3/2026 or 2026-03-31), kept as ISO."""
    if value in (None, ""):
        return ""
    try:
        return parse_date(value).isoformat()
    except InputError as exc:
        raise CampaignError(f"{what}: {exc}") from None


class CampaignFlow:
    def __init__(
        self,
        flow: Workflow,
        clock: Clock | None = None,
        holidays: frozenset[dt.date] | None = None,
    ):
        self.flow = flow
        self.store = flow.store
        self.clock: Clock = clock or rules.vietnam_today
        flow.today = self.clock  # the workflow's edit lock reads the same clock
        if holidays is None:
            from .settings import load_settings

            holidays = rules.holidays_from(load_settings())
        self.holidays = holidays

    # -- reading -----------------------------------------------------------------------------

    def get(self, ref: str) -> Campaign:
        """A campaign by id, or by a unique prefix of it."""
        if ref and CAMPAIGN_ID.fullmatch(ref):
            try:
                return self.store.campaign(ref)
            except KeyError:
                pass
        matches = [i for i in self.store.campaign_ids() if ref and i.startswith(ref)]
        if len(matches) != 1:
            raise CampaignError(_("no campaign '{ref}'").format(ref=ref))
        return self.store.campaign(matches[0])

    def campaigns(self) -> list[Campaign]:
        return [self.store.campaign(i) for i in self.store.campaign_ids()]

    def track(self, campaign: Campaign, unit: str) -> Track:
        track = campaign.tracks.get(unit)
        if track is None:
            raise CampaignError(
                _("unit {unit} does not take part in campaign {campaign}").format(
                    unit=unit, campaign=campaign.id
                )
            )
        return track

    def set_for(self, campaign: Campaign, unit: str) -> str:
        found = self.store.unit(unit)
        kind = found.kind if found else ""
        if kind not in campaign.sets:
            raise CampaignError(
                _("campaign {campaign} has no criteria set for a {kind}").format(
                    campaign=campaign.id, kind=kind or "?"
                )
            )
        return campaign.sets[kind]

    def self_of(self, campaign: Campaign, track: Track) -> Assessment | None:
        """The unit's self-assessment in the campaign: the one linked, else the latest on
        the campaign's set for its kind and year (made with `assess new`)."""
        if track.self_id:
            try:
                return self.store.assessment(track.self_id)
            except KeyError:
                return None
        set_ids = set(campaign.sets.values())
        found = [
            s
            for s in self.flow.summaries()
            if s.unit == track.unit
            and s.kind == "self"
            and s.year == campaign.year
            and s.set_id in set_ids
        ]
        if not found:
            return None
        return self.store.assessment(max(found, key=lambda s: s.updated).id)

    def appraisal_of(self, track: Track) -> Assessment | None:
        if not track.appraisal_id:
            return None
        try:
            return self.store.assessment(track.appraisal_id)
        except KeyError:
            return None

    def changes(self, track: Track) -> list[dict[str, Any]]:
        """The items the unit's appraisal changed (and those the council gave back), each with
        the points before and after, the Department's reason, the unit's answer and the
        council's decision: what the unit reads in its explanation round."""
        rows = []
        for code, before, after, reason in self.changed_items(track):
            e, d = track.explanations.get(code), track.decisions.get(code)
            rows.append(
                {
                    "item": code,
                    "self": before,
                    "appraisal": after,
                    "reason": reason,
                    "answer": e.answer if e else "",
                    "explanation": e.reason if e else "",
                    "decision": d.outcome if d else "",
                }
            )
        for code, d in track.decisions.items():  # changed back by the council: listed too
            if not any(r["item"] == code for r in rows):
                e = track.explanations.get(code)
                rows.append(
                    {
                        "item": code,
                        "self": None,
                        "appraisal": None,
                        "reason": d.reason,
                        "answer": e.answer if e else "",
                        "explanation": e.reason if e else "",
                        "decision": d.outcome,
                    }
                )
        return rows

    def step(self, campaign: Campaign, track: Track) -> str:
        own = self.self_of(campaign, track)
        return rules.step(campaign, track, own.state if own else "", self.clock(), self.holidays)

    def changed_items(self, track: Track) -> list[tuple[str, float, float, str]]:
        """(item, self-scored points, appraised points, the Department's reason) of every
        item the unit's appraisal changed."""
        appraisal = self.appraisal_of(track)
        return self.flow.changes_from_base(appraisal) if appraisal else []

    # -- writing -----------------------------------------------------------------------------

    def _save(self, campaign: Campaign, changes: list[Change], unit: str = "") -> Campaign:
        campaign = dataclasses.replace(campaign, updated=now_iso())
        self.store.save_campaign(campaign, changes, unit=unit)
        return campaign

    def _with_track(self, campaign: Campaign, track: Track, *, bump: bool = True) -> Campaign:
        """The campaign with the unit's track replaced; its version counts the Department's
        changes (a central store refuses a change made on an older copy). A unit's own
        explanations are kept apart and do not count."""
        if bump:
            track = dataclasses.replace(track, version=track.version + 1)
        return dataclasses.replace(campaign, tracks={**campaign.tracks, track.unit: track})

    def _not_published(self, campaign: Campaign) -> None:
        if campaign.published:
            raise CampaignError(
                _(
                    "campaign {campaign} was published on {day}: nothing changes until it is "
                    "reopened (with a reason and a name)"
                ).format(campaign=campaign.id, day=campaign.published)
            )

    # -- the plan ----------------------------------------------------------------------------

    def new(
        self,
        campaign_id: str,
        province: str,
        year: int,
        sets: Mapping[str, str],
        units: list[str] | None = None,
        **fields: Any,
    ) -> Campaign:
        """A campaign: its sets by kind of unit, its units (every unit of those kinds when
        none are named), its dates."""
        if not isinstance(campaign_id, str) or not CAMPAIGN_ID.fullmatch(campaign_id):
            raise CampaignError(
                _(
                    "'{id}': a campaign id is 1 to 63 lower-case letters, digits or -, "
                    "starting with a letter or digit"
                ).format(id=campaign_id)
            )
        if campaign_id in self.store.campaign_ids():
            raise CampaignError(_("campaign {id} exists already").format(id=campaign_id))
        if not 2000 <= int(year) <= 2100:
            raise CampaignError(_("{year} is not a campaign year").format(year=year))
        chosen = self._sets(dict(sets), int(year))
        tracks = {code: Track(code) for code in self._units(units, chosen)}
        stamp = now_iso()
        campaign = Campaign(
            id=campaign_id,
            province=_text(province, NAME, _("the province"), required=True),
            year=int(year),
            sets=chosen,
            tracks=tracks,
            created=stamp,
            updated=stamp,
        )
        campaign = self._checked(campaign, fields)
        created = {
            "province": campaign.province,
            "year": campaign.year,
            "sets": dict(campaign.sets),
            "units": sorted(tracks),
            **{f: getattr(campaign, f) for f in (*DATE_FIELDS, *TEXT_FIELDS, "explain_days")},
        }
        return self._save(campaign, [Change("campaign created", None, created)])

    def _sets(self, sets: dict[str, str], year: int) -> dict[str, str]:
        if not sets:
            raise CampaignError(_("name the criteria set of each kind of unit (KIND=SET)"))
        chosen = {}
        for kind, ref in sets.items():
            if kind not in LEVELS:
                raise CampaignError(
                    _("'{kind}' is not a kind of unit ({kinds})").format(
                        kind=kind, kinds=", ".join(LEVELS)
                    )
                )
            cset = self.flow.core.criteria_set(ref)
            if cset.year != year or kind not in cset.levels:
                raise CampaignError(
                    _("criteria set {set} does not score a {kind} for {year}").format(
                        set=cset.key, kind=kind, year=year
                    )
                )
            chosen[kind] = cset.id
        return chosen

    def _units(self, units: list[str] | None, sets: dict[str, str]) -> list[str]:
        known = {u.code: u for u in self.store.units()}
        if not units:
            codes = [c for c, u in known.items() if u.kind in sets and not u.valid_to]
        else:
            codes = list(dict.fromkeys(units))
        problems = []
        for code in codes:
            unit = known.get(code)
            if unit is None:
                problems.append(_("no unit '{code}': import the units first").format(code=code))
            elif unit.kind not in sets:
                problems.append(
                    _("unit {unit} is a {kind}: the campaign has no set for it").format(
                        unit=code, kind=unit.kind
                    )
                )
        if problems:
            raise CampaignError("\n".join(problems))
        if not codes:
            raise CampaignError(_("no unit takes part: import the units first"))
        return sorted(codes)

    def _checked(self, campaign: Campaign, fields: Mapping[str, Any]) -> Campaign:
        """The campaign with `fields` applied, each checked, and its dates in order."""
        values: dict[str, Any] = {}
        for name, value in fields.items():
            if value is None:
                continue
            if name in DATE_FIELDS:
                values[name] = _date(value, date_label(name))
            elif name in TEXT_FIELDS:
                limit = PLACE if name == "place" else NAME
                values[name] = _text(value, limit, name, required=name == "province")
            elif name == "explain_days":
                try:
                    days = int(value)
                except (TypeError, ValueError):
                    days = -1
                if not 1 <= days <= MAX_EXPLAIN_DAYS:
                    raise CampaignError(
                        _("the explanation window is 1 to {most} working days").format(
                            most=MAX_EXPLAIN_DAYS
                        )
                    )
                values[name] = days
            else:
                raise CampaignError(_("cannot set '{name}'").format(name=name))
        after = dataclasses.replace(campaign, **values)
        for first, second in DATE_ORDER:
            a, b = rules.day_of(getattr(after, first)), rules.day_of(getattr(after, second))
            if a is not None and b is not None and b < a:
                raise CampaignError(
                    _("{second} ({b}) comes before {first} ({a})").format(
                        first=date_label(first),
                        second=date_label(second),
                        a=a.isoformat(),
                        b=b.isoformat(),
                    )
                )
        return after

    def update(
        self,
        ref: str,
        *,
        sets: Mapping[str, str] | None = None,
        add_units: list[str] | None = None,
        remove_units: list[str] | None = None,
        **fields: Any,
    ) -> Campaign:
        """`campaign set`: change dates, title, place, province or the window's length; the
        set of a kind of unit, and the units taking part (`_sets_changed`, `_units_changed`).
        Refused as a whole when any part is; logged as the campaign's other changes."""
        campaign = self.get(ref)
        self._not_published(campaign)
        after = self._checked(campaign, fields)
        changes = [
            Change(name, getattr(campaign, name), getattr(after, name))
            for name in (*DATE_FIELDS, *TEXT_FIELDS, "explain_days")
            if getattr(campaign, name) != getattr(after, name)
        ]
        if sets:
            after = self._sets_changed(after, dict(sets), changes)
        if add_units or remove_units:
            after = self._units_changed(after, add_units or [], remove_units or [], changes)
        if not changes:
            return campaign
        return self._save(after, changes)

    def _started(self, campaign: Campaign) -> dict[str, str]:
        """The units that have started in the campaign, with the set of their
        self-assessment ("" when only their track says so: an appraisal, an extension)."""
        set_ids = set(campaign.sets.values())
        started = {
            s.unit: s.set_id
            for s in self.flow.summaries()
            if s.kind == "self" and s.year == campaign.year and s.set_id in set_ids
        }
        for code, track in campaign.tracks.items():
            if code not in started and (track.self_id or track.appraisal_id or track.extensions):
                started[code] = ""
        return started

    def _sets_changed(
        self, campaign: Campaign, wanted: dict[str, str], changes: list[Change]
    ) -> Campaign:
        """A kind's set changes only while none of the campaign's units of that kind has a
        self-assessment on the old set (a unit's scores are never moved to another set)."""
        chosen = {**campaign.sets, **self._sets(wanted, campaign.year)}
        if chosen == dict(campaign.sets):
            return campaign
        started = self._started(campaign)
        kinds = {u.code: u.kind for u in self.store.units()}
        problems = []
        for kind, old in sorted(campaign.sets.items()):
            if chosen[kind] == old:
                continue
            named = sorted(c for c in campaign.tracks if kinds.get(c) == kind and c in started)
            if named:
                problems.append(
                    _(
                        "the set of a {kind} cannot change: units {units} have their "
                        "self-assessment on {set} in campaign {campaign}"
                    ).format(kind=kind, units=", ".join(named), set=old, campaign=campaign.id)
                )
        if problems:
            raise CampaignError("\n".join(problems))
        changes.append(Change("sets", dict(campaign.sets), chosen))
        return dataclasses.replace(campaign, sets=chosen)

    def _units_changed(
        self, campaign: Campaign, add: list[str], remove: list[str], changes: list[Change]
    ) -> Campaign:
        """Units join until publication; a unit leaves only if it has not started (no
        self-assessment, appraisal or extension in the campaign)."""
        both = sorted(set(add) & set(remove))
        if both:
            raise CampaignError(
                _("units {units} are named both to add and to remove").format(units=", ".join(both))
            )
        new = [c for c in dict.fromkeys(add) if c not in campaign.tracks]
        if new:
            self._units(new, dict(campaign.sets))
        gone = list(dict.fromkeys(remove))
        absent = [c for c in gone if c not in campaign.tracks]
        if absent:
            raise CampaignError(
                _("units {units} do not take part in campaign {campaign}").format(
                    units=", ".join(absent), campaign=campaign.id
                )
            )
        started = sorted(set(gone) & set(self._started(campaign)))
        if started:
            raise CampaignError(
                _(
                    "units {units} have started in campaign {campaign} (a self-assessment, an "
                    "appraisal or an extension): they cannot be removed"
                ).format(units=", ".join(started), campaign=campaign.id)
            )
        tracks = {c: t for c, t in campaign.tracks.items() if c not in gone}
        tracks.update({c: Track(c) for c in new})
        if not tracks:
            raise CampaignError(_("a campaign keeps at least one unit"))
        if new:
            changes.append(Change("units added", None, sorted(new)))
        if gone:
            changes.append(Change("units removed", sorted(gone), None))
        return dataclasses.replace(campaign, tracks=dict(sorted(tracks.items())))

    # -- self-scoring ------------------------------------------------------------------------

    def start_self(self, ref: str, unit: str) -> Assessment:
        """The unit's one self-assessment in the campaign (a second is refused, naming the
        one there is)."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        existing = self.self_of(campaign, track)
        if existing is not None:
            raise DuplicateError(
                _(
                    "unit {unit} already has its self-assessment in campaign {campaign}: "
                    "{id} ({state})"
                ).format(
                    unit=unit,
                    campaign=campaign.id,
                    id=existing.id[:8],
                    state=labels.state(existing.state),
                ),
                existing,
            )
        if not rules.may_change_self(campaign, track, self.clock()):
            raise CampaignError(self._late(campaign, track))
        assessment = self.flow.new(unit, self.set_for(campaign, unit), campaign.year, "self")
        # logged, not linked: the track is the Department's to write (a unit's account may
        # not); it is found by its unit, year and set, and linked when its appraisal starts
        self._save(campaign, [Change("self-assessment", None, assessment.id)], unit=unit)
        return assessment

    def _late(self, campaign: Campaign, track: Track) -> str:
        return _(
            "the self-scoring deadline of unit {unit} in campaign {campaign} was {deadline}: "
            "the self-assessment cannot change unless the Department grants an extension"
        ).format(
            unit=track.unit,
            campaign=campaign.id,
            deadline=date_short(rules.deadline_of(campaign, track)),
        )

    def withdraw(self, ref: str, unit: str, reason: str) -> Assessment:
        """Before its deadline a unit takes back its submitted self-assessment to edit it."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        reason = _text(reason, TEXT, _("the reason"), required=True)
        own = self.self_of(campaign, track)
        if own is None or own.state != "submitted":
            raise CampaignError(
                _("unit {unit} has no submitted self-assessment to withdraw").format(unit=unit)
            )
        if track.appraisal_id:
            raise CampaignError(
                _("the appraisal of unit {unit} has started: it cannot be withdrawn").format(
                    unit=unit
                )
            )
        if not rules.may_change_self(campaign, track, self.clock()):
            raise CampaignError(self._late(campaign, track))
        after = self.flow.reopen(own.id, _("withdrawn to edit: {why}").format(why=reason))
        withdrawn = {"id": own.id, "reason": reason, "on": self.clock().isoformat()}
        self._save(campaign, [Change("withdrawn", "submitted", withdrawn)], unit=unit)
        return after

    def extend(self, ref: str, unit: str, until: str, reason: str, by: str) -> Campaign:
        """The Department grants a unit more time for its self-scoring."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        reason = _text(reason, TEXT, _("the reason"), required=True)
        by = _text(by, NAME, _("who grants it"), required=True)
        new = rules.day_of(_date(until, _("the new deadline")))
        current = rules.deadline_of(campaign, track)
        if new is None or (current is not None and new <= current) or new < self.clock():
            raise CampaignError(
                _("the new deadline must come after {current} and not before today").format(
                    current=current
                )
            )
        if track.appraisal_id:
            raise CampaignError(
                _("the appraisal of unit {unit} has started: no extension").format(unit=unit)
            )
        granted = Extension(new.isoformat(), reason, by, self.clock().isoformat())
        track = dataclasses.replace(track, extensions=(*track.extensions, granted))
        return self._save(
            self._with_track(campaign, track),
            [Change("extension", str(current or ""), dataclasses.asdict(granted))],
            unit=unit,
        )

    # -- appraisal and explanation -----------------------------------------------------------

    def appraise(self, ref: str, unit: str) -> Assessment:
        """The appraisal, started from the unit's submitted self-assessment (from then on
        the self-assessment is locked, the deadline or an extension notwithstanding)."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        own = self.self_of(campaign, track)
        if own is None or own.state not in ("submitted", "finalized"):
            raise CampaignError(
                _("unit {unit} has not submitted its self-assessment").format(unit=unit)
            )
        self._appraisal_open(campaign, track)
        if track.appraisal_id:
            existing = self.appraisal_of(track)
            if existing is not None:
                raise DuplicateError(
                    _("unit {unit} is already being appraised: {id}").format(
                        unit=unit, id=existing.id[:8]
                    ),
                    existing,
                )
        appraisal = self.flow.new(unit, own.set_id + "@" + own.set_version, own.year, "appraisal")
        track = dataclasses.replace(track, self_id=own.id, appraisal_id=appraisal.id)
        self._save(
            self._with_track(campaign, track),
            [Change("appraisal started", None, appraisal.id)],
            unit=unit,
        )
        return appraisal

    def _appraisal_open(self, campaign: Campaign, track: Track) -> None:
        """Refused before the plan lets the unit's appraisal start (see
        `campaign.appraisal_opens`): starting it locks the unit's self-assessment."""
        opens = rules.appraisal_opens(campaign, track)
        if opens is None or self.clock() >= opens[1]:
            return
        what, day = opens
        if what == "appraisal_from":
            message = _(
                "the appraisal of unit {unit} cannot start before {day}, the first day of "
                "the appraisal period of campaign {campaign}"
            )
        else:
            message = _(
                "the appraisal of unit {unit} cannot start before {day}: its self-scoring "
                "deadline is {deadline}"
            )
        raise CampaignError(
            message.format(
                campaign=campaign.id,
                unit=track.unit,
                day=date_short(day),
                deadline=date_short(day - dt.timedelta(days=1)),
            )
        )

    def send(self, ref: str, unit: str) -> Campaign:
        """The appraisal goes to the unit (it is submitted): its explanation window opens."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        appraisal = self.appraisal_of(track)
        if appraisal is None or appraisal.state != "draft" or track.sent:
            raise CampaignError(
                _("unit {unit} has no appraisal in progress to send").format(unit=unit)
            )
        today = self.clock()
        header: dict[str, str] = {}
        if not appraisal.started:
            header["started"] = today.isoformat() + "T08:00"
        if not appraisal.place.strip():
            if not campaign.place:
                raise CampaignError(
                    _("record where the appraisal sits (campaign set --place, or assess visit)")
                )
            header["place"] = campaign.place
        if header:
            self.flow.update_header(appraisal.id, **header)
        self.flow.submit(appraisal.id)
        track = dataclasses.replace(track, sent=today.isoformat())
        close = rules.window_close(campaign, track, self.holidays)
        return self._save(
            self._with_track(campaign, track),
            [Change("sent", None, {"on": track.sent, "window_closes": str(close)})],
            unit=unit,
        )

    def explain(
        self,
        ref: str,
        unit: str,
        item: str,
        answer: str,
        reason: str = "",
        evidence: str = "",
    ) -> Campaign:
        """The unit accepts or contests (with a reason) an item its appraisal changed, while
        its window is open."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        if answer not in ANSWERS:
            raise CampaignError(_("answer accept or contest"))
        if not rules.window_open(campaign, track, self.clock(), self.holidays):
            close = rules.window_close(campaign, track, self.holidays)
            raise CampaignError(
                _("the explanation window of unit {unit} is not open (it closes {close})").format(
                    unit=unit, close=close or "—"
                )
                if close
                else _("the appraisal of unit {unit} has not been sent yet").format(unit=unit)
            )
        changed = {c for c, *_rest in self.changed_items(track)}
        if item not in changed:
            raise CampaignError(
                _("item {item} was not changed by the appraisal (changed: {items})").format(
                    item=item, items=", ".join(sorted(changed)) or "—"
                )
            )
        if item in track.decisions:
            raise CampaignError(_("the council has decided item {item}").format(item=item))
        reason = _text(reason, TEXT, _("the reason"), required=answer == "contest")
        evidence = _text(evidence, TEXT, _("the evidence"))
        entry = Explanation(item, answer, reason, evidence, self.clock().isoformat())
        old = track.explanations.get(item)
        track = dataclasses.replace(track, explanations={**track.explanations, item: entry})
        return self._save(
            self._with_track(campaign, track, bump=False),
            [
                Change(
                    f"explanation {item}",
                    dataclasses.asdict(old) if old else None,
                    dataclasses.asdict(entry),
                )
            ],
            unit=unit,
        )

    def _explained(self, campaign: Campaign, track: Track) -> bool:
        """The explanation round is over for the unit: its window closed, or it answered
        every changed item."""
        if not track.sent:
            return False
        if not rules.window_open(campaign, track, self.clock(), self.holidays):
            return True
        return {c for c, *_rest in self.changed_items(track)} <= set(track.explanations)

    def decide(
        self, ref: str, unit: str, item: str, outcome: str, reason: str, by: str
    ) -> Campaign:
        """The council decides a contested item: keep the appraised points, or change them
        back to the unit's own."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        if outcome not in OUTCOMES:
            raise CampaignError(_("decide keep or change"))
        if item not in track.contested:
            raise CampaignError(
                _("item {item} of unit {unit} is not contested").format(item=item, unit=unit)
            )
        if not self._explained(campaign, track):
            raise CampaignError(
                _("the explanation window of unit {unit} is still open").format(unit=unit)
            )
        if track.final:
            raise CampaignError(_("the result of unit {unit} is final").format(unit=unit))
        if item in track.decisions:
            raise CampaignError(_("the council has decided item {item}").format(item=item))
        reason = _text(reason, TEXT, _("the reason"), required=True)
        by = _text(by, NAME, _("who decides"), required=True)
        appraisal = self.appraisal_of(track)
        if appraisal is None or appraisal.state != "submitted":
            raise CampaignError(
                _("the appraisal of unit {unit} is not the one sent to it").format(unit=unit)
            )
        if outcome == "change":
            self.flow.council_change(appraisal.id, item, reason)
        decision = Decision(item, outcome, reason, by, self.clock().isoformat())
        track = dataclasses.replace(track, decisions={**track.decisions, item: decision})
        return self._save(
            self._with_track(campaign, track),
            [Change(f"decision {item}", None, dataclasses.asdict(decision))],
            unit=unit,
        )

    def final(self, ref: str, unit: str, by: str) -> Campaign:
        """The unit's result is final: explanations over, every contested item decided."""
        campaign = self.get(ref)
        self._not_published(campaign)
        track = self.track(campaign, unit)
        by = _text(by, NAME, _("who decides"), required=True)
        if track.final:
            raise CampaignError(_("the result of unit {unit} is final").format(unit=unit))
        if not self._explained(campaign, track):
            raise CampaignError(
                _("unit {unit} is not past its explanation round").format(unit=unit)
            )
        if track.waiting:
            raise CampaignError(
                _("the council has not decided items {items} of unit {unit}").format(
                    items=", ".join(track.waiting), unit=unit
                )
            )
        track = dataclasses.replace(track, final=self.clock().isoformat())
        return self._save(
            self._with_track(campaign, track),
            [Change("final", None, {"on": track.final, "by": by})],
            unit=unit,
        )

    # -- publication -------------------------------------------------------------------------

    def results(self, campaign: Campaign) -> list[Result]:
        """Every unit's appraised result, ranked among the units scored on the same set."""
        by_set: dict[str, list[tuple[str, Any, Assessment]]] = {}
        for code in sorted(campaign.tracks):
            appraisal = self.appraisal_of(campaign.tracks[code])
            if appraisal is None:
                continue
            scores = self.flow.scores(appraisal)
            by_set.setdefault(appraisal.set_key, []).append((code, scores, appraisal))
        out = []
        for set_key, rows in sorted(by_set.items()):
            found = {code: a for code, _s, a in rows}
            for r in rank((code, s) for code, s, _a in rows):
                unit = self.store.unit(r.unit)
                changed = len(self.flow.changes_from_base(found[r.unit]))
                out.append(
                    Result(
                        unit=r.unit,
                        name=unit.name if unit else r.unit,
                        kind=unit.kind if unit else "",
                        set_key=set_key,
                        total=round(r.scores.total, 2),
                        max_points=r.scores.max_points,
                        index=round(r.scores.index, 2),
                        band=r.scores.band_label,
                        rank=r.rank,
                        of=r.of,
                        changed_items=changed,
                    )
                )
        return out

    def publish(
        self, ref: str, by: str, out_dir: Path | None = None
    ) -> tuple[Campaign, list[Path]]:
        """Publication: every unit's result final; the results locked in the campaign, the
        appraisals finalized, the decision documents written (the result table as PDF and
        XLSX, a notice per unit) into `out_dir`."""
        from .campaign_docs import write_publication

        campaign = self.get(ref)
        self._not_published(campaign)
        by = _text(by, NAME, _("who publishes"), required=True)
        pending = [c for c, t in sorted(campaign.tracks.items()) if not t.final]
        if pending:
            raise CampaignError(
                _("not every result is final yet: {units}").format(units=", ".join(pending))
            )
        today = self.clock().isoformat()
        after = dataclasses.replace(
            campaign, published=today, published_by=by, results=tuple(self.results(campaign))
        )
        folder = out_dir or (Path(self.store.files_dir) / f"campaign-{campaign.id}")
        written = write_publication(self, after, folder)  # first: a failure changes nothing
        for track in campaign.tracks.values():
            appraisal = self.appraisal_of(track)
            if appraisal is not None and appraisal.state == "submitted":
                self.flow.finalize(appraisal.id)
        saved = self._save(
            after,
            [
                Change(
                    "published",
                    None,
                    {
                        "on": today,
                        "by": by,
                        "results": [dataclasses.asdict(r) for r in after.results],
                    },
                )
            ],
        )
        return saved, written

    def reopen(self, ref: str, reason: str, by: str, unit: str = "") -> Campaign:
        """Moving back, with a reason and a name: a published campaign is reopened (its
        results unlocked); a unit goes back one step (final → council; sent → appraisal)."""
        campaign = self.get(ref)
        reason = _text(reason, TEXT, _("the reason"), required=True)
        by = _text(by, NAME, _("who reopens it"), required=True)
        why = {"reason": reason, "by": by, "on": self.clock().isoformat()}
        if not unit:
            if not campaign.published:
                raise CampaignError(
                    _("campaign {campaign} is not published").format(campaign=campaign.id)
                )
            after = dataclasses.replace(campaign, published="", published_by="", results=())
            return self._save(after, [Change("reopened", campaign.published, why)])
        self._not_published(campaign)
        track = self.track(campaign, unit)
        appraisal = self.appraisal_of(track)
        text = _("{reason} (by {by})").format(reason=reason, by=by)
        if track.final:
            if appraisal is not None and appraisal.state == "finalized":
                self.flow.campaign_move(appraisal.id, "submitted", ("finalized",), text)
            track = dataclasses.replace(track, final="")
            step = "council"
        elif track.sent:
            if appraisal is not None and appraisal.state == "submitted":
                self.flow.campaign_move(appraisal.id, "draft", ("submitted",), text)
            track = dataclasses.replace(track, sent="", explanations={}, decisions={})
            step = "appraisal"
        else:
            raise CampaignError(_("unit {unit} has no step to go back from here").format(unit=unit))
        return self._save(
            self._with_track(campaign, track),
            [Change("moved back", None, {**why, "to": step})],
            unit,
        )

    # -- the board ---------------------------------------------------------------------------

    def board(self, ref: str) -> tuple[Campaign, list[BoardRow]]:
        """Every unit's row, from the assessments' summaries (one read, nothing scored but
        the appraisals' changes)."""
        campaign = self.get(ref)
        today = self.clock()
        summaries = {s.id: s for s in self.flow.summaries()}
        latest: dict[str, Summary] = {}  # a unit's self-assessment not linked yet
        set_ids = set(campaign.sets.values())
        mine = [
            s
            for s in summaries.values()
            if s.kind == "self" and s.year == campaign.year and s.set_id in set_ids
        ]
        for s in sorted(mine, key=lambda s: s.updated):
            latest[s.unit] = s
        units = {u.code: u for u in self.store.units()}
        overdue = self.overdue_recommendations(today)
        rows = []
        for code in sorted(campaign.tracks):
            track = campaign.tracks[code]
            own = summaries.get(track.self_id) if track.self_id else latest.get(code)
            appraisal = summaries.get(track.appraisal_id)
            current = rules.step(campaign, track, own.state if own else "", today, self.holidays)
            clock = rules.days_left(campaign, track, current, today, self.holidays)
            shown = appraisal or own
            close = rules.window_close(campaign, track, self.holidays)
            rows.append(
                BoardRow(
                    unit=code,
                    name=units[code].name if code in units else code,
                    step=current,
                    deadline=str(rules.deadline_of(campaign, track) or ""),
                    clock=clock[0] if clock else "",
                    days=clock[1] if clock else None,
                    window_close=str(close or ""),
                    changed=len(self.changed_items(track)) if appraisal else 0,
                    contested=len(track.contested),
                    waiting=len(track.waiting),
                    overdue=overdue.get(code, 0),
                    index=round(shown.index, 2) if shown and shown.band else None,
                    self_id=own.id if own else "",
                    appraisal_id=appraisal.id if appraisal else "",
                )
            )
        return campaign, rows

    def overdue_recommendations(self, today: dt.date) -> dict[str, int]:
        """How many recommendations of each unit are overdue on `today`: the state the
        follow-up derives from their deadlines (never stored)."""
        found: dict[str, int] = {}
        for record in FollowUps(self.flow, lambda: today).records():
            if status(record, today) == "overdue":
                found[record.unit] = found.get(record.unit, 0) + 1
        return found
