"""Finding and loading plugins, and collecting what they register.

Plugins come from three places, in this order: the built-in modules (the tool's own methods
and sets, registered through the same hooks as everyone else's), installed distributions that
declare an `inspect_tool` entry point, and plain `.py` files in a plugins folder. A plugin that
fails to import, or raises inside a hook, is reported by name and skipped: one broken local
plugin must not stop an inspection team from working.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import os
import re
import sys
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy

from . import hookspecs
from .i18n import _
from .methods import GuardedMethod, ScoringMethod, _shown

ENTRY_POINT_GROUP = "inspect_tool"
BLOCK_ENV = "INSPECT_TOOL_BLOCK_PLUGINS"
DEFAULT_PLUGINS = (
    "inspect_tool.builtin_methods",
    "inspect_tool.builtin_sets",
)
SLOW_LOAD_SECONDS = 1.0  # a plugin slower than this to import is named: every command pays it
METHOD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")


def default_plugins_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path("inspect-tool") / "plugins"


@dataclass
class PluginInfo:
    """What `inspect-tool plugins` shows about one plugin."""

    name: str
    source: str  # "builtin", "entry point", or the file of a folder plugin
    version: str = ""
    hooks: list[str] = field(default_factory=list)
    methods: list[str] = field(default_factory=list)
    sets: list[str] = field(default_factory=list)
    error: str = ""
    warnings: list[str] = field(default_factory=list)
    load_seconds: float = 0.0


@dataclass
class PluginProblem:
    plugin: str
    message: str

    def __str__(self) -> str:
        return _("plugin '{name}': {message}").format(name=self.plugin, message=self.message)


@dataclass
class Registry:
    """Everything the loaded plugins contributed, and what went wrong loading them."""

    methods: dict[str, ScoringMethod] = field(default_factory=dict)
    set_sources: list[tuple[str, Path]] = field(default_factory=list)  # (plugin, path)
    overlay_sources: list[tuple[str, Path]] = field(default_factory=list)
    plugins: dict[str, PluginInfo] = field(default_factory=dict)
    problems: list[PluginProblem] = field(default_factory=list)
    manager: pluggy.PluginManager | None = None
    reported: int = 0  # problems[:reported] were already shown to the user

    def call_each(self, hook: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call every implementation of a runtime hook on its own: (plugin, result) for those
        that answered; one that raises is recorded as a problem and left out."""
        results: list[tuple[str, Any]] = []
        if self.manager is None:
            return results
        for impl in getattr(self.manager.hook, hook).get_hookimpls():
            try:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except Exception as exc:
                self.fail(
                    impl.plugin_name,
                    _("hook {hook} failed: {error}").format(hook=hook, error=_describe(exc)),
                )
                continue
            if result is None:
                continue
            check = _RESULT_CHECKS.get(hook)
            why = check(result) if check else ""
            if why:
                self.fail(
                    impl.plugin_name,
                    _("hook {hook} returned {value}: {why}; left out").format(
                        hook=hook, value=_shown(result), why=why
                    ),
                )
                continue
            results.append((impl.plugin_name, result))
        return results

    def warn(self, plugin: str, message: str) -> None:
        """Something to know about a plugin that still works (it is slow to load)."""
        self.problems.append(PluginProblem(plugin, message))
        info = self.plugins.get(plugin)
        if info is not None:
            info.warnings.append(message)

    def fail(self, plugin: str, message: str) -> None:
        self.problems.append(PluginProblem(plugin, message))
        info = self.plugins.get(plugin)
        if info is not None:
            info.error = "; ".join(filter(None, [info.error, message]))


def _texts(result: Any) -> str:
    """Why a check_assessment result cannot be used, or ""."""
    if not isinstance(result, list | tuple) or not all(isinstance(t, str) for t in result):
        return _("expected a list of texts")
    return ""


def _sections(result: Any) -> str:
    """Why a minutes_sections result cannot be used, or ""."""
    if not isinstance(result, list | tuple) or not all(
        isinstance(s, dict)
        and isinstance(s.get("title", ""), str)
        and isinstance(s.get("paragraphs", []), list | tuple)
        and all(isinstance(p, str) for p in s.get("paragraphs", []))
        for s in result
    ):
        return _('expected a list of {"title": text, "paragraphs": [texts]}')
    return ""


_RESULT_CHECKS: dict[str, Callable[[Any], str]] = {
    "check_assessment": _texts,
    "minutes_sections": _sections,
}


def _describe(exc: BaseException) -> str:
    frame = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    where = f" ({Path(frame[0].filename).name}:{frame[0].lineno})" if frame else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _hook_names(plugin: object) -> list[str]:
    return [name for name in hookspecs.hook_names() if callable(getattr(plugin, name, None))]


class _Loader:
    def __init__(self, blocked: Iterable[str]):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.registry = Registry(manager=self.pm)
        for name in blocked:
            self.pm.set_blocked(name)

    def add(self, plugin: object, name: str, source: str, version: str = "") -> None:
        info = PluginInfo(name, source, version, hooks=_hook_names(plugin))
        if self.pm.is_blocked(name):
            info.error = _("blocked by {env}").format(env=BLOCK_ENV)
            self.registry.plugins[name] = info
            return
        self.registry.plugins[name] = info
        required = getattr(plugin, "INSPECT_TOOL_API", hookspecs.API_VERSION)
        if isinstance(required, int) and required > hookspecs.API_VERSION:
            self.registry.fail(
                name,
                _(
                    "built for plugin API {need}, this inspect-tool has API {have}; update "
                    "inspect-tool"
                ).format(need=required, have=hookspecs.API_VERSION),
            )
            return
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # e.g. a hookimpl with arguments the spec does not have
            self.registry.fail(name, _describe(exc))
            return
        self.unknown_hooks(plugin, name)

    def unknown_hooks(self, plugin: object, name: str) -> None:
        """Name hook implementations that match no hook: a typo would otherwise do nothing."""
        known = hookspecs.hook_names()
        for attr in dir(plugin):
            if attr in known or self.pm.parse_hookimpl_opts(plugin, attr) is None:
                continue
            hint = difflib.get_close_matches(attr, known, n=1)
            message = _("'{hook}' is not a hook of inspect-tool").format(hook=attr)
            if hint:
                message += _(" (did you mean '{hint}'?)").format(hint=hint[0])
            self.registry.fail(name, message)

    def failed_import(self, name: str, source: str, exc: BaseException, version: str = "") -> None:
        self.registry.plugins[name] = PluginInfo(name, source, version)
        self.registry.fail(name, _("could not be loaded: {error}").format(error=_describe(exc)))

    def builtins(self) -> None:
        from . import __version__

        for module_name in DEFAULT_PLUGINS:
            self.add(importlib.import_module(module_name), module_name, "builtin", __version__)

    def entry_points(self) -> None:
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            version = ep.dist.version if ep.dist else ""
            if self.pm.is_blocked(ep.name):
                self.registry.plugins[ep.name] = PluginInfo(
                    ep.name,
                    "entry point",
                    version,
                    error=_("blocked by {env}").format(env=BLOCK_ENV),
                )
                continue
            start = time.perf_counter()
            try:
                plugin = ep.load()
            except Exception as exc:
                self.failed_import(ep.name, "entry point", exc, version)
                continue
            self.add(plugin, ep.name, "entry point", version)
            self.timed(ep.name, time.perf_counter() - start)

    def folder(self, folder: Path) -> None:
        if not folder.is_dir():
            return
        for path in sorted(folder.glob("*.py")):
            name = path.stem
            if name.startswith("_") or self.pm.is_blocked(name):
                if not name.startswith("_"):
                    self.add(object(), name, str(path))
                continue
            start = time.perf_counter()
            try:
                module = _import_file(name, path)
            except Exception as exc:
                self.failed_import(name, str(path), exc)
                continue
            version = getattr(module, "__version__", "")
            self.add(module, name, str(path), version if isinstance(version, str) else "")
            self.timed(name, time.perf_counter() - start)

    def timed(self, name: str, seconds: float) -> None:
        info = self.registry.plugins.get(name)
        if info is None:
            return
        info.load_seconds = round(seconds, 3)
        if seconds > SLOW_LOAD_SECONDS:
            self.registry.warn(
                name,
                _("took {seconds:.1f} s to load; every command waits for it").format(
                    seconds=seconds
                ),
            )

    def call(self, hook: str, make_register: Callable[[str], Callable[[Any], None]]) -> None:
        """Call each implementation on its own, so one failing plugin cannot stop the others.

        Built-ins come first, so a plugin cannot take over a built-in method's name.

        Each gets a `register` callback bound to its own name, so that what it registers (and
        anything it gets wrong) is put down to the right plugin.
        """
        for impl in getattr(self.pm.hook, hook).get_hookimpls():  # in registration order
            name = impl.plugin_name
            register = make_register(name)
            try:
                impl.function(**{arg: register for arg in impl.argnames})
            except Exception as exc:
                self.registry.fail(
                    name, _("hook {hook} failed: {error}").format(hook=hook, error=_describe(exc))
                )

    def collect(self) -> Registry:
        registry = self.registry

        def method_registrar(plugin: str) -> Callable[[ScoringMethod], None]:
            def register(method: ScoringMethod) -> None:
                name = getattr(method, "name", "")
                if (
                    not isinstance(method, ScoringMethod)
                    or not isinstance(name, str)
                    or not METHOD_NAME.match(name)
                ):
                    registry.fail(plugin, _("register() needs a named ScoringMethod instance"))
                elif name in registry.methods:
                    registry.fail(
                        plugin, _("method '{name}' is already registered").format(name=name)
                    )
                elif plugin in DEFAULT_PLUGINS:
                    registry.methods[name] = method
                    registry.plugins[plugin].methods.append(name)
                else:
                    try:  # every value the plugin's method returns is checked (methods.py)
                        guarded = GuardedMethod(method, plugin)
                    except Exception as exc:
                        registry.fail(plugin, _describe(exc))
                        return
                    registry.methods[name] = guarded
                    registry.plugins[plugin].methods.append(name)

            return register

        def set_registrar(plugin: str) -> Callable[[Path | str], None]:
            def register(path: Path | str) -> None:
                registry.set_sources.append((plugin, Path(path)))

            return register

        def overlay_registrar(plugin: str) -> Callable[[Path | str], None]:
            def register(path: Path | str) -> None:
                registry.overlay_sources.append((plugin, Path(path)))

            return register

        self.call("register_methods", method_registrar)
        self.call("register_criteria_sets", set_registrar)
        self.call("register_overlays", overlay_registrar)
        return registry


def _import_file(name: str, path: Path) -> ModuleType:
    module_name = f"inspect_tool_plugins.{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)
        raise
    return module


def blocked_from_env() -> list[str]:
    return [n.strip() for n in os.environ.get(BLOCK_ENV, "").split(",") if n.strip()]


def load_plugins(
    plugins_dir: Path | None = None,
    *,
    entry_points: bool = True,
    extra: Iterable[tuple[str, object]] = (),
    blocked: Iterable[str] | None = None,
) -> Registry:
    """Load built-ins, entry points, the plugins folder and `extra` (name, plugin) pairs."""
    loader = _Loader(blocked_from_env() if blocked is None else blocked)
    loader.builtins()
    if entry_points:
        loader.entry_points()
    loader.folder(plugins_dir if plugins_dir is not None else default_plugins_dir())
    for name, plugin in extra:
        loader.add(plugin, name, "extra")
    return loader.collect()


_startup: tuple[tuple[Any, ...], Registry] | None = None


def _startup_key(plugins_dir: Path | None, entry_points: bool) -> tuple[Any, ...]:
    folder = plugins_dir if plugins_dir is not None else default_plugins_dir()
    return (str(Path(folder).absolute()), entry_points, tuple(blocked_from_env()))


def load_startup_plugins(plugins_dir: Path | None = None) -> Registry:
    """Load the plugins when the command starts, and keep them for `startup_plugins`: a
    command then imports each plugin once (a slow one was paid twice)."""
    global _startup
    registry = load_plugins(plugins_dir)
    _startup = (_startup_key(plugins_dir, True), registry)
    return registry


def startup_plugins(plugins_dir: Path | None, *, entry_points: bool = True) -> Registry | None:
    """The plugins loaded when this command started, if they were loaded from the same place."""
    if _startup is None or _startup[0] != _startup_key(plugins_dir, entry_points):
        return None
    return _startup[1]
