"""The core's front door: plugins, the catalog of sets and their engines, in one object.

The CLI and the app both start here, so both see the same sets, methods and problems.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .catalog import Catalog, build_catalog
from .model import CriteriaSet
from .plugins import Registry, load_plugins, startup_plugins
from .scoring import Engine


@dataclass
class Core:
    registry: Registry
    catalog: Catalog
    _engines: dict[str, Engine] = field(default_factory=dict)

    def criteria_set(self, ref: str) -> CriteriaSet:
        return self.catalog.get(ref)

    def engine(self, cset: CriteriaSet | str) -> Engine:
        """The compiled engine of a set, made once and reused."""
        if isinstance(cset, str):
            cset = self.catalog.get(cset)
        engine = self._engines.get(cset.key)
        if engine is None or engine.cset.hash != cset.hash:
            engine = self._engines[cset.key] = Engine(cset, self.registry.methods)
        return engine


def open_core(plugins_dir: Path | None = None, *, entry_points: bool = True) -> Core:
    registry = startup_plugins(plugins_dir, entry_points=entry_points) or load_plugins(
        plugins_dir, entry_points=entry_points
    )  # the command line loaded them already when it started: import each plugin once
    catalog = build_catalog(registry.set_sources, registry.methods, registry.overlay_sources)
    return Core(registry, catalog)
