"""What the InvalidateFunction does with one batch of changed paths.

CloudFront charges per path past 1,000 a month and allows 3,000 file paths and 15 wildcard
paths in progress, so a batch becomes ONE CreateInvalidation: paths deduplicated, and a
directory with more than `wildcard_threshold` changed paths collapsed to `/dir/*`. The
CallerReference is derived from what changed (paths and content hashes), so a retried batch
finds its own invalidation instead of creating a second one, while a later change of the
same paths gets a new reference. Throttling and TooManyInvalidationsInProgress are raised:
SQS redelivers the batch later and no path is dropped.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rotativa.services.ports import Cdn

MAX_PATHS = 3000


@dataclass(frozen=True)
class InvalidationBatch:
    paths: tuple[str, ...]
    caller_reference: str


def invalidation_path(path: str) -> str:
    """The cached object behind a site path: `/sport/x/` is cached as `/sport/x/index.html`
    (the CloudFront Function rewrites the URI before the cache is looked up)."""
    return path + "index.html" if path.endswith("/") else path


def coalesce(changes: Iterable[tuple[str, str]], wildcard_threshold: int) -> InvalidationBatch:
    unique = sorted(set(changes))
    paths = sorted({invalidation_path(path) for path, _ in unique})
    by_directory: dict[str, list[str]] = defaultdict(list)
    for path in paths:
        first = path.strip("/").split("/", 1)[0]
        directory = f"/{first}/" if "/" in path.strip("/") else "/"
        by_directory[directory].append(path)
    collapsed: list[str] = []
    for directory, members in sorted(by_directory.items()):
        if directory != "/" and len(members) > wildcard_threshold:
            collapsed.append(directory + "*")
        else:
            collapsed.extend(members)
    if len(collapsed) > MAX_PATHS:
        collapsed = ["/*"]
    reference = hashlib.sha256(repr(unique).encode()).hexdigest()[:32]
    return InvalidationBatch(tuple(collapsed), f"rotativa-{reference}")


class Invalidator:
    def __init__(self, cdn: Cdn, wildcard_threshold: int = 20) -> None:
        self.cdn = cdn
        self.wildcard_threshold = wildcard_threshold

    def invalidate(self, changes: Iterable[tuple[str, str]]) -> InvalidationBatch | None:
        batch = coalesce(changes, self.wildcard_threshold)
        if not batch.paths:
            return None
        self.cdn.invalidate(batch.paths, batch.caller_reference)
        return batch
