"""Where the user was: the last assessment open and the item in each, kept beside the store
so that quitting and reopening the app comes back to the same place."""

from __future__ import annotations

import json
import os
from pathlib import Path


class UiState:
    def __init__(self, store_path: Path):
        self.path = store_path / "ui.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}  # lost or damaged UI state only costs the position
        if not isinstance(data, dict):
            data = {}
        if not isinstance(data.get("positions"), dict):
            data["positions"] = {}
        if not isinstance(data.get("last"), str | None):
            data["last"] = None
        self.data = data

    @property
    def last_assessment(self) -> str | None:
        return self.data.get("last")

    def position(self, assessment_id: str) -> str | None:
        return self.data["positions"].get(assessment_id)

    def remember(self, assessment_id: str | None, code: str | None = None) -> None:
        self.data["last"] = assessment_id
        if assessment_id and code:
            self.data["positions"][assessment_id] = code

    def save(self) -> None:
        """Atomic but not fsynced: a position is worth a rename, not a disk flush per step."""
        tmp = self.path.with_name(f".ui.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.path)
