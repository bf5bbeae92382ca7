"""Minutes rendered for real: WeasyPrint PDFs, read back with pypdf (text, pages, data)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from inspect_tool import vn_format as vn
from inspect_tool.cli import cli
from inspect_tool.minutes import DATA_NAME, evidence_line, make_minutes, sentence
from inspect_tool.model import Evidence
from inspect_tool.resources import shipped_dir
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow, WorkflowError


@pytest.fixture
def flow(core, tmp_path, demo_store):
    store = open_store(demo_store(tmp_path / "demo", "Tổ kiểm tra"), user="Tổ kiểm tra")
    yield Workflow(core, store)
    store.close()


def inspection(flow: Workflow):
    a = next(x for x in flow.store.assessments() if x.kind == "inspection" and x.state == "draft")
    flow.answer(
        a.id, "C.1", {"numerator": "4541", "denominator": "4545", "received": "4545"}, evidence=[]
    )
    flow.add_finding(a.id, "C", 'Chưa gửi thư xin lỗi <img src="file:///etc/passwd"> & <b>x</b>')
    flow.add_recommendation(a.id, "D", "Gửi thư xin lỗi cho 4 hồ sơ quá hạn", "2026-01-31")
    flow.update_header(a.id, ended="2025-11-20T11:45")
    return flow.get(a.id)


def text_of(path) -> str:
    reader = PdfReader(path)
    text = "\n".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())  # table cells wrap lines


def test_minutes_of_an_inspection(flow, tmp_path):
    a = inspection(flow)
    out = make_minutes(flow, a.id, tmp_path / "bb.pdf")
    reader = PdfReader(out)
    assert len(reader.pages) >= 2
    text = text_of(out)
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "BIÊN BẢN",
        "Phường Đông Sơn",
        "Trần Thị Bình",
        "Trưởng đoàn",
        "Tồn tại, hạn chế",
        "Kiến nghị",
        "Thời hạn thực hiện: 31/01/2026.",
        "Số: …/BB-ĐKT",
        "TRƯỞNG ĐOÀN KIỂM TRA",
        "vào hồi 08 giờ 30, ngày 20 tháng 11 năm 2025, tại Trụ sở UBND phường Đông Sơn",
        "kiểm tra công tác cải cách hành chính năm 2025 tại phường Đông Sơn.",
        "kết thúc vào hồi 11 giờ 45",
        "Tổng số hồ sơ tiếp nhận trong kỳ: 4545",
        "4541/4545 = 99,91%",
        "DỰ THẢO",
        "Nơi nhận:",
    ):
        assert expected in text, expected
    # what a user typed is text, never markup, and nothing outside the report is read
    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text
    # the data travels inside the document
    files = reader.attachments
    data = json.loads(files[DATA_NAME][0])
    cset = flow.engine(a).cset
    assert data["set"] == {"id": cset.id, "version": cset.version, "hash": cset.hash}
    assert data["assessment"]["id"] == a.id
    assert data["scores"]["total"] == flow.scores(a).total
    # fonts embedded, PDF/A-3 declared
    xmp = reader.xmp_metadata
    assert xmp is not None and "pdfaid" in str(
        reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    )
    for page in reader.pages:  # A4 portrait: 210 × 297 mm = 595.3 × 841.9 pt
        assert abs(float(page.mediabox.width) - 595.3) < 1
        assert abs(float(page.mediabox.height) - 841.9) < 1
    fonts = {
        id(f.get_object()): f.get_object()
        for page in reader.pages
        for f in (page["/Resources"].get("/Font") or {}).values()
    }
    assert fonts
    for font in fonts.values():  # every font embedded, and the Times-metric Liberation Serif
        inner = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = inner["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        assert "Liberation" in str(descriptor["/FontName"])


def test_appraisal_minutes_show_both_scores_and_reasons(flow, tmp_path):
    a = next(x for x in flow.store.assessments() if x.kind == "appraisal")
    text = text_of(make_minutes(flow, a.id, tmp_path / "td.pdf"))
    assert "Tự" in text and "chấm" in text
    assert "Ngày ký số trên kế hoạch là 20/02/2025" in text
    # the changed item: self 0,5, appraised 0,25, a real minus sign in the difference
    assert "1.1.1 Ban hành kế hoạch CCHC năm đúng thời hạn 0,5 0,5 0,25 −0,25" in text


def test_own_template_folder(flow, tmp_path):
    mine = tmp_path / "mine"
    shutil.copytree(shipped_dir("reports") / "minutes", mine)
    html = (mine / "base.html").read_text(encoding="utf-8")
    (mine / "base.html").write_text(
        html.replace("{{ words.title }}", "BIÊN BẢN RIÊNG CỦA TỈNH"), encoding="utf-8"
    )
    a = inspection(flow)
    text = text_of(make_minutes(flow, a.id, tmp_path / "own.pdf", templates=mine))
    assert "BIÊN BẢN RIÊNG CỦA TỈNH" in text


def test_minutes_command_one_and_all(flow, tmp_path):
    a = inspection(flow)
    for other in [x for x in flow.store.assessments() if x.state == "submitted"][:2]:
        flow.finalize(other.id)
    db = str(flow.store.path)
    flow.store.close()
    runner = CliRunner()
    one = runner.invoke(
        cli, ["--lang", "en", "--db", db, "minutes", a.id[:8], "--out", str(tmp_path / "a.pdf")]
    )
    assert one.exit_code == 0, one.output
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF-")
    usage = runner.invoke(cli, ["--lang", "en", "--db", db, "minutes", a.id[:8]])
    assert usage.exit_code == 2
    every = runner.invoke(
        cli,
        [
            "--db",
            db,
            "minutes",
            "--all",
            "--year",
            "2025",
            "--out-dir",
            str(tmp_path / "all"),
            "--jobs",
            "2",
        ],
    )
    assert every.exit_code == 0, every.output
    made = sorted((tmp_path / "all").glob("*.pdf"))
    assert len(made) == 2 and all(p.stat().st_size > 10_000 for p in made)
    none = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "--db",
            db,
            "minutes",
            "--all",
            "--year",
            "2023",
            "--out-dir",
            str(tmp_path / "x"),
        ],
    )
    assert none.exit_code == 1 and "no finalized assessment" in none.stderr


# -- one document per kind, in Vietnamese conventions, laid out as Decree 30 -----------------


def self_assessment(flow: Workflow):
    return flow.store.assessment(appraisal(flow).base)


def appraisal(flow: Workflow):
    return next(x for x in flow.store.assessments() if x.kind == "appraisal")


@pytest.mark.slow  # the longest of the default run; CI runs it
def test_each_kind_is_its_own_document(flow, tmp_path):
    from inspect_tool.signing import signature_fields

    made = {
        kind: make_minutes(flow, a.id, tmp_path / f"{kind}.pdf")
        for kind, a in (
            ("self", self_assessment(flow)),
            ("appraisal", appraisal(flow)),
            ("inspection", inspection(flow)),
        )
    }
    own = text_of(made["self"])
    for expected in (
        "ỦY BAN NHÂN DÂN PHƯỜNG HÒA BÌNH",
        "Số: …/BC-UBND",
        "Hòa Bình, ngày 10 tháng 12 năm 2025",
        "BÁO CÁO Kết quả tự đánh giá, chấm điểm xác định Chỉ số cải cách hành chính năm 2025",
        "Ủy ban nhân dân phường Hòa Bình báo cáo",
        "Điểm tự chấm",
        "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
    ):
        assert expected in own, expected
    for absent in ("Đoàn kiểm tra", "ĐOÀN KIỂM TRA", "BIÊN BẢN", "SỞ NỘI VỤ"):
        assert absent not in own, absent
    appraised = text_of(made["appraisal"])
    for expected in (
        "SỞ NỘI VỤ TỔ THẨM ĐỊNH",
        "Số: …/BB-TTĐ",
        "Hòa An, ngày 15 tháng 01 năm 2026",
        "Thẩm định kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm 2025 của "
        "phường Hòa Bình",
        "1. Tổ thẩm định: - Ông/Bà Phạm Minh Đức, Tổ trưởng Tổ thẩm định;",
        "Điểm tự chấm Điểm thẩm định Chênh lệch Lý do điều chỉnh",
        "Tổng điểm tự chấm:",
        "Tổng điểm thẩm định:",
        "TỔ TRƯỞNG TỔ THẨM ĐỊNH",
        "ĐẠI DIỆN PHƯỜNG HÒA BÌNH",
    ):
        assert expected in appraised, expected
    for absent in ("Đoàn kiểm tra", "ĐOÀN KIỂM TRA", "kiểm tra tiến hành"):
        assert absent not in appraised, absent
    titles = {kind: PdfReader(path).metadata.title for kind, path in made.items()}
    assert titles["self"].startswith("Báo cáo kết quả tự đánh giá")
    assert titles["appraisal"].startswith("Biên bản thẩm định")
    assert titles["inspection"].startswith("Biên bản kiểm tra")
    assert set(signature_fields(made["self"])) == {"sig-head"}
    assert set(signature_fields(made["appraisal"])) == {"sig-unit", "sig-team"}


ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
POINT_DECIMAL = re.compile(r"\d\.\d+ ?(%|điểm)")
HYPHEN_NUMBER = re.compile(r"(?<![\w/.])-\d")


@pytest.mark.slow  # the longest of the default run; CI runs it
def test_vietnamese_conventions_in_every_sentence(flow, tmp_path):
    a = inspection(flow)
    flow.answer(
        a.id,
        "A.1.1",
        {"date": "2025-01-20"},
        evidence=[Evidence("Biên bản họp giao ban quý I", "2025-01-20", "UBND phường")],
    )
    for ref in (a.id, appraisal(flow).id, self_assessment(flow).id):
        text = text_of(make_minutes(flow, ref, tmp_path / f"{ref}.pdf"))
        assert ISO_DATE.findall(text) == []
        assert POINT_DECIMAL.findall(text) == []
        assert HYPHEN_NUMBER.findall(text) == [], "a minus is −, and −0 never appears"
        assert "−0 " not in text and "−0," not in text.replace("−0,", "") + ""
        assert "?:" not in text
        assert "(điểm thưởng, điểm trừ)" not in text or "Điểm thưởng, điểm trừ (" not in text
        assert "cchc-xa-2025" not in text and "kiem-tra-mot-cua-2025" not in text
        assert "Số Biên bản" not in text
    text = text_of(make_minutes(flow, a.id, tmp_path / "again.pdf"))
    assert "Biên bản họp giao ban quý I, ngày 20/01/2025, UBND phường" in text


def test_formats():
    assert vn.number(-0.001) == "0"
    assert vn.number(-2.5) == "−2,5"
    assert vn.number(81.8, 2) == "81,80"
    assert vn.percent(99.914) == "99,91 %"
    assert vn.date_prose(dt.date(2025, 11, 20)) == "ngày 20 tháng 11 năm 2025"
    assert vn.time_of_day(dt.datetime(2025, 11, 20, 8, 30)) == "08 giờ 30"
    assert vn.unit_in_text("Phường Đông Sơn") == "phường Đông Sơn"
    assert vn.unit_in_text("Đặc khu Côn Đảo") == "đặc khu Côn Đảo"
    assert sentence("Không có") == "Không có." and sentence("Xong.") == "Xong."
    assert evidence_line(Evidence("12/KH-UBND", "2025-01-15", "UBND xã")) == (
        "Số 12/KH-UBND, ngày 15/01/2025, UBND xã"
    )
    assert evidence_line(Evidence("Sổ theo dõi hồ sơ")) == "Sổ theo dõi hồ sơ"


def test_a_settings_pattern_reaches_only_plain_fields():
    from inspect_tool.settings import fill
    from inspect_tool.yaml_lines import ProblemsError

    assert fill("{seq}/BB-{code}", {"seq": "12", "code": "SNV"}) == "12/BB-SNV"
    for bad in ("{unit.__class__.__mro__}", "{unit[0]}", "{0}", "{seq!r}", "{seq:>9}", "{"):
        with pytest.raises(ProblemsError):
            fill(bad, {"seq": "12", "unit": "HB-P01"}, "settings: documents.inspection.x")


def boxes(flow: Workflow, ref: str):
    """The laid-out pages of the document (WeasyPrint's own boxes), to check where things
    fall: on which page, at what height."""
    from weasyprint import HTML

    from inspect_tool.minutes import _fetcher, minutes_context, render_html, template_dir
    from inspect_tool.settings import load_settings

    a = flow.get(ref)
    folder = template_dir()
    html = render_html(minutes_context(flow, a, load_settings()), folder)
    document = HTML(string=html, base_url=str(folder) + "/", url_fetcher=_fetcher([folder]))
    return document.render()


def classes(box) -> str:
    element = getattr(box, "element", None)
    return (element.get("class") or "") if element is not None else ""


def test_layout_rules_hold_on_every_page(flow):
    for ref in (self_assessment(flow).id, appraisal(flow).id, inspection(flow).id):
        document = boxes(flow, ref)
        rows = []  # (page, class of the row) in document order
        for number, page in enumerate(document.pages):
            found = [
                b
                for b in page._page_box.descendants()
                if getattr(b, "element_tag", "") in ("tr", "h4")
            ]
            rows += [(number, b.element_tag, classes(b)) for b in found]
        for (page, tag, cls), (next_page, _tag, _cls) in zip(rows, rows[1:], strict=False):
            if tag == "h4" or "group" in cls.split():
                assert page == next_page, "a heading or group row ended a page"
        first = document.pages[0]._page_box
        number = next(b for b in first.descendants() if "number" in classes(b).split())
        place = next(b for b in first.descendants() if "place-date" in classes(b).split())
        assert number.position_y == place.position_y  # "Số:" level with the place and date
        pages_of = {}
        for n, page in enumerate(document.pages):
            for b in page._page_box.descendants():
                for name in ("closing", "signatures", "blank-line"):
                    if name in classes(b).split():
                        pages_of.setdefault(name, set()).add(n)
                if "blank-line" in classes(b).split():  # dotted lines stay inside the text
                    box = page._page_box
                    assert b.position_x + b.margin_width() <= box.margin_left + box.width + 0.5
        assert pages_of["closing"] == pages_of["signatures"]  # signatures never alone


def texts_at_top(page) -> list[tuple[str, float]]:
    """The texts in the page's top margin (above 20 mm from the top), with their x."""
    found = []

    def visit(text, cm, tm, _font, _size):
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        if text.strip() and y > 841.9 - 20 * 2.835:
            found.append((text.strip(), x))

    page.extract_text(visitor_text=visit)
    return found


def test_page_numbers_top_centre_from_the_second_page(flow, tmp_path):
    out = make_minutes(flow, inspection(flow).id, tmp_path / "bb.pdf")
    reader = PdfReader(out)
    assert len(reader.pages) >= 3
    assert texts_at_top(reader.pages[0]) == []
    for n, page in enumerate(reader.pages[1:], 2):
        [(text, x)] = texts_at_top(page)
        assert text == str(n)
        assert 300 < x < 360  # centred on the text block (30 mm left, 15 mm right)


def test_the_unit_opinion_is_recorded_and_printed(flow, tmp_path):
    a = inspection(flow)
    db = str(flow.store.path)
    flow.store.close()
    runner = CliRunner()
    said = "Đơn vị thống nhất với kết quả kiểm tra và sẽ khắc phục trước ngày 31/01/2026."
    done = runner.invoke(cli, ["--db", db, "assess", "opinion", a.id[:8], said])
    assert done.exit_code == 0, done.output
    store = open_store(Path(db), user="Tổ kiểm tra")
    try:
        text = text_of(make_minutes(Workflow(flow.core, store), a.id, tmp_path / "o.pdf"))
    finally:
        store.close()
    assert f"V. Ý kiến của phường Đông Sơn {said}" in text


def test_final_documents_need_their_date_and_place(flow):
    a = appraisal(flow)
    flow.update_header(a.id, place="")
    flow.submit(a.id)
    with pytest.raises(WorkflowError, match="the place"):
        flow.finalize(a.id)
    assert flow.get(a.id).state == "submitted"
    flow.reopen(a.id, "ghi địa điểm họp")
    flow.update_header(a.id, place="Sở Nội vụ", started="")
    flow.submit(a.id)
    with pytest.raises(WorkflowError, match="the date"):
        flow.finalize(a.id)
    flow.reopen(a.id, "ghi ngày họp")
    with pytest.raises(WorkflowError, match="not a date"):
        flow.update_header(a.id, started="20/11/2025")  # stored as ISO, never as typed
    flow.update_header(a.id, started="2026-01-15T08:30")
    flow.submit(a.id)
    assert flow.finalize(a.id).state == "finalized"
    # a self-assessment's report is dated the day it is submitted, when no date was recorded
    own = self_assessment(flow)
    assert own.started.startswith("2025-12-10")


def test_a_self_assessment_is_dated_when_submitted(flow):
    import dataclasses
    import random

    from inspect_tool.samples import sample_answers
    from inspect_tool.store import Change
    from inspect_tool.workflow import record_from_answer

    unit = flow.store.units()[-1]  # the demo leaves the last units without a self-assessment
    a = flow.new(unit.code, "cchc-xa-2025", 2025, "self")
    engine = flow.engine(a)
    answers = sample_answers(engine, random.Random(1), quality=1.0)
    items = {
        code: record_from_answer(
            code, answer, (Evidence("01/BC-UBND"),) if engine.item(code).evidence_required else ()
        )
        for code, answer in answers.items()
    }
    flow.store.save(dataclasses.replace(a, items=items), [Change("answers", None, len(items))])
    assert flow.get(a.id).started == ""
    submitted = flow.submit(a.id)
    vietnam = dt.timezone(dt.timedelta(hours=7))
    assert dt.datetime.fromisoformat(submitted.started).date() == dt.datetime.now(vietnam).date()


def test_snapshot_of_each_kind(flow, tmp_path):
    """Page counts and where the key lines stand on the first page, for the demo's documents:
    a change of layout shows here (update the figures when it is meant)."""
    expected = {"self": 10, "appraisal": 8, "inspection": 5}
    for kind, a in (
        ("self", self_assessment(flow)),
        ("appraisal", appraisal(flow)),
        ("inspection", inspection(flow)),
    ):
        reader = PdfReader(make_minutes(flow, a.id, tmp_path / f"{kind}.pdf"))
        assert len(reader.pages) == expected[kind], kind
        where = {}

        def visit(text, cm, tm, _font, _size, where=where):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            for key in ("CỘNG HÒA", "Số:", "BIÊN BẢN", "BÁO CÁO", "DỰ THẢO"):
                if unicodedata.normalize("NFC", text).startswith(key):
                    where.setdefault(key, (round(x), round(y)))

        reader.pages[0].extract_text(visitor_text=visit)
        assert 770 < where["CỘNG HÒA"][1] < 790  # the motto's line under the 20 mm margin
        assert where["Số:"][0] < 200  # the number on the left, under the issuer
        title = where.get("BÁO CÁO" if kind == "self" else "BIÊN BẢN")
        assert title is not None and 270 < title[0] < 320 and title[1] < where["Số:"][1]


def test_a_deadline_is_typed_as_people_write_it(flow):
    a = inspection(flow)
    kept = flow.add_recommendation(a.id, "D", "Niêm yết lại thủ tục", "31/3/2026")
    assert kept.recommendations[-1].deadline == "2026-03-31"
    with pytest.raises(WorkflowError, match="not a real date"):
        flow.add_recommendation(a.id, "D", "Niêm yết lại thủ tục", "31/02/2026")
    with pytest.raises(WorkflowError, match="not a date"):
        flow.add_recommendation(a.id, "D", "Niêm yết lại thủ tục", "3102026")
