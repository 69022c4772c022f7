"""One site builder: `rotativa preview` and `rotativa rebuild FOLDER` write the site the
cloud publishes. The samples go through the whole local cloud (template.yaml on moto);
each sample previewed from the folder reads as the published page (headline, dateline,
byline, body, tags, the "Articoli correlati" box, the masthead: the same text; only the
links differ, relative so that the preview opens from disk), and a rebuild of the folder
writes the cloud's pages byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import html  # type: ignore[import-untyped]

from rotativa.adapters.folder import article_uploads
from rotativa.domain.site import SiteSettings
from rotativa_tools.cli import main
from tests.conftest import SAMPLES
from tests.e2e.conftest import Run
from tests.integration.pipeline_helpers import comparable_site

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


def test_a_rebuild_of_the_folder_writes_the_bytes_the_cloud_published(
    samples_run: Run, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`rotativa rebuild samples/` (with the settings the functions run with: the
    template's parameters carry no `homepage_count`) writes every page the cloud wrote,
    byte for byte, and no other."""
    settings = tmp_path / "site.yaml"
    settings.write_text(yaml.safe_dump(samples_run.site.model_dump(mode="json")))
    out = tmp_path / "site"
    command = ["rebuild", str(SAMPLES), "--site", str(settings), "--out", str(out), "--quiet"]
    assert main(command) == 0
    capsys.readouterr()

    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    published = samples_run.cloud.site_files()
    # The pictures too: made from the folder's files by the same desk, so the same names
    # (content-addressed) and, with the same encoders, the same bytes.
    assert sorted(k for k in written if k.startswith("media/")) == sorted(
        k for k in published if k.startswith("media/")
    )
    # The news sitemap too: the pipeline renders it with the homepage, though these
    # articles are two years old (an empty urlset), as the rebuild does.
    assert "news-sitemap.xml" in published
    # The search index too, as the SearchFunction made it (but for pagefind's files that
    # differ from run to run for the same records: see `comparable_site`).
    assert any(key.startswith("cerca/pagefind/fragment/") for key in written)
    written, published = comparable_site(written), comparable_site(published)
    assert sorted(written) == sorted(published)
    assert [key for key in written if written[key] != published[key]] == []
