"""`audit verify --against`: a store checked against the signed minutes of one of its
assessments, as an official does before trusting either.

Real minutes made by the tool, signed with real test certificates, and the real store they
were made from; the store is then changed the ways a dispute would find it (reopened and
changed openly, the data edited behind the chain's back, the log cut).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.minutes import make_minutes
from inspect_tool.signing import make_test_cert, sign_pdf, signature_fields
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow

PW = b"mat-khau"


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path, monkeypatch):
    """The machine's own settings (and trust store) stay out of these tests."""
    monkeypatch.setenv("INSPECT_TOOL_SETTINGS", str(tmp_path / "none.yaml"))


@pytest.fixture(scope="module")
def signed(core, tmp_path_factory) -> tuple[Path, str, Path]:
    """(the store, the finalized self-assessment's id, its minutes signed in every field),
    with the signer's certificate beside them as signer.pem."""
    folder = tmp_path_factory.mktemp("against")
    with open_store(folder / "store", user="t") as store:
        build_demo_store(core, store)
        flow = Workflow(core, store)
        own = next(a for a in store.assessments() if a.kind == "self" and a.state == "submitted")
        flow.reopen(own.id, "ghi ngày, địa điểm")
        flow.update_header(own.id, place="Trụ sở UBND", started="2025-11-20T08:30")
        flow.submit(own.id)
        flow.finalize(own.id)
        make_minutes(flow, own.id, folder / "bc.pdf")
    make_test_cert(folder / "signer.p12", "Trần Thị Bình", "UBND phường", password=PW)
    current = folder / "bc.pdf"
    for i, field in enumerate(signature_fields(current)):
        current = sign_pdf(current, field, folder / "signer.p12", PW, out=folder / f"s{i}.pdf")
    shutil.copy(current, folder / "signed.pdf")
    return folder / "store", own.id, folder / "signed.pdf"


def verify(store: Path, pdf: Path, *trust: Path) -> tuple[int, dict]:
    args = ["--lang", "en", "--db", str(store), "audit", "verify", "--against", str(pdf)]
    for cert in trust:
        args += ["--trust", str(cert)]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.output) if result.output.startswith("{") else {}


def copy_of(store: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(store, target, ignore=shutil.ignore_patterns(".lock", "lock.owner"))
    return target


def test_the_store_agrees_with_its_signed_minutes(signed):
    store, _id, pdf = signed
    code, report = verify(store, pdf, pdf.parent / "signer.pem")
    assert code == 0, report
    assert report["ok"] and not report["problems"]
    assert any("Trần Thị Bình" in note for note in report["notes"])


def test_an_untrusted_signer_is_a_problem(signed, tmp_path):
    store, _id, pdf = signed
    make_test_cert(tmp_path / "other.p12", "Người Lạ", "Nơi khác", password=PW)
    code, report = verify(store, pdf, tmp_path / "other.pem")
    assert code == 1 and any("not valid" in p for p in report["problems"])


def test_unsigned_minutes_are_a_problem(signed):
    store, _id, pdf = signed
    code, report = verify(store, pdf.parent / "bc.pdf", pdf.parent / "signer.pem")
    assert code == 1 and any("not signed" in p for p in report["problems"])


def test_changes_recorded_after_the_minutes_are_named_not_hidden(core, signed, tmp_path):
    store, assessment_id, pdf = signed
    store = copy_of(store, tmp_path)
    with open_store(store, user="t") as opened:
        Workflow(core, opened).reopen(assessment_id, "sửa sai sót sau khi ký")
    code, report = verify(store, pdf, pdf.parent / "signer.pem")
    assert code == 0, report
    assert any("entries recorded after the minutes" in note for note in report["notes"])


def test_data_edited_behind_the_chain_is_caught(signed, tmp_path):
    store, assessment_id, pdf = signed
    store = copy_of(store, tmp_path)
    path = store / "assessments" / f"{assessment_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    code = next(c for c, item in data["items"].items() if item.get("inputs"))
    data["items"][code]["note"] = "sửa sau khi ký"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    exit_code, report = verify(store, pdf, pdf.parent / "signer.pem")
    assert exit_code == 1
    assert any("not the data the minutes were signed with" in p for p in report["problems"])


def test_a_cut_trail_is_caught(signed, tmp_path):
    store, assessment_id, pdf = signed
    store = copy_of(store, tmp_path)
    path = store / "assessments" / f"{assessment_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data["audit"]
    keys = sorted(entries, key=int)
    for key in keys[-2:]:  # the last entries (submit, finalize) taken away
        del entries[key]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    exit_code, report = verify(store, pdf, pdf.parent / "signer.pem")
    assert exit_code == 1
    assert any("rewritten or cut" in p for p in report["problems"]), report
