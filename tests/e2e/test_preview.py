"""`rotativa preview` shows the page the cloud publishes: the samples go through the whole
local cloud (template.yaml on moto), each sample is previewed from the folder, and what a
reader sees on the two pages (headline, dateline, byline, body, tags, the "Articoli
correlati" box, the masthead) is the same text. Only the links differ: the preview's are
relative, so that it opens from disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import html  # type: ignore[import-untyped]

from rotativa.adapters.folder import article_uploads
from rotativa.domain.site import SiteSettings
from rotativa_tools.cli import main
from tests.conftest import SAMPLES
from tests.e2e.conftest import Run

SEED = SAMPLES / "articles" / "massimo-carrera-spartak-mosca.md"


def text_of(element: Any) -> str:
    return " ".join(element.text_content().split())


def visible(page: bytes | str) -> dict[str, Any]:
    """What a reader sees of an article page, piece by piece, and all of it."""
    doc = html.fromstring(page)
    (body,) = doc.xpath("//body")
    for hidden in body.xpath(".//script | .//style"):
        hidden.drop_tree()
    return {
        "title": doc.xpath("//title/text()"),
        "headline": [text_of(h) for h in doc.xpath("//h1")],
        "dateline": [text_of(t) for t in doc.xpath('//header[@class="story__header"]//time')],
        "byline": [text_of(b) for b in doc.xpath('//*[@class="story__byline"]')],
        "related": [text_of(li) for li in doc.xpath('//li[@class="related__item"]')],
        "all": text_of(body),
    }


def preview(file: Path, out: Path, capsys: pytest.CaptureFixture[str]) -> bytes:
    assert main(["preview", str(file), "--out", str(out)]) == 0
    capsys.readouterr()
    return (out / "index.html").read_bytes()


def test_the_preview_of_the_seed_is_the_cloud_page(
    samples_run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = samples_run.uploaded["articles/massimo-carrera-spartak-mosca.md"]
    cloud = samples_run.page(seed.path)
    assert cloud is not None

    shown, published = visible(preview(SEED, tmp_path, capsys)), visible(cloud)

    assert shown["headline"] == published["headline"] == [seed.title]
    assert shown["dateline"] == published["dateline"]
    assert len(published["related"]) == 5
    assert shown["related"] == published["related"]
    assert shown == published


def test_every_sample_previews_as_the_cloud_publishes_it(
    samples_run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site: SiteSettings = samples_run.site
    differing = []
    for number, (key, file) in enumerate(article_uploads(SAMPLES)):
        article = samples_run.uploaded[key]
        assert article.section.slug in {s.slug for s in site.sections}
        cloud = samples_run.page(article.path)
        assert cloud is not None, key
        if visible(preview(file, tmp_path / str(number), capsys)) != visible(cloud):
            differing.append(key)
    assert differing == []
