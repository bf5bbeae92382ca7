"""SIPAS satisfaction survey for inspect-tool (Decision 2640/QĐ-BNV, 2017).

Survey tools export one row per respondent and one column per question; this plugin turns that
into the satisfaction index per factor and overall, records the indices as the answers of the
survey items of the commune set (where the set's thresholds turn them into points), and adds
a section on the survey to the minutes.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

import inspect_tool

from .survey import FORMULA, SurveyError, load_questionnaire, score_survey

__version__ = "0.1.0"
INSPECT_TOOL_API = 1
NOTE = "SIPAS"


@inspect_tool.hookimpl
def register_commands(cli):
    @cli.group("sipas")
    def sipas() -> None:
        """SIPAS satisfaction survey: indices from survey responses (CSV)."""

    @sipas.command("score")
    @click.argument("survey", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--json", "as_json", is_flag=True)
    def score(survey: Path, as_json: bool) -> None:
        """Satisfaction index per factor and overall."""
        result = _score(survey)
        if as_json:
            click.echo(json.dumps(vars(result), ensure_ascii=False, indent=2))
            return
        click.echo(f"{result.respondents} phiếu")
        for key, value in result.factors.items():
            click.echo(f"{result.titles[key]}: {value:.2f}%")
        click.echo(f"Chỉ số hài lòng chung: {result.overall:.2f}%")
        click.echo(FORMULA)

    @sipas.command("apply")
    @click.argument("survey", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.argument("ref", metavar="ASSESSMENT_ID")
    @click.pass_obj
    def apply(ctx, survey: Path, ref: str) -> None:
        """Record the indices as the answers of the survey items of an assessment."""
        from inspect_tool.workflow import WorkflowError

        result = _score(survey)
        flow = ctx.workflow()
        try:
            for code, value in result.items.items():
                flow.answer(
                    ref,
                    code,
                    {"value": f"{value}"},
                    note=f"{NOTE}: {result.respondents} phiếu, tệp {survey.name}",
                )
        except WorkflowError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"{len(result.items)} nội dung khảo sát đã ghi ({result.respondents} phiếu)")


def _score(survey: Path):
    try:
        return score_survey(
            survey.read_text(encoding="utf-8-sig"), load_questionnaire(), str(survey)
        )
    except SurveyError as exc:
        raise click.ClickException(str(exc)) from None


@inspect_tool.hookimpl
def minutes_sections(assessment, criteria_set):
    """The survey's indices and how they were computed, when the survey items were recorded."""
    items = {
        code: item
        for code, item in assessment.items.items()
        if item.note.startswith(NOTE) and "value" in item.inputs
    }
    if not items:
        return None
    titles = {c.code: c.title for c in criteria_set.items()}
    lines = [
        f"{titles.get(code, code)}: {item.inputs['value']}%" for code, item in sorted(items.items())
    ]
    source = next(iter(items.values())).note
    return [
        {"title": "Kết quả khảo sát sự hài lòng (SIPAS)", "paragraphs": [*lines, source, FORMULA]}
    ]
