"""Save latency: one answer saved in a store of 16 and of 600 assessments, against stock TinyDB;
and the commands that read a whole nation's store (3,321 units).

The store holds real-sized assessments (every item of the commune set answered). A save is
what the app does when an assessor types a value: `Workflow.answer` (check, merge, audit,
atomic write). The stock-TinyDB figure is the same answer updated in one default TinyDB file
holding all 600 assessments, which rewrites the whole file on every write.

The national store (issue 15) is built as `bench_reports.py` builds a province, at 3,321 units
(`--national N`, 0 to skip): each unit a self-assessment, most submitted, about a fifth
appraised. Then each command runs as a person runs it, in its own process (`python -m
inspect_tool --db STORE ...`, start-up included), timed with its peak memory: `assess list`,
`units show` of one unit, `report ranking` as CSV, XLSX and PDF, `report differences` as XLSX,
`audit verify`, `export` of everything (streamed) and `import` into an empty store. Goals at
3,321 units: list <= 1 s, ranking CSV/XLSX <= 3 s and PDF <= 30 s under 500 MB, audit verify
<= 5 s, export under 500 MB. `BENCH_SKIP` (labels, comma-separated) leaves commands out.

The app on that store (`app`, in this process, headless with Pilot at 80x24): the units screen
shown (from making the app, the store open, until its table has its rows), back from an
assessment (Escape until the app is idle again, the table brought up to date), and a search
(words typed into the units search key by key, as a person types: the slowest key, until the
table shows what it finds, and until every row found is in). The index of summaries is made
first, as any earlier read of the store leaves it. Back from an assessment, the store is read
again in a worker thread (for what other windows changed): it is waited for between the
returns, not timed. The CPU time of each is printed too (the machine is shared). Goals: shown
<= 1.5 s, back and a search <= 0.3 s.

One line per command, then the save latency, last:

    store: save <ms16> ms at 16, <ms600> ms at 600, stock tinydb <ms> ms at 600

Goal (issue 3): the 600 figure at most 1.5x the 16 figure, and under 5 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
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


def load() -> str:
    """The machine's load average over the last minute, printed with each figure: the
    machine is shared, and a figure measured beside other work reads slower than it is."""
    return f" (load {os.getloadavg()[0]:.2f})"


def run_command(args: list[str], cwd: Path) -> tuple[float, float]:
    """One command in its own process: (seconds, peak memory in MB). Fails loudly: a command
    refused is not a figure."""
    env = os.environ | {"PYTHONPATH": str(ROOT), "INSPECT_TOOL_LANG": "en"}
    # measured by /usr/bin/time where there is one: a child forked from this process counts
    # this process's memory as its own peak until it execs
    timer = ["/usr/bin/time", "-f", "maxrss %M"] if Path("/usr/bin/time").exists() else []
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*timer, sys.executable, "-m", "inspect_tool", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{err}")
    last = err.strip().splitlines()[-1] if err.strip() else ""
    if timer and last.startswith("maxrss "):
        return seconds, int(last.split()[1]) / 1024
    return seconds, usage.ru_maxrss / 1024


def national(n: int) -> None:
    """The commands that read a whole store, at `n` units (see the module docstring)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from bench_reports import SET as RSET
    from bench_reports import YEAR, build_province

    core = open_core(entry_points=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        db = folder / "store"
        start = time.perf_counter()
        with open_store(db, user="bench") as store:
            counts = build_province(core, store, n)
            Workflow(core, store).summaries()  # kept, as any earlier read leaves them
        print(
            f"  national store: {n} units built in {time.perf_counter() - start:.0f} s {counts}"
            f"{load()}"
        )
        keep = os.environ.get("BENCH_KEEP")  # a folder: the store copied there, for profiling
        if keep:
            import shutil

            shutil.copytree(db, keep, dirs_exist_ok=True)
        commands = [
            ("assess list", ["assess", "list"]),
            ("assess list --json", ["assess", "list", "--json"]),
            ("units show", ["units", "show", "T-0007"]),
            ("ranking csv", ["report", "ranking", "--set", RSET, "--year", str(YEAR), "--out"]),
            ("ranking xlsx", ["report", "ranking", "--set", RSET, "--year", str(YEAR), "--out"]),
            ("ranking pdf", ["report", "ranking", "--set", RSET, "--year", str(YEAR), "--out"]),
            ("differences xlsx", ["report", "differences", "--year", str(YEAR), "--out"]),
            ("audit verify", ["audit", "verify"]),
            ("export", ["export", "--out"]),
        ]
        skip = set(filter(None, os.environ.get("BENCH_SKIP", "").split(",")))
        for label, args in commands:
            if label in skip:
                continue
            if args[-1] == "--out":
                suffix = label.split()[-1] if label != "export" else "json"
                args = [*args, str(folder / f"out-{label.split()[0]}.{suffix}")]
            seconds, mb = run_command(["--db", str(db), *args], folder)
            print(f"  {n} units: {label} {seconds:.2f} s, peak {mb:.0f} MB{load()}", flush=True)
        if "app" not in skip:
            figures = app_figures(db)
            print(
                f"  {n} units: app units screen shown {figures['shown']:.2f} s (every row in "
                f"{figures['all']:.2f} s), back from an assessment {figures['back']:.2f} s, "
                f"a search {figures['search']:.2f} s (every row found in "
                f"{figures['search_all']:.2f} s; the slowest key of {len(figures['found'])} "
                f"words){load()}",
                flush=True,
            )
            print(
                f"  {n} units: app CPU time: shown {figures['shown_cpu']:.2f} s, back "
                f"{figures['back_cpu']:.2f} s, a search {figures['search_cpu']:.2f} s{load()}",
                flush=True,
            )
        if "export" not in skip:
            seconds, mb = run_command(
                ["--db", str(folder / "empty"), "import", str(folder / "out-export.json")],
                folder,
            )
            print(f"  {n} units: import {seconds:.2f} s, peak {mb:.0f} MB{load()}", flush=True)


# -- the app on the national store ----------------------------------------------------------


def app_figures(db: Path, searches: tuple[str, ...] = ("son", "hoa binh", "t-0", "x")) -> dict:
    """Seconds: the units screen shown, back from an assessment, the slowest search."""
    import asyncio

    from inspect_tool.i18n import set_language

    set_language("vi")

    async def run() -> dict:
        from textual.widgets import DataTable

        from inspect_tool.tui.app import InspectApp
        from inspect_tool.tui.screens.assessment import AssessmentScreen

        core = open_core(entry_points=False)
        store = open_store(db, user="bench")
        store.summaries()  # the index of summaries made, as any earlier read leaves it
        figures: dict = {}
        started, cpu = time.perf_counter(), time.process_time()
        app = InspectApp(core, store)
        async with app.run_test(size=(80, 24)) as pilot:
            while not app.screen.query(DataTable) or not app.screen.query_one(DataTable).row_count:
                await pilot.pause(0.01)
            figures["shown"] = time.perf_counter() - started
            figures["shown_cpu"] = time.process_time() - cpu
            units = app.screen
            table = units.query_one(DataTable)
            while table.row_count < len(units.rows):  # every row in, for the steps below
                await pilot.pause(0.05)
            figures["all"] = time.perf_counter() - started
            table.move_cursor(row=table.row_count // 2)
            backs, backs_cpu = [], []
            for _ in range(3):
                await pilot.press("enter")
                await pilot.pause()
                assert isinstance(app.screen, AssessmentScreen), app.screen
                start, cpu = time.perf_counter(), time.process_time()
                await pilot.press("escape")
                await pilot.pause()
                backs.append(time.perf_counter() - start)
                backs_cpu.append(time.process_time() - cpu)
                assert app.screen is units
                await app.workers.wait_for_complete()  # the store read again, off the screen
                await pilot.pause()
            figures["back"] = statistics.median(backs)
            figures["back_cpu"] = statistics.median(backs_cpu)
            worst = worst_all = worst_cpu = 0.0
            for word in searches:
                await pilot.press("ctrl+f")
                for key in word:
                    start, cpu = time.perf_counter(), time.process_time()
                    await pilot.press("space" if key == " " else key)
                    await pilot.pause()
                    worst = max(worst, time.perf_counter() - start)
                    worst_cpu = max(worst_cpu, time.process_time() - cpu)
                    while table.row_count < len(units.rows):
                        await pilot.pause(0.01)
                    worst_all = max(worst_all, time.perf_counter() - start)
                figures.setdefault("found", {})[word] = table.row_count
                units.query_one("#search").value = ""
                await pilot.pause()
            figures["search"] = worst
            figures["search_all"] = worst_all
            figures["search_cpu"] = worst_cpu
        store.close()
        return figures

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--large", type=int, default=600)
    parser.add_argument("--national", type=int, default=3321, help="Units; 0 to skip.")
    args = parser.parse_args()
    if args.national:
        national(args.national)
    rng = random.Random(2026)
    ms16, _ = measure(16, args.repeat, rng)
    print(f"  16 assessments: {ms16:.2f} ms per save (median of {args.repeat}){load()}", flush=True)
    ms_large, made = measure(args.large, args.repeat, rng)
    print(f"  {args.large} assessments: {ms_large:.2f} ms per save{load()}", flush=True)
    stock = stock_tinydb(made, max(5, args.repeat // 20))
    print(f"  stock TinyDB, {args.large} assessments in one file: {stock:.1f} ms per update")
    print(
        f"store: save {ms16:.2f} ms at 16, {ms_large:.2f} ms at {args.large}, "
        f"stock tinydb {stock:.1f} ms at {args.large}"
    )


if __name__ == "__main__":
    main()
