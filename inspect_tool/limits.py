"""How much the tool takes from one input: bytes per file, nodes and depth per structure.

Every file the tool reads comes from a person or another machine (sets, overlays, answers,
settings, keymaps, unit lists, bundles, PDFs), so none may make it work without end: a 1 KB
YAML of nested aliases expands to billions of nodes, `/dev/zero` never ends, a 100,000-deep
JSON overflows the stack. The limits are far above what the real inputs need (a province's
bundle is tens of megabytes; a criteria set, tens of kilobytes) and a refusal names the limit.
"""

from __future__ import annotations

from pathlib import Path

from .i18n import _
from .yaml_lines import Problem, ProblemsError

MB = 1024 * 1024

#: bytes read from one file, by kind of file
MAX_BYTES = {
    "yaml": 10 * MB,  # sets, overlays, answers, settings, keymap
    "csv": 50 * MB,  # units, survey responses
    "bundle": 1024 * MB,  # the whole of a province's assessments
    "pdf": 200 * MB,  # minutes to verify or import
}
#: nodes a YAML document may hold once its aliases are expanded
MAX_YAML_NODES = 2_000_000
#: how deep a YAML or JSON structure may nest
MAX_DEPTH = 100


def read_limited(path: Path, kind: str) -> bytes:
    """The file's bytes, refused (ProblemsError naming the file and the limit) past the
    limit of its kind; a device that never ends is read only up to that limit."""
    limit = MAX_BYTES[kind]
    try:
        with Path(path).open("rb") as f:
            data = f.read(limit + 1)
    except IsADirectoryError:
        raise ProblemsError([Problem(str(path), None, _("is a folder, not a file"))]) from None
    except OSError as exc:
        raise ProblemsError([Problem(str(path), None, exc.strerror or str(exc))]) from None
    if len(data) > limit:
        raise ProblemsError(
            [
                Problem(
                    str(path),
                    None,
                    _("larger than {limit} MB, the most this tool reads from such a file").format(
                        limit=limit // MB
                    ),
                )
            ]
        )
    return data


def too_deep(path: str, line: int | None = None) -> ProblemsError:
    return ProblemsError(
        [
            Problem(
                path,
                line,
                _("nested deeper than {depth} levels, more than any data of this tool").format(
                    depth=MAX_DEPTH
                ),
            )
        ]
    )


def depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep a loaded structure nests, counted without recursion (a hostile one is deep),
    stopping as soon as it passes `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list | tuple):
            stack.extend((v, level + 1) for v in item)
    return deepest
