"""The app's sign screen: drafts refused when it opens, final minutes signed and verified
against the settings' trust store. Real minutes, real (test) certificates."""

from __future__ import annotations

import asyncio
import shutil

import pytest
from textual.widgets import Button, Input, Select

from inspect_tool.demo import build_demo_store
from inspect_tool.i18n import _, set_language
from inspect_tool.minutes import make_minutes
from inspect_tool.signing import make_test_cert, reports_as_json, signature_fields, verify_pdf
from inspect_tool.store import open_store
from inspect_tool.tui.app import InspectApp
from inspect_tool.tui.screens.sign import SignScreen
from inspect_tool.workflow import Workflow

SIZE = (150, 45)


@pytest.fixture(scope="module")
def made(core, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sign-screen")
    with open_store(tmp_path / "demo", user="t") as store:
        build_demo_store(core, store)
        flow = Workflow(core, store)
        a = next(x for x in store.assessments() if x.kind == "appraisal")
        flow.update_header(a.id, place="Trụ sở UBND", started="2025-11-20T08:30")
        flow.submit(a.id)
        flow.finalize(a.id)
        make_minutes(flow, a.id, tmp_path / "final.pdf")
        draft = next(
            x for x in store.assessments() if x.kind == "inspection" and x.state == "draft"
        )
        make_minutes(flow, draft.id, tmp_path / "draft.pdf")
    make_test_cert(tmp_path / "me.p12", "Trần Thị Bình", password=b"pw")
    return tmp_path


@pytest.fixture
def documents(made, tmp_path, monkeypatch):
    """A copy of the minutes for each test, and settings whose trust store is the signer's
    certificate, named relative to the settings file."""
    for name in ("final.pdf", "draft.pdf", "me.p12", "me.pem"):
        shutil.copy(made / name, tmp_path / name)
    settings = tmp_path / "settings.yaml"
    settings.write_text("signing:\n  trust: [me.pem]\n", encoding="utf-8")
    monkeypatch.setenv("INSPECT_TOOL_SETTINGS", str(settings))
    return tmp_path


async def test_the_sign_screen_refuses_a_draft(core, made, documents):
    app = InspectApp(core, open_store(made / "demo", user="t", write=False))
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SignScreen(documents / "draft.pdf"))
        await pilot.pause()
        dialog = app.screen
        assert dialog.query_one("#sign", Button).disabled
        assert "finalize it first" in str(dialog.query_one("#error").render())
    app.store.close()


async def test_the_sign_screen_signs_final_minutes_and_verifies_them(core, made, documents):
    pdf = documents / "final.pdf"
    first, *others = signature_fields(pdf)
    app = InspectApp(core, open_store(made / "demo", user="t", write=False))
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(SignScreen(pdf))
        await pilot.pause()
        dialog = app.screen
        assert not dialog.query_one("#sign", Button).disabled
        dialog.query_one("#field", Select).value = first
        dialog.query_one("#p12", Input).value = str(documents / "me.p12")
        dialog.query_one("#password", Input).value = "pw"
        dialog.query_one("#sign").press()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        shown = str(dialog.query_one("#error").render())
        assert f"{first}: " in shown and "Trần Thị Bình" in shown
        # the certificate's words in the user's language, not pyHanko's English
        assert "Name: Trần Thị Bình" in shown and "Common Name" not in shown
        assert "intact, valid and trusted" in shown
        assert all(f"{name}: not signed" in shown for name in others)
    app.store.close()
    reports = await asyncio.to_thread(verify_pdf, pdf, [documents / "me.pem"])
    assert reports[0].ok and reports[0].field == first


def test_the_signer_is_named_in_the_users_language(made):
    """The certificate's attribute labels through the catalog; the data (`signer`, the JSON)
    stays as asn1crypto writes it, the same in every language."""
    pdf = made / "signed-vi.pdf"
    shutil.copy(made / "final.pdf", pdf)
    from inspect_tool.signing import sign_pdf

    sign_pdf(pdf, next(iter(signature_fields(pdf))), made / "me.p12", b"pw")
    set_language("vi")
    try:
        report = verify_pdf(pdf, [made / "me.pem"])[0]
        assert report.who.startswith(_("Name") + ": Trần Thị Bình")
        assert _("Organizational unit") + ": CHỨNG THƯ THỬ NGHIỆM" in report.who
        assert "Common Name" not in report.who and "Organizational Unit" not in report.who
        assert "Common Name: Trần Thị Bình" in report.signer
        assert "signer_shown" not in reports_as_json([report])[0]
    finally:
        set_language("en")
