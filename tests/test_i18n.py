"""The Vietnamese catalog: complete, compiled from its .po, placeholders kept."""

from __future__ import annotations

import gettext
import io
import string

import babel.messages.catalog
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from inspect_tool.i18n import LOCALE_DIR, _, set_language
from tests.conftest import REPO

PO = LOCALE_DIR / "vi" / "LC_MESSAGES" / "inspect_tool.po"
MO = PO.with_suffix(".mo")


def code_messages() -> set[str]:
    found = extract_from_dir(
        str(REPO / "inspect_tool"),
        method_map=[("**.py", "python")],
        keywords={"_": None, "ngettext": (1, 2), "count": (1, 2)},
    )
    return {msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _x in found}


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return read_po(f, locale="vi")


def translated(entry) -> bool:
    """A plural entry is a tuple of forms: every one of them must be filled in."""
    if entry is None:
        return False
    forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
    return all(forms)


def test_every_message_in_the_code_is_translated(catalog):
    missing = sorted(m for m in code_messages() if not translated(catalog.get(m)))
    assert missing == [], "run `make i18n` and translate: " + "; ".join(missing)


def test_no_fuzzy_or_stale_entries(catalog):
    assert [m.id for m in catalog if m.id and m.fuzzy] == []


def test_placeholders_are_kept(catalog):
    def fields(text: str) -> list[str]:
        return sorted(f for _l, f, _s, _c in string.Formatter().parse(text) if f is not None)

    def pairs(m):
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        return [(ids[-1], form) for form in forms if form]  # vi has one form, for every n

    wrong = [m.id for m in catalog if m.id for i, f in pairs(m) if fields(i) != fields(f)]
    assert wrong == []


def messages(mo) -> dict:
    """The messages a compiled catalog gives: msgid (or msgid and plural index) to msgstr.

    The header entry (msgid "") is left out: it is metadata the compiler writes, such as
    the Babel version, and it changes with the tool, not with the translations."""
    mo.seek(0)
    return {k: v for k, v in gettext.GNUTranslations(mo)._catalog.items() if k not in ("", ("", 0))}


def compiled(catalog) -> io.BytesIO:
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer


def test_compiled_catalog_matches_the_po(catalog):
    with MO.open("rb") as f:
        shipped = messages(f)
    assert shipped == messages(compiled(catalog)), "run `make i18n` to compile the catalog"


def test_a_translation_changed_without_compiling_is_caught(catalog, monkeypatch):
    """The check above must fail when a translation (singular or plural) is edited in the .po
    and the .mo is not compiled again; a header the compiler writes must not matter."""
    with MO.open("rb") as f:
        shipped = messages(f)
    plural = next(m for m in catalog if m.id and isinstance(m.id, tuple))
    single = next(m for m in catalog if m.id and isinstance(m.id, str))
    for entry in (single, plural):
        old = entry.string
        try:
            forms = old if isinstance(old, tuple) else (old,)
            edited = tuple(f + " (sửa)" for f in forms)
            entry.string = edited if isinstance(old, tuple) else edited[0]
            assert messages(compiled(catalog)) != shipped
        finally:
            entry.string = old
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "9.99")  # another Babel release
    assert b"Babel 9.99" in compiled(catalog).getvalue()
    assert messages(compiled(catalog)) == shipped


def test_language_switch():
    set_language("vi")
    assert _("not answered") != "not answered"
    set_language("en")
    assert _("not answered") == "not answered"
