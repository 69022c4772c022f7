"""Old addresses on moto: an article that moves, and its `aliases`, leave objects in the site
bucket that answer 301 to where the article is now, in one hop, never over a live page."""

from __future__ import annotations

import json
import urllib.request
from http import HTTPStatus
from pathlib import Path
from urllib.error import HTTPError

import pytest

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.site_server import BucketSource, FolderSource, SiteServer
from tests.integration.pipeline_helpers import all_invalidated_paths, article, publish, site_page

KEY = "articles/ponte.md"


def redirect_of(cloud: LocalCloud, path: str) -> str | None:
    """The 301 target of the object at `path`; None for a page; KeyError when absent."""
    key = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
    try:
        head = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)
    except cloud.clients.s3.exceptions.ClientError as exc:
        raise KeyError(path) from exc
    return head.get("WebsiteRedirectLocation")


def test_a_moved_article_leaves_a_redirect_and_a_second_move_keeps_one_hop(
    cloud: LocalCloud,
) -> None:
    # GIVEN an article at /sport/ponte/
    publish(cloud, KEY, article("Il ponte", slug="ponte"))
    assert redirect_of(cloud, "/sport/ponte/") is None

    # WHEN its slug changes
    publish(cloud, KEY, article("Il ponte", slug="ponte-nuovo"))

    # THEN the old address answers 301 to the new one, and is invalidated
    assert redirect_of(cloud, "/sport/ponte/") == "/sport/ponte-nuovo/"
    assert "Il ponte" in (site_page(cloud, "/sport/ponte-nuovo/") or "")
    assert "/sport/ponte/index.html" in all_invalidated_paths(cloud)

    # WHEN it moves again, to another section
    publish(cloud, KEY, article("Il ponte", section="Bresso", slug="ponte"))

    # THEN both old addresses lead straight to the newest one: no chain
    assert redirect_of(cloud, "/sport/ponte/") == "/bresso/ponte/"
    assert redirect_of(cloud, "/sport/ponte-nuovo/") == "/bresso/ponte/"
    assert redirect_of(cloud, "/bresso/ponte/") is None


def test_aliases_redirect_and_a_dropped_alias_stops(cloud: LocalCloud) -> None:
    aliases = (
        "aliases:\n  - https://www.vecchiosito.it/2017/05/03/il-ponte/\n"
        "  - /archivio/1234.html\n  - /?p=1234\n"
    )
    cloud.put(KEY, article("Il ponte", slug="ponte", extra=aliases))
    cloud.run_until_quiet()
    report = cloud.report(KEY)
    assert report is not None
    assert report["status"] == "rejected"  # /?p=… is no path
    assert "?p=1234" in report["errors"][0]["message"]

    aliases = (
        "aliases:\n  - https://www.vecchiosito.it/2017/05/03/il-ponte\n  - /archivio/1234.html\n"
    )
    publish(cloud, KEY, article("Il ponte", slug="ponte", extra=aliases))
    assert redirect_of(cloud, "/2017/05/03/il-ponte/") == "/sport/ponte/"
    assert redirect_of(cloud, "/archivio/1234.html") == "/sport/ponte/"

    publish(cloud, KEY, article("Il ponte", slug="ponte", extra="aliases: [/archivio/1234.html]\n"))
    with pytest.raises(KeyError):
        redirect_of(cloud, "/2017/05/03/il-ponte/")
    assert redirect_of(cloud, "/archivio/1234.html") == "/sport/ponte/"


def test_a_redirect_never_shadows_a_live_page(cloud: LocalCloud) -> None:
    # GIVEN A moved away from /sport/ponte/, and B then published at that address
    publish(cloud, KEY, article("Il ponte", slug="ponte"))
    publish(cloud, KEY, article("Il ponte", slug="ponte-nuovo"))
    publish(cloud, "articles/altro.md", article("Un altro ponte", slug="ponte"))

    # THEN B's page is there, not A's redirect, even after A moves once more
    assert redirect_of(cloud, "/sport/ponte/") is None
    publish(cloud, KEY, article("Il ponte", slug="ponte-terzo"))
    assert redirect_of(cloud, "/sport/ponte/") is None
    assert "Un altro ponte" in (site_page(cloud, "/sport/ponte/") or "")
    assert redirect_of(cloud, "/sport/ponte-nuovo/") == "/sport/ponte-terzo/"

    # AND an alias naming B's live address does not take it over; once B goes, it does
    publish(cloud, KEY, article("Il ponte", slug="ponte-terzo", extra="aliases: [/sport/ponte/]\n"))
    assert redirect_of(cloud, "/sport/ponte/") is None
    cloud.delete("articles/altro.md")
    cloud.run_until_quiet()
    assert redirect_of(cloud, "/sport/ponte/") == "/sport/ponte-terzo/"


def test_an_unpublished_article_takes_its_redirects_with_it(cloud: LocalCloud) -> None:
    publish(cloud, KEY, article("Il ponte", slug="ponte", extra="aliases: [/vecchio/ponte/]\n"))
    publish(cloud, KEY, article("Il ponte", slug="ponte-2", extra="aliases: [/vecchio/ponte/]\n"))
    assert redirect_of(cloud, "/vecchio/ponte/") == "/sport/ponte-2/"

    cloud.delete(KEY)
    cloud.run_until_quiet()
    for path in ("/vecchio/ponte/", "/sport/ponte/", "/sport/ponte-2/"):
        with pytest.raises(KeyError):
            redirect_of(cloud, path)


def test_an_alias_cannot_take_a_page_of_the_site(cloud: LocalCloud) -> None:
    publish(cloud, KEY, article("Il ponte", extra="aliases: [/sport/, /tag/calcio/]\n"))
    report = cloud.report(KEY)
    assert report is not None
    assert report["status"] == "rejected"
    assert [e["code"] for e in report["errors"]] == ["alias_reserved"]
    assert "/sport/" in report["errors"][0]["message"]


def test_the_dev_site_server_answers_old_addresses_with_301(cloud: LocalCloud) -> None:
    publish(cloud, KEY, article("Il ponte", slug="ponte"))
    publish(cloud, KEY, article("Il ponte", slug="ponte-nuovo"))
    server = SiteServer(BucketSource(cloud.clients.s3, cloud.site_bucket), port=0).start()
    try:

        class NoFollow(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *_args: object, **_kwargs: object) -> None:
                return None

        opener = urllib.request.build_opener(NoFollow)
        with pytest.raises(HTTPError) as answer:
            opener.open(f"{server.url}/sport/ponte/")
        assert answer.value.code == HTTPStatus.MOVED_PERMANENTLY
        assert answer.value.headers["Location"] == "/sport/ponte-nuovo/"
        with urllib.request.urlopen(f"{server.url}/sport/ponte") as followed:  # no slash too
            assert followed.url.endswith("/sport/ponte-nuovo/")
            assert "Il ponte" in followed.read().decode()
    finally:
        server.stop()


def test_an_exported_site_keeps_its_redirects_for_rotativa_serve(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    publish(cloud, KEY, article("Il ponte", slug="ponte"))
    publish(cloud, KEY, article("Il ponte", slug="ponte-nuovo"))
    cloud.export_site(tmp_path)
    assert json.loads((tmp_path / ".redirects.json").read_text()) == {
        "sport/ponte/index.html": "/sport/ponte-nuovo/",
        # one article: each listing's first bucket is its front's copy, a 301 to it
        "sport/page/1/index.html": "/sport/",
        "tag/calcio/page/1/index.html": "/tag/calcio/",
    }
    found = FolderSource(tmp_path).get("sport/ponte/index.html")
    assert found is not None
    assert found.redirect == "/sport/ponte-nuovo/"
    assert FolderSource(tmp_path).get(".redirects.json") is None  # not a page of the site
