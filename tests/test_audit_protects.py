"""The audit trail protects the data (issue 14, item 4): a one-byte edit of an assessment's
data, dropped last entries and entries out of time order are caught by `audit verify`;
`reopen` of damaged data refuses and writes nothing; old logs without content hashes still
verify, and say so; signed minutes anchor the chain head."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.store import audit, open_store
from inspect_tool.workflow import Workflow, WorkflowError


@pytest.fixture
def finalized(core, tmp_path, demo_store):
    """The demo store with one self-assessment finalized."""

    store = open_store(demo_store(tmp_path / "store", "Nguyễn Văn A"), user="Nguyễn Văn A")
    flow = Workflow(core, store)
    a = next(x for x in store.assessments() if x.kind == "self" and x.state == "submitted")
    flow.finalize(a.id)
    yield flow, a.id
    store.close()


def run(tmp_path: Path, *args: str):
    return CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "--plugins-dir",
            str(tmp_path / "none"),
            "--db",
            str(tmp_path / "store"),
            *args,
        ],
    )


def file_of(flow, assessment_id: str) -> Path:
    return flow.store.path / "assessments" / f"{assessment_id}.json"


def test_an_intact_store_verifies(finalized, tmp_path):
    result = run(tmp_path, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "intact" in result.output and "no content hash" not in result.output


def test_a_one_byte_edit_of_the_data_is_caught_and_reopen_refuses(finalized, tmp_path):
    flow, ident = finalized
    path = file_of(flow, ident)
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    header = data["header"]["1"]
    header["place"] = (header.get("place") or "") + "x"  # one more character
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    result = run(tmp_path, "audit", "verify")
    assert result.exit_code == 1 and "not the data of the last audit entry" in result.output
    damaged = path.read_bytes()
    backup = path.with_name(path.name + ".bak")
    kept = backup.read_bytes() if backup.exists() else None
    with pytest.raises(WorkflowError, match="damaged"):
        flow.reopen(ident, "sửa")
    assert path.read_bytes() == damaged  # not written back
    assert (backup.read_bytes() if backup.exists() else None) == kept  # last good copy kept


@pytest.mark.parametrize("what", ["figure", "state"])
def test_edits_of_figures_and_states_are_caught(finalized, tmp_path, what):
    flow, ident = finalized
    path = file_of(flow, ident)
    data = json.loads(path.read_text(encoding="utf-8"))
    if what == "state":
        data["header"]["1"]["state"] = "draft"
    else:
        item = next(d for d in data["items"].values() if d.get("inputs"))
        key = next(iter(item["inputs"]))
        value = item["inputs"][key]
        item["inputs"][key] = (
            (value + 1) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )
        if item["inputs"][key] == value:
            item["note"] = item.get("note", "") + "."
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    assert run(tmp_path, "audit", "verify").exit_code == 1


def test_dropping_the_last_entries_is_caught(finalized, tmp_path):
    flow, ident = finalized
    path = file_of(flow, ident)
    data = json.loads(path.read_text(encoding="utf-8"))
    audit_table = data["audit"]
    last = max(audit_table, key=int)
    del audit_table[last]  # the finalize entry gone, the data left as it is
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    result = run(tmp_path, "audit", "verify")
    assert result.exit_code == 1, result.output


def test_entries_out_of_time_order_are_reported():
    first = audit.chain(None, "a", "created", None, 1)
    second = audit.chain(first, "a", "state", "draft", "submitted")
    second["when"] = "2020-01-01T00:00:00+07:00"
    second["hash"] = audit._digest(second)
    broken = audit.verify("x", [first, second])
    assert broken is not None and "out of time order" in broken.reason


def test_old_logs_without_content_hashes_still_verify_and_say_so(finalized, tmp_path):
    flow, ident = finalized
    path = file_of(flow, ident)
    data = json.loads(path.read_text(encoding="utf-8"))
    previous = None
    for key in sorted(data["audit"], key=int):  # as an older inspect-tool wrote them
        entry = data["audit"][key]
        entry.pop("content", None)
        entry.pop("hash")
        entry["prev"] = previous["hash"] if previous else ""
        entry["hash"] = audit._digest(entry)
        previous = entry
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    result = run(tmp_path, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "no content hash before entry" in result.output


def test_the_content_hash_is_canonical_json_of_the_codec_documents(finalized):
    flow, ident = finalized
    log = flow.store.audit_log(ident)
    assert log[-1]["content"] == audit.assessment_hash(flow.store.assessment(ident))
    header, items = {"b": 1, "a": "ạ"}, [{"code": "2"}, {"code": "1"}]
    expected = json.dumps(
        {"header": header, "items": sorted(items, key=lambda d: d["code"])},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    import hashlib

    assert audit.content_hash(header, items) == hashlib.sha256(expected).hexdigest()


def test_minutes_carry_the_chain_head_of_a_finalized_assessment(finalized):
    from inspect_tool.minutes import assessment_data

    flow, ident = finalized
    data = assessment_data(flow, flow.get(ident))
    log = flow.store.audit_log(ident)
    assert data["audit"] == {
        "seq": len(log),
        "hash": log[-1]["hash"],
        "content": log[-1]["content"],
    }
