"""App speed, measured with Textual's Pilot on the demo store.

- start: from creating the app (core and store already open, as after `inspect-tool` has
  parsed its arguments) to the units screen showing its rows, in a fresh process: the import
  of the app's modules is included.
- step: the median time of one "next item" across the whole commune set, from the action
  PageDown is bound to until the terminal shows what it will show once the app is idle.

How a step is timed. `run_test` is headless: the app makes its frames but sends them nowhere.
Here every frame is turned into the escape sequences a real terminal would receive (at the
same cost as the real driver) and kept with the time it was ready. After the run the frames
are played into a virtual terminal (pyte), so each step's last frame that changed what is on
the screen is known: the step ends there. Frames that redraw the same picture (Textual lays
out a second time when widgets changed size) do not count; frames that change it do. The
inputs' cursors do not blink here: a blink changes the screen on a timer, not because of a step.
The app opens an assessment with the focus in the current item's form, as someone answering has
it, and each step keeps it there (in the next item's first field).

Also printed, for comparison with earlier runs: the old measure, the time until Pilot's
`pause()` returns. That waits in 20 ms slices until one slice passes idle, so it is at least
one idle slice longer than the step (an empty pause is printed as its floor); and the CPU time.

Goal (issue 4): start under 1000 ms, a step under 50 ms. Last line:
    tui: start <ms> ms, step <ms> ms
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyte

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.demo import build_demo_store  # noqa: E402
from inspect_tool.store import open_store  # noqa: E402

SIZE = (150, 45)


@dataclass
class Frames:
    """Every frame the app would write to its terminal, with the time it was ready."""

    sent: list[tuple[float, str]] = field(default_factory=list)

    def record(self, app) -> None:
        # App._display is where the driver would be handed the frame; headless, it returns
        # early, so the escape sequences are made here instead.
        from textual._compositor import CompositorUpdate

        display = app._display

        def recording(screen, renderable) -> None:
            display(screen, renderable)
            if renderable is None or app._batch_count:
                return
            if isinstance(renderable, CompositorUpdate):
                data = renderable.render_segments(app.console)
            else:
                data = app.console._render_buffer(app.console.render(renderable))
            self.sent.append((time.perf_counter(), data))

        app._display = recording

    def since(self, index: int) -> list[tuple[float, str]]:
        return self.sent[index:]


class Terminal:
    """A virtual terminal the recorded frames are played into."""

    def __init__(self, size: tuple[int, int]):
        self.screen = pyte.Screen(*size)
        self.stream = pyte.Stream(self.screen)

    def play(self, data: str) -> None:
        self.stream.feed(data)

    def picture(self) -> tuple:
        """What is on the screen: every cell's character and attributes."""
        buffer = self.screen.buffer
        return tuple(
            tuple(buffer[y][x] for x in range(self.screen.columns))
            for y in range(self.screen.lines)
        )


def step_times(terminal: Terminal, steps: list[tuple[float, list[tuple[float, str]]]]):
    """For each step (start, its frames): ms from start to its last frame changing the screen."""
    times, counted = [], []
    for start, frames in steps:
        last, changed = start, 0
        before = terminal.picture()
        for when, data in frames:
            terminal.play(data)
            now = terminal.picture()
            if now != before:
                last, changed, before = when, changed + 1, now
        times.append((last - start) * 1000)
        counted.append(changed)
    return times, counted


async def measure(folder: Path) -> dict[str, float]:
    core = open_core(entry_points=False)
    with open_store(folder, user="bench") as store:
        build_demo_store(core, store)
    store = open_store(folder, user="bench")
    started = time.perf_counter()
    from textual.widgets import DataTable, Input

    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.screens.assessment import AssessmentScreen

    app = InspectApp(core, store)
    frames = Frames()
    frames.record(app)
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
        for entry in assessment.query(Input):
            entry.cursor_blink = False  # a blinking cursor changes the screen twice a second
        await pilot.press("pagedown")  # the key is bound and works; time the step itself:
        await pilot.pause()
        before_steps = len(frames.sent)
        steps, paused, cpu, codes = [], [], [], []
        for _ in range(len(assessment.codes)):
            first = len(frames.sent)
            codes.append(
                assessment.codes[
                    (assessment.codes.index(assessment.code) + 1) % len(assessment.codes)
                ]
            )
            before, before_cpu = time.perf_counter(), time.process_time()
            assessment.action_next_item()
            await pilot.pause()  # until the app is idle again
            paused.append((time.perf_counter() - before) * 1000)
            cpu.append((time.process_time() - before_cpu) * 1000)
            steps.append((before, frames.sent[first:]))
        idle = []
        for _ in range(20):
            before = time.perf_counter()
            await pilot.pause()
            idle.append((time.perf_counter() - before) * 1000)
    store.close()
    terminal = Terminal(SIZE)
    for _when, data in frames.sent[:before_steps]:
        terminal.play(data)
    times, changed = step_times(terminal, steps)
    return {
        "start": start_ms,
        "step": statistics.median(times),
        "step_p90": statistics.quantiles(times, n=10)[-1],
        "step_max": max(times),
        "frames": statistics.median(len(f) for _s, f in steps),
        "changing": statistics.median(changed),
        "paused": statistics.median(paused),
        "idle": statistics.median(idle),
        "cpu": statistics.median(cpu),
        "cpu_p90": statistics.quantiles(cpu, n=10)[-1],
        # the slowest steps by their item: the tail is read by what those items show
        "slowest": sorted(zip(times, codes, strict=True), reverse=True)[:3],
        "load": os.getloadavg()[0],
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        m = asyncio.run(measure(Path(tmp) / "demo"))
    print(
        f"  frames per step: {m['frames']:.0f} made, {m['changing']:.0f} changing the screen; "
        f"9 steps in 10 within {m['step_p90']:.1f} ms, slowest {m['step_max']:.1f} ms; "
        f"CPU time of a step {m['cpu']:.1f} ms"
    )
    slowest = ", ".join(f"{code} {ms:.0f} ms" for ms, code in m["slowest"])
    print(
        f"  CPU time of 9 steps in 10 within {m['cpu_p90']:.1f} ms; slowest steps: {slowest}; "
        f"load {m['load']:.2f} (2 cores shared: the wall-clock tail grows with it)"
    )
    print(
        f"  until Pilot's pause() returns: {m['paused']:.1f} ms a step "
        f"(an empty pause takes {m['idle']:.1f} ms)"
    )
    print(f"tui: start {m['start']:.0f} ms, step {m['step']:.1f} ms")


if __name__ == "__main__":
    main()
