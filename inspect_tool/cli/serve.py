"""`inspect-tool serve`: the province server over the central store (inspect_tool/server)."""

from __future__ import annotations

import ipaddress
import os

import click

from ..i18n import _
from . import cli
from .common import Ctx, guard, pass_ctx


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@cli.command()
@click.option(
    "--db",
    "url",
    help="The central store, as the server's login role (`db account add NAME --kind "
    "server`): postgresql://ROLE@HOST/DATABASE (default: --db before the command, or "
    "INSPECT_TOOL_DB).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--insecure",
    is_flag=True,
    help="Listen on an address other than loopback without a TLS proxy in front (tests only).",
)
@pass_ctx
@guard
def serve(ctx: Ctx, url: str | None, host: str, port: int, insecure: bool) -> None:
    """Serve the central store over HTTP (JSON) to wards and inspection laptops. Run it behind
    a TLS reverse proxy (nginx): it listens on loopback only unless told --insecure."""
    from ..store.interface import is_url

    url = url or (str(ctx.db) if ctx.db else os.environ.get("INSPECT_TOOL_DB", ""))
    if not is_url(url):
        raise click.UsageError(_("give the central store: --db postgresql://ROLE@HOST/DATABASE"))
    if not is_loopback(host) and not insecure:
        raise click.UsageError(
            _(
                "{host} is not a loopback address: the server speaks plain HTTP and must run "
                "behind a TLS reverse proxy; listen on 127.0.0.1 (or give --insecure)"
            ).format(host=host)
        )
    import uvicorn

    from ..server.app import build_app
    from ..store.postgres import PgStore

    with PgStore(url, user=ctx.user or "inspect-tool serve", pool_size=16) as store:
        app = build_app(ctx.core, store)
        click.echo(
            _("serving {url} on http://{host}:{port}").format(url=store.path, host=host, port=port)
        )
        uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)
