"""Pages show the variants the site made of a picture (issue 14): sized, in the modern
format with a JPEG fallback, the social card and the search crops in the head.

(libxml2 does not know `<source>` is void and nests what follows inside it, hence
`picture//img` rather than `picture/img`.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from lxml import etree, html  # type: ignore[import-untyped]

from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.pictures import PictureFormat, PictureRef
from rotativa.domain.site import SiteSettings
from rotativa.rendering import SiteRenderer
from rotativa.services.validation import validate_upload
from tests.conftest import SAMPLES
from tests.schema_org import nodes_of_type

WHEN = datetime(2024, 5, 1, 10, tzinfo=UTC)


@pytest.fixture(scope="module")
def site() -> SiteSettings:
    return SiteSettings.from_file(SAMPLES / "site.yaml")


@pytest.fixture(scope="module")
def renderer(site: SiteSettings) -> SiteRenderer:
    return SiteRenderer(site)


def upload(site: SiteSettings, src: str | None, key: str = "articles/piazza.md") -> Article:
    image = f"image:\n  src: {src}\n  alt: La piazza\n" if src else ""
    text = f"---\ntitle: La piazza\nsection: Sport\ndate: 2024-05-01\n{image}---\nTesto.\n"
    report = validate_upload(key, text.encode(), site)
    assert report.article is not None, report.problems
    return report.article


def ref(src: str = "media/piazza.jpg") -> PictureRef:
    return PictureRef(src=src, sha256="ab" * 32, width=4000, height=3000, modern=PictureFormat.AVIF)


def page(renderer: SiteRenderer, article: Article, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"published": WHEN, "updated": None, "related": []}
    options.update(kwargs)
    return html.fromstring(renderer.article_page(article, **options))


def meta(doc: Any, name: str) -> list[str]:
    return [str(v) for v in doc.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content')]


def json_ld(doc: Any) -> dict[str, Any]:
    """The page's NewsArticle, a node of the one JSON-LD graph in its head."""
    (script,) = doc.xpath('//script[@type="application/ld+json"]')
    (article,) = nodes_of_type(json.loads(script.text), "NewsArticle")
    return article


def teaser(article: Article, picture: PictureRef | None) -> ArticleTeaser:
    return article.teaser(WHEN).model_copy(update={"picture": picture})


def test_the_hero_is_sized_prioritised_and_offered_in_the_modern_format(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    doc = page(renderer, upload(site, "media/piazza.jpg"), pictures=[ref()])
    (img,) = doc.xpath('//figure[@class="story__figure"]/picture//img')
    assert img.get("fetchpriority") == "high"
    assert img.get("loading") is None
    assert img.get("decoding") == "async"
    width, height = int(img.get("width")), int(img.get("height"))
    assert width * 3 == height * 4  # the 4:3 original, uncropped
    assert "/media/_v/" in img.get("src")
    assert img.get("src").endswith(".jpg")
    assert img.get("srcset").count("w,") >= 1
    assert "50rem" in img.get("sizes")
    (source,) = doc.xpath('//figure[@class="story__figure"]/picture/source')
    assert source.get("type") == "image/avif"
    assert ".avif " in source.get("srcset")


def test_related_thumbnails_are_lazy_teaser_crops(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    other = upload(site, "media/altra.jpg", key="articles/altra.md")
    doc = page(
        renderer,
        upload(site, None),
        related=[teaser(other, ref("media/altra.jpg"))],
    )
    (img,) = doc.xpath('//img[@class="related__thumb"]')
    assert img.get("loading") == "lazy"
    assert img.get("fetchpriority") is None
    assert int(img.get("width")) * 2 == int(img.get("height")) * 3  # 3:2 as the CSS shows it
    assert img.get("sizes") == "(min-width: 60rem) 19rem, 100vw"
    assert len(img.get("srcset").split(", ")) == 2  # teaser and teaser@2x
    assert img.xpath("ancestor::picture")


def test_search_gets_the_three_crops_and_the_social_card(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    doc = page(renderer, upload(site, "media/piazza.jpg"), pictures=[ref()])
    images = json_ld(doc)["image"]
    assert [round(i["width"] / i["height"], 2) for i in images] == [1.78, 1.33, 1.0]
    assert all(i["@type"] == "ImageObject" and i["width"] >= 1200 for i in images)
    assert all(i["url"].startswith("https://") and i["url"].endswith(".jpg") for i in images)
    assert meta(doc, "og:image:width") == ["1200"]
    assert meta(doc, "og:image:height") == ["630"]
    assert meta(doc, "og:image:type") == ["image/jpeg"]
    assert meta(doc, "og:image:alt") == ["La piazza"]
    assert "/media/_v/" in meta(doc, "og:image")[0]
    assert meta(doc, "robots") == ["max-image-preview:large"]


def test_without_a_picture_the_share_card_stays(site: SiteSettings, renderer: SiteRenderer) -> None:
    doc = page(renderer, upload(site, None))
    (card,) = meta(doc, "og:image")
    assert "/assets/share." in card
    assert meta(doc, "og:image:width") == []


def test_an_external_picture_is_shown_as_written(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    src = "https://example.org/foto.jpg"
    doc = page(renderer, upload(site, src), pictures=[ref()])
    (img,) = doc.xpath('//figure[@class="story__figure"]//img')
    assert img.get("src") == src
    assert img.get("srcset") is None
    assert img.get("width") is None
    assert doc.xpath("//figure//picture") == []


def test_the_feed_sizes_its_media_content(site: SiteSettings, renderer: SiteRenderer) -> None:
    made = teaser(upload(site, "media/piazza.jpg"), ref())
    plain = teaser(upload(site, "media/altra.jpg", key="articles/altra.md"), None)
    feed = renderer.feed(
        title="Tutto", page_path="/", feed_path="/feed.xml", articles=[made, plain]
    )
    root = etree.fromstring(feed)
    media = root.xpath("//*[local-name()='content']")
    by_url = {m.get("url"): m for m in media}
    sized = next(m for url, m in by_url.items() if "/media/_v/" in url)
    assert (int(sized.get("width")), int(sized.get("height"))) == (1920, 1080) or (
        int(sized.get("width")) * 9 == int(sized.get("height")) * 16
    )
    assert sized.get("type") == "image/jpeg"
    assert sized.get("medium") == "image"
    bare = next(m for url, m in by_url.items() if url.endswith("/media/altra.jpg"))
    assert bare.get("width") is None
    assert bare.get("medium") == "image"


def test_a_body_picture_the_site_made_is_sized_and_lazy(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    text = (
        "---\ntitle: La piazza\nsection: Sport\ndate: 2024-05-01\n---\n"
        "Testo.\n\n![Il mercato](/media/mercato.jpg)\n\n![Fuori](https://example.org/x.jpg)\n"
    )
    report = validate_upload("articles/piazza.md", text.encode(), site)
    assert report.article is not None, report.problems
    doc = page(renderer, report.article, pictures=[ref("media/mercato.jpg")])
    (img,) = doc.xpath('//div[@class="story__body"]//img[@alt="Il mercato"]')
    assert img.xpath("ancestor::picture")
    assert img.get("loading") == "lazy"
    assert img.get("src").startswith("/media/_v/")
    assert int(img.get("width")) * 3 == int(img.get("height")) * 4
    assert len(img.get("srcset").split(", ")) >= 2
    (source,) = doc.xpath('//div[@class="story__body"]//source')
    assert source.get("type") == "image/avif"
    (outside,) = doc.xpath('//div[@class="story__body"]//img[@alt="Fuori"]')
    assert outside.get("src") == "https://example.org/x.jpg"
    assert outside.get("srcset") is None
