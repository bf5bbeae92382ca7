"""The progress board (inspect_tool/progress.py): read from the summaries of both stores, its
filters, `inspect-tool progress`, and its live updates on the central store: a save through
one connection is told to another's board (LISTEN/NOTIFY, real PostgreSQL), and a board whose
connection was cut reads everything again."""

from __future__ import annotations

import json
import threading

import psycopg
import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.model import Unit
from inspect_tool.progress import Filters, read_board
from inspect_tool.store import Change, can_watch, open_store
from inspect_tool.workflow import Workflow

SET = "cchc-xa-2025"
UNITS = [
    Unit("P-01", "Phường Đông Sơn", "ward", "Tỉnh P"),
    Unit("P-02", "Xã Hòa Bình", "commune", "Tỉnh P"),
    Unit("P-03", "Xã Tân Lập", "commune", "Tỉnh P"),
]


def _province(core, target) -> dict[str, str]:
    with open_store(target, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, len(UNITS))])
        flow = Workflow(core, store)
        ids = {u.code: flow.new(u.code, SET, 2025, "self").id for u in UNITS[:2]}
    with open_store(target, user="Cán bộ phường") as store:
        Workflow(core, store).answer(ids["P-01"], "1.1.1", {"date": "2025-02-01"})
    return ids


def test_the_board_on_both_stores(core, store_target):
    ids = _province(core, store_target)
    with open_store(store_target, user="x", write=False) as store:
        board = read_board(store)
        assert [r.unit for r in board.rows] == ["P-01", "P-02", "P-03"]
        first = board.rows[0]
        assert (first.id, first.state, first.answered, first.by) == (
            ids["P-01"], "draft", 1, "Cán bộ phường",
        )  # fmt: skip
        assert first.items > 1 and first.updated
        assert board.rows[2].id == "" and board.counts == {
            "draft": 2, "submitted": 0, "finalized": 0, "none": 1,
        }  # fmt: skip
        assert [r.unit for r in read_board(store, Filters(text="dong son")).rows] == ["P-01"]
        assert [r.unit for r in read_board(store, Filters(text="hòa")).rows] == ["P-02"]
        commune = read_board(store, Filters(unit_kind="commune", state="draft"))
        assert [r.unit for r in commune.rows] == ["P-02"]
        assert commune.counts["none"] == 1 and commune.units == 2  # the state's filter aside
    for bad in ({"state": "done"}, {"unit_kind": "city"}, {"text": "x" * 201}):
        with pytest.raises(ValueError):
            Filters(**bad)


def test_progress_on_the_command_line(core, store_target):
    _province(core, store_target)
    runner = CliRunner()
    base = ["--lang", "en", "--db", str(store_target), "progress"]
    result = runner.invoke(cli, [*base, "--json", "--search", "tan lap"])
    assert result.exit_code == 0, result.output
    board = json.loads(result.output)
    assert [r["unit"] for r in board["rows"]] == ["P-03"] and board["counts"]["none"] == 1
    result = runner.invoke(cli, base)
    assert result.exit_code == 0, result.output
    assert "P-01" in result.output and "Đông" in result.output  # an 80-column table wraps
    assert "not started: 1" in result.output
    assert runner.invoke(cli, [*base, "--state", "done"]).exit_code == 2


def test_a_save_through_one_connection_shows_on_another_board(core, pg_store):
    admin, url = pg_store
    ids = _province(core, url)
    batches: list[frozenset[str] | None] = []
    seen = threading.Event()
    stop = threading.Event()
    with open_store(url, user="board", write=False) as board_store:
        assert can_watch(board_store)

        def listen() -> None:
            for batch in board_store.watch(stop, wait=0.1):
                batches.append(batch)
                seen.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        try:
            assert seen.wait(30) and batches == [None]  # connected: read everything
            seen.clear()
            with open_store(url, user="Phường Hòa Bình") as ward:  # another connection
                Workflow(core, ward).answer(ids["P-02"], "1.1.1", {"date": "2025-02-02"})
            assert seen.wait(30) and batches[-1] == frozenset({ids["P-02"]})
            row = next(r for r in read_board(board_store).rows if r.id == ids["P-02"])
            assert (row.answered, row.by) == (1, "Phường Hòa Bình")
            seen.clear()
            with psycopg.connect(admin, autocommit=True) as conn:  # the connection is cut
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE query LIKE 'LISTEN%' AND datname = current_database()"
                )
            while batches[-1] is not None:  # it comes back and says: read everything again
                assert seen.wait(30)
                seen.clear()
        finally:
            stop.set()
            listener.join(30)
    assert not listener.is_alive()


def test_the_embedded_store_does_not_watch(tmp_path):
    with open_store(tmp_path / "store", user="x") as store:
        assert not can_watch(store)
