"""Translations: Vietnamese first, English available.

Messages are written in English in the code and translated through gettext catalogs under
`inspect_tool/locale/`, so the CLI, the app and the reports share one set of translations.
The language comes from `--lang`, else `INSPECT_TOOL_LANG`, else Vietnamese.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

DOMAIN = "inspect_tool"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("vi", "en")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(language: str | None = None) -> str:
    """Switch the language of every later message; returns the language in force."""
    global _translation, _language
    language = (language or os.environ.get("INSPECT_TOOL_LANG") or "vi").split("_")[0].lower()
    if language not in LANGUAGES:
        language = "vi"
    _translation = gettext.translation(
        DOMAIN, localedir=LOCALE_DIR, languages=[language], fallback=True
    )
    _language = language
    return language


def current_language() -> str:
    return _language


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def count(singular: str, plural: str, n: int) -> str:
    """`n` with its noun, e.g. count("{n} unit", "{n} units", 2) == "2 units"."""
    return ngettext(singular, plural, n).format(n=n)


set_language()


# -- marked now, translated when shown ------------------------------------------------------


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it)
    """Mark `message` for the catalog and keep it in English: for words made at import time
    (the app's key descriptions), translated when they are shown, in the language then."""
    return message
