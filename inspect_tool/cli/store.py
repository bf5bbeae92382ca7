"""Commands about the store: units, assessments and their life, audit, export and import."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import display, labels
from ..answers import read_entries
from ..i18n import _, count, ngettext
from ..model import Assessment, Evidence
from ..store import Change, Summary
from ..store import audit as audit_log
from ..store.bundle import (
    BundleError,
    import_bundle,
    read_bundle,
    stream_bundle,
)
from ..units import read_units_csv
from ..workflow import Workflow, WorkflowError, parse_evidence
from ..yaml_lines import LineDict, Problem, ProblemsError, load_file
from . import cli
from .common import (
    Ctx,
    bold,
    dump,
    echo_totals,
    fail,
    force_option,
    guard,
    json_option,
    kind_label,
    level_label,
    out,
    pass_ctx,
    side_label,
    state_label,
)

# -- units ------------------------------------------------------------------------------------


@cli.group()
def units() -> None:
    """Import, list and show units (communes, wards, special zones, departments)."""


@units.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@pass_ctx
@guard
def units_import(ctx: Ctx, csv_file: Path) -> None:
    """Import units from a CSV with columns code,name,kind,parent (all rows or none)."""
    incoming = read_units_csv(csv_file)
    store = ctx.store()
    current = {u.code: u for u in store.units()}
    changed = [u for u in incoming if current.get(u.code) != u]
    store.put_units(
        changed,
        [
            Change(
                f"unit {u.code}", asdict(current[u.code]) if u.code in current else None, asdict(u)
            )
            for u in changed
        ],
    )
    added = sum(1 for u in changed if u.code not in current)
    click.echo(
        ngettext(
            "{n} unit read: {added} added, {updated} updated, {same} unchanged.",
            "{n} units read: {added} added, {updated} updated, {same} unchanged.",
            len(incoming),
        ).format(
            n=len(incoming),
            added=added,
            updated=len(changed) - added,
            same=len(incoming) - len(changed),
        )
    )


@units.command("list")
@json_option
@pass_ctx
@guard
def units_list(ctx: Ctx, as_json: bool) -> None:
    """List the units in the store."""
    rows = ctx.store(write=False).units()
    if as_json:
        dump([asdict(u) for u in rows])
        return
    table = Table(_("Code"), _("Name"), _("Kind"), _("Parent"), title=_("Units"))
    for u in rows:
        table.add_row(u.code, u.name, level_label(u.kind), u.parent)
    out.print(table)


@units.command("show")
@click.argument("code")
@json_option
@pass_ctx
@guard
def units_show(ctx: Ctx, code: str, as_json: bool) -> None:
    """Show a unit and its assessments."""
    store = ctx.store(write=False)
    unit = store.unit(code)
    if unit is None:
        fail(_("no unit '{code}'").format(code=code))
    mine = _listing(ctx, code, None)  # the summaries, not every assessment of the store
    if as_json:
        dump(asdict(unit) | {"assessments": [summary for _a, summary in mine]})
        return
    out.print(bold(f"{unit.code} {unit.name}"), f"({level_label(unit.kind)}, {unit.parent})")
    if unit.valid_from or unit.valid_to or unit.successor:
        click.echo(
            _("valid {start} to {end}; became part of {successor}").format(
                start=unit.valid_from or "…",
                end=unit.valid_to or "…",
                successor=unit.successor or "—",
            )
        )
    _print_table(_list_headers(), _list_cells(mine))


# -- assessments ------------------------------------------------------------------------------


@cli.group()
def assess() -> None:
    """Create, answer, submit, finalize and reopen assessments."""


def _listed(s: Summary) -> dict:
    """What `assess list` and `units show` show of an assessment, from its summary."""
    return {
        "id": s.id,
        "unit": s.unit,
        "year": s.year,
        "kind": s.kind,
        "state": s.state,
        "set": f"{s.set_id}@{s.set_version}",
        "answered": s.answered,
        "updated": s.updated,
        "base": s.base,
        "total": s.total,
        "max_points": s.max_points,
        "index": s.index,
        "band": s.band,
        "items": s.items,
    }


@assess.command("new")
@click.argument("unit")
@click.option("--set", "set_ref", required=True, help="Criteria set id (or id@version).")
@click.option("--year", type=int, required=True)
@click.option("--kind", type=click.Choice(["self", "appraisal", "inspection"]), required=True)
@pass_ctx
@guard
def assess_new(ctx: Ctx, unit: str, set_ref: str, year: int, kind: str) -> None:
    """Start an assessment of UNIT; prints its id."""
    click.echo(ctx.workflow().new(unit, set_ref, year, kind).id)


@assess.command("list")
@click.option("--unit")
@click.option("--year", type=int)
@json_option
@pass_ctx
@guard
def assess_list(ctx: Ctx, unit: str | None, year: int | None, as_json: bool) -> None:
    """List assessments, with progress, index and band."""
    listed = _listing(ctx, unit, year)
    listed.sort(key=lambda pair: (pair[0].year, pair[0].unit, pair[0].created))
    if as_json:
        dump([summary for _a, summary in listed])
        return
    _print_table(_list_headers(), _list_cells(listed))


def _listing(ctx: Ctx, unit: str | None, year: int | None) -> list[tuple[Any, dict]]:
    """The assessments of `unit` and `year` (all when None), each with what a list shows of
    it, by id: from the store's summaries (one read, nothing scored); only the assessments
    that cannot be scored are read, and each is named on stderr."""
    from .common import err

    store = ctx.store(write=False)
    problems: dict[str, str] = {}
    flow = ctx.workflow()
    found: list[Any] = flow.summaries(problems)  # one read: the store's summaries
    first: dict[str, str] = {}  # a set (id@version) → one of its assessments
    for s in found:
        first.setdefault(s.set_key, s.id)
    for key, assessment_id in first.items():  # a set that no longer scores here: named
        try:
            flow.engine(store.assessment(assessment_id))
        except (ValueError, LookupError) as exc:
            why = str(exc) or type(exc).__name__
            problems.update({s.id: why for s in found if s.set_key == key})

    def wanted(a: Any) -> bool:
        return (unit is None or a.unit == unit) and (year is None or a.year == year)

    known = {s.id: s for s in found}
    rows = [s for s in found if s.id not in problems and wanted(s)]
    # one that cannot be scored is read, unless its summary shows it is not wanted
    unsure = [i for i in sorted(problems) if i not in known or wanted(known[i])]
    rows += [a for a in map(store.assessment, unsure) if wanted(a)]
    listed: list[tuple[Any, dict]] = []
    for a in rows:
        if a.id not in problems:
            listed.append((a, _listed(a)))
            continue
        why = problems[a.id]
        listed.append((a, {"id": a.id, "unit": a.unit, "year": a.year, "kind": a.kind}))
        listed[-1][1].update(state=a.state, set=a.set_key, answered=len(a.items), error=why)
        message = _("assessment {id} ({unit}, {set}) cannot be scored: {why}").format(
            id=a.id[:8], unit=a.unit, set=a.set_key, why=why
        )
        err.print(_("warning: {problem}").format(problem=message), markup=False)
    listed.sort(key=lambda pair: pair[0].id)
    return listed


def _list_cells(listed: list[tuple[Any, dict]]) -> list[list[str]]:
    """A list's rows as text: an assessment that cannot be scored says so in its band."""
    cells = []
    for a, s in listed:
        scored = "error" not in s
        cells.append(
            [
                a.id[:8],
                a.unit,
                str(a.year),
                kind_label(a.kind),
                state_label(a.state),
                f"{s['answered']}/{s['items']}" if scored else str(s["answered"]),
                display.fixed(s["index"]) if scored else "–",
                s["band"] if scored else _("cannot be scored"),
            ]
        )
    return cells


def _list_headers() -> list[str]:
    return [
        _("Id"),
        _("Unit"),
        _("Year"),
        _("Assessment kind"),
        _("State"),
        _("Answered"),
        _("Index %"),
        _("Band"),
    ]


# Above this many rows a table is printed as plain aligned text: rich measures and wraps every
# cell (3.7 s for a nation's 4,000 assessments), plain text costs a padding per cell (0.1 s).
PLAIN_ROWS = 200


def _print_table(headers: list[str], rows: list[list[str]]) -> None:
    """rich's table for a list a person reads on screen; plain aligned columns (the same
    headers, widths by terminal cells, so Vietnamese lines up) for a long one."""
    if len(rows) <= PLAIN_ROWS:
        table = Table(*headers)
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    from rich.cells import cell_len

    sized = [[(c, cell_len(c)) for c in row] for row in [headers, *rows]]
    widths = [max(column) for column in zip(*([n for _c, n in row] for row in sized), strict=True)]

    def line(row: list[tuple[str, int]]) -> str:
        padded = (c + " " * (w - n) for (c, n), w in zip(row, widths, strict=True))
        return "  ".join(padded).rstrip()

    text = [line(sized[0]), "  ".join("─" * w for w in widths)]
    text.extend(line(row) for row in sized[1:])
    click.echo("\n".join(text))


@assess.command("show")
@click.argument("ref", metavar="ID")
@json_option
@pass_ctx
@guard
def assess_show(ctx: Ctx, ref: str, as_json: bool) -> None:
    """Show an assessment item by item, with totals, index and band."""
    ctx.store(write=False)
    flow = ctx.workflow()
    a = flow.get(ref)
    engine = flow.engine(a)
    scores = engine.score(flow.answers(a))
    base = flow.scores(flow.store.assessment(a.base)) if a.base else None
    if as_json:
        dump(
            {
                **asdict(a),
                "totals": {
                    "total": scores.total,
                    "max_points": scores.max_points,
                    "index": scores.index,
                    "band": scores.band_label,
                },
                "points": scores.points,
                "explanations": {c: scores.explanation(c) for c in scores.status},
                "missing": flow.missing(a),
            }
        )
        return
    unit = flow.store.unit(a.unit)
    out.print(
        bold(f"{a.unit} {unit.name if unit else ''}"),
        f"{a.year} · {kind_label(a.kind)} · {state_label(a.state)} · {a.set_key} · {a.id}",
    )
    columns = [_("Code"), _("Item"), _("Points"), _("Max")]
    if base:
        columns.insert(2, _("Self"))
    table = Table(*columns, _("Why"), _("Note / evidence"))
    for area in engine.cset.areas:
        row = [bold(area.code), bold(area.title)]
        if base:
            row.append(display.points(base.points[area.code]))
        table.add_row(
            *row,
            display.points(scores.points[area.code]),
            display.points(scores.maxima[area.code]),
            "",
            "",
        )
        for item in (c for c in area.walk() if c.is_item):
            rec = a.items.get(item.code)
            notes = "; ".join(
                filter(
                    None,
                    [
                        rec.note if rec else "",
                        *(e.number for e in (rec.evidence if rec else ())),
                        (_("reason: ") + rec.reason) if rec and rec.reason else "",
                    ],
                )
            )
            row = [item.code, item.title]
            if base:
                row.append(display.points(base.points[item.code]))
            table.add_row(
                *row,
                display.points(scores.points[item.code]),
                display.points(scores.maxima[item.code]),
                scores.explanation(item.code, display.formatter()),
                notes,
            )
    out.print(table)
    echo_totals(scores)
    for finding in a.findings:
        click.echo(_("Finding ({area}): {text}").format(area=finding.area, text=finding.text))
    for rec in a.recommendations:
        click.echo(
            _("Recommendation ({area}, by {deadline}): {text}").format(
                area=rec.area, deadline=display.day(rec.deadline) or "—", text=rec.text
            )
        )
    for p in a.participants:
        click.echo(
            _("Participant: {name}, {role} ({side})").format(
                name=p.name, role=p.role, side=side_label(p.side)
            )
        )
    if a.unit_opinion:
        click.echo(_("Unit's opinion: {text}").format(text=a.unit_opinion))
    # -- sync conflicts
    for code, conflict in flow.conflicts(a).items():
        server, laptop = conflict.get("server") or {}, conflict.get("laptop") or {}
        click.echo(
            _(
                "Conflict on {where}: server {server} ({who}, {when}); laptop {laptop} "
                "({lwho}, {lwhen}): assess resolve {id} {code} --take server|laptop --reason …"
            ).format(
                where=labels.conflict_place(code),
                code=code,
                server=labels.conflict_value(code, server.get("value")),
                who=server.get("who", ""),
                when=server.get("when", ""),
                laptop=labels.conflict_value(code, laptop.get("value")),
                lwho=laptop.get("who", ""),
                lwhen=laptop.get("when", ""),
                id=a.id[:8],
            ),
            err=False,
        )


def _evidence(ctx: Ctx, texts: tuple[str, ...], files: tuple[Path, ...]) -> list[Evidence] | None:
    """`NUMBER[;DATE[;ISSUER]]` texts and attached files as evidence references; each file is
    copied into the store's evidence folder, named by its SHA-256."""
    if not texts and not files:
        return None
    found = [e for text in texts for e in parse_evidence(text)]
    store = ctx.store()
    for path in files:
        try:
            digest = store.keep_file(path)
        except OSError as exc:
            fail(_("{path} cannot be read: {why}").format(path=path, why=exc.strerror or exc))
        found.append(Evidence(file=path.name, sha256=digest))
    return found


def _raw_inputs(flow: Workflow, ref: str, code: str, pairs: tuple[str, ...]) -> dict:
    """`NAME=VALUE` pairs; a name repeated is collected for a checklist input (each ticked
    entry) and refused for any other, never silently overwritten."""
    raw: dict[str, Any] = {}
    checklists: set[str] = set()
    if pairs:
        try:
            specs = flow.engine(flow.get(ref)).inputs(code)
        except KeyError:
            specs = ()  # the unknown item is reported by answer
        checklists = {s.name for s in specs if s.type == "checklist"}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise click.UsageError(_("--input takes NAME=VALUE, not '{pair}'").format(pair=pair))
        if name in checklists:
            ticked = [v.strip() for v in value.split(",") if v.strip()]
            raw.setdefault(name, []).extend(ticked)
        elif name in raw:
            raise click.UsageError(
                _("--input {name} is given twice ('{first}' and '{second}'): give it once").format(
                    name=name, first=raw[name], second=value
                )
            )
        else:
            raw[name] = value
    return raw


@assess.command("answer")
@click.argument("ref", metavar="ID")
@click.argument("code", required=False)
@click.option(
    "--input",
    "inputs",
    multiple=True,
    metavar="NAME=VALUE",
    help="A method input, e.g. --input numerator=4541 (repeat for each; for a checklist, once "
    "per ticked entry, or the entries separated by commas).",
)
@click.option(
    "--from",
    "from_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An answers file (YAML or JSON, as `score` reads): every item checked first, then "
    "all recorded, or none.",
)
@click.option("--points", help="Points, for items scored by hand (manual method).")
@click.option("--na", is_flag=True, help="Mark the item not applicable.")
@click.option("--note")
@click.option(
    "--evidence",
    multiple=True,
    metavar="NUMBER;DATE;ISSUER",
    help="An evidence document, e.g. '12/KH-UBND;2025-01-10;UBND xã'.",
)
@click.option(
    "--evidence-file", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--reason", help="Why an appraisal changes the self-assessed points.")
@pass_ctx
@guard
def assess_answer(
    ctx: Ctx,
    ref: str,
    code: str,
    inputs: tuple[str, ...],
    points: str | None,
    na: bool,
    note: str | None,
    evidence: tuple[str, ...],
    evidence_file: tuple[Path, ...],
    reason: str | None,
    from_file: Path | None,
) -> None:
    """Record the answer to one item (CODE), or to every item of an answers file (--from);
    a wrong value is refused with the reason."""
    flow = ctx.workflow()
    if from_file is not None:
        given = [
            opt
            for opt, value in (
                ("CODE", code),
                ("--input", inputs),
                ("--points", points),
                ("--na", na),
                ("--note", note),
                ("--evidence", evidence),
                ("--evidence-file", evidence_file),
                ("--reason", reason),
            )
            if value
        ]
        if given:
            raise click.UsageError(
                _("--from takes the answers from the file; leave out {options}").format(
                    options=", ".join(given)
                )
            )
        _answer_from(flow, ref, from_file)
        return
    if code is None:
        raise click.UsageError(_("give the item CODE, or --from FILE"))
    raw = _raw_inputs(flow, ref, code, inputs)
    a = flow.answer(
        ref,
        code,
        raw,
        points=points,
        na=na,
        note=note,
        evidence=_evidence(ctx, evidence, evidence_file),
        reason=reason,
    )
    scores = flow.scores(a)
    click.echo(
        _("{code}: {points} / {max} ({why}). Total {total}, index {index}%.").format(
            code=code,
            points=display.points(scores.points[code]),
            max=display.points(scores.maxima[code]),
            why=scores.explanation(code, display.formatter()),
            total=display.fixed(scores.total),
            index=display.fixed(scores.index),
        )
    )


def _answer_from(flow: Workflow, ref: str, path: Path) -> None:
    """All the items of an answers file, or none; every refusal at its file:line."""
    a = flow.get(ref)
    entries = read_entries(path, flow.engine(a))  # ProblemsError: file:line reasons
    data = load_file(path) or {}
    try:
        a = flow.answer_many(a.id, entries)
    except WorkflowError as exc:
        raise ProblemsError(
            [
                Problem(
                    str(path),
                    data.line_of(code) if isinstance(data, LineDict) and code in data else None,
                    why,
                )
                for code, why in exc.problems
            ]
        ) from None
    scores = flow.scores(a)
    click.echo(
        count("{n} item recorded.", "{n} items recorded.", len(entries))
        + " "
        + _("Total {total}, index {index}%.").format(
            total=display.fixed(scores.total), index=display.fixed(scores.index)
        )
    )


@assess.command("delete")
@click.argument("ref", metavar="ID")
@pass_ctx
@guard
def assess_delete(ctx: Ctx, ref: str) -> None:
    """Delete a draft in which nothing has been recorded yet (logged in the audit trail)."""
    flow = ctx.workflow()
    a = flow.get(ref)
    flow.delete(a.id)
    click.echo(_("{id}: deleted").format(id=a.id[:8]))


def _echo_state(a: Assessment) -> None:
    click.echo(_("{id}: {state}").format(id=a.id[:8], state=state_label(a.state)))


@assess.command("submit")
@click.argument("ref", metavar="ID")
@pass_ctx
@guard
def assess_submit(ctx: Ctx, ref: str) -> None:
    """Submit a draft (every item answered, required evidence cited, changes explained)."""
    _echo_state(ctx.workflow().submit(ref))


@assess.command("finalize")
@click.argument("ref", metavar="ID")
@pass_ctx
@guard
def assess_finalize(ctx: Ctx, ref: str) -> None:
    """Finalize (lock) a submitted assessment."""
    _echo_state(ctx.workflow().finalize(ref))


@assess.command("reopen")
@click.argument("ref", metavar="ID")
@click.option("--reason", help="Why it is reopened (required, logged).")
@pass_ctx
@guard
def assess_reopen(ctx: Ctx, ref: str, reason: str | None) -> None:
    """Reopen a submitted or finalized assessment as a draft."""
    _echo_state(ctx.workflow().reopen(ref, reason or ""))


@assess.command("finding")
@click.argument("ref", metavar="ID")
@click.argument("area")
@click.argument("text")
@pass_ctx
@guard
def assess_finding(ctx: Ctx, ref: str, area: str, text: str) -> None:
    """Record a finding (tồn tại, hạn chế) for an area."""
    ctx.workflow().add_finding(ref, area, text)


@assess.command("recommend")
@click.argument("ref", metavar="ID")
@click.argument("area")
@click.argument("text")
@click.option("--deadline", default="", help="Date, e.g. 31/03/2026 or 2026-03-31.")
@pass_ctx
@guard
def assess_recommend(ctx: Ctx, ref: str, area: str, text: str, deadline: str) -> None:
    """Record a recommendation (đề nghị) for an area, with its deadline."""
    ctx.workflow().add_recommendation(ref, area, text, deadline)


@assess.command("participant")
@click.argument("ref", metavar="ID")
@click.argument("name")
@click.option("--role", required=True)
@click.option("--side", type=click.Choice(["team", "unit"]), default="team")
@pass_ctx
@guard
def assess_participant(ctx: Ctx, ref: str, name: str, role: str, side: str) -> None:
    """Record a participant and their role."""
    ctx.workflow().add_participant(ref, name, role, side)


@assess.command("visit")
@click.argument("ref", metavar="ID")
@click.option("--place")
@click.option("--start", help="Date and time, e.g. 20/11/2025 08:30 or 2025-11-20T08:30.")
@click.option("--end")
@pass_ctx
@guard
def assess_visit(ctx: Ctx, ref: str, place: str | None, start: str | None, end: str | None) -> None:
    """Record the place and time of the visit."""
    fields = {key: value for key, value in (("started", start), ("ended", end)) if value}
    if place is not None:
        fields["place"] = place
    ctx.workflow().update_header(ref, **fields)


@assess.command("opinion")
@click.argument("ref", metavar="ID")
@click.argument("text")
@pass_ctx
@guard
def assess_opinion(ctx: Ctx, ref: str, text: str) -> None:
    """Record the unit's opinion (ý kiến của đơn vị), printed in the minutes as said ("" clears
    it: the minutes then leave dotted lines to write on)."""
    ctx.workflow().update_header(ref, unit_opinion=text.strip())


# -- audit, export, import ------------------------------------------------------------------


@cli.group()
def audit() -> None:
    """Check and read the audit trail."""


@audit.command("verify")
@click.option(
    "--against",
    "minutes_pdf",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Signed minutes (.pdf): check the store against the chain head they carry.",
)
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="With --against: certificates to trust, besides signing.trust.",
)
@json_option
@pass_ctx
@guard
def audit_verify(
    ctx: Ctx, minutes_pdf: Path | None, trust: tuple[Path, ...], as_json: bool
) -> None:
    """Check every audit log's hash chain and each assessment's data against its last entry;
    exit 1 at the first problem. With --against, check one assessment against signed minutes."""
    store = ctx.store(write=False)
    if minutes_pdf is not None:
        _verify_against(store, minutes_pdf, list(trust), as_json)
        return
    # each assessment's data is checked right after its log, while the store has its file at
    # hand (the embedded store then parses each file once: half the time at 3,321 units)
    ids = {store.audit_log_name(i): i for i in store.assessment_ids()}
    checked = entries = 0
    notes: list[str] = []
    for name, log in store.audit_logs():
        broken = audit_log.verify(name, log)
        if broken:
            if as_json:
                dump({"ok": False, "log": broken.log, "seq": broken.seq, "reason": broken.reason})
                raise SystemExit(1)
            fail(_("audit trail broken: {broken}").format(broken=broken))
        checked += 1
        entries += len(log)
        if name in ids:
            _check_data(store, ids.pop(name), log, as_json, notes)
    for assessment_id in sorted(ids.values()):  # none of the logs was its own
        _check_data(store, assessment_id, store.audit_log(assessment_id), as_json, notes)
    if as_json:
        dump({"ok": True, "logs": checked, "entries": entries, "notes": notes})
    else:
        click.echo(
            _("audit trail intact: {logs} logs, {entries} entries").format(
                logs=checked, entries=entries
            )
        )
        for note in notes:
            click.echo(note)


def _check_data(
    store: Any, assessment_id: str, log: list[dict], as_json: bool, notes: list
) -> None:
    """The data kept against the last entry of its log: exit 1 if they differ; a note when the
    log's last entries were written without a content hash."""
    try:
        current = audit_log.assessment_hash(store.assessment(assessment_id))
    except (TypeError, ValueError, KeyError) as exc:
        fail(_("{id}: the data cannot be read: {why}").format(id=assessment_id, why=exc))
    problem = audit_log.check_content(assessment_id, log, current)
    if problem:
        if as_json:
            dump(
                {
                    "ok": False,
                    "log": assessment_id,
                    "seq": log[-1]["seq"] if log else 0,
                    "reason": problem,
                }
            )
            raise SystemExit(1)
        fail(_("audit trail broken: {broken}").format(broken=problem))
    seq = audit_log.unchecked(log)
    if seq is not None:
        notes.append(
            _(
                "{id}: no content hash before entry {seq} (written by an older inspect-tool): "
                "its data is checked from its next change on"
            ).format(id=assessment_id[:8], seq=seq + 1)
        )


def _verify_against(store: Any, pdf: Path, trust: list[Path], as_json: bool) -> None:
    """The store against signed minutes: the signatures, the chain head they carry (still in
    the assessment's log at its place), and the data, when nothing was recorded since."""
    import json

    from ..minutes import DATA_NAME
    from ..signing import SigningError, embedded_file, trust_store, verify_pdf

    try:
        reports = verify_pdf(pdf, trust_store(trust))
        raw = embedded_file(pdf, DATA_NAME)
    except SigningError as exc:
        fail(str(exc))
    problems: list[str] = []
    lines: list[str] = []
    if not any(r.signed for r in reports):
        problems.append(_("{path}: the minutes are not signed").format(path=pdf))
    for r in (r for r in reports if r.signed):
        lines.append(_("signed by {signer}: {reason}").format(signer=r.who, reason=r.reason))
        if not r.ok:  # intact, valid, and by a signer the trust store knows
            problems.append(_("{path}: signatures not valid: {why}").format(path=pdf, why=r.reason))
    if any(r.signed for r in reports):
        for r in (r for r in reports if not r.signed):
            problems.append(f"{pdf}: {r.field}: {r.reason}")
    try:
        data = json.loads(raw.decode("utf-8")) if raw else None
        anchor = data["audit"]
        doc = data["assessment"]
        assessment_id = doc["id"]
        seq, head = int(anchor["seq"]), str(anchor["hash"])
    except (ValueError, TypeError, KeyError, AttributeError):
        fail(_("{path}: carries no chain head of an audit trail").format(path=pdf))
    try:
        log = store.audit_log(assessment_id)
    except KeyError:
        fail(_("{path}: assessment {id} is not in this store").format(path=pdf, id=assessment_id))
    broken = audit_log.verify(assessment_id, log)
    if broken:
        problems.append(str(broken))
    elif len(log) < seq or log[seq - 1].get("hash") != head:
        problems.append(
            _(
                "assessment {id}: its audit trail does not hold entry {seq} of the signed minutes: "
                "the trail was rewritten or cut"
            ).format(id=assessment_id[:8], seq=seq)
        )
    else:
        items = doc.get("items") or []
        header = {k: v for k, v in doc.items() if k != "items"}
        if anchor.get("content") and audit_log.content_hash(header, items) != anchor["content"]:
            problems.append(
                _("{path}: the data in the minutes is not the anchored data").format(path=pdf)
            )
        current = audit_log.assessment_hash(store.assessment(assessment_id))
        if len(log) == seq and anchor.get("content") and current != anchor["content"]:
            problems.append(
                _(
                    "assessment {id}: the data kept is not the data the minutes were signed with"
                ).format(id=assessment_id[:8])
            )
        elif len(log) > seq:
            lines.append(
                _("{n} entries recorded after the minutes (e.g. reopened)").format(n=len(log) - seq)
            )
    if as_json:
        dump({"ok": not problems, "problems": problems, "notes": lines})
        if problems:
            raise SystemExit(1)
        return
    for line in lines:
        click.echo(line)
    if problems:
        fail(problems)
    click.echo(
        _("assessment {id} matches the signed minutes {path} (entry {seq})").format(
            id=assessment_id[:8], path=pdf.name, seq=seq
        )
    )


@audit.command("show")
@click.argument("ref", metavar="ID", required=False)
@json_option
@pass_ctx
@guard
def audit_show(ctx: Ctx, ref: str | None, as_json: bool) -> None:
    """Show the audit log of an assessment (or of the units, without ID)."""
    store = ctx.store(write=False)
    target = ctx.workflow().get(ref).id if ref else None
    for name, log in store.audit_logs():
        if (target is None and name.endswith("store.json")) or (target and target in name):
            if as_json:
                dump(log)
                return
            table = Table("#", _("When"), _("Who"), _("What"), _("Old"), _("New"))
            for e in log:
                table.add_row(
                    str(e["seq"]),
                    e["when"],
                    e["who"],
                    e["what"],
                    _short(e["old"]),
                    _short(e["new"]),
                )
            out.print(table)
            return


def _short(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _bundle_signer(
    p12: Path | None,
    password_env: str | None,
    pkcs11_lib: str | None,
    token_label: str | None,
    key_label: str | None,
) -> Any:
    """The signer of `export --sign`, with the same key options as `sign`."""
    from ..signing import p12_signer, token_signer
    from .documents import _password

    if (p12 is None) == (pkcs11_lib is None):
        raise click.UsageError(_("give either --p12 or --pkcs11-lib (with --token-label)"))
    if pkcs11_lib and not token_label:
        raise click.UsageError(_("--pkcs11-lib needs --token-label"))
    if p12 is not None:
        return p12_signer(p12, _password(password_env, _("Password of {p12}").format(p12=p12.name)))
    pin = _password(password_env, _("PIN of token {label}").format(label=token_label))
    return token_signer(str(pkcs11_lib), str(token_label), pin.decode("utf-8"), key_label)


def signature_path(bundle: Path) -> Path:
    """Where a bundle's detached signature is: beside it, `<bundle>.p7s`."""
    return bundle.with_name(bundle.name + ".p7s")


@cli.command("export")
@click.option("--unit")
@click.option("--year", type=int)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sign", "sign", is_flag=True, help="Sign the bundle (OUT.p7s beside it).")
@click.option(
    "--p12",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="With --sign: the signer's PKCS#12 file.",
)
@click.option("--password-env", metavar="VAR", help="Take the password or PIN from this variable.")
@click.option(
    "--pkcs11-lib",
    type=click.Path(exists=True, dir_okay=False),
    help="With --sign: the token's PKCS#11 library.",
)
@click.option("--token-label", help="The token's label.")
@click.option("--key-label", help="The key (and certificate) label on the token.")
@force_option
@pass_ctx
@guard
def export_command(
    ctx: Ctx,
    unit: str | None,
    year: int | None,
    out_file: Path,
    sign: bool,
    p12: Path | None,
    password_env: str | None,
    pkcs11_lib: str | None,
    token_label: str | None,
    key_label: str | None,
    force: bool,
) -> None:
    """Write units and assessments to a bundle file (JSON) to carry to another store; with
    --sign, a detached CMS signature of it beside it (OUT.p7s)."""
    from ..output import atomic_path, check_target, write_bytes
    from ..signing import SigningError, sign_detached

    signer = None
    if sign:
        check_target(signature_path(out_file), force=force)
        try:
            signer = _bundle_signer(p12, password_env, pkcs11_lib, token_label, key_label)
        except SigningError as exc:
            fail(str(exc))
    elif p12 or pkcs11_lib:
        raise click.UsageError(_("--p12 and --pkcs11-lib are for --sign"))
    store = ctx.store(write=False)
    signature = None
    # streamed: one assessment at a time in memory; the file appears whole or not at all
    with atomic_path(out_file, force=force) as tmp:
        with tmp.open("wb") as target:
            written = stream_bundle(store, target, tmp.parent, unit=unit, year=year)
        if signer is not None:
            with tmp.open("rb") as data:
                try:
                    signature = sign_detached(data, signer)  # type: ignore[arg-type]
                except SigningError as exc:
                    fail(str(exc))
    if signature is not None:
        write_bytes(signature_path(out_file), signature, force=True)
    click.echo(
        _("{path}: {units}, {assessments}").format(
            path=out_file,
            units=count("{n} unit", "{n} units", written.units),
            assessments=count("{n} assessment", "{n} assessments", written.assessments),
        )
    )
    if signature is not None:
        click.echo(_("signed: {path}").format(path=signature_path(out_file)))


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Certificates (PEM or DER, or a folder) to trust for signed minutes and signed "
    "bundles, besides signing.trust.",
)
@click.option(
    "--accept-unknown-sets",
    is_flag=True,
    help="Take criteria sets this tool does not know from the bundle (with a warning).",
)
@pass_ctx
@guard
def import_command(
    ctx: Ctx, file: Path, trust: tuple[Path, ...], accept_unknown_sets: bool
) -> None:
    """Load a bundle, or signed minutes (.pdf); the same twice changes nothing; conflicts,
    anything that typing would refuse, and tampered, unsigned, untrusted or draft minutes are
    refused, and then nothing is written."""
    if file.suffix.lower() == ".pdf":
        from ..signed_import import import_signed_minutes

        click.echo(f"{file}: {import_signed_minutes(ctx.workflow(), file, list(trust))}")
        return
    from ..limits import read_limited
    from ..settings import load_settings
    from ..signing import SigningError, trust_store, verify_detached

    settings = load_settings()
    required = bool((settings.get("bundles") or {}).get("require_signature"))
    p7s = signature_path(file)
    if p7s.is_file():
        try:
            report = verify_detached(
                read_limited(file, "bundle"), read_limited(p7s, "pdf"), trust_store(trust, settings)
            )
        except SigningError as exc:
            fail(f"{p7s}: {exc}")
        click.echo(
            _("{path}: signed by {signer}: {reason}").format(
                path=file.name, signer=report.who, reason=report.reason
            )
        )
        if not (report.intact and report.valid):
            fail(
                _("{path}: the bundle's signature is not valid; nothing was imported").format(
                    path=file
                )
            )
        if required and not report.trusted:
            fail(
                _(
                    "{path}: the settings require bundles signed by a trusted signer "
                    "(bundles.require_signature); nothing was imported"
                ).format(path=file)
            )
    elif required:
        fail(
            _(
                "{path}: not signed ({p7s} not found), and the settings require signed bundles "
                "(bundles.require_signature); nothing was imported"
            ).format(path=file, p7s=p7s.name)
        )
    try:
        load_bundle(ctx, read_bundle(file), accept_unknown_sets)
    except BundleError as exc:
        fail(f"{file}: {exc}")


def load_bundle(ctx: Ctx, data: dict, accept_unknown_sets: bool) -> None:
    """Import a bundle into the store (every check of `import_bundle`), warnings on stderr,
    the counts on stdout: shared by `import` and `db load`."""
    warnings: list[str] = []
    counts = import_bundle(
        ctx.store(),
        data,
        core=ctx.core,
        accept_unknown_sets=accept_unknown_sets,
        warnings=warnings,
    )
    for warning in warnings:
        click.echo(_("warning: {text}").format(text=warning), err=True)
    click.echo(
        _(
            "imported {assessments} assessments and {units} units; {unchanged} already "
            "here unchanged"
        ).format(**counts)
    )
    if counts["followups"] or counts["followups_unchanged"]:
        click.echo(
            _(
                "imported {followups} recommendations followed up; {followups_unchanged} "
                "already here unchanged"
            ).format(**counts)
        )
