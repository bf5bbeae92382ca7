"""Loading signed minutes back as data: the Department receives the PDF, not the store.

Only documents of record are accepted: every signature field of the document (`sig-*`, as
many as its kind has) signed, every signature intact, valid and made with a certificate of the
trust store (the settings' `signing.trust` and any given here), and the assessment inside
finalized. Anything else is refused with the reason before the store is touched. Then the
data the minutes carry is checked against a known criteria set (id, version and content hash)
and loaded like an imported bundle: idempotent, and never overwriting a different copy of the
same assessment. Who signed is read from the signatures' certificates, never from the data.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from .criteria import content_hash, parse_set
from .i18n import _
from .minutes import DATA_FORMAT, DATA_NAME
from .model import Unit
from .signing import SigningError, embedded_file, trust_store, verify_pdf
from .store import Change
from .store.bundle import BundleError
from .store.codec import assessment_from_docs
from .workflow import Workflow, pinned_set_text


def import_signed_minutes(
    flow: Workflow, path: Path, trust: list[Path] | None = None, *, settings: dict | None = None
) -> str:
    """Load the assessment in signed minutes; return what happened, in words. `trust` adds to
    the settings' trust store."""
    from . import labels

    try:
        reports = verify_pdf(path, trust_store(trust or [], settings))
    except SigningError as exc:
        raise BundleError(str(exc)) from None
    signed = [r for r in reports if r.signed]
    if not signed:
        raise BundleError(_("{path}: the minutes are not signed").format(path=path))
    unsigned = [r.field for r in reports if not r.signed and r.field.startswith("sig-")]
    if unsigned:
        raise BundleError(
            _("{path}: not every signature is there; not signed: {fields}").format(
                path=path, fields=", ".join(unsigned)
            )
        )
    broken = [f"{r.field}: {r.reason}" for r in signed if not r.ok]
    if broken:
        raise BundleError(
            _("{path}: signatures not valid: {why}").format(path=path, why="; ".join(broken))
        )
    raw = embedded_file(path, DATA_NAME)
    if raw is None:
        raise BundleError(_("{path}: carries no assessment data").format(path=path))
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict) or data.get("format") != DATA_FORMAT:
        raise BundleError(_("{path}: not minutes made by inspect-tool").format(path=path))
    state = (data.get("assessment") or {}).get("state")
    if state != "finalized":
        raise BundleError(
            _(
                "{path}: the assessment in these minutes is {state}, not finalized; only "
                "minutes of a finalized assessment are accepted"
            ).format(path=path, state=labels.state(str(state)))
        )
    pinned = data["set"]
    known = next((s for s in flow.core.catalog.sets if s.hash == pinned["hash"]), None)
    if known is None and flow.store.pinned_set(pinned["hash"]) is None:
        raise BundleError(
            _("{path}: criteria set {id}@{version} (hash {hash}) is not known here").format(
                path=path, hash=pinned["hash"][:12], **{k: pinned[k] for k in ("id", "version")}
            )
        )
    if known is not None and (known.id, known.version) != (pinned["id"], pinned["version"]):
        raise BundleError(
            _("{path}: the criteria set does not match its identity").format(path=path)
        )
    doc = data["assessment"]
    items = doc.pop("items")
    signers = tuple(r.signer for r in signed)  # from the certificates
    incoming = dataclasses.replace(assessment_from_docs(doc, items), signed_by=signers)
    if incoming.set_hash != pinned["hash"]:
        raise BundleError(
            _("{path}: the assessment and its criteria set disagree").format(path=path)
        )
    if known is None:  # check the set it names really is the one pinned here
        text = flow.store.pinned_set(pinned["hash"])
        from .yaml_lines import load_text

        again = parse_set(load_text(text, "pinned"), "pinned", flow.core.registry.methods)
        if content_hash(again) != pinned["hash"]:
            raise BundleError(_("{path}: the pinned criteria set is damaged").format(path=path))
    if incoming.id in flow.store.assessment_ids():
        if flow.store.assessment(incoming.id) == incoming:
            return _("already here, unchanged")
        raise BundleError(
            _(
                "assessment {id} is already in this store with different content; "
                "it was not overwritten"
            ).format(id=incoming.id[:8])
        )
    if known is not None:  # the first write: every check has passed
        flow.store.pin_set(known.hash, pinned_set_text(known))
    unit = data.get("unit") or {}
    if flow.store.unit(incoming.unit) is None and unit.get("name"):
        flow.store.put_units([Unit(**unit)], [Change(f"unit {incoming.unit}", None, unit)])
    flow.store.save(
        incoming,
        [Change("imported signed minutes", None, {"file": path.name, "signed_by": list(signers)})],
    )
    return _("imported, signed by {signers}").format(signers="; ".join(signers))
