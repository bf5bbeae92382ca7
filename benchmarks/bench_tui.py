"""App speed, measured with Textual's Pilot on the demo store.

- start: from creating the app (core and store already open, as after `inspect-tool` has
  parsed its arguments) to the units screen showing its rows, in a fresh process: the import
  of the app's modules is included.
- step: the median time of one "next item" across the whole commune set: the action PageDown
  is bound to, then Pilot's pause until the app is idle with the new item laid out. (Pilot's
  own `press` adds fixed waits of its own of about 60 ms, so the action is called directly; the
  time of an empty pause is printed too, as the floor of this measure.)

Goal (issue 4): start under 1000 ms, a step under 50 ms. Last line:
    tui: start <ms> ms, step <ms> ms
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.demo import build_demo_store  # noqa: E402
from inspect_tool.store import open_store  # noqa: E402

SIZE = (150, 45)


async def measure(folder: Path) -> tuple[float, float, int]:
    core = open_core(entry_points=False)
    with open_store(folder, user="bench") as store:
        build_demo_store(core, store)
    store = open_store(folder, user="bench")
    started = time.perf_counter()
    from textual.widgets import DataTable

    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.screens.assessment import AssessmentScreen

    app = InspectApp(core, store)
    async with app.run_test(size=SIZE) as pilot:
        while not app.screen.query(DataTable) or not app.screen.query_one(DataTable).row_count:
            await pilot.pause()
        start_ms = (time.perf_counter() - started) * 1000
        screen = app.screen
        key = next(k for k, (u, a) in screen.rows.items() if u.code == "HB-X05" and a is not None)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await pilot.pause()
        assessment = app.screen
        assert isinstance(assessment, AssessmentScreen)
        await pilot.press("pagedown")  # the key is bound and works; time the step itself:
        steps, cpu = [], []
        for _ in range(len(assessment.codes)):
            before, before_cpu = time.perf_counter(), time.process_time()
            assessment.action_next_item()
            await pilot.pause()  # until the app is idle again: the new item is laid out
            steps.append((time.perf_counter() - before) * 1000)
            cpu.append((time.process_time() - before_cpu) * 1000)
        idle = []
        for _ in range(20):
            before = time.perf_counter()
            await pilot.pause()
            idle.append((time.perf_counter() - before) * 1000)
    store.close()
    return start_ms, statistics.median(steps), statistics.median(idle), statistics.median(cpu)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        start_ms, step_ms, idle_ms, cpu_ms = asyncio.run(measure(Path(tmp) / "demo"))
    print(
        f"  an empty Pilot pause (the floor of a step): {idle_ms:.1f} ms; CPU time of a step: "
        f"{cpu_ms:.1f} ms (the rest is waiting for Textual's next frame)"
    )
    print(f"tui: start {start_ms:.0f} ms, step {step_ms:.1f} ms")


if __name__ == "__main__":
    main()
