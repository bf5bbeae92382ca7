"""Minutes rendered for real: WeasyPrint PDFs, read back with pypdf (text, pages, data)."""

from __future__ import annotations

import json
import shutil
import unicodedata

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.minutes import DATA_NAME, make_minutes
from inspect_tool.resources import shipped_dir
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow


@pytest.fixture
def flow(core, tmp_path):
    store = open_store(tmp_path / "demo", user="Tổ kiểm tra")
    build_demo_store(core, store)
    yield Workflow(core, store)
    store.close()


def inspection(flow: Workflow):
    a = next(x for x in flow.store.assessments() if x.kind == "inspection")
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
            "2024",
            "--out-dir",
            str(tmp_path / "x"),
        ],
    )
    assert none.exit_code == 1 and "no finalized assessment" in none.stderr
