"""The app benchmark's way of timing a step (benchmarks/bench_tui.py): a step ends at the last
frame that changes what the terminal shows, not at a frame that redraws the same picture."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from bench_tui import Terminal, step_times  # noqa: E402


def test_a_step_ends_at_its_last_frame_that_changes_the_screen():
    terminal = Terminal((20, 3))
    terminal.play("\x1b[1;1Hold item")
    steps = [
        (
            10.0,
            [
                (10.020, "\x1b[1;1Hnew item"),  # the new item shows
                (10.040, "\x1b[1;1Hnew item"),  # a second layout draws the same again
            ],
        ),
        (
            11.0,
            [
                (11.010, "\x1b[1;1Hthird   "),
                (11.030, "\x1b[2;1H\x1b[7m \x1b[0m"),  # a scrollbar appears a frame later
                (11.050, "\x1b[2;1H\x1b[7m \x1b[0m"),
            ],
        ),
        (12.0, []),  # nothing drawn: nothing to wait for
    ]
    times, changing = step_times(terminal, steps)
    assert [round(t) for t in times] == [20, 30, 0]
    assert changing == [1, 2, 0]


def test_attributes_count_as_a_change():
    terminal = Terminal((5, 1))
    terminal.play("\x1b[1;1Hab")
    times, changing = step_times(terminal, [(0.0, [(0.005, "\x1b[1;1H\x1b[1mab\x1b[0m")])])
    assert changing == [1]  # the same letters, now bold: the cursor moving in the tree is so


@pytest.mark.slow
def test_the_benchmark_runs_and_prints_its_contract_line():
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_tui.py")],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"tui: start \d+ ms, step \d+\.\d ms", last), result.stdout
    assert "changing the screen" in result.stdout
