"""A small cache for the expensive read answers (aggregates, peers, series, departments).

Why it is safe: every entry is keyed by the endpoint's parameters *and* the store's data version
(number of documents, highest id, latest import time), read with one cheap indexed query per
request. Any import — through this API, another server process or ``cnbudget import`` — changes
the version, so a stale answer is never served. Why it helps: these answers cost 10–100 ms of
Python each, and under load they are what makes the cheap requests (a document fetch) wait.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select

from cnbudget.store.schema import DocumentRow

__all__ = ["ResultCache", "data_version"]

T = TypeVar("T")


def data_version(engine: Engine) -> tuple[Any, ...]:
    """What changes whenever a document is stored."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                func.count(DocumentRow.id),
                func.max(DocumentRow.id),
                func.max(DocumentRow.imported_at),
            )
        ).one()
    return tuple(row)


class ResultCache:
    """A thread-safe LRU of computed answers, each tagged with the data version it was computed
    for; entries of an older version are recomputed on access."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[tuple[Any, ...], Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, engine: Engine, key: Hashable, compute: Callable[[], T]) -> T:
        if self.size <= 0:
            return compute()
        version = data_version(engine)
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and hit[0] == version:
                self._items.move_to_end(key)
                return hit[1]  # type: ignore[no-any-return]
        value = compute()  # outside the lock: two misses may compute twice, never block
        with self._lock:
            self._items[key] = (version, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
