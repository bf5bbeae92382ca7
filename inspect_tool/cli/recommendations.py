"""`inspect-tool recommendations …` and `report recommendations`: the follow-up of the
recommendations of finalized inspections and appraisals (recommendations.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote, urlencode

import click
from rich.table import Table
from rich.text import Text

from .. import display, labels
from ..i18n import _, ngettext
from ..model import FollowUp
from ..recommendations import (
    STATUSES,
    FollowUps,
    Row,
    record_json,
    short_id,
    status,
    status_label,
)
from ..recommendations import said as said_of
from . import cli
from .common import Ctx, dump, fail, force_option, guard, json_option, pass_ctx
from .documents import report, report_out, report_settings

day_option = click.option(
    "--on",
    "on_day",
    help="The day the states are given on, e.g. 2026-01-31 (default: today).",
)


def _follow(ctx: Ctx, on_day: str | None = None, *, write: bool = True) -> FollowUps:
    ctx.store(write=write)
    today = _day(on_day) if on_day else None
    return FollowUps(ctx.workflow(), today=(lambda: today) if today else None)


def _day(text: str) -> dt.date:
    from ..inputs import InputError, parse_date

    try:
        return parse_date(text)
    except InputError as exc:
        raise click.BadParameter(str(exc), param_hint="--on") from None


server_option = click.option(
    "--server",
    help="The province server: read or report there, as the account `sync` logged in "
    "(a ward on a laptop).",
)


def _remote(server: str, path: str, body: dict | None = None):
    """The province server's answer; its refusal is this command's, exit 1."""
    from ..sync import SyncError, ask

    try:
        return ask(server, path, body)
    except SyncError as exc:
        fail(str(exc))


@cli.group()
def recommendations() -> None:
    """Recommendations followed up: the unit reports progress, the Department accepts."""


@recommendations.command("list")
@click.option("--unit")
@click.option("--state", type=click.Choice(STATUSES), help="Only those in this state.")
@click.option("--area", help="Only those of this area (its code).")
@click.option("--year", type=int, help="Only those of assessments of this year.")
@day_option
@server_option
@json_option
@pass_ctx
@guard
def recommendations_list(
    ctx: Ctx,
    unit: str | None,
    state: str | None,
    area: str | None,
    year: int | None,
    on_day: str | None,
    server: str | None,
    as_json: bool,
) -> None:
    """Every recommendation followed up: by unit, state and area, overdue first."""
    filters = {"unit": unit, "state": state, "area": area, "year": year}
    if server:
        if on_day:
            fail(_("--on is the server's own day with --server"))
        query = urlencode({k: v for k, v in filters.items() if v is not None})
        docs = _remote(server, "/recommendations" + (f"?{query}" if query else ""))
        docs = docs["recommendations"]
    else:
        follow = _follow(ctx, on_day, write=False)
        docs = [record_json(row.record, row.status) for row in follow.rows(**filters)]
    if as_json:
        dump(docs)
        return
    table = Table(_("Id"), _("Unit"), _("Year"), _("Area"), _("Recommendation"), _("Deadline"))
    table.add_column(_("State"))
    for d in docs:
        table.add_row(
            d["short_id"],
            Text(d["unit"]),
            str(d["year"]),
            Text(d["area"]),
            Text(d["text"]),
            display.day(d["deadline"]),
            Text(status_label(d["status"]), style="bold red" if d["status"] == "overdue" else ""),
        )
    from .common import out

    out.print(table)


@recommendations.command("show")
@click.argument("ref", metavar="ID")
@day_option
@json_option
@pass_ctx
@guard
def recommendations_show(ctx: Ctx, ref: str, on_day: str | None, as_json: bool) -> None:
    """One recommendation and every step of its follow-up."""
    follow = _follow(ctx, on_day, write=False)
    record = follow.get(ref)
    shown = status(record, follow.today())
    if as_json:
        dump(record_json(record, shown))
        return
    unit = follow.store.unit(record.unit)
    lines = [
        f"{short_id(record)}  {record.unit} {unit.name if unit else ''}",
        f"{labels.kind(record.kind)} {record.year} · {record.area}. {record.area_title}",
        record.text,
        _("Deadline: {day}").format(day=display.day(record.deadline) or "—"),
        _("State: {state}").format(state=status_label(shown)),
    ]
    for step in record.history:
        said = said_of(step)
        lines.append(f"  {display.day(step.day)} · {step.by} · {status_label(step.state)}: {said}")
        lines += [f"    {_('Evidence')}: {_evidence(e)}" for e in step.evidence]
    click.echo("\n".join(lines))


def _evidence(e) -> str:
    from ..minutes import evidence_line

    return evidence_line(e)


@recommendations.command("progress")
@click.argument("ref", metavar="ID")
@click.argument("text")
@click.option(
    "--done", is_flag=True, help="Report it done (needs evidence); the Department accepts."
)
@click.option("--day", default="", help="The day of the work, e.g. 2026-03-15 (default: today).")
@click.option(
    "--evidence", default="", help="Documents as NUMBER;DATE;ISSUER, several separated by |."
)
@click.option(
    "--file",
    "files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file to keep as evidence (repeatable).",
)
@server_option
@pass_ctx
@guard
def recommendations_progress(
    ctx: Ctx,
    ref: str,
    text: str,
    done: bool,
    day: str,
    evidence: str,
    files: tuple[Path, ...],
    server: str | None,
) -> None:
    """The unit reports what it did about a recommendation (audited)."""
    if server:
        if files:
            fail(_("a file goes as evidence through the central store, not with --server"))
        body = {"text": text, "done": done, "day": day, "evidence": evidence}
        answer = _remote(server, f"/recommendations/{quote(ref, safe='')}/progress", body)
        click.echo(f"{answer['short_id']}: {status_label(answer['state'])}")
        return
    record = _follow(ctx).progress(ref, text, done=done, day=day, evidence=evidence, files=files)
    _echo(record)


@recommendations.command("accept")
@click.argument("ref", metavar="ID")
@click.option("--note", default="", help="What the Department checked.")
@pass_ctx
@guard
def recommendations_accept(ctx: Ctx, ref: str, note: str) -> None:
    """The Department accepts a recommendation reported done (audited)."""
    _echo(_follow(ctx).accept(ref, note))


@recommendations.command("return")
@click.argument("ref", metavar="ID")
@click.option("--reason", required=True, help="Why it is not done yet.")
@pass_ctx
@guard
def recommendations_return(ctx: Ctx, ref: str, reason: str) -> None:
    """The Department sends a reported "done" back to the unit, with the reason (audited)."""
    _echo(_follow(ctx).send_back(ref, reason))


def _echo(record: FollowUp) -> None:
    click.echo(f"{short_id(record)}: {status_label(record.state)}")


@report.command("recommendations")
@click.option("--unit")
@click.option("--state", type=click.Choice(STATUSES), help="Only those in this state.")
@click.option("--area", help="Only those of this area (its code).")
@click.option("--year", type=int, help="Only those of assessments of this year.")
@day_option
@report_out
@report_settings
@force_option
@pass_ctx
@guard
def report_recommendations(
    ctx: Ctx,
    unit: str | None,
    state: str | None,
    area: str | None,
    year: int | None,
    on_day: str | None,
    out_file: Path,
    settings_file: Path | None,
    force: bool,
) -> None:
    """Recommendations followed up across the province, by unit, state and area, overdue
    first: what each unit reported, with its evidence."""
    from ..output import check_target
    from ..reports import write_recommendations
    from ..settings import load_settings
    from .documents import _check_suffix

    _check_suffix(out_file)
    check_target(out_file, force=force)
    settings = load_settings(settings_file)
    follow = _follow(ctx, on_day, write=False)
    rows: list[Row] = follow.rows(unit=unit, state=state, area=area, year=year)
    n = write_recommendations(rows, out_file, day=follow.today(), settings=settings)
    click.echo(
        ngettext("{path}: {n} recommendation", "{path}: {n} recommendations", n).format(
            path=out_file, n=n
        )
    )
