"""Hòa An's local criteria for inspect-tool: an overlay of the commune set and a local rule."""

from __future__ import annotations

from pathlib import Path

import inspect_tool

__version__ = "0.1.0"
INSPECT_TOOL_API = 1
OVERLAY = Path(__file__).with_name("hoa-an-2025.yaml")


@inspect_tool.hookimpl
def register_overlays(register):
    register(OVERLAY)


@inspect_tool.hookimpl
def check_assessment(assessment, criteria_set):
    """Hòa An's rule: an evidence document is cited by its number (số văn bản)."""
    if not criteria_set.id.endswith("-hoa-an"):
        return None
    return [
        f"nội dung {code}: tài liệu kiểm chứng phải ghi số văn bản"
        for code, item in sorted(assessment.items.items())
        if any(not e.number and not e.file for e in item.evidence)
    ]
