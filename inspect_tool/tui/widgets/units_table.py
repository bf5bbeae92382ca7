"""The units table: Textual's DataTable, filled in bulk and measured as plain text.

A DataTable measures every new row to size its columns: each cell parsed as Rich markup and
measured through the console, about 0.2 ms a cell. A nation's 3,321 units are 27,000 cells,
so showing the screen, or one search keystroke that keeps most rows, cost seconds. The units'
cells are plain one-line texts (codes, names, figures, words; `Text`, never markup): their
width is their cell length, counted directly. Any other cell is measured as Textual does.

`add_row` also sorts the columns and moves the cursor (validated, watched) once per row;
`add_plain_rows` adds many rows as `add_row` does each (Textual 8.2's own steps, the rows of
one line without labels) with those done once for all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import zip_longest

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable
from textual.widgets._data_table import DuplicateKey, Row, RowKey


class UnitsTable(DataTable):
    def add_plain_rows(self, rows: Sequence[tuple[str, Sequence[Text]]]) -> None:
        """Rows (key, cells) added at the bottom, as `add_row(*cells, key=key)` adds each."""
        columns = self.ordered_columns
        was_empty = self.row_count == 0
        for key, cells in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            if len(cells) > len(columns):
                raise ValueError("More values provided than there are columns.")
            self._row_locations[row_key] = len(self.rows)
            self._data[row_key] = {column.key: cell for column, cell in zip_longest(columns, cells)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        if not rows:
            return
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty and columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()
        self._update_count += 1
        self.check_idle()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Columns widened for the new rows, from their strings' lengths; the rest as
        Textual does it (rows of one line, no labels: nothing else to measure)."""
        rows = list(new_rows)
        plain = all(
            self.rows[key].label is None and not self.rows[key].auto_height
            for key in rows
            if key in self.rows
        )
        if not plain:
            super()._update_dimensions(rows)
            return
        columns = self.ordered_columns
        widths = [column.content_width for column in columns]
        data = self._data
        other: list[RowKey] = []
        for key in rows:
            cells = data.get(key)
            if cells is None:  # removed before the table was idle
                continue
            for i, column in enumerate(columns):
                value = cells.get(column.key)
                if isinstance(value, Text) and "\n" not in value.plain:
                    width = cell_len(value.plain)
                    if width > widths[i]:
                        widths[i] = width
                elif value is not None:
                    other.append(key)
                    break
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        if other:  # markup, several lines, not text: measured by Textual
            super()._update_dimensions(other)
            return
        header_height = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            sum(column.get_render_width(self) for column in self.columns.values())
            + self._row_label_column_width,
            self._total_row_height + header_height,
        )
