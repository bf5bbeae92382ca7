"""What free text and names may be: lengths the domain allows, no bidi controls, safe names.

Everything a person types or a file brings passes through here before it is kept: the
workflow (so the command line, the app and imports alike) and the units import.

- Bidirectional control characters (U+202A–U+202E, U+2066–U+2069, U+200E/F) are removed from
  typed text: one U+202E in a name reverses the official sentence it is printed in.
- Lengths follow what the documents hold: a name or a role fits a line (200 characters), a
  place two lines (500), a note, finding, recommendation, reason or opinion a long paragraph
  (5,000); more is refused with the limit named, never cut silently.
- Names that become part of a path or a key (unit codes, assessment ids, set hashes, file
  hashes, file names) match a strict pattern; anything else is refused.
"""

from __future__ import annotations

import re
import unicodedata

from .i18n import _


def fold(text: str) -> str:
    """`text` lower-cased without its diacritics (đ is d): what a search compares, so that
    `son` finds "Sơn" (the app's searches and the progress board)."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


BIDI = dict.fromkeys(
    [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)],
)

#: the longest text of each kind, in characters
NAME = 200  # a unit's name, a participant's name or role, an evidence's number or issuer
PLACE = 500
TEXT = 5000  # a note, finding, recommendation, reason for a change, the unit's opinion

#: a unit code: letters (Vietnamese included), digits, '-', '_', '.', no '..', up to 40
UNIT_CODE = re.compile(r"^(?!.*\.\.)[^\W_][\w.-]{0,39}$")
ASSESSMENT_ID = re.compile(r"^[0-9a-f]{32}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
# invisible or control characters that must not hide in a name
_HIDDEN = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]"
)


class TextError(ValueError):
    """Text refused, with the reason (the limit, or the name's pattern)."""


def strip_bidi(text: str) -> str:
    """`text` without bidirectional control characters."""
    return text.translate(BIDI)


def clean(text: str, limit: int, what: str) -> str:
    """Typed text as kept: bidi controls removed, then refused past `limit` characters."""
    text = strip_bidi(text)
    if len(text) > limit:
        raise TextError(
            _("{what} is {n} characters long; at most {limit} are allowed").format(
                what=what, n=len(text), limit=limit
            )
        )
    return text


def unit_code_problem(code: str) -> str | None:
    """Why `code` cannot be a unit's code, or None."""
    if not isinstance(code, str) or not UNIT_CODE.match(code) or _HIDDEN.search(code):
        return _(
            "unit code {code!r} is not allowed: letters, digits, '-', '_' and '.' only "
            "(no '/', '..', spaces, control or invisible characters; at most 40)"
        ).format(code=code)
    return None


def hidden_problem(text: str, what: str) -> str | None:
    """Why `text` (kept as data, e.g. imported) is refused: hidden characters, or None."""
    if _HIDDEN.search(text.replace("\n", "").replace("\t", "")):
        return _("{what} contains control or invisible characters").format(what=what)
    return None


def file_name_problem(name: str) -> str | None:
    """Why `name` cannot be an attached file's name (a name, never a path), or None."""
    if (
        not isinstance(name, str)
        or len(name) > NAME
        or "/" in name
        or "\\" in name
        or name in (".", "..")
        or _HIDDEN.search(name)
    ):
        return _("file name {name!r} is not allowed").format(name=name)
    return None
