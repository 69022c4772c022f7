"""What crawlers find on a site published through the pipeline (moto, template.yaml):
robots.txt, the sitemaps, and listing buckets that are never a second copy of their front."""

from __future__ import annotations

import pytest
from lxml import etree  # type: ignore[import-untyped]

from rotativa_tools.local.cloud import LocalCloud
from tests.conftest import SAMPLES
from tests.integration.pipeline_helpers import article, publish, site_page
from tests.integration.test_redirects import redirect_of
from tests.unit.test_feeds_sitemaps import BASE, assert_valid, news_urls, schema


def content_type(cloud: LocalCloud, path: str) -> str:
    key = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
    head = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)
    return str(head["ContentType"])


def test_a_fresh_site_has_robots_txt_and_a_news_sitemap(cloud: LocalCloud) -> None:
    # WHEN the samples (all of 2024, long before the clock) are published on a fresh stack
    cloud.upload_content(SAMPLES)
    cloud.run_until_quiet()

    # THEN robots.txt names both sitemaps by absolute URL, as plain text
    robots = site_page(cloud, "/robots.txt")
    assert robots is not None
    assert f"Sitemap: {BASE}sitemap.xml\n" in robots
    assert f"Sitemap: {BASE}news-sitemap.xml\n" in robots
    assert robots.startswith("User-agent: *\nAllow: /\n")
    assert content_type(cloud, "/robots.txt") == "text/plain; charset=utf-8"
    # and the news sitemap exists though nothing is recent: an empty urlset, whose only
    # fault against the 0.9 schema is the url it asks for at least once (Google takes none)
    news = site_page(cloud, "/news-sitemap.xml")
    assert news is not None
    assert news_urls(news.encode()) == []
    checker = schema("news-sitemap.xsd")
    assert not checker.validate(etree.fromstring(news.encode()))
    [error] = list(checker.error_log)
    assert "Missing child element(s)" in error.message
    assert error.message.endswith("( {http://www.sitemaps.org/schemas/sitemap/0.9}url ).")
    # and the sitemap index lists the months and the fronts' sitemap, all valid
    index = site_page(cloud, "/sitemap.xml")
    assert index is not None
    assert_valid(index.encode(), "siteindex.xsd")
    sitemaps = [e.text for e in etree.fromstring(index.encode()).iter("{*}loc")]
    assert f"{BASE}sitemaps/pagine.xml" in sitemaps
    fronts = site_page(cloud, "/sitemaps/pagine.xml")
    assert fronts is not None
    assert_valid(fronts.encode(), "sitemap.xsd")
    assert f"<loc>{BASE}sesto-san-giovanni/</loc>" in fronts


def test_a_recent_article_is_in_the_news_sitemap_and_valid(cloud: LocalCloud) -> None:
    date = cloud.clock.now().strftime("%Y-%m-%dT%H:%M")
    publish(cloud, "articles/oggi.md", article("Notizia di oggi", date=date))
    news = site_page(cloud, "/news-sitemap.xml")
    assert news is not None
    assert_valid(news.encode(), "news-sitemap.xsd")
    assert [u["title"] for u in news_urls(news.encode())] == ["Notizia di oggi"]


def sport(i: int) -> str:
    return article(f"Pezzo {i:02d}", tags=("Calcio",), date=f"2024-04-{1 + i:02d}T10:00")


def test_a_small_sections_first_bucket_redirects_to_its_front_until_it_grows(
    cloud: LocalCloud,
) -> None:
    # GIVEN a section of 20 articles
    for i in range(20):
        cloud.put(f"articles/pezzo-{i:02d}.md", sport(i))
    cloud.run_until_quiet()

    # THEN /sport/page/1/ is no second copy of /sport/: it answers a 301 to it
    assert redirect_of(cloud, "/sport/page/1/") == "/sport/"
    assert redirect_of(cloud, "/tag/calcio/page/1/") == "/tag/calcio/"
    assert redirect_of(cloud, "/sport/") is None
    assert "Pezzo 19" in (site_page(cloud, "/sport/") or "")
    assert "Pezzo" not in (site_page(cloud, "/sport/page/1/") or "")

    # WHEN the 21st arrives, the bucket is a page of its own (the 20 oldest)
    publish(cloud, "articles/pezzo-20.md", sport(20))
    assert redirect_of(cloud, "/sport/page/1/") is None
    first = site_page(cloud, "/sport/page/1/") or ""
    assert "Pezzo 00" in first
    assert "Pezzo 19" in first
    assert "Pezzo 20" not in first
    assert f'<link rel="canonical" href="{BASE}sport/page/1/">' in first
    assert 'href="/sport/page/2/"' in first  # its newer page
    assert "Pezzo 20" in (site_page(cloud, "/sport/page/2/") or "")

    # WHEN it goes again, the bucket is the front's copy again, and bucket 2 is gone
    cloud.delete("articles/pezzo-20.md")
    cloud.run_until_quiet()
    assert redirect_of(cloud, "/sport/page/1/") == "/sport/"
    with pytest.raises(KeyError):
        redirect_of(cloud, "/sport/page/2/")
