"""Which responses the local site server compresses, and with what: CloudFront's rules.

A behaviour compresses when it says `Compress` and its cache policy lets Accept-Encoding
into the cache key (EnableAcceptEncodingBrotli/Gzip); then only the types CloudFront
compresses, of 1,000 to 10,000,000 bytes, Brotli before gzip. The site's own pages, over
HTTP: tests/integration/test_site_served_as_cdn.py.
"""

from __future__ import annotations

import gzip
import http.client
from collections.abc import Iterator, Mapping
from urllib.parse import urlsplit

import brotli
import pytest

from rotativa_tools.local.site_server import (
    CdnBehaviour,
    SiteObject,
    SiteServer,
    cdn_behaviours,
    negotiated_encoding,
)
from rotativa_tools.local.template import load_template, parse_template
from tests.conftest import ROOT

CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"


def _template(behaviour: str, resources: str = "") -> str:
    return f"""
Resources:
{resources}
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior: {behaviour}
"""


OWN_POLICY = """
  GzipOnly:
    Type: AWS::CloudFront::CachePolicy
    Properties:
      CachePolicyConfig:
        Name: gzip-only
        DefaultTTL: 86400
        MaxTTL: 31536000
        MinTTL: 1
        ParametersInCacheKeyAndForwardedToOrigin:
          EnableAcceptEncodingGzip: true
          EnableAcceptEncodingBrotli: false
          CookiesConfig: {CookieBehavior: none}
          HeadersConfig: {HeaderBehavior: none}
          QueryStringsConfig: {QueryStringBehavior: none}
"""


def test_the_projects_behaviours_compress_with_brotli_and_gzip() -> None:
    template = load_template(ROOT / "template.yaml")
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    declared = [*config["CacheBehaviors"], config["DefaultCacheBehavior"]]
    assert all(b["Compress"] is True and b["CachePolicyId"] == CACHING_OPTIMIZED for b in declared)
    assert [b.encodings for b in cdn_behaviours(template)] == [{"br", "gzip"}] * 4


@pytest.mark.parametrize(
    ("behaviour", "resources", "encodings"),
    [
        (f"{{Compress: true, CachePolicyId: {CACHING_OPTIMIZED}}}", "", {"br", "gzip"}),
        (f"{{Compress: false, CachePolicyId: {CACHING_OPTIMIZED}}}", "", set()),
        (f"{{CachePolicyId: {CACHING_OPTIMIZED}}}", "", set()),  # Compress defaults to false
        (f"{{Compress: true, CachePolicyId: {CACHING_DISABLED}}}", "", set()),
        ("{Compress: true, CachePolicyId: !Ref GzipOnly}", OWN_POLICY, {"gzip"}),
        ("{Compress: 'true', CachePolicyId: 00000000-unknown}", "", set()),  # not guessed
        ("{Compress: true, ForwardedValues: {QueryString: false}}", "", {"gzip"}),  # legacy
    ],
)
def test_the_cache_policy_decides_the_compressions(
    behaviour: str, resources: str, encodings: set[str]
) -> None:
    [default] = cdn_behaviours(parse_template(_template(behaviour, resources)))
    assert default.encodings == encodings


BOTH = CdnBehaviour(None, {}, encodings=frozenset({"br", "gzip"}))
GZIP_ONLY = CdnBehaviour(None, {}, encodings=frozenset({"gzip"}))


@pytest.mark.parametrize(
    ("accepted", "behaviour", "encoding"),
    [
        (["gzip, br"], BOTH, "br"),
        (["br"], GZIP_ONLY, None),  # the policy keeps Brotli out
        (["GZIP"], BOTH, "gzip"),
        (["deflate", "gzip"], BOTH, "gzip"),  # the header given twice
        (["br; q=0", "gzip;q=0.001"], BOTH, "gzip"),
        (["*"], BOTH, None),  # CloudFront normalises only gzip and br
        ([], BOTH, None),
    ],
)
def test_the_encoding_is_negotiated_as_cloudfront_does(
    accepted: list[str], behaviour: CdnBehaviour, encoding: str | None
) -> None:
    assert negotiated_encoding(accepted, behaviour) == encoding


HTML = "text/html; charset=utf-8"
OBJECTS: Mapping[str, SiteObject] = {
    "small.html": SiteObject(b"a" * 999, HTML),  # under CloudFront's 1,000 bytes
    "enough.html": SiteObject(b"a" * 1000, HTML, cache_control="public, max-age=300"),
    "logo.svg": SiteObject(b"<svg/>" + b" " * 2000, "image/svg+xml"),
    "feed.json": SiteObject(b"{}" + b" " * 2000, "application/json"),
    "photo.jpg": SiteObject(b"\xff\xd8" + b"\0" * 5000, "image/jpeg"),  # already compressed
}


class _Objects:
    def get(self, key: str) -> SiteObject | None:
        return OBJECTS.get(key)


@pytest.fixture(scope="module")
def server() -> Iterator[SiteServer]:
    site = SiteServer(_Objects(), port=0, behaviours=[BOTH]).start()
    try:
        yield site
    finally:
        site.stop()


def _get(server: SiteServer, path: str) -> tuple[dict[str, str], bytes]:
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Accept-Encoding": "gzip, br"})
        response = connection.getresponse()
        return dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("path", "compressed"),
    [
        ("/small.html", False),
        ("/enough.html", True),
        ("/logo.svg", True),
        ("/feed.json", True),
        ("/photo.jpg", False),
    ],
)
def test_only_the_types_and_sizes_cloudfront_compresses_are(
    server: SiteServer, path: str, compressed: bool
) -> None:
    headers, body = _get(server, path)
    plain = OBJECTS[path.lstrip("/")].body
    if compressed:
        assert headers["Content-Encoding"] == "br"
        assert headers["Vary"] == "Accept-Encoding"
        assert brotli.decompress(body) == plain
    else:
        assert "Content-Encoding" not in headers
        assert "Vary" not in headers  # the same bytes for every reader
        assert body == plain


def test_an_object_keeps_its_cache_control_and_without_one_has_none(server: SiteServer) -> None:
    assert _get(server, "/enough.html")[0]["Cache-Control"] == "public, max-age=300"
    assert "Cache-Control" not in _get(server, "/small.html")[0]  # S3 sends none, nor CloudFront


def test_gzip_is_what_a_gzip_only_behaviour_serves() -> None:
    site = SiteServer(_Objects(), port=0, behaviours=[GZIP_ONLY]).start()
    try:
        headers, body = _get(site, "/enough.html")
    finally:
        site.stop()
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == OBJECTS["enough.html"].body
