"""Coalescing changed paths into one CloudFront invalidation per batch."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from rotativa.services.invalidation import Invalidator, coalesce, invalidation_path


class FakeCdn:
    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], str]] = []

    def invalidate(self, paths: Sequence[str], caller_reference: str) -> str:
        self.calls.append((tuple(paths), caller_reference))
        return f"I{len(self.calls)}"


def test_paths_are_the_cached_objects() -> None:
    assert invalidation_path("/sport/x/") == "/sport/x/index.html"
    assert invalidation_path("/") == "/index.html"
    assert invalidation_path("/feed.xml") == "/feed.xml"


def test_duplicates_are_removed_and_order_is_stable() -> None:
    batch = coalesce([("/b/", "1"), ("/a/", "2"), ("/b/", "1"), ("/a/", "3")], 20)
    assert batch.paths == ("/a/index.html", "/b/index.html")


def test_many_paths_under_one_directory_become_a_wildcard() -> None:
    changes = [(f"/tag/t{i}/", "h") for i in range(25)] + [("/", "h"), ("/sport/x/", "h")]
    batch = coalesce(changes, wildcard_threshold=20)
    assert batch.paths == ("/index.html", "/sport/x/index.html", "/tag/*")


def test_reference_is_deterministic_and_depends_on_what_changed() -> None:
    first = coalesce([("/a/", "h1"), ("/b/", "h2")], 20)
    retried = coalesce([("/b/", "h2"), ("/a/", "h1"), ("/a/", "h1")], 20)
    later_change = coalesce([("/a/", "h3"), ("/b/", "h2")], 20)
    assert first.caller_reference == retried.caller_reference
    assert first.caller_reference != later_change.caller_reference
    assert len(first.caller_reference) <= 128


def test_one_call_per_batch_and_none_for_nothing() -> None:
    cdn = FakeCdn()
    invalidator = Invalidator(cdn, wildcard_threshold=20)
    assert invalidator.invalidate([]) is None
    invalidator.invalidate([("/a/", "1"), ("/b/", "2")])
    assert len(cdn.calls) == 1


def test_errors_propagate_so_the_batch_is_retried() -> None:
    class Throttled(FakeCdn):
        def invalidate(self, paths: Sequence[str], caller_reference: str) -> str:
            self.calls.append((tuple(paths), caller_reference))
            raise RuntimeError("TooManyInvalidationsInProgress")

    with pytest.raises(RuntimeError, match="TooManyInvalidationsInProgress"):
        Invalidator(Throttled()).invalidate([("/a/", "1")])
