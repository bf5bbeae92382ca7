"""Commands about criteria sets, plugins and scoring: criteria, plugins, score, demo."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from .. import display
from ..catalog import set_files
from ..criteria import load_set, set_as_dict
from ..i18n import _
from ..model import CriteriaSet
from ..overlays import apply_overlay
from ..yaml_lines import ProblemsError
from . import cli
from .common import (
    Ctx,
    bold,
    dump,
    echo_totals,
    err,
    fail,
    guard,
    json_option,
    level_label,
    out,
    pass_ctx,
)

# -- criteria ---------------------------------------------------------------------------------


@cli.group()
def criteria() -> None:
    """List, show and validate criteria sets."""


@criteria.command("list")
@json_option
@pass_ctx
def criteria_list(ctx: Ctx, as_json: bool) -> None:
    """List the criteria sets available."""
    catalog = ctx.core.catalog
    if as_json:
        dump([_summary(s) | {"plugin": catalog.origins[s.key]} for s in catalog.sets])
    else:
        table = Table(
            _("Id"),
            _("Version"),
            _("Year"),
            _("Levels"),
            _("Items"),
            _("Points"),
            _("Title"),
            title=_("Criteria sets"),
        )
        for s in catalog.sets:
            table.add_row(
                s.id,
                s.version,
                str(s.year),
                ", ".join(s.levels),
                str(sum(1 for _i in s.items())),
                display.points(s.max_points),
                s.title,
            )
        out.print(table)
    for plugin, problems in catalog.failed.items():  # each named with the plugin that gave it
        for problem in problems:
            named = _("plugin '{name}': {message}").format(name=plugin, message=problem)
            err.print(_("warning: {problem}").format(problem=named), markup=False)


def _summary(s: CriteriaSet) -> dict[str, Any]:
    return {
        "id": s.id,
        "version": s.version,
        "year": s.year,
        "level": list(s.levels),
        "title": s.title,
        "items": sum(1 for _i in s.items()),
        "max_points": s.max_points,
        "hash": s.hash,
        "source": s.source,
    }


@criteria.command("show")
@click.argument("set_ref", metavar="ID")
@json_option
@pass_ctx
@guard
def criteria_show(ctx: Ctx, set_ref: str, as_json: bool) -> None:
    """Show a criteria set (ID or ID@VERSION) as a tree of areas, criteria and items."""
    cset = ctx.core.criteria_set(set_ref)
    if as_json:
        dump(set_as_dict(cset))
        return
    out.print(bold(cset.title), _("({key}, year {year})").format(key=cset.key, year=cset.year))
    out.print(_("Basis: {basis}").format(basis=cset.basis), markup=False)
    bands = ", ".join(f"{b.label} ≥ {display.points(b.min_percent)}%" for b in cset.bands)
    out.print(_("Bands: {bands}").format(bands=bands), markup=False)
    table = Table(_("Code"), _("Title"), _("Max"), _("Method"), show_lines=False)
    engine = ctx.core.engine(cset)
    for area in cset.areas:
        kind = _(" (bonus/penalty)") if area.is_bonus_penalty else ""
        table.add_row(bold(area.code), bold(area.title + kind), display.points(area.max_points), "")
        for node in area.walk():
            depth = node.code.count(".")
            method = ""
            if node.is_item:
                method = f"{node.method}: " + ", ".join(s.name for s in engine.inputs(node.code))
            points = display.points(node.max_points)
            table.add_row(node.code, "  " * depth + node.title, points, method)
    out.print(table)
    out.print(_("hash: {hash}").format(hash=cset.hash))


@criteria.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@json_option
@pass_ctx
def criteria_validate(ctx: Ctx, paths: tuple[Path, ...], as_json: bool) -> None:
    """Check criteria-set files (or folders of them); report every problem as file:line."""
    methods = ctx.core.registry.methods
    results: list[dict[str, Any]] = []
    files = [f for path in paths for f in (set_files(path) if path.is_dir() else [path])]
    empty = [str(path) for path in paths if path.is_dir() and not set_files(path)]
    if empty:  # nothing checked is not "all good"
        fail([_("{path}: a folder without YAML files").format(path=p) for p in empty])
    overlays = [f for f in files if _is_overlay(f)]
    sets = list(ctx.core.catalog.sets)
    for file in files:
        if file in overlays:
            continue
        try:
            cset = load_set(file, methods)
        except ProblemsError as exc:
            results.append(
                {"path": str(file), "ok": False, "problems": [str(p) for p in exc.problems]}
            )
        else:
            results.append({"path": str(file), "ok": True} | _summary(cset))
            sets.append(cset)  # an overlay given with it may adapt it
    for file in overlays:  # against the sets the tool knows and the sets given
        try:
            cset = apply_overlay(file, sets, methods)
        except ProblemsError as exc:
            results.append(
                {"path": str(file), "ok": False, "problems": [str(p) for p in exc.problems]}
            )
        else:
            results.append({"path": str(file), "ok": True, "overlay": True} | _summary(cset))
    if as_json:
        dump(results)
    else:
        for r in results:
            if r["ok"]:
                click.echo(
                    _("{path}: OK ({key}, {items} items, {points} points)").format(
                        path=r["path"],
                        key=f"{r['id']} {r['version']}",
                        items=r["items"],
                        points=display.points(r["max_points"]),
                    )
                )
            else:
                for problem in r["problems"]:
                    err.print(problem, markup=False)
    if not all(r["ok"] for r in results):
        sys.exit(1)


def _is_overlay(path: Path) -> bool:
    """An overlay file starts from `overlay:` (a set never has that key)."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as f:
            head = f.read(65536)
    except OSError:
        return False
    return re.search(r"^overlay\s*:", head, re.MULTILINE) is not None


# -- plugins ----------------------------------------------------------------------------------


@cli.command("plugins")
@json_option
@pass_ctx
def plugins_command(ctx: Ctx, as_json: bool) -> None:
    """Show the plugins loaded, what they provide, and any load error."""
    core = ctx.core
    by_plugin: dict[str, list[str]] = {}
    for s in core.catalog.sets:
        by_plugin.setdefault(core.catalog.origins[s.key], []).append(s.key)
    rows = []
    for info in core.registry.plugins.values():
        info.sets = by_plugin.get(info.name, [])
        rows.append(info)
    refused = core.catalog.failed  # sets and overlays of a plugin that were left out
    if as_json:
        dump(
            [
                vars(info) | {"refused": [str(p) for p in refused.get(info.name, [])]}
                for info in rows
            ]
        )
        return
    table = Table(
        _("Plugin"),
        _("Version"),
        _("Source"),
        _("Hooks"),
        _("Methods"),
        _("Sets"),
        _("Error"),
        title=_("Plugins"),
    )
    for info in rows:
        left_out = [_("left out: {problem}").format(problem=p) for p in refused.get(info.name, [])]
        table.add_row(
            info.name,
            info.version,
            info.source,
            ", ".join(info.hooks),
            ", ".join(info.methods),
            ", ".join(info.sets),
            "\n".join(filter(None, [info.error, *info.warnings, *left_out])),
        )
    out.print(table)


# -- score ------------------------------------------------------------------------------------


@cli.command("score")
@click.argument("set_ref", metavar="SET_ID")
@click.argument("answers_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--items", "show_items", is_flag=True, help="Show every item with its reason.")
@json_option
@pass_ctx
@guard
def score_command(
    ctx: Ctx, set_ref: str, answers_file: Path, show_items: bool, as_json: bool
) -> None:
    """Score one unit from an answers file (YAML or JSON: item code → inputs, or na: true)."""
    from ..answers import read_answers

    engine = ctx.core.engine(set_ref)
    answers = read_answers(answers_file, engine)
    scores = engine.score(answers)
    cset = engine.cset
    if as_json:
        dump(scores_as_dict(cset, scores))
        return
    table = Table(
        _("Code"),
        _("Area / item"),
        _("Points"),
        _("Max"),
        *([_("Why")] if show_items else []),
        title=cset.title,
    )
    for area in cset.areas:
        table.add_row(
            bold(area.code),
            bold(area.title),
            display.points(scores.points[area.code]),
            display.points(scores.maxima[area.code]),
            *([""] if show_items else []),
        )
        if show_items:
            for item in (c for c in area.walk() if c.is_item):
                table.add_row(
                    item.code,
                    item.title,
                    display.points(scores.points[item.code]),
                    display.points(scores.maxima[item.code]),
                    scores.explanation(item.code, display.formatter()),
                )
    out.print(table)
    echo_totals(scores)
    answered = scores.answered
    click.echo(_("Answered {n} of {total} items.").format(n=answered, total=len(scores.status)))


def scores_as_dict(cset: CriteriaSet, scores) -> dict[str, Any]:
    return {
        "set": {"id": cset.id, "version": cset.version, "hash": cset.hash},
        "total": scores.total,
        "max_points": scores.max_points,
        "index": scores.index,
        "band": scores.band_label,
        "areas": [
            {
                "code": a.code,
                "title": a.title,
                "points": scores.points[a.code],
                "max_points": scores.maxima[a.code],
            }
            for a in cset.areas
        ],
        "items": {
            code: {
                "points": scores.points[code],
                "max_points": scores.maxima[code],
                "status": status,
                "explanation": scores.explanation(code),
                "inputs": dict(scores.answers[code].inputs) if code in scores.answers else {},
            }
            for code, status in scores.status.items()
        },
    }


# -- demo -------------------------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--table",
    "as_table",
    is_flag=True,
    help="Print the demo units' scores and ranks instead of opening the app.",
)
@click.option("--reset", is_flag=True, help="Build the demo store afresh.")
@json_option
@pass_ctx
@guard
def demo_command(ctx: Ctx, as_table: bool, reset: bool, as_json: bool) -> None:
    """Open the app on the demo province (a fictional one, about 16 communes and wards)."""
    from ..demo import DEMO_SETS, demo_results

    if not (as_table or as_json):
        open_demo(ctx, reset)
        return
    results = demo_results(ctx.core)
    if as_json:
        dump(
            {
                key: [
                    {
                        "unit": r.unit.code,
                        "name": r.unit.name,
                        "rank": r.label,
                        "total": r.scores.total,
                        "index": r.scores.index,
                        "band": r.scores.band_label,
                    }
                    for r in rows
                ]
                for key, rows in results.items()
            }
        )
        return
    for set_id in DEMO_SETS:
        cset = ctx.core.criteria_set(set_id)
        table = Table(
            _("Rank"),
            _("Unit"),
            _("Kind"),
            _("Points"),
            _("Index %"),
            _("Band"),
            title=f"{cset.title} ({cset.key})",
        )
        for r in results[set_id]:
            table.add_row(
                r.label,
                r.unit.name,
                level_label(r.unit.kind),
                f"{display.fixed(r.scores.total)}/{display.points(r.scores.max_points)}",
                display.fixed(r.scores.index),
                r.scores.band_label,
            )
        out.print(table)
    click.echo(_("Demo data: a fictional province; answers are generated, not real results."))


def open_demo(ctx: Ctx, reset: bool) -> None:
    """The demo store lives in the user's data folder (or --db) and is built when missing,
    so that the demo, like real work, comes back to where it was left."""
    import shutil

    from ..demo import build_demo_store
    from ..store import StoreError, default_store_path
    from ..store.interface import is_url
    from .app import run_app

    if is_url(ctx.db):  # the demo province in a central store (an account that may write)
        if reset:
            raise StoreError(_("--reset empties a demo folder; it does not touch a central store"))
        if not ctx.store().units():
            build_demo_store(ctx.core, ctx.store(), campaign=True)
        run_app(ctx)
        return
    default = default_store_path()
    path = ctx.db or (default.with_name("demo-store") if isinstance(default, Path) else None)
    if path is None:
        from platformdirs import user_data_path

        path = user_data_path("inspect-tool") / "demo-store"
    if reset and path.exists() and (path / "store.json").exists():
        shutil.rmtree(path)
    fresh = not (path / "store.json").exists()
    ctx.db = path
    if fresh:
        build_demo_store(ctx.core, ctx.store(), campaign=True)
    run_app(ctx)
