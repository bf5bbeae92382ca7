"""Signatures for real: test certificates made here, pyHanko signing, our verify and pdfsig.

Every document here is a real PDF made by the tool, signed with real (test) certificates. The
signature fields are read from each PDF, never named here: each kind of document has its own.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.minutes import make_minutes
from inspect_tool.signed_import import import_signed_minutes
from inspect_tool.signing import (
    SigningError,
    all_good,
    configured_trust,
    load_trust,
    make_test_cert,
    sign_pdf,
    signature_fields,
    verify_pdf,
)
from inspect_tool.store import open_store
from inspect_tool.store.bundle import BundleError
from inspect_tool.workflow import Workflow

PW = b"mat-khau"
NAMES = ("Trần Thị Bình", "Lê Văn Cường")


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path, monkeypatch):
    """The machine's own settings (and trust store) stay out of these tests."""
    monkeypatch.setenv("INSPECT_TOOL_SETTINGS", str(tmp_path / "none.yaml"))


def finalize(flow: Workflow, a) -> None:
    """A final document needs its date and place recorded, and the assessment finalized."""
    if a.state != "draft":
        flow.reopen(a.id, "ghi ngày, địa điểm")
    flow.update_header(a.id, place="Trụ sở UBND", started="2025-11-20T08:30")
    flow.submit(a.id)
    flow.finalize(a.id)


@pytest.fixture(scope="module")
def minutes(core, tmp_path_factory):
    """final.pdf: an appraisal's minutes, finalized (two signature blocks); self.pdf: a unit's
    self-assessment report, finalized (its own fields); draft.pdf: an inspection still in
    progress; a certificate per signer (.p12 and .pem)."""
    folder = tmp_path_factory.mktemp("sig")
    with open_store(folder / "demo", user="t") as store:
        build_demo_store(core, store)
        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.kind == "appraisal")
        finalize(flow, a)
        make_minutes(flow, a.id, folder / "final.pdf")
        own = next(x for x in store.assessments() if x.kind == "self" and x.state == "submitted")
        finalize(flow, own)
        make_minutes(flow, own.id, folder / "self.pdf")
        draft = next(
            x for x in store.assessments() if x.kind == "inspection" and x.state == "draft"
        )
        assert draft.state == "draft"
        make_minutes(flow, draft.id, folder / "draft.pdf")
    make_test_cert(folder / "a.p12", NAMES[0], "Sở Nội vụ", password=PW)
    make_test_cert(folder / "b.p12", NAMES[1], "UBND phường", password=PW)
    return folder


def fields_of(pdf: Path) -> list[str]:
    fields = list(signature_fields(pdf))
    assert fields and all(f.startswith("sig-") for f in fields), fields
    return fields


def sign_all(minutes: Path, out: Path, pdf: Path | None = None) -> list[Path]:
    """Every field of the document signed in turn, by the two signers alternately; the file
    after each signature."""
    current, steps = pdf or minutes / "final.pdf", []
    for i, field in enumerate(fields_of(current)):
        p12 = minutes / ("a.p12" if i % 2 == 0 else "b.p12")
        current = sign_pdf(current, field, p12, PW, out=out / f"signed-{i + 1}.pdf", role="Vai trò")
        steps.append(current)
    return steps


def trust(minutes: Path) -> list[Path]:
    return [minutes / "a.pem", minutes / "b.pem"]


def test_minutes_have_named_empty_signature_fields(minutes):
    fields = signature_fields(minutes / "final.pdf")
    assert len(fields) >= 2 and not any(fields.values())  # an appraisal: team and unit


def test_two_signers_in_turn_all_good(minutes, tmp_path):
    *_, signed = sign_all(minutes, tmp_path)
    reports = verify_pdf(signed, trust(minutes))
    assert [r.field for r in reports] == fields_of(minutes / "final.pdf")
    assert all(r.ok and r.signed and r.intact and r.valid and r.trusted for r in reports)
    assert all_good(reports)
    assert [r.changed_after for r in reports][-1] == "none"
    assert all(c == "signatures" for c in [r.changed_after for r in reports][:-1])
    assert NAMES[0] in reports[0].signer and reports[0].signed_at.endswith("+07:00")
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(signed)], capture_output=True, text=True).stdout
        assert out.count("Signature Validation: Signature is Valid.") == len(reports)


def test_an_untrusted_signer_is_reported_as_such(minutes, tmp_path):
    *_, signed = sign_all(minutes, tmp_path)
    reports = verify_pdf(signed)  # no trust store: intact and valid, not trusted
    assert all(r.intact and r.valid and not r.trusted and not r.ok for r in reports)
    assert all(
        "valid signature, but the signer's certificate is not trusted" in r.reason for r in reports
    )
    assert not all_good(reports)
    only_one = verify_pdf(signed, [minutes / "a.pem"])
    assert [r.trusted for r in only_one] == [NAMES[0] in r.signer for r in only_one]
    assert not all_good(only_one)


def test_empty_fields_are_reported_as_not_signed(minutes, tmp_path):
    first, *_ = sign_all(minutes, tmp_path)
    reports = verify_pdf(first, trust(minutes))
    assert [r.signed for r in reports] == [True] + [False] * (len(reports) - 1)
    assert reports[0].ok and all(r.reason == "not signed" for r in reports[1:])
    assert not all_good(reports)  # a document half signed is not a document of record
    assert not all_good(verify_pdf(minutes / "final.pdf", trust(minutes)))


def test_a_draft_is_never_signed(minutes, tmp_path):
    draft = minutes / "draft.pdf"
    before = draft.read_bytes()
    field = fields_of(draft)[0]
    with pytest.raises(SigningError, match="not finalized; finalize it first"):
        sign_pdf(draft, field, minutes / "a.p12", PW, out=tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    # the command line refuses before asking for a password (none is given here)
    shutil.copy(draft, tmp_path / "draft.pdf")
    result = CliRunner().invoke(
        cli,
        ["--lang", "en", "sign", str(tmp_path / "draft.pdf"), "--field", field]
        + ["--p12", str(minutes / "a.p12")],
        input="",
    )
    assert result.exit_code == 1, result.output
    assert "is draft, not finalized; finalize it first" in result.output
    assert "Password" not in result.output
    assert (tmp_path / "draft.pdf").read_bytes() == before


def test_the_stamp_shows_the_signing_time_as_vietnamese_writes_it(minutes, tmp_path):
    from pypdf import PdfReader
    from pypdf._page import PageObject
    from pypdf.generic import NameObject

    first, *_ = sign_all(minutes, tmp_path)
    reader = PdfReader(first)
    texts = []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/V") is None:
                continue
            appearance = annot["/AP"]["/N"]
            holder = PageObject(pdf=reader)
            holder[NameObject("/Contents")] = appearance
            holder[NameObject("/Resources")] = appearance.get_object()["/Resources"]
            holder[NameObject("/MediaBox")] = annot["/Rect"]
            texts.append(holder.extract_text())
    (text,) = texts
    assert f"Ký bởi: {NAMES[0]}" in text and "Vai trò" in text
    assert re.search(r"Thời gian ký: \d\d giờ \d\d, \d\d/\d\d/20\d\d", text), text


# -- PDF/A-3b invariants, before and after each signature -----------------------------------

RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
XMP_OF_INFO = {  # the document information entries and their XMP properties (ISO 19005-3 6.6.3)
    "/Title": "{http://purl.org/dc/elements/1.1/}title",
    "/Author": "{http://purl.org/dc/elements/1.1/}creator",
    "/Subject": "{http://purl.org/dc/elements/1.1/}description",
    "/Keywords": "{http://ns.adobe.com/pdf/1.3/}Keywords",
    "/Creator": "{http://ns.adobe.com/xap/1.0/}CreatorTool",
    "/Producer": "{http://ns.adobe.com/pdf/1.3/}Producer",
    "/CreationDate": "{http://ns.adobe.com/xap/1.0/}CreateDate",
    "/ModDate": "{http://ns.adobe.com/xap/1.0/}ModifyDate",
}
PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


def xmp_properties(xml: bytes) -> dict[str, str]:
    """Simple values of the XMP packet, whether written as attributes or elements (the first
    item of an Alt, Seq or Bag)."""
    found = {}
    for description in ET.fromstring(xml).iter(f"{RDF}Description"):
        for key, value in description.attrib.items():
            found[key] = value
        for child in description:
            items = [li.text or "" for li in child.iter(f"{RDF}li")]
            found[child.tag] = items[0] if items else (child.text or "")
    return found


def pdf_date(text: str) -> dt.datetime:
    m = re.fullmatch(r"D:(\d{14})(?:([+-])(\d\d)'?(\d\d)'?|Z)?", text.replace("Z00'00'", "Z"))
    assert m, text
    moment = dt.datetime.strptime(m.group(1), "%Y%m%d%H%M%S")
    if m.group(2):
        sign = 1 if m.group(2) == "+" else -1
        offset = dt.timedelta(hours=int(m.group(3)), minutes=int(m.group(4)))
        return moment.replace(tzinfo=dt.timezone(sign * offset))
    return moment.replace(tzinfo=dt.UTC)


def walk(obj, seen: set, found: list) -> None:
    """Every dictionary (and stream dictionary) reachable from obj, once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if isinstance(obj, IndirectObject):
        key = (obj.idnum, obj.generation)
        if key in seen:
            return
        seen.add(key)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        found.append(obj)
        for value in obj.values():
            walk(value, seen, found)
    elif isinstance(obj, ArrayObject):
        for value in obj:
            walk(value, seen, found)


def pdfa_problems(path: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.generic import IndirectObject

    problems = []
    data = path.read_bytes()
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    if not data.startswith(b"%PDF-1."):
        problems.append(f"header {data[:8]!r}")
    if not str(root.get("/Version", "/1.7")).startswith("/1."):
        problems.append(f"catalog declares PDF {root['/Version']}")
    if "/Encrypt" in reader.trailer:
        problems.append("encrypted")
    if "/ID" not in reader.trailer:
        problems.append("no file identifier")
    # metadata: PDF/A-3b declared, and every document information entry agrees with the XMP
    xmp = xmp_properties(root["/Metadata"].get_object().get_data())
    if (xmp.get(f"{PDFAID}part"), xmp.get(f"{PDFAID}conformance")) != ("3", "B"):
        problems.append("XMP does not declare PDF/A-3b")
    info = reader.trailer["/Info"].get_object()
    if "/Producer" not in info or XMP_OF_INFO["/Producer"] not in xmp:
        problems.append("producer missing from the information or the XMP")
    for key, value in info.items():
        if key not in XMP_OF_INFO:
            continue
        there = xmp.get(XMP_OF_INFO[key])
        if key in ("/CreationDate", "/ModDate"):
            same = there is not None and pdf_date(str(value)) == dt.datetime.fromisoformat(there)
        else:
            same = there == str(value)
        if not same:
            problems.append(f"{key} {str(value)!r} but XMP {there!r}")
    # colour: an output intent with its profile
    intents = [i.get_object() for i in root.get("/OutputIntents") or []]
    if not any(i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        problems.append("no PDF/A output intent")
    # scripts and actions
    names = root.get("/Names") or {}
    if "/JavaScript" in names:
        problems.append("document JavaScript")
    if "/AA" in root:
        problems.append("catalog additional actions")
    found: list = []
    walk(reader.trailer.raw_get("/Root"), set(), found)
    for d in found:
        if d.get("/S") in ("/JavaScript", "/Launch", "/ImportData", "/ResetForm"):
            problems.append(f"action {d.get('/S')}")
        if "/JS" in d:
            problems.append("a /JS script")
        if d.get("/Type") == "/Page" and "/AA" in d:
            problems.append("page additional actions")
        if d.get("/Type") == "/Font" and d.get("/Subtype") not in ("/Type0", "/Type3"):
            descriptor = d.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font {d.get('/BaseFont')} not embedded")
        if d.get("/Subtype") == "/Widget" or d.get("/Type") == "/Annot":
            flags = int(d.get("/F", 0))
            if not flags & 4 or flags & (1 | 2 | 32):
                problems.append(f"annotation flags {flags}")
            if "/AA" in d:
                problems.append("annotation additional actions")
            rect = [float(x) for x in d.get("/Rect", [0, 0, 0, 0])]
            if rect[2] > rect[0] and rect[3] > rect[1] and set(d.get("/AP", {})) != {"/N"}:
                problems.append(f"annotation appearance {sorted(d.get('/AP', {}))}")
    form = root.get("/AcroForm")
    if form is not None and form.get_object().get("/NeedAppearances"):
        problems.append("NeedAppearances")
    # the attachment: a file specification with its relationship, listed once in /AF
    embedded = names["/EmbeddedFiles"]["/Names"]
    specs = [embedded.get_object()[i] for i in range(1, len(embedded), 2)]
    refs = [(s.idnum, s.generation) for s in specs if isinstance(s, IndirectObject)]
    listed = [(x.idnum, x.generation) for x in root.get("/AF") or []]
    if sorted(listed) != sorted(refs):
        problems.append(f"/AF lists {listed}, the attachments are {refs}")
    for spec in specs:
        spec = spec.get_object()
        if spec.get("/AFRelationship") not in ("/Data", "/Source", "/Alternative", "/Supplement"):
            problems.append(f"attachment relationship {spec.get('/AFRelationship')}")
        if not {"/F", "/UF"} <= set(spec):
            problems.append("attachment without /F and /UF")
        if "/Subtype" not in spec["/EF"]["/F"].get_object():
            problems.append("attachment without a MIME type")
    return problems


@pytest.mark.parametrize("document", ["final.pdf", "self.pdf"])
def test_pdfa_3b_before_and_after_each_signature(minutes, tmp_path, document):
    steps = sign_all(minutes, tmp_path, minutes / document)
    assert len(steps) >= (2 if document == "final.pdf" else 1)
    for pdf in [minutes / document, *steps]:
        assert pdfa_problems(pdf) == [], pdf.name
    assert all_good(verify_pdf(steps[-1], trust(minutes)))  # the fixes broke no signature


def test_the_invariants_catch_what_pyhanko_alone_leaves(minutes, tmp_path):
    """Without keep_pdfa and the PDF 1.7 signer, the producer and /AF would be wrong."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(minutes / "a.p12"), passphrase=PW)
    field = fields_of(minutes / "final.pdf")[0]
    with (minutes / "final.pdf").open("rb") as f, (tmp_path / "plain.pdf").open("wb") as out:
        writer = IncrementalPdfFileWriter(f, strict=False)
        info = writer.trailer["/Info"]
        from pyhanko.pdf_utils import generic

        info[generic.pdf_name("/Producer")] = generic.TextStringObject("WeasyPrint")
        writer.update_container(info)
        signers.sign_pdf(
            writer,
            signers.PdfSignatureMetadata(field_name=field),
            signer=signer,
            output=out,
            existing_fields_only=True,
        )
    problems = pdfa_problems(tmp_path / "plain.pdf")
    assert any("/Producer" in p for p in problems), problems
    assert any("catalog declares PDF /2.0" in p for p in problems), problems


# -- the trust store ------------------------------------------------------------------------


def test_trust_store_from_the_settings(minutes, tmp_path, monkeypatch):
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    certs = tmp_path / "chung-thu"
    certs.mkdir()
    shutil.copy(minutes / "a.pem", certs / "a.crt")
    der = x509.load_pem_x509_certificate((minutes / "b.pem").read_bytes())
    (certs / "b.cer").write_bytes(der.public_bytes(Encoding.DER))  # DER too
    (certs / "ghi-chu.txt").write_text("not a certificate")  # other files in a folder: ignored
    settings = tmp_path / "settings.yaml"
    settings.write_text("signing:\n  trust: [chung-thu]\n", encoding="utf-8")
    monkeypatch.setenv("INSPECT_TOOL_SETTINGS", str(settings))
    assert configured_trust() == [certs]  # relative to the settings file
    assert len(load_trust(configured_trust())) == 2
    *_, signed = sign_all(minutes, tmp_path)
    runner = CliRunner()
    ok = runner.invoke(cli, ["--lang", "en", "verify", str(signed)])
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("intact, valid and trusted") == len(fields_of(signed))
    settings.write_text("signing:\n  trust: [khong-co]\n", encoding="utf-8")
    missing = runner.invoke(cli, ["--lang", "en", "verify", str(signed)])
    assert missing.exit_code == 1 and "khong-co does not exist" in missing.output
    (tmp_path / "bad.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    )
    with pytest.raises(SigningError, match="not a certificate"):
        load_trust([tmp_path / "bad.pem"])


def test_verify_command(minutes, tmp_path, monkeypatch):
    monkeypatch.setenv("P12_PASSWORD", PW.decode())
    runner = CliRunner()
    made = runner.invoke(
        cli,
        ["--lang", "en", "keys", "test-cert", "--out", str(tmp_path / "me.p12")]
        + ["--name", "Nguyễn Văn An", "--password-env", "P12_PASSWORD"],
    )
    assert made.exit_code == 0 and (tmp_path / "me.pem").exists()
    shutil.copy(minutes / "final.pdf", tmp_path / "bb.pdf")
    fields = fields_of(tmp_path / "bb.pdf")
    for field in fields:
        signed = runner.invoke(
            cli,
            ["--lang", "en", "sign", str(tmp_path / "bb.pdf"), "--field", field]
            + ["--p12", str(tmp_path / "me.p12"), "--password-env", "P12_PASSWORD"],
        )
        assert signed.exit_code == 0, signed.output
        if field == fields[0]:
            half = runner.invoke(
                cli,
                ["--lang", "en", "verify", str(tmp_path / "bb.pdf")]
                + ["--trust", str(tmp_path / "me.pem")],
            )
            assert half.exit_code == 1 and f"{fields[1]}: not signed" in half.output
    ok = runner.invoke(
        cli,
        ["--lang", "en", "verify", str(tmp_path / "bb.pdf"), "--trust", str(tmp_path / "me.pem")]
        + ["--json"],
    )
    assert ok.exit_code == 0, ok.output
    unsigned = runner.invoke(cli, ["--lang", "en", "verify", str(minutes / "final.pdf")])
    assert unsigned.exit_code == 1 and "no signatures" in unsigned.output
    untrusted = runner.invoke(
        cli,
        ["--lang", "en", "verify", str(tmp_path / "bb.pdf"), "--trust", str(minutes / "b.pem")],
    )
    assert untrusted.exit_code == 1
    assert "valid signature, but the signer's certificate is not trusted" in untrusted.output


# -- signed minutes into a store ------------------------------------------------------------


def store_is_empty(store) -> bool:
    return not store.assessment_ids() and not store.units()


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file() and not p.name.endswith(".lock")
    }


@pytest.mark.parametrize("document", ["final.pdf", "self.pdf"])
def test_round_trip_signed_minutes_into_an_empty_store(core, minutes, tmp_path, document):
    *_, signed = sign_all(minutes, tmp_path, minutes / document)
    assert all_good(verify_pdf(signed, trust(minutes)))
    kind = {"final.pdf": "appraisal", "self.pdf": "self"}[document]
    with open_store(minutes / "demo", user="t", write=False) as source:
        flow = Workflow(core, source)
        a = next(x for x in source.assessments() if x.kind == kind and x.state == "finalized")
        before = flow.scores(a)
    with open_store(tmp_path / "department", user="Sở Nội vụ") as empty:
        there = Workflow(core, empty)
        message = import_signed_minutes(there, signed, trust(minutes))
        assert NAMES[0] in message
        got = there.get(a.id)
        assert got.state == "finalized"
        assert there.scores(got).points == before.points
        assert got.findings == a.findings and got.participants == a.participants
        assert len(got.signed_by) == len(fields_of(signed))
        assert "unchanged" in import_signed_minutes(there, signed, trust(minutes))


def test_import_refuses_what_is_not_a_document_of_record(core, minutes, tmp_path):
    steps = sign_all(minutes, tmp_path)
    # a draft, signed with pyHanko directly (the tool itself refuses to sign one)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(str(minutes / "a.p12"), passphrase=PW)
    draft = minutes / "draft.pdf"
    for i, field in enumerate(fields_of(draft)):
        with draft.open("rb") as f, (tmp_path / f"draft-{i}.pdf").open("wb") as out:
            signers.sign_pdf(
                IncrementalPdfFileWriter(f, strict=False),
                signers.PdfSignatureMetadata(field_name=field),
                signer=signer,
                output=out,
                existing_fields_only=True,
            )
        draft = tmp_path / f"draft-{i}.pdf"
    data = bytearray(steps[-1].read_bytes())
    at = data.find(b"/Producer")
    data[at + 2] ^= 0x01  # one byte inside the signed range
    (tmp_path / "tampered.pdf").write_bytes(bytes(data))
    cases = [
        (minutes / "final.pdf", trust(minutes), "not signed"),
        (steps[0], trust(minutes), f"not signed: {', '.join(fields_of(steps[0])[1:])}"),
        (steps[-1], [], "certificate is not trusted"),
        (steps[-1], [minutes / "a.pem"], "certificate is not trusted"),
        (tmp_path / "tampered.pdf", trust(minutes), "signatures not valid"),
        (draft, [minutes / "a.pem"], "is draft, not finalized"),
    ]
    folder = tmp_path / "department"
    with open_store(folder, user="Sở Nội vụ") as empty:
        there = Workflow(core, empty)
        before = files_in(folder)
        for pdf, trusted, why in cases:
            with pytest.raises(BundleError, match=re.escape(why)):
                import_signed_minutes(there, pdf, trusted)
            assert store_is_empty(empty), pdf.name
        assert files_in(folder) == before  # nothing written, not even the criteria set


def test_import_command_uses_the_trust_store(core, minutes, tmp_path, monkeypatch):
    *_, signed = sign_all(minutes, tmp_path)
    runner = CliRunner()
    db = ["--db", str(tmp_path / "department"), "--lang", "en"]
    refused = runner.invoke(cli, [*db, "import", str(signed)])
    assert refused.exit_code == 1 and "not trusted" in refused.output
    settings = tmp_path / "settings.yaml"
    settings.write_text(
        f"signing:\n  trust: ['{minutes / 'a.pem'}', '{minutes / 'b.pem'}']\n", encoding="utf-8"
    )
    monkeypatch.setenv("INSPECT_TOOL_SETTINGS", str(settings))
    accepted = runner.invoke(cli, [*db, "import", str(signed)])
    assert accepted.exit_code == 0, accepted.output
    assert NAMES[0] in accepted.output and NAMES[1] in accepted.output


# -- what was there before: refusals, tampering, later changes, B-T, tokens -----------------


def test_tampering_is_detected(minutes, tmp_path):
    first, *_ = sign_all(minutes, tmp_path)
    data = bytearray(first.read_bytes())
    at = data.find(b"/Producer")
    data[at + 2] ^= 0x01  # one byte inside the signed range
    (tmp_path / "t.pdf").write_bytes(bytes(data))
    reports = verify_pdf(tmp_path / "t.pdf", trust(minutes))
    assert reports and not reports[0].ok and "changed" in reports[0].reason


def test_refusals_leave_the_input_unchanged(minutes, tmp_path):
    source = minutes / "final.pdf"
    field = fields_of(source)[0]
    before = source.read_bytes()
    with pytest.raises(SigningError, match="wrong password"):
        sign_pdf(source, field, minutes / "a.p12", b"sai", out=tmp_path / "x.pdf")
    with pytest.raises(SigningError, match="no signature field 'sig-boss'"):
        sign_pdf(source, "sig-boss", minutes / "a.p12", PW, out=tmp_path / "x.pdf")
    old = make_test_cert(
        tmp_path / "old.p12",
        "Cũ",
        password=PW,
        days=1,
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
    )
    with pytest.raises(SigningError, match="expired"):
        sign_pdf(source, field, old, PW, out=tmp_path / "x.pdf")
    weak = make_test_cert(tmp_path / "weak.p12", "Không ký", password=PW, signing_usage=False)
    with pytest.raises(SigningError, match="may not be used for signing"):
        sign_pdf(source, field, weak, PW, out=tmp_path / "x.pdf")
    assert source.read_bytes() == before and not (tmp_path / "x.pdf").exists()


def test_later_changes_to_the_page_or_the_data_are_detected(minutes, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed, *_ = sign_all(minutes, tmp_path)

    def update(name: str, change) -> Path:
        with signed.open("rb") as f:
            writer = IncrementalPdfFileWriter(f, strict=False)
            change(writer)
            with (tmp_path / name).open("wb") as out:
                writer.write(out)
        return tmp_path / name

    def add_text(writer) -> None:  # an incremental update drawing on the first page
        stream = generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 700 Td (100 diem) Tj ET")
        writer.add_stream_to_page(0, writer.add_object(stream))

    def replace_data(writer) -> None:  # an incremental update swapping the attached data
        names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
        spec = names[1].get_object()
        fake = generic.StreamObject(stream_data=b'{"format": "forged"}')
        spec["/EF"]["/F"] = writer.add_object(fake)
        writer.update_container(spec)

    for name, change in (("page.pdf", add_text), ("data.pdf", replace_data)):
        reports = verify_pdf(update(name, change), trust(minutes))
        assert not reports[0].ok, name
        assert "changed after signing" in reports[0].reason, reports[0].reason


def test_pades_b_t_with_a_timestamp_authority(minutes, tmp_path):
    """B-T: the signature carries a timestamp token (a local test TSA stands in for a server)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # the test TSA: RSA
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TSA thử nghiệm")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=9))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(key, hashes.SHA256())
    )
    tsa = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    source = minutes / "final.pdf"
    field = fields_of(source)[0]
    signed = sign_pdf(
        source, field, minutes / "a.p12", PW, out=tmp_path / "bt.pdf", timestamper=tsa
    )
    report, *_ = verify_pdf(signed, trust(minutes))
    assert report.intact and report.valid and report.timestamped
    plain, *_ = verify_pdf(
        sign_pdf(source, field, minutes / "a.p12", PW, out=tmp_path / "bb-only.pdf"),
        trust(minutes),
    )
    assert not plain.timestamped


SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"


@pytest.mark.skipif(
    not (shutil.which("softhsm2-util") and __import__("os").path.exists(SOFTHSM)),
    reason="SoftHSM2 (Debian softhsm2, installed by scripts/system-deps.sh)",
)
def test_signing_with_a_pkcs11_token(minutes, tmp_path, monkeypatch):
    """A software token stands in for the USB token: the key never leaves it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    (tmp_path / "tokens").mkdir()
    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\n")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    subprocess.run(
        [
            "softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "thu-nghiem",
            "--pin",
            "123456",
            "--so-pin",
            "654321",
        ],
        check=True,
        capture_output=True,
    )
    key, cert, _chain = pkcs12.load_key_and_certificates((minutes / "a.p12").read_bytes(), PW)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    subprocess.run(
        [
            "softhsm2-util",
            "--import",
            str(tmp_path / "key.pem"),
            "--token",
            "thu-nghiem",
            "--label",
            "ky-so",
            "--id",
            "01",
            "--pin",
            "123456",
        ],
        check=True,
        capture_output=True,
    )
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(SOFTHSM).get_token(token_label="thu-nghiem")
    with token.open(rw=True, user_pin="123456") as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "ky-so",
                Attribute.ID: b"\x01",
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: cert.subject.public_bytes(),
            }
        )
    shutil.copy(minutes / "final.pdf", tmp_path / "bb.pdf")
    field = fields_of(tmp_path / "bb.pdf")[0]
    runner = CliRunner()
    base = [
        "--lang",
        "en",
        "sign",
        str(tmp_path / "bb.pdf"),
        "--field",
        field,
        "--pkcs11-lib",
        SOFTHSM,
        "--token-label",
        "thu-nghiem",
        "--key-label",
        "ky-so",
    ]
    wrong = runner.invoke(cli, base, input="000000\n")
    assert wrong.exit_code == 1 and "refused the PIN" in wrong.output
    assert "Tokens lock after a few wrong PINs" in wrong.output
    assert "000000" not in wrong.output  # the PIN is never echoed
    assert not any(signature_fields(tmp_path / "bb.pdf").values())
    ok = runner.invoke(cli, base, input="123456\n")
    assert ok.exit_code == 0, ok.output
    report, *_ = verify_pdf(tmp_path / "bb.pdf", [minutes / "a.pem"])
    assert report.ok and report.trusted and NAMES[0] in report.signer
