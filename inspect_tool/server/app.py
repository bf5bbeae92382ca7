"""The province server's routes (Starlette): JSON over the central store.

Every request but POST /login and GET /openapi.json names its account by a token
(`Authorization: Bearer …`). The server checks what the account may do (a unit's account its
own unit's self-assessment; the Department the rest; and each step against the account's
role, data of the store: server/roles.py), and then carries the request to the
database as that account's role (PgStore.as_role: SET LOCAL ROLE in each transaction), so the
row-level security of the store holds whatever these checks do: another unit's assessment is
not found, as if it did not exist.

The routes are plain functions: Starlette runs them in its thread pool, as the store and the
workflow are synchronous.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import campaign as rules
from ..campaign_flow import CampaignError, CampaignFlow
from ..core import Core
from ..i18n import _
from ..model import KINDS, Assessment, Evidence
from ..store.codec import header_to_doc, item_to_doc
from ..store.interface import StoreError
from ..store.postgres import PgStore, StaleError
from ..workflow import DuplicateError, Workflow, WorkflowError
from . import sync
from .accounts import Account, Accounts, LoginRefused, TooManyAttempts
from .openapi import OPENAPI
from .roles import any_step, refusal

MAX_BODY = 1024 * 1024  # a JSON request body; evidence files do not go through these routes


class Refused(Exception):
    def __init__(self, status: int, message: str, **extra: Any):
        super().__init__(message)
        self.status = status
        self.extra = extra


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


class _BasedOn:
    """The store as an answer sees it: its assessment at the version the client read, so the
    save is refused (StaleError) when it changed since, even between the server's check and
    the workflow's own read."""

    def __init__(self, store: PgStore, found: Assessment, version: int):
        self._store, self._found, self._version = store, found, version

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def assessment(self, assessment_id: str) -> Assessment:
        if assessment_id == self._found.id:  # as the server read it: not read twice
            return dataclasses.replace(self._found, version=self._version)
        return self._store.assessment(assessment_id)


class Server:
    """What the routes share: the workflow's core, the server's store (its own role, which
    holds no rights) and the accounts."""

    def __init__(self, core: Core, store: PgStore):
        self.core = core
        self.store = store
        self.accounts = Accounts(store.pool)

    def account(self, request: Request) -> Account:
        header = request.headers.get("authorization", "")
        scheme, _sep, token = header.partition(" ")
        account = self.accounts.check(token.strip()) if scheme.lower() == "bearer" else None
        if account is None:
            raise Refused(401, _("log in first: no valid token was given"))
        return account

    def as_account(self, account: Account) -> PgStore:
        store = self.store.as_role(account.name, account.name)
        store.write = account.kind != "viewer"
        return store

    def flow(self, account: Account) -> Workflow:
        return Workflow(self.core, self.as_account(account))


def _allow(account: Account, action: str) -> None:
    """The account's role may do `action` (the roles are data: migrations/0005), or 403."""
    why = refusal(account, action)
    if why is not None:
        raise Refused(403, why, action=action, role=account.role)


def _step(account: Account, step: str) -> None:
    """Before the assessment is read: 403 when the role takes this step on no kind."""
    if not any_step(account, step):
        _allow(account, f"self.{step}")


def _writer(account: Account, assessment: Assessment) -> None:
    """A viewer changes nothing; a unit's account changes only its own self-assessment."""
    if account.kind == "viewer":
        raise Refused(403, _("a viewer's account changes nothing"))
    if account.kind == "unit" and (assessment.unit != account.unit or assessment.kind != "self"):
        raise Refused(403, _("a unit's account changes only its own self-assessment"))


def _read(store: PgStore, account: Account, assessment_id: str) -> Assessment:
    """The assessment as the account may see it: not found when it may not."""
    try:
        found = store.assessment(assessment_id)
    except KeyError:
        found = None
    if found is None or (account.kind == "unit" and found.unit != account.unit):
        raise Refused(404, _("no assessment '{ref}'").format(ref=assessment_id[:40]))
    return found


async def _body(request: Request) -> dict[str, Any]:
    data = await request.body()
    if len(data) > MAX_BODY:
        raise Refused(413, _("the request is too large"))
    import json

    try:
        body = json.loads(data or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refused(400, _("the request's body must be a JSON object"))
    return body


def _assessment_json(a: Assessment) -> dict[str, Any]:
    return {
        "assessment": header_to_doc(a),
        "items": {code: item_to_doc(item) for code, item in sorted(a.items.items())},
        "version": a.version,
    }


def _text(body: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise Refused(400, _("'{key}' must be a text").format(key=key))
    return value


def _plain_input(value: Any) -> bool:
    """A figure, a text, a date, or a checklist's ticks (a short list of texts)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    return isinstance(value, list) and len(value) <= 200 and all(isinstance(v, str) for v in value)


def _evidence(value: Any) -> list[Evidence] | None:
    if value is None:
        return None
    fields = {f.name for f in dataclasses.fields(Evidence)}
    if not isinstance(value, list) or not all(
        isinstance(e, dict) and set(e) <= fields and all(isinstance(v, str) for v in e.values())
        for e in value
    ):
        raise Refused(400, _("'evidence' must be a list of documents (number, date, issuer)"))
    return [Evidence(**e) for e in value]


def build_app(core: Core, store: PgStore) -> Starlette:
    """The server's application on `store`, opened as the server's login role."""
    server = Server(core, store)

    async def login(request: Request) -> JSONResponse:
        body = await _body(request)
        if "token" in body:
            token = _text(body, "token", required=True) or ""
            account = await _threaded(server.accounts.check, token)
            if account is None:
                return _error(401, _("the token is not valid (revoked or expired)"))
            return JSONResponse({"account": account.as_json()})
        name = _text(body, "name", required=True) or ""
        password = _text(body, "password", required=True) or ""
        try:
            token, account, expires = await _login_threaded(server.accounts.login, name, password)
        except TooManyAttempts:
            return _error(429, _("too many failed logins: try again in 15 minutes"))
        except LoginRefused:
            return _error(401, _("wrong name or password"))
        return JSONResponse({"token": token, "expires": expires, "account": account.as_json()})

    def me(request: Request) -> JSONResponse:
        return JSONResponse({"account": server.account(request).as_json()})

    def units(request: Request) -> JSONResponse:
        store = server.as_account(server.account(request))
        return JSONResponse({"units": [dataclasses.asdict(u) for u in store.units()]})

    def assessments(request: Request) -> JSONResponse:
        flow = server.flow(server.account(request))
        rows = [dataclasses.asdict(s) for s in flow.summaries()]
        return JSONResponse({"assessments": rows})

    def assessment(request: Request) -> JSONResponse:
        account = server.account(request)
        found = _read(server.as_account(account), account, request.path_params["id"])
        return JSONResponse(_assessment_json(found))

    async def answer(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _threaded(_answer, request, body)

    def _answer(request: Request, body: dict[str, Any]) -> JSONResponse:
        account = server.account(request)
        store = server.as_account(account)
        found = _read(store, account, request.path_params["id"])
        _writer(account, found)
        _allow(account, f"{found.kind}.answer")
        code = _text(body, "code", required=True) or ""
        based_on = body.get("based_on")
        if not isinstance(based_on, int) or isinstance(based_on, bool):
            raise Refused(400, _("'based_on' must be the version the answer was made on"))
        inputs = body.get("inputs")
        if inputs is not None and (
            not isinstance(inputs, dict) or not all(_plain_input(v) for v in inputs.values())
        ):
            raise Refused(400, _("'inputs' must be an object of figures, texts or dates"))
        points = body.get("points")
        if not isinstance(points, (str, int, float, type(None))) or isinstance(points, bool):
            raise Refused(400, _("'points' must be a number"))
        na = body.get("na", False)
        if not isinstance(na, bool):
            raise Refused(400, _("'na' must be true or false"))
        entry = {
            "inputs": inputs,
            "points": points,
            "na": na,
            "note": _text(body, "note"),
            "evidence": _evidence(body.get("evidence")),
            "reason": _text(body, "reason"),
        }
        if found.version != based_on:
            return _stale(found, code)
        flow = Workflow(server.core, _BasedOn(store, found, based_on))  # type: ignore[arg-type]
        try:
            after = flow.answer(found.id, code, **entry)
        except StaleError:
            return _stale(_read(store, account, found.id), code)
        item = after.items.get(code)
        return JSONResponse({"version": after.version, "item": item_to_doc(item) if item else None})

    def _stale(current: Assessment, code: str) -> JSONResponse:
        item = current.items.get(code)
        return _error(
            409,
            _(
                "assessment {id} was changed by someone else since it was read (last change "
                "{when}): read it again; nothing was written"
            ).format(id=current.id[:8], when=current.updated or "?"),
            version=current.version,
            item=item_to_doc(item) if item else None,
        )

    def submit(request: Request) -> JSONResponse:
        account = server.account(request)
        store = server.as_account(account)
        found = _read(store, account, request.path_params["id"])
        _writer(account, found)
        _allow(account, f"{found.kind}.submit")
        after = Workflow(server.core, store).submit(found.id)
        return JSONResponse({"state": after.state, "version": after.version})

    def finalize(request: Request) -> JSONResponse:
        account = server.account(request)
        _step(account, "finalize")
        store = server.as_account(account)
        found = _read(store, account, request.path_params["id"])
        _allow(account, f"{found.kind}.finalize")
        after = Workflow(server.core, store).finalize(found.id)
        return JSONResponse({"state": after.state, "version": after.version})

    async def create(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _threaded(_create, request, body)

    def _create(request: Request, body: dict[str, Any]) -> JSONResponse:
        account = server.account(request)
        _step(account, "create")
        unit = _text(body, "unit", required=True) or ""
        set_ref = _text(body, "set", required=True) or ""
        kind = _text(body, "kind", required=True) or ""
        if kind not in KINDS:
            raise Refused(400, _("kind must be one of {kinds}").format(kinds=", ".join(KINDS)))
        _allow(account, f"{kind}.create")
        year = body.get("year")
        if not isinstance(year, int) or isinstance(year, bool):
            raise Refused(400, _("'year' must be a year"))
        try:
            made = server.flow(account).new(unit, set_ref, year, kind)
        except DuplicateError as exc:
            return _error(409, str(exc), id=exc.existing.id)
        return JSONResponse({"id": made.id, "version": made.version}, status_code=201)

    def ranking(request: Request) -> JSONResponse:
        from ..reports import STAGES
        from ..reports import ranking as make_ranking

        account = server.account(request)
        _allow(account, "ranking")
        set_ref = request.query_params.get("set", "")
        stage = request.query_params.get("stage", "final")
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError:
            raise Refused(400, _("'year' must be a year")) from None
        if stage not in STAGES:
            raise Refused(400, _("stage must be one of {stages}").format(stages=", ".join(STAGES)))
        report = make_ranking(server.flow(account), set_ref, year, stage)
        rows = []
        for row in report.rows:
            shown = dataclasses.asdict(row)
            shown["areas"] = {k: list(v) for k, v in row.areas.items()}
            rows.append(shown)
        return JSONResponse(
            {"set": report.cset.key, "year": report.year, "stage": report.stage, "rows": rows}
        )

    def openapi(request: Request) -> JSONResponse:
        return JSONResponse(OPENAPI)

    # -- sync (server/sync.py) -------------------------------------------------------------

    async def sync_push(request: Request) -> JSONResponse:
        body = await _sync_body(request)
        return await _threaded(_sync_push, request, body)

    def _sync_push(request: Request, body: dict[str, Any]) -> JSONResponse:
        account = server.account(request)
        if account.kind == "viewer":
            raise Refused(403, _("a viewer's account changes nothing"))
        return JSONResponse(sync.push(server.core, server.as_account(account), account, body))

    async def sync_pull(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _threaded(_sync_pull, request, body)

    def _sync_pull(request: Request, body: dict[str, Any]) -> JSONResponse:
        account = server.account(request)
        return JSONResponse(sync.pull(server.as_account(account), body.get("heads", {})))

    async def sync_refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, sync.SyncRefused)
        return _error(exc.status, str(exc))

    # -- accounts and the progress board (roles as data: migrations/0005) ----------------------

    def accounts(request: Request) -> JSONResponse:
        _allow(server.account(request), "accounts")
        return JSONResponse({"accounts": server.accounts.listing()})

    def revoke(request: Request) -> JSONResponse:
        _allow(server.account(request), "accounts")
        name = request.path_params["name"]
        revoked = server.accounts.revoke(name)
        if revoked is None:
            raise Refused(404, _("no account {name}").format(name=name[:64]))
        return JSONResponse({"account": name, "revoked": revoked})

    def progress(request: Request) -> JSONResponse:
        from ..progress import board_json, filters_from, read_board

        account = server.account(request)
        _allow(account, "progress")
        try:
            filters = filters_from(request.query_params)
        except ValueError as exc:
            raise Refused(400, str(exc)) from None
        board = read_board(server.as_account(account), filters)
        return JSONResponse(board_json(board))

    # -- the campaign's explanation round, for wards on laptops (migrations/0009) ------------

    def _campaign(account: Account) -> CampaignFlow:
        return CampaignFlow(server.flow(account))

    def _track(flow: CampaignFlow, request: Request) -> tuple[rules.Campaign, rules.Track]:
        """The campaign and the unit's track, as the account sees them (row-level security:
        a unit's account sees its own track only), else 404."""
        try:
            c = flow.get(request.path_params["id"])
            return c, flow.track(c, request.path_params["unit"])
        except CampaignError as exc:
            raise Refused(404, str(exc)) from None

    def campaigns(request: Request) -> JSONResponse:
        flow = _campaign(server.account(request))
        return JSONResponse({"campaigns": [rules.campaign_json(c) for c in flow.campaigns()]})

    def campaign_changes(request: Request) -> JSONResponse:
        flow = _campaign(server.account(request))
        c, track = _track(flow, request)
        close = rules.window_close(c, track, flow.holidays)
        deadline = rules.deadline_of(c, track)
        return JSONResponse(
            {
                "campaign": c.id,
                "unit": track.unit,
                "step": flow.step(c, track),
                "deadline": deadline.isoformat() if deadline else "",
                "window_close": close.isoformat() if close else "",
                "changes": flow.changes(track),
            }
        )

    async def campaign_explain(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _threaded(_campaign_explain, request, body)

    def _campaign_explain(request: Request, body: dict[str, Any]) -> JSONResponse:
        account = server.account(request)
        _allow(account, "campaign.explain")
        flow = _campaign(account)
        c, track = _track(flow, request)
        if account.kind == "unit" and track.unit != account.unit:
            raise Refused(403, _("a unit's account explains only for its own unit"))
        try:
            after = flow.explain(
                c.id,
                track.unit,
                _text(body, "item", required=True) or "",
                _text(body, "answer", required=True) or "",
                _text(body, "reason") or "",
                _text(body, "evidence") or "",
            )
        except CampaignError as exc:
            raise Refused(422, str(exc)) from None
        return JSONResponse(rules.campaign_json(after))

    # -- recommendations followed up, reported by wards on laptops (migrations/0009) --------

    def recommendations(request: Request) -> JSONResponse:
        from ..recommendations import STATUSES, FollowUps, record_json

        query = request.query_params
        state = query.get("state")
        if state is not None and state not in STATUSES:
            raise Refused(
                400, _("state must be one of {states}").format(states=", ".join(STATUSES))
            )
        try:
            year = int(query["year"]) if "year" in query else None
        except ValueError:
            raise Refused(400, _("'year' must be a year")) from None
        follow = FollowUps(server.flow(server.account(request)))
        rows = follow.rows(unit=query.get("unit"), state=state, area=query.get("area"), year=year)
        found = [record_json(r.record, r.status) | {"unit_name": r.unit_name} for r in rows]
        return JSONResponse({"recommendations": found})

    async def recommendation_progress(request: Request) -> JSONResponse:
        body = await _body(request)
        return await _threaded(_recommendation_progress, request, body)

    def _recommendation_progress(request: Request, body: dict[str, Any]) -> JSONResponse:
        from ..recommendations import FollowUps, record_json, status

        account = server.account(request)
        _allow(account, "recommendation.report")
        done = body.get("done", False)
        if not isinstance(done, bool):
            raise Refused(400, _("'done' must be true or false"))
        follow = FollowUps(server.flow(account))
        try:
            record = follow.get(request.path_params["id"])
        except WorkflowError as exc:  # not one the account may see: as if it did not exist
            raise Refused(404, str(exc)) from None
        after = follow.progress(
            record.id,
            _text(body, "text", required=True) or "",
            done=done,
            day=_text(body, "day") or "",
            evidence=_text(body, "evidence") or "",
        )
        return JSONResponse(record_json(after, status(after, follow.today())))

    routes = [
        Route("/login", login, methods=["POST"]),
        Route("/me", me, methods=["GET"]),
        Route("/units", units, methods=["GET"]),
        Route("/assessments", assessments, methods=["GET"]),
        Route("/assessments", create, methods=["POST"]),
        Route("/assessments/{id}", assessment, methods=["GET"]),
        Route("/assessments/{id}/answers", answer, methods=["POST"]),
        Route("/assessments/{id}/submit", submit, methods=["POST"]),
        Route("/assessments/{id}/finalize", finalize, methods=["POST"]),
        Route("/ranking", ranking, methods=["GET"]),
        Route("/openapi.json", openapi, methods=["GET"]),
        # -- sync
        Route("/sync/push", sync_push, methods=["POST"]),
        Route("/sync/pull", sync_pull, methods=["POST"]),
        Route("/accounts", accounts, methods=["GET"]),
        Route("/accounts/{name}/revoke", revoke, methods=["POST"]),
        Route("/progress", progress, methods=["GET"]),
        Route("/campaigns", campaigns, methods=["GET"]),
        Route("/campaigns/{id}/units/{unit}", campaign_changes, methods=["GET"]),
        Route("/campaigns/{id}/units/{unit}/explain", campaign_explain, methods=["POST"]),
        Route("/recommendations", recommendations, methods=["GET"]),
        Route("/recommendations/{id}/progress", recommendation_progress, methods=["POST"]),
    ]

    async def refused(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Refused)
        return _error(exc.status, str(exc), **exc.extra)

    async def workflow_error(request: Request, exc: Exception) -> JSONResponse:
        problems = getattr(exc, "problems", None) or []
        return _error(422, str(exc), problems=[list(p) for p in problems])

    async def store_error(request: Request, exc: Exception) -> JSONResponse:
        return _error(409 if isinstance(exc, StaleError) else 422, str(exc))

    return Starlette(
        routes=routes,
        exception_handlers={
            Refused: refused,
            WorkflowError: workflow_error,
            StoreError: store_error,
            LookupError: workflow_error,  # an unknown criteria set
            sync.SyncRefused: sync_refused,
        },
    )


async def _sync_body(request: Request) -> dict[str, Any]:
    """A push's body: larger than other requests' (a laptop's changes since its last sync),
    read in chunks and refused as soon as it passes the limit."""
    import json

    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > sync.MAX_SYNC_BODY:
            raise Refused(413, _("the request is too large"))
    try:
        body = json.loads(bytes(data) or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise Refused(400, _("the request's body must be a JSON object"))
    return body


async def _threaded(function: Any, *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function, *args)


# -- password checks, apart (bench_server.py) ----------------------------------------------------

LOGIN_THREADS = 2  # argon2 checks at once: each takes 64 MiB and ~0.1 s of a core
_login_limiter: Any = None


async def _login_threaded(function: Any, *args: Any) -> Any:
    """A login in a thread of its own small pool: a burst of logins (a province's wards at
    8 o'clock) waits for its turn instead of taking every worker thread from the answers."""
    import anyio.to_thread

    global _login_limiter
    if _login_limiter is None:
        _login_limiter = anyio.CapacityLimiter(LOGIN_THREADS)
    return await anyio.to_thread.run_sync(lambda: function(*args), limiter=_login_limiter)
