"""The ranking report at a province's size: 16, 168 and 3,321 units, as PDF, XLSX and CSV.

The store is built with the tool's own API, as `bench_store.py` builds its own: one
self-assessment made with `Workflow.new` (which pins the set), then copies of it with every
item answered (a few dozen answer sheets of varied quality, drawn once), saved with
`Store.save` with the audit entries typing would have left (evidence where the set asks for
it, a reason on each appraised item), so the store is one an import accepts. The mix of a real
year: most units submitted, some finalized, some appraised (finalized or still under way), a
few drafts and a few units with nothing at all. Prints, last:

    reports: ranking pdf <s16> s at 16, <s168> s at 168, <s3321> s at 3321 (peak <MB> MB)

Goal (issue 12): every unit listed at every size; the 3,321-unit PDF in well under a minute.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_tool.core import Core, open_core  # noqa: E402
from inspect_tool.model import Assessment, Evidence, ItemRecord, Unit  # noqa: E402
from inspect_tool.samples import sample_answers  # noqa: E402
from inspect_tool.store import Change, Store, open_store  # noqa: E402
from inspect_tool.workflow import Workflow, _plain, evidence_missing  # noqa: E402

SET = "cchc-xa-2025"
YEAR = 2025
SHEETS = 24  # distinct answer sheets; units share them (the report's cost is per unit)
EVIDENCE = (Evidence("01/BC-UBND", f"{YEAR}-12-15", "UBND (mô phỏng)"),)
REASON = "Theo hồ sơ thẩm định (mô phỏng)"


def province_units(n: int) -> list[Unit]:
    kinds = ("commune", "ward", "commune", "ward", "commune", "special_zone")
    words = {"commune": "Xã", "ward": "Phường", "special_zone": "Đặc khu"}
    names = ("Hòa Bình", "Tân An", "Đông Sơn", "Phú Lộc", "Yên Thành", "Nghĩa Hưng", "Cẩm Mỹ")
    units = []
    for i in range(1, n + 1):
        kind = kinds[i % len(kinds)] if i % 50 else "special_zone"
        name = f"{words[kind]} {names[i % len(names)]} {i}"
        units.append(Unit(f"T-{i:04d}", name, kind, "Tỉnh Hòa An (mô phỏng)"))
    return units


def build_province(core: Core, store: Store, n: int, seed: int = 2026) -> dict[str, int]:
    """Fill an empty store with `n` units and their year; returns how many of each outcome:
    nothing, draft, submitted self, finalized self, appraisal submitted, appraisal finalized."""
    rng = random.Random(seed)
    units = province_units(n)
    store.put_units(units, [Change("province units", None, n)])
    flow = Workflow(core, store)
    template = flow.new(units[0].code, SET, YEAR, "self")
    created = store.audit_log(template.id)[0]["new"]
    engine = flow.engine(template)
    sheets = []
    for _ in range(SHEETS):
        answers = sample_answers(engine, rng, quality=0.15 + 0.85 * rng.random())
        sheet = {}
        for code, a in answers.items():
            record = ItemRecord(
                code,
                {} if a.na else {k: _plain(v) for k, v in a.inputs.items() if v is not None},
                na=a.na,
            )
            if evidence_missing(engine.item(code), record):
                record = dataclasses.replace(record, evidence=EVIDENCE)
            sheet[code] = record
        sheets.append(sheet)
    counts = dict.fromkeys(("none", "draft", "self", "self final", "appraisal", "final"), 0)
    for i, unit in enumerate(units):
        roll = rng.random()
        if i == 0:
            roll = 0.5  # the template's unit: a submitted self-assessment
        if roll < 0.04:
            counts["none"] += 1
            continue
        state = "draft" if roll < 0.07 else "finalized" if roll < 0.2 else "submitted"
        own = dataclasses.replace(
            template,
            id=template.id if i == 0 else uuid.uuid4().hex,
            unit=unit.code,
            state=state,
            items=sheets[rng.randrange(SHEETS)],
            started=f"{YEAR}-11-20T08:00",
            updated=f"{YEAR}-12-01T08:00:00+07:00",
        )
        history = _history(own, created)
        store.save(own, history[1:] if i == 0 else history)  # the template's was created
        if state == "draft":
            counts["draft"] += 1
            continue
        counts["self final" if state == "finalized" else "self"] += 1
        if rng.random() < 0.3:
            appraised = "finalized" if rng.random() < 0.7 else "submitted"
            counts["final" if appraised == "finalized" else "appraisal"] += 1
            appraisal = dataclasses.replace(
                own,
                id=uuid.uuid4().hex,
                kind="appraisal",
                base=own.id,
                state=appraised,
                items={
                    code: dataclasses.replace(item, reason=REASON)
                    for code, item in sheets[rng.randrange(SHEETS)].items()
                },
                place="Sở Nội vụ",
                updated=f"{YEAR}-12-10T08:00:00+07:00",
            )
            store.save(appraisal, _history(appraisal, created))
    return counts


def _history(a: Assessment, created: dict) -> list[Change]:
    """The audit entries of an assessment made and moved to its state as typing would have
    (created, then submitted, then finalized), so the store holds what an import accepts."""
    changes = [Change("created", None, {**created, "kind": a.kind, "base": a.base})]
    if a.state in ("submitted", "finalized"):
        changes.append(Change("state", "draft", "submitted"))
    if a.state == "finalized":
        changes.append(Change("state", "submitted", "finalized"))
    return changes


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(core: Core, n: int, out: Path) -> dict[str, float]:
    from inspect_tool.reports import write_ranking

    times = {}
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp), user="bench") as store:
        start = time.perf_counter()
        build_province(core, store, n)
        times["build"] = time.perf_counter() - start
        for suffix in ("csv", "xlsx", "pdf"):
            flow = Workflow(core, store)
            start = time.perf_counter()
            write_ranking(flow, SET, YEAR, out / f"xep-hang-{n}.{suffix}")
            times[suffix] = time.perf_counter() - start
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="16,168,3321")
    parser.add_argument("--out", type=Path, help="Keep the reports in this folder.")
    args = parser.parse_args()
    core = open_core(entry_points=False)
    sizes = [int(s) for s in args.sizes.split(",")]
    pdf = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            t = measure(core, n, out)
            pdf[n] = t["pdf"]
            print(
                f"  {n} units: store built in {t['build']:.1f} s; ranking csv {t['csv']:.2f} s, "
                f"xlsx {t['xlsx']:.2f} s, pdf {t['pdf']:.2f} s; peak {peak_mb():.0f} MB "
                f"(load {os.getloadavg()[0]:.2f})",
                flush=True,
            )
    figures = ", ".join(f"{pdf[n]:.1f} s at {n}" for n in sizes)
    print(f"reports: ranking pdf {figures} (peak {peak_mb():.0f} MB)")


if __name__ == "__main__":
    main()
