"""Where the files shipped with the package live, installed or in a checkout.

The criteria sets and report templates sit at the top of the repository (`criteria/`,
`reports/`) where people edit them; a wheel carries them inside the package under `_data/`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def shipped_dir(name: str) -> Path:
    """The folder of shipped files called `name`: packaged copy first, then the checkout's."""
    packaged = PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name
