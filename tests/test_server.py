"""The province server (`inspect-tool serve`), started as a user starts it (uvicorn on
127.0.0.1, a free port, in a subprocess) over a real PostgreSQL store (tests/pg_cluster.py):
logins and their limit, device tokens, what each kind of account may reach by every endpoint
(and the database's own refusal behind the server's checks), stale answers, the OpenAPI
description. One server for the module, so that the tests stay fast."""

from __future__ import annotations

import dataclasses
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.cli.serve import is_loopback
from inspect_tool.model import Unit
from inspect_tool.server.openapi import OPENAPI
from inspect_tool.store import Change, open_store
from inspect_tool.store.postgres import PgStore, add_account
from inspect_tool.workflow import Workflow
from tests.server_process import running_server

REPO = Path(__file__).resolve().parent.parent
SET = "cchc-xa-2025"
N = os.getpid()
UNITS = [
    Unit("A-01", "Phường Một", "ward", "Tỉnh A"),
    Unit("A-02", "Xã Hai", "commune", "Tỉnh A"),
    Unit("B-01", "Phường Ba", "ward", "Tỉnh B"),
]
PASSWORD = "mật khẩu đủ dài 1"
DEPT, UNIT_A01, UNIT_A02, VIEWER, LIMITED = (
    f"srv_dept_{N}", f"srv_a01_{N}", f"srv_a02_{N}", f"srv_view_{N}", f"srv_lim_{N}",
)  # fmt: skip


class Client:
    def __init__(self, base: str):
        self.base = base

    def __call__(
        self, method: str, path: str, body: object = None, token: str | None = None
    ) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def login(self, name: str, password: str = PASSWORD) -> str:
        status, body = self("POST", "/login", {"name": name, "password": password})
        assert status == 200, body
        return body["token"]


@pytest.fixture(scope="module")
def province(pg_cluster, core):
    """A store with three units in two provinces, a self-assessment each, the accounts, and
    the server's login role: (admin URL, server URL, ids by unit)."""
    admin, department = pg_cluster.new_store()
    database = admin.rsplit("/", 1)[1]
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(UNITS, [Change("units", None, len(UNITS))])
        flow = Workflow(core, store)
        ids = {u.code: flow.new(u.code, SET, 2025, "self").id for u in UNITS}
    add_account(admin, f"srv_role_{N}", "server")
    add_account(admin, DEPT, "department", password=PASSWORD)
    add_account(admin, UNIT_A01, "unit", unit="A-01", password=PASSWORD)
    add_account(admin, UNIT_A02, "unit", unit="A-02", password=PASSWORD)
    add_account(admin, VIEWER, "viewer", province="Tỉnh A", password=PASSWORD)
    add_account(admin, LIMITED, "unit", unit="A-02", password=PASSWORD)
    return admin, pg_cluster.url(database, f"srv_role_{N}"), ids


def start_server(server_url: str):
    """`inspect-tool serve` on a free port of 127.0.0.1: yields its client, then stops it."""
    with running_server(server_url) as base:
        yield Client(base)


@pytest.fixture(scope="module")
def api(province):
    """`inspect-tool serve` on a free port of 127.0.0.1, until the module ends."""
    yield from start_server(province[1])


def test_login_gives_a_token_a_wrong_password_is_refused(api):
    status, body = api("POST", "/login", {"name": DEPT, "password": PASSWORD})
    assert status == 200
    account = {k: body["account"][k] for k in ("name", "kind", "unit", "province", "role")}
    assert account == {
        "name": DEPT, "kind": "department", "unit": "", "province": "", "role": "department",
    }  # fmt: skip
    assert "appraisal.finalize" in body["account"]["actions"]  # every step: today's default
    token = body["token"]
    assert api("GET", "/me", token=token) == (200, {"account": body["account"]})
    assert api("POST", "/login", {"token": token})[0] == 200
    assert api("POST", "/login", {"name": DEPT, "password": "wrong"})[0] == 401
    assert api("POST", "/login", {"name": "nobody_here", "password": PASSWORD})[0] == 401
    assert api("GET", "/me")[0] == 401
    assert api("GET", "/me", token="not-a-token")[0] == 401
    assert api("POST", "/login", {"token": "not-a-token"})[0] == 401


def test_failed_logins_are_limited(api):
    for _ in range(5):
        assert api("POST", "/login", {"name": LIMITED, "password": "wrong"})[0] == 401
    # the sixth is refused before the password is looked at, even the right one
    status, body = api("POST", "/login", {"name": LIMITED, "password": PASSWORD})
    assert status == 429, body
    assert "15 minutes" in body["error"]


def test_a_device_token_works_until_revoked(api, province):
    admin = province[0]
    runner = CliRunner()
    result = runner.invoke(cli, ["db", "account", "token", UNIT_A02, "--url", admin])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert len(token) >= 40
    assert api("GET", "/me", token=token)[1]["account"]["unit"] == "A-02"
    with psycopg.connect(admin) as conn:  # only its hash is kept
        assert conn.execute(
            "SELECT count(*) FROM server_tokens WHERE hash = %s", (token,)
        ).fetchone() == (0,)
    result = runner.invoke(cli, ["db", "account", "revoke", UNIT_A02, "--url", admin])
    assert result.exit_code == 0, result.output
    assert api("GET", "/me", token=token)[0] == 401
    assert (
        runner.invoke(cli, ["db", "account", "token", "nobody_here", "--url", admin]).exit_code == 1
    )


def test_a_unit_account_reaches_only_its_own_unit_by_every_endpoint(api, province):
    _admin, _server, ids = province
    token = api.login(UNIT_A01)
    mine, other = ids["A-01"], ids["A-02"]
    status, body = api("GET", "/units", token=token)
    assert status == 200 and [u["code"] for u in body["units"]] == ["A-01"]
    status, body = api("GET", "/assessments", token=token)
    assert status == 200 and [a["id"] for a in body["assessments"]] == [mine]
    assert api("GET", f"/assessments/{mine}", token=token)[0] == 200
    answer = {"code": "1.1.1", "inputs": {"date": "2025-02-01"}, "based_on": 1}
    for ident in (other, ids["B-01"]):
        assert api("GET", f"/assessments/{ident}", token=token)[0] == 404
        assert api("POST", f"/assessments/{ident}/answers", answer, token=token)[0] == 404
        assert api("POST", f"/assessments/{ident}/submit", token=token)[0] == 404
        assert api("POST", f"/assessments/{ident}/finalize", token=token)[0] == 403
    assert api("GET", f"/assessments/{other[:6]}", token=token)[0] == 404  # no prefix either


def test_the_database_refuses_another_units_rows_even_past_the_servers_checks(province, core):
    """What the server does for a request, without its checks: its own login role, acting
    as the unit's account, sees and changes nothing of another unit."""
    admin, server_url, ids = province
    with PgStore(server_url, user="test") as server:
        with pytest.raises(psycopg.Error):  # the server's role alone holds no rights
            server.units()
        unit = server.as_role(UNIT_A01, UNIT_A01)
        assert unit.assessment_ids() == [ids["A-01"]]
        with pytest.raises(KeyError):
            unit.assessment(ids["A-02"])
        with open_store(admin.replace("postgres@", f"{DEPT}@"), user="x", write=False) as dept:
            theirs = dept.assessment(ids["A-02"])
        with pytest.raises(psycopg.Error):
            unit.save(dataclasses.replace(theirs, version=theirs.version + 1), [])
        flow = Workflow(core, unit)
        with pytest.raises(Exception):  # noqa: B017 (not found, whichever way the workflow says it)
            flow.answer(ids["A-02"], "1.1.1", {"date": "2025-03-01"})
    with psycopg.connect(admin) as conn:
        version = conn.execute("SELECT version FROM assessments WHERE id = %s", (ids["A-02"],))
        assert version.fetchone() == (theirs.version,)


def test_the_departments_endpoints_are_refused_to_units_and_viewers(api, province):
    _admin, _server, ids = province
    unit, viewer = api.login(UNIT_A01), api.login(VIEWER)
    for token in (unit, viewer):
        assert api("GET", f"/ranking?set={SET}&year=2025", token=token)[0] == 403
        new = {"unit": "A-01", "set": SET, "year": 2025, "kind": "inspection"}
        assert api("POST", "/assessments", new, token=token)[0] == 403
        assert api("POST", f"/assessments/{ids['A-01']}/finalize", token=token)[0] == 403
    # a viewer reads its province and changes nothing
    status, body = api("GET", "/assessments", token=viewer)
    assert status == 200 and {a["unit"] for a in body["assessments"]} == {"A-01", "A-02"}
    answer = {"code": "1.1.1", "inputs": {"date": "2025-02-01"}, "based_on": 1}
    assert api("POST", f"/assessments/{ids['A-01']}/answers", answer, token=viewer)[0] == 403
    assert api("POST", f"/assessments/{ids['A-01']}/submit", token=viewer)[0] == 403


def test_the_department_ranks_and_makes_assessments(api, province):
    _admin, _server, ids = province
    token = api.login(DEPT)
    status, body = api("GET", f"/ranking?set={SET}&year=2025&stage=self", token=token)
    assert status == 200, body
    assert {r["unit"] for r in body["rows"]} == {"A-01", "A-02", "B-01"}
    new = {"unit": "B-01", "set": SET, "year": 2025, "kind": "inspection"}
    status, body = api("POST", "/assessments", new, token=token)
    assert status == 201, body
    assert api("GET", f"/assessments/{body['id']}", token=token)[1]["assessment"]["kind"] == (
        "inspection"
    )
    # a unit's account changes only its self-assessment, not the Department's inspection
    again = {"unit": "B-01", "set": SET, "year": 2025, "kind": "self"}
    status, dup = api("POST", "/assessments", again, token=token)
    assert status == 409 and dup["id"] == ids["B-01"]
    status, body = api("POST", f"/assessments/{ids['B-01']}/finalize", token=token)
    assert status == 422, body  # a draft is submitted first: the workflow says so


def test_an_answer_on_a_stale_version_is_refused_with_the_newer_value(api, province):
    _admin, _server, ids = province
    token = api.login(UNIT_A01)
    path = f"/assessments/{ids['A-01']}"
    version = api("GET", path, token=token)[1]["version"]
    first = {"code": "1.1.1", "inputs": {"date": "2025-02-02"}, "based_on": version}
    status, body = api("POST", f"{path}/answers", first, token=token)
    assert status == 200, body
    assert body["version"] == version + 1 and body["item"]["inputs"] == {"date": "2025-02-02"}
    stale = {"code": "1.1.1", "inputs": {"date": "2025-02-03"}, "based_on": version}
    status, body = api("POST", f"{path}/answers", stale, token=token)
    assert status == 409, body
    assert body["version"] == version + 1 and body["item"]["inputs"] == {"date": "2025-02-02"}
    assert api("GET", path, token=token)[1]["items"]["1.1.1"]["inputs"] == {"date": "2025-02-02"}
    wrong = {"code": "9.9.9", "inputs": {}, "based_on": version + 1}
    assert api("POST", f"{path}/answers", wrong, token=token)[0] == 422
    assert api("POST", f"{path}/answers", {"code": "1.1.1"}, token=token)[0] == 400
    nested = {"code": "1.1.1", "inputs": {"date": [["x"]]}, "based_on": version + 1}
    assert api("POST", f"{path}/answers", nested, token=token)[0] == 400
    assert (
        api("POST", f"{path}/answers", {**nested, "inputs": {}, "points": {}}, token=token)[0]
        == 400
    )
    assert api("POST", f"{path}/submit", token=token)[0] == 422  # items missing


def test_openapi_is_served_and_kept_in_docs(api):
    assert api("GET", "/openapi.json") == (200, OPENAPI)
    kept = json.loads((REPO / "docs" / "openapi.json").read_text(encoding="utf-8"))
    assert kept == OPENAPI, "run `python -m inspect_tool.server.openapi > docs/openapi.json`"


def test_serve_refuses_a_non_loopback_address_without_insecure():
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "en",
            "serve",
            "--db",
            "postgresql://server@db.example/cchc",
            "--host",
            "0.0.0.0",
        ],
    )
    assert result.exit_code == 2
    assert "not a loopback address" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("10.0.0.5") and not is_loopback("example.org")
