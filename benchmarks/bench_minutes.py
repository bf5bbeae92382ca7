"""Minutes speed: one full commune-set assessment, our whole path against WeasyPrint alone on
the same final HTML (same run, same process, warmed up); then a batch for every demo unit
using every core. Prints, last:

    minutes: <s> s each, <ratio>x weasyprint, batch <n> in <s> s

Goal (issue 5): one minutes under 1 s, at most 1.15x WeasyPrint alone.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

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
from inspect_tool.store import open_store  # noqa: E402
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


def main() -> None:
    from weasyprint import HTML

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
            finalized = sum(1 for a in store.assessments() if a.state == "finalized")
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
        f"batch on {os.cpu_count()} cores"
    )
    print(
        f"minutes: {ours:.2f} s each, {ours / alone:.2f}x weasyprint, "
        f"batch {finalized} in {batch:.1f} s"
    )


if __name__ == "__main__":
    main()
