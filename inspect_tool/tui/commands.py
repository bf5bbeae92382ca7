"""The command palette's search of the criteria: an item, criterion or area by its code
(`3.4.1`) or by words of its title, with or without diacritics (`mot cua`)."""

from __future__ import annotations

from textual.command import Hit, Hits, Provider

from ..i18n import _
from .search import fold, highlight, words

LIMIT = 40  # enough to choose from; a short query on a big set stays quick


def _score(code: str, query: list[str], is_item: bool) -> float:
    """An exact code first, then codes that start with the query, then title matches, an
    item's before its criterion's and area's (an item is what is answered)."""
    if len(query) == 1 and query[0] == code:
        return 1.0
    if query and code.startswith(query[0]):
        return 0.9 - 0.01 * code.count(".")
    return 0.6 if is_item else 0.5


class CriteriaProvider(Provider):
    """On an assessment's screen: every area, criterion and item of its set."""

    def _entries(self) -> list[tuple[str, str, str, str]]:
        """(code, title, folded text, code of the item to show), once per palette; an item
        shows itself, an area or criterion its first item."""
        if not hasattr(self, "_cached"):
            from .screens.assessment import AssessmentScreen

            screen = self.screen
            self._cached = []
            if isinstance(screen, AssessmentScreen):
                cset = screen.engine.cset
                for area in cset.areas:
                    self._cached.append(
                        (
                            area.code,
                            area.title,
                            fold(f"{area.code} {area.title}"),
                            area.first_item(),
                        )
                    )
                    for node in area.walk():
                        first = next(c.code for c in node.walk() if c.is_item)
                        self._cached.append(
                            (node.code, node.title, fold(f"{node.code} {node.title}"), first)
                        )
        return self._cached

    async def search(self, query: str) -> Hits:
        from .screens.assessment import AssessmentScreen

        screen = self.screen
        wanted = words(query)
        if not wanted or not isinstance(screen, AssessmentScreen):
            return
        hits = 0
        for code, title, folded, target in self._entries():
            if all(word in folded for word in wanted):
                yield Hit(
                    _score(code, wanted, code == target),
                    highlight(f"{code} {title}", wanted),
                    lambda target=target: screen.show_item(target, answering=screen.editable),
                    text=f"{code} {title}",
                    help=_("Go to {code}").format(code=code),
                )
                hits += 1
                if hits >= LIMIT:
                    return
