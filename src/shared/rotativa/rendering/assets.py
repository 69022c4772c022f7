"""Stylesheets and icons, served under content-hashed names.

`site.css` is published as `/assets/site.<hash>.css`: the name changes exactly when the
bytes do, so the CDN can cache assets for a year and a new stylesheet needs no
invalidation; the pages that link it change, and they are invalidated anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import PurePosixPath

ASSETS_PREFIX = "/assets/"
HASH_LENGTH = 10

ASSET_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}


def media_type(path: str) -> str:
    """The Content-Type to store an asset with: `/assets/share.1a2b3c4d5e.png` → `image/png`."""
    return ASSET_TYPES.get(PurePosixPath(path).suffix, "application/octet-stream")


def hashed_name(name: str, content: bytes) -> str:
    """`site.css` + bytes → `site.1a2b3c4d5e.css`."""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    pure = PurePosixPath(name)
    return f"{pure.stem}.{digest}{pure.suffix}"


@dataclass(frozen=True)
class AssetBundle:
    """The site's assets by their own name (`site.css`), with their published paths."""

    contents: Mapping[str, bytes]

    def path(self, name: str) -> str:
        """`site.css` → `/assets/site.1a2b3c4d5e.css`."""
        return self._paths[name]

    @cached_property
    def _paths(self) -> dict[str, str]:
        return {
            name: ASSETS_PREFIX + hashed_name(name, data) for name, data in self.contents.items()
        }

    def files(self) -> dict[str, bytes]:
        """Published path → bytes, in a stable order."""
        return {self.path(name): self.contents[name] for name in sorted(self.contents)}

    @classmethod
    def packaged(cls) -> AssetBundle:
        return _packaged()


@cache
def _packaged() -> AssetBundle:
    folder = files("rotativa") / "assets"
    contents = {
        entry.name: entry.read_bytes()
        for entry in folder.iterdir()
        if entry.is_file() and PurePosixPath(entry.name).suffix in ASSET_TYPES
    }
    return AssetBundle(dict(sorted(contents.items())))
