"""Save latency: one answer saved in a store of 16 and of 600 assessments, against stock TinyDB.

The store holds real-sized assessments (every item of the commune set answered). A save is
what the app does when an assessor types a value: `Workflow.answer` (check, merge, audit,
atomic write). The stock-TinyDB figure is the same answer updated in one default TinyDB file
holding all 600 assessments, which rewrites the whole file on every write. Prints, last:

    store: save <ms16> ms at 16, <ms600> ms at 600, stock tinydb <ms> ms at 600

Goal (issue 3): the 600 figure at most 1.5x the 16 figure, and under 5 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinydb import Query, TinyDB  # noqa: E402

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.model import ItemRecord  # noqa: E402
from inspect_tool.samples import sample_answers  # noqa: E402
from inspect_tool.store import open_store  # noqa: E402
from inspect_tool.store.codec import header_to_doc, item_to_doc  # noqa: E402
from inspect_tool.units import read_units_csv  # noqa: E402
from inspect_tool.workflow import Workflow, _plain  # noqa: E402

SET = "cchc-xa-2025"


def filled(flow: Workflow, template, rng: random.Random):
    """A copy of `template` with a new id and every item answered."""
    engine = flow.engine(template)
    items = {
        code: ItemRecord(
            code,
            {} if a.na else {k: _plain(v) for k, v in a.inputs.items() if v is not None},
            na=a.na,
        )
        for code, a in sample_answers(engine, rng).items()
    }
    return replace(template, id=uuid.uuid4().hex, items=items)


def timed_saves(flow: Workflow, ref: str, code: str, repeat: int) -> float:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        flow.answer(ref, code, {"count": i % 7})
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(size: int, repeat: int, rng: random.Random) -> tuple[float, list]:
    core = open_core(entry_points=False)
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp), user="bench") as store:
        store.put_units(read_units_csv(ROOT / "inspect_tool" / "demo_data" / "units.csv"), [])
        flow = Workflow(core, store)
        template = flow.new("HB-X01", SET, 2025, "self")
        made = [template] + [filled(flow, template, rng) for _ in range(size - 1)]
        for a in made[1:]:
            store.save(a, [])
        engine = flow.engine(template)
        code = next(
            c.code
            for c in engine.cset.items()
            if [s.name for s in engine.inputs(c.code)] == ["count"]
        )
        return timed_saves(flow, made[size // 2].id, code, repeat), made


def stock_tinydb(made: list, repeat: int) -> float:
    """All assessments in one stock TinyDB file; update one answer, as TinyDB does it."""
    with tempfile.TemporaryDirectory() as tmp:
        db = TinyDB(Path(tmp) / "all.json", encoding="utf-8", ensure_ascii=False)
        db.table("assessments").insert_multiple(header_to_doc(a) for a in made)
        db.table("items").insert_multiple(
            item_to_doc(i) | {"assessment": a.id} for a in made for i in a.items.values()
        )
        target = made[len(made) // 2]
        code = next(iter(target.items))
        item = Query()
        times = []
        for i in range(repeat):
            start = time.perf_counter()
            db.table("items").update(
                {"note": f"n{i}"}, (item.assessment == target.id) & (item.code == code)
            )
            times.append(time.perf_counter() - start)
        db.close()
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--large", type=int, default=600)
    args = parser.parse_args()
    rng = random.Random(2026)
    ms16, _ = measure(16, args.repeat, rng)
    print(f"  16 assessments: {ms16:.2f} ms per save (median of {args.repeat})", flush=True)
    ms_large, made = measure(args.large, args.repeat, rng)
    print(f"  {args.large} assessments: {ms_large:.2f} ms per save", flush=True)
    stock = stock_tinydb(made, max(5, args.repeat // 20))
    print(f"  stock TinyDB, {args.large} assessments in one file: {stock:.1f} ms per update")
    print(
        f"store: save {ms16:.2f} ms at 16, {ms_large:.2f} ms at {args.large}, "
        f"stock tinydb {stock:.1f} ms at {args.large}"
    )


if __name__ == "__main__":
    main()
