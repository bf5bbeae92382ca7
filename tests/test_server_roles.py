"""Roles as data (migrations/0005) and the progress board, through the province server: a
real `inspect-tool serve` on 127.0.0.1 over a real PostgreSQL store (tests/test_server.py's
way). Each role's refusals are proven by the API (403 naming the role and the step), and the
board's scoping and filters. One server for the module."""

from __future__ import annotations

import os

import psycopg
import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.model import Unit
from inspect_tool.store import Change, open_store
from inspect_tool.store.postgres import add_account
from inspect_tool.workflow import Workflow
from tests.test_server import PASSWORD, SET, start_server

N = os.getpid()
UNITS = [
    Unit("A-01", "Phường Một", "ward", "Tỉnh A"),
    Unit("A-02", "Xã Hai", "commune", "Tỉnh A"),
    Unit("B-01", "Phường Ba", "ward", "Tỉnh B"),
]
ADMIN, APPRAISER, INSPECTOR, EDITOR, HEAD, VIEWER, OLD_UNIT = (
    f"r_admin_{N}", f"r_appr_{N}", f"r_insp_{N}", f"r_edit_{N}", f"r_head_{N}",
    f"r_view_{N}", f"r_old_{N}",
)  # fmt: skip


@pytest.fixture(scope="module")
def province(pg_cluster, core):
    admin, department = pg_cluster.new_store()
    database = admin.rsplit("/", 1)[1]
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, len(UNITS))])
        flow = Workflow(core, store)
        ids = {u.code: flow.new(u.code, SET, 2025, "self").id for u in UNITS[:2]}
    add_account(admin, f"r_srv_{N}", "server")
    for name, kind, role, unit, prov in (
        (ADMIN, "department", "administrator", "", ""),
        (APPRAISER, "department", "appraiser", "", ""),
        (INSPECTOR, "department", "inspector", "", ""),
        (EDITOR, "unit", "unit_editor", "A-01", ""),
        (HEAD, "unit", "unit_head", "A-01", ""),
        (VIEWER, "viewer", "viewer", "", "Tỉnh A"),
        (OLD_UNIT, "unit", "", "A-02", ""),  # no role given: its kind's default
    ):
        add_account(admin, name, kind, unit=unit, province=prov, password=PASSWORD, role=role)
    return admin, pg_cluster.url(database, f"r_srv_{N}"), ids


@pytest.fixture(scope="module")
def api(province):
    yield from start_server(province[1])


@pytest.fixture(scope="module")
def tokens(api):
    return {name: api.login(name) for name in (ADMIN, APPRAISER, INSPECTOR, EDITOR, HEAD, VIEWER)}


def refused(api, method: str, path: str, body: object, token: str, role: str, words: str):
    status, answer = api(method, path, body, token=token)
    assert status == 403, answer
    assert role in answer["error"] and words in answer["error"], answer
    return answer


def test_an_account_has_its_role_and_a_default_one(api, tokens):
    me = api("GET", "/me", token=tokens[EDITOR])[1]["account"]
    assert me["role"] == "unit_editor"
    assert sorted(me["actions"]) == ["progress", "recommendation.report", "self.answer"]
    old = api("GET", "/me", token=api.login(OLD_UNIT))[1]["account"]
    assert old["role"] == "unit_head" and "self.submit" in old["actions"]


def test_a_unit_editor_answers_but_only_the_unit_head_submits(api, province, tokens):
    ident = province[2]["A-01"]
    path = f"/assessments/{ident}"
    version = api("GET", path, token=tokens[EDITOR])[1]["version"]
    answer = {"code": "1.1.1", "inputs": {"date": "2025-02-01"}, "based_on": version}
    assert api("POST", f"{path}/answers", answer, token=tokens[EDITOR])[0] == 200
    refused(api, "POST", f"{path}/submit", None, tokens[EDITOR], "unit_editor", "submit a self")
    # the head may submit: refused by the workflow (items missing), not by its role
    assert api("POST", f"{path}/submit", token=tokens[HEAD])[0] == 422


def test_the_departments_roles_each_take_only_their_steps(api, province, tokens):
    ident = province[2]["A-01"]
    path = f"/assessments/{ident}"
    answer = {"code": "1.1.2", "inputs": {}, "based_on": 1}
    department = ((ADMIN, "administrator"), (APPRAISER, "appraiser"), (INSPECTOR, "inspector"))
    for name, role in department:
        refused(api, "POST", f"{path}/answers", answer, tokens[name], role, "answer a self")
        refused(api, "POST", f"{path}/submit", None, tokens[name], role, "submit a self")
    refused(api, "POST", f"{path}/finalize", None, tokens[ADMIN], "administrator", "finalize")
    refused(api, "POST", f"{path}/finalize", None, tokens[INSPECTOR], "inspector", "finalize")
    assert api("POST", f"{path}/finalize", token=tokens[APPRAISER])[0] == 422  # a draft
    new = {"unit": "A-02", "set": SET, "year": 2025}
    inspection, appraisal = {**new, "kind": "inspection"}, {**new, "kind": "appraisal"}
    refused(api, "POST", "/assessments", inspection, tokens[ADMIN], "administrator", "inspection")
    refused(api, "POST", "/assessments", inspection, tokens[APPRAISER], "appraiser", "inspection")
    refused(api, "POST", "/assessments", appraisal, tokens[INSPECTOR], "inspector", "appraisal")
    refused(api, "POST", "/assessments", appraisal, tokens[ADMIN], "administrator", "appraisal")
    # only the appraiser starts an appraisal: refused here by the workflow (nothing submitted)
    assert api("POST", "/assessments", appraisal, token=tokens[APPRAISER])[0] == 422
    status, made = api("POST", "/assessments", inspection, token=tokens[INSPECTOR])
    assert status == 201, made
    ipath = f"/assessments/{made['id']}"
    step = {"code": "1.1.1", "inputs": {"date": "2025-03-01"}, "based_on": made["version"]}
    refused(api, "POST", f"{ipath}/answers", step, tokens[APPRAISER], "appraiser", "inspection")
    assert api("POST", f"{ipath}/answers", step, token=tokens[INSPECTOR])[0] == 200
    again = {**new, "kind": "self"}
    refused(api, "POST", "/assessments", again, tokens[INSPECTOR], "inspector", "self-assessment")
    assert api("POST", "/assessments", again, token=tokens[ADMIN])[0] == 409  # it exists
    assert api("POST", "/assessments", {**new, "kind": "visit"}, token=tokens[ADMIN])[0] == 400


def test_only_an_administrator_manages_accounts_and_units_rank_nothing(api, tokens):
    for name in (APPRAISER, INSPECTOR, EDITOR, HEAD, VIEWER):
        role = api("GET", "/me", token=tokens[name])[1]["account"]["role"]
        refused(api, "GET", "/accounts", None, tokens[name], role, "manage the accounts")
        refused(api, "POST", f"/accounts/{EDITOR}/revoke", None, tokens[name], role, "accounts")
    for name in (EDITOR, HEAD, VIEWER):
        role = api("GET", "/me", token=tokens[name])[1]["account"]["role"]
        refused(api, "GET", f"/ranking?set={SET}&year=2025", None, tokens[name], role, "ranking")
    status, body = api("GET", "/accounts", token=tokens[ADMIN])
    assert status == 200
    listed = {a["name"]: a for a in body["accounts"]}
    assert listed[EDITOR]["role"] == "unit_editor" and listed[EDITOR]["tokens"] >= 1
    assert not any("hash" in key for a in body["accounts"] for key in a)
    assert api("GET", f"/ranking?set={SET}&year=2025&stage=self", token=tokens[APPRAISER])[0] == 200


def test_an_administrator_revokes_an_accounts_tokens(api, tokens):
    victim = api.login(VIEWER)
    status, body = api("POST", f"/accounts/{VIEWER}/revoke", token=tokens[ADMIN])
    assert status == 200 and body["revoked"] >= 1
    assert api("GET", "/me", token=victim)[0] == 401
    assert api("POST", "/accounts/nobody_here/revoke", token=tokens[ADMIN])[0] == 404
    tokens[VIEWER] = api.login(VIEWER)


def test_db_account_add_takes_a_role_and_checks_its_kind(province):
    admin = province[0]
    runner = CliRunner()

    def add(*args: str):
        return runner.invoke(cli, ["--lang", "en", "db", "account", "add", *args, "--url", admin])

    result = add(f"r_cli_{N}", "--role", "unit_head", "--unit", "A-02")
    assert result.exit_code == 0, result.output
    assert "role unit_head" in result.output
    result = add(f"r_cli2_{N}", "--kind", "unit", "--role", "appraiser", "--unit", "A-02")
    assert result.exit_code == 1 and "appraiser is for department accounts" in result.output
    result = add(f"r_cli3_{N}", "--role", "chief")
    assert result.exit_code == 1 and "no role 'chief'" in result.output
    assert "unit_editor" in result.output  # the roles are named
    assert add(f"r_cli4_{N}").exit_code == 2  # neither kind nor role
    listed = runner.invoke(cli, ["db", "account", "roles", "--json", "--url", admin])
    assert listed.exit_code == 0, listed.output
    assert "unit_head" in listed.output and "self.submit" in listed.output
    with psycopg.connect(admin) as conn:  # the database itself refuses a role of another kind
        assert conn.execute(
            "SELECT role FROM accounts WHERE name = %s", (f"r_cli_{N}",)
        ).fetchone() == ("unit_head",)
        with pytest.raises(psycopg.Error, match="not a role of a unit account"):
            conn.execute("UPDATE accounts SET role = 'inspector' WHERE name = %s", (f"r_cli_{N}",))


# -- the progress board ---------------------------------------------------------------------


def test_the_progress_board_is_scoped_to_what_the_account_sees(api, province, tokens):
    status, board = api("GET", "/progress", token=tokens[APPRAISER])
    assert status == 200, board
    assert {r["unit"] for r in board["rows"]} == {"A-01", "A-02", "B-01"}
    b01 = next(r for r in board["rows"] if r["unit"] == "B-01")
    assert b01["state"] == "" and b01["id"] == ""  # not started
    assert board["counts"]["none"] == 1 and board["units"] == 3
    a01 = next(r for r in board["rows"] if r["id"] == province[2]["A-01"])
    assert a01["answered"] >= 1 and a01["items"] > a01["answered"] and a01["by"] == EDITOR
    status, mine = api("GET", "/progress", token=tokens[EDITOR])
    assert status == 200 and {r["unit"] for r in mine["rows"]} == {"A-01"}
    status, viewer = api("GET", "/progress", token=tokens[VIEWER])
    assert status == 200 and {r["unit"] for r in viewer["rows"]} == {"A-01", "A-02"}


def test_the_progress_boards_filters(api, tokens):
    def units(query: str) -> set[str]:
        status, board = api("GET", f"/progress?{query}", token=tokens[APPRAISER])
        assert status == 200, board
        return {r["unit"] for r in board["rows"]}

    assert units("q=phuong") == {"A-01", "B-01"}  # without diacritics
    assert units("q=X%C3%A3%20hai") == {"A-02"}  # with them
    assert units("q=a-0") == {"A-01", "A-02"}  # the code
    assert units("kind=commune") == {"A-02"}
    assert units("state=none") == {"B-01"}
    assert units("state=draft&kind=ward") == {"A-01"}
    assert units("year=2024") == {"B-01"}  # units without an assessment stay listed
    for bad in ("state=done", "kind=city", "year=soon", "q=" + "x" * 300):
        assert api("GET", f"/progress?{bad}", token=tokens[APPRAISER])[0] == 400
