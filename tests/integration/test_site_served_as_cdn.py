"""The local site answers as the distribution in template.yaml does, over HTTP.

A site is published through the stack on moto, then served twice: from the site bucket
(what `rotativa dev` serves) and from the folder `rotativa local --out` exports (what
`rotativa serve` serves), both with the cache behaviours read from the template. Each
expectation is read from the template or the bucket by this test itself, not through the
server's own reading of them, and a few are written out, so that a wrong reading fails.
"""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import brotli
import pytest
from moto import mock_aws

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.site_server import (
    BucketSource,
    FolderSource,
    SiteServer,
    SiteSource,
    cdn_behaviours,
)
from rotativa_tools.local.template import load_template
from tests.conftest import ROOT
from tests.integration.conftest import REGION
from tests.integration.pipeline_helpers import article, publish

TEMPLATE = ROOT / "template.yaml"
KEY = "articles/ponte.md"
PAGE, OLD_ADDRESS = "/sport/ponte-nuovo/", "/sport/ponte/"
LONG_BODY = "Il consiglio comunale ha discusso a lungo del ponte sul Lambro. " * 40


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


def _get(
    server: SiteServer,
    path: str,
    *,
    encodings: str | None = None,
    method: str = "GET",
    etag: str | None = None,
) -> Answer:
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    # http.client sends `Accept-Encoding: identity` unless told otherwise
    headers = {"Accept-Encoding": encodings or "identity"}
    if etag is not None:
        headers["If-None-Match"] = etag
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalCloud, Path]]:
    """One article moved once (so its old address answers 301), on moto; and the site
    bucket exported to a folder, as `rotativa local --out` writes it."""
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        }.items():
            env.setenv(name, value)
        env.delenv("AWS_ENDPOINT_URL", raising=False)
        env.delenv("AWS_PROFILE", raising=False)
        cloud = LocalCloud.start()
        publish(cloud, KEY, article("Il ponte", slug="ponte", body=LONG_BODY))
        publish(cloud, KEY, article("Il ponte", slug="ponte-nuovo", body=LONG_BODY))
        folder = tmp_path_factory.mktemp("site")
        cloud.export_site(folder)
        yield cloud, folder


@pytest.fixture(params=["bucket", "folder"])
def served(
    request: pytest.FixtureRequest, published: tuple[LocalCloud, Path]
) -> Iterator[tuple[SiteServer, LocalCloud]]:
    """The site served as `rotativa dev` (the bucket) or `rotativa serve` (the folder) do."""
    cloud, folder = published
    source: SiteSource = (
        BucketSource(cloud.clients.s3, cloud.site_bucket)
        if request.param == "bucket"
        else FolderSource(folder)
    )
    server = SiteServer(source, port=0, behaviours=cdn_behaviours(load_template(TEMPLATE)))
    server.start()
    try:
        yield server, cloud
    finally:
        server.stop()


def _policy(name: str) -> Mapping[str, Any]:
    resource: Mapping[str, Any] = load_template(TEMPLATE)["Resources"][name]
    config: Mapping[str, Any] = resource["Properties"]["ResponseHeadersPolicyConfig"]
    return config


def _distribution() -> Mapping[str, Any]:
    resource: Mapping[str, Any] = load_template(TEMPLATE)["Resources"]["Distribution"]
    config: Mapping[str, Any] = resource["Properties"]["DistributionConfig"]
    return config


def _stored(cloud: LocalCloud, key: str) -> Mapping[str, Any]:
    return cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key)


def test_a_page_carries_the_response_headers_policy_of_its_behaviour(
    served: tuple[SiteServer, LocalCloud],
) -> None:
    server, _ = served
    # GIVEN the policy the default behaviour names, as the template writes it
    named = _distribution()["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]
    security = _policy(named)["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    # WHEN a reader asks for a page, and for a page that does not exist
    for path in (PAGE, "/non-esiste/"):
        headers = _get(server, path).headers
        # THEN each header of the policy is there, spelt as CloudFront sends it
        assert (
            headers["Content-Security-Policy"]
            == (security["ContentSecurityPolicy"]["ContentSecurityPolicy"])
        )
        assert headers["X-Frame-Options"] == security["FrameOptions"]["FrameOption"] == "DENY"
        assert headers["Referrer-Policy"] == security["ReferrerPolicy"]["ReferrerPolicy"]
        assert headers["Strict-Transport-Security"] == (
            f"max-age={hsts['AccessControlMaxAgeSec']}; includeSubDomains"
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        # and a few values written out: the reading of the template could be wrong too
        assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert "sandbox" not in headers["Content-Security-Policy"]  # the media's, not ours


def test_each_object_keeps_the_cache_control_the_bucket_stores(
    served: tuple[SiteServer, LocalCloud],
) -> None:
    server, cloud = served
    asset = next(k for k in cloud.objects(cloud.site_bucket, "assets/") if k.endswith(".css"))
    # GIVEN a page, a stylesheet, the 404 page and an old address, as the pipeline stored them
    for path, key, literal in (
        (PAGE, PAGE.lstrip("/") + "index.html", "public, max-age=300, s-maxage=31536000"),
        (f"/{asset}", asset, "public, max-age=31536000, immutable"),
        ("/non-esiste/", "404.html", None),
        (OLD_ADDRESS, OLD_ADDRESS.lstrip("/") + "index.html", None),
    ):
        stored = _stored(cloud, key)["CacheControl"]
        # WHEN it is served, THEN it carries the bucket's Cache-Control, not no-store
        answer = _get(server, path)
        assert answer.headers["Cache-Control"] == stored, path
        assert "no-store" not in answer.headers["Cache-Control"]
        if literal is not None:
            assert stored == literal


@pytest.mark.parametrize(
    ("accepted", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),  # CloudFront prefers Brotli
        ("gzip, deflate", "gzip"),  # a browser over plain http
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("gzip;q=0", None),
        ("identity", None),
        ("deflate, zstd", None),  # CloudFront makes neither
    ],
)
def test_text_is_compressed_as_the_reader_accepts(
    served: tuple[SiteServer, LocalCloud], accepted: str, encoding: str | None
) -> None:
    server, cloud = served
    # GIVEN the default behaviour compresses (the template says Compress, and its managed
    # cache policy is CachingOptimized, whose Accept-Encoding settings allow gzip and br)
    behaviour = _distribution()["DefaultCacheBehavior"]
    assert behaviour["Compress"] is True
    assert behaviour["CachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    stored = cloud.clients.s3.get_object(
        Bucket=cloud.site_bucket, Key="sport/ponte-nuovo/index.html"
    )
    plain = stored["Body"].read()
    assert len(plain) >= 1000  # CloudFront compresses 1,000 bytes and more
    # WHEN a reader asks for the page with these codings
    answer = _get(server, PAGE, encodings=accepted)
    # THEN it gets the page compressed (or not) as CloudFront would, and the same page
    assert answer.status == 200
    assert answer.headers.get("Content-Encoding") == encoding
    assert answer.headers["Vary"] == "Accept-Encoding"
    assert int(answer.headers["Content-Length"]) == len(answer.body)
    decoded = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding]
    assert decoded(answer.body) == plain
    if encoding is not None:
        assert len(answer.body) < len(plain)
    # AND a HEAD says the same, without the body
    head = _get(server, PAGE, encodings=accepted, method="HEAD")
    assert head.body == b""
    assert head.headers["Content-Length"] == answer.headers["Content-Length"]
    assert head.headers.get("Content-Encoding") == encoding


def test_the_404_page_is_compressed_and_answers_404(served: tuple[SiteServer, LocalCloud]) -> None:
    server, cloud = served
    page = cloud.clients.s3.get_object(Bucket=cloud.site_bucket, Key="404.html")["Body"].read()
    answer = _get(server, "/non-esiste/", encodings="gzip")
    assert answer.status == 404
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    assert gzip.decompress(answer.body) == page
    assert "Nordmilano Notizie" in page.decode()


def test_an_old_address_answers_301_to_the_article(served: tuple[SiteServer, LocalCloud]) -> None:
    server, cloud = served
    stored = _stored(cloud, OLD_ADDRESS.lstrip("/") + "index.html")
    for path in (OLD_ADDRESS, OLD_ADDRESS.rstrip("/")):  # the viewer-request rewrite first
        answer = _get(server, path)
        assert answer.status == 301
        assert answer.headers["Location"] == stored["WebsiteRedirectLocation"] == PAGE
    assert _get(server, PAGE).status == 200


def test_a_readers_cache_revalidates_with_the_objects_etag(
    served: tuple[SiteServer, LocalCloud],
) -> None:
    server, cloud = served
    # GIVEN the page's ETag in the bucket (an object put in one part: the MD5 of its bytes)
    stored = _stored(cloud, PAGE.lstrip("/") + "index.html")["ETag"]
    # WHEN a reader gets the page, THEN it carries that ETag (weak once compressed)
    plain = _get(server, PAGE)
    assert plain.headers["ETag"] == stored
    squeezed = _get(server, PAGE, encodings="gzip")
    assert squeezed.headers["ETag"] == f"W/{stored}"
    # WHEN its copy is stale and it asks again with the tag it kept
    for encodings, kept in (("identity", stored), ("gzip", f"W/{stored}")):
        answer = _get(server, PAGE, encodings=encodings, etag=kept)
        # THEN it is told its copy is still good: no body, the caching and headers again
        assert answer.status == 304
        assert answer.body == b""
        assert answer.headers["Cache-Control"] == plain.headers["Cache-Control"]
        assert answer.headers["Content-Security-Policy"] == plain.headers["Content-Security-Policy"]
    # AND another tag, or a missing page, gets the whole answer
    assert _get(server, PAGE, etag='"0000"').status == 200
    assert _get(server, "/non-esiste/", etag="*").status == 404
