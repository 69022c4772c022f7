"""The samples published beside every hostile upload keep every one of their pages: same
address, same headline, never a redirect, never removed; and so do the site's own pages.

The attack is the whole hostile corpus plus uploads aimed at the samples themselves: the
address of each sample (same section and slug), its JSON twin, aliases on each sample page
in several spellings, aliases on the home, fronts and feeds. Then every hostile upload is
deleted again: deleting what an upload does not own removes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from rotativa_tools.local.cloud import LocalCloud
from tests.conftest import SAMPLES
from tests.integration.pipeline_helpers import article
from tests.reliability.cloud_helpers import dead_letters, moto_cloud
from tests.reliability.hostile_corpus import corpus

SITE_PAGES = ("index.html", "404.html", "feed.xml", "sitemap.xml", "bresso/index.html",
              "sport/index.html", "cologno-monzese/feed.xml", "tag/calcio/index.html")  # fmt: skip
NAMES = {"sesto-san-giovanni": "Sesto San Giovanni", "cinisello-balsamo": "Cinisello Balsamo",
         "cologno-monzese": "Cologno Monzese"}  # fmt: skip
H1 = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.S)


def sample_pages(cloud: LocalCloud) -> dict[str, bytes]:
    """Each sample article's page key and its headline."""
    pages = {}
    for key, body in cloud.site_files().items():
        parts = key.split("/")
        article_page = len(parts) == 3 and parts[2] == "index.html" and parts[1] != "page"
        if article_page and parts[0] not in ("tag", "autore") and (found := H1.search(body)):
            pages[key] = found.group(1).strip()
    return pages


def attacks(pages: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """Uploads aimed at the samples' own pages."""
    uploads = []
    spellings = lambda key: [  # noqa: E731
        "/" + key.removesuffix("index.html"),
        "/" + key,
        "/" + key.replace("/", "/%2e/", 1).removesuffix("index.html"),
        "https://www.nordmilanonotizie.example/" + key,
    ]
    for i, key in enumerate(sorted(pages)):
        section, slug, _ = key.split("/")
        name = NAMES.get(section, section.title())
        uploads.append(
            (f"articles/hijack-{i}.md", article(f"Dirottato {i}", section=name, slug=slug))
        )
        aliases = json.dumps([s for s in spellings(key) if "%2e" not in s])
        uploads.append(
            (f"articles/alias-{i}.md", article(f"Alias {i}", extra=f"aliases: {aliases}\n"))
        )
    for stem in sorted(p.stem for p in (SAMPLES / "articles").glob("*.md"))[:5]:
        twin = {"title": "Gemello", "section": "Sport", "body": "Testo."}
        uploads.append((f"articles/{stem}.json", json.dumps(twin)))
    return [(k, v.encode() if isinstance(v, str) else v) for k, v in uploads]


def check(cloud: LocalCloud, pages: dict[str, bytes], site_pages: dict[str, bytes]) -> None:
    lost = {queue: bodies for queue, bodies in dead_letters(cloud).items() if bodies}
    assert lost == {}, "a hostile upload failed its batch instead of getting its report"
    now = cloud.site_files()
    for key, title in pages.items():
        assert key in now, f"{key} was removed"
        found = H1.search(now[key])
        assert found is not None
        assert found.group(1).strip() == title, key
        head = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)
        assert "WebsiteRedirectLocation" not in head, f"{key} became a redirect"
    for key in site_pages:
        assert key in now, f"the site's own {key} was removed"
        head = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)
        assert "WebsiteRedirectLocation" not in head, f"the site's own {key} became a redirect"


@pytest.fixture(scope="module")
def published() -> Iterator[LocalCloud]:
    with moto_cloud() as cloud:
        cloud.upload_content(SAMPLES)
        cloud.run_until_quiet()
        yield cloud


def test_the_samples_keep_every_page_through_an_attack_and_its_deletion(
    published: LocalCloud,
) -> None:
    cloud = published
    pages = sample_pages(cloud)
    assert len(pages) >= 20
    site_pages = {k: v for k, v in cloud.site_files().items() if k in SITE_PAGES}
    assert len(site_pages) == len(SITE_PAGES)
    hostile = [(key, data) for key, data, _ in corpus()] + attacks(pages)

    for key, data in hostile:
        cloud.put(key, data)
    cloud.run_until_quiet()
    check(cloud, pages, site_pages)
    for i in range(len(pages)):  # the hijackers were told who holds the address
        report = cloud.report(f"articles/hijack-{i}.md")
        assert report is not None
        assert [e["code"] for e in report["errors"]] == ["slug_taken"]
        warned = cloud.report(f"articles/alias-{i}.md")
        assert warned is not None
        assert {w["code"] for w in warned["warnings"]} == {"alias_taken"}

    for key, _ in hostile:
        cloud.delete(key)
    cloud.run_until_quiet()
    check(cloud, pages, site_pages)
