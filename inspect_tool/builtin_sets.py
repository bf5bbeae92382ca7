"""The criteria sets shipped with the tool, registered through the plugin hook."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .hookspecs import hookimpl
from .resources import shipped_dir


@hookimpl
def register_criteria_sets(register: Callable[[Path], None]) -> None:
    register(shipped_dir("criteria"))
