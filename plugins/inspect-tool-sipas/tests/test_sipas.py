"""The SIPAS plugin: indices from a survey file, the survey items answered, a minutes section."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from inspect_tool_sipas.survey import SurveyError, load_questionnaire, score_survey

from inspect_tool.cli import cli
from inspect_tool.core import open_core

HEADER = "id,q1_1,q1_2,q1_3,q2_1,q2_2,q2_3,q3_1,q3_2,q3_3,q4_1,q4_2,q4_3,q5_1,q5_2\n"
ROWS = [
    "1,5,4,4,5,5,4,5,5,5,4,4,4,3,4\n",
    "2,4,3,4,hài lòng,4,2,5,4,4,4,5,4,4,\n",
    "3,2,4,5,rất hài lòng,3,4,4,5,5,1,4,4,5,5\n",
    "4,5,5,5,4,4,4,4,4,4,4,4,4,2,4\n",
]


def test_indices_by_the_stated_formula():
    result = score_survey(HEADER + "".join(ROWS), load_questionnaire())
    assert result.respondents == 4
    # access: q1_1 3/4, q1_2 3/4, q1_3 4/4 → (75 + 75 + 100) / 3
    assert result.factors["access"] == 83.33
    # feedback: q5_1 2/4 = 50, q5_2 3/3 answered = 100 → 75
    assert result.factors["feedback"] == 75.0
    assert result.items["9.1"] == 83.33 and result.items["9.6"] == result.overall


def test_bad_answers_are_named_with_their_line():
    with pytest.raises(SurveyError) as info:
        score_survey(HEADER + "1,5,4,4,5,5,4,5,5,5,4,4,4,3,tốt\n", load_questionnaire(), "s.csv")
    assert "s.csv:2: cột q5_2: 'tốt'" in str(info.value)
    with pytest.raises(SurveyError, match="thiếu cột"):
        score_survey("id,q1_1\n1,5\n", load_questionnaire(), "s.csv")


def test_apply_feeds_the_survey_items_and_the_minutes(tmp_path):
    from pypdf import PdfReader

    from inspect_tool.cli import add_plugin_commands
    from inspect_tool.minutes import make_minutes
    from inspect_tool.store import open_store
    from inspect_tool.units import parse_units
    from inspect_tool.workflow import Workflow

    add_plugin_commands()  # as inspect-tool's main() does
    survey = tmp_path / "khao-sat.csv"
    survey.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    core = open_core(tmp_path / "none")
    with open_store(tmp_path / "s", user="t") as store:
        store.put_units(parse_units("code,name,kind,parent\nX,Xã X,xã,T\n", "u"), [])
        ident = Workflow(core, store).new("X", "cchc-xa-2025", 2025, "self").id
    runner = CliRunner()
    scored = runner.invoke(cli, ["--db", str(tmp_path / "s"), "sipas", "score", str(survey)])
    assert scored.exit_code == 0 and "83.33%" in scored.output and "giả định" in scored.output
    applied = runner.invoke(
        cli, ["--db", str(tmp_path / "s"), "sipas", "apply", str(survey), ident[:8]]
    )
    assert applied.exit_code == 0, applied.output
    with open_store(tmp_path / "s", user="t") as store:
        flow = Workflow(core, store)
        a = flow.get(ident)
        assert a.items["9.1"].inputs["value"] == 83.33
        assert flow.scores(a).points["9"] > 0
        out = make_minutes(flow, ident, tmp_path / "bb.pdf")
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "Kết quả khảo sát sự hài lòng (SIPAS)" in text and "giả định" in text
