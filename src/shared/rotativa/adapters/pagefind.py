"""Pagefind: the search bundle of the site's articles, made by pagefind's own binary.

`pagefind`'s Python API starts the `pagefind_bin` executable (a wheel of the layer, built
for arm64) as a service, has it index one staged page per article (`build_bundle`) and
write the bundle into a temporary folder, which is read back as bytes: what the site
bucket gets is decided by `services.search`, never here. The bundle's fragments, index
chunks and filters have content-hashed names, so an article that did not change keeps its
fragment's name.

Only what a reader's browser loads is kept: the search library (`pagefind.js`, its worker
and the WebAssembly of the languages), the entry file and the hashed data. Pagefind's
ready-made interfaces (`pagefind-ui.*`, `pagefind-modular-ui.*`, `pagefind-component-ui.*`)
are left out: `/cerca/` is the site's own page, driven by `assets/search.js`.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

from rotativa.domain.search import SearchRecord

BINARY_VARIABLE = "PAGEFIND_BINARY_PATH"  # read by pagefind's Python API
_SAFE_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9._~%-]*")  # a url segment that is a folder name

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
    `fragment/it_….pf_fragment`, `pagefind.js`…) and bytes.

    The records are written as one small HTML page each (`staged_page`) and indexed by one
    `add_directory` call: pagefind's Python API waits 0.1 s for every answer of its binary,
    so a call per record (`add_custom_record`) would cost 1,000 s for 10,000 articles,
    where one directory costs one answer and the binary's own speed."""
    os.environ[BINARY_VARIABLE] = str(executable())  # what pagefind's Python API runs
    with tempfile.TemporaryDirectory(prefix="pagefind-") as folder:
        staged, out = Path(folder) / "pages", Path(folder) / "bundle"
        for number, record in enumerate(records):
            page = staged / _staged_path(record.url, number)
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(staged_page(record, language), encoding="utf-8")
        try:
            asyncio.run(_write(staged, language, out, len(records)))
        except FileNotFoundError as exc:  # no binary: the layer or the venv lacks pagefind_bin
            raise PagefindError(f"pagefind's binary is missing: {exc}") from exc
        return {
            path.relative_to(out).as_posix(): path.read_bytes()
            for path in sorted(out.rglob("*"))
            if path.is_file() and not path.name.startswith(_LEFT_OUT)
        }


def _staged_path(url: str, number: int) -> str:
    """Where a record's page is staged: its url's folder (pagefind names the result by the
    page's path), `index.html` in it; a url that is not a folder path gets its own."""
    folder = url.removesuffix("index.html")  # a page's link as a file (`x/index.html`)
    parts = [p for p in folder.split("/") if p not in ("", ".", "..")]
    if folder.endswith("/") and parts and all(_SAFE_PART.fullmatch(p) for p in parts):
        return "/".join([*parts, "index.html"])
    return f"_/{number}/index.html"


def staged_page(record: SearchRecord, language: str) -> str:
    """One record as the page pagefind indexes: its words in the body, what a result shows
    as metadata, its filters and sort keys, each an element of its own (no attribute
    syntax to escape), all text escaped."""
    lines = [
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">',
        "<title></title></head><body>",
    ]
    lines += [
        f'<p data-pagefind-meta="{escape(k)}">{escape(v)}</p>' for k, v in record.meta.items()
    ]
    for name, values in record.filters.items():
        lines += [f'<p data-pagefind-filter="{escape(name)}">{escape(v)}</p>' for v in values]
    lines += [
        f'<p data-pagefind-sort="{escape(k)}">{escape(v)}</p>' for k, v in record.sort.items()
    ]
    paragraphs = "".join(f"<p>{escape(line)}</p>" for line in record.content.splitlines() if line)
    lines.append(f"<main data-pagefind-body>{paragraphs}</main></body></html>")
    return "\n".join(lines)


async def _write(staged: Path, language: str, out: Path, expected: int) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    # force_language: every page is the site's language, whatever a word looks like;
    # output_path absolute, so the binary writes nowhere near its working directory (which
    # is read-only on Lambda). Leaving the context writes the files once.
    config: IndexConfig = {"force_language": language, "output_path": str(out)}
    async with PagefindIndex(config) as index:
        if expected:
            found = await index.add_directory(str(staged))
            if found.get("page_count") != expected:
                raise PagefindError(
                    f"pagefind indexed {found.get('page_count')} of {expected} articles"
                )
