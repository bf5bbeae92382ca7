"""Reports across units: the year's ranking and the appraisal's changes, as CSV, XLSX or PDF.

The rows are plain data built from the workflow; each format is one small writer. The PDF
goes through the same template path as the minutes (Jinja2 autoescaped → WeasyPrint), with the
chart drawn as SVG in the template, never as a picture of a plot.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import labels
from .i18n import _
from .model import Assessment, CriteriaSet
from .scoring import Scores, rank
from .workflow import Workflow

SOURCE_ORDER = {"appraisal": 0, "self": 1}


@dataclass
class RankRow:
    unit: str
    name: str
    kind: str  # the assessment the figures come from: appraisal, else self-assessment
    total: float
    max_points: float
    index: float
    band: str
    rank: str
    areas: dict[str, tuple[float, float]] = field(default_factory=dict)  # code → points, max


@dataclass
class ChangeRow:
    unit: str
    name: str
    code: str
    title: str
    self_points: float
    appraised: float
    reason: str


def _chosen(flow: Workflow, cset: CriteriaSet, year: int) -> dict[str, Assessment]:
    """Per unit, what the ranking counts: its latest appraisal that is not a draft, else its
    latest submitted or finalized self-assessment."""
    candidates = [
        a
        for a in flow.store.assessments()
        if a.year == year and a.set_id == cset.id and a.kind in SOURCE_ORDER and a.state != "draft"
    ]
    candidates.sort(key=lambda a: a.updated, reverse=True)
    candidates.sort(key=lambda a: SOURCE_ORDER[a.kind])  # stable: latest first within a kind
    best: dict[str, Assessment] = {}
    for a in candidates:
        best.setdefault(a.unit, a)
    return best


def ranking(flow: Workflow, set_ref: str, year: int) -> tuple[CriteriaSet, list[RankRow]]:
    cset = flow.core.criteria_set(set_ref)
    chosen = _chosen(flow, cset, year)
    scored: dict[str, tuple[Assessment, Scores]] = {
        unit: (a, flow.scores(a)) for unit, a in chosen.items()
    }
    rows = []
    for r in rank((unit, s) for unit, (_a, s) in scored.items()):
        a, s = scored[r.unit]
        unit = flow.store.unit(r.unit)
        rows.append(
            RankRow(
                unit=r.unit,
                name=unit.name if unit else r.unit,
                kind=a.kind,
                total=s.total,
                max_points=s.max_points,
                index=s.index,
                band=s.band_label,
                rank=r.label,
                areas={x.code: (s.points[x.code], s.maxima[x.code]) for x in cset.areas},
            )
        )
    return cset, rows


def differences(flow: Workflow, year: int) -> list[ChangeRow]:
    rows = []
    for a in sorted(flow.store.assessments(), key=lambda x: x.unit):
        if a.year != year or a.kind != "appraisal" or not a.base:
            continue
        unit = flow.store.unit(a.unit)
        titles = {c.code: c.title for c in flow.engine(a).cset.items()}
        for code, before, after, reason in flow.changes_from_base(a):
            rows.append(
                ChangeRow(
                    a.unit, unit.name if unit else a.unit, code, titles[code], before, after, reason
                )
            )
    return rows


# -- writers -----------------------------------------------------------------------------------


def _ranking_table(cset: CriteriaSet, rows: list[RankRow]) -> tuple[list[str], list[list[Any]]]:
    head = [
        _("Rank"),
        _("Code"),
        _("Unit"),
        _("Source"),
        _("Total"),
        _("Max"),
        _("Index %"),
        _("Band"),
    ] + [f"{_('Area')} {a.code}" for a in cset.areas]
    body = [
        [r.rank, r.unit, r.name, _source(r.kind), r.total, r.max_points, r.index, r.band]
        + [r.areas[a.code][0] for a in cset.areas]
        for r in rows
    ]
    return head, body


def _source(kind: str) -> str:
    return labels.kind(kind)


def _changes_table(rows: list[ChangeRow]) -> tuple[list[str], list[list[Any]]]:
    head = [_("Code"), _("Unit"), _("Item"), _("Title"), _("Self"), _("Appraised"), _("Reason")]
    body = [[r.unit, r.name, r.code, r.title, r.self_points, r.appraised, r.reason] for r in rows]
    return head, body


def write_csv(path: Path, head: list[str], body: list[list[Any]]) -> None:
    """UTF-8 with a byte-order mark, so that Excel opens Vietnamese text correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(head)
        writer.writerows(body)


def write_xlsx(
    path: Path, sheets: list[tuple[str, list[str], list[list[Any]], dict[int, str]]]
) -> None:
    """One sheet per view; real numbers with number formats, no formulas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, head, body, formats in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(head)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            sheet.append(row)
        for column, number_format in formats.items():
            for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
                cell.number_format = number_format
        for column_cells in sheet.columns:
            width = max(len(str(c.value or "")) for c in column_cells)
            sheet.column_dimensions[column_cells[0].column_letter].width = min(60, width + 2)
        sheet.freeze_panes = "A2"
    book.save(path)


def ranking_sheets(cset: CriteriaSet, rows: list[RankRow]):
    head, body = _ranking_table(cset, rows)
    points_format = {c: "0.00" for c in range(5, len(head) + 1)}
    share_head = [_("Rank"), _("Code"), _("Unit")] + [f"{a.code} %" for a in cset.areas]
    share_body = [
        [r.rank, r.unit, r.name]
        + [
            (r.areas[a.code][0] / r.areas[a.code][1]) if r.areas[a.code][1] else None
            for a in cset.areas
        ]
        for r in rows
    ]
    share_format = {c: "0.0%" for c in range(4, len(share_head) + 1)}
    return [
        (_("Ranking"), head, body, points_format),
        (_("Areas %"), share_head, share_body, share_format),
    ]


def render_report_pdf(path: Path, template: str, context: dict[str, Any]) -> None:
    from .minutes import nfc, render_pdf
    from .resources import shipped_dir

    folder = shipped_dir("reports") / "ranking"
    html = _render(folder, template, nfc(context))
    path.write_bytes(render_pdf(html, folder))


def _render(folder: Path, template: str, context: dict[str, Any]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(folder)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml"], default=True),
    )
    return env.get_template(template).render(**context)


def heat(share: float | None) -> str:
    """A background from red (0 %) through yellow to green (100 %) for the heat table."""
    if share is None:
        return "#ffffff"
    share = max(0.0, min(1.0, share))
    red = 255 if share < 0.5 else int(255 * (1 - share) * 2)
    green = int(255 * share * 2) if share < 0.5 else 200
    return f"#{red:02x}{green:02x}80"


def write_ranking(flow: Workflow, set_ref: str, year: int, out: Path) -> int:
    cset, rows = ranking(flow, set_ref, year)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(out, *_ranking_table(cset, rows))
    elif suffix == ".xlsx":
        write_xlsx(out, ranking_sheets(cset, rows))
    elif suffix == ".pdf":
        top = max((r.index for r in rows), default=100) or 100
        render_report_pdf(
            out,
            "ranking.html",
            {
                "set": cset,
                "year": year,
                "rows": rows,
                "areas": cset.areas,
                "bar_scale": 100 / max(100.0, top),
                "shares": [
                    [
                        (r.areas[a.code][0] / r.areas[a.code][1]) if r.areas[a.code][1] else None
                        for a in cset.areas
                    ]
                    for r in rows
                ],
                "heat": heat,
                "source": _source,
            },
        )
    else:
        raise ValueError(_("write .pdf, .xlsx or .csv, not '{suffix}'").format(suffix=suffix))
    return len(rows)


def write_differences(flow: Workflow, year: int, out: Path) -> int:
    rows = differences(flow, year)
    suffix = out.suffix.lower()
    if suffix == ".csv":
        write_csv(out, *_changes_table(rows))
    elif suffix == ".xlsx":
        head, body = _changes_table(rows)
        write_xlsx(out, [(_("Differences"), head, body, {5: "0.00", 6: "0.00"})])
    elif suffix == ".pdf":
        render_report_pdf(out, "differences.html", {"year": year, "rows": rows})
    else:
        raise ValueError(_("write .pdf, .xlsx or .csv, not '{suffix}'").format(suffix=suffix))
    return len(rows)
