"""The province server under a province's wards: 170 clients on loopback at once.

Starts a throw-away PostgreSQL cluster (tests/pg_cluster.py) unless INSPECT_TOOL_TEST_PG names
one, fills a store with the wards and their self-assessments (drafts), an account with a
password per ward and the Department's, then `inspect-tool serve` (uvicorn on 127.0.0.1, a
free port). Each simulated ward client (a thread, urllib) logs in, answers the items of its
self-assessment one request at a time (the answers drawn once by inspect_tool.samples), and
submits it; meanwhile the Department reads the progress board again and again. The loop is
bounded: each client has its items and stops; the bench waits for them all.

Clients are paced like people, if hurried ones: each waits BENCH_SERVER_PACE seconds (default
6) between two answers, give or take a quarter (an official looks up a document for each
item: minutes, not seconds), and the clients start over BENCH_SERVER_RAMP seconds (default
120) as offices open (a login verifies an argon2 hash: 170 in the same second is not a
morning); the figures are printed. 170 wards at 6 s are 28 answers a second. A ward's answer
is timed from the request to the server's reply (its commit); `p95` is over every answer.
Afterwards every acknowledged answer is looked for in the store (`lost` counts those missing
or different) and every submitted assessment's state is checked.

Last line (a contract):
`server: <clients> clients, <answers> answers, p95 <ms> ms, <e> errors, <k> lost`
Goals on this 2-core machine: 170 clients, p95 ≤ 100 ms, 0 errors, 0 lost.
"""

from __future__ import annotations

import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.model import Unit  # noqa: E402
from inspect_tool.samples import sample_answers  # noqa: E402
from inspect_tool.server.accounts import hash_password  # noqa: E402
from inspect_tool.store import Change, open_store  # noqa: E402
from inspect_tool.store.postgres import add_account  # noqa: E402
from inspect_tool.workflow import Workflow, _plain  # noqa: E402
from tests.pg_cluster import Cluster  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_SERVER_CLIENTS", "170"))
PACE = float(os.environ.get("BENCH_SERVER_PACE", "6"))
RAMP = float(os.environ.get("BENCH_SERVER_RAMP", "120"))
SET, YEAR = "cchc-xa-2025", 2025
PASSWORD = "mật khẩu của phường"
TIMEOUT = 60  # seconds for one request: more counts as an error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base: str, method: str, path: str, body=None, token: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data, headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def build(core, admin: str, department: str) -> tuple[list[tuple[str, str]], dict]:
    """The wards, their drafts and accounts; (account, assessment id) per client and the
    answers each will give (code → request body without its version)."""
    units = [Unit(f"W-{i:03d}", f"Phường {i}", "ward", "Tỉnh mô phỏng") for i in range(CLIENTS)]
    rng = random.Random(2026)
    with open_store(department, user="Sở Nội vụ") as store:
        store.put_units(units, [Change("units", None, len(units))])
        flow = Workflow(core, store)
        ids = [flow.new(u.code, SET, YEAR, "self").id for u in units]
        engine = flow.engine(flow.get(ids[0]))
    cited = {item.code for item in engine.cset.items() if item.evidence_required}
    sheets = {}
    for n, ident in enumerate(ids):
        paper = [{"number": f"{n + 1}/BC-UBND", "date": "2025-01-15", "issuer": "UBND phường"}]
        sheets[ident] = {
            code: {"inputs": {} if a.na else {k: _plain(v) for k, v in a.inputs.items()},
                   "na": a.na, **({"evidence": paper} if code in cited else {})}
            for code, a in sample_answers(engine, rng, quality=rng.random()).items()
        }  # fmt: skip
    clients = []
    for unit, ident in zip(units, ids, strict=True):
        name = f"ward_{unit.code[2:]}"
        add_account(admin, name, "unit", unit=unit.code, role="unit_head")
        clients.append((name, ident))
    add_account(admin, "bench_dept", "department", role="appraiser")
    add_account(admin, "bench_server", "server")
    # one argon2 hash for every account: hashing 171 passwords would time the setup, not
    # the server (each login still verifies it, as `db account add --password` leaves it)
    with psycopg.connect(admin) as conn:
        conn.execute("UPDATE accounts SET password_hash = %s", (hash_password(PASSWORD),))
    return clients, sheets


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: list[float] = []
        self.errors: list[str] = []
        self.acknowledged: dict[str, dict[str, dict]] = {}  # id → code → item as replied
        self.submitted: set[str] = set()

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


def ward(base: str, name: str, ident: str, sheet: dict, delay: float, out: Results) -> None:
    """One ward's day: log in, answer every item, submit."""
    rng = random.Random(name)
    time.sleep(delay)
    try:
        status, body = request(base, "POST", "/login", {"name": name, "password": PASSWORD})
        if status != 200:
            return out.error(f"{name} login {status}: {body}")
        token = body["token"]
        status, body = request(base, "GET", f"/assessments/{ident}", token=token)
        if status != 200:
            return out.error(f"{name} read {status}: {body}")
        version, mine, times = body["version"], {}, []
        for code, entry in sheet.items():
            time.sleep(PACE * rng.uniform(0.75, 1.25))
            started = time.perf_counter()
            status, body = request(
                base, "POST", f"/assessments/{ident}/answers",
                {"code": code, **entry, "based_on": version}, token,
            )  # fmt: skip
            times.append(time.perf_counter() - started)
            if status != 200:
                out.error(f"{name} answer {code} {status}: {body}")
                continue
            version = body["version"]
            mine[code] = body["item"]
        status, body = request(base, "POST", f"/assessments/{ident}/submit", token=token)
        with out.lock:
            out.times += times
            out.acknowledged[ident] = mine
            if status == 200:
                out.submitted.add(ident)
        if status != 200:
            out.error(f"{name} submit {status}: {body}")
    except OSError as exc:  # refused, reset, timed out: the server failed this ward
        out.error(f"{name}: {exc}")


def department(base: str, stop: threading.Event, out: Results, reads: list[float]) -> None:
    """The Department watches the board while the wards work."""
    try:
        status, body = request(base, "POST", "/login", {"name": "bench_dept", "password": PASSWORD})
        if status != 200:
            return out.error(f"department login {status}: {body}")
        token = body["token"]
        while not stop.wait(1.0):
            started = time.perf_counter()
            status, body = request(base, "GET", "/progress", token=token)
            reads.append(time.perf_counter() - started)
            if status != 200:
                out.error(f"progress {status}: {body}")
    except OSError as exc:
        out.error(f"department: {exc}")


def lost_answers(url: str, out: Results) -> int:
    """Acknowledged answers that the store does not hold as acknowledged, and submissions
    acknowledged but not in the store."""
    lost = 0
    with open_store(url, user="check", write=False) as store:
        for ident, items in out.acknowledged.items():
            held = store.assessment(ident)
            for code, item in items.items():
                record = held.items.get(code)
                if record is None or record.inputs != item.get("inputs", {}):
                    lost += 1
            if ident in out.submitted and held.state != "submitted":
                lost += 1
    return lost


def start_server(url: str) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = dict(os.environ, INSPECT_TOOL_PLUGINS_DIR=os.devnull, PYTHONPATH=str(ROOT))
    process = subprocess.Popen(
        [sys.executable, "-m", "inspect_tool", "--lang", "en", "serve", "--db", url,
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if request(base, "GET", "/openapi.json")[0] == 200:
                return process, base
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit("the server did not start: " + process.stdout.read().decode())
        time.sleep(0.2)


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # each line as it comes, into a log too
    cluster = Cluster()
    process = None
    try:
        admin, department_url = cluster.new_store()
        core = open_core(entry_points=False)
        started = time.perf_counter()
        clients, sheets = build(core, admin, department_url)
        items = len(next(iter(sheets.values())))
        print(f"built {len(clients)} wards ({items} items each) in "
              f"{time.perf_counter() - started:.1f} s")  # fmt: skip
        process, base = start_server(cluster.url(admin.rsplit("/", 1)[1], "bench_server"))
        print(f"pace: an answer every {PACE:g} s (±25%) per ward, starts spread over {RAMP:g} s")
        out, reads, stop = Results(), [], threading.Event()
        watcher = threading.Thread(target=department, args=(base, stop, out, reads))
        threads = [
            threading.Thread(
                target=ward, args=(base, name, ident, sheets[ident], RAMP * i / len(clients), out)
            )
            for i, (name, ident) in enumerate(clients)
        ]
        started = time.perf_counter()
        watcher.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stop.set()
        watcher.join()
        took = time.perf_counter() - started
        lost = lost_answers(department_url, out)
        times = sorted(out.times)
        p95 = statistics.quantiles(times, n=20)[18] * 1000 if len(times) > 1 else 0.0
        median = statistics.median(times) * 1000 if times else 0.0
        board = statistics.median(reads) * 1000 if reads else 0.0
        for line in out.errors[:10]:
            print("error:", line)
        print(f"{took:.0f} s; median answer {median:.1f} ms; {len(out.submitted)} submitted; "
              f"board read {len(reads)} times, median {board:.1f} ms")  # fmt: skip
        print(f"load: {os.getloadavg()[0]:.2f} (1 min)")
        print(
            f"server: {len(clients)} clients, {len(times)} answers, p95 {p95:.1f} ms, "
            f"{len(out.errors)} errors, {lost} lost"
        )
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
        cluster.stop()


if __name__ == "__main__":
    main()
