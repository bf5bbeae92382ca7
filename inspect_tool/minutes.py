"""Inspection minutes (biên bản kiểm tra): an assessment as a Vietnamese document of record.

The context is built from the workflow (pure data), rendered to HTML by Jinja2 with
autoescaping from the templates in `reports/` (or the user's own folder), then to PDF/A-3b by
WeasyPrint, with the assessment's data embedded as a JSON attachment so the minutes carry
their own data. WeasyPrint is imported only here, when minutes are made.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

from . import __version__
from . import vn_format as vn
from .criteria import set_as_dict
from .i18n import _
from .model import Area, Assessment, Criterion, Evidence, Participant
from .output import write_bytes
from .resources import shipped_dir
from .settings import fill, load_settings
from .store.codec import header_to_doc, item_to_doc
from .workflow import Workflow

DATA_NAME = "assessment.json"
DATA_FORMAT = "inspect-tool-minutes-data"


class MinutesError(ValueError):
    """The document cannot be made as asked (the reason says what to record first)."""


def nfc(value: Any) -> Any:
    """Every text NFC-normalised: a title typed with combining marks prints the same."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nfc(v) for v in value]
    return value


def minutes_file_name(a: Assessment) -> str:
    return f"bien-ban-{a.unit}-{a.kind}-{a.year}-{a.id[:8]}.pdf"


def _value(spec_type: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, int | float):
        return vn.number(value)
    if spec_type == "date":
        return vn.date_text(str(value))
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def assessment_data(flow: Workflow, a: Assessment) -> dict[str, Any]:
    """What the minutes carry inside them: the assessment, its scores and its set's identity."""
    scores = flow.scores(a)
    cset = flow.engine(a).cset
    unit = flow.store.unit(a.unit)  # read once
    return {
        "format": DATA_FORMAT,
        "version": 1,
        "tool": f"inspect-tool {__version__}",
        "set": {"id": cset.id, "version": cset.version, "hash": cset.hash},
        "unit": vars(unit) if unit else {"code": a.unit},
        "assessment": header_to_doc(a) | {"items": [item_to_doc(i) for i in a.items.values()]},
        "scores": {
            "total": scores.total,
            "max_points": scores.max_points,
            "index": scores.index,
            "band": scores.band_label,
            "points": scores.points,
        },
        "criteria_set": set_as_dict(cset) | {"source": ""},
    } | _anchor(flow, a)


def _anchor(flow: Workflow, a: Assessment) -> dict[str, Any]:
    """The chain head of a finalized assessment's audit trail (seq, hash, content hash), so
    that signed minutes anchor the trail: `audit verify --against` checks a store with it."""
    from .store import audit

    if a.state != "finalized":
        return {}
    try:
        head = audit.head(flow.store.audit_log(a.id))
    except KeyError:
        return {}
    return {"audit": head} if head else {}


def _figures(flow: Workflow, a: Assessment, item: Criterion) -> list[dict[str, str]]:
    record = a.items.get(item.code)
    if record is None or record.na:
        return []
    figures = []
    for spec in flow.engine(a).inputs(item.code):
        if spec.name not in record.inputs:
            continue
        value = record.inputs[spec.name]
        labels = dict(spec.options)
        if spec.type == "choice":
            value = labels.get(value, value)
        elif spec.type == "checklist":
            value = [labels.get(k, k) for k in value]
        # a label written as a question ("Có kế hoạch?") takes no colon after its mark
        figures.append({"label": spec.label.rstrip(" :?"), "value": _value(spec.type, value)})
    return figures


DOCUMENT_NUMBER = re.compile(r"\d+[\w.]*/[\w.-]+", re.UNICODE)


def evidence_line(e: Evidence) -> str:
    """'Số 12/KH-UBND, ngày 15/01/2025, UBND xã': "Số" only before a document number."""
    number = e.number.strip()
    parts = [
        f"Số {number}" if DOCUMENT_NUMBER.fullmatch(number) else number,
        e.date and f"ngày {vn.date_text(e.date)}",
        e.issuer,
    ]
    if e.file:
        parts.append(f"tệp {e.file} (SHA-256 {e.sha256[:16]}…)")
    return ", ".join(p for p in parts if p)


def _evidence(a: Assessment, code: str) -> list[str]:
    record = a.items.get(code)
    return [evidence_line(e) for e in record.evidence] if record else []


def _signer(people: list[Participant], lead: str) -> str:
    lead = lead.casefold()
    chosen = next(
        (p for p in people if lead and lead in p.role.casefold()), people[0] if people else None
    )
    return chosen.name if chosen else ""


def _area_title(area: Area) -> str:
    """The bonus/penalty area says so once: not "Điểm thưởng, điểm trừ (điểm thưởng, điểm trừ)"."""
    title = area.title
    if area.is_bonus_penalty and "điểm thưởng" not in title.casefold():
        title += " (điểm thưởng, điểm trừ)"
    return title


def _rows(flow: Workflow, a: Assessment, area: Area, scores, base) -> list[dict[str, Any]]:
    rows = []
    for node in area.walk():
        code = node.code
        record = a.items.get(code)
        before, after = (base.points[code] if base else None), scores.points[code]
        rows.append(
            {
                "code": code,
                "title": node.title,
                "group": not node.is_item,
                "max": vn.points(scores.maxima[code] if node.is_item else node.max_points),
                "points": vn.points(after),
                "self_points": vn.points(before) if base else "",
                "difference": _difference(before, after) if base else "",
                "why": scores.explanation(code, vn.DOCUMENT_FORMATTER) if node.is_item else "",
                "figures": _figures(flow, a, node) if node.is_item else [],
                "evidence": _evidence(a, code),
                "note": record.note if record else "",
                "reason": record.reason if record else "",
                "na": bool(record and record.na),
            }
        )
    return rows


def _difference(before: float | None, after: float) -> str:
    if before is None or round(after - before, 2) == 0:
        return ""
    change = round(after - before, 2)
    return ("+" if change > 0 else "") + vn.points(change)


def pattern_values(settings: dict[str, Any], a: Assessment, unit_name: str) -> dict[str, str]:
    """The fields a document pattern of the settings may use (see settings.yaml)."""
    org = settings["organisation"]
    return {
        "year": str(a.year),
        "seq": str(settings["document"]["seq"]),
        "code": str(org.get("code", "")),
        "parent_body": str(org.get("parent_body", "")),
        "issuing_body": str(org.get("issuing_body", "")),
        "org_place": str(org.get("place", "")),
        "unit": a.unit,
        "unit_name": unit_name,
        "unit_in_text": vn.unit_in_text(unit_name),
        "unit_upper": unit_name.upper(),
        "unit_short": vn.unit_short(unit_name),
    }


def _wording(settings: dict[str, Any], a: Assessment, unit_name: str) -> dict[str, Any]:
    """The kind's words from the settings, every pattern filled in."""
    kind = settings["documents"][a.kind]
    values = pattern_values(settings, a, unit_name)

    def filled(value: Any, key: str) -> Any:
        where = f"settings: documents.{a.kind}.{key}"
        if isinstance(value, str):
            return fill(value, values, where)
        if isinstance(value, list):
            return [filled(v, key) for v in value]
        if isinstance(value, dict):
            return {k: filled(v, f"{key}.{k}") for k, v in value.items()}
        return value

    words = {key: filled(value, key) for key, value in kind.items()}
    words["signers"] = {k: v.split("\n") for k, v in words.get("signers", {}).items()}
    return words


def minutes_context(
    flow: Workflow,
    a: Assessment,
    settings: dict[str, Any],
    extra_sections: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    engine = flow.engine(a)
    cset = engine.cset
    scores = engine.score(flow.answers(a))
    base_a = flow.store.assessment(a.base) if a.base else None
    base = flow.scores(base_a) if base_a else None
    unit = flow.store.unit(a.unit)
    unit_name = unit.name if unit else a.unit
    started, ended = vn.parse_moment(a.started), vn.parse_moment(a.ended)
    draft = a.state != "finalized"
    if not draft and not started:
        raise MinutesError(
            _("the document needs the date of the meeting: record it (assess visit --start)")
        )
    words = _wording(settings, a, unit_name)
    area_titles = {x.code: x.title for x in cset.areas}
    team = [p for p in a.participants if p.side == "team"]
    unit_people = [p for p in a.participants if p.side == "unit"]
    areas = [
        {
            "code": area.code,
            "title": _area_title(area),
            "bonus": area.is_bonus_penalty,
            "rows": _rows(flow, a, area, scores, base),
            "max": vn.points(scores.maxima[area.code]),
            "points": vn.points(scores.points[area.code]),
            "self_points": vn.points(base.points[area.code]) if base else "",
            "difference": _difference(base.points[area.code], scores.points[area.code])
            if base
            else "",
        }
        for area in cset.areas
    ]
    changes = (
        [
            {
                "code": code,
                "title": engine.item(code).title,
                "self": vn.points(before),
                "after": vn.points(after),
                "difference": _difference(before, after),
                "reason": reason,
            }
            for code, before, after, reason in flow.changes_from_base(a)
        ]
        if base
        else []
    )
    context = {
        "version": __version__,
        "kind": a.kind,
        "year": a.year,
        "words": words,
        "draft": draft,
        "number": fill(words["number_pattern"], pattern_values(settings, a, unit_name), "number"),
        "place_line": f"{words['place']}, {vn.date_prose(started.date() if started else None)}",
        "day": vn.date_prose(started.date() if started else None),
        "start_time": vn.time_of_day(started),
        "end_time": vn.time_of_day(ended),
        "place": a.place or "……………………",
        "copies": f"{int(settings['document']['copies']):02d}",
        "unit": {"code": a.unit, "name": unit_name, "in_text": vn.unit_in_text(unit_name)},
        "team": team,
        "unit_people": unit_people,
        "set": {"title": cset.title, "basis": cset.basis},
        "areas": areas,
        "changes": changes,
        "totals": _totals(scores, cset.max_points),
        "self_totals": _totals(base, cset.max_points) if base else None,
        "findings": [
            {"area_title": area_titles.get(f.area, f.area), "text": f.text} for f in a.findings
        ],
        "recommendations": [
            {
                "area_title": area_titles.get(r.area, r.area),
                "text": r.text,
                "deadline": vn.date_text(r.deadline),
            }
            for r in a.recommendations
        ],
        "previous": _previous(flow, a, words, started.date() if started else None),
        "unit_opinion": a.unit_opinion,
        "extra_sections": extra_sections or [],
        "team_signer": _signer(team, words.get("lead_role", "")),
        "unit_signer": _signer(unit_people, words.get("unit_role", "")),
    }
    return nfc(context)


def _previous(flow: Workflow, a: Assessment, words: dict[str, Any], day) -> list[dict[str, Any]]:
    """For an inspection: the unit's recommendations of earlier years not done on the day of
    the visit (today while it has none), as they stood that day: a document dated then says
    what was known then (recommendations.py)."""
    if a.kind != "inspection" or "previous" not in words:
        return []
    from .recommendations import FollowUps, steps_on

    follow = FollowUps(flow)
    day = day or follow.today()
    states = words["previous"].get("states", {})
    rows = []
    for row in follow.carried(a.unit, a.year, day):
        record = row.record
        steps = steps_on(record, day)
        last = steps[-1] if steps else None
        rows.append(
            {
                "year": record.year,
                "area_title": record.area_title,
                "text": record.text,
                "deadline": vn.date_text(record.deadline),
                "state": states.get(row.status, row.status),
                "last": (last.reason or last.text) if last else "",
            }
        )
    return rows


def _totals(scores, set_max: float) -> dict[str, Any]:
    return {
        "total": vn.number(scores.total, 2),
        "max": vn.points(scores.max_points),
        "index": vn.percent(scores.index),
        "band": scores.band_label or "—",
        "excluded": scores.max_points < set_max,
    }


def sentence(text: str) -> str:
    """A typed text as a sentence of the document: ends with a full stop unless it has its own
    closing mark ("… quá hạn" + " Thời hạn …" would run two sentences together)."""
    text = (text or "").rstrip()
    return text if not text or text[-1] in '.;:!?…)"”' else text + "."


def template_dir(custom: Path | None = None) -> Path:
    return custom if custom is not None else shipped_dir("reports") / "minutes"


def render_html(context: dict[str, Any], templates: Path) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(templates)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml"], default=True),
    )
    env.filters["sentence"] = sentence
    return env.get_template(f"{context['kind']}.html").render(**context)


def _fetcher(allowed: list[Path]):
    """Only the template's own files (and files the user chose) may be read; nothing else,
    and never the network: a note with <img src="file:///etc/passwd"> fetches nothing."""
    from urllib.parse import unquote, urlparse

    from weasyprint.urls import URLFetcher, URLFetchingError

    roots = [p.resolve() for p in allowed]

    class Restricted(URLFetcher):
        def fetch(self, url: str, headers: Any = None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if any(path == r or r in path.parents for r in roots):
                    return super().fetch(url, headers)
            raise URLFetchingError(f"not fetched (outside the report's own files): {url}")

    return Restricted(allowed_protocols=("file", "data"))


# -- a lighter user-agent stylesheet (issue 15) --------------------------------------------------

# WeasyPrint's own stylesheet styles six pseudo-elements of every element (`::marker` and the
# footnote and note calls and markers): six styles more per element, none shared, which is two
# thirds of the memory of a long table (a nation's ranking: 600 MB). The tool's documents have
# no footnotes and their only markers are list items', so these rules are scoped to `li` or left
# out. Should a WeasyPrint release word them otherwise, its own stylesheet is used unchanged.
_PER_ELEMENT_RULES = (
    "::footnote-call {",
    "::footnote-marker {",
    "::note-call {",
    "::note-marker {",
    "::note-callback {",
)
_LEAN: list[type] = []  # the class, made once per process


def _lean_html_class() -> type:
    """weasyprint.HTML whose user-agent stylesheet lacks the per-element pseudo-elements."""
    if _LEAN:
        return _LEAN[0]
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle
    from weasyprint.html import UA

    lines = UA.replace("\n::marker {", "\nli::marker {").splitlines()
    kept = [line for line in lines if not line.startswith(_PER_ELEMENT_RULES)]
    lean = None
    if "\n::marker {" in UA and len(lines) - len(kept) == len(_PER_ELEMENT_RULES):
        # its @counter-style rules are the stock sheet's, which every document already has
        # (UA_COUNTER_STYLE): parsed into a dict of their own, they are not redefined (a warning)
        lean = CSS(string="\n".join(kept), counter_style=CounterStyle())

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            stock = super()._ua_stylesheets(forms)
            return [lean, *stock[1:]] if lean is not None else stock

    _LEAN.append(LeanHTML)
    return LeanHTML


def render_pdf(
    html: str,
    templates: Path,
    data: dict[str, Any] | None = None,
    shared: tuple[Path, ...] = (),
) -> bytes:
    """HTML → PDF/A-3b, with the data attached when there is some, and an empty signature
    field on each of the template's `sig-*` boxes (a document without any is still put through
    `add_signature_fields`, which lists the attachment once in /AF as PDF/A wants). Its files
    are read from `templates` and the `shared` folders named by the caller (a sibling's style
    sheet), and from nowhere else."""
    from weasyprint import Attachment

    from .signing import add_signature_fields, signature_boxes

    attachments = []
    if data is not None:
        text = json.dumps(data, ensure_ascii=False, indent=1, default=str)
        attachments.append(
            Attachment(
                string=text.encode("utf-8"),
                name=DATA_NAME,
                description="Dữ liệu đánh giá (inspect-tool)",
                relationship="Data",
            )
        )
    html_doc = _lean_html_class()(
        string=html, base_url=str(templates) + "/", url_fetcher=_fetcher([templates, *shared])
    )
    document = html_doc.render()
    pdf = document.write_pdf(pdf_variant="pdf/a-3b", attachments=attachments, custom_metadata=True)
    # always through pyHanko's writer: it also mends what PDF/A wants of WeasyPrint's output
    return add_signature_fields(pdf, signature_boxes(document))


def make_minutes(
    flow: Workflow,
    ref: str,
    out: Path,
    *,
    settings: dict[str, Any] | None = None,
    templates: Path | None = None,
) -> Path:
    a = flow.get(ref)
    folder = template_dir(templates)
    sections = [
        {
            "title": str(section.get("title", plugin)),
            "paragraphs": [str(p) for p in section.get("paragraphs", [])],
        }
        for plugin, found in flow.core.registry.call_each(
            "minutes_sections", assessment=a, criteria_set=flow.engine(a).cset
        )
        for section in found
    ]
    context = minutes_context(flow, a, settings or load_settings(), sections)
    pdf = render_pdf(render_html(context, folder), folder, assessment_data(flow, a))
    return write_bytes(out, pdf, force=True)  # whole or not at all; the caller checked `out`
