"""Templates compiled when the layer is built (rendering/precompile.py) make the same pages
as templates compiled from source at a cold start, and are used only while current."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from jinja2 import ModuleLoader, PackageLoader

from rotativa.adapters.folder import FolderInbox, read_uploads
from rotativa.adapters.memory import MemoryBucket, MemoryTable
from rotativa.domain.site import SiteSettings
from rotativa.rendering import precompile, renderer
from rotativa.services.rebuild import Rebuild, index_uploads, site_pages
from tests.conftest import SAMPLES

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


@pytest.fixture
def fresh_environment() -> Iterator[None]:
    renderer._environment.cache_clear()
    yield
    renderer._environment.cache_clear()


def _site_files(settings: SiteSettings) -> dict[str, bytes]:
    table = MemoryTable()
    uploads = read_uploads(SAMPLES)
    index_uploads(settings, table, FolderInbox(uploads), uploads, NOW)
    bucket = MemoryBucket()
    Rebuild(settings, table, bucket).run(site_pages(table, settings), NOW)
    return dict(bucket.objects)


def test_precompiled_templates_make_the_same_pages(
    settings: SiteSettings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fresh_environment: None,  # noqa: ARG001
) -> None:
    # GIVEN the pages of the samples, from templates compiled at the cold start
    monkeypatch.setattr(precompile, "COMPILED", tmp_path / "absent")
    assert isinstance(renderer._environment().loader, PackageLoader)
    expected = _site_files(settings)
    # WHEN the templates are compiled as the layer's build compiles them
    compiled = tmp_path / "compiled"
    count = precompile.compile_into(compiled)
    assert count == len(list(precompile.TEMPLATES.glob("*.*")))
    monkeypatch.setattr(precompile, "COMPILED", compiled)
    renderer._environment.cache_clear()
    # THEN the renderer loads them as modules, and every page is the same bytes
    assert isinstance(renderer._environment().loader, ModuleLoader)
    found = _site_files(settings)
    assert found.keys() == expected.keys()
    assert [k for k in found if found[k] != expected[k]] == []


def test_templates_edited_after_the_build_are_compiled_from_source(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(precompile.TEMPLATES, templates)
    compiled = tmp_path / "compiled"
    precompile.compile_into(compiled, templates)
    assert precompile.is_current(compiled, templates)
    # a template changed (a hot fix copied into the layer by hand, a stale build folder)
    article = templates / "article.html"
    article.write_text(article.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not precompile.is_current(compiled, templates)
    # a template added
    precompile.compile_into(compiled, templates)
    (templates / "new.html").write_text("x", encoding="utf-8")
    assert not precompile.is_current(compiled, templates)
    # no marker: never trusted
    (compiled / precompile.SOURCES).unlink()
    assert not precompile.is_current(compiled, templates)
