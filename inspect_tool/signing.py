"""Signing and verifying minutes with PAdES signatures (pyHanko).

The minutes carry one empty signature field per signature block (placed where the template's
`sig-*` boxes were laid out). Signing fills a named field with a visible appearance drawn with
an embedded font that has Vietnamese; the first signature certifies the document, so that any
later change but the next signatures invalidates it. Every signature is an incremental update
that keeps the document PDF/A-3b (`keep_pdfa`, and a signer that never declares PDF 2.0). Only
minutes of a finalized assessment are signed. A signature is good only when it is intact, valid
and made with a certificate of the trust store (`signing.trust` in the settings, and any given
for one run); an empty field is reported as not signed. pyHanko is imported only here.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from . import vn_format as vn
from .i18n import _
from .store.audit import VIETNAM

PX_TO_PT = 0.75  # WeasyPrint lays out in CSS px (96 per inch); PDF counts points (72)


class SigningError(ValueError):
    """Signing or verifying refused, with the reason in words; no file was changed."""


# -- fields -----------------------------------------------------------------------------------


def signature_boxes(document: Any) -> dict[str, tuple[int, tuple[int, int, int, int]]]:
    """Where the template's `sig-*` boxes landed: name → (page index, box in PDF points)."""
    boxes = {}
    for index, page in enumerate(document.pages):
        height_pt = page.height * PX_TO_PT
        for name, (x1, y1, x2, y2) in page.anchors.items():
            if name.startswith("sig-"):
                box = (
                    round(x1 * PX_TO_PT),
                    round(height_pt - y2 * PX_TO_PT),
                    round(x2 * PX_TO_PT),
                    round(height_pt - y1 * PX_TO_PT),
                )
                boxes[name] = (index, box)
    return boxes


def add_signature_fields(
    pdf: bytes, boxes: dict[str, tuple[int, tuple[int, int, int, int]]]
) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign.fields import SigFieldSpec, append_signature_field

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    keep_pdfa(writer, catalog=True)
    for name, (page, box) in boxes.items():
        append_signature_field(writer, SigFieldSpec(name, on_page=page, box=box))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def keep_pdfa(writer: Any, *, catalog: bool) -> None:
    """Keep a PDF/A-3b a PDF/A-3b through pyHanko's incremental update.

    pyHanko writes its own name as the producer in the XMP metadata but appends it to the
    document information's /Producer ("WeasyPrint 70.0; pyHanko 0.38.0"): PDF/A wants the two
    equal, so the /Producer is set to what the XMP will say (pyHanko leaves a /Producer that
    already names it alone). With `catalog` (before any signature, when the catalog may still
    change), an attachment WeasyPrint listed twice in the catalog's /AF is listed once.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        info_ref = None
    if isinstance(info_ref, generic.IndirectObject):
        info = info_ref.get_object()
        if str(info.get("/Producer", "")) != VENDOR:
            info[generic.pdf_name("/Producer")] = generic.TextStringObject(VENDOR)
            writer.mark_update(info_ref)
    if not catalog or "/AF" not in writer.root:
        return
    listed = writer.root["/AF"]
    once, seen = generic.ArrayObject(), set()
    for index in range(len(listed)):
        entry = listed.raw_get(index)
        key = (
            (entry.idnum, entry.generation) if isinstance(entry, generic.IndirectObject) else index
        )
        if key not in seen:
            seen.add(key)
            once.append(entry)
    if len(once) != len(listed):
        writer.root[generic.pdf_name("/AF")] = once
        writer.update_root()


def signature_fields(path: Path) -> dict[str, bool]:
    """The document's signature fields: name → already signed."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    with path.open("rb") as f:
        reader = PdfFileReader(f, strict=False)
        return {name: value is not None for name, value, _ref in enumerate_sig_fields(reader)}


# -- test certificates -----------------------------------------------------------------------


def make_test_cert(
    out: Path,
    name: str,
    org: str = "",
    *,
    password: bytes,
    days: int = 365,
    not_before: dt.datetime | None = None,
    signing_usage: bool = True,
) -> Path:
    """A self-signed certificate for demos and tests, clearly labelled as such."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, name),
        x509.NameAttribute(
            NameOID.ORGANIZATIONAL_UNIT_NAME, "CHỨNG THƯ THỬ NGHIỆM – KHÔNG CÓ GIÁ TRỊ PHÁP LÝ"
        ),
    ]
    if org:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    subject = x509.Name(attributes)
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=signing_usage,
                content_commitment=signing_usage,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    from cryptography.hazmat.primitives.serialization import Encoding

    from .output import write_bytes

    key_file = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"), key, cert, None, BestAvailableEncryption(password)
    )
    write_bytes(out, key_file, force=True, mode=0o600)  # a private key: the owner's alone
    write_bytes(out.with_suffix(".pem"), cert.public_bytes(Encoding.PEM), force=True)  # --trust
    return out


# -- signing ----------------------------------------------------------------------------------


def _font_path() -> str:
    """An embedded font with Vietnamese for the stamp (never pyHanko's ASCII fallback).

    pyHanko writes the glyph widths of a TrueType font in its own units; PDF readers take them
    per 1000 em, so a font with 2048 units per em (Liberation, DejaVu) would come out with its
    letters spread apart. A copy scaled to 1000 units per em, made once, avoids that.
    """
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem
    from platformdirs import user_cache_path

    source = Path(_system_font())
    scaled = user_cache_path("inspect-tool") / f"{source.stem}-1000upem{source.suffix}"
    if not scaled.exists():
        scaled.parent.mkdir(parents=True, exist_ok=True)
        font = TTFont(source)
        if font["head"].unitsPerEm != 1000:
            scale_upem(font, 1000)
        tmp = scaled.with_suffix(".tmp")
        font.save(tmp)
        os.replace(tmp, scaled)
    return str(scaled)


def _system_font() -> str:
    for family in ("Liberation Serif", "DejaVu Serif", "DejaVu Sans"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", family], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            continue
        if found.endswith((".ttf", ".otf")):
            return found
    raise SigningError(
        _(
            "no font with Vietnamese found for the signature's appearance "
            "(install fonts-liberation2)"
        )
    )


def check_certificate(cert: Any) -> None:
    """Refuse a certificate that is out of date or may not sign, before anything is written."""
    from cryptography import x509

    now = dt.datetime.now(dt.UTC)
    if cert.not_valid_after_utc < now:
        raise SigningError(
            _("the certificate expired on {date}").format(date=cert.not_valid_after_utc.date())
        )
    if cert.not_valid_before_utc > now:
        raise SigningError(
            _("the certificate is not valid before {date}").format(
                date=cert.not_valid_before_utc.date()
            )
        )
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
        can_sign = usage.content_commitment or usage.digital_signature
    except x509.ExtensionNotFound:
        can_sign = False
    if not can_sign:
        raise SigningError(
            _(
                "the certificate may not be used for signing (no digital "
                "signature or non-repudiation key usage)"
            )
        )


def p12_signer(p12: Path, password: bytes):
    """A signer from a PKCS#12 file (tests, demos)."""
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pyhanko.sign import signers

    try:
        _key, cert, _chain = pkcs12.load_key_and_certificates(p12.read_bytes(), password)
    except (ValueError, TypeError):
        raise SigningError(
            _("{path}: wrong password, or not a PKCS#12 file").format(path=p12)
        ) from None
    except OSError as exc:
        raise SigningError(f"{p12}: {exc.strerror}") from None
    check_certificate(cert)
    signer = signers.SimpleSigner.load_pkcs12(str(p12), passphrase=password)
    if signer is None:
        raise SigningError(_("{path}: wrong password, or not a PKCS#12 file").format(path=p12))
    return signer


def token_signer(lib: str, token_label: str, pin: str, key_label: str | None = None):
    """A signer on a USB token (PKCS#11). One attempt only: tokens lock after a few wrong
    PINs, so a refused PIN is reported, never retried."""
    from cryptography import x509
    from pkcs11.exceptions import PinIncorrect, PinLenRange, TokenNotPresent
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            lib, token_criteria=TokenCriteria(label=token_label), user_pin=pin
        )
    except (PinIncorrect, PinLenRange):
        raise SigningError(
            _(
                "the token refused the PIN (it was not tried again; the token "
                "locks after a few wrong PINs)"
            )
        ) from None
    except (TokenNotPresent, OSError, RuntimeError) as exc:
        raise SigningError(
            _("token '{label}' not found ({error})").format(label=token_label, error=exc)
        ) from None
    probe = PKCS11Signer(session, key_label=key_label, cert_label=key_label)
    try:
        cert = x509.load_der_x509_certificate(probe.signing_cert.dump())
    except Exception as exc:
        raise SigningError(
            _("no certificate for key '{key}' on the token ({error})").format(
                key=key_label or "", error=exc
            )
        ) from None
    check_certificate(cert)
    from cryptography.hazmat.primitives.asymmetric import ec

    # many tokens sign EC keys only with the raw mechanism (hash computed here, not on them)
    raw = isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    return PKCS11Signer(session, key_label=key_label, cert_label=key_label, use_raw_mechanism=raw)


def http_timestamper(url: str):
    """A timestamp server (RFC 3161) for PAdES B-T; without one, signatures are B-B."""
    from pyhanko.sign.timestamps import HTTPTimeStamper

    return HTTPTimeStamper(url, https=url.startswith("https"))


def minutes_state(path: Path) -> str | None:
    """The state of the assessment the minutes carry (`assessment.json`), None when they carry
    no data of ours."""
    import json

    from .minutes import DATA_FORMAT, DATA_NAME

    raw = embedded_file(path, DATA_NAME)
    if raw is None:
        return None
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != DATA_FORMAT:
        return None
    return str((data.get("assessment") or {}).get("state") or "")


def check_signable(path: Path, field: str) -> dict[str, bool]:
    """Refuse, before a password is asked for, what may not be signed: a field that is not
    there or is signed already, and minutes of an assessment that is not finalized (a draft
    must not look like a document of record). Returns the document's fields."""
    check_finalized(path)
    fields = signature_fields(path)
    if field not in fields:
        raise SigningError(
            _("no signature field '{field}' in {path} (fields: {names})").format(
                field=field, path=path, names=", ".join(fields) or _("none")
            )
        )
    if fields[field]:
        raise SigningError(_("field '{field}' is already signed").format(field=field))
    return fields


def check_finalized(path: Path) -> None:
    """Refuse minutes that carry no data of ours, or an assessment that is not finalized."""
    from . import labels

    state = minutes_state(path)
    if state is None:
        raise SigningError(
            _(
                "{path}: carries no assessment data; only minutes made by inspect-tool are signed"
            ).format(path=path)
        )
    if state != "finalized":
        raise SigningError(
            _(
                "{path}: the assessment in these minutes is {state}, not finalized; finalize it "
                "first, then make the minutes again and sign them"
            ).format(path=path, state=labels.state(state))
        )


def _pdfa3_signer_class():
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter
    from pyhanko.sign.signers.constants import ESIC_EXTENSION_1

    class PdfA3Signer(signers.PdfSigner):
        """pyHanko declares ISO/TS 32002 for an ECDSA key, which makes the document PDF 2.0
        (catalog /Version): a PDF/A-3 is PDF 1.7, and PAdES allows ECDSA there. Only the
        PAdES extension (ESIC) is declared."""

        def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
            if self.signature_meta.subfilter == SigSeedSubFilter.PADES:
                pdf_out.ensure_output_version(version=(1, 7))
                if pdf_out.output_version < (2, 0):
                    pdf_out.register_extension(ESIC_EXTENSION_1)

    return PdfA3Signer


def sign_pdf(
    path: Path,
    field: str,
    p12: Path | None = None,
    password: bytes = b"",
    *,
    out: Path | None = None,
    role: str = "",
    timestamper: Any = None,
    signer: Any = None,
) -> Path:
    """Fill the signature field `field`; the input is left as it was unless it is the output,
    which is replaced only once the signed file is complete."""
    import logging

    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import signers
    from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
    from pyhanko.stamp import TextStampStyle

    fields = check_signable(path, field)
    # the stamp's font is subset by fontTools, which warns of every table it leaves out
    logging.getLogger("fontTools.subset").setLevel(logging.ERROR)
    if signer is None:
        if p12 is None:
            raise SigningError(_("give a .p12 file or a token"))
        signer = p12_signer(p12, password)
    first = not any(fields.values())
    now = dt.datetime.now(VIETNAM)
    when = f"{vn.time_of_day(now)}, {vn.date_short(now.date())}"  # 08 giờ 30, 20/11/2025
    meta = signers.PdfSignatureMetadata(
        field_name=field,
        subfilter=SigSeedSubFilter.PADES,
        certify=first,
        docmdp_permissions=MDPPerm.FILL_FORMS,
        reason=role or None,
        md_algorithm="sha256",
    )
    style = TextStampStyle(
        stamp_text="Ký bởi: %(signer)s\n%(role)s\nThời gian ký: %(when)s",
        # the factory and the box must agree on the size, or lines drift and letters spread
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(_font_path(), font_size=8), font_size=8
        ),
    )
    target = out or path
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".pdf.tmp")
    try:
        with path.open("rb") as inf, os.fdopen(fd, "wb") as outf:
            writer = IncrementalPdfFileWriter(inf, strict=False)
            keep_pdfa(writer, catalog=first)
            pdf_signer = _pdfa3_signer_class()(
                meta, signer=signer, stamp_style=style, timestamper=timestamper
            )
            pdf_signer.sign_pdf(
                writer,
                existing_fields_only=True,
                output=outf,
                appearance_text_params={"role": role or "", "when": when},
            )
        # the signed file keeps the mode of the one it was made from (mkstemp's is 0600)
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


# -- verifying --------------------------------------------------------------------------------


CERT_SUFFIXES = (".pem", ".crt", ".cer", ".der")


def trust_files(paths: list[Path]) -> list[Path]:
    """The certificate files named: files as they are, folders by their .pem/.crt/.cer/.der
    files (not their subfolders)."""
    files = []
    for path in paths:
        path = Path(path).expanduser()
        if path.is_dir():
            files.extend(
                sorted(
                    p for p in path.iterdir() if p.suffix.lower() in CERT_SUFFIXES and p.is_file()
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise SigningError(_("trust store: {path} does not exist").format(path=path))
    return files


def configured_trust(
    settings: dict[str, Any] | None = None, base: Path | None = None
) -> list[Path]:
    """The trust store of the settings (`signing.trust`): CA and signer certificates, PEM or
    DER files or folders of them; a relative path is taken from the folder of the user's
    settings file (`base`)."""
    from .settings import load_settings, user_settings_path

    if settings is None:
        settings = load_settings()
    listed = (settings.get("signing") or {}).get("trust") or []
    if isinstance(listed, str):
        listed = [listed]
    folder = base if base is not None else user_settings_path().parent
    paths = []
    for entry in listed:
        path = Path(str(entry)).expanduser()
        paths.append(path if path.is_absolute() else folder / path)
    return paths


def trust_store(
    extra: list[Path] | tuple[Path, ...] = (), settings: dict[str, Any] | None = None
) -> list[Path]:
    """The settings' trust store with the certificates given for this once (`--trust`)."""
    return configured_trust(settings) + [Path(p) for p in extra]


def load_trust(paths: list[Path]) -> list[Any]:
    """The certificates of the trust store (asn1crypto), each file's fault named."""
    from pyhanko.keys import load_certs_from_pemder

    certs = []
    for file in trust_files(paths):
        try:
            found = list(load_certs_from_pemder([str(file)]))
        except OSError as exc:
            raise SigningError(f"{file}: {exc.strerror}") from None
        except Exception:
            raise SigningError(
                _("{path}: not a certificate (PEM or DER)").format(path=file)
            ) from None
        if not found:
            raise SigningError(_("{path}: not a certificate (PEM or DER)").format(path=file))
        certs.extend(found)
    return certs


def name_words() -> dict[str, str]:
    """A certificate's name attributes in the user's language (pyHanko and asn1crypto say
    them in English); any other keeps asn1crypto's English label."""
    return {
        "common_name": _("Name"),
        "given_name": _("Given name"),
        "surname": _("Surname"),
        "title": _("Title"),
        "organization_name": _("Organization"),
        "organizational_unit_name": _("Organizational unit"),
        "locality_name": _("Locality"),
        "state_or_province_name": _("Province"),
        "country_name": _("Country"),
        "street_address": _("Address"),
        "email_address": _("Email"),
        "serial_number": _("Serial number"),
        "user_id": _("User ID"),
        "organization_identifier": _("Organization identifier"),
    }


def name_text(name: Any) -> str:
    """An asn1crypto `Name` for a person: the person's name first, then the other attributes
    in the certificate's order, each with its label in the user's language."""
    words = name_words()
    data: dict[str, list[str]] = {}
    for rdn in name.chosen:
        for type_val in rdn:
            kind = type_val["type"]
            label = words.get(kind.native) or kind.human_friendly
            data.setdefault(label, []).append(str(type_val["value"].native))
    first = words["common_name"]
    order = sorted(data, key=lambda label: label != first)
    parts = [f"{label}: {', '.join(data[label])}" for label in order]
    return ("; " if any("," in p for p in parts) else ", ").join(parts)


@dataclass
class SignatureReport:
    field: str
    signer: str  # asn1crypto's English text of the signer's name: the data kept (signed_by)
    signed_at: str
    intact: bool
    valid: bool
    trusted: bool
    changed_after: str  # what was added after this signature: none, signatures, other
    timestamped: bool  # PAdES B-T: a timestamp token from a server vouches for the time
    ok: bool
    reason: str
    signed: bool = True  # False: an empty signature field, reported as not signed
    signer_shown: str = ""  # the signer's name with its labels in the user's language

    @property
    def who(self) -> str:
        """The signer as a person reads it: in the user's language."""
        return self.signer_shown or self.signer


def verify_pdf(path: Path, trust: list[Path] | None = None) -> list[SignatureReport]:
    """Every signature field of the document, in order: the signatures checked (intact,
    valid, trusted by the certificates of `trust`, what changed after), then the empty fields.
    A report is ok only when its signature is intact, valid and trusted."""
    import logging

    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    # without trust roots pyHanko logs a traceback per signature; the report says it in words
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    roots = load_trust(list(trust or []))
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    reports = []
    with path.open("rb") as f:
        try:
            reader = PdfFileReader(f, strict=False)
            signatures = reader.embedded_signatures
            empty = [name for name, value, _ref in enumerate_sig_fields(reader) if value is None]
        except Exception as exc:
            raise SigningError(
                _("{path}: not a readable PDF ({error})").format(path=path, error=exc)
            ) from None
        for sig in signatures:
            status = validate_pdf_signature(sig, context)
            level = getattr(status.modification_level, "name", "OTHER")
            changed = {"NONE": "none", "LTA_UPDATES": "none", "FORM_FILLING": "signatures"}.get(
                level, "other"
            )
            problems = []
            if not status.intact:
                problems.append(_("the signed content was changed"))
            if not status.valid:
                problems.append(_("the signature does not match the certificate"))
            if changed == "other" or not status.docmdp_ok:
                problems.append(
                    _("the document was changed after signing beyond what the certification allows")
                )
            if not status.trusted:
                problems.append(
                    _("valid signature, but the signer's certificate is not trusted")
                    if not problems
                    else _("the signer's certificate is not trusted")
                )
            when = status.signer_reported_dt
            reports.append(
                SignatureReport(
                    field=str(sig.field_name),
                    signer=status.signing_cert.subject.human_friendly,
                    signer_shown=name_text(status.signing_cert.subject),
                    signed_at=when.astimezone(VIETNAM).isoformat(timespec="seconds")
                    if when
                    else "",
                    intact=bool(status.intact),
                    valid=bool(status.valid),
                    trusted=bool(status.trusted),
                    changed_after=changed,
                    timestamped=status.timestamp_validity is not None,
                    ok=not problems,
                    reason="; ".join(problems) or _("intact, valid and trusted"),
                )
            )
    for name in empty:
        reports.append(
            SignatureReport(
                field=str(name),
                signer="",
                signed_at="",
                intact=False,
                valid=False,
                trusted=False,
                changed_after="",
                timestamped=False,
                ok=False,
                reason=_("not signed"),
                signed=False,
            )
        )
    return reports


def signed_at_text(report: SignatureReport) -> str:
    """When a signature was made, as Vietnamese writes it: '08 giờ 30, 20/11/2025'."""
    when = vn.parse_moment(report.signed_at)
    return f"{vn.time_of_day(when)}, {vn.date_short(when.date())}" if when else ""


def all_good(reports: list[SignatureReport]) -> bool:
    """At least one signature, and every field signed, intact, valid and trusted."""
    return any(r.signed for r in reports) and all(r.ok for r in reports)


def reports_as_json(reports: list[SignatureReport]) -> list[dict[str, Any]]:
    """For machines: the signer as asn1crypto writes it, the same in every language."""
    return [{k: v for k, v in asdict(r).items() if k != "signer_shown"} for r in reports]


# -- importing signed minutes -----------------------------------------------------------------


def embedded_file(path: Path, name: str) -> bytes | None:
    """The bytes of an attachment of the PDF, read with pyHanko."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    with path.open("rb") as f:
        reader = PdfFileReader(f, strict=False)
        try:
            names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
        except KeyError:
            return None
        for i in range(0, len(names), 2):
            if str(names[i]) == name:
                spec = names[i + 1].get_object()
                return spec["/EF"]["/F"].get_object().data
    return None


# -- detached signatures of bundles -------------------------------------------------------------


def sign_detached(data: bytes, signer: Any) -> bytes:
    """A detached CMS signature (DER) of `data` by `signer` (p12_signer, token_signer), made
    by pyHanko: the `.p7s` that travels beside a bundle."""
    import asyncio

    try:
        signed = asyncio.run(signer.async_sign_general_data(data, "sha256", detached=True))
    except Exception as exc:  # a token removed, a key refused: said, never a traceback
        raise SigningError(_("the bundle could not be signed: {error}").format(error=exc)) from None
    return signed.dump()


def verify_detached(
    data: bytes, signature: bytes, trust: list[Path] | None = None
) -> SignatureReport:
    """Check a detached CMS signature of `data`: intact, valid, trusted by `trust`."""
    import asyncio
    import logging

    from asn1crypto import cms
    from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
    from pyhanko_certvalidator import ValidationContext

    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)
    context = ValidationContext(trust_roots=load_trust(list(trust or [])), allow_fetching=False)
    try:
        info = cms.ContentInfo.load(signature)
        signed_data = info["content"]
        if info["content_type"].native != "signed_data":
            raise ValueError("not signed data")
        status = asyncio.run(async_validate_detached_cms(data, signed_data, context))
    except Exception as exc:
        raise SigningError(_("not a readable signature ({error})").format(error=exc)) from None
    problems = []
    if not status.intact:
        problems.append(_("the signed content was changed"))
    if not status.valid:
        problems.append(_("the signature does not match the certificate"))
    if not status.trusted:
        problems.append(
            _("valid signature, but the signer's certificate is not trusted")
            if not problems
            else _("the signer's certificate is not trusted")
        )
    when = status.signer_reported_dt
    return SignatureReport(
        field="",
        signer=status.signing_cert.subject.human_friendly,
        signer_shown=name_text(status.signing_cert.subject),
        signed_at=when.astimezone(VIETNAM).isoformat(timespec="seconds") if when else "",
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        changed_after="none",
        timestamped=False,
        ok=not problems,
        reason="; ".join(problems) or _("intact, valid and trusted"),
    )
