"""Reports across units, written for real: CSV, XLSX (openpyxl reads it back), PDF (the text
pdftotext extracts, with its position on the page), on the demo province and on a province's
worth of units built with the tool's own API (benchmarks/bench_reports.py)."""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from pypdf import PdfReader

from inspect_tool.cli import cli
from inspect_tool.reports import CHART_UNITS, ranking, write_differences, write_ranking
from inspect_tool.settings import load_settings
from inspect_tool.store import open_store
from inspect_tool.vn_format import MINUS
from inspect_tool.workflow import Workflow
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))

from bench_reports import SET, build_province  # noqa: E402

DAY = dt.date(2025, 11, 20)
MM = 72 / 25.4  # points per millimetre


def _demo(core, demo_store, folder, *, finalize: bool) -> Workflow:
    store = open_store(demo_store(folder, "Sở Nội vụ"), user="Sở Nội vụ")
    flow = Workflow(core, store)
    appraisal = next(a for a in store.assessments() if a.kind == "appraisal")
    flow.update_header(appraisal.id, place="Trụ sở UBND phường", started="2025-11-20T08:30")
    flow.submit(appraisal.id)
    if finalize:
        flow.finalize(appraisal.id)
    return flow


@pytest.fixture(scope="module")
def flow(core, demo_store, tmp_path_factory):
    """The demo province with its appraisal finalized: the final result counts it."""
    flow = _demo(core, demo_store, tmp_path_factory.mktemp("rep") / "demo", finalize=True)
    yield flow
    flow.store.close()


@pytest.fixture(scope="module")
def underway(core, demo_store, tmp_path_factory):
    """The demo province with its appraisal submitted, not finalized yet."""
    flow = _demo(core, demo_store, tmp_path_factory.mktemp("rep2") / "demo", finalize=False)
    yield flow
    flow.store.close()


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def words_by_page(path) -> list[tuple[float, float, list[tuple[float, float, str]]]]:
    """Per page: its width, height and words (top, bottom, text), from pdftotext -bbox."""
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True)
    pages = []
    for page in re.findall(r"<page (.*?)</page>", out.stdout.decode("utf-8"), re.S):
        width, height = (
            float(x) for x in re.search(r'width="([\d.]+)" height="([\d.]+)"', page).groups()
        )
        words = [
            (float(y0), float(y1), text)
            for y0, y1, text in re.findall(
                r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>',
                page,
            )
        ]
        pages.append((width, height, words))
    return pages


def flat(text: str) -> str:
    return " ".join(text.split())


# -- what is ranked ----------------------------------------------------------------------------


def test_final_ranking_counts_the_finalized_appraisal_and_lists_every_unit(flow):
    report = ranking(flow, "cchc-xa-2025", 2025)
    assert report.stage == "final"
    assert len(report.rows) == 16  # every unit the set scores, with a result or not
    assert len(report.ranked) == 10 and len(report.unranked) == 6
    hb = next(r for r in report.rows if r.unit == "HB-P01")
    assert hb.kind == "appraisal" and hb.state == "finalized"
    assert report.rows[0].rank == 1 and isinstance(report.rows[0].rank, int)
    assert all(r.of == 10 for r in report.rows)
    assert all(a.code in report.rows[0].areas for a in report.cset.areas)
    indices = [r.index for r in report.ranked]
    assert indices == sorted(indices, reverse=True)
    assert {r.missing for r in report.unranked} == {"draft", "no_assessment"}
    assert [r.unit for r in report.rows[10:]] == sorted(r.unit for r in report.unranked)


def test_an_appraisal_under_way_does_not_replace_the_self_assessment_yet(underway):
    final = ranking(underway, "cchc-xa-2025", 2025, "final")
    assert next(r for r in final.rows if r.unit == "HB-P01").kind == "self"
    appraisal = ranking(underway, "cchc-xa-2025", 2025, "appraisal")
    assert [(r.unit, r.kind, r.rank) for r in appraisal.ranked] == [("HB-P01", "appraisal", 1)]
    assert len(appraisal.rows) == 16
    assert sum(r.missing == "not_appraised" for r in appraisal.unranked) == 9
    own = ranking(underway, "cchc-xa-2025", 2025, "self")
    assert len(own.ranked) == 10 and {r.kind for r in own.ranked} == {"self"}


def test_stage_is_checked(flow):
    with pytest.raises(ValueError, match="stage"):
        ranking(flow, "cchc-xa-2025", 2025, "inspection")


# -- CSV and XLSX ------------------------------------------------------------------------------


def test_csv_is_for_machines(flow, tmp_path):
    assert write_ranking(flow, "cchc-xa-2025", 2025, tmp_path / "r.csv") == 16
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese right
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 17
    assert [r[0] for r in rows[1:11]][0] == "1" and all(r[0].isdigit() for r in rows[1:11])
    assert all(r[0] == "" for r in rows[11:])  # no rank without a result
    assert re.fullmatch(r"\d+\.\d+", rows[1][6])  # the index with a decimal point
    assert "," not in rows[1][4] and MINUS not in raw.decode("utf-8-sig")


def test_xlsx_is_for_people(flow, tmp_path):
    write_ranking(flow, "cchc-xa-2025", 2025, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    assert len(book.sheetnames) == 2
    sheet = book[book.sheetnames[0]]
    head = [c.value for c in sheet[1]]
    cset = ranking(flow, "cchc-xa-2025", 2025).cset
    assert head[8:] == [f"{a.code}. {a.title}" for a in cset.areas]  # names, not "Area 1"
    assert head[:3] == ["Rank", "Code", "Unit"]
    assert sheet.max_row == 17
    rank = sheet.cell(row=2, column=1)
    assert rank.value == 1 and isinstance(rank.value, int) and rank.number_format == "0"
    total = sheet.cell(row=2, column=5)
    assert isinstance(total.value, float) and total.data_type == "n"
    assert total.number_format == "0.00"
    index = sheet.cell(row=2, column=7)
    assert index.number_format == "0.00%" and 0 < index.value <= 1.5
    assert all(sheet.cell(row=2, column=c).number_format == "0.00" for c in range(9, 19))
    assert sheet.cell(row=17, column=1).value is None  # a unit without a result: listed
    assert "no result" in sheet.cell(row=17, column=8).value
    assert sheet.freeze_panes == "D2"  # the header and the name stay on screen
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$1"
    for column in range(1, sheet.max_column + 1):  # every value fits its column
        letter = sheet.cell(row=1, column=column).column_letter
        width = sheet.column_dimensions[letter].width
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if isinstance(cell.value, str):
                assert len(cell.value) <= width, (letter, cell.value)
            elif isinstance(cell.value, float):
                assert len(f"{cell.value:.2f}") + 1 <= width
    shares = book[book.sheetnames[1]]
    share_head = [c.value for c in shares[1]]
    assert share_head[-1] == "10. Điểm thưởng, điểm trừ"
    assert shares.cell(row=2, column=4).number_format == "0.00%"
    bonus = [shares.cell(row=r, column=shares.max_column) for r in range(2, shares.max_row + 1)]
    assert all(c.number_format == "0.00" for c in bonus)  # points, not a percentage
    assert any(c.value < 0 for c in bonus) or all(-5 <= c.value <= 5 for c in bonus)


def test_differences_have_the_difference_and_unit_totals(flow, tmp_path):
    assert write_differences(flow, 2025, tmp_path / "d.csv") == 1
    rows = list(csv.reader((tmp_path / "d.csv").open(encoding="utf-8-sig")))
    assert rows[0][6] == "Difference"
    assert rows[1][2] == "1.1.1" and float(rows[1][6]) == -0.25 and "20/02/2025" in rows[1][7]
    write_differences(flow, 2025, tmp_path / "d.xlsx")
    book = load_workbook(tmp_path / "d.xlsx")
    changes, totals = book[book.sheetnames[0]], book[book.sheetnames[1]]
    assert changes.cell(row=2, column=7).value == -0.25
    assert changes.cell(row=2, column=7).number_format == "0.00"
    assert changes.freeze_panes == "C2" and changes.page_setup.orientation == "landscape"
    head = [c.value for c in totals[1]]
    assert head[:6] == [
        "Code",
        "Unit",
        "Changed items",
        "Self-assessed total",
        "Appraised total",
        "Difference",
    ]
    unit = [c.value for c in totals[2]]
    assert unit[0] == "HB-P01" and unit[2] == 1 and unit[5] == pytest.approx(unit[4] - unit[3])
    assert totals.cell(row=2, column=7).number_format == "0.00%"
    write_differences(flow, 2025, tmp_path / "d.pdf", day=DAY)
    text = flat(pdf_text(tmp_path / "d.pdf"))
    assert "1.1.1" in text and "Ngày ký số trên kế hoạch" in text
    assert f"{MINUS}0,25" in text and "Chênh lệch" in text and "Cộng Phường Hòa Bình" in text
    assert "ngày 20 tháng 11 năm 2025" in text


# -- the PDF -----------------------------------------------------------------------------------


def test_ranking_pdf_of_the_demo(flow, tmp_path):
    write_ranking(flow, "cchc-xa-2025", 2025, tmp_path / "r.pdf", day=DAY)
    reader = PdfReader(tmp_path / "r.pdf")
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    xobjects = page["/Resources"].get("/XObject") or {}
    images = [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    assert images == []  # the chart is vector graphics, not a picture of a plot
    text = flat(pdf_text(tmp_path / "r.pdf"))
    org = load_settings()["organisation"]
    assert org["issuing_body"] in text and org["parent_body"] in text
    assert f"{org['place']}, ngày 20 tháng 11 năm 2025" in text
    assert "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025 KẾT QUẢ CUỐI CÙNG" in text
    assert "cchc-xa-2025" not in text  # the set by its title, not its id
    assert "Phường Hòa Bình" in text and "Thẩm định" in text
    assert re.search(r"\d+,\d\d %", text) and not re.search(r"\d+\.\d\d", text)
    for unit in flow.store.units():
        assert unit.name in text
    assert text.count("Chưa có kết quả") >= 6
    assert "Đặc khu Hòn Ngọc Chưa có kết quả: chưa tự đánh giá" in text
    assert "(10) điểm" in text and f"{MINUS}1" in text  # bonus/penalty in points
    assert not re.search(r"-\d", text)  # a real minus sign, never a hyphen


def test_ranking_pdf_stage_is_in_the_title(underway, tmp_path):
    write_ranking(underway, "cchc-xa-2025", 2025, tmp_path / "a.pdf", stage="appraisal", day=DAY)
    text = flat(pdf_text(tmp_path / "a.pdf"))
    assert "THEO KẾT QUẢ THẨM ĐỊNH" in text
    assert "16 đơn vị: 1 đơn vị có kết quả được xếp hạng, 15 đơn vị chưa có kết quả" in text
    assert "Chưa có kết quả: chưa thẩm định" in text


@pytest.fixture(scope="module")
def province(core, tmp_path_factory):
    """168 units (a province of the two-tier government), the year's mix of outcomes."""
    store = open_store(tmp_path_factory.mktemp("rep3") / "province", user="bench")
    counts = build_province(core, store, 168)
    flow = Workflow(core, store)
    yield flow, counts
    store.close()


def assert_pages_clean(path, names: list[str]) -> list:
    """Every name appears; no text below the bottom margin but the page number; page 1
    holds more than the title."""
    pages = words_by_page(path)
    for _width, height, words in pages:
        margin = height - 18 * MM
        below = [w for top, bottom, w in words if bottom > margin]
        assert re.fullmatch(r"Trang \d+/\d+", " ".join(below)), below
        assert all(top > 10 * MM for top, _bottom, _w in words)
    text = flat(pdf_text(path))
    missing = [n for n in names if n not in text]
    assert not missing
    return pages


@pytest.mark.slow
def test_ranking_pdf_at_a_province_size_pages(province, tmp_path):
    flow, counts = province
    assert write_ranking(flow, SET, 2025, tmp_path / "r.pdf", day=DAY) == 168
    names = [u.name for u in flow.store.units()]
    pages = assert_pages_clean(tmp_path / "r.pdf", names)
    assert 8 <= len(pages) <= 30, len(pages)
    first = " ".join(w for _t, _b, w in pages[0][2])
    assert "Xếp hạng Đơn vị" in first  # the chart starts on page 1
    text = flat(pdf_text(tmp_path / "r.pdf"))
    nothing = counts["none"] + counts["draft"]
    assert f"168 đơn vị: {168 - nothing} đơn vị có kết quả được xếp hạng" in text
    assert text.count("Chưa có kết quả:") == 2 * nothing  # in the chart and in the table


@pytest.mark.slow
def test_ranking_pdf_at_3321_units_summarises_the_chart(core, tmp_path):
    store = open_store(tmp_path / "country", user="bench")
    build_province(core, store, 3321)
    flow = Workflow(core, store)
    assert write_ranking(flow, SET, 2025, tmp_path / "r.pdf", day=DAY) == 3321
    assert CHART_UNITS < 3321
    text = flat(pdf_text(tmp_path / "r.pdf"))
    assert "biểu đồ dưới đây tóm tắt số đơn vị theo khoảng chỉ số" in text
    assert_pages_clean(tmp_path / "r.pdf", [u.code for u in flow.store.units()])
    write_ranking(flow, SET, 2025, tmp_path / "r.xlsx")
    # streamed (write-only) workbooks carry no dimension: the rows are counted
    sheet = load_workbook(tmp_path / "r.xlsx", read_only=True)["Ranking"]
    assert sum(1 for _row in sheet.iter_rows(values_only=True)) == 3322
    store.close()


def test_report_commands(tmp_path, core, demo_store):
    _demo(core, demo_store, tmp_path / "store", finalize=False).store.close()
    runner = CliRunner()
    base = [
        "--lang",
        "en",
        "--plugins-dir",
        str(tmp_path / "none"),
        "--db",
        str(tmp_path / "store"),
    ]
    out = tmp_path / "r.csv"
    result = runner.invoke(
        cli,
        [
            *base,
            "report",
            "ranking",
            "--set",
            SET,
            "--year",
            "2025",
            "--stage",
            "appraisal",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "16 units" in result.output
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[1][:2] == ["1", "HB-P01"] and rows[2][0] == ""
    result = runner.invoke(
        cli,
        [
            *base,
            "report",
            "ranking",
            "--set",
            SET,
            "--year",
            "2025",
            "--stage",
            "x",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2
    result = runner.invoke(
        cli, [*base, "report", "differences", "--year", "2025", "--out", str(tmp_path / "d.xlsx")]
    )
    assert result.exit_code == 0, result.output
