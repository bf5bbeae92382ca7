"""Signatures for real: test certificates made here, pyHanko signing, our verify and pdfsig."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from inspect_tool.cli import cli
from inspect_tool.demo import build_demo_store
from inspect_tool.minutes import make_minutes
from inspect_tool.signing import (
    SigningError,
    make_test_cert,
    sign_pdf,
    signature_fields,
    verify_pdf,
)
from inspect_tool.store import open_store
from inspect_tool.workflow import Workflow

PW = b"mat-khau"


@pytest.fixture(scope="module")
def minutes(core, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sig")
    with open_store(folder / "demo", user="t") as store:
        build_demo_store(core, store)
        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.kind == "inspection")
        make_minutes(flow, a.id, folder / "bb.pdf")
    make_test_cert(folder / "team.p12", "Trần Thị Bình", "Sở Nội vụ", password=PW)
    make_test_cert(folder / "unit.p12", "Lê Văn Cường", "UBND phường Đông Sơn", password=PW)
    return folder


def test_minutes_have_named_empty_signature_fields(minutes):
    assert signature_fields(minutes / "bb.pdf") == {"sig-unit": False, "sig-team": False}


def test_two_signers_in_turn_both_valid(minutes, tmp_path):
    one = sign_pdf(
        minutes / "bb.pdf",
        "sig-team",
        minutes / "team.p12",
        PW,
        out=tmp_path / "1.pdf",
        role="Trưởng đoàn kiểm tra",
    )
    two = sign_pdf(
        one,
        "sig-unit",
        minutes / "unit.p12",
        PW,
        out=tmp_path / "2.pdf",
        role="Chủ tịch UBND phường",
    )
    trust = [minutes / "team.pem", minutes / "unit.pem"]
    reports = verify_pdf(two, trust)
    assert [r.field for r in reports] == ["sig-team", "sig-unit"]
    assert all(r.ok and r.intact and r.valid and r.trusted for r in reports), reports
    assert reports[0].changed_after == "signatures" and reports[1].changed_after == "none"
    assert "Trần Thị Bình" in reports[0].signer and reports[0].signed_at.endswith("+07:00")
    if shutil.which("pdfsig"):
        out = subprocess.run(["pdfsig", str(two)], capture_output=True, text=True).stdout
        assert out.count("Signature Validation: Signature is Valid.") == 2
    untrusted = verify_pdf(two)  # no trust roots: intact and valid, not trusted
    assert all(r.ok and not r.trusted for r in untrusted)


def test_tampering_is_detected(minutes, tmp_path):
    signed = sign_pdf(
        minutes / "bb.pdf", "sig-team", minutes / "team.p12", PW, out=tmp_path / "s.pdf"
    )
    data = bytearray(signed.read_bytes())
    at = data.find(b"/Producer")
    data[at + 2] ^= 0x01  # one byte inside the signed range
    (tmp_path / "t.pdf").write_bytes(bytes(data))
    reports = verify_pdf(tmp_path / "t.pdf")
    assert reports and not reports[0].ok and "changed" in reports[0].reason


def test_refusals_leave_the_input_unchanged(minutes, tmp_path):
    source = minutes / "bb.pdf"
    before = source.read_bytes()
    with pytest.raises(SigningError, match="wrong password"):
        sign_pdf(source, "sig-team", minutes / "team.p12", b"sai", out=tmp_path / "x.pdf")
    with pytest.raises(SigningError, match="no signature field 'sig-boss'"):
        sign_pdf(source, "sig-boss", minutes / "team.p12", PW, out=tmp_path / "x.pdf")
    old = make_test_cert(
        tmp_path / "old.p12",
        "Cũ",
        password=PW,
        days=1,
        not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=30),
    )
    with pytest.raises(SigningError, match="expired"):
        sign_pdf(source, "sig-team", old, PW, out=tmp_path / "x.pdf")
    weak = make_test_cert(tmp_path / "weak.p12", "Không ký", password=PW, signing_usage=False)
    with pytest.raises(SigningError, match="may not be used for signing"):
        sign_pdf(source, "sig-team", weak, PW, out=tmp_path / "x.pdf")
    assert source.read_bytes() == before and not (tmp_path / "x.pdf").exists()


def test_command_line(minutes, tmp_path, monkeypatch):
    monkeypatch.setenv("P12_PASSWORD", PW.decode())
    runner = CliRunner()
    made = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "keys",
            "test-cert",
            "--out",
            str(tmp_path / "me.p12"),
            "--name",
            "Nguyễn Văn An",
            "--password-env",
            "P12_PASSWORD",
        ],
    )
    assert made.exit_code == 0 and (tmp_path / "me.pem").exists()
    shutil.copy(minutes / "bb.pdf", tmp_path / "bb.pdf")
    signed = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "sign",
            str(tmp_path / "bb.pdf"),
            "--field",
            "sig-team",
            "--p12",
            str(tmp_path / "me.p12"),
            "--password-env",
            "P12_PASSWORD",
        ],
    )
    assert signed.exit_code == 0, signed.output
    ok = runner.invoke(
        cli,
        [
            "--lang",
            "en",
            "verify",
            str(tmp_path / "bb.pdf"),
            "--trust",
            str(tmp_path / "me.pem"),
            "--json",
        ],
    )
    assert ok.exit_code == 0, ok.output
    unsigned = runner.invoke(cli, ["--lang", "en", "verify", str(minutes / "bb.pdf")])
    assert unsigned.exit_code == 1
    wrong = runner.invoke(
        cli,
        ["--lang", "en", "verify", str(tmp_path / "bb.pdf"), "--trust", str(minutes / "unit.pem")],
    )
    assert wrong.exit_code == 1 and "not trusted" in wrong.output


def test_round_trip_signed_minutes_into_an_empty_store(core, tmp_path):
    from inspect_tool.bundle import BundleError
    from inspect_tool.signed_import import import_signed_minutes

    with open_store(tmp_path / "ward", user="t") as store:
        build_demo_store(core, store)
        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.kind == "inspection")
        flow.answer(a.id, "C.1", {"numerator": "4541", "denominator": "4545", "received": "4545"})
        flow.add_finding(a.id, "C", "Chưa gửi thư xin lỗi cho hồ sơ quá hạn")
        a = flow.get(a.id)
        before = flow.scores(a)
        make_minutes(flow, a.id, tmp_path / "bb.pdf")
    make_test_cert(tmp_path / "t.p12", "Trần Thị Bình", password=PW)
    make_test_cert(tmp_path / "u.p12", "Lê Văn Cường", password=PW)
    sign_pdf(tmp_path / "bb.pdf", "sig-team", tmp_path / "t.p12", PW)
    sign_pdf(tmp_path / "bb.pdf", "sig-unit", tmp_path / "u.p12", PW)
    with open_store(tmp_path / "department", user="Sở Nội vụ") as empty:
        there = Workflow(core, empty)
        with pytest.raises(BundleError, match="not signed"):
            import_signed_minutes(there, minutes_unsigned(core, tmp_path))
        message = import_signed_minutes(there, tmp_path / "bb.pdf")
        assert "Trần Thị Bình" in message and "Lê Văn Cường" in message
        got = there.get(a.id)
        assert there.scores(got).points == before.points
        assert got.findings == a.findings and got.participants == a.participants
        assert len(got.signed_by) == 2
        assert "unchanged" in import_signed_minutes(there, tmp_path / "bb.pdf")
    data = bytearray((tmp_path / "bb.pdf").read_bytes())
    at = data.find(b"Ch\\u01b0a g\\u1eedi")
    if at < 0:
        at = data.find(b"/Producer")
    data[at + 3] ^= 0x01
    (tmp_path / "bad.pdf").write_bytes(bytes(data))
    with (
        open_store(tmp_path / "other", user="x") as other,
        pytest.raises(BundleError, match="signatures not valid"),
    ):
        import_signed_minutes(Workflow(core, other), tmp_path / "bad.pdf")


def minutes_unsigned(core, tmp_path):
    with open_store(tmp_path / "u-store", user="t") as store:
        build_demo_store(core, store)
        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.kind == "inspection")
        return make_minutes(flow, a.id, tmp_path / "unsigned.pdf")


def test_later_changes_to_the_page_or_the_data_are_detected(minutes, tmp_path):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign_pdf(
        minutes / "bb.pdf", "sig-team", minutes / "team.p12", PW, out=tmp_path / "s.pdf"
    )

    def update(name: str, change) -> object:
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
        reports = verify_pdf(update(name, change))
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
    signed = sign_pdf(
        minutes / "bb.pdf",
        "sig-team",
        minutes / "team.p12",
        PW,
        out=tmp_path / "bt.pdf",
        timestamper=tsa,
    )
    (report,) = verify_pdf(signed)
    assert report.intact and report.valid and report.timestamped
    (plain,) = verify_pdf(
        sign_pdf(
            minutes / "bb.pdf", "sig-team", minutes / "team.p12", PW, out=tmp_path / "bb-only.pdf"
        )
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
    key, cert, _chain = pkcs12.load_key_and_certificates((minutes / "team.p12").read_bytes(), PW)
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
    shutil.copy(minutes / "bb.pdf", tmp_path / "bb.pdf")
    runner = CliRunner()
    base = [
        "--lang",
        "en",
        "sign",
        str(tmp_path / "bb.pdf"),
        "--field",
        "sig-team",
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
    assert signature_fields(tmp_path / "bb.pdf") == {"sig-unit": False, "sig-team": False}
    ok = runner.invoke(cli, base, input="123456\n")
    assert ok.exit_code == 0, ok.output
    (report,) = verify_pdf(tmp_path / "bb.pdf", [minutes / "team.pem"])
    assert report.ok and report.trusted and "Trần Thị Bình" in report.signer
