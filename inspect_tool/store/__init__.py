"""The store layer: where units and assessments are kept, with their audit trail.

- `interface`: the `Store` protocol the rest of the tool uses, its errors, `open_store`;
- `codec`: the one shape an assessment has as documents (stores, bundles, minutes' data);
- `embedded`: the default store, TinyDB files in a folder on a laptop;
- `audit`: the hash chain every store keeps of every change;
- `bundle`: moving units and assessments between stores as a file.

Nothing outside this package knows which store it talks to: it calls `open_store` and uses
the interface.
"""

from .interface import (
    DB_ENV,
    USER_ENV,
    Change,
    ProgressRow,
    Store,
    StoreDamaged,
    StoreError,
    StoreLocked,
    Summary,
    can_watch,
    default_store_path,
    default_user,
    open_store,
)

__all__ = [
    "DB_ENV",
    "USER_ENV",
    "Change",
    "ProgressRow",
    "Store",
    "StoreDamaged",
    "StoreError",
    "StoreLocked",
    "Summary",
    "can_watch",
    "default_store_path",
    "default_user",
    "open_store",
]
