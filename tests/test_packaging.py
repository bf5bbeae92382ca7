"""A wheel built from the repository carries the criteria sets and finds them when installed
somewhere else (not only in a checkout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_wheel_carries_and_finds_the_shipped_sets(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("inspect_tool-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "inspect_tool/_data/criteria/cchc-xa-2025.yaml" in names
    assert "inspect_tool/demo_data/units.csv" in names
    assert "inspect_tool/_data/reports/minutes/minutes.html" in names
    assert "inspect_tool/settings.yaml" in names

    site = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import json, inspect_tool, inspect_tool.resources as r;"
        "from inspect_tool.core import open_core;"
        "c = open_core(entry_points=False);"
        "print(json.dumps({'file': inspect_tool.__file__, 'dir': str(r.shipped_dir('criteria')),"
        "'sets': sorted(s.id for s in c.catalog.sets), 'problems': len(c.catalog.problems)}))"
    )
    env = dict(os.environ, PYTHONPATH=str(site), INSPECT_TOOL_PLUGINS_DIR=str(tmp_path / "none"))
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    assert data["file"].startswith(str(site))
    assert data["dir"].startswith(str(site))
    assert {"cchc-xa-2025", "kiem-tra-mot-cua-2025"} <= set(data["sets"])
    assert data["problems"] == 0
