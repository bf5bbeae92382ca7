"""Sync between laptops' embedded stores and the province server (`inspect-tool sync`): a real
`inspect-tool serve` (uvicorn on 127.0.0.1, in a subprocess) over a real PostgreSQL store
(tests/pg_cluster.py), laptops as store folders. Two laptops edit the same item offline: the
conflict is kept, shown, refused at submit, resolved and audited; a replayed push changes
nothing; tampered and rewritten chains are refused; a unit cannot push to another; a server
SIGKILLed during a push loses nothing it acknowledged; and the issue's done-when: a ward's
self-assessment made offline, appraised on another laptop, reaches the central store with one
unbroken audit chain."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import signal
import stat
import threading
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.model import Evidence, Unit
from inspect_tool.samples import sample_answers
from inspect_tool.server.accounts import issue_device_token
from inspect_tool.store import Change, audit, open_store
from inspect_tool.store.codec import header_to_doc, item_to_doc
from inspect_tool.store.postgres import add_account
from inspect_tool.sync import SyncError, status, sync
from inspect_tool.workflow import Workflow, WorkflowError
from tests.server_process import running_server, serve

SET = "cchc-xa-2025"
N = os.getpid()
UNITS = [
    Unit("A-01", "Phường Một", "ward", "Tỉnh A"),
    Unit("A-02", "Xã Hai", "commune", "Tỉnh A"),
    Unit("A-03", "Phường Ba", "ward", "Tỉnh A"),
    Unit("A-04", "Xã Bốn", "commune", "Tỉnh A"),
    Unit("A-05", "Phường Năm", "ward", "Tỉnh A"),
    Unit("A-06", "Phường Sáu", "ward", "Tỉnh A"),
]
PASSWORD = "mật khẩu đủ dài 2"
DEPT, UNIT_A01, UNIT_A02, UNIT_A03, UNIT_A04, UNIT_A05, UNIT_A06 = (
    f"syn_dept_{N}", f"syn_a01_{N}", f"syn_a02_{N}", f"syn_a03_{N}", f"syn_a04_{N}",
    f"syn_a05_{N}", f"syn_a06_{N}",
)  # fmt: skip


@pytest.fixture(scope="module")
def province(pg_cluster, core):
    """A central store with six units and their accounts: (admin URL, server URL)."""
    admin, department = pg_cluster.new_store()
    database = admin.rsplit("/", 1)[1]
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, len(UNITS))])
    add_account(admin, f"syn_role_{N}", "server")
    add_account(admin, DEPT, "department", password=PASSWORD)
    add_account(admin, UNIT_A01, "unit", unit="A-01", password=PASSWORD)
    add_account(admin, UNIT_A02, "unit", unit="A-02", password=PASSWORD)
    add_account(admin, UNIT_A03, "unit", unit="A-03", password=PASSWORD)
    add_account(admin, UNIT_A04, "unit", unit="A-04", password=PASSWORD)
    add_account(admin, UNIT_A05, "unit", unit="A-05", password=PASSWORD)
    add_account(admin, UNIT_A06, "unit", unit="A-06", password=PASSWORD)
    add_account(admin, f"syn_a06e_{N}", "unit", unit="A-06", role="unit_editor")
    return admin, pg_cluster.url(database, f"syn_role_{N}")


@pytest.fixture(scope="module")
def server(province):
    """The server's base URL, until the module ends."""
    with running_server(province[1]) as base:
        yield base


@pytest.fixture(scope="module")
def tokens(province):
    admin = province[0]
    names = (DEPT, UNIT_A01, UNIT_A02, UNIT_A03, UNIT_A04, UNIT_A05, UNIT_A06, f"syn_a06e_{N}")
    return {name: issue_device_token(admin, name) for name in names}


def _central(province, user: str = DEPT):
    admin = province[0]
    return open_store(admin.replace("postgres@", f"{user}@"), user=user)


def _laptop(tmp_path: Path, name: str, user: str):
    return open_store(tmp_path / name, user=user)


def _post(server: str, path: str, body: object, token: str) -> tuple[int, dict]:
    from inspect_tool.sync import request

    return request(server, path, body, token)


def _self_assessment(province, core, unit: str) -> str:
    """A self-assessment made on the central store by the Department (its id)."""
    with _central(province) as store:
        flow = Workflow(core, store)
        found = [s for s in flow.summaries() if s.unit == unit and s.kind == "self"]
        if found:
            return found[0].id
        return flow.new(unit, SET, 2025, "self").id


def _fill(flow: Workflow, ident: str, seed: str, *, keep: int | None = None) -> None:
    """Answer every item (or the first `keep`) with plausible values, evidence where needed,
    through the workflow, as typing would (one save)."""
    a = flow.get(ident)
    engine = flow.engine(a)
    answers = sample_answers(engine, random.Random(seed), quality=0.9, na_rate=0.0)
    entries = {}
    for code, answer in list(answers.items())[:keep]:
        entry = {"inputs": dict(answer.inputs), "na": answer.na}
        if engine.item(code).evidence_required:
            entry["evidence"] = [Evidence(number="01/KH-UBND", date="2025-01-10", issuer="UBND")]
        if a.kind == "appraisal" and code in a.items:
            entry["reason"] = "thẩm định"
        entries[code] = entry
    flow.answer_many(ident, entries)


def test_two_laptops_edit_the_same_item_offline_the_conflict_is_kept_and_resolved(
    province, server, tokens, core, tmp_path
):
    ident = _self_assessment(province, core, "A-01")
    token = tokens[UNIT_A01]
    with _laptop(tmp_path, "one", "Chị Lan") as one, _laptop(tmp_path, "two", "Anh Nam") as two:
        for laptop in (one, two):
            report = sync(core, laptop, server, token)
            assert ident in report.pulled and report.units == 1
        first, second = Workflow(core, one), Workflow(core, two)
        first.answer(ident, "1.1.1", {"date": "2025-02-01"})
        first.answer(ident, "1.1.3", {"value": 95})  # on one side only: taken
        second.answer(ident, "1.1.1", {"date": "2025-02-15"})
        assert status(two).waiting == [ident]

        report = sync(core, one, server, token)
        assert report.stored == [ident] and not report.conflicts
        report = sync(core, two, server, token)
        assert report.merged == [ident] and report.conflicts == [(ident, "1.1.1")]
        assert ident in report.pulled

        # the laptop shows both values, and the item keeps the server's meanwhile
        mine = two.assessment(ident)
        item = mine.items["1.1.1"]
        assert item.inputs == {"date": "2025-02-01"}
        assert item.conflict["server"]["value"]["inputs"] == {"date": "2025-02-01"}
        assert item.conflict["laptop"]["value"]["inputs"] == {"date": "2025-02-15"}
        assert item.conflict["laptop"]["who"] == "Anh Nam"
        assert item.conflict["server"]["who"] == "Chị Lan"
        assert mine.items["1.1.3"].inputs == {"value": 95}
        assert status(two).conflicts == [(ident, "1.1.1")] and status(two).waiting == []
        # typing keeps the conflict; submit and finalize are refused, naming the item
        second.answer(ident, "1.1.1", {"date": "2025-02-20"})
        assert two.assessment(ident).items["1.1.1"].conflict
        with pytest.raises(WorkflowError, match=r"item 1\.1\.1: changed on the server"):
            second.submit(ident)
        with pytest.raises(WorkflowError, match=r"item 1\.1\.1: changed on the server"):
            second.finalize(ident)
        with pytest.raises(WorkflowError, match="reason"):
            second.resolve_conflict(ident, "1.1.1", "laptop", reason="")
    runner = CliRunner()
    db = ["--lang", "en", "--db", str(tmp_path / "two"), "--user", "Anh Nam"]
    shown = runner.invoke(cli, [*db, "assess", "show", ident])
    assert shown.exit_code == 0, shown.output
    assert "Conflict on item 1.1.1" in shown.output and "date=2025-02-15" in shown.output
    st = runner.invoke(cli, [*db, "sync", "--status"])
    assert "conflicts: 1" in st.output and f"{ident[:8]} item 1.1.1" in st.output
    done = runner.invoke(
        cli,
        [
            *db,
            "assess",
            "resolve",
            ident,
            "1.1.1",
            "--take",
            "laptop",
            "--reason",
            "Ngày trên văn bản gốc là 15/02",
        ],  # fmt: skip
    )
    assert done.exit_code == 0, done.output
    with open_store(tmp_path / "two", user="Anh Nam") as two:
        a = two.assessment(ident)
        assert a.items["1.1.1"].inputs == {"date": "2025-02-15"} and not a.items["1.1.1"].conflict
        resolved = two.audit_log(ident)[-1]
        assert resolved["what"] == "conflict 1.1.1" and resolved["who"] == "Anh Nam"
        assert resolved["new"]["take"] == "laptop" and resolved["new"]["reason"]
        report = sync(core, two, server, token)
        assert report.stored == [ident]
    with _central(province) as central:
        log = central.audit_log(ident)
        assert audit.verify(ident, log) is None
        whats = [e["what"] for e in log]
        assert "sync merge" in whats and whats[-1] == "conflict 1.1.1"
        merge = next(e for e in log if e["what"] == "sync merge")
        assert merge["new"]["conflicts"] == ["1.1.1"] and merge["new"]["entries"]
        assert central.assessment(ident).items["1.1.1"].inputs == {"date": "2025-02-15"}
    # the first laptop gets the resolution
    with _laptop(tmp_path, "one", "Chị Lan") as one:
        assert sync(core, one, server, token).pulled == [ident]
        assert one.assessment(ident).items["1.1.1"].inputs == {"date": "2025-02-15"}


def _push_body(store, ident: str, device: str, base: str = "", since: int = 0) -> dict:
    a = store.assessment(ident)
    return {
        "device": device,
        "sets": {},
        "assessments": [
            {
                "header": header_to_doc(a),
                "items": [item_to_doc(i) for i in a.items.values()],
                "base": base,
                "entries": store.audit_log(ident)[since:],
            }
        ],
    }


def test_a_replayed_push_changes_nothing_tampered_and_rewritten_chains_are_refused(
    province, server, tokens, core, tmp_path
):
    ident = _self_assessment(province, core, "A-02")
    token = tokens[UNIT_A02]
    with _laptop(tmp_path, "three", "Chú Ba") as laptop:
        sync(core, laptop, server, token)
        synced = laptop.sync_state()["assessments"][ident]
        flow = Workflow(core, laptop)
        flow.answer(ident, "1.1.1", {"date": "2025-04-01"})
        flow.answer(ident, "1.1.3", {"value": 80})
        device = "ab" * 16
        body = _push_body(laptop, ident, device, synced["hash"], synced["seq"])
    with _central(province) as central:
        before = len(central.audit_log(ident))
    status_, answer = _post(server, "/sync/push", body, token)
    assert status_ == 200 and answer["results"][0]["result"] == "stored", answer
    for _again in range(2):  # the same push again: nothing changes
        status_, answer = _post(server, "/sync/push", body, token)
        assert answer["results"][0]["result"] == "unchanged", answer
    with _central(province) as central:
        log = central.audit_log(ident)
        assert len(log) == before + 2 and audit.verify(ident, log) is None

    # a tampered event: its value changed, its hash left as it was
    tampered = json.loads(json.dumps(body))
    entries = tampered["assessments"][0]["entries"]
    entries[-1]["new"] = {"inputs": {"date": "2025-04-09"}}
    result = _post(server, "/sync/push", tampered, token)[1]["results"][0]
    assert result["result"] == "refused" and "tampered" in result["error"]
    # ... and rehashed: the documents are not what its last entry recorded
    entries[-1]["hash"] = audit._digest(entries[-1])
    tampered["assessments"][0]["items"][0]["note"] = "sửa lén"
    result = _post(server, "/sync/push", tampered, token)[1]["results"][0]
    assert result["result"] == "refused"

    # a rewritten chain: the laptop's history changed before what it synced, then rechained
    rewritten = json.loads(json.dumps(body))
    entries = rewritten["assessments"][0]["entries"]
    entries[0]["who"] = "someone else"
    entries[0]["hash"] = audit._digest(entries[0])
    entries[1]["prev"] = entries[0]["hash"]
    entries[1]["hash"] = audit._digest(entries[1])
    result = _post(server, "/sync/push", rewritten, token)[1]["results"][0]
    assert result["result"] == "refused" and "rewritten" in result["error"], result
    # a base the server never had
    rewritten["assessments"][0]["base"] = "0" * 64
    result = _post(server, "/sync/push", rewritten, token)[1]["results"][0]
    assert result["result"] == "refused" and "history" in result["error"]
    # the same id pushed as new, with another history
    rewritten["assessments"][0]["base"] = ""
    result = _post(server, "/sync/push", rewritten, token)[1]["results"][0]
    assert result["result"] == "refused"
    with _central(province) as central:
        assert len(central.audit_log(ident)) == before + 2


def test_a_push_after_the_campaigns_deadline_is_refused_until_an_extension(
    province, server, tokens, core, tmp_path
):
    """The campaign's dates hold for a laptop as for typing, by the server's clock: a ward's
    changes pushed after its deadline are refused with the deadline named and kept on the
    laptop; once the Department grants an extension, the same sync stores them."""
    from inspect_tool.campaign import vietnam_today
    from inspect_tool.campaign_flow import CampaignFlow

    ident = _self_assessment(province, core, "A-05")
    token = tokens[UNIT_A05]
    with _laptop(tmp_path, "ward", "Cán bộ phường") as ward:
        sync(core, ward, server, token)
        Workflow(core, ward).answer(ident, "1.1.1", {"date": "2025-01-20"})
        with _central(province) as central:
            CampaignFlow(Workflow(core, central), holidays=frozenset()).new(
                "cchc-tinh-a-2025", "Tỉnh A", 2025, {"ward": SET}, ["A-05"],
                deadline="2025-12-31",
            )  # fmt: skip
        report = sync(core, ward, server, token)
        assert [i for i, _why in report.refused] == [ident], report
        assert "deadline" in report.refused[0][1] and "31/12/2025" in report.refused[0][1]
        assert ward.assessment(ident).items["1.1.1"].inputs == {"date": "2025-01-20"}
        with _central(province) as central:
            assert "1.1.1" not in central.assessment(ident).items
            until = (vietnam_today() + dt.timedelta(days=10)).isoformat()
            CampaignFlow(Workflow(core, central), holidays=frozenset()).extend(
                "cchc-tinh-a-2025", "A-05", until, "Mất điện kéo dài", "Trưởng phòng CCHC"
            )
        report = sync(core, ward, server, token)
        assert report.stored == [ident] and not report.refused, report
    with _central(province) as central:
        assert central.assessment(ident).items["1.1.1"].inputs == {"date": "2025-01-20"}


def test_a_ward_on_a_laptop_answers_its_explanation_round_over_the_server(
    province, server, tokens, core, tmp_path, monkeypatch
):
    """The campaign's explanation round for a ward that works on a laptop: `campaign changes
    --server` reads the items its appraisal changed with the Department's reason, `campaign
    explain --server` contests one as the unit's head (its role's `campaign.explain`); a unit's
    editor may not, another unit's account does not see the track, and the Department's
    central store has the contest."""
    from inspect_tool.campaign_flow import CampaignFlow

    ident = _self_assessment(province, core, "A-06")
    with _central(province) as central:
        flow = Workflow(core, central)
        _fill(flow, ident, "a06")
        flow.submit(ident)
        cf = CampaignFlow(flow, holidays=frozenset())
        cf.new("giai-trinh-a06", "Tỉnh A", 2025, {"ward": SET}, ["A-06"],
               deadline="2025-12-31", place="Sở Nội vụ")  # fmt: skip
        appraisal = cf.appraise("giai-trinh-a06", "A-06")
        _fill(flow, appraisal.id, "a06-appraisal")
        late = (
            "2025-12-30"
            if flow.get(ident).items["1.1.1"].inputs["date"] < "2025-12-30"
            else "2026-01-02"
        )
        flow.answer(appraisal.id, "1.1.1", {"date": late}, reason="Văn bản ký ngày khác")
        cf.send("giai-trinh-a06", "A-06")
    runner = CliRunner()
    where = ["--lang", "en", "--db", str(tmp_path / "laptop")]
    campaign = ["giai-trinh-a06", "A-06", "--server", server]

    def run(token: str, *args: str):
        monkeypatch.setenv("INSPECT_TOOL_SYNC_TOKEN", token)
        return runner.invoke(cli, [*where, "campaign", *args])

    shown = run(tokens[UNIT_A06], "changes", *campaign, "--json")
    assert shown.exit_code == 0, shown.output
    rows = {r["item"]: r for r in json.loads(shown.output)}
    assert rows["1.1.1"]["reason"] == "Văn bản ký ngày khác" and rows["1.1.1"]["answer"] == ""
    refused = run(tokens[f"syn_a06e_{N}"], "explain", *campaign[:2], "1.1.1", "--contest",
                  "--reason", "x", "--server", server)  # fmt: skip
    assert refused.exit_code == 1 and "may not accept or contest" in refused.output
    other = run(tokens[UNIT_A01], "changes", *campaign)
    assert other.exit_code == 1 and "no campaign" in other.output  # not even seen
    no_reason = run(tokens[UNIT_A06], "explain", *campaign[:2], "1.1.1", "--contest",
                    "--server", server)  # fmt: skip
    assert no_reason.exit_code == 1 and "reason" in no_reason.output
    done = run(tokens[UNIT_A06], "explain", *campaign[:2], "1.1.1", "--contest",
               "--reason", "Kế hoạch ký ngày 20/01", "--evidence", "12/KH-UBND",
               "--server", server)  # fmt: skip
    assert done.exit_code == 0, done.output
    with _central(province) as central:
        track = central.campaign("giai-trinh-a06").tracks["A-06"]
        assert track.contested == ["1.1.1"]
        assert track.explanations["1.1.1"].reason == "Kế hoạch ký ngày 20/01"
        whats = [e["what"] for e in central.campaign_log("giai-trinh-a06", "A-06")]
        assert whats[-1] == "explanation 1.1.1"


def test_a_ward_on_a_laptop_reports_on_its_recommendations_over_the_server(
    province, server, tokens, core, tmp_path, monkeypatch
):
    """Recommendations followed up for a ward on a laptop: `recommendations list --server`
    gives its own (another unit's account: none of them), `recommendations progress --server`
    reports what was done as the unit's editor, audited on the central store under the
    account's name; a file cannot go that way and says so."""
    from inspect_tool.demo import finalized_inspection

    recs = (("B", "Niêm yết đầy đủ thủ tục hành chính", "2025-03-31"),)
    with _central(province) as central:
        flow = Workflow(core, central)
        done = finalized_inspection(flow, central.unit("A-06"), 2024, recs, "a06")
    ident = f"{done.id}-1"
    runner = CliRunner()
    where = ["--lang", "en", "--db", str(tmp_path / "laptop")]

    def run(token: str, *args: str):
        monkeypatch.setenv("INSPECT_TOOL_SYNC_TOKEN", token)
        return runner.invoke(cli, [*where, "recommendations", *args, "--server", server])

    listed = run(tokens[UNIT_A06], "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [d["id"] for d in json.loads(listed.output)] == [ident]
    assert json.loads(listed.output)[0]["status"] == "overdue"
    other = run(tokens[UNIT_A01], "list", "--json")
    assert other.exit_code == 0 and ident not in other.output
    evidence = tmp_path / "bao-cao.pdf"
    evidence.write_bytes(b"%PDF-1.4")
    refused = run(tokens[UNIT_A06], "progress", ident[:8], "Đã niêm yết", "--file", str(evidence))
    assert refused.exit_code == 1 and "central store" in refused.output
    reported = run(tokens[f"syn_a06e_{N}"], "progress", ident[:8], "Đã niêm yết 40 thủ tục")
    assert reported.exit_code == 0, reported.output
    assert "in progress" in reported.output.lower()
    with _central(province) as central:
        record = central.followup(ident)
        assert record.state == "in_progress"
        assert record.history[-1].text == "Đã niêm yết 40 thủ tục"
        assert central.followup_log(ident)[-1]["who"] == f"syn_a06e_{N}"


def test_a_unit_account_cannot_push_to_another_unit(province, server, tokens, core, tmp_path):
    theirs = _self_assessment(province, core, "A-02")
    with _laptop(tmp_path, "dept", "Sở") as laptop:
        sync(core, laptop, server, tokens[DEPT])  # the Department sees both units
        assert theirs in laptop.assessment_ids()
        Workflow(core, laptop).answer(theirs, "1.2", {"count": 1})
        known = laptop.sync_state()["assessments"][theirs]
        body = _push_body(laptop, theirs, "cd" * 16, known["hash"], known["seq"])
    status_, answer = _post(server, "/sync/push", body, tokens[UNIT_A01])
    assert status_ == 200
    result = answer["results"][0]
    assert result["result"] == "refused" and result["status"] == 403, result
    # and it pulls only its own unit
    status_, pulled = _post(server, "/sync/pull", {"heads": {}}, tokens[UNIT_A01])
    assert {a["header"]["unit"] for a in pulled["assessments"]} == {"A-01"}
    assert [u["code"] for u in pulled["units"]] == ["A-01"]
    with _central(province) as central:
        assert "1.2" not in central.assessment(theirs).items


def test_the_token_is_kept_owner_only_and_a_login_asks_the_password(
    province, server, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("INSPECT_TOOL_SYNC_TOKEN", raising=False)
    db = ["--lang", "en", "--db", str(tmp_path / "laptop"), "--user", "Chị Lan"]
    result = CliRunner().invoke(
        cli, [*db, "sync", "--server", server, "--user", UNIT_A01], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    from inspect_tool.sync import saved_token, token_file

    assert stat.S_IMODE(token_file().stat().st_mode) == 0o600
    assert saved_token(server)
    again = CliRunner().invoke(cli, [*db, "sync"])  # the server and token kept
    assert again.exit_code == 0, again.output
    refused = CliRunner().invoke(cli, [*db, "sync", "--token", "not-a-token"])
    assert refused.exit_code == 1 and "log in again" in refused.output
    http = CliRunner().invoke(cli, [*db, "sync", "--server", "http://example.org"])
    assert http.exit_code == 1 and "https" in http.output


@pytest.mark.slow
def test_a_server_killed_during_a_push_loses_nothing_acknowledged(
    pg_cluster, province, tokens, core, tmp_path
):
    admin, server_url = province
    units = [Unit(f"K-{n:02d}", f"Xã {n}", "commune", "Tỉnh A") for n in range(16)]
    with _central(province) as store:
        store.put_units(units, [Change("units", None, len(units))])
    with _laptop(tmp_path, "big", "Tổ thẩm định") as laptop:
        process, url = serve(server_url)
        try:
            sync(core, laptop, url, tokens[DEPT])
            flow = Workflow(core, laptop)
            made = []
            for unit in units:
                ident = flow.new(unit.code, SET, 2025, "self").id
                _fill(flow, ident, unit.code)
                made.append(ident)
            failure: list[BaseException] = []

            def run() -> None:
                try:
                    sync(core, laptop, url, tokens[DEPT], batch=4)  # a push of several batches
                except SyncError as exc:
                    failure.append(exc)

            worker = threading.Thread(target=run)
            worker.start()
            with psycopg.connect(admin) as conn:  # kill once the push is being written
                while worker.is_alive():
                    count = conn.execute(
                        "SELECT count(*) FROM assessments WHERE unit LIKE 'K-%'"
                    ).fetchone()[0]
                    if count >= 6:  # a batch acknowledged, the next in flight
                        break
                    time.sleep(0.02)
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            worker.join(timeout=120)
            killed_in_flight = bool(failure)
            acked = dict(laptop.sync_state()["assessments"])
            assert set(made) & set(acked)  # a batch was acknowledged before the kill
        finally:
            if process.poll() is None:
                process.kill()
        # what the laptop recorded as acknowledged is on the server, its chain whole
        with _central(province) as central:
            for ident in made:
                if ident in acked:
                    log = central.audit_log(ident)
                    assert audit.verify(ident, log) is None
                    assert any(e["hash"] == acked[ident]["hash"] for e in log)
        with running_server(server_url) as url:
            report = sync(core, laptop, url, tokens[DEPT])
            assert not report.refused, report.refused
            assert status(laptop).waiting == []
        with _central(province) as central:
            for ident in made:
                log = central.audit_log(ident)
                assert audit.verify(ident, log) is None
                assert log == laptop.audit_log(ident)
                assert central.assessment(ident) == laptop.assessment(ident)
    assert killed_in_flight  # the push was cut short, and the next sync finished it


@pytest.mark.slow
def test_a_wards_offline_self_assessment_appraised_on_another_laptop_reaches_the_centre(
    province, server, tokens, core, tmp_path
):
    """The issue's done-when."""
    with _laptop(tmp_path, "ward", "Cán bộ phường") as ward:
        sync(core, ward, server, tokens[UNIT_A03])  # the ward's unit, once online
        flow = Workflow(core, ward)  # then offline: made, answered, submitted
        ident = flow.new("A-03", SET, 2025, "self").id
        _fill(flow, ident, "ward")
        flow.submit(ident)
        report = sync(core, ward, server, tokens[UNIT_A03])
        assert report.stored == [ident] and not report.refused, report
    with _laptop(tmp_path, "department", "Tổ thẩm định") as dept:
        sync(core, dept, server, tokens[DEPT])
        assert dept.assessment(ident).state == "submitted"
        flow = Workflow(core, dept)
        appraisal = flow.new("A-03", SET, 2025, "appraisal")
        flow.answer(appraisal.id, "1.1.1", {"date": "2025-06-01"}, reason="Theo văn bản gốc")
        flow.update_header(appraisal.id, place="Sở Nội vụ", started="2026-01-15T08:30")
        flow.submit(appraisal.id)
        flow.finalize(appraisal.id)
        report = sync(core, dept, server, tokens[DEPT])
        assert appraisal.id in report.stored and not report.refused, report
    with _central(province) as central:
        found = central.assessment(appraisal.id)
        assert found.state == "finalized" and found.base == ident
    central_url = province[0].replace("postgres@", f"{DEPT}@")
    result = CliRunner().invoke(cli, ["--lang", "en", "--db", central_url, "audit", "verify"])
    assert result.exit_code == 0, result.output


async def test_the_app_marks_a_conflict_shows_both_values_resolves_it_and_syncs(
    province, server, tokens, core, tmp_path, monkeypatch
):
    from textual.widgets import Button, DataTable, Input

    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.screens.assessment import AssessmentScreen
    from inspect_tool.tui.screens.conflict import ConflictScreen
    from inspect_tool.tui.screens.units import UnitsScreen

    ident = _self_assessment(province, core, "A-01")
    token = tokens[UNIT_A01]
    with _laptop(tmp_path, "p", "Chị Lan") as one, _laptop(tmp_path, "q", "Anh Nam") as two:
        sync(core, one, server, token)
        sync(core, two, server, token)
        Workflow(core, one).answer(ident, "1.3.1", {"done": True})
        Workflow(core, two).answer(ident, "1.3.1", {"done": False})
        sync(core, one, server, token)
        assert sync(core, two, server, token).conflicts == [(ident, "1.3.1")]
    monkeypatch.setenv("INSPECT_TOOL_SYNC_TOKEN", token)
    app = InspectApp(core, open_store(tmp_path / "q", user="Anh Nam"))
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, UnitsScreen)
        assert "1 conflicts" in str(screen.query_one("#sync-state").render())
        key = next(k for k, (u, a) in screen.rows.items() if a and a.id == ident)
        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, AssessmentScreen)
        screen.show_item("1.3.1")
        await pilot.pause()
        assert str(screen.criteria.nodes_by_code["1.3.1"].label).startswith("⇄")
        shown = str(screen.statics["base"].render())
        assert "Sync conflict" in shown and "Server" in shown and "Laptop" in shown
        await pilot.press("f7")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        app.screen.query_one("#take-laptop", Button).press()  # no reason yet: asked for
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        app.screen.query_one("#conflict-reason", Input).value = "Biên bản kiểm tra ghi chưa có"
        app.screen.query_one("#take-laptop", Button).press()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, AssessmentScreen)
        assert not screen.assessment.items["1.3.1"].conflict
        assert screen.assessment.items["1.3.1"].inputs == {"done": False}
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("f9")  # sync, in a worker thread
        await app.workers.wait_for_complete()
        await pilot.pause()
        line = str(app.screen.query_one("#sync-state").render())
        assert "0 changes waiting · 0 conflicts" in line, line
    with _central(province) as central:
        log = central.audit_log(ident)
        assert log[-1]["what"] == "conflict 1.3.1" and log[-1]["who"] == "Anh Nam"
        assert audit.verify(ident, log) is None


def test_both_stores_store_a_pushed_chain_only_on_the_head_it_follows(store_target, core):
    """Store.sync_store and sync_heads, the same on both stores: entries appended as they
    are, refused on another head; replace_synced on the laptop's store only."""
    from inspect_tool.store import StoreError

    with open_store(store_target, user="Sở") as store:
        store.put_units(UNITS[:1], [Change("units", None, 1)])
        flow = Workflow(core, store)
        made = flow.new("A-01", SET, 2025, "self")
        log = store.audit_log(made.id)
        head = log[-1]
        assert store.sync_heads()[made.id] == {"seq": head["seq"], "hash": head["hash"]}
        after = dataclasses.replace(made, version=made.version + 1, place="Hội trường")
        entry = audit.chain(
            head, "Chị Lan", "place", "", "Hội trường", audit.assessment_hash(after)
        )
        with pytest.raises(StoreError):
            store.sync_store(after, [entry], expect_head="0" * 64)
        store.sync_store(after, [entry], expect_head=head["hash"])
        stored = store.audit_log(made.id)
        assert stored[-1] == entry and audit.verify(made.id, stored) is None
        assert store.assessment(made.id).place == "Hội trường"
        if isinstance(store_target, Path):
            assert not store.replace_synced(made, log, expect_head=head["hash"])  # moved on
            assert store.replace_synced(made, log, expect_head=entry["hash"])
            assert store.audit_log(made.id) == log and store.assessment(made.id).place == ""
            store.put_sync_state({"device": "d", "assessments": {made.id: {"seq": 1}}})
            assert store.sync_state()["assessments"] == {made.id: {"seq": 1}}
        else:
            with pytest.raises(StoreError, match="does not sync"):
                store.sync_state()


def test_a_conflict_survives_clearing_undoing_and_a_bundle(core, tmp_path):
    """Only resolve_conflict resolves: clearing keeps it, undo keeps it, a bundle carries it."""
    from inspect_tool.store.bundle import export_bundle, import_bundle

    with open_store(tmp_path / "s", user="Sở") as store:
        store.put_units(UNITS[:1], [Change("units", None, 1)])
        flow = Workflow(core, store)
        a = flow.answer(flow.new("A-01", SET, 2025, "self").id, "1.2", {"count": 1})
        conflict = {
            "server": {"value": {"code": "1.2", "inputs": {"count": 1}}, "who": "a", "when": "x"},
            "laptop": {"value": {"code": "1.2", "inputs": {"count": 2}}, "who": "b", "when": "y"},
        }
        item = dataclasses.replace(a.items["1.2"], conflict=conflict)
        a = dataclasses.replace(a, items={**a.items, "1.2": item}, version=a.version + 1)
        store.save(a, [Change("item 1.2", None, {"conflict": conflict})])
        flow.clear(a.id, "1.2")
        assert flow.get(a.id).items["1.2"].conflict == conflict
        flow.undo(a.id, "1.2")
        assert flow.get(a.id).items["1.2"].inputs == {"count": 1}
        assert flow.get(a.id).items["1.2"].conflict == conflict
        bundle = json.loads(json.dumps(export_bundle(store)))  # as a file carries it
    with open_store(tmp_path / "t", user="Sở") as other:
        import_bundle(other, bundle, core=core)
        assert other.assessment(a.id).items["1.2"].conflict == conflict
        done = Workflow(core, other).resolve_conflict(
            a.id, "1.2", points=None, inputs={"count": 3}, reason="đếm lại"
        )
        assert done.items["1.2"].inputs == {"count": 3} and not done.items["1.2"].conflict
        assert other.audit_log(a.id)[-1]["new"]["take"] == "typed"
    bad = json.loads(json.dumps(bundle))
    bad["assessments"][0]["items"] = [
        {**i, "conflict": {"server": "x", "elsewhere": {}}} for i in bad["assessments"][0]["items"]
    ]
    with open_store(tmp_path / "u", user="Sở") as other, pytest.raises(Exception, match="conflict"):
        import_bundle(other, bad, core=core)


def test_a_hostile_push_is_refused_with_its_reason_never_a_crash(server, tokens):
    token = tokens[UNIT_A01]
    for body, status_ in (
        ([], 400),
        ({"device": "x", "assessments": []}, 400),
        ({"device": "ab" * 16, "assessments": {}}, 400),
        ({"device": "ab" * 16, "assessments": [], "sets": {"x": 1}}, 400),
    ):
        assert _post(server, "/sync/push", body, token)[0] == status_, body
    device = "ab" * 16
    for doc in (
        "not an assessment",
        {"header": {}, "items": [], "base": "", "entries": []},
        {"header": {"id": "../../etc"}, "items": "x", "base": 3, "entries": {}},
        {"header": {}, "items": [], "base": "", "entries": [], "more": 1},
    ):
        status_, answer = _post(
            server, "/sync/push", {"device": device, "assessments": [doc]}, token
        )
        assert status_ == 200 and answer["results"][0]["result"] == "refused", answer
    assert _post(server, "/sync/pull", {"heads": []}, token)[0] == 400
    assert _post(server, "/sync/push", {"device": device, "assessments": []}, "nope")[0] == 401


def test_a_unit_cannot_push_over_another_units_assessment_by_its_id(
    province, server, tokens, core, tmp_path
):
    """The id of another unit's assessment, under its own unit: the server does not see it
    (row-level security), and the store refuses to write over it."""
    theirs = _self_assessment(province, core, "A-02")
    with _central(province) as central:
        before = central.audit_log(theirs)
    with open_store(tmp_path / "scratch", user="Chị Lan") as scratch:
        scratch.put_units(UNITS[:1], [Change("units", None, 1)])
        made = Workflow(core, scratch).new("A-01", SET, 2025, "self")
        forged = dataclasses.replace(made, id=theirs)
        scratch.save(forged, [Change("created", None, {"unit": "A-01"})])
        body = _push_body(scratch, theirs, "ef" * 16)
    status_, answer = _post(server, "/sync/push", body, tokens[UNIT_A01])
    assert status_ == 200 and answer["results"][0]["result"] == "refused", answer
    with _central(province) as central:
        assert central.audit_log(theirs) == before
        assert central.assessment(theirs).unit == "A-02"


async def test_header_fields_changed_on_both_sides_keep_both_until_resolved(
    province, server, tokens, core, tmp_path
):
    """A place, the unit's opinion or the findings typed on a laptop while the server changed
    them too are not dropped: the field keeps the server's value and both sides are kept
    (`header_conflicts`), submitting is refused until a named person resolves each, from the
    command line or in the app (F7 in F4's screen); the resolution syncs back."""
    from textual.widgets import Button, Input

    from inspect_tool.model import Finding
    from inspect_tool.tui.app import InspectApp
    from inspect_tool.tui.screens.conflict import ConflictScreen
    from inspect_tool.tui.screens.record import RecordScreen

    ident = _self_assessment(province, core, "A-04")  # a unit of its own: A-03's is submitted
    token = tokens[UNIT_A04]
    with _laptop(tmp_path, "h1", "Chị Lan") as one, _laptop(tmp_path, "h2", "Anh Nam") as two:
        for laptop in (one, two):
            sync(core, laptop, server, token)
        first, second = Workflow(core, one), Workflow(core, two)
        first.update_header(ident, unit_opinion="Đơn vị thống nhất")
        first.add_finding(ident, "1", "Kế hoạch ban hành chậm")
        second.update_header(ident, unit_opinion="Đề nghị xem lại mục 1.2", place="UBND xã")
        second.add_finding(ident, "1", "Chưa công khai kế hoạch")
        assert sync(core, one, server, token).stored == [ident]
        report = sync(core, two, server, token)
        assert report.merged == [ident]
        assert set(report.conflicts) == {(ident, "findings"), (ident, "unit_opinion")}
        mine = two.assessment(ident)
        assert mine.unit_opinion == "Đơn vị thống nhất" and mine.place == "UBND xã"
        opinion = mine.header_conflicts["unit_opinion"]
        assert opinion["laptop"]["value"] == "Đề nghị xem lại mục 1.2"
        assert (opinion["laptop"]["who"], opinion["server"]["who"]) == ("Anh Nam", "Chị Lan")
        found = mine.header_conflicts["findings"]["laptop"]["value"]
        assert [f["text"] for f in found] == ["Chưa công khai kế hoạch"]
        assert {c for _i, c in status(two).conflicts} == {"findings", "unit_opinion"}
        with pytest.raises(WorkflowError, match="the unit's opinion: changed on the server"):
            second.submit(ident)
    db = ["--lang", "en", "--db", str(tmp_path / "h2"), "--user", "Anh Nam"]
    shown = CliRunner().invoke(cli, [*db, "assess", "show", ident])
    assert "Conflict on the findings" in shown.output and "Chưa công khai" in shown.output
    done = CliRunner().invoke(
        cli,
        [*db, "assess", "resolve", ident, "unit_opinion", "--take", "laptop",
         "--reason", "Ý kiến đơn vị tại buổi làm việc"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    app = InspectApp(core, open_store(tmp_path / "h2", user="Anh Nam"))
    async with app.run_test(size=(150, 45)) as pilot:
        app.push_screen(RecordScreen(app.flow, ident))
        await pilot.pause()
        assert "the findings: changed on the server" in str(
            app.screen.query_one("#summary").render()
        )
        assert app.screen.query_one("#opinion", Input).value == "Đề nghị xem lại mục 1.2"
        await pilot.press("f7")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        sides = str(dialog.query_one("#laptop").render())
        assert "Chưa công khai kế hoạch" in sides
        dialog.query_one("#conflict-reason", Input).value = "Giữ phát hiện của Sở"
        dialog.query_one("#take-server", Button).press()
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        await pilot.pause()
        assert "changed on the server" not in str(app.screen.query_one("#summary").render()), str(
            app.screen.query_one("#error").render()
        )
    app.store.close()
    with _laptop(tmp_path, "h2", "Anh Nam") as two:
        a = two.assessment(ident)
        assert not a.header_conflicts and a.findings == (Finding("1", "Kế hoạch ban hành chậm"),)
        assert two.audit_log(ident)[-1]["what"] == "conflict findings"
        assert sync(core, two, server, token).stored == [ident]
    with _central(province) as central:
        log = central.audit_log(ident)
        assert audit.verify(ident, log) is None
        merge = next(e for e in log if e["what"] == "sync merge")
        assert merge["new"]["header_conflicts"] == ["findings", "unit_opinion"]
        a = central.assessment(ident)
        assert a.unit_opinion == "Đề nghị xem lại mục 1.2" and not a.header_conflicts
    with _laptop(tmp_path, "h1", "Chị Lan") as one:
        assert sync(core, one, server, token).pulled == [ident]
        assert one.assessment(ident).unit_opinion == "Đề nghị xem lại mục 1.2"
