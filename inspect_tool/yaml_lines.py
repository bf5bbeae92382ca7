"""YAML loading that remembers where every value came from.

People write criteria sets and answers files by hand, so every message about them must point
at a line. PyYAML's safe loader forgets the marks once it has built Python objects; this module
keeps them on the mappings and lists it builds. Only the safe loader's tags are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is several times faster; fall back to the pure-Python one
    _Base = yaml.CSafeLoader  # type: ignore[attr-defined]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Base = yaml.SafeLoader


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located for the person who must fix it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class ProblemsError(Exception):
    """Raised with every problem found in one go, never just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class LineDict(dict):
    """A mapping that knows its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]
    raw: dict[Any, str]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):
    """A list that knows its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def plain(value: Any) -> Any:
    """Loaded data as plain dicts and lists (string keys), without the line bookkeeping."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def line_of(value: Any, default: int = 0) -> int:
    return getattr(value, "line", default) or default


class _TooBig(Exception):
    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.line = line


class _Loader(_Base):
    """Safe loader that builds LineDict/LineList and records duplicate keys; it refuses a
    document nested deeper than limits.MAX_DEPTH while composing it (the composer recurses)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        from .limits import MAX_DEPTH

        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise _TooBig(
                    f"nested deeper than {MAX_DEPTH} levels, more than any data of this tool",
                    mark.line + 1,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _expanded_size(root: yaml.Node) -> int:
    """Nodes the document holds once every alias is expanded, counted once per distinct node
    (memoised), so a billion-laughs document is measured without being expanded."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack, seen = [root], set()
    while stack:  # children before parents, without recursion
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in _children(node))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.raw = {}
    for key_node, value_node in node.value:
        # Keys are read as typed: `1.10:` must stay "1.10", not become the float 1.1.
        if isinstance(key_node, yaml.ScalarNode):
            key: Any = key_node.value
        else:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                key = str(key)
        line = key_node.start_mark.line + 1
        if key in result:
            loader.duplicates.append((line, str(key)))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = line
        if isinstance(value_node, yaml.ScalarNode):
            result.raw[key] = value_node.value
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load_text(text: str, path: str) -> Any:
    """Parse YAML text; raise ProblemsError naming the file and line of any defect."""
    from .limits import MAX_YAML_NODES

    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_YAML_NODES:
            raise _TooBig(
                f"more than {MAX_YAML_NODES:,} values once its aliases are expanded "
                "(refused: aliases that multiply are a known attack)",
                None,
            )
        data = loader.construct_document(node) if node is not None else None
    except _TooBig as exc:
        raise ProblemsError([Problem(path, exc.line, str(exc))]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        if isinstance(exc, yaml.constructor.ConstructorError):
            message = f"not allowed in a data file: {what}"
        else:
            message = f"YAML syntax error: {what}"
        raise ProblemsError([Problem(path, line, message)]) from None
    except yaml.YAMLError as exc:  # e.g. a tag the safe loader refuses, without a mark
        raise ProblemsError([Problem(path, None, f"YAML error: {exc}")]) from None
    finally:
        loader.dispose()
    problems = [Problem(path, line, f"duplicate key '{key}'") for line, key in loader.duplicates]
    if problems:
        raise ProblemsError(problems)
    return data


def load_file(path: Path) -> Any:
    """Read and parse a YAML (or JSON) file, with readable errors for unreadable files, and
    no more of it than limits.MAX_BYTES allows."""
    from .limits import read_limited

    try:
        text = read_limited(path, "yaml").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemsError([Problem(str(path), None, f"not UTF-8 text ({exc.reason})")]) from None
    return load_text(text, str(path))
