"""The headers the local site server copies from the distribution's ResponseHeadersPolicy.

tests/browser/test_csp.py serves the real template's headers to Chromium; these cover the
fields that template does not use and the templates the server cannot honour.
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest

from rotativa_tools.local.site_server import (
    CdnBehaviour,
    SiteObject,
    SiteServer,
    cdn_behaviours,
    cdn_headers,
    policy_headers,
)
from rotativa_tools.local.template import TemplateError, load_template, parse_template
from tests.conftest import ROOT

TEMPLATE = """
Resources:
  Headers:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        Name: !Sub "${AWS::StackName}-headers"
        SecurityHeadersConfig:
          ContentSecurityPolicy: {ContentSecurityPolicy: "default-src 'none'", Override: true}
  Unused:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        CustomHeadersConfig: {Items: [{Header: X-Unused, Value: "1", Override: true}]}
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior: {ResponseHeadersPolicyId: !Ref Headers}
"""


def test_the_distributions_policy_gives_the_headers() -> None:
    assert cdn_headers(parse_template(TEMPLATE)) == {
        "Content-Security-Policy": "default-src 'none'"
    }


def test_a_managed_policy_or_none_gives_no_headers() -> None:
    managed = TEMPLATE.replace("!Ref Headers", "67f7725c-6f97-4210-82d7-5512b31e9d03")
    assert cdn_headers(parse_template(managed)) == {}
    assert cdn_headers(parse_template("Resources: {}")) == {}


def test_the_projects_template_sends_its_security_headers() -> None:
    headers = cdn_headers(load_template(ROOT / "template.yaml"))
    assert set(headers) == {
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Content-Security-Policy",
    }
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_every_security_header_is_spelt_as_cloudfront_sends_it() -> None:
    config: dict[str, Any] = {
        "SecurityHeadersConfig": {
            "StrictTransportSecurity": {
                "AccessControlMaxAgeSec": 600,
                "IncludeSubdomains": "true",
                "Preload": True,
                "Override": True,
            },
            "ContentTypeOptions": {"Override": True},
            "FrameOptions": {"FrameOption": "SAMEORIGIN", "Override": True},
            "ReferrerPolicy": {"ReferrerPolicy": "no-referrer", "Override": True},
            "XSSProtection": {"Protection": True, "ModeBlock": True, "Override": True},
        },
        "CustomHeadersConfig": {"Items": [{"Header": "X-Edition", "Value": 2, "Override": True}]},
    }
    assert policy_headers(config) == {
        "Strict-Transport-Security": "max-age=600; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "no-referrer",
        "X-XSS-Protection": "1; mode=block",
        "X-Edition": "2",
    }
    xss = {"Protection": True, "ReportUri": "https://example.org/r", "Override": True}
    off = {"Protection": False, "Override": True}
    assert policy_headers({"SecurityHeadersConfig": {"XSSProtection": xss}}) == {
        "X-XSS-Protection": "1; report=https://example.org/r"
    }
    assert policy_headers({"SecurityHeadersConfig": {"XSSProtection": off}}) == {
        "X-XSS-Protection": "0"
    }


@pytest.mark.parametrize(
    "value", [{"Fn::Sub": "default-src ${Origin}"}, "default-src 'none'\r\nX-Injected: 1"]
)
def test_a_header_value_the_server_cannot_send_as_written_is_refused(value: Any) -> None:
    config = {"SecurityHeadersConfig": {"ContentSecurityPolicy": {"ContentSecurityPolicy": value}}}
    with pytest.raises(TemplateError):
        policy_headers(config)


# --- /media/* has a behaviour, and headers, of its own ----------------------------------

PROJECT = ROOT / "template.yaml"


def _media_policy_from_the_template() -> dict[str, str]:
    """The /media/* behaviour's headers, found the way CloudFront finds them: the first
    cache behaviour whose PathPattern is /media/*, and the policy it names."""
    template = load_template(PROJECT)
    resources = template["Resources"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    [media] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/media/*"]
    policy = resources[media["ResponseHeadersPolicyId"]["Ref"]]["Properties"]
    return policy_headers(policy["ResponseHeadersPolicyConfig"])


def test_media_are_served_sandboxed_and_never_sniffed() -> None:
    headers = _media_policy_from_the_template()
    assert headers["X-Content-Type-Options"] == "nosniff"
    directives = [d.strip() for d in headers["Content-Security-Policy"].split(";")]
    assert "sandbox" in directives  # no script, no same origin, no forms, no plugins
    assert "default-src 'none'" in directives
    # and the pages keep their own policy, which is not the sandbox
    assert "sandbox" not in cdn_headers(load_template(PROJECT))["Content-Security-Policy"]


def test_the_behaviours_are_read_in_cloudfronts_order_the_default_last() -> None:
    behaviours = cdn_behaviours(load_template(PROJECT))
    assert [b.pattern for b in behaviours] == ["/cerca/*", "/cerca", "/media/*", None]
    search, bare, media, default = behaviours
    assert bare == replace(search, pattern="/cerca")
    assert media.headers == _media_policy_from_the_template()
    assert (media.rewrites, media.redirects) == (False, False)
    assert (search.rewrites, search.redirects) == (True, True)  # a page of the site
    assert (default.rewrites, default.redirects) == (True, True)
    assert default.headers == cdn_headers(load_template(PROJECT))
    # the search page's policy is the site's with what its scripts need, and nothing else
    assert search.headers.keys() == default.headers.keys()
    assert {k for k in default.headers if search.headers[k] != default.headers[k]} == {
        "Content-Security-Policy"
    }


@pytest.mark.parametrize(
    ("pattern", "path", "served"),
    [
        ("/media/*", "/media/a.jpg", True),
        ("/media/*", "/media/2024/05/a.jpg", True),
        ("media/*", "/media/a.jpg", True),  # the leading slash is optional
        ("/media/*", "/MEDIA/a.jpg", False),  # case counts
        ("/media/*", "/media", False),
        ("/media/*", "/mediax/a.jpg", False),
        ("/media/?.jpg", "/media/a.jpg", True),
        ("/media/?.jpg", "/media/ab.jpg", False),
        ("/media/*.jpg", "/media/a.jpg.html", False),
    ],
)
def test_a_path_pattern_matches_as_cloudfronts_does(pattern: str, path: str, served: bool) -> None:
    assert CdnBehaviour(pattern, {}).serves(path) is served


class _Objects:
    def __init__(self, objects: Mapping[str, SiteObject]) -> None:
        self.objects = objects
        self.asked: list[str] = []

    def get(self, key: str) -> SiteObject | None:
        self.asked.append(key)
        return self.objects.get(key)


@pytest.fixture
def dev_site() -> Iterator[tuple[SiteServer, _Objects]]:
    source = _Objects(
        {
            "index.html": SiteObject(b"<!doctype html>", "text/html; charset=utf-8"),
            "media/foto.jpg": SiteObject(b"png", "image/png", "/sport/"),
            "media/delibera.pdf": SiteObject(
                b"%PDF-", "application/pdf", disposition='attachment; filename="delibera.pdf"'
            ),
        }
    )
    server = SiteServer(source, port=0, behaviours=cdn_behaviours(load_template(PROJECT)))
    server.start()
    try:
        yield server, source
    finally:
        server.stop()


def _get(server: SiteServer, path: str) -> tuple[int, dict[str, str]]:
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


def test_the_dev_site_server_sends_the_media_behaviours_headers(
    dev_site: tuple[SiteServer, _Objects],
) -> None:
    server, _ = dev_site
    # GIVEN the dev server, configured from the template as `rotativa dev` configures it
    status, headers = _get(server, "/media/foto.jpg")
    # THEN a media file carries exactly the /media/* policy's headers, its stored type,
    # and no redirect (RedirectFunction does not run on /media/*)
    assert status == 200
    assert headers["Content-Type"] == "image/png"
    for name, value in _media_policy_from_the_template().items():
        assert headers[name] == value
    assert "Location" not in headers
    status, headers = _get(server, "/media/delibera.pdf")
    assert headers["Content-Disposition"] == 'attachment; filename="delibera.pdf"'
    # AND a page carries the pages' policy
    status, headers = _get(server, "/")
    assert status == 200
    assert (
        headers["Content-Security-Policy"]
        == cdn_headers(load_template(PROJECT))["Content-Security-Policy"]
    )


def test_the_dev_site_server_does_not_rewrite_media_paths(
    dev_site: tuple[SiteServer, _Objects],
) -> None:
    server, source = dev_site
    status, headers = _get(server, "/media/senza-estensione")
    assert status == 404
    assert "media/senza-estensione" in source.asked  # as S3 is asked, unrewritten
    assert "media/senza-estensione/index.html" not in source.asked
    assert "sandbox" in headers["Content-Security-Policy"]
