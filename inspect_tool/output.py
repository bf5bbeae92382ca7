"""Files the tool writes appear complete or not at all.

Every output (minutes, signed PDFs, reports, bundles, keys) is written to a temporary file in
the same folder, flushed to disk and renamed over its final name only when complete: a kill,
a full disk or an error leaves the old file (or none) under that name, never a truncated one,
and the temporary file is removed on any failure Python sees. An existing file is replaced
only when asked (`--force`), since a name typed twice by mistake must not destroy a document.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .i18n import _


class OutputError(ValueError):
    """The output cannot be written where asked (the reason names the file)."""


def _default_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def check_target(out: Path, *, force: bool = False) -> None:
    """Refuse before any work: an existing file (without `force`), a missing folder."""
    if out.is_dir():
        raise OutputError(_("{path}: is a folder").format(path=out))
    if out.exists() and not force:
        raise OutputError(_("{path}: already exists; give --force to replace it").format(path=out))
    if not out.parent.is_dir():
        raise OutputError(
            _("{path}: the folder {folder} does not exist").format(path=out, folder=out.parent)
        )


@contextmanager
def atomic_path(out: Path, *, force: bool = False, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside `out` to write to; renamed to `out` when the block ends well
    (with `mode`, else the usual mode for a new file), removed when it fails."""
    out = Path(out)
    check_target(out, force=force)
    fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with tmp.open("rb+") as f:
            os.fsync(f.fileno())
        os.chmod(tmp, _default_mode() if mode is None else mode)
        os.replace(tmp, out)
        _sync_folder(out.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(out: Path, data: bytes, *, force: bool = False, mode: int | None = None) -> Path:
    with atomic_path(out, force=force, mode=mode) as tmp:
        tmp.write_bytes(data)
    return Path(out)


def _sync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
