"""Fixtures shared by every layer of tests."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotativa.domain.site import SiteSettings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
# The seed article as the newsroom sent it (a copy of shared/seed: tests read only the repo).
SEED = ROOT / "tests" / "fixtures" / "seed" / "article.txt"


@pytest.fixture
def settings() -> SiteSettings:
    """The samples' site: five sections, Italian, Europe/Rome."""
    return SiteSettings.from_file(SAMPLES / "site.yaml")


@pytest.fixture(autouse=True)
def _environment_restored() -> Iterator[None]:
    """Commands run in-process (`main([...])`) may point the environment at a server they
    were given (`--endpoint-url`): no test leaves that to the next one."""
    saved = dict(os.environ)
    yield
    if dict(os.environ) != saved:
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture(autouse=True)
def _no_network(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests never touch the network (loopback stays allowed for local servers)."""
    if "unit" not in request.path.parts:
        yield
        return
    original = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        if host not in ("127.0.0.1", "::1", "localhost"):
            raise RuntimeError(f"unit tests must not open network connections ({address!r})")
        return original(self, address)  # type: ignore[arg-type]

    socket.socket.connect = guarded  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        socket.socket.connect = original  # type: ignore[method-assign]
