"""The campaign's documents: the published result table (PDF in the document format, and
XLSX), a notice per unit of its result, and the board for a meeting (PDF or XLSX).

Wording is data: the templates in `reports/campaign/` and the `campaign` patterns of the
settings. Rendering goes through the reports' Jinja environment and the minutes' PDF/A
writer; every file is written atomically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import campaign as rules
from .campaign import Campaign, Result
from .i18n import _
from .output import write_bytes
from .reports import Sheet, _render, write_xlsx
from .settings import fill, load_settings
from .text_rules import UNIT_CODE

if TYPE_CHECKING:
    from .campaign_flow import BoardRow, CampaignFlow


def _folder() -> Path:
    from .resources import shipped_dir

    return shipped_dir("reports") / "campaign"


def _shared() -> tuple[Path, ...]:
    """The ranking's folder: its style sheet and masthead serve the campaign's documents
    too (the only other folder their renderer may read)."""
    from .resources import shipped_dir

    return (shipped_dir("reports") / "ranking",)


def _pdf(template: str, context: dict[str, Any]) -> bytes:
    from . import vn_format
    from .minutes import nfc, render_pdf

    folder = _folder()
    context = {"date_text": vn_format.date_text, **context}
    html = _render(folder, template, nfc(context), _shared())
    return render_pdf(html, folder, shared=_shared())


def _words(settings: Mapping[str, Any], campaign: Campaign, unit_name: str = "") -> dict:
    org = settings.get("organisation", {})
    values = {
        "year": campaign.year,
        "seq": settings.get("document", {}).get("seq", "…"),
        "code": org.get("code", ""),
        "province": campaign.province,
        "title": campaign.title,
        "unit_name": unit_name,
    }
    return {
        key: fill(str(pattern), values, f"settings: campaign.{key}")
        for key, pattern in (settings.get("campaign") or {}).items()
    }


def result_columns() -> list[tuple[str, str]]:
    return [
        (_("Rank"), "rank"),
        (_("Of"), "count"),
        (_("Code"), "text"),
        (_("Unit"), "text"),
        (_("Set"), "text"),
        (_("Total"), "points"),
        (_("Maximum"), "points"),
        (_("Index"), "percent"),
        (_("Band"), "text"),
        (_("Items changed"), "count"),
    ]


def result_body(results: tuple[Result, ...]) -> list[list[Any]]:
    return [
        [
            r.rank,
            r.of,
            r.unit,
            r.name,
            r.set_key,
            r.total,
            r.max_points,
            r.index / 100,
            r.band,
            r.changed_items,
        ]
        for r in results
    ]


def write_publication(flow: CampaignFlow, campaign: Campaign, folder: Path) -> list[Path]:
    """The decision documents of a publication, into `folder`: the result table as PDF and
    XLSX, and one notice per unit (PDF). Returns the files written."""
    settings = load_settings()
    day = rules.day_of(campaign.published) or flow.clock()
    folder.mkdir(parents=True, exist_ok=True)
    org = settings.get("organisation", {})
    groups: dict[str, list[Result]] = {}
    for r in campaign.results:
        groups.setdefault(r.set_key, []).append(r)
    words = _words(settings, campaign)
    stem = f"ket-qua-{campaign.id}"
    written = [
        write_bytes(
            folder / f"{stem}.pdf",
            _pdf(
                "results.html",
                {
                    "org": org,
                    "day": day,
                    "campaign": campaign,
                    "results": campaign.results,
                    "groups": sorted(groups.items()),
                    "words": words,
                },
            ),
            force=True,
        )
    ]
    heading = words.get("results_title", "")
    write_xlsx(
        folder / f"{stem}.xlsx",
        [Sheet(_("Results"), result_columns(), result_body(campaign.results), "E2", heading)],
    )
    written.append(folder / f"{stem}.xlsx")
    for r in campaign.results:
        if not UNIT_CODE.match(r.unit):  # codes are checked on import; a path stays a name
            continue
        written.append(
            write_bytes(
                folder / f"thong-bao-{campaign.id}-{r.unit}.pdf",
                notice_pdf(campaign, r, settings, day),
                force=True,
            )
        )
    return written


def notice_pdf(
    campaign: Campaign, result: Result, settings: Mapping[str, Any], day: dt.date
) -> bytes:
    """One unit's notice of its published result, with the council's decisions on what it
    contested."""
    track = campaign.tracks.get(result.unit)
    decisions = []
    if track is not None:
        for code, decision in sorted(track.decisions.items()):
            contest = track.explanations.get(code)
            decisions.append(
                {
                    "item": code,
                    "contest": contest.reason if contest else "",
                    "outcome": decision.outcome,
                    "reason": decision.reason,
                    "by": decision.by,
                }
            )
    return _pdf(
        "notice.html",
        {
            "org": settings.get("organisation", {}),
            "day": day,
            "campaign": campaign,
            "result": result,
            "decisions": decisions,
            "words": _words(settings, campaign, result.name),
        },
    )


# -- the board ----------------------------------------------------------------------------


def board_columns() -> list[tuple[str, str]]:
    return [
        (_("Code"), "text"),
        (_("Unit"), "text"),
        (_("Step"), "text"),
        (_("Deadline"), "text"),
        (_("Days left"), "count"),
        (_("Window closes"), "text"),
        (_("Changed"), "count"),
        (_("Contested"), "count"),
        (_("Waiting"), "count"),
        (_("Recommendations overdue"), "count"),
        (_("Index"), "percent"),
    ]


def board_body(rows: list[BoardRow]) -> list[list[Any]]:
    return [
        [
            r.unit,
            r.name,
            rules.step_label(r.step),
            r.deadline,
            r.days,
            r.window_close,
            r.changed,
            r.contested,
            r.waiting,
            r.overdue,
            None if r.index is None else r.index / 100,
        ]
        for r in rows
    ]


def write_board(campaign: Campaign, rows: list[BoardRow], out: Path, day: dt.date) -> None:
    """The board for a meeting: .pdf (document format) or .xlsx."""
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        raise ValueError(_("write .pdf or .xlsx, not '{suffix}'").format(suffix=suffix))
    counted = rules.counts(r.step for r in rows)
    if suffix == ".xlsx":
        heading = _("Campaign {id}: board").format(id=campaign.id)
        counts_rows = [[rules.step_label(s), n] for s, n in counted.items()]
        write_xlsx(
            out,
            [
                Sheet(_("Board"), board_columns(), board_body(rows), "C2", heading),
                Sheet(
                    _("Steps"),
                    [(_("Step"), "text"), (_("Units"), "count")],
                    counts_rows,
                    "A2",
                    heading,
                ),
            ],
        )
        return
    settings = load_settings()
    data = _pdf(
        "board.html",
        {
            "org": settings.get("organisation", {}),
            "day": day,
            "campaign": campaign,
            "rows": rows,
            "counts": list(counted.items()),
        },
    )
    write_bytes(out, data, force=True)
