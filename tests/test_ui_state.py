"""Where the user was (ui.json): a damaged file costs the position, never the app."""

from __future__ import annotations

import pytest

from inspect_tool.tui.state import UiState


@pytest.mark.parametrize(
    "text",
    ["", "{", "[]", "null", '{"positions": null}', '{"positions": [], "last": 7}', "\x00\xff"],
)
def test_a_damaged_file_is_an_empty_state(tmp_path, text):
    (tmp_path / "ui.json").write_text(text, encoding="utf-8", errors="surrogateescape")
    state = UiState(tmp_path)
    assert state.last_assessment is None
    assert state.position("abc") is None
    state.remember("abc", "1.2")
    state.save()
    again = UiState(tmp_path)
    assert (again.last_assessment, again.position("abc")) == ("abc", "1.2")
