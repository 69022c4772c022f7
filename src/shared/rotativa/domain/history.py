"""A site object's kept versions, as the versioned site bucket lists them.

The value the S3 adapter (`adapters/site_versions.py`) reads and the rollback rule
(`services/rollback.py`) chooses from: it lives here so that the adapter needs nothing
from the service it serves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectHistory:
    """One key's versions as S3 keeps them.

    `versions` are the versions holding bytes, newest first (the order S3 lists them in);
    `delete_markers` the ids of its delete markers; `deleted` is True when the newest
    entry of all is a delete marker (the object is gone from the site).
    """

    key: str
    versions: tuple[str, ...]
    delete_markers: frozenset[str] = frozenset()
    deleted: bool = False

    @property
    def current(self) -> str | None:
        """The version served now, or None when the object is deleted (or never was)."""
        return None if self.deleted or not self.versions else self.versions[0]
