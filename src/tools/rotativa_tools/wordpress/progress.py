"""A one-line progress bar on stderr, for exports that take minutes to convert.

It measures bytes of the export read (known in advance, and the pass's real cost) and
shows items handled; it redraws at most ten times a second, so that printing never
becomes the slow part, and only when asked: the CLI enables it on a terminal or with
`--progress`, and never writes it into a pipe or a log by surprise.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

BAR_WIDTH = 30
INTERVAL = 0.1


class TerminalProgress:
    def __init__(self, stream: TextIO, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = clock
        self.label = ""
        self.total_bytes = 0
        self.total_items: int | None = None
        self.last_draw = float("-inf")
        self.done_bytes = 0
        self.items = 0

    def start(self, label: str, total_bytes: int, total_items: int | None) -> None:
        self.label = label
        self.total_bytes = max(total_bytes, 1)
        self.total_items = total_items
        self.last_draw = float("-inf")
        self.done_bytes = self.items = 0
        self._draw()

    def update(self, done_bytes: int, items: int) -> None:
        self.done_bytes, self.items = done_bytes, items
        if self.clock() - self.last_draw >= INTERVAL:
            self._draw()

    def finish(self) -> None:
        self.done_bytes = self.total_bytes
        if self.total_items is not None:
            self.items = self.total_items
        self._draw()
        self.stream.write("\n")
        self.stream.flush()

    def line(self) -> str:
        fraction = min(self.done_bytes / self.total_bytes, 1.0)
        filled = round(fraction * BAR_WIDTH)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        items = (
            f"{self.items}/{self.total_items}" if self.total_items is not None else f"{self.items}"
        )
        return f"{self.label:<12} [{bar}] {fraction:4.0%} {items}"

    def _draw(self) -> None:
        self.last_draw = self.clock()
        self.stream.write("\r" + self.line())
        self.stream.flush()
