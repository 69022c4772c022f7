"""`rotativa rollback`: put one site object back as it was before a bad write or delete.

The site bucket keeps versions (template.yaml, SiteBucket), so every write leaves the bytes
it replaced as a noncurrent version and every delete leaves a delete marker over them.
Rolling back copies the chosen older version over the current one: a new version whose
bytes, headers and redirect are the old ones, so the history only grows and the rollback
can itself be rolled back. Then the object's path is invalidated, so the CDN serves it.

What the next render of that page writes wins again, as every write does: a rollback is a
repair of the site while its cause (an upload, a template) is mended, not a lock.
This module is the rule; the S3 and CDN sides are ports, implemented in
`adapters/site_versions.py` and by the invalidate queue or the distribution (the ports:
`services/ports.py`; the versions: `domain/history.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from rotativa.domain.history import ObjectHistory
from rotativa.services.ports import PathInvalidation, SiteHistory

__all__ = [
    "RollbackError",
    "RolledBack",
    "choose_version",
    "object_key",
    "roll_back",
]


class RollbackError(Exception):
    """The object cannot be rolled back as asked; the message says why, for the operator."""


@dataclass(frozen=True)
class RolledBack:
    key: str
    restored: str  # the version whose bytes are current again
    replaced: str | None  # the version that was current (None: the object was deleted)
    current: str  # the new current version, a copy of `restored`
    invalidation: str


def object_key(text: str) -> str:
    """The site bucket key for what the operator typed: a key (`sport/x/index.html`) as it
    is, or a page's address (`/sport/x/`, `/sport/x`, `/`) mapped onto the bucket as the
    distribution's viewer-request function maps it (percent-escapes decoded, a last
    segment without a dot is a folder, a folder is its `index.html`).

    Dot segments and empty segments are refused rather than resolved: a rollback names
    one object exactly, and `a/../b` is a different key in S3 than `b`.
    """
    stripped = text.strip()
    if not stripped:
        raise RollbackError("name a site object: a key (sport/x/index.html) or a path (/sport/x/)")
    if stripped.startswith("/"):
        address = unquote(stripped)
        last = address.rsplit("/", 1)[1]
        if last and "." not in last:
            address += "/"
        key = address.lstrip("/")
    else:
        key = stripped
    if key == "" or key.endswith("/"):
        key += "index.html"
    if any(segment in ("", ".", "..") for segment in key.split("/")):
        raise RollbackError(f"{text!r} is not one site object: empty or dot segments")
    return key


def choose_version(history: ObjectHistory, to: str | None = None) -> str:
    """The version to bring back: `to` when given, else the one before the current.

    Before the current means: for an object deleted by mistake, its last bytes; for an
    object overwritten, the bytes the last write replaced.
    """
    key = history.key
    if not history.versions and not history.delete_markers:
        raise RollbackError(f"the site has no object {key} and never had one in its kept versions")
    if to is not None:
        if to in history.delete_markers:
            raise RollbackError(f"{to} is a delete marker of {key}, not a version with bytes")
        if to not in history.versions:
            raise RollbackError(f"{key} has no version {to} (expired, or of another key?)")
        if to == history.current:
            raise RollbackError(f"{to} is already the current version of {key}")
        return to
    older = history.versions if history.deleted else history.versions[1:]
    if not older:
        raise RollbackError(
            f"{key} has no older version to go back to"
            + (" (deleted, and nothing kept before)" if history.deleted else "")
        )
    return older[0]


def roll_back(
    key: str,
    site: SiteHistory,
    invalidation: PathInvalidation,
    *,
    to: str | None = None,
) -> RolledBack:
    """Restore `key` to `to` (or its previous version) and invalidate its path."""
    history = site.history(key)
    chosen = choose_version(history, to)
    current = site.restore(key, chosen)
    done = invalidation.invalidate("/" + key, f"rollback:{key}:{chosen}:{current}")
    return RolledBack(key, chosen, history.current, current, done)


def describe(result: RolledBack) -> Sequence[str]:
    """What the operator reads after a rollback."""
    before = result.replaced or "a delete marker"
    return (
        f"{result.key}: version {result.restored} is current again (as {result.current}; "
        f"it replaced {before})",
        f"invalidation: {result.invalidation}",
    )
