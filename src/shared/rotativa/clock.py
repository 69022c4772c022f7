"""The functions' clock: what time it is, for a handler deciding what is recent or due.

On Lambda it is the wall clock. The local cloud runs the same handlers against a clock its
tests can move forward (`LocalCloud.advance`), and sets the offset for the length of each
invocation, so that "two hours later" means the same to the schedules that fire and to
the functions they wake.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

_offset: ContextVar[timedelta] = ContextVar("rotativa_clock_offset", default=timedelta(0))


def now() -> datetime:
    return datetime.now(UTC) + _offset.get()


@contextmanager
def moved_ahead(offset: timedelta) -> Iterator[None]:
    """Run the block as if the time were `offset` later (the local cloud's invocations)."""
    token = _offset.set(offset)
    try:
        yield
    finally:
        _offset.reset(token)
