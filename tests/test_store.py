"""The store on real files: atomic writes, damage, the lock, the schema, units, audit."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from inspect_tool.model import Unit
from inspect_tool.store import Change, StoreDamaged, StoreError, StoreLocked, open_store
from inspect_tool.store import embedded as tinystore
from inspect_tool.store.audit import verify
from inspect_tool.units import read_units_csv
from inspect_tool.yaml_lines import ProblemsError
from tests.conftest import REPO

UNITS = REPO / "inspect_tool" / "demo_data" / "units.csv"


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "store", user="tester") as s:
        yield s


def test_new_store_has_a_schema_and_units_round_trip(store):
    assert store.schema == tinystore.SCHEMA
    units = read_units_csv(UNITS)
    store.put_units(units, [Change("import", None, len(units))])
    assert store.unit("HB-P01") == Unit(
        "HB-P01", "Phường Hòa Bình", "ward", "Tỉnh Hòa An (mô phỏng)"
    )
    assert len(store.units()) == 16
    text = (store.path / "store.json").read_text(encoding="utf-8")
    assert "Phường Hòa Bình" in text  # readable Vietnamese, not \\u escapes


def test_every_write_keeps_the_last_good_copy(store):
    store.put_units([Unit("A", "Xã A", "commune")], [])
    store.put_units([Unit("B", "Xã B", "commune")], [])
    backup = json.loads((store.path / "store.json.bak").read_text(encoding="utf-8"))
    assert [d["code"] for d in backup["units"].values()] == ["A"]
    assert not list(store.path.glob(".*.tmp"))


def test_a_damaged_file_is_named_and_left_alone(tmp_path):
    with open_store(tmp_path / "s", user="t") as s:
        s.put_units([Unit("A", "Xã A", "commune")], [])
        s.put_units([Unit("B", "Xã B", "commune")], [])
    path = tmp_path / "s" / "store.json"
    path.write_text('{"units": {"1": {"code": "A"', encoding="utf-8")  # torn by a bad disk
    with pytest.raises(StoreDamaged) as info:
        open_store(tmp_path / "s", user="t")
    message = str(info.value)
    assert str(path) in message and "store.json.bak" in message
    assert path.read_text(encoding="utf-8") == '{"units": {"1": {"code": "A"'


def _hold_lock(path) -> subprocess.Popen:
    code = textwrap.dedent(f"""
        import sys, time
        from inspect_tool.store import open_store
        s = open_store({str(path)!r}, user="other")
        print("locked", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_a_second_writer_is_refused_and_a_dead_ones_lock_recovered(tmp_path):
    path = tmp_path / "s"
    proc = _hold_lock(path)
    try:
        with pytest.raises(StoreLocked) as info:
            open_store(path, user="me")
        assert "is open in another window: other on " in str(info.value)
        assert info.value.holder.startswith("other on ")
        assert info.value.holder.endswith(f", pid {proc.pid}")
        reader = open_store(path, user="me", write=False)  # reading is still possible
        assert reader.units() == []
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with open_store(path, user="me") as s:  # the killed process's lock is gone
        s.put_units([Unit("A", "Xã A", "commune")], [])


def test_read_only_store_refuses_writes(tmp_path):
    open_store(tmp_path / "s", user="t").close()
    reader = open_store(tmp_path / "s", user="t", write=False)
    with pytest.raises(StoreError, match="read-only"):
        reader.put_units([Unit("A", "Xã A", "commune")], [])


def test_newer_schema_refused_and_older_migrated(tmp_path, monkeypatch):
    path = tmp_path / "s"
    now = tinystore.SCHEMA
    open_store(path, user="t").close()
    monkeypatch.setattr(tinystore, "SCHEMA", 0)
    with pytest.raises(StoreError, match="newer inspect-tool"):
        open_store(path, user="t", write=False)
    monkeypatch.setattr(tinystore, "SCHEMA", now + 1)
    ran = []
    monkeypatch.setitem(tinystore.MIGRATIONS, now, lambda store: ran.append(store.path))
    with pytest.raises(StoreError, match="must be upgraded"):
        open_store(path, user="t", write=False)
    with open_store(path, user="t") as s:
        assert s.schema == now + 1 and ran == [path]
        log = dict(s.audit_logs())[str(path / "store.json")]
        assert log[-1]["what"] == "store schema"
        assert (log[-1]["old"], log[-1]["new"]) == (now, now + 1)


def test_units_csv_with_and_without_bom(tmp_path):
    text = "code,name,kind,parent\nX1,Xã Tân Phú,xã,Tỉnh A\nP1,Phường An,phường,Tỉnh A\n"
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "plain.csv").write_text(text, encoding="utf-8")
    assert read_units_csv(tmp_path / "bom.csv") == read_units_csv(tmp_path / "plain.csv")
    assert [u.kind for u in read_units_csv(tmp_path / "bom.csv")] == ["commune", "ward"]


def test_units_csv_bad_rows_all_reported(tmp_path):
    (tmp_path / "u.csv").write_text(
        "code,name,kind,parent\nX1,,xã,T\nX1,Xã B,town,T\n,Xã C,xã,T\nX4,Xã D,xã,T\n",
        encoding="utf-8",
    )
    with pytest.raises(ProblemsError) as info:
        read_units_csv(tmp_path / "u.csv")
    found = [str(p) for p in info.value.problems]
    where = str(tmp_path / "u.csv")
    assert f"{where}:2: the name is empty" in found
    assert f"{where}:3: code X1 is already on line 2" in found
    assert any(p.startswith(f"{where}:3: unknown kind 'town'") for p in found)
    assert f"{where}:4: the code is empty" in found
    (tmp_path / "h.csv").write_text("ma,ten\n1,2\n", encoding="utf-8")
    with pytest.raises(ProblemsError, match="missing column"):
        read_units_csv(tmp_path / "h.csv")
    (tmp_path / "l.csv").write_bytes("code,name,kind,parent\nX,Xã Tân,xã,T\n".encode("latin-1"))
    with pytest.raises(ProblemsError, match="not UTF-8"):
        read_units_csv(tmp_path / "l.csv")


def test_audit_chain_detects_edits_and_deletions(store):
    for i in range(4):
        store.put_units([Unit("A", f"Xã {i}", "commune")], [Change("unit A", i, i + 1)])
    log = dict(store.audit_logs())[str(store.path / "store.json")]
    assert verify("log", log) is None
    edited = [dict(e) for e in log]
    edited[1]["new"] = 99
    assert verify("log", edited).seq == 2
    assert "content changed" in verify("log", edited).reason
    deleted = log[:1] + log[2:]
    broken = verify("log", deleted)
    assert broken.seq == 2 and "missing" in broken.reason


def test_pid_of_the_lock_owner_is_recorded(store):
    owner = json.loads((store.path / "lock.owner").read_text(encoding="utf-8"))
    assert owner["pid"] == os.getpid() and owner["user"] == store.user and owner["since"]


def test_an_assessment_read_after_its_log_is_its_data_as_saved_now(demo_path):
    """The data and the log of one file are parsed once when read one after the other
    (`audit verify`), yet each read gives objects of its own, and a file saved in between
    is read again, not taken from the earlier parse."""
    from dataclasses import replace

    from inspect_tool.store.audit import assessment_hash

    with open_store(demo_path, user="tester") as s:
        ident = s.assessment_ids()[0]
        log = s.audit_log(ident)
        first = s.assessment(ident)
        assert log[-1]["content"] == assessment_hash(first)
        log[-1]["content"] = "changed by the caller"
        first.items.clear()  # what a caller does with its own copies stays with it
        assert s.audit_log(ident)[-1]["content"] == assessment_hash(s.assessment(ident))
        assert s.assessment(ident).items
        changed = replace(s.assessment(ident), place="saved in between")
        s.assessment(s.assessment_ids()[1])  # another file read in between
        s.audit_log(ident)  # parsed afresh, its data kept; then the file changes under it
        s.save(changed, [Change("place", "", "x")])
        again = s.assessment(ident)
        assert again.place == "saved in between"
        assert s.audit_log(ident)[-1]["content"] == assessment_hash(again)
