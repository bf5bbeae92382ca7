"""Shared fixtures: the real plugin registry and catalog, and small sets written to disk."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from inspect_tool.core import Core, open_core
from inspect_tool.criteria import load_set
from inspect_tool.i18n import set_language
from inspect_tool.model import CriteriaSet
from inspect_tool.plugins import load_plugins
from inspect_tool.scoring import Engine

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def english_messages():
    """Tests assert on messages in English; the Vietnamese catalog has tests of its own."""
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(scope="session")
def core(tmp_path_factory) -> Core:
    """The tool as a user gets it, without third-party plugins of this machine."""
    return open_core(tmp_path_factory.mktemp("no-plugins"), entry_points=False)


@pytest.fixture(scope="session")
def methods(tmp_path_factory):
    return load_plugins(tmp_path_factory.mktemp("no-plugins2"), entry_points=False).methods


SMALL_SET = """\
id: small
title: Bộ nhỏ
version: "1"
year: 2025
level: [commune, ward]
basis: Thử nghiệm; điểm minh họa.
max_points: 10
na_policy: exclude
bands:
  - {min: 90, label: Xuất sắc}
  - {min: 50, label: Đạt}
  - {min: 0, label: Yếu}
areas:
  - code: "1"
    title: Chỉ đạo
    criteria:
      - code: "1.1"
        title: Kế hoạch
        max_points: 2
        method: yes_no
      - code: "1.2"
        title: Kiểm tra
        max_points: 3
        children:
          - {code: "1.2.1", title: Có kế hoạch, max_points: 1, method: yes_no, na_policy: full}
          - code: "1.2.2"
            title: Tỷ lệ
            max_points: 2
            method: ratio
            params: {numerator: Đã kiểm tra, denominator: Kế hoạch}
  - code: "2"
    title: Thủ tục
    criteria:
      - code: "2.1"
        title: Tỷ lệ đúng hạn
        max_points: 5
        method: tiers
        na_policy: forbid
        params:
          input: {label: Tỷ lệ đúng hạn}
          tiers: [{min: 100, points: 5}, {min: 95, points: 3}]
  - code: "B"
    title: Thưởng, trừ
    kind: bonus_penalty
    max_points: 1
    criteria:
      - {code: B.1, title: Sáng kiến, max_points: 1, method: bonus_penalty,
         params: {direction: bonus, per: 0.5}}
      - {code: B.2, title: Vi phạm, max_points: 2, method: bonus_penalty,
         params: {direction: penalty, per: 1}}
"""


@pytest.fixture
def write(tmp_path):
    """Write a file under tmp_path (dedented) and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def small(write, methods) -> CriteriaSet:
    return load_set(write("small.yaml", SMALL_SET), methods)


@pytest.fixture
def small_engine(small, methods) -> Engine:
    return Engine(small, methods)


# -- the two stores --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL server for the session (tests/pg_cluster.py). Where PostgreSQL
    is not installed the central store's tests are skipped, except in CI, where that fails."""
    import os

    from tests.pg_cluster import ENV, Cluster, binaries

    if not os.environ.get(ENV) and binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: scripts/system-deps.sh should have")
        pytest.skip("PostgreSQL is not installed (scripts/system-deps.sh installs it)")
    cluster = Cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_store(pg_cluster):
    """(administrator's URL, a department account's URL) of a fresh central store."""
    return pg_cluster.new_store()


@pytest.fixture(params=["embedded", "postgres"])
def store_target(request, tmp_path):
    """Where a store lives, for tests that run against both: a folder, or the URL of a fresh
    central store (as a department account)."""
    if request.param == "embedded":
        return tmp_path / "store"
    return request.getfixturevalue("pg_store")[1]


@pytest.fixture(scope="session")
def demo_store(core, tmp_path_factory):
    """`demo_store(folder, user)`: an embedded store at `folder` holding the demo province, its
    entries recorded by `user`. Built once per user for the session and copied (about 10 ms
    against a second or more to build), so that tests that change it each have their own."""
    import shutil

    from inspect_tool.demo import build_demo_store
    from inspect_tool.store import open_store

    built: dict[str, Path] = {}

    def make(folder: Path, user: str = "Tổ kiểm tra") -> Path:
        if user not in built:
            template = tmp_path_factory.mktemp("demo-template") / "demo"
            with open_store(template, user=user) as store:
                build_demo_store(core, store)
            built[user] = template
        shutil.copytree(built[user], folder, ignore=shutil.ignore_patterns(".lock", "lock.owner"))
        return folder

    return make


@pytest.fixture
def demo_path(demo_store, tmp_path):
    """A store folder holding the demo province (the app's tests open it)."""
    return demo_store(tmp_path / "demo")


@pytest.fixture
def steady_cursor(monkeypatch):
    """Inputs keep their cursor shown instead of blinking every 0.5 s, so a snapshot does not
    depend on how long a loaded machine took to reach it (a flake seen under load)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "_toggle_cursor", lambda self: None)
