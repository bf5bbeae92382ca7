"""The central store's administration: its schema and its accounts (run by its owner)."""

from __future__ import annotations

import json
import os

import click

from ..i18n import _
from . import cli
from .common import Ctx, guard, pass_ctx


@cli.group()
def db() -> None:
    """The central store on PostgreSQL: create and upgrade its schema, manage accounts."""


def _url(ctx: Ctx, url: str | None) -> str:
    from ..store.interface import is_url

    url = url or (str(ctx.db) if ctx.db else os.environ.get("INSPECT_TOOL_DB", ""))
    if not is_url(url):
        raise click.UsageError(_("give the store's URL: postgresql://OWNER@HOST/DATABASE"))
    return url


@db.command("init")
@click.argument("url", required=False)
@pass_ctx
@guard
def db_init(ctx: Ctx, url: str | None) -> None:
    """Create the store's schema in an empty database (as its owner)."""
    from ..store.postgres import safe_url, upgrade

    url = _url(ctx, url)
    _before, after = upgrade(url, init=True)
    click.echo(_("{url}: store created (schema {v})").format(url=safe_url(url), v=after))


@db.command("upgrade")
@click.argument("url", required=False)
@pass_ctx
@guard
def db_upgrade(ctx: Ctx, url: str | None) -> None:
    """Apply the migrations this inspect-tool has and the store lacks (as its owner)."""
    from ..store.postgres import safe_url, upgrade

    url = _url(ctx, url)
    before, after = upgrade(url)
    if before == after:
        click.echo(_("{url}: schema {v}, nothing to do").format(url=safe_url(url), v=after))
    else:
        click.echo(
            _("{url}: schema {before} → {after}").format(
                url=safe_url(url), before=before, after=after
            )
        )


@db.group("account")
def account() -> None:
    """Accounts of the central store, each seeing only what is its own."""


@account.command("add")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice(["department", "unit", "viewer", "server"]),
    help="department: every unit of its province; unit: its own unit; viewer: reads only; "
    "server: the login role of `inspect-tool serve`, which acts as each account. "
    "Optional when --role is given (the role's kind).",
)
@click.option(
    "--role",
    default="",
    help="What the account may do (`db account roles` lists them): administrator, appraiser, "
    "inspector, unit_head, unit_editor, viewer, department. Default: its kind's (department, "
    "unit_head, viewer), which may do what accounts could before roles.",
)
@click.option("--unit", "unit_code", default="", help="The unit of a unit account.")
@click.option("--province", default="", help="The province (the units' parent); all if empty.")
@click.option(
    "--password",
    is_flag=True,
    help="Ask for a password (never echoed): the account's database password and its "
    "password on the province server.",
)
@click.option("--url", help="The store's URL, as its owner (default: --db).")
@pass_ctx
@guard
def account_add(
    ctx: Ctx,
    name: str,
    kind: str | None,
    role: str,
    unit_code: str,
    province: str,
    password: bool,
    url: str | None,
) -> None:
    """Add an account: a login role of the database, member of its kind's group, with its role."""
    from ..store.postgres import add_account, role_kind

    url = _url(ctx, url)
    if kind is None:
        if not role:
            raise click.UsageError(_("give --kind or --role"))
        kind = role_kind(url, role)
    secret = ""
    if password:
        secret = click.prompt(_("Password"), hide_input=True, confirmation_prompt=True)
    add_account(url, name, kind, unit=unit_code, province=province, password=secret, role=role)
    if role:
        click.echo(
            _("account {name} added ({kind}, role {role})").format(name=name, kind=kind, role=role)
        )
    else:
        click.echo(_("account {name} added ({kind})").format(name=name, kind=kind))


@account.command("roles")
@click.option("--url", help="The store's URL, as its owner (default: --db).")
@click.option("--json", "as_json", is_flag=True, help="JSON for scripts.")
@pass_ctx
@guard
def account_roles(ctx: Ctx, url: str | None, as_json: bool) -> None:
    """The roles an account may have, and what each may do (data of the store)."""
    from ..store.postgres import roles

    found = roles(_url(ctx, url))
    if as_json:
        rows = [{"name": n, "kind": k, "title": t, "actions": a} for n, k, t, a in found]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for name, kind, title, actions in found:
        click.echo(f"{name:<14} {kind:<11} {title}")
        click.echo(f"{'':<26} {', '.join(actions)}")


@account.command("token")
@click.argument("name")
@click.option("--url", help="The store's URL, as its owner (default: --db).")
@pass_ctx
@guard
def account_token(ctx: Ctx, name: str, url: str | None) -> None:
    """Issue a laptop's device token for the province server (shown once, alone on the last
    line; kept only as its hash)."""
    from ..server.accounts import issue_device_token

    token = issue_device_token(_url(ctx, url), name)
    click.echo(
        _("a device token for {name} (shown once; revoke it with `db account revoke`):").format(
            name=name
        )
    )
    click.echo(token)


@account.command("revoke")
@click.argument("name")
@click.option("--url", help="The store's URL, as its owner (default: --db).")
@pass_ctx
@guard
def account_revoke(ctx: Ctx, name: str, url: str | None) -> None:
    """Revoke every token of an account (its laptops' and its logins')."""
    from ..server.accounts import revoke_tokens

    n = revoke_tokens(_url(ctx, url), name)
    click.echo(_("{n} tokens of {name} revoked").format(n=n, name=name))


@db.command("load")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--accept-unknown-sets",
    is_flag=True,
    help="Take criteria sets this tool does not know (only if you trust where they came from).",
)
@pass_ctx
@guard
def db_load(ctx: Ctx, folder: str, accept_unknown_sets: bool) -> None:
    """Move a laptop's embedded store into the central one (--db): its units and assessments
    with their audit history, checked as an import of a bundle is; the same twice changes
    nothing, and one refused assessment refuses it all."""
    from pathlib import Path

    from ..store import open_store
    from ..store.bundle import bundle_bytes, export_bundle
    from ..store.interface import is_url
    from .store import load_bundle

    if not is_url(str(ctx.db or "")):
        raise click.UsageError(_("give the central store with --db postgresql://…"))
    with open_store(Path(folder), user=ctx.user, write=False) as laptop:
        # as a bundle file would carry it: the same checks as `import`, on the same data
        bundle = json.loads(bundle_bytes(export_bundle(laptop)))
    load_bundle(ctx, bundle, accept_unknown_sets)
