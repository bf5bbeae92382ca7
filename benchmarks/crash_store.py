"""Crash safety: a writer killed with SIGKILL at random moments, many times.

Each trial starts a writer process that saves answers one after another and prints an
acknowledgement after each save returns; the parent kills it at a random moment, then opens
the store (taking over the dead writer's lock), and checks that every acknowledged answer is
there and that every file and audit log reads. `--db postgresql://…` runs the same trials on
a central store (killed mid-transaction: what was committed stays, what was not is rolled
back). Prints, last:

    crash: <trials> trials, <lost> lost, <corrupt> corrupt
"""

from __future__ import annotations

import argparse
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.store import (  # noqa: E402
    StoreError,
    audit,  # noqa: E402
    open_store,
)
from inspect_tool.units import read_units_csv  # noqa: E402
from inspect_tool.workflow import Workflow  # noqa: E402

SET = "cchc-xa-2025"


def count_items(flow: Workflow, ref: str) -> list[str]:
    """Items answered by one count: the writer can give each save a new, checkable value."""
    engine = flow.engine(flow.get(ref))
    return [
        c.code
        for c in engine.cset.items()
        if [(s.name, s.type) for s in engine.inputs(c.code)] == [("count", "count")]
    ]


def where(target: str) -> str | Path:
    """A central store's URL as given, else a folder."""
    return target if target.startswith(("postgresql://", "postgres://")) else Path(target)


def writer(target: str, ref: str) -> None:
    """Save answers forever; print `ack CODE VALUE` after each save has returned."""
    core = open_core(entry_points=False)
    with open_store(where(target), user="crash-writer") as store:
        flow = Workflow(core, store)
        codes = count_items(flow, ref)
        value = 0
        while True:
            value += 1
            code = codes[value % len(codes)]
            flow.answer(ref, code, {"count": value})
            print(f"ack {code} {value}", flush=True)


def setup(folder: str | Path) -> str:
    core = open_core(entry_points=False)
    with open_store(folder, user="setup") as store:
        store.put_units(read_units_csv(ROOT / "inspect_tool" / "demo_data" / "units.csv"), [])
        return Workflow(core, store).new("HB-X01", SET, 2025, "self").id


def trial(folder: str | Path, ref: str, rng: random.Random) -> tuple[int, int, int]:
    """One kill; returns (lost, corrupt, saves acknowledged) for it."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--writer", str(folder), ref],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    acked: dict[str, int] = {}
    saves = 0
    deadline = time.monotonic() + rng.uniform(0.3, 1.5)  # start-up takes ~0.3 s
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            line = proc.stdout.readline()
            if not line:
                break
            _ack, code, value = line.split()
            acked[code] = int(value)
            saves += 1
    os.kill(proc.pid, signal.SIGKILL)
    for line in proc.stdout:  # acknowledgements already written before the kill
        _ack, code, value = line.split()
        acked[code] = int(value)
        saves += 1
    proc.wait()
    try:
        with open_store(folder, user="checker") as store:
            assessment = store.assessment(ref)
            for name, entries in store.audit_logs():
                if audit.verify(name, entries):
                    return 0, 1, saves
    except (StoreError, ValueError, KeyError):
        return 0, 1, saves
    lost = 0
    for code, value in acked.items():
        item = assessment.items.get(code)
        # the save after the last acknowledged one may have landed too: never an older one
        if item is None or item.inputs.get("count", 0) < value:
            lost += 1
    return lost, 0, saves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", metavar="URL", help="a central store (postgresql://…) to use")
    parser.add_argument("--writer", nargs=2, metavar=("STORE", "ID"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.writer:
        writer(*args.writer)
        return
    rng = random.Random(args.seed)
    lost = corrupt = saves = 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = where(args.db) if args.db else Path(tmp) / "store"
        ref = setup(folder)
        for n in range(1, args.trials + 1):
            trial_lost, trial_corrupt, trial_saves = trial(folder, ref, rng)
            lost += trial_lost
            corrupt += trial_corrupt
            saves += trial_saves
            if n % 20 == 0:
                print(f"  {n} trials: {lost} lost, {corrupt} corrupt", flush=True)
    print(f"  {saves} saves acknowledged before the kills")
    print(f"crash: {args.trials} trials, {lost} lost, {corrupt} corrupt")


if __name__ == "__main__":
    main()
