"""The central store at the nation's size: 3,321 units on PostgreSQL.

Builds a national store (3,321 units, their self-assessments submitted or finalized, about a
fifth appraised; bench_reports.build_province), then times the ranking (final stage, CSV) and
`assess list`'s read (the summaries), median of 3, and runs 50 writer processes that each
answer 200 items of their own assessments while the ranking is read again and again. Each
writer times every save (from the call to the commit) and reports the saves it was told were
committed; afterwards every acknowledged save is looked for in the store ("lost" counts those
missing) and every audit chain is verified.

The server is a throw-away cluster (tests/pg_cluster.py) unless INSPECT_TOOL_TEST_PG names
one. Last line (a contract):
`pg: 3321 units, rank <s> s, list <s> s, 50 writers p95 <ms> ms, <n> saves, <k> lost`
Goals on this 2-core machine: rank ≤ 1 s, list ≤ 0.3 s, p95 ≤ 25 ms, 0 lost.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_reports import SET, YEAR, build_province  # noqa: E402

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.reports import write_ranking  # noqa: E402
from inspect_tool.store import open_store  # noqa: E402
from inspect_tool.store.audit import verify  # noqa: E402
from inspect_tool.workflow import Workflow  # noqa: E402
from tests.pg_cluster import Cluster  # noqa: E402

UNITS = int(os.environ.get("BENCH_PG_UNITS", "3321"))
WRITERS = int(os.environ.get("BENCH_PG_WRITERS", "50"))
SAVES = int(os.environ.get("BENCH_PG_SAVES", "200"))

WRITER = """
import json, sys, time
from inspect_tool.core import open_core
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow
url, ident, saves = sys.argv[1], sys.argv[2], int(sys.argv[3])
core = open_core(entry_points=False)
with open_store(url, user="writer") as store:
    flow = Workflow(core, store)
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # all start together
    for n in range(saves):
        started = time.perf_counter()
        flow.answer(ident, "1.2", {"count": str(n % 5)}, note=f"save {n}")
        took = time.perf_counter() - started
        sys.stdout.write(json.dumps([n, took]) + "\\n"); sys.stdout.flush()
"""


def median_time(action, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    cluster = Cluster()
    try:
        _admin, url = cluster.new_store()
        core = open_core(entry_points=False)
        with open_store(url, user="Sở Nội vụ") as store:
            started = time.perf_counter()
            build_province(core, store, UNITS)
            flow = Workflow(core, store)
            flow.summaries()  # the store keeps the summaries of what was loaded without them
            print(f"built {UNITS} units in {time.perf_counter() - started:.1f} s")
            out = Path(tempfile.mkdtemp()) / "rank.csv"
            rank = median_time(lambda: write_ranking(flow, SET, YEAR, out))
            listed = median_time(flow.summaries)
            mine = [s.id for s in flow.summaries() if s.state == "draft"][:WRITERS]
            own = [s.id for s in flow.summaries() if s.kind == "self"]
            targets = (mine + own)[:WRITERS]
            for ident in targets:  # every writer answers a draft of its own
                a = flow.get(ident)
                if a.state != "draft":
                    flow.reopen(ident, "bench")
        env = dict(os.environ, INSPECT_TOOL_PLUGINS_DIR=os.devnull, PYTHONPATH=str(ROOT))
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, url, ident, str(SAVES)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
            for ident in targets
        ]
        for job in writers:
            assert job.stdout.readline().strip() == "ready"
        for job in writers:
            job.stdin.write("go\n")
            job.stdin.flush()
        reader_store = open_store(url, user="reader", write=False)
        reads = 0
        while any(job.poll() is None for job in writers):
            write_ranking(Workflow(core, reader_store), SET, YEAR, out, stage="self")
            reads += 1
        reader_store.close()
        times, acknowledged = [], {}
        for ident, job in zip(targets, writers, strict=True):
            lines = [json.loads(line) for line in job.stdout.read().split("\n") if line]
            times += [took for _n, took in lines]
            acknowledged[ident] = [n for n, _took in lines]
        lost = 0
        with open_store(url, user="check", write=False) as store:
            for ident, done in acknowledged.items():
                log = store.audit_log(ident)
                assert verify(ident, log) is None, f"broken chain in {ident}"
                notes = {e["new"].get("note") for e in log if isinstance(e.get("new"), dict)}
                lost += sum(1 for n in done if f"save {n}" not in notes)
        p95 = statistics.quantiles(times, n=20)[18] * 1000 if len(times) > 1 else 0.0
        median = statistics.median(times) * 1000 if times else 0.0
        print(f"ranking read {reads} times while writing; median save {median:.1f} ms")
        print(
            f"pg: {UNITS} units, rank {rank:.2f} s, list {listed:.2f} s, "
            f"{len(targets)} writers p95 {p95:.1f} ms, {len(times)} saves, {lost} lost"
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
