"""The central store at the nation's size: 3,321 units on PostgreSQL.

Builds a national store (3,321 units, their self-assessments submitted or finalized, about a
fifth appraised; bench_reports.build_province), then times the ranking (final stage, CSV) and
`assess list`'s read (the summaries), median of 3, and runs 50 writer processes that each
answer 200 items of their own assessments while the ranking is read again and again: first
back to back (the 2-core CPU queue: its p95 and saves/s printed on a line of their own), then
as people work, thinking `--think LOW-HIGH` seconds (uniform; default 1-3) before each answer,
which the last line reports: the latency of a save with 50 writers at once. Each writer times
every save (from the call to the commit) and reports the saves it was told were committed;
afterwards every acknowledged save of both rounds is looked for in the store ("lost" counts
those missing) and every audit chain is verified.

The server is a throw-away cluster (tests/pg_cluster.py) unless INSPECT_TOOL_TEST_PG names
one. Last line (a contract):
`pg: 3321 units, rank <s> s, list <s> s, 50 writers p95 <ms> ms, <n> saves, <k> lost`
Goals on this 2-core machine: rank ≤ 1 s, list ≤ 0.3 s, p95 ≤ 25 ms, 0 lost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
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
# a person reads an item, finds the figure and types it before saving: that takes seconds to
# minutes. 1 to 3 s (2 s on average) is quicker than people are, so that 50 writers give about
# 25 saves a second, the load of several hundred people at once, in minutes of benchmark
THINK = (1.0, 3.0)

WRITER = """
import json, random, sys, time
from inspect_tool.core import open_core
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow
url, ident, saves, tag = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
low, high, seed = float(sys.argv[5]), float(sys.argv[6]), int(sys.argv[7])
rng = random.Random(seed)
core = open_core(entry_points=False)
with open_store(url, user="writer") as store:
    flow = Workflow(core, store)
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # all start together
    for n in range(saves):
        if high > 0:
            time.sleep(rng.uniform(low, high))  # the person reads the item and types
        started = time.perf_counter()
        flow.answer(ident, "1.2", {"count": str(n % 5)}, note=f"save {tag} {n}")
        took = time.perf_counter() - started
        sys.stdout.write(json.dumps([n, took]) + "\\n"); sys.stdout.flush()
"""


@dataclass
class Round:
    """One round of writers: every save's time, the saves each writer was told committed,
    the round's wall time and how often the ranking was read meanwhile."""

    tag: str
    times: list[float] = field(default_factory=list)
    acknowledged: dict[str, list[int]] = field(default_factory=dict)
    wall: float = 0.0
    reads: int = 0

    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20)[18] * 1000 if len(self.times) > 1 else 0.0

    def median(self) -> float:
        return statistics.median(self.times) * 1000 if self.times else 0.0

    def rate(self) -> float:
        return len(self.times) / self.wall if self.wall else 0.0


def think_range(text: str) -> tuple[float, float]:
    """'LOW-HIGH' or 'SECONDS' (fixed), in seconds; '0' saves back to back."""
    low, _, high = text.partition("-")
    try:
        bounds = float(low), float(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give SECONDS or LOW-HIGH") from None
    if not 0 <= bounds[0] <= bounds[1] <= 600:
        raise argparse.ArgumentTypeError(f"{text!r}: 0 <= LOW <= HIGH <= 600 seconds")
    return bounds


def median_time(action, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run_writers(url: str, core, targets: list[str], think: tuple[float, float], tag: str) -> Round:
    """One writer process per assessment, all started together, each answering SAVES items
    with `think` seconds (uniform) before each; the ranking is read again and again until
    the last one ends."""
    env = dict(os.environ, INSPECT_TOOL_PLUGINS_DIR=os.devnull, PYTHONPATH=str(ROOT))
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, url, ident, str(SAVES), tag, *map(str, think), str(i)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i, ident in enumerate(targets)
    ]
    for job in writers:
        assert job.stdout.readline().strip() == "ready"
    result = Round(tag)
    started = time.perf_counter()
    for job in writers:
        job.stdin.write("go\n")
        job.stdin.flush()
    out = Path(tempfile.mkdtemp()) / "rank.csv"
    with open_store(url, user="reader", write=False) as reader_store:
        while any(job.poll() is None for job in writers):
            write_ranking(Workflow(core, reader_store), SET, YEAR, out, stage="self")
            result.reads += 1
    result.wall = time.perf_counter() - started
    for ident, job in zip(targets, writers, strict=True):
        lines = [json.loads(line) for line in job.stdout.read().split("\n") if line]
        result.times += [took for _n, took in lines]
        result.acknowledged[ident] = [n for n, _took in lines]
    return result


def count_lost(url: str, rounds: list[Round]) -> int:
    """Acknowledged saves missing from the store, over every round; every chain verified."""
    lost = 0
    with open_store(url, user="check", write=False) as store:
        for ident in rounds[0].acknowledged:
            log = store.audit_log(ident)
            assert verify(ident, log) is None, f"broken chain in {ident}"
            notes = {e["new"].get("note") for e in log if isinstance(e.get("new"), dict)}
            for done in rounds:
                saved = done.acknowledged.get(ident, [])
                lost += sum(1 for n in saved if f"save {done.tag} {n}" not in notes)
    return lost


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--think",
        type=think_range,
        default=THINK,
        metavar="LOW-HIGH",
        help="seconds a writer thinks before each answer, uniform in LOW-HIGH "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--no-back-to-back",
        action="store_true",
        help="skip the round of writers saving back to back (the CPU queue)",
    )
    args = parser.parse_args()
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
            targets = list(dict.fromkeys(mine + own))[:WRITERS]
            for ident in targets:  # every writer answers a draft of its own
                a = flow.get(ident)
                if a.state != "draft":
                    flow.reopen(ident, "bench")
        rounds = []
        if not args.no_back_to_back:
            fast = run_writers(url, core, targets, (0.0, 0.0), "b2b")
            rounds.append(fast)
            print(
                f"back to back (no think time): {len(targets)} writers p95 {fast.p95():.1f} ms, "
                f"median {fast.median():.1f} ms, {fast.rate():.0f} saves/s, "
                f"{len(fast.times)} saves in {fast.wall:.0f} s, ranking read {fast.reads} times; "
                f"{load()}"
            )
        low, high = args.think
        people = run_writers(url, core, targets, args.think, "think")
        rounds.insert(0, people)
        print(
            f"think time {low:g}-{high:g} s before each answer (--think; default "
            f"{THINK[0]:g}-{THINK[1]:g}): {len(targets)} writers p95 {people.p95():.1f} ms, "
            f"median {people.median():.1f} ms, {people.rate():.0f} saves/s, "
            f"{len(people.times)} saves in {people.wall:.0f} s, ranking read {people.reads} "
            f"times; {load()}"
        )
        lost = count_lost(url, rounds)
        print(
            f"pg: {UNITS} units, rank {rank:.2f} s, list {listed:.2f} s, "
            f"{len(targets)} writers p95 {people.p95():.1f} ms, {len(people.times)} saves, "
            f"{lost} lost"
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
