"""benchmarks/bench_server.py at a tiny scale (3 ward clients, unpaced): it runs to its end
against a real server over a real PostgreSQL and its last line keeps its contract, with no
error and nothing lost."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg_cluster import ENV, binaries

REPO = Path(__file__).resolve().parent.parent
LAST = re.compile(r"server: (\d+) clients, (\d+) answers, p95 [\d.]+ ms, (\d+) errors, (\d+) lost")


@pytest.mark.slow
def test_bench_server_at_a_tiny_scale():
    if not os.environ.get(ENV) and binaries() is None:
        pytest.skip("PostgreSQL is not installed")
    env = dict(os.environ, BENCH_SERVER_CLIENTS="3", BENCH_SERVER_PACE="0", BENCH_SERVER_RAMP="0")
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_server.py")],
        capture_output=True, text=True, env=env, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    last = result.stdout.strip().splitlines()[-1]
    match = LAST.fullmatch(last)
    assert match, last
    clients, answers, errors, lost = map(int, match.groups())
    assert (clients, answers, errors, lost) == (3, 3 * 64, 0, 0), result.stdout
