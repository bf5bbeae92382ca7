"""Inspection minutes (biên bản kiểm tra): an assessment as a Vietnamese document of record.

The context is built from the workflow (pure data), rendered to HTML by Jinja2 with
autoescaping from the templates in `reports/` (or the user's own folder), then to PDF/A-3b by
WeasyPrint, with the assessment's data embedded as a JSON attachment so the minutes carry
their own data. WeasyPrint is imported only here, when minutes are made.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Any

from . import __version__
from .criteria import set_as_dict
from .methods import fmt
from .model import Assessment, Criterion, Participant
from .resources import shipped_dir
from .settings import load_settings
from .tinystore import header_to_doc, item_to_doc
from .workflow import Workflow

DATA_NAME = "assessment.json"
DATA_FORMAT = "inspect-tool-minutes-data"
KIND_PHRASE = {
    "self": "tự đánh giá của đơn vị",
    "appraisal": "thẩm định (điểm tự chấm của đơn vị và điểm thẩm định)",
    "inspection": "kiểm tra",
}


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


def date_line(day: dt.date) -> str:
    return f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def _when(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, float):
        return fmt(value)
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
    }


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
        figures.append({"label": spec.label, "value": _value(value)})
    return figures


def _evidence(a: Assessment, code: str) -> list[str]:
    record = a.items.get(code)
    cited = []
    for e in record.evidence if record else ():
        parts = [e.number and f"Số {e.number}", e.date and f"ngày {e.date}", e.issuer]
        if e.file:
            parts.append(f"tệp {e.file} (SHA-256 {e.sha256[:16]}…)")
        cited.append(", ".join(p for p in parts if p))
    return cited


def _signer(people: list[Participant], lead: str) -> str:
    chosen = next((p for p in people if lead in p.role.lower()), people[0] if people else None)
    return chosen.name if chosen else ""


def minutes_context(
    flow: Workflow,
    a: Assessment,
    settings: dict[str, Any],
    extra_sections: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    engine = flow.engine(a)
    cset = engine.cset
    scores = engine.score(flow.answers(a))
    base = flow.scores(flow.store.assessment(a.base)) if a.base else None
    unit = flow.store.unit(a.unit)
    started, ended = _when(a.started), _when(a.ended)
    day = (started or _when(a.updated) or dt.datetime.now()).date()
    org, doc = settings["organisation"], settings["document"]
    areas = []
    for area in cset.areas:
        rows = []
        for node in area.walk():
            rows.append(
                {
                    "code": node.code,
                    "title": node.title,
                    "group": not node.is_item,
                    "max": fmt(scores.maxima[node.code]) if node.is_item else fmt(node.max_points),
                    "points": fmt(scores.points[node.code]),
                    "self_points": fmt(base.points[node.code]) if base else "",
                    "why": scores.explanation(node.code) if node.is_item else "",
                    "figures": _figures(flow, a, node) if node.is_item else [],
                    "evidence": _evidence(a, node.code),
                    "note": a.items[node.code].note if node.code in a.items else "",
                    "reason": a.items[node.code].reason if node.code in a.items else "",
                }
            )
        areas.append(
            {
                "code": area.code,
                "title": area.title,
                "bonus": area.is_bonus_penalty,
                "rows": rows,
                "max": fmt(scores.maxima[area.code]),
                "points": fmt(scores.points[area.code]),
                "self_points": fmt(base.points[area.code]) if base else "",
            }
        )
    area_titles = {x.code: x.title for x in cset.areas}
    team = [p for p in a.participants if p.side == "team"]
    unit_people = [p for p in a.participants if p.side == "unit"]
    unit_name = unit.name if unit else a.unit
    where = a.place or unit_name
    opening = (
        f"Hôm nay, vào hồi {started:%H} giờ {started:%M}, {date_line(started.date())}, "
        f"tại {where}, "
        if started
        else f"Ngày {day:%d/%m/%Y}, tại {where}, "
    )
    opening += (
        f"{org['team'].capitalize() if org['team'].isupper() else org['team']} "
        f"tiến hành {KIND_PHRASE[a.kind]} công tác cải cách hành chính năm {a.year} "
        f"tại {unit_name}."
    )
    closing = (
        f"Biên bản kết thúc vào hồi {ended:%H} giờ {ended:%M} cùng ngày, "
        if ended
        else "Biên bản kết thúc vào hồi …… giờ …… cùng ngày, "
    )
    closing += (
        f"được lập thành {int(doc['copies']):02d} bản có giá trị pháp lý như nhau, "
        "các thành viên tham dự đã nghe đọc lại, thống nhất nội dung và cùng ký tên."
    )
    number = doc["number_pattern"].format(
        seq=doc["seq"], year=a.year, unit=a.unit, code=org.get("code", "")
    )
    context = {
        "version": __version__,
        "title": "Biên bản kiểm tra",
        "draft": a.state != "finalized",
        "subject": (
            f"Kiểm tra công tác cải cách hành chính năm {a.year} tại {unit_name}"
            if a.kind == "inspection"
            else f"Kết quả {KIND_PHRASE[a.kind].split(' (')[0]} chỉ số cải cách hành chính "
            f"năm {a.year} của {unit_name}"
        ),
        "org": org,
        "number": number,
        "date_line": date_line(day),
        "basis": [line.format(year=a.year) for line in doc.get("basis", [])],
        "opening": opening,
        "unit": {"code": a.unit, "name": unit_name},
        "team": team,
        "unit_people": unit_people,
        "set": {"id": cset.id, "version": cset.version, "title": cset.title},
        "kind_phrase": KIND_PHRASE[a.kind],
        "appraisal": base is not None,
        "areas": areas,
        "totals": {
            "total": f"{scores.total:.2f}",
            "max": fmt(scores.max_points),
            "index": f"{scores.index:.2f}",
            "band": scores.band_label or "—",
            "excluded": scores.max_points < cset.max_points,
        },
        "findings": [
            {"area_title": area_titles.get(f.area, f.area), "text": f.text} for f in a.findings
        ],
        "recommendations": [
            {"area_title": area_titles.get(r.area, r.area), "text": r.text, "deadline": r.deadline}
            for r in a.recommendations
        ],
        "extra_sections": extra_sections or [],
        "closing": closing,
        "signers": settings["signers"],
        "team_signer": _signer(team, "trưởng đoàn"),
        "unit_signer": _signer(unit_people, "chủ tịch"),
    }
    return nfc(context)


def template_dir(custom: Path | None = None) -> Path:
    return custom if custom is not None else shipped_dir("reports") / "minutes"


def render_html(context: dict[str, Any], templates: Path) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(templates)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml"], default=True),
    )
    env.filters["capitalize_first"] = lambda s: s[:1].upper() + s[1:].lower() if s else s
    return env.get_template("minutes.html").render(**context)


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


def render_pdf(html: str, templates: Path, data: dict[str, Any] | None = None) -> bytes:
    """HTML → PDF/A-3b, with the data attached when there is some, and an empty signature
    field on each of the template's `sig-*` boxes."""
    from weasyprint import HTML, Attachment

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
    html_doc = HTML(string=html, base_url=str(templates) + "/", url_fetcher=_fetcher([templates]))
    document = html_doc.render()
    pdf = document.write_pdf(pdf_variant="pdf/a-3b", attachments=attachments, custom_metadata=True)
    boxes = signature_boxes(document)
    return add_signature_fields(pdf, boxes) if boxes else pdf


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
    out.write_bytes(pdf)
    return out
