"""`inspect-tool campaign …`: the yearly campaign, from its plan to publication, and its board.

Dates are typed as people write them (31/3/2026 or 2026-03-31). Every step prints what it did
(or, with --json, the campaign or the board as JSON); refusals exit 1 with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import campaign as rules
from .. import display
from ..campaign import Campaign, campaign_json
from ..campaign_flow import BoardRow, CampaignFlow, days_text
from ..i18n import _
from ..output import check_target
from . import cli
from .common import Ctx, dump, fail, force_option, guard, json_option, out, pass_ctx


def _flow(ctx: Ctx) -> CampaignFlow:
    return CampaignFlow(ctx.workflow())


def board_json(c: Campaign, rows: list[BoardRow]) -> dict[str, Any]:
    return {
        "campaign": c.id,
        "published": c.published,
        "counts": rules.counts(r.step for r in rows),
        "units": [dataclasses.asdict(r) for r in rows],
    }


def _done(c: Campaign, as_json: bool, message: str) -> None:
    if as_json:
        dump(campaign_json(c))
    else:
        click.echo(message)


def _on_item(
    ctx: Ctx,
    as_json: bool,
    what: tuple[str, str, str | None],
    missing: str,
    step: Callable[[CampaignFlow, str], Campaign],
) -> None:
    """One step on an item of a unit (explain, decide): `what` is the unit, the item and the
    flag given (--accept, --keep…), refused with `missing` when none was."""
    unit, item, given = what
    if given is None:
        fail(missing)
    c = step(_flow(ctx), given)
    _done(
        c,
        as_json,
        _("unit {unit}, item {item}: {answer}").format(unit=unit, item=item, answer=given),
    )


def _sets(pairs: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for pair in pairs:
        kind, sep, ref = pair.partition("=")
        if not sep or not kind.strip() or not ref.strip():
            fail(_("--set takes KIND=SET, e.g. ward=cchc-xa-2025, not '{pair}'").format(pair=pair))
        found[kind.strip()] = ref.strip()
    return found


def _units(text: str | None) -> list[str] | None:
    if not text:
        return None
    return [u.strip() for u in text.split(",") if u.strip()]


date_options = [
    click.option("--deadline", help="Self-scoring deadline (31/1/2026 or 2026-01-31)."),
    click.option("--appraisal-from", help="First day of the appraisal."),
    click.option("--appraisal-to", help="Last day of the appraisal."),
    click.option("--explain-days", type=int, help="Explanation window, in working days."),
    click.option("--publish-on", help="Planned publication."),
    click.option("--place", help="Where the appraisal council sits."),
    click.option("--title", help="The campaign's title in documents."),
]


def with_dates(command: Any) -> Any:
    for option in reversed(date_options):
        command = option(command)
    return command


@cli.group()
def campaign() -> None:
    """The yearly campaign: plan, self-scoring, appraisal, explanation, council, publication."""


def unit_step(name: str, *, as_json: bool = True) -> Callable[[Any], Any]:
    """`campaign NAME ID UNIT [options]`: a step on one unit of a campaign, its refusals
    exit 1 with the reason (and --json, unless `as_json` is false). Its own options are
    decorated below it."""

    def decorate(command: Any) -> Any:
        wrappers = [guard, pass_ctx, *([json_option] if as_json else [])]
        wrappers += [click.argument("unit"), click.argument("ref", metavar="ID")]
        for wrap in wrappers:
            command = wrap(command)
        return campaign.command(name)(command)

    return decorate


@campaign.command("new")
@click.argument("campaign_id", metavar="ID")
@click.option("--province", required=True, help="The units' province, as imported.")
@click.option("--year", type=int, required=True, help="The year assessed.")
@click.option("--set", "sets", multiple=True, required=True, help="KIND=SET, once per kind.")
@click.option("--units", "units", help="Unit codes, comma-separated (default: every unit).")
@with_dates
@json_option
@pass_ctx
@guard
def campaign_new(
    ctx: Ctx,
    campaign_id: str,
    province: str,
    year: int,
    sets: tuple[str, ...],
    units: str | None,
    as_json: bool,
    **dates: Any,
) -> None:
    """Plan a campaign: the set for each kind of unit, its units and its dates."""
    c = _flow(ctx).new(campaign_id, province, year, _sets(sets), _units(units), **dates)
    _done(c, as_json, _("campaign {id}: {n} units").format(id=c.id, n=len(c.tracks)))


@campaign.command("set")
@click.argument("ref", metavar="ID")
@click.option("--province")
@click.option(
    "--set",
    "sets",
    multiple=True,
    help="KIND=SET: a kind's set (refused once a unit of that kind scored itself on the old).",
)
@click.option("--add-units", help="Unit codes to take part, comma-separated.")
@click.option("--remove-units", help="Unit codes to leave (refused once a unit has started).")
@with_dates
@json_option
@pass_ctx
@guard
def campaign_set(
    ctx: Ctx,
    ref: str,
    sets: tuple[str, ...],
    add_units: str | None,
    remove_units: str | None,
    as_json: bool,
    **fields: Any,
) -> None:
    """Change a campaign's dates, title, place, province, sets or units (logged); nothing
    changes after publication until it is reopened."""
    c = _flow(ctx).update(
        ref,
        sets=_sets(sets),
        add_units=_units(add_units),
        remove_units=_units(remove_units),
        **fields,
    )
    _done(c, as_json, _("campaign {id} updated").format(id=c.id))


@campaign.command("list")
@json_option
@pass_ctx
@guard
def campaign_list(ctx: Ctx, as_json: bool) -> None:
    """Every campaign."""
    ctx.store(write=False)
    found = _flow(ctx).campaigns()
    if as_json:
        dump([campaign_json(c) for c in found])
        return
    table = Table(_("Id"), _("Province"), _("Year"), _("Units"), _("Deadline"), _("Published"))
    for c in found:
        table.add_row(
            c.id, c.province, str(c.year), str(len(c.tracks)), c.deadline, c.published or "—"
        )
    out.print(table)


@campaign.command("show")
@click.argument("ref", metavar="ID")
@json_option
@pass_ctx
@guard
def campaign_show(ctx: Ctx, ref: str, as_json: bool) -> None:
    """A campaign's plan and dates."""
    ctx.store(write=False)
    c = _flow(ctx).get(ref)
    if as_json:
        dump(campaign_json(c))
        return
    rows = [
        (_("Province"), c.province),
        (_("Year"), str(c.year)),
        (_("Title"), c.title),
        (_("Sets"), ", ".join(f"{k}={v}" for k, v in c.sets.items())),
        (_("Units"), ", ".join(sorted(c.tracks))),
        (_("Deadline"), display.day(c.deadline)),
        (_("Appraisal"), f"{display.day(c.appraisal_from)} – {display.day(c.appraisal_to)}"),
        (_("Explanation window"), _("{n} working days").format(n=c.explain_days)),
        (_("Publication"), display.day(c.published or c.publish_on)),
        (_("Place"), c.place),
    ]
    for label, value in rows:
        click.echo(f"{label}: {value}")


@unit_step("self", as_json=False)
def campaign_self(ctx: Ctx, ref: str, unit: str) -> None:
    """Start UNIT's self-assessment in the campaign (one per unit); prints its id."""
    click.echo(_flow(ctx).start_self(ref, unit).id)


@unit_step("withdraw", as_json=False)
@click.option("--reason", required=True, help="Why (logged).")
def campaign_withdraw(ctx: Ctx, ref: str, unit: str, reason: str) -> None:
    """Take back UNIT's submitted self-assessment to edit it, before its deadline."""
    a = _flow(ctx).withdraw(ref, unit, reason)
    click.echo(_("{id}: withdrawn, a draft again").format(id=a.id[:8]))


@unit_step("extend")
@click.option("--until", required=True, help="The new deadline.")
@click.option("--reason", required=True)
@click.option("--by", "by", required=True, help="Who grants it.")
def campaign_extend(
    ctx: Ctx, ref: str, unit: str, until: str, reason: str, by: str, as_json: bool
) -> None:
    """Grant UNIT more time for its self-scoring (logged with the reason)."""
    c = _flow(ctx).extend(ref, unit, until, reason, by)
    until_day = display.day(str(c.tracks[unit].extensions[-1].until))
    _done(c, as_json, _("unit {unit}: deadline {day}").format(unit=unit, day=until_day))


@unit_step("appraise", as_json=False)
def campaign_appraise(ctx: Ctx, ref: str, unit: str) -> None:
    """Start UNIT's appraisal from its submitted self-assessment; prints its id."""
    click.echo(_flow(ctx).appraise(ref, unit).id)


@unit_step("send")
def campaign_send(ctx: Ctx, ref: str, unit: str, as_json: bool) -> None:
    """Send UNIT its appraisal: its explanation window opens."""
    flow = _flow(ctx)
    c = flow.send(ref, unit)
    close = display.day(str(rules.window_close(c, c.tracks[unit], flow.holidays)))
    _done(c, as_json, _("unit {unit}: explanations until {day}").format(unit=unit, day=close))


server_option = click.option(
    "--server",
    help="The province server: read or answer there, as the account `sync` logged in "
    "(a ward on a laptop, during its explanation window).",
)


def _remote(server: str, ref: str, unit: str, step: str = "", body: Any = None) -> Any:
    """The server's answer for the unit's explanation round (GET, or POST of `body` to
    `step`); its refusal is this command's, exit 1."""
    from urllib.parse import quote

    from ..sync import SyncError, ask

    path = f"/campaigns/{quote(ref, safe='')}/units/{quote(unit, safe='')}"
    try:
        return ask(server, f"{path}/{step}" if step else path, body)
    except SyncError as exc:
        fail(str(exc))


@unit_step("changes")
@server_option
def campaign_changes(ctx: Ctx, ref: str, unit: str, server: str | None, as_json: bool) -> None:
    """The items UNIT's appraisal changed, the Department's reason, and the unit's answer."""
    if server:
        rows = _remote(server, ref, unit)["changes"]
    else:
        ctx.store(write=False)
        flow = _flow(ctx)
        rows = flow.changes(flow.track(flow.get(ref), unit))
    if as_json:
        dump(rows)
        return
    table = Table(_("Item"), _("Self"), _("Appraisal"), _("Reason"), _("Answer"), _("Decision"))
    for r in rows:
        table.add_row(
            r["item"],
            "" if r["self"] is None else display.points(r["self"]),
            "" if r["appraisal"] is None else display.points(r["appraisal"]),
            r["reason"],
            r["answer"],
            r["decision"],
        )
    out.print(table)


@unit_step("explain")
@click.argument("item")
@click.option("--accept", "answer", flag_value="accept", help="Accept the appraised points.")
@click.option("--contest", "answer", flag_value="contest", help="Contest them (with --reason).")
@click.option("--reason", default="")
@click.option("--evidence", default="", help="The documents that support it.")
@server_option
def campaign_explain(
    ctx: Ctx,
    ref: str,
    unit: str,
    item: str,
    answer: str | None,
    reason: str,
    evidence: str,
    server: str | None,
    as_json: bool,
) -> None:
    """UNIT accepts or contests an item its appraisal changed, while its window is open."""
    if server and answer:
        body = {"item": item, "answer": answer, "reason": reason, "evidence": evidence}
        data = _remote(server, ref, unit, "explain", body)  # the campaign, as the server has it
        if as_json:
            dump(data)
        else:
            click.echo(
                _("unit {unit}, item {item}: {answer}").format(unit=unit, item=item, answer=answer)
            )
        return
    _on_item(
        ctx,
        as_json,
        (unit, item, answer),
        _("give --accept or --contest"),
        lambda flow, given: flow.explain(ref, unit, item, given, reason, evidence),
    )


@unit_step("decide")
@click.argument("item")
@click.option("--keep", "outcome", flag_value="keep", help="Keep the appraised points.")
@click.option("--change", "outcome", flag_value="change", help="Give back the unit's points.")
@click.option("--reason", required=True)
@click.option("--by", "by", required=True, help="Who decides (named in the record).")
def campaign_decide(
    ctx: Ctx,
    ref: str,
    unit: str,
    item: str,
    outcome: str | None,
    reason: str,
    by: str,
    as_json: bool,
) -> None:
    """The council decides a contested item: --keep or --change, with a reason and a name."""
    _on_item(
        ctx,
        as_json,
        (unit, item, outcome),
        _("give --keep or --change"),
        lambda flow, given: flow.decide(ref, unit, item, given, reason, by),
    )


@unit_step("final")
@click.option("--by", "by", required=True, help="Who declares it final.")
def campaign_final(ctx: Ctx, ref: str, unit: str, by: str, as_json: bool) -> None:
    """UNIT's result is final: explanations over, every contested item decided."""
    c = _flow(ctx).final(ref, unit, by)
    _done(c, as_json, _("unit {unit}: final").format(unit=unit))


@campaign.command("publish")
@click.argument("ref", metavar="ID")
@click.option("--by", "by", required=True, help="Who signs the publication.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the documents (default: beside the store).",
)
@json_option
@pass_ctx
@guard
def campaign_publish(ctx: Ctx, ref: str, by: str, out_dir: Path | None, as_json: bool) -> None:
    """Publish: lock the results, write the result table (PDF, XLSX) and each unit's notice."""
    c, written = _flow(ctx).publish(ref, by, out_dir)
    if as_json:
        dump({**campaign_json(c), "documents": [str(p) for p in written]})
        return
    for path in written:
        click.echo(str(path))


@campaign.command("reopen")
@click.argument("ref", metavar="ID")
@click.argument("unit", required=False)
@click.option("--reason", required=True)
@click.option("--by", "by", required=True, help="Who reopens it (named in the record).")
@json_option
@pass_ctx
@guard
def campaign_reopen(
    ctx: Ctx, ref: str, unit: str | None, reason: str, by: str, as_json: bool
) -> None:
    """Move back: a published campaign (without UNIT), or UNIT one step."""
    c = _flow(ctx).reopen(ref, reason, by, unit or "")
    _done(c, as_json, _("campaign {id}: reopened").format(id=c.id))


@campaign.command("board")
@click.argument("ref", metavar="ID")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write it as .pdf or .xlsx for a meeting.",
)
@force_option
@json_option
@pass_ctx
@guard
def campaign_board(ctx: Ctx, ref: str, out_file: Path | None, force: bool, as_json: bool) -> None:
    """Per unit the state of each step, days left or late, contested items waiting."""
    from ..campaign_docs import write_board

    ctx.store(write=False)
    flow = _flow(ctx)
    c, rows = flow.board(ref)
    if out_file is not None:
        if out_file.suffix.lower() not in (".pdf", ".xlsx"):
            fail(_("write .pdf or .xlsx, not '{suffix}'").format(suffix=out_file.suffix))
        check_target(out_file, force=force)
        write_board(c, rows, out_file, flow.clock())
        click.echo(str(out_file))
        return
    if as_json:
        dump(board_json(c, rows))
        return
    table = Table(
        _("Unit"), _("Step"), _("Deadline"), _("Days"), _("Window closes"),
        _("Changed"), _("Contested"), _("Waiting"), _("Recommendations overdue"), _("Index"),
        title=_("Campaign {id}").format(id=c.id),
    )  # fmt: skip
    for r in rows:
        table.add_row(
            f"{r.unit} {r.name}",
            rules.step_label(r.step),
            r.deadline,
            days_text(r),
            r.window_close,
            str(r.changed),
            str(r.contested),
            str(r.waiting),
            str(r.overdue),
            "—" if r.index is None else f"{r.index:.2f}",
        )
    out.print(table)
    counted = rules.counts(r.step for r in rows)
    click.echo("  ".join(f"{rules.step_label(s)}: {n}" for s, n in counted.items() if n))
