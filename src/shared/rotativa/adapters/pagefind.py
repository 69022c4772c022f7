"""Pagefind: the search bundle of the site's articles, made by pagefind's own binary.

`pagefind`'s Python API starts the `pagefind_bin` executable (a wheel of the layer, built
for arm64) as a service, hands it one record per article and has it write the bundle into
a temporary folder, which is read back as bytes: what the site bucket gets is decided by
`services.search`, never here. The bundle's fragments, index chunks and filters have
content-hashed names, so an article that did not change keeps its fragment's name.

Only what a reader's browser loads is kept: the search library (`pagefind.js`, its worker
and the WebAssembly of the languages), the entry file and the hashed data. Pagefind's
ready-made interfaces (`pagefind-ui.*`, `pagefind-modular-ui.*`, `pagefind-component-ui.*`)
are left out: `/cerca/` is the site's own page, driven by `assets/search.js`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from rotativa.domain.search import SearchRecord

BINARY_VARIABLE = "PAGEFIND_BINARY_PATH"  # read by pagefind's Python API

#: Files of pagefind's output the site does not serve (its bundled search interfaces).
_LEFT_OUT = (
    "pagefind-ui.",
    "pagefind-modular-ui.",
    "pagefind-component-ui.",
    "pagefind-highlight.",
)


class PagefindError(RuntimeError):
    """The pagefind binary could not be started, or refused a record."""


def executable() -> Path:
    """pagefind's binary, runnable: the `pagefind_bin` wheel's, or a copy of it in the
    temporary folder made executable. A layer built by `sam build` keeps no file modes
    (the wheel's executable arrives as 0644, and Lambda mounts /opt read-only), so the
    copy is what runs there; `PAGEFIND_BINARY_PATH` names another binary outright."""
    named = os.environ.get(BINARY_VARIABLE)
    if named:
        return Path(named)
    try:
        from pagefind_bin import get_executable  # type: ignore[import-untyped]
    except ImportError as exc:
        raise PagefindError("pagefind's binary is missing: install pagefind[bin]") from exc
    shipped = Path(get_executable())
    if os.access(shipped, os.X_OK):
        return shipped
    copy = (
        Path(tempfile.gettempdir()) / f"rotativa-pagefind-{shipped.stat().st_size}" / shipped.name
    )
    if not (copy.is_file() and os.access(copy, os.X_OK)):
        copy.parent.mkdir(parents=True, exist_ok=True)
        partial = copy.with_name(f"{copy.name}.{os.getpid()}")
        shutil.copyfile(shipped, partial)
        partial.chmod(0o755)
        partial.replace(copy)  # atomic: a concurrent copy never runs half a file
    return copy


def build_bundle(records: Sequence[SearchRecord], language: str) -> dict[str, bytes]:
    """The search bundle of `records`: its file names (relative to the bundle's folder,
    `fragment/it_….pf_fragment`, `pagefind.js`…) and bytes."""
    os.environ[BINARY_VARIABLE] = str(executable())  # what pagefind's Python API runs
    with tempfile.TemporaryDirectory(prefix="pagefind-") as folder:
        out = Path(folder) / "bundle"
        try:
            asyncio.run(_write(records, language, out))
        except FileNotFoundError as exc:  # no binary: the layer or the venv lacks pagefind_bin
            raise PagefindError(f"pagefind's binary is missing: {exc}") from exc
        return {
            path.relative_to(out).as_posix(): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file() and not path.name.startswith(_LEFT_OUT)
        }


async def _write(records: Sequence[SearchRecord], language: str, out: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    # force_language: every record is the site's language, whatever a word looks like;
    # output_path absolute, so the binary writes nowhere near its working directory (which
    # is read-only on Lambda). Leaving the context writes the files once.
    config: IndexConfig = {"force_language": language, "output_path": str(out)}
    async with PagefindIndex(config) as index:
        for record in records:
            try:
                await index.add_custom_record(
                    url=record.url,
                    content=record.content,
                    language=language,
                    meta=dict(record.meta),
                    filters={name: list(values) for name, values in record.filters.items()},
                    sort=dict(record.sort),
                )
            except Exception as exc:  # the service answers an error for a bad record
                raise PagefindError(f"pagefind refused {record.url}: {exc}") from exc
