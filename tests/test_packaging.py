"""A wheel built from the repository carries the criteria sets and finds them when installed
somewhere else (not only in a checkout)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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
    for template in ("base", "self", "appraisal", "inspection"):
        assert f"inspect_tool/_data/reports/minutes/{template}.html" in names
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


def locked(lock: Path) -> dict[str, str]:
    """Name → exact version of every requirement of a lock that applies to this Python."""
    from packaging.markers import Marker
    from packaging.utils import canonicalize_name

    found = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "# -":
            continue
        spec, _, marker = line.rstrip(" \\").partition(";")
        name, _, version = spec.strip().partition("==")
        if not marker.strip() or Marker(marker.strip()).evaluate():
            found[canonicalize_name(name)] = version
    return found


@pytest.mark.skipif(
    bool(os.environ.get("INSPECT_TOOL_UNLOCKED")), reason="`make test-latest` runs unlocked"
)
def test_the_environment_has_exactly_the_locked_versions():
    """`make test` installs requirements/test.txt; a version other than the lock's means the
    suite did not test what CI and the README's commands install."""
    from importlib.metadata import version

    wrong = {
        name: (want, version(name))
        for name, want in locked(REPO / "requirements" / "test.txt").items()
        if version(name) != want
    }
    assert wrong == {}, "run `make test` to install the lock (name: locked, installed)"


def test_the_locks_agree_and_list_every_first_party_plugin():
    test = locked(REPO / "requirements" / "test.txt")
    for other in ("runtime.txt", "bench.txt"):
        lock = locked(REPO / "requirements" / other)
        assert {n: v for n, v in lock.items() if test.get(n) != v} == {}, other
    listed = (REPO / "requirements" / "test.in").read_text(encoding="utf-8")
    for plugin in (REPO / "plugins").glob("*/pyproject.toml"):
        assert f"-e ./plugins/{plugin.parent.name}" in listed
