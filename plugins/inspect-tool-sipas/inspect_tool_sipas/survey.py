"""Survey responses to satisfaction indices. Pure: no store, no UI.

The formula (the reference marks it unverified, so it is stated wherever results are shown):
for each question, the share of respondents who answered "satisfied" or "very satisfied"
(4 or 5 on the 5-point Likert scale) among those who answered it; a factor's index is the mean
of its questions' shares; the overall index is the mean of the factors' indices.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FORMULA = (
    "Tỷ lệ người trả lời “hài lòng” hoặc “rất hài lòng” (4–5 trên thang 5) của từng câu "
    "hỏi, bình quân theo yếu tố, rồi bình quân các yếu tố (công thức giả định, chưa được "
    "đối chiếu với hướng dẫn chính thức)."
)
LIKERT = {
    "1": 1,
    "2": 2,
    "3": 3,
    "4": 4,
    "5": 5,
    "rất không hài lòng": 1,
    "không hài lòng": 2,
    "bình thường": 3,
    "hài lòng": 4,
    "rất hài lòng": 5,
}
QUESTIONNAIRE = Path(__file__).with_name("questionnaire.yaml")


class SurveyError(ValueError):
    """A survey file refused, with every line that is wrong."""


@dataclass
class SurveyResult:
    respondents: int
    factors: dict[str, float]  # factor key → index (%)
    titles: dict[str, str]
    overall: float
    items: dict[str, float] = field(default_factory=dict)  # set item code → index (%)


def load_questionnaire(path: Path = QUESTIONNAIRE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _answer(text: str) -> int | None:
    key = unicodedata.normalize("NFC", text.strip().lower())
    return LIKERT.get(key) if key else None


def score_survey(text: str, questionnaire: dict[str, Any], where: str = "survey") -> SurveyResult:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = set(reader.fieldnames or [])
    wanted = [q for f in questionnaire["factors"] for q in f["questions"]]
    missing = [q for q in wanted if q not in columns]
    if missing:
        raise SurveyError(f"{where}:1: thiếu cột {', '.join(missing)}")
    satisfied = dict.fromkeys(wanted, 0)
    answered = dict.fromkeys(wanted, 0)
    problems, respondents = [], 0
    for row in reader:
        respondents += 1
        for q in wanted:
            raw = row.get(q) or ""
            value = _answer(raw)
            if value is None and raw.strip():
                problems.append(
                    f"{where}:{reader.line_num}: cột {q}: '{raw}' không phải câu "
                    "trả lời trên thang 1–5"
                )
                continue
            if value is not None:
                answered[q] += 1
                satisfied[q] += value >= 4
    if problems:
        raise SurveyError("\n".join(problems))
    if not respondents:
        raise SurveyError(f"{where}: không có phiếu khảo sát nào")
    share = {q: satisfied[q] * 100 / answered[q] for q in wanted if answered[q]}
    factors, titles, items = {}, {}, {}
    for f in questionnaire["factors"]:
        values = [share[q] for q in f["questions"] if q in share]
        if values:
            factors[f["key"]] = round(sum(values) / len(values), 2)
            titles[f["key"]] = f["title"]
            items[str(f["item"])] = factors[f["key"]]
    overall = round(sum(factors.values()) / len(factors), 2) if factors else 0.0
    if questionnaire.get("overall_item"):
        items[str(questionnaire["overall_item"])] = overall
    return SurveyResult(respondents, factors, titles, overall, items)
