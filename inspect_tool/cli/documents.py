"""Commands that make documents: the minutes of an assessment, one or a whole year's."""

from __future__ import annotations

import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import click

from ..i18n import _, ngettext
from ..workflow import Workflow
from ..yaml_lines import ProblemsError
from . import cli
from .common import Ctx, dump, fail, force_option, guard, json_option, pass_ctx

# One worker's core, store and settings, opened by its first job and kept for the rest: opening
# them (plugins, catalog, fonts) for each of a year's 168 minutes cost more than some renders.
_WORKER: dict[tuple[str | None, str | None, str | None], tuple] = {}


def _worker_context(plugins_dir: str | None, db: str | None, settings_path: str | None) -> tuple:
    """(workflow, settings) of this worker process, opened once."""
    key = (plugins_dir, db, settings_path)
    if key not in _WORKER:
        from ..core import open_core
        from ..i18n import set_language
        from ..settings import load_settings
        from ..store import open_store

        set_language(None)
        core = open_core(Path(plugins_dir) if plugins_dir else None)
        store = open_store(db or None, write=False)  # a folder or a postgresql:// URL
        settings = load_settings(Path(settings_path) if settings_path else None)
        _WORKER[key] = (Workflow(core, store), settings)
    return _WORKER[key]


def _render_one(job: tuple[str | None, str | None, str | None, str, str, str | None]) -> str:
    """Render one assessment's minutes in a worker process (its core and store kept)."""
    from ..minutes import make_minutes

    plugins_dir, db, settings_path, ident, out, templates = job
    flow, settings = _worker_context(plugins_dir, db, settings_path)
    make_minutes(
        flow,
        ident,
        Path(out),
        settings=settings,
        templates=Path(templates) if templates else None,
    )
    return out


@cli.command("minutes")
@click.argument("ref", metavar="ASSESSMENT_ID", required=False)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write (one assessment).",
)
@click.option("--all", "all_year", is_flag=True, help="Every finalized assessment of --year.")
@click.option("--year", type=int)
@click.option("--out-dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--jobs", type=int, default=0, help="Worker processes (default: all cores).")
@click.option(
    "--templates",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder with your own minutes.html and minutes.css.",
)
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Document settings (default: the user's settings.yaml).",
)
@force_option
@pass_ctx
@guard
def minutes_command(
    ctx: Ctx,
    ref: str | None,
    out_file: Path | None,
    all_year: bool,
    year: int | None,
    out_dir: Path | None,
    jobs: int,
    templates: Path | None,
    settings_file: Path | None,
    force: bool,
) -> None:
    """Make the minutes (biên bản) of an assessment as a PDF/A-3 with its data inside."""
    from ..minutes import make_minutes, minutes_file_name
    from ..output import check_target
    from ..settings import load_settings

    settings = load_settings(settings_file)  # wrong settings are reported before any work
    ctx.store(write=False)
    flow = ctx.workflow()
    if not all_year:
        if not ref or not out_file:
            raise click.UsageError(_("give ASSESSMENT_ID and --out, or --all --year Y --out-dir"))
        check_target(out_file, force=force)
        make_minutes(flow, ref, out_file, settings=settings, templates=templates)
        click.echo(str(out_file))
        return
    if year is None or out_dir is None:
        raise click.UsageError(_("--all needs --year and --out-dir"))
    chosen = _finalized(flow, year)
    if not chosen:
        fail(_("no finalized assessment for {year}").format(year=year))
    out_dir.mkdir(parents=True, exist_ok=True)
    for a in chosen:  # refused before any work, not half way
        check_target(out_dir / minutes_file_name(a), force=force)
    jobs = jobs or os.cpu_count() or 1
    plugins = str(ctx.plugins_dir) if ctx.plugins_dir else None
    work = [
        (
            plugins,
            str(ctx.db) if ctx.db else None,  # the folder or the URL, password included
            str(settings_file) if settings_file else None,
            a.id,
            str(out_dir / minutes_file_name(a)),
            str(templates) if templates else None,
        )
        for a in chosen
    ]
    _run_all(work, jobs)


def _finalized(flow: Workflow, year: int) -> list:
    """The year's finalized assessments, found by their summaries (one read, not every
    assessment of the store); one that cannot be scored has none, and is read to see (its
    minutes then fail with the reason, as any other failure)."""
    problems: dict[str, str] = {}
    chosen: list = [s for s in flow.summaries(problems) if s.year == year]
    chosen += [flow.store.assessment(i) for i in problems]
    return sorted(
        (a for a in chosen if a.year == year and a.state == "finalized"), key=lambda a: a.id
    )


def _end_with_parent(parent: int) -> None:
    """A worker ends when the command that started it is gone (killed, even with SIGKILL,
    which leaves no chance to stop the pool), instead of rendering on for nobody."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _run_all(work: list[tuple], jobs: int) -> None:
    """On all cores, one WeasyPrint per process; a progress bar when a person is watching."""
    from rich.progress import Progress

    failures = []
    with (
        Progress(disable=not sys.stderr.isatty(), transient=True) as progress,
        ProcessPoolExecutor(
            max_workers=jobs, initializer=_end_with_parent, initargs=(os.getpid(),)
        ) as pool,
    ):
        task = progress.add_task(_("Minutes"), total=len(work))
        futures = {pool.submit(_render_one, job): job for job in work}
        for future in as_completed(futures):
            try:
                click.echo(future.result())
            except (ProblemsError, Exception) as exc:  # one bad document must not stop the rest
                failures.append(f"{futures[future][3][:8]}: {exc}")
            progress.advance(task)
    if failures:
        fail(failures)


report_out = click.option(
    "--out",
    "out_file",
    required=True,
    help="FILE.pdf, .xlsx or .csv",
    type=click.Path(dir_okay=False, path_type=Path),
)


@cli.group()
def report() -> None:
    """Reports across units: the ranking of a year, the appraisal's changes."""


report_settings = click.option(
    "--settings",
    "settings_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Document settings: the issuing body and place (default: the user's settings.yaml).",
)


@report.command("ranking")
@click.option("--set", "set_ref", required=True, help="Criteria set id.")
@click.option("--year", type=int, required=True)
@click.option(
    "--stage",
    type=click.Choice(["final", "appraisal", "self"]),
    default="final",
    show_default=True,
    help="final: the finalized appraisal, else the submitted self-assessment.",
)
@report_out
@report_settings
@force_option
@pass_ctx
@guard
def report_ranking(
    ctx: Ctx,
    set_ref: str,
    year: int,
    stage: str,
    out_file: Path,
    settings_file: Path | None,
    force: bool,
) -> None:
    """Every unit's total, index, band and rank, and points per area, at one stage."""
    from ..output import check_target
    from ..reports import write_ranking
    from ..settings import load_settings

    _check_suffix(out_file)
    check_target(out_file, force=force)
    settings = load_settings(settings_file)
    ctx.store(write=False)
    n = write_ranking(ctx.workflow(), set_ref, year, out_file, stage=stage, settings=settings)
    click.echo(ngettext("{path}: {n} unit", "{path}: {n} units", n).format(path=out_file, n=n))


@report.command("differences")
@click.option("--year", type=int, required=True)
@report_out
@report_settings
@force_option
@pass_ctx
@guard
def report_differences(
    ctx: Ctx, year: int, out_file: Path, settings_file: Path | None, force: bool
) -> None:
    """Per unit, the items where the appraisal changed the self-assessment, with the reason,
    the difference and the unit's totals."""
    from ..output import check_target
    from ..reports import write_differences
    from ..settings import load_settings

    _check_suffix(out_file)
    check_target(out_file, force=force)
    settings = load_settings(settings_file)
    ctx.store(write=False)
    n = write_differences(ctx.workflow(), year, out_file, settings=settings)
    click.echo(
        ngettext("{path}: {n} changed item", "{path}: {n} changed items", n).format(
            path=out_file, n=n
        )
    )


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in (".pdf", ".xlsx", ".csv"):
        raise click.BadParameter(_("write .pdf, .xlsx or .csv"), param_hint="--out")


# -- signatures -------------------------------------------------------------------------------


def _password(env: str | None, prompt: str) -> bytes:
    """From the named environment variable, else asked for without echo; never stored."""
    if env:
        value = os.environ.get(env)
        if value is None:
            raise click.UsageError(_("environment variable {env} is not set").format(env=env))
        return value.encode("utf-8")
    return click.prompt(prompt, hide_input=True).encode("utf-8")


@cli.group()
def keys() -> None:
    """Certificates for demos and tests."""


@keys.command("test-cert")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.p12",
)
@click.option("--name", required=True, help="The signer's name, e.g. 'Trần Thị Bình'.")
@click.option("--org", default="", help="The organisation.")
@click.option("--days", type=click.IntRange(1, 3650), default=365)
@click.option("--password-env", metavar="VAR", help="Take the password from this variable.")
@force_option
@guard
def keys_test_cert(
    out_file: Path, name: str, org: str, days: int, password_env: str | None, force: bool
) -> None:
    """Make a clearly labelled TEST certificate (PKCS#12, and its .pem for --trust)."""
    from ..output import check_target
    from ..signing import make_test_cert

    check_target(out_file, force=force)
    check_target(out_file.with_suffix(".pem"), force=force)
    password = _password(password_env, _("Password for the new .p12"))
    make_test_cert(out_file, name, org, password=password, days=days)
    click.echo(
        _("{p12} and {pem}: a test certificate, not valid for real documents").format(
            p12=out_file, pem=out_file.with_suffix(".pem")
        )
    )


@cli.command("sign")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--field", required=True, help="The signature field, e.g. sig-team or sig-unit.")
@click.option(
    "--p12",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The signer's PKCS#12 file (tests, demos).",
)
@click.option("--password-env", metavar="VAR", help="Take the password or PIN from this variable.")
@click.option(
    "--pkcs11-lib",
    type=click.Path(exists=True, dir_okay=False),
    help="The token's PKCS#11 library (a USB token from the CA).",
)
@click.option("--token-label", help="The token's label.")
@click.option("--key-label", help="The key (and certificate) label on the token.")
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the signed PDF here (default: sign the file in place).",
)
@click.option("--role", default="", help="The signer's role, shown in the signature.")
@force_option
@guard
def sign_command(
    pdf: Path,
    field: str,
    p12: Path | None,
    password_env: str | None,
    pkcs11_lib: str | None,
    token_label: str | None,
    key_label: str | None,
    out_file: Path | None,
    role: str,
    force: bool,
) -> None:
    """Sign a field of the minutes (PAdES); the first signature certifies the document."""
    from ..output import check_target
    from ..settings import load_settings
    from ..signing import (
        SigningError,
        check_signable,
        http_timestamper,
        p12_signer,
        sign_pdf,
        token_signer,
    )

    if (p12 is None) == (pkcs11_lib is None):
        raise click.UsageError(_("give either --p12 or --pkcs11-lib (with --token-label)"))
    if pkcs11_lib and not token_label:
        raise click.UsageError(_("--pkcs11-lib needs --token-label"))
    if out_file is not None and out_file.resolve() != pdf.resolve():
        check_target(out_file, force=force)  # signing in place replaces the input, as asked
    url = load_settings()["signing"]["timestamp_url"]
    try:
        check_signable(pdf, field)  # a draft or a wrong field is refused before any password
        if p12 is not None:
            password = _password(password_env, _("Password of {p12}").format(p12=p12.name))
            signer = p12_signer(p12, password)
        else:
            if not password_env:
                click.echo(
                    _(
                        "Tokens lock after a few wrong PINs: the PIN is tried once, "
                        "never again by itself."
                    ),
                    err=True,
                )
            pin = _password(password_env, _("PIN of token {label}").format(label=token_label))
            signer = token_signer(str(pkcs11_lib), str(token_label), pin.decode("utf-8"), key_label)
        target = sign_pdf(
            pdf,
            field,
            out=out_file,
            role=role,
            signer=signer,
            timestamper=http_timestamper(url) if url else None,
        )
    except SigningError as exc:
        fail(str(exc))
    click.echo(_("{path}: signed field {field}").format(path=target, field=field))


@cli.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Certificates (PEM or DER, or a folder of them) to trust, besides signing.trust.",
)
@json_option
@guard
def verify_command(pdf: Path, trust: tuple[Path, ...], as_json: bool) -> None:
    """Check every signature: signer, time, field, intact, valid, trusted, changed after.
    Exit 0 only when there is one and every field is signed, intact, valid and trusted."""
    from ..signing import (
        SigningError,
        all_good,
        reports_as_json,
        signed_at_text,
        trust_store,
        verify_pdf,
    )

    try:
        reports = verify_pdf(pdf, trust_store(trust))
    except SigningError as exc:
        fail(str(exc))
    ok = all_good(reports)
    if as_json:
        dump({"ok": ok, "signatures": reports_as_json(reports)})
    else:
        if not any(r.signed for r in reports):
            click.echo(_("{path}: no signatures").format(path=pdf), err=True)
        for r in reports:
            if not r.signed:
                click.echo(_("{field}: not signed").format(field=r.field))
                continue
            click.echo(
                _("{field}: {signer}, signed {when}: {verdict}").format(
                    field=r.field, signer=r.who, when=signed_at_text(r), verdict=r.reason
                )
            )
    sys.exit(0 if ok else 1)
