"""Reports across units, written for real: CSV, XLSX (openpyxl reads it back), PDF (pypdf)."""

from __future__ import annotations

import csv

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from inspect_tool.demo import build_demo_store
from inspect_tool.reports import ranking, write_differences, write_ranking
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow


@pytest.fixture(scope="module")
def flow(core, tmp_path_factory):
    store = open_store(tmp_path_factory.mktemp("rep") / "demo", user="Sở Nội vụ")
    build_demo_store(core, store)
    flow = Workflow(core, store)
    appraisal = next(a for a in store.assessments() if a.kind == "appraisal")
    flow.submit(appraisal.id)
    yield flow
    store.close()


def test_ranking_prefers_the_appraisal_and_shares_ranks(flow):
    cset, rows = ranking(flow, "cchc-xa-2025", 2025)
    assert len(rows) == 10  # the ten units whose scoring is submitted
    hb = next(r for r in rows if r.unit == "HB-P01")
    assert hb.kind == "appraisal"
    assert [r.rank for r in rows][0] == "1/10"
    assert all(a.code in rows[0].areas for a in cset.areas)
    indices = [r.index for r in rows]
    assert indices == sorted(indices, reverse=True)


def test_csv_and_xlsx(flow, tmp_path):
    write_ranking(flow, "cchc-xa-2025", 2025, tmp_path / "r.csv")
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads the Vietnamese right
    rows = list(csv.reader((tmp_path / "r.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 11 and rows[1][0] == "1/10"
    write_ranking(flow, "cchc-xa-2025", 2025, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx")
    assert len(book.sheetnames) == 2
    sheet = book[book.sheetnames[0]]
    total = sheet.cell(row=2, column=5)
    assert isinstance(total.value, float) and total.number_format == "0.00"
    assert sheet.cell(row=2, column=5).data_type == "n"  # a number, not a formula or text
    shares = book[book.sheetnames[1]]
    assert shares.cell(row=2, column=4).number_format == "0.0%"


def test_ranking_pdf_has_a_chart_and_the_heat_table(flow, tmp_path):
    write_ranking(flow, "cchc-xa-2025", 2025, tmp_path / "r.pdf")
    reader = PdfReader(tmp_path / "r.pdf")
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "KẾT QUẢ XÁC ĐỊNH CHỈ SỐ CẢI CÁCH HÀNH CHÍNH NĂM 2025" in text
    assert "1/10 Phường" in text and "Tỷ lệ điểm đạt theo lĩnh vực" in text
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # A4 landscape
    xobjects = page["/Resources"].get("/XObject") or {}
    images = [x for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]
    assert images == []  # the chart is vector graphics, not a picture of a plot


def test_differences(flow, tmp_path):
    assert write_differences(flow, 2025, tmp_path / "d.csv") == 1
    rows = list(csv.reader((tmp_path / "d.csv").open(encoding="utf-8-sig")))
    assert rows[1][2] == "1.1.1" and "20/02/2025" in rows[1][6]
    write_differences(flow, 2025, tmp_path / "d.pdf")
    text = " ".join(PdfReader(tmp_path / "d.pdf").pages[0].extract_text().split())
    assert "1.1.1" in text and "Ngày ký số trên kế hoạch" in text
