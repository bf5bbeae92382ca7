"""Reports across units: the year's ranking and the appraisal's changes, as CSV, XLSX or PDF.

The rows are plain data built from the workflow; each format is one small writer. The PDF
goes through the same template path as the minutes (Jinja2 autoescaped → WeasyPrint). Its
chart is HTML (a table row per unit, a bar per row), so WeasyPrint breaks it between rows like
any table; above `CHART_UNITS` units a bar per unit is no longer a chart anyone reads on paper,
and the document shows the distribution instead (and says so). XLSX is for people (names in
the headers, number formats, print set-up); CSV is for machines (decimal point, bare numbers).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import labels, vn_format
from .i18n import _
from .model import CriteriaSet, Unit
from .output import atomic_path, write_bytes
from .scoring import rank
from .store import Summary
from .workflow import Workflow

STAGES = ("final", "appraisal", "self")
CHART_UNITS = 400  # above this, the PDF charts the distribution rather than a bar per unit
RESULT_STATES = ("submitted", "finalized")

POINTS = "0.00"
PERCENT = "0.00%"
WHOLE = "0"


@dataclass
class RankRow:
    unit: str
    name: str
    kind: str  # the assessment the figures come from (self, appraisal); "" without a result
    total: float | None
    max_points: float | None
    index: float | None
    band: str
    rank: int | None  # shared ranks: 1, 2, 2, 4; None without a result
    of: int  # how many units are ranked
    areas: dict[str, tuple[float, float]] = field(default_factory=dict)  # code → points, max
    state: str = ""  # the chosen assessment's state
    missing: str = ""  # without a result: no_assessment, draft, not_appraised

    @property
    def has_result(self) -> bool:
        return self.rank is not None

    @property
    def label(self) -> str:
        return f"{self.rank}/{self.of}" if self.rank is not None else ""


@dataclass
class Ranking:
    cset: CriteriaSet
    year: int
    stage: str
    rows: list[RankRow]  # the ranked units by rank, then the units without a result by code

    @property
    def ranked(self) -> list[RankRow]:
        return [r for r in self.rows if r.has_result]

    @property
    def unranked(self) -> list[RankRow]:
        return [r for r in self.rows if not r.has_result]


@dataclass
class ChangeRow:
    unit: str
    name: str
    code: str
    title: str
    self_points: float
    appraised: float
    reason: str

    @property
    def difference(self) -> float:
        return round(self.appraised - self.self_points, 2)


@dataclass
class UnitChange:
    """One appraised unit: both totals, both indices, how many items changed."""

    unit: str
    name: str
    self_total: float
    appraised_total: float
    self_index: float
    appraised_index: float
    changed: int

    @property
    def difference(self) -> float:
        return round(self.appraised_total - self.self_total, 2)


def _latest(assessments: list[Summary]) -> dict[str, Summary]:
    best: dict[str, Summary] = {}
    for a in sorted(assessments, key=lambda a: a.updated, reverse=True):
        best.setdefault(a.unit, a)
    return best


def _chosen(
    flow: Workflow,
    cset: CriteriaSet,
    year: int,
    stage: str = "final",
    assessments: list[Summary] | None = None,
) -> dict[str, Summary]:
    """Per unit, what the ranking counts at `stage` (chosen by the summaries):

    - self: the latest submitted or finalized self-assessment;
    - appraisal: the latest submitted or finalized appraisal;
    - final: the latest finalized appraisal, else the latest submitted or finalized
      self-assessment (an appraisal still under way does not replace it yet).
    """
    if stage not in STAGES:
        raise ValueError(_("stage must be one of {stages}").format(stages=", ".join(STAGES)))
    if assessments is None:
        assessments = flow.summaries()
    mine = [a for a in assessments if a.year == year and a.set_id == cset.id]
    selfs = _latest([a for a in mine if a.kind == "self" and a.state in RESULT_STATES])
    if stage == "self":
        return selfs
    if stage == "appraisal":
        return _latest([a for a in mine if a.kind == "appraisal" and a.state in RESULT_STATES])
    final = _latest([a for a in mine if a.kind == "appraisal" and a.state == "finalized"])
    return {**selfs, **final}


def _in_year(unit: Unit, year: int) -> bool:
    """Whether the unit existed as such during the year (open dates count as always)."""
    start, end = f"{year}-01-01", f"{year}-12-31"
    return (not unit.valid_from or unit.valid_from[:10] <= end) and (
        not unit.valid_to or unit.valid_to[:10] >= start
    )


def _why_missing(
    assessments: list[Summary], cset: CriteriaSet, year: int, stage: str
) -> dict[str, str]:
    """Per unit without a result: a draft not yet submitted, or (for the appraisal) not yet
    appraised; units absent from the map have no assessment at all."""
    why: dict[str, str] = {}
    for a in assessments:
        if a.year != year or a.set_id != cset.id or a.kind not in ("self", "appraisal"):
            continue
        if stage == "appraisal" and a.kind == "self" and a.state in RESULT_STATES:
            why[a.unit] = "not_appraised"
        else:
            why.setdefault(a.unit, "draft")
    return why


def ranking(flow: Workflow, set_ref: str, year: int, stage: str = "final") -> Ranking:
    """Every unit of the year the set scores: the ranked ones by rank (shared ranks), then the
    ones without a result at this stage, by code."""
    cset = flow.core.criteria_set(set_ref)
    everything = flow.summaries()  # one read, not every assessment of the store
    chosen = _chosen(flow, cset, year, stage, everything)
    scored: dict[str, Summary] = {}
    codes = [x.code for x in cset.areas]
    for unit, summary in chosen.items():
        if [code for code, _p, _m in summary.areas] != codes:  # kept without its areas
            summary = flow.summary(flow.store.assessment(summary.id))
        scored[unit] = summary
    units = {u.code: u for u in flow.store.units()}
    rows = []
    for r in rank((unit, s) for unit, s in scored.items()):
        s = scored[r.unit]
        unit = units.get(r.unit)
        rows.append(
            RankRow(
                unit=r.unit,
                name=unit.name if unit else r.unit,
                kind=s.kind,
                total=s.total,
                max_points=s.max_points,
                index=s.index,
                band=s.band,
                rank=r.rank,
                of=r.of,
                areas={code: (points, maximum) for code, points, maximum in s.areas},
                state=s.state,
            )
        )
    of = len(rows)
    why = _why_missing(everything, cset, year, stage)
    for code in sorted(units):
        unit = units[code]
        if code in scored or unit.kind not in cset.levels or not _in_year(unit, year):
            continue
        rows.append(
            RankRow(
                code,
                unit.name,
                "",
                None,
                None,
                None,
                "",
                None,
                of,
                missing=why.get(code, "no_assessment"),
            )  # fmt: skip
        )
    return Ranking(cset, year, stage, rows)


def differences(flow: Workflow, year: int) -> tuple[list[ChangeRow], list[UnitChange]]:
    """The items each appraisal of the year changed, and per appraised unit both totals."""
    rows: list[ChangeRow] = []
    totals: list[UnitChange] = []
    units = {u.code: u for u in flow.store.units()}
    appraisals = [
        s for s in flow.summaries() if s.year == year and s.kind == "appraisal" and s.base
    ]  # found by their summaries; only these and their bases are read
    titles: dict[str, dict[str, str]] = {}
    for s in sorted(appraisals, key=lambda x: (x.unit, x.updated)):
        a = flow.store.assessment(s.id)
        base = flow.store.assessment(a.base)
        unit = units.get(a.unit)
        name = unit.name if unit else a.unit
        if a.set_hash not in titles:
            titles[a.set_hash] = {c.code: c.title for c in flow.engine(a).cset.items()}
        after_scores, before_scores = flow.scores(a), flow.scores(base)
        changes = flow.changes_between(base, a, before_scores, after_scores)
        for code, before, after, reason in changes:
            rows.append(
                ChangeRow(a.unit, name, code, titles[a.set_hash][code], before, after, reason)
            )
        totals.append(
            UnitChange(
                a.unit,
                name,
                before_scores.total,
                after_scores.total,
                before_scores.index,
                after_scores.index,
                len(changes),
            )
        )
    return rows, totals


# -- tables --------------------------------------------------------------------------------------


def stage_label(stage: str) -> str:
    return {
        "final": _("final result"),
        "appraisal": labels.kind("appraisal"),
        "self": labels.kind("self"),
    }.get(stage, stage)


def missing_label(why: str) -> str:
    return {
        "draft": _("no result: not submitted"),
        "not_appraised": _("no result: not appraised"),
    }.get(why, _("no result"))


def _area_head(area: Any) -> str:
    return f"{area.code}. {area.title}"


def _share(points: float, maximum: float) -> float | None:
    return points / maximum if maximum else None


# A column: its header, what kind of figure it holds (text, rank, points, percent, count).
Column = tuple[str, str]


def _ranking_columns(cset: CriteriaSet) -> list[Column]:
    return [
        (_("Rank"), "rank"),
        (_("Code"), "text"),
        (_("Unit"), "text"),
        (_("Source"), "text"),
        (_("Total"), "points"),
        (_("Max"), "points"),
        (_("Index %"), "percent"),
        (_("Band"), "text"),
    ] + [(_area_head(a), "points") for a in cset.areas]


def _ranking_body(report: Ranking, *, fraction: bool) -> list[list[Any]]:
    """`fraction`: the index as 0.8180 (a spreadsheet's percent) rather than 81.8 (CSV)."""
    body = []
    for r in report.rows:
        if not r.has_result:
            body.append(
                [None, r.unit, r.name, "", None, None, None, missing_label(r.missing)]
                + [None] * len(report.cset.areas)
            )
            continue
        index = round(r.index / 100, 6) if fraction else r.index
        body.append(
            [
                r.rank,
                r.unit,
                r.name,
                labels.kind(r.kind).capitalize(),
                r.total,
                r.max_points,
                index,
                r.band,
            ]
            + [r.areas[a.code][0] for a in report.cset.areas]
        )
    return body


def _shares_sheet(report: Ranking) -> tuple[list[Column], list[list[Any]]]:
    """The share of each area's points, in percent; the bonus/penalty area in points (its
    maximum is a cap on the bonus, so a share of it would read as a negative percentage)."""
    areas = report.cset.areas
    columns: list[Column] = [(_("Rank"), "rank"), (_("Code"), "text"), (_("Unit"), "text")] + [
        (_area_head(a), "points" if a.is_bonus_penalty else "percent") for a in areas
    ]
    body = []
    for r in report.ranked:
        body.append(
            [r.rank, r.unit, r.name]
            + [
                r.areas[a.code][0] if a.is_bonus_penalty else _share(*r.areas[a.code])
                for a in areas
            ]
        )
    return columns, body


def _changes_columns() -> list[Column]:
    return [
        (_("Code"), "text"),
        (_("Unit"), "text"),
        (_("Item"), "text"),
        (_("Title"), "text"),
        (_("Self"), "points"),
        (_("Appraised"), "points"),
        (_("Difference"), "points"),
        (_("Reason"), "text"),
    ]


def _changes_body(rows: list[ChangeRow]) -> list[list[Any]]:
    return [
        [r.unit, r.name, r.code, r.title, r.self_points, r.appraised, r.difference, r.reason]
        for r in rows
    ]


def _totals_sheet(totals: list[UnitChange]) -> tuple[list[Column], list[list[Any]]]:
    columns: list[Column] = [
        (_("Code"), "text"),
        (_("Unit"), "text"),
        (_("Changed items"), "count"),
        (_("Self-assessed total"), "points"),
        (_("Appraised total"), "points"),
        (_("Difference"), "points"),
        (_("Self-assessed index"), "percent"),
        (_("Appraised index"), "percent"),
    ]
    body = [
        [
            t.unit,
            t.name,
            t.changed,
            t.self_total,
            t.appraised_total,
            t.difference,
            round(t.self_index / 100, 6),
            round(t.appraised_index / 100, 6),
        ]
        for t in totals
    ]
    return columns, body


# -- writers -------------------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: Any) -> Any:
    """A text cell that a spreadsheet would take for a formula (`=HYPERLINK(…)`, `+cmd|…`,
    `@SUM(1)`) gets a leading apostrophe, as OWASP advises; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path: Path, head: list[str], body: list[list[Any]]) -> None:
    """UTF-8 with a byte-order mark, so that Excel opens Vietnamese text correctly; numbers
    as Python writes them (decimal point), empty cells for what is not there; no text that
    a spreadsheet would run as a formula. Written whole or not at all."""
    with atomic_path(path, force=True) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([csv_text(h) for h in head])
        writer.writerows([["" if v is None else csv_text(v) for v in row] for row in body])


FORMATS = {"rank": WHOLE, "count": WHOLE, "points": POINTS, "percent": PERCENT}


def _shown(value: Any, kind: str) -> str:
    """Roughly what a spreadsheet shows for the value, to size its column."""
    if value is None:
        return ""
    if kind == "points":
        return f"{value:,.2f}"
    if kind == "percent":
        return f"{value * 100:,.2f}%"
    return str(value)


@dataclass
class Sheet:
    title: str
    columns: list[Column]
    body: list[list[Any]]
    frozen: str  # the first cell that scrolls: below the header, right of the name
    heading: str  # printed at the top of every page


def write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    """One sheet per view: real numbers with one number format per kind of figure, no
    formulas; headers wrapped, columns wide enough for every value; frozen at the header
    and the name; printed landscape on A4, fit to the width, the header on every page.
    Streamed (openpyxl's write-only mode): each cell is written as it is made, with its
    style, instead of kept in a grid and styled again column by column (a nation's ranking,
    100,000 cells, spent most of its time there)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for spec in sheets:
        sheet = book.create_sheet(xlsx_text(spec.title)[:31])
        _sheet_layout(sheet, spec)
        sheet.append(_header_cells(sheet, spec.columns))
        formatted = [_formatted(sheet, FORMATS.get(kind)) for _head, kind in spec.columns]
        for row in spec.body:
            sheet.append(_body_cells(row, formatted))
    with atomic_path(path, force=True) as tmp:
        book.save(tmp)


def _sheet_layout(sheet: Any, spec: Sheet) -> None:
    """Column widths, the header's height, panes, filter and print set-up: a streamed sheet
    takes them before its first row."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    header_lines = 1
    for n, (head, kind) in enumerate(spec.columns, start=1):
        longest = max((len(_shown(row[n - 1], kind)) for row in spec.body), default=0)
        if kind == "text":
            width = min(60, max(longest, min(len(head), 12)))
        else:
            width = max(longest, min(len(head), 14), 6)
        width += 2
        sheet.column_dimensions[get_column_letter(n)].width = width
        header_lines = max(header_lines, math.ceil(len(head) / (width - 1)))
    sheet.row_dimensions[1].height = 15 * min(header_lines, 6)
    sheet.freeze_panes = spec.frozen
    if spec.body:
        last = get_column_letter(len(spec.columns))
        sheet.auto_filter.ref = f"A1:{last}{len(spec.body) + 1}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    sheet.oddHeader.center.text = spec.heading
    sheet.oddFooter.center.text = "&P/&N"


def _header_cells(sheet: Any, columns: list[Column]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="888888")
    cells = []
    for head, _kind in columns:
        cell = _text_cell(WriteOnlyCell(sheet, xlsx_text(head)))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        cell.fill = PatternFill("solid", fgColor="EEEEEE")
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
        cells.append(cell)
    return cells


def _body_cells(row: list[Any], formatted: list[Any]) -> list[Any]:
    """A row: numbers in their column's formatted cell (one per column, filled anew for each
    row: openpyxl writes a row as it is appended), text that would read as a formula made
    text; every other value bare (a new cell object costs ten times a value to write)."""
    from openpyxl.cell import WriteOnlyCell

    cells: list[Any] = []
    for value, cell in zip(row, formatted, strict=True):
        if isinstance(value, str):
            value = xlsx_text(value)
            text = value[:1] == "="
            cells.append(_text_cell(WriteOnlyCell(cell.parent, value)) if text else value)
        elif value is not None and cell.has_style:
            cell.value = value
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _formatted(sheet: Any, number_format: str | None) -> Any:
    """A column's cell for numbers: with its number format, if the column has one."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet)
    if number_format:
        cell.number_format = number_format
    return cell


def _text_cell(cell: Any) -> Any:
    """openpyxl takes any string starting with "=" for a formula, so a unit called
    `=HYPERLINK(…)` would become one: the cell is made text."""
    cell.data_type = "s"
    return cell


def xlsx_text(value: str) -> str:
    """Text without the control characters XLSX cannot hold (one of them made the whole
    report fail)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)


def ranking_sheets(report: Ranking) -> list[Sheet]:
    heading = _("Ranking {year} ({stage})").format(
        year=report.year, stage=stage_label(report.stage)
    )
    shares_columns, shares_body = _shares_sheet(report)
    return [
        Sheet(
            _("Ranking"),
            _ranking_columns(report.cset),
            _ranking_body(report, fraction=True),
            "D2",
            heading,
        ),
        Sheet(_("Areas %"), shares_columns, shares_body, "D2", heading),
    ]


def render_report_pdf(path: Path, template: str, context: dict[str, Any]) -> None:
    from .minutes import nfc, render_pdf
    from .resources import shipped_dir

    folder = shipped_dir("reports") / "ranking"
    html = _render(folder, template, nfc(context))
    write_bytes(path, render_pdf(html, folder), force=True)


def _render(
    folder: Path, template: str, context: dict[str, Any], shared: tuple[Path, ...] = ()
) -> str:
    """The template of `folder`; its includes found there, then in the `shared` folders."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader([str(folder), *map(str, shared)]),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        points=vn_format.points,
        number=vn_format.number,
        percent=vn_format.percent,
        date_prose=vn_format.date_prose,
        date_short=vn_format.date_short,
        date_text=vn_format.date_text,
        fixed=lambda value: vn_format.number(value, 2),
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


def _today() -> dt.date:
    from .store.audit import VIETNAM

    return dt.datetime.now(VIETNAM).date()


def _bins(indices: list[float], width: int = 10) -> list[tuple[str, int]]:
    """How many units fall in each band of the index: 'từ 90 đến 100', … (the top one closed)."""
    top = max(100, math.ceil(max(indices, default=0) / width) * width)
    counts = Counter(min(int(i // width), top // width - 1) for i in indices)
    out = []
    for b in reversed(range(top // width)):
        low, high = b * width, (b + 1) * width
        words = f"từ {low} đến {high}" if high == top else f"từ {low} đến dưới {high}"
        out.append((words, counts.get(b, 0)))
    return out


def _pdf_context(report: Ranking, settings: dict[str, Any], day: dt.date) -> dict[str, Any]:
    cset, ranked = report.cset, report.ranked
    top = max((r.index or 0 for r in ranked), default=100)
    scale = 100 / max(100.0, top)
    band_order = [b.label for b in sorted(cset.bands, key=lambda b: -b.min_percent)]
    band_counts = Counter(r.band for r in ranked)
    bands = [(label, band_counts.get(label, 0)) for label in band_order]
    most = max([n for _label, n in bands] + [len(report.unranked), 1])
    bins = _bins([r.index for r in ranked if r.index is not None])
    area_rows = []
    for r in ranked:
        cells = []
        for a in cset.areas:
            got, maximum = r.areas[a.code]
            if a.is_bonus_penalty:
                cells.append({"text": vn_format.points(got), "background": "#ffffff"})
            else:
                share = _share(got, maximum)
                text = vn_format.number(share * 100, 0) if share is not None else "—"
                cells.append({"text": text, "background": heat(share)})
        area_rows.append((r, cells))
    summary = []
    for a in cset.areas:
        values = [r.areas[a.code] for r in ranked]
        if a.is_bonus_penalty:
            figures = [p for p, _m in values]
            unit = " điểm"
        else:
            figures = [100 * p / m for p, m in values if m]
            unit = " %"
        summary.append(
            {
                "area": a,
                "mean": (vn_format.number(sum(figures) / len(figures), 2) + unit)
                if figures
                else "—",
                "low": (vn_format.number(min(figures), 2) + unit) if figures else "—",
                "high": (vn_format.number(max(figures), 2) + unit) if figures else "—",
            }
        )
    org = settings.get("organisation", {})
    return {
        "org": org,
        "day": day,
        "set": cset,
        "year": report.year,
        "stage": report.stage,
        "rows": report.rows,
        "ranked": ranked,
        "unranked": report.unranked,
        "areas": cset.areas,
        "bar_scale": scale,
        "per_unit_chart": len(report.rows) <= CHART_UNITS,
        "chart_units": CHART_UNITS,
        "bands": bands,
        "bins": bins,
        "most": most,
        "most_bin": max([n for _words, n in bins] + [1]),
        "area_rows": area_rows,
        "area_summary": summary,
        "kind_word": {"self": "Tự đánh giá", "appraisal": "Thẩm định"},
        "missing_word": {
            "draft": "Chưa có kết quả: chưa nộp kết quả tự đánh giá",
            "not_appraised": "Chưa có kết quả: chưa thẩm định",
            "no_assessment": "Chưa có kết quả: chưa tự đánh giá",
        },
    }


def report_file_name(
    report: str, year: int, suffix: str, set_key: str = "", stage: str = ""
) -> str:
    """The file a report made from the app is written to: its parts from the store are
    reduced to letters, digits, dots and dashes, so that no key becomes a path."""
    parts = ["xep-hang" if report == "ranking" else "chenh-lech", set_key, str(year), stage]
    safe = [re.sub(r"[^A-Za-z0-9.]+", "-", p).strip(".-") for p in parts if p]
    return "-".join(p for p in safe if p) + suffix


def write_ranking(
    flow: Workflow,
    set_ref: str,
    year: int,
    out: Path,
    stage: str = "final",
    settings: dict[str, Any] | None = None,
    day: dt.date | None = None,
) -> int:
    """Write the ranking; returns how many units it lists (with a result or not)."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".pdf"):
        raise ValueError(_("write .pdf, .xlsx or .csv, not '{suffix}'").format(suffix=suffix))
    report = ranking(flow, set_ref, year, stage)
    if suffix == ".csv":
        head = [h for h, _kind in _ranking_columns(report.cset)]
        write_csv(out, head, _ranking_body(report, fraction=False))
    elif suffix == ".xlsx":
        write_xlsx(out, ranking_sheets(report))
    else:
        if settings is None:
            from .settings import load_settings

            settings = load_settings()
        render_report_pdf(out, "ranking.html", _pdf_context(report, settings, day or _today()))
    return len(report.rows)


def write_differences(
    flow: Workflow,
    year: int,
    out: Path,
    settings: dict[str, Any] | None = None,
    day: dt.date | None = None,
) -> int:
    """Write the appraisal's changes; returns how many items were changed."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".pdf"):
        raise ValueError(_("write .pdf, .xlsx or .csv, not '{suffix}'").format(suffix=suffix))
    rows, totals = differences(flow, year)
    if suffix == ".csv":
        write_csv(out, [h for h, _kind in _changes_columns()], _changes_body(rows))
    elif suffix == ".xlsx":
        heading = _("Appraisal changes {year}").format(year=year)
        totals_columns, totals_body = _totals_sheet(totals)
        write_xlsx(
            out,
            [
                Sheet(_("Differences"), _changes_columns(), _changes_body(rows), "C2", heading),
                Sheet(_("Totals"), totals_columns, totals_body, "C2", heading),
            ],
        )
    else:
        if settings is None:
            from .settings import load_settings

            settings = load_settings()
        by_unit: dict[str, list[ChangeRow]] = {}
        for r in rows:
            by_unit.setdefault(r.unit, []).append(r)
        render_report_pdf(
            out,
            "differences.html",
            {
                "org": settings.get("organisation", {}),
                "day": day or _today(),
                "year": year,
                "rows": rows,
                "groups": [(t, by_unit.get(t.unit, [])) for t in totals],
            },
        )
    return len(rows)


# -- recommendations followed up ---------------------------------------------------------------


def _recommendation_columns() -> list[Column]:
    return [
        (_("Code"), "text"),
        (_("Unit"), "text"),
        (_("Year"), "text"),
        (_("Assessment kind"), "text"),
        (_("Area"), "text"),
        (_("Recommendation"), "text"),
        (_("Deadline"), "text"),
        (_("State"), "text"),
        (_("Last report"), "text"),
        (_("Reported on"), "text"),
        (_("Evidence"), "text"),
        (_("Id"), "text"),
    ]


def _recommendation_body(rows: list[Any]) -> list[list[Any]]:
    """Every cell text (an XLSX keeps them as text, a CSV neutralises them as the others)."""
    from .minutes import evidence_line
    from .recommendations import said, status_label

    body = []
    for row in rows:
        r, last = row.record, row.last_step
        body.append(
            [
                r.unit,
                row.unit_name,
                str(r.year),
                labels.kind(r.kind),
                f"{r.area}. {r.area_title}" if r.area_title != r.area else r.area,
                r.text,
                vn_format.date_text(r.deadline),
                status_label(row.status),
                said(last) if last else "",
                vn_format.date_text(last.day) if last else "",
                "; ".join(evidence_line(e) for e in last.evidence) if last else "",
                r.id,
            ]
        )
    return body


def write_recommendations(
    rows: list[Any],
    out: Path,
    *,
    day: dt.date,
    settings: dict[str, Any] | None = None,
) -> int:
    """The report of recommendations followed up (`FollowUps.rows`: by unit, state and area,
    overdue first), as CSV, XLSX or PDF; returns how many it lists."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx", ".pdf"):
        raise ValueError(_("write .pdf, .xlsx or .csv, not '{suffix}'").format(suffix=suffix))
    if suffix == ".csv":
        write_csv(out, [h for h, _kind in _recommendation_columns()], _recommendation_body(rows))
    elif suffix == ".xlsx":
        heading = _("Recommendations followed up, on {day}").format(day=vn_format.date_short(day))
        columns, body = _recommendation_columns(), _recommendation_body(rows)
        write_xlsx(out, [Sheet(_("Recommendations"), columns, body, "C2", heading)])
    else:
        if settings is None:
            from .settings import load_settings

            settings = load_settings()
        counts = Counter(row.status for row in rows)
        render_report_pdf(
            out,
            "recommendations.html",
            {
                "org": settings.get("organisation", {}),
                "day": day,
                "rows": rows,
                "counts": counts,
                "units": len({row.record.unit for row in rows}),
            },
        )
    return len(rows)
