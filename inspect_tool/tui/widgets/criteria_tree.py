"""The criteria of a set as a tree (areas → criteria → sub-criteria), a mark on each item.

Points come before the title: the tree does not scroll sideways (a second scrollbar costs a
repaint at every step), so a long title is cut at the right, and is read in full beside it."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ... import display
from ...model import Assessment, CriteriaSet, Criterion
from ...scoring import Scores
from ...workflow import item_state

MARKS = {
    "pending": "◐",  # typed but not accepted yet, kept as typed (an answer may stand beside it)
    "unanswered": "○",
    "answered": "●",
    "na": "–",
    "evidence": "!",
    "differs": "≠",
    "conflict": "⇄",  # changed on the server and on a laptop: both values kept (sync)
}


def mark(assessment: Assessment, item: Criterion, scores: Scores, base: Scores | None) -> str:
    code = item.code
    record = assessment.items.get(code)
    if record is not None and record.conflict:
        return MARKS["conflict"]
    if record is not None and record.pending:
        return MARKS["pending"]
    base_points = base.points[code] if base is not None else None
    state = item_state(item, record, scores.points[code], base_points)
    return MARKS[state]


class CriteriaTree(Tree[str]):
    """Node data is the code; items are leaves, in the set's order."""

    def fill(self, cset: CriteriaSet) -> None:
        self.show_root = False  # the set's title is in the header: one level less to indent
        self.guide_depth = 3
        self.clear()
        self.root.expand()
        self.nodes_by_code: dict[str, TreeNode[str]] = {}
        self.item_codes = [c.code for c in cset.items()]
        self.criteria = {c.code: c for c in cset.nodes()}
        self.area_titles = {a.code: a.title for a in cset.areas}
        for area in cset.areas:
            node = self.root.add(Text(f"{area.code} {area.title}"), data=area.code, expand=True)
            self.nodes_by_code[area.code] = node
            for criterion in area.criteria:
                self._add(node, criterion)

    def _add(self, parent: TreeNode[str], criterion: Criterion) -> None:
        if criterion.children:
            node = parent.add(
                Text(f"{criterion.code} {criterion.title}"), data=criterion.code, expand=True
            )
            self.nodes_by_code[criterion.code] = node
            for child in criterion.children:
                self._add(node, child)
        else:
            self.nodes_by_code[criterion.code] = parent.add_leaf(
                Text(criterion.code), data=criterion.code
            )

    def refresh_marks(self, assessment: Assessment, scores: Scores, base: Scores | None) -> None:
        for code, node in self.nodes_by_code.items():
            criterion = self.criteria.get(code)
            points = display.score(scores.points[code], scores.maxima[code])
            if criterion is not None and criterion.is_item:
                sign = mark(assessment, criterion, scores, base)
                node.set_label(Text(f"{sign} {code} ({points}) {criterion.title}"))
            else:
                title = self.area_titles.get(code) or (criterion.title if criterion else "")
                node.set_label(Text(f"{code} ({points}) {title}", style="bold"))

    def select_code(self, code: str, *, center: bool = False) -> None:
        """Put the cursor on `code`; `center` shows the items around it too (on opening)."""
        node = self.nodes_by_code.get(code)
        if node is not None:
            with self.prevent(Tree.NodeHighlighted):  # the screen moved here: no echo back
                self.move_cursor(node)
            self.center_scroll = center
            self.scroll_to_node(node, animate=False)
            self.center_scroll = False
