"""The built-in demo: a fictional province whose units are scored on the shipped sets.

Everything is deterministic (answers are drawn from a generator seeded by the unit's code), so
the demo shows the same figures on every machine and tests can rely on them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import random
from pathlib import Path
from typing import TYPE_CHECKING

from .core import Core
from .model import Evidence, Unit
from .samples import sample_answers
from .scoring import Ranked, rank
from .store import Change, Store
from .vn_format import unit_in_text

if TYPE_CHECKING:
    from .workflow import Workflow

DEMO_UNITS = Path(__file__).parent / "demo_data" / "units.csv"
DEMO_SETS = ("cchc-xa-2025", "kiem-tra-mot-cua-2025")
DEMO_EVIDENCE = (Evidence("01/BC-UBND", "2025-12-15", "UBND (minh họa)"),)


def demo_units() -> list[Unit]:
    with DEMO_UNITS.open(encoding="utf-8-sig", newline="") as f:
        return [Unit(r["code"], r["name"], r["kind"], r["parent"]) for r in csv.DictReader(f)]


def demo_results(core: Core) -> dict[str, list[Ranked]]:
    """Each demo set's units, scored and ranked; `Ranked.unit` holds the Unit itself."""
    units = demo_units()
    results: dict[str, list[Ranked]] = {}
    for set_id in DEMO_SETS:
        engine = core.engine(set_id)
        scored = []
        for unit in units:
            rng = random.Random(f"{set_id}/{unit.code}")
            quality = 0.15 + 0.85 * rng.random()
            scored.append((unit, engine.score(sample_answers(engine, rng, quality=quality))))
        by_code = {unit.code: unit for unit in units}
        ranked = rank((unit.code, scores) for unit, scores in scored)
        results[set_id] = [
            Ranked(by_code[r.unit], r.scores, r.rank, r.of)
            for r in ranked  # type: ignore[arg-type]
        ]
    return results


def build_demo_store(
    core: Core, store: Store, *, campaign: bool = False, today: dt.date | None = None
) -> None:
    """Fill an empty store with the demo province: its units; twelve self-assessments on the
    commune set (ten submitted, two still drafts), one appraisal of a submitted one, and one
    one-stop-shop inspection in progress. Deterministic, like `demo_results`.

    With `campaign` (as `inspect-tool demo` builds it), also the year's campaign in its
    explanation window (`build_demo_campaign`), its dates set from `today`: a second
    appraisal, sent. Tests that count the demo's assessments build it without."""
    from .workflow import Workflow, record_from_answer

    units = demo_units()
    store.put_units(units, [Change("demo units", None, len(units))])
    flow = Workflow(core, store)
    index_set, inspection_set = DEMO_SETS
    for n, unit in enumerate(units[:12]):
        rng = random.Random(f"{index_set}/{unit.code}")
        a = flow.new(unit.code, index_set, 2025, "self")
        engine = flow.engine(a)
        answers = sample_answers(engine, rng, quality=0.15 + 0.85 * rng.random())
        if n >= 10:  # two wards are still working on theirs
            answers = dict(list(answers.items())[: len(answers) // 2])
        items = {
            code: record_from_answer(
                code, ans, DEMO_EVIDENCE if engine.item(code).evidence_required else ()
            )
            for code, ans in answers.items()
        }
        a = dataclasses.replace(a, items=items, started=f"2025-12-{n + 10:02d}T08:00")
        store.save(a, [Change("demo answers", None, len(items))])
        if n < 10:
            flow.submit(a.id)
    appraised = flow.new(units[0].code, index_set, 2025, "appraisal")
    flow.answer(
        appraised.id,
        "1.1.1",
        {"date": "2025-02-20"},
        reason="Ngày ký số trên kế hoạch là 20/02/2025 (minh họa)",
    )
    flow.update_header(appraised.id, place="Sở Nội vụ tỉnh Hòa An", started="2026-01-15T08:30")
    flow.add_participant(appraised.id, "Phạm Minh Đức", "Tổ trưởng Tổ thẩm định", "team")
    flow.add_participant(appraised.id, "Nguyễn Thị Hoa", "Chủ tịch UBND phường", "unit")
    visit = flow.new(units[3].code, inspection_set, 2025, "inspection")
    flow.update_header(
        visit.id, place="Trụ sở UBND " + unit_in_text(units[3].name), started="2025-11-20T08:30"
    )
    flow.add_participant(visit.id, "Trần Thị Bình", "Trưởng đoàn", "team")
    flow.add_participant(visit.id, "Lê Văn Cường", "Chủ tịch UBND", "unit")
    demo_followups(flow, units[3])
    if campaign:
        build_demo_campaign(flow, units, appraised.id, today)


# -- recommendations followed up -----------------------------------------------------------------

# The earlier year's inspection of the unit inspected this year: its recommendations, one in
# each state of their follow-up, as the 2025 inspection finds them. (area, text, deadline)
DEMO_RECOMMENDATIONS = (
    ("B", "Niêm yết đầy đủ, kịp thời thủ tục hành chính tại Bộ phận Một cửa", "2025-03-31"),
    ("D", "Gửi thư xin lỗi, hẹn lại ngày trả kết quả cho hồ sơ quá hạn", "2025-02-28"),
    ("E", "Nâng tỷ lệ hồ sơ trực tuyến toàn trình", "2027-12-31"),
    ("G", "Trang bị thiết bị đánh giá mức độ hài lòng tại Bộ phận Một cửa", "2025-06-30"),
)


def finalized_inspection(
    flow, unit: Unit, year: int, recommendations: tuple[tuple[str, str, str], ...], seed: str
):
    """An inspection of `unit` in an earlier `year` on that year's one-stop-shop set, answered,
    with its recommendations, and finalized (so their follow-up records exist)."""
    from .workflow import record_from_answer

    a = flow.new(unit.code, f"kiem-tra-mot-cua-{year}", year, "inspection")
    engine = flow.engine(a)
    answers = sample_answers(engine, random.Random(seed), quality=0.5)
    items = {
        code: record_from_answer(
            code, ans, DEMO_EVIDENCE if engine.item(code).evidence_required else ()
        )
        for code, ans in answers.items()
    }
    a = dataclasses.replace(
        a,
        items=items,
        place="Trụ sở UBND " + unit_in_text(unit.name),
        started=f"{year}-11-14T08:30",
        ended=f"{year}-11-14T11:30",
        version=a.version + 1,
    )
    flow.store.save(a, [Change("demo inspection", None, {"year": year, "items": len(items)})])
    flow.add_participant(a.id, "Trần Thị Bình", "Trưởng đoàn", "team")
    flow.add_participant(a.id, "Lê Văn Cường", "Chủ tịch UBND", "unit")
    for area, text, deadline in recommendations:
        flow.add_recommendation(a.id, area, text, deadline)
    flow.submit(a.id)
    return flow.finalize(a.id)


def demo_followups(flow, unit: Unit) -> None:
    """Last year's inspection of `unit`, its recommendations followed up to one in each state:
    accepted done, reported done (awaiting the Department), in progress, and one overdue.
    The steps are dated in 2025 by a fixed clock, so the demo is the same on every day."""
    from .recommendations import FollowUps

    earlier = finalized_inspection(flow, unit, 2024, DEMO_RECOMMENDATIONS, f"demo/{unit.code}")
    ids = [f"{earlier.id}-{n}" for n in range(1, len(DEMO_RECOMMENDATIONS) + 1)]
    follow = FollowUps(flow, today=lambda: dt.date(2025, 3, 20))
    follow.progress(
        ids[0], "Đã niêm yết 126 thủ tục", done=True, evidence="15/BC-UBND;2025-03-15;UBND"
    )
    follow.accept(ids[0], "Đã kiểm tra trên Cổng dịch vụ công")
    follow.progress(ids[2], "Đã tập huấn cho công chức Bộ phận Một cửa", day="2025-03-10")
    follow = FollowUps(flow, today=lambda: dt.date(2025, 7, 10))
    follow.progress(
        ids[3], "Đã lắp đặt 02 thiết bị", done=True, evidence="20/HĐ-UBND;2025-07-01;UBND"
    )


# -- campaigns ----------------------------------------------------------------------------

DEMO_CAMPAIGN = "hoa-an-2025"


def build_demo_campaign(
    flow: Workflow, units: list[Unit], appraisal_id: str, today: dt.date | None = None
) -> None:
    """The year's campaign, in its explanation window: every unit takes part, the deadline
    a week ahead (two units still scoring, three not started), the first unit in appraisal
    (the demo's appraisal), and one commune's appraisal sent to it, an item contested."""
    import dataclasses as dc

    from .campaign import holidays_from, vietnam_today
    from .campaign_flow import CampaignFlow
    from .settings import DEFAULTS, load_settings

    day = today or vietnam_today()
    cf = CampaignFlow(flow, clock=lambda: day, holidays=holidays_from(load_settings(DEFAULTS)))
    index_set = DEMO_SETS[0]
    week = dt.timedelta(days=7)
    campaign = cf.new(
        DEMO_CAMPAIGN,
        units[0].parent,
        2025,
        {"ward": index_set, "commune": index_set},
        title="Chỉ số cải cách hành chính năm 2025 cấp xã (mô phỏng)",
        deadline=(day + week).isoformat(),
        appraisal_from=(day - week).isoformat(),
        appraisal_to=(day + 3 * week).isoformat(),
        explain_days=5,
        publish_on=(day + 6 * week).isoformat(),
        place="Sở Nội vụ tỉnh Hòa An",
    )
    first = flow.get(appraisal_id)
    track = dc.replace(
        campaign.tracks[units[0].code], self_id=first.base, appraisal_id=first.id, version=1
    )
    flow.store.save_campaign(
        dc.replace(campaign, tracks={**campaign.tracks, track.unit: track}),
        [Change("appraisal started", None, first.id)],
        unit=track.unit,
    )
    sent = units[9].code  # a commune that submitted early
    appraisal = cf.appraise(DEMO_CAMPAIGN, sent)
    self_points = flow.scores(flow.get(appraisal.base)).points
    item = next(
        c.code
        for c in flow.engine(appraisal).cset.items()
        if c.method == "yes_no" and self_points[c.code] > 0
    )
    flow.answer(appraisal.id, item, {"done": "no"}, reason="Không có văn bản kiểm chứng (minh họa)")
    cf.send(DEMO_CAMPAIGN, sent)
    cf.explain(
        DEMO_CAMPAIGN,
        sent,
        item,
        "contest",
        "Kế hoạch đã ban hành, gửi kèm bản ký số (minh họa)",
        "05/KH-UBND",
    )
