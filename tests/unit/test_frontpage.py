"""The homepage rule lives once (`domain.frontpage`): the cloud's `PageRenderer`,
`rotativa rebuild FOLDER` and the IndexFunction's choice of pages all follow it."""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path, PurePath

import pytest
from lxml import html  # type: ignore[import-untyped]

from rotativa.adapters.folder import FolderInbox
from rotativa.adapters.memory import MemoryBucket, MemoryTable, NoInvalidations
from rotativa.domain import frontpage
from rotativa.domain.article import ArticleTeaser
from rotativa.domain.inbox import FileUpload
from rotativa.domain.pages import PageKind, PageRef
from rotativa.domain.site import SectionSettings, SiteSettings
from rotativa.services.indexing import Indexer
from rotativa.services.rebuild import index_uploads
from rotativa.services.rendering import PageRenderer
from rotativa.services.validation import validate_upload
from rotativa_tools.cli import main
from tests.conftest import ROOT, SAMPLES
from tests.fakes import RecordingQueue

NOW = datetime(2024, 6, 1, tzinfo=UTC)
SITE = SiteSettings(
    name="Nordmilano Notizie",
    base_url="https://www.nordmilanonotizie.example/",
    sections=(SectionSettings(name="Sport", homepage_count=3), SectionSettings(name="Bresso")),
)


def upload(day: int, title: str, section: str = "Sport") -> tuple[str, str]:
    key = f"articles/a{day:02d}.md"
    text = f"---\ntitle: {title}\nsection: {section}\ndate: 2024-05-{day:02d}T10:00\n---\nTesto.\n"
    return key, text


def indexed(*uploads: tuple[str, str]) -> MemoryTable:
    """The uploads published in this order, each arrived at NOW, as the cloud would."""
    table = MemoryTable()
    files = [FileUpload(key, PurePath(key), text.encode(), NOW) for key, text in uploads]
    assert index_uploads(SITE, table, FolderInbox(files), files, NOW) == []
    return table


def home_titles(table: MemoryTable) -> list[str]:
    bucket = MemoryBucket()
    PageRenderer(SITE, table, bucket, NoInvalidations()).render([PageRef.of(PageKind.HOME)], NOW)
    doc = html.fromstring(bucket.objects["index.html"])
    return [" ".join(a.text_content().split()) for a in doc.xpath("//main//h2/a | //main//h3/a")]


def test_the_lead_leaves_its_section_block_and_the_next_article_moves_up() -> None:
    table = indexed(*(upload(day, f"Sport {day}") for day in range(1, 6)))
    titles = home_titles(table)
    assert titles[0] == "Sport 5"  # no pinned article: the newest leads
    assert "Sport 5" not in titles[1:]
    assert [t for t in titles if t.startswith("Sport ")][1:] == ["Sport 4", "Sport 3", "Sport 2"]


def test_an_edit_of_the_article_that_moved_up_renders_the_homepage() -> None:
    """`home_depth`: with the lead among a section's newest, the article after its
    `homepage_count` newest is on the homepage, and a change to it must reach it."""
    uploads = [upload(day, f"Sport {day}") for day in range(1, 6)]
    table = indexed(*uploads)
    key, text = uploads[1]  # "Sport 2": fourth newest of three shown, moved up by the lead
    assert "Sport 2" in home_titles(table)
    old = table.get(key)
    assert old is not None
    report = validate_upload(key, text.replace("Sport 2", "Sport due").encode(), SITE)
    assert report.article is not None
    table.put(replace(old, article=report.article, order="F" * 32))

    pages = Indexer(SITE, table, RecordingQueue()).index(key, old, NOW)

    assert PageRef.of(PageKind.HOME) in pages
    assert "Sport due" in home_titles(table)


def test_a_rebuild_from_a_folder_follows_the_rule_the_cloud_renders_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Change the rule in its one place and the folder's homepage changes with it: there
    is no second homepage rule behind `rotativa rebuild` (or `rotativa local`)."""
    assert main(["rebuild", str(SAMPLES), "--out", str(tmp_path / "before"), "--quiet"]) == 0
    before = html.fromstring((tmp_path / "before" / "index.html").read_bytes())
    assert before.xpath('//*[@class="lead__title"]')

    rule = frontpage.front_page

    def no_lead_first_section_only(
        *,
        pinned: ArticleTeaser | None,
        latest: Callable[[], ArticleTeaser | None],
        sections: Sequence[SectionSettings],
        newest: Callable[[SectionSettings, int], Sequence[ArticleTeaser]],
    ) -> frontpage.FrontPage:
        chosen = rule(pinned=pinned, latest=latest, sections=sections[:1], newest=newest)
        return frontpage.FrontPage(None, chosen.blocks)

    monkeypatch.setattr(frontpage, "front_page", no_lead_first_section_only)
    assert main(["rebuild", str(SAMPLES), "--out", str(tmp_path / "after"), "--quiet"]) == 0
    after = html.fromstring((tmp_path / "after" / "index.html").read_bytes())

    assert not after.xpath('//*[@class="lead__title"]')
    blocks = [" ".join(h.text_content().split()) for h in after.xpath("//section//h2")]
    assert blocks == ["Sesto San Giovanni"]


def test_only_the_frontpage_module_knows_how_many_articles_a_section_shows() -> None:
    """`homepage_count` is read in `domain/frontpage.py` alone, and `front_page` is asked
    only by the `PageRenderer`: nothing else chooses what the homepage shows."""
    readers, callers = set(), set()
    for path in sorted((ROOT / "src").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "homepage_count":
                readers.add(path.relative_to(ROOT).as_posix())
            if isinstance(node, ast.Attribute | ast.Name) and "front_page" in (
                getattr(node, "attr", None),
                getattr(node, "id", None),
            ):
                callers.add(path.relative_to(ROOT).as_posix())
    assert readers == {"src/shared/rotativa/domain/frontpage.py"}
    assert callers == {"src/shared/rotativa/services/rendering.py"}
