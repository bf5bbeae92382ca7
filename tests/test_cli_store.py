"""The store commands as a user types them: units, assess, audit, export/import."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from tests.test_store import UNITS


@pytest.fixture
def run(tmp_path):
    def _run(*args: str, db: str = "store"):
        return CliRunner().invoke(
            cli,
            [
                "--lang",
                "en",
                "--plugins-dir",
                str(tmp_path / "none"),
                "--db",
                str(tmp_path / db),
                "--user",
                "Tổ kiểm tra",
                *args,
            ],
        )

    return _run


def test_units_import_all_or_nothing(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,kind,parent\nA,Xã A,xã,T\nB,,xã,T\n", encoding="utf-8")
    result = run("units", "import", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3: the name is empty" in result.stderr
    assert json.loads(run("units", "list", "--json").stdout) == []
    ok = run("units", "import", str(UNITS))
    assert ok.exit_code == 0 and "16 added" in ok.stdout
    shown = run("units", "show", "HB-DK1")
    assert "Đặc khu Hòn Ngọc" in shown.stdout
    assert run("units", "show", "NOPE").exit_code == 1


def test_assessment_from_the_command_line(run):
    run("units", "import", str(UNITS))
    new = run(
        "assess",
        "new",
        "HB-X01",
        "--set",
        "kiem-tra-mot-cua-2025",
        "--year",
        "2025",
        "--kind",
        "inspection",
    )
    assert new.exit_code == 0, new.output
    ident = new.stdout.strip()
    assert len(ident) == 32
    answer = run(
        "assess",
        "answer",
        ident[:6],
        "C.1",
        "--input",
        "numerator=4541",
        "--input",
        "denominator=4545",
        "--input",
        "received=4545",
        "--evidence",
        "Sổ theo dõi;2025-11-20;Bộ phận Một cửa",
    )
    assert answer.exit_code == 0, answer.output
    assert answer.stdout.startswith("C.1: ")
    wrong = run("assess", "answer", ident[:6], "C.1", "--input", "numerator=lots")
    assert wrong.exit_code == 1
    assert "item C.1: numerator: 'lots' is not a number" in wrong.stderr
    assert run("assess", "answer", ident[:6], "C.1", "--input", "novalue").exit_code == 2
    bad_date = run("assess", "answer", ident[:6], "C.1", "--evidence", "12;hôm qua;UBND")
    assert bad_date.exit_code == 1 and "is not a date" in bad_date.stderr
    shown = json.loads(run("assess", "show", ident[:6], "--json").stdout)
    item = shown["items"]["C.1"]
    assert item["inputs"]["received"] == 4545
    assert item["evidence"][0]["issuer"] == "Bộ phận Một cửa"
    assert shown["totals"]["max_points"] == 100
    listed = json.loads(run("assess", "list", "--json").stdout)
    assert listed[0]["answered"] == 1 and listed[0]["kind"] == "inspection"
    assert run("assess", "submit", ident[:6]).exit_code == 1
    assert run("assess", "reopen", ident[:6]).exit_code == 1


def test_audit_verify_finds_the_first_broken_entry(run, tmp_path):
    run("units", "import", str(UNITS))
    ident = run(
        "assess", "new", "HB-X01", "--set", "cchc-xa-2025", "--year", "2025", "--kind", "self"
    ).stdout.strip()
    for value in ("2025-01-10", "2025-01-20", "2025-02-10"):
        run("assess", "answer", ident, "1.1.1", "--input", f"date={value}")
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and "audit trail intact" in ok.stdout
    path = tmp_path / "store" / "assessments" / f"{ident}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["audit"]["3"]["new"]["inputs"]["date"] = "2025-01-01"  # someone rewrites history
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    broken = run("audit", "verify")
    assert broken.exit_code == 1
    assert f"{path}: entry 3: content changed after it was written" in broken.stderr
    del data["audit"]["3"]
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert "entry 3: entry missing" in run("audit", "verify").stderr


def test_export_import_between_stores(run, tmp_path):
    run("units", "import", str(UNITS))
    ident = run(
        "assess", "new", "HB-P02", "--set", "cchc-xa-2025", "--year", "2025", "--kind", "self"
    ).stdout.strip()
    run("assess", "answer", ident, "1.1.1", "--input", "date=2025-01-10")
    bundle = tmp_path / "usb.json"
    assert run("export", "--unit", "HB-P02", "--out", str(bundle)).exit_code == 0
    first = run("import", str(bundle), db="department")
    assert first.exit_code == 0 and "imported 1 assessments and 1 units" in first.stdout
    second = run("import", str(bundle), db="department")
    assert "1 already here unchanged" in second.stdout
    bundle.write_text(
        bundle.read_text(encoding="utf-8").replace("2025-01-10", "2025-01-11"), encoding="utf-8"
    )
    tampered = run("import", str(bundle), db="department")
    assert tampered.exit_code == 1 and "does not match its hash" in tampered.stderr


def test_second_writer_refused_from_cli(run, tmp_path):
    from inspect_tool.store import open_store
    from tests.test_store import _hold_lock

    open_store(tmp_path / "store", user="x").close()
    proc = _hold_lock(tmp_path / "store")
    try:
        result = run("units", "import", str(UNITS))
        assert result.exit_code == 1
        assert "is open in another window: other on " in result.stderr
        assert f", pid {proc.pid}" in result.stderr
        assert run("units", "list").exit_code == 0  # reading still works
    finally:
        proc.kill()
        proc.wait()


# -- issue 13: delete, answers from a file, repeated inputs, attached files ------------------


def _new_self(run, unit="HB-X01") -> str:
    run("units", "import", str(UNITS))
    result = run("assess", "new", unit, "--set", "cchc-xa-2025", "--year", "2025", "--kind", "self")
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_duplicate_refused_and_empty_draft_deleted(run):
    ident = _new_self(run)
    again = run(
        "assess", "new", "HB-X01", "--set", "cchc-xa-2025", "--year", "2025", "--kind", "self"
    )
    assert again.exit_code == 1
    assert "already has a self-assessment for 2025 on cchc-xa-2025" in again.stderr
    assert ident[:8] in again.stderr
    run("assess", "answer", ident, "1.1.1", "--input", "date=20/01/2025")
    refused = run("assess", "delete", ident[:6])
    assert refused.exit_code == 1 and "cannot be deleted: it has answers recorded" in refused.stderr
    run("assess", "answer", ident, "1.1.1", "--input", "date=20/01/2025")
    shown = json.loads(run("assess", "show", ident, "--json").stdout)
    assert shown["items"]["1.1.1"]["inputs"] == {"date": "2025-01-20"}  # stored as ISO
    other = _new_self(run, "HB-X02")
    deleted = run("assess", "delete", other[:6])
    assert deleted.exit_code == 0 and f"{other[:8]}: deleted" in deleted.stdout
    assert [a["id"] for a in json.loads(run("assess", "list", "--json").stdout)] == [ident]
    assert run("audit", "verify").exit_code == 0


def test_answers_from_a_file_all_or_nothing(run, tmp_path):
    ident = _new_self(run)
    good = tmp_path / "answers.yaml"
    good.write_text(
        '"1.1.1": {date: 20/01/2025, evidence: ["12/KH-UBND;20/01/2025;UBND xã"], note: "ký số"}\n'
        '"1.1.2": {ticked: [nhiem_vu, thoi_han]}\n'
        '"3.4.1": {numerator: 4541, denominator: 4545}\n',
        encoding="utf-8",
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        '"1.1.1": {date: 2025-01-20}\n'
        '"3.4.1": {numerator: 9x8, denominator: 4545}\n'
        '"9.9": {value: 1}\n',
        encoding="utf-8",
    )
    refused = run("assess", "answer", ident, "--from", str(bad))
    assert refused.exit_code == 1
    assert f"{bad}:2: item 3.4.1: numerator: '9x8' is not a number" in refused.stderr
    assert f"{bad}:3:" in refused.stderr
    assert json.loads(run("assess", "show", ident, "--json").stdout)["items"] == {}  # none
    done = run("assess", "answer", ident, "--from", str(good))
    assert done.exit_code == 0, done.output
    assert "3 items recorded." in done.stdout
    items = json.loads(run("assess", "show", ident, "--json").stdout)["items"]
    assert items["1.1.1"]["evidence"][0]["date"] == "2025-01-20"
    assert items["1.1.1"]["note"] == "ký số"
    assert items["1.1.2"]["inputs"] == {"ticked": ["nhiem_vu", "thoi_han"]}
    mixed = run("assess", "answer", ident, "1.1.1", "--from", str(good))
    assert mixed.exit_code == 2 and "leave out CODE" in mixed.stderr


def test_a_repeated_input_is_collected_for_a_checklist_and_refused_otherwise(run):
    ident = _new_self(run)
    ticked = run(
        "assess",
        "answer",
        ident,
        "1.1.2",
        "--input",
        "ticked=nhiem_vu",
        "--input",
        "ticked=thoi_han",
    )
    assert ticked.exit_code == 0, ticked.output
    items = json.loads(run("assess", "show", ident, "--json").stdout)["items"]
    assert items["1.1.2"]["inputs"] == {"ticked": ["nhiem_vu", "thoi_han"]}
    twice = run(
        "assess", "answer", ident, "3.4.1", "--input", "numerator=1", "--input", "numerator=2"
    )
    assert twice.exit_code == 2 and "--input numerator is given twice" in twice.stderr


def test_an_evidence_file_is_copied_into_the_store(run, tmp_path):
    import hashlib

    ident = _new_self(run)
    doc = tmp_path / "ke-hoach.pdf"
    doc.write_bytes("%PDF kế hoạch".encode())
    result = run(
        "assess",
        "answer",
        ident,
        "1.1.1",
        "--input",
        "date=2025-01-20",
        "--evidence-file",
        str(doc),
    )
    assert result.exit_code == 0, result.output
    sha = hashlib.sha256(doc.read_bytes()).hexdigest()
    assert (tmp_path / "store" / "evidence" / sha).read_bytes() == doc.read_bytes()
    items = json.loads(run("assess", "show", ident, "--json").stdout)["items"]
    assert items["1.1.1"]["evidence"] == [
        {"number": "", "date": "", "issuer": "", "file": "ke-hoach.pdf", "sha256": sha}
    ]
