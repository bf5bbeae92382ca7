"""Minutes speed: one full commune-set assessment, our whole path against WeasyPrint alone on
the same final HTML (same run, same process, warmed up); then `minutes --all` of a province's
year using every core: the demo's finalized assessments and copies of the full one (each
finalized, with its audit entries and summary, for units of a province) up to `--province`
(168, Hồ Chí Minh City's wards and communes). Prints, last:

    minutes: <s> s each, <ratio>x weasyprint, batch <n> in <s> s

Goals: one minutes under 1 s, at most 1.15x WeasyPrint alone (issue 5); the batch of 168 in
60 s on 2 cores (issue 15).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from inspect_tool.core import open_core  # noqa: E402
from inspect_tool.demo import build_demo_store  # noqa: E402
from inspect_tool.minutes import (  # noqa: E402
    _fetcher,
    make_minutes,
    minutes_context,
    render_html,
    template_dir,
)
from inspect_tool.settings import load_settings  # noqa: E402
from inspect_tool.store import Change, open_store  # noqa: E402
from inspect_tool.workflow import Workflow  # noqa: E402


def interleaved(ours, alone, repeat: int = 7) -> tuple[float, float]:
    """Medians of both, measured turn about, so that a slow moment of the machine falls on
    both sides alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, bucket in ((ours, times[0]), (alone, times[1])):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def add_province(flow: Workflow, full, n: int) -> None:
    """Copies of the finalized assessment `full` for units of a province, until the store
    holds `n` finalized assessments of its year: each saved as the tool keeps one (its
    audit entries, its summary)."""
    from bench_reports import province_units

    store = flow.store
    have = sum(1 for s in flow.summaries() if s.state == "finalized" and s.year == full.year)
    units = province_units(max(0, n - have))
    store.put_units(units, [Change("province units", None, len(units))])
    moves = [Change("state", "draft", "submitted"), Change("state", "submitted", "finalized")]
    for unit in units:
        copy = dataclasses.replace(
            full, id=uuid.uuid4().hex, unit=unit.code, base="", state="finalized"
        )
        store.save(copy, moves, summary=flow.summary(copy))


def main() -> None:
    from weasyprint import HTML

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=int, default=168, help="Minutes in the batch.")
    args = parser.parse_args()
    core = open_core(entry_points=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        with open_store(folder, user="bench") as store:
            build_demo_store(core, store)
            flow = Workflow(core, store)
            full = next(
                a
                for a in store.assessments()
                if a.kind == "self" and len(a.items) == len(flow.engine(a).item_codes)
            )
            for a in store.assessments():
                if a.state == "submitted":
                    flow.finalize(a.id)
            out = Path(tmp) / "one.pdf"
            templates = template_dir()
            html = render_html(minutes_context(flow, flow.get(full.id), load_settings()), templates)
            make_minutes(flow, full.id, out)  # warm up fonts and imports

            def weasy_alone() -> None:
                HTML(
                    string=html, base_url=str(templates) + "/", url_fetcher=_fetcher([templates])
                ).write_pdf(pdf_variant="pdf/a-3b")

            ours, alone = interleaved(lambda: make_minutes(flow, full.id, out), weasy_alone)
            from pypdf import PdfReader

            pages = len(PdfReader(out).pages)
            add_province(flow, flow.get(full.id), args.province)
            finalized = sum(1 for s in flow.summaries() if s.state == "finalized")
        from click.testing import CliRunner

        from inspect_tool.cli import cli

        start = time.perf_counter()
        result = CliRunner().invoke(
            cli,
            [
                "--db",
                str(folder),
                "minutes",
                "--all",
                "--year",
                "2025",
                "--out-dir",
                str(Path(tmp) / "all"),
            ],
        )
        batch = time.perf_counter() - start
        if result.exit_code != 0:
            raise SystemExit(result.output)
    print(
        f"  one minutes: {ours:.2f} s ({pages} pages); WeasyPrint alone {alone:.2f} s; "
        f"batch on {os.cpu_count()} cores in {batch:.1f} s (load {os.getloadavg()[0]:.2f})"
    )
    print(
        f"minutes: {ours:.2f} s each, {ours / alone:.2f}x weasyprint, "
        f"batch {finalized} in {batch:.1f} s"
    )


if __name__ == "__main__":
    main()
