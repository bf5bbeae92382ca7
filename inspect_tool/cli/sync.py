"""`inspect-tool sync` (a laptop's store with the province server) and `assess resolve` (a
sync conflict resolved by a named person, with a reason): inspect_tool/sync.py does the work."""

from __future__ import annotations

import os

import click

from .. import labels
from ..i18n import _
from . import cli
from .common import Ctx, dump, fail, guard, json_option, pass_ctx
from .store import _raw_inputs, assess


def _token(server: str, name: str | None, token: str | None) -> str:
    """--token, else INSPECT_TOOL_SYNC_TOKEN, else a login (--user, the password asked and
    never echoed; the token then kept owner-only), else the token kept for this server."""
    from ..sync import TOKEN_ENV, login, save_token, saved_token

    if token:
        return token
    if os.environ.get(TOKEN_ENV):
        return os.environ[TOKEN_ENV]
    if name:
        password = click.prompt(_("Password for {name}").format(name=name), hide_input=True)
        found = login(server, name, password)
        path = save_token(server, found)
        click.echo(_("logged in; the token is kept in {path}").format(path=path))
        return found
    kept = saved_token(server)
    if kept is None:
        raise click.UsageError(
            _("log in once: sync --server {server} --user NAME (or give --token)").format(
                server=server
            )
        )
    return kept


def _show_status(ctx: Ctx, as_json: bool) -> None:
    from ..sync import status

    st = status(ctx.store(write=False))
    if as_json:
        dump(
            {
                "server": st.server,
                "last_sync": st.last_sync,
                "waiting": st.waiting,
                "conflicts": [{"id": i, "item": c} for i, c in st.conflicts],
            }
        )
        return
    click.echo(_("server: {server}").format(server=st.server or _("never synced")))
    click.echo(_("last sync: {when}").format(when=st.last_sync or _("never")))
    click.echo(_("changes waiting: {n}").format(n=len(st.waiting)))
    for ident in st.waiting:
        click.echo(f"  {ident[:8]}")
    click.echo(_("conflicts: {n}").format(n=len(st.conflicts)))
    for ident, code in st.conflicts:
        click.echo(
            _("  {id} {where}: resolve with assess resolve {id} {code}").format(
                id=ident[:8], where=labels.conflict_place(code), code=code
            )
        )


@cli.command("sync")
@click.option("--server", help="The province server, https://… (default: the last one used).")
@click.option("--user", "name", help="Log in as this account (the password is asked).")
@click.option("--token", help="A token (a device token from `db account token`).")
@click.option("--status", "show_status", is_flag=True, help="Show last sync, waiting, conflicts.")
@json_option
@pass_ctx
@guard
def sync_command(
    ctx: Ctx,
    server: str | None,
    name: str | None,
    token: str | None,
    show_status: bool,
    as_json: bool,
) -> None:
    """Sync this laptop's store with the province server: push the changes made here, pull
    what the account may see. Conflicts are kept and shown, never resolved silently."""
    from ..sync import SyncError, check_server, sync

    if show_status:
        _show_status(ctx, as_json)
        return
    store = ctx.store()
    try:
        server = check_server(server or store.sync_state().get("server") or "")
        report = sync(ctx.core, store, server, _token(server, name, token))
    except SyncError as exc:
        fail(str(exc))
        return
    if as_json:
        dump(report.__dict__)
    else:
        click.echo(
            _(
                "synced with {server}: {stored} sent, {merged} merged, {unchanged} already "
                "there, {pulled} received"
            ).format(
                server=server,
                stored=len(report.stored),
                merged=len(report.merged),
                unchanged=report.unchanged,
                pulled=len(report.pulled),
            )
        )
        for ident, code in report.conflicts:
            click.echo(
                _("conflict: {id} {where} changed here and on the server: both kept").format(
                    id=ident[:8], where=labels.conflict_place(code)
                )
            )
        for ident, what in report.not_applied:
            click.echo(
                _("not applied: {id} {what} (the server changed it too): do it again").format(
                    id=ident[:8], what=what
                )
            )
        for ident in report.kept:
            click.echo(
                _("{id}: changed here meanwhile, kept; it is sent next time").format(id=ident[:8])
            )
    if report.refused:
        fail(
            [
                _("refused by the server: {id}: {why}").format(id=ident[:8], why=why)
                for ident, why in report.refused
            ]
        )


@assess.command("resolve")
@click.argument("ref", metavar="ID")
@click.argument("code")
@click.option("--take", type=click.Choice(["server", "laptop"]), help="Keep this side's value.")
@click.option("--input", "pairs", multiple=True, metavar="NAME=VALUE", help="A value of your own.")
@click.option("--points", help="Points of your own, for items scored by hand.")
@click.option("--na", is_flag=True, help="Not applicable, as your own value.")
@click.option("--reason", required=True, help="Why (required, logged).")
@pass_ctx
@guard
def assess_resolve(
    ctx: Ctx,
    ref: str,
    code: str,
    take: str | None,
    pairs: tuple[str, ...],
    points: str | None,
    na: bool,
    reason: str,
) -> None:
    """Resolve a sync conflict on an item (CODE) or a header field (place, findings,
    recommendations, participants, unit_opinion, started, ended): keep the server's or the
    laptop's value, or give your own (an item's); the choice and its reason are recorded in
    the audit trail."""
    flow = ctx.workflow()
    inputs = _raw_inputs(flow, ref, code, pairs) if pairs else None
    after = flow.resolve_conflict(
        ref, code, take, reason=reason, inputs=inputs, points=points, na=na
    )
    click.echo(
        _("{id}: {where} resolved").format(id=after.id[:8], where=labels.conflict_place(code))
    )
