"""The CloudFront Functions of template.yaml, their real code run under Node.

IndexRewriteFunction (viewer-request) maps a pretty URL onto its object; RedirectFunction
(viewer-response) turns an old address's `x-amz-website-redirect-location` header into a
301. Their code is read from the template with the CloudFormation-aware loader, never
copied, and run by run_cdn_functions.mjs (one Node process for every case below) on
events shaped as CloudFront builds them:
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/functions-event-structure.html

The dev site server (`rotativa_tools.local.site_server`) copies both behaviours; the same cases
run through it, so it cannot drift from what the CDN does.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from rotativa_tools.local.site_server import SiteObject, SiteServer, object_key
from rotativa_tools.local.template import load_template
from tests.browser.conftest import require_tools
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"
HARNESS = Path(__file__).with_name("run_cdn_functions.mjs")
REWRITE = "IndexRewriteFunction"
REDIRECT = "RedirectFunction"
FUNCTIONS = {REWRITE: "viewer-request", REDIRECT: "viewer-response"}
MAX_CODE_BYTES = 10 * 1024  # CloudFront's limit on a function's code
REDIRECT_HEADER = "x-amz-website-redirect-location"

# Request path → the path IndexRewriteFunction sends to the origin.
REWRITES = {
    "/": "/index.html",
    "/sport/": "/sport/index.html",
    "/sport/x": "/sport/x/index.html",
    "/feed.xml": "/feed.xml",
    "/sport/a.b/c": "/sport/a.b/c/index.html",  # a dot counts only in the last segment
    "/sitemaps/news.xml": "/sitemaps/news.xml",
    "/caff%C3%A8/": "/caff%C3%A8/index.html",  # S3 decodes it: the key is caffè/index.html
}
# The origin's redirect header (None: no header) → the Location CloudFront answers with
# (None: no redirect, the origin's 200 goes through).
REDIRECTS: dict[str, tuple[str | None, str | None]] = {
    "moved": ("/sport/nuovo/", "/sport/nuovo/"),
    "no-header": (None, None),
    "protocol-relative": ("//evil.example/", None),
    "absolute-url": ("https://evil.example/", None),
    "backslash": ("/\\evil.example/", None),  # browsers read `\` as `/` in http(s) URLs
}


def _code(name: str) -> str:
    properties = load_template(TEMPLATE)["Resources"][name]["Properties"]
    assert properties["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0"
    code = properties["FunctionCode"]
    assert isinstance(code, str), f"{name}'s FunctionCode is not plain text: {code!r}"
    return code


def _context(event_type: str) -> dict[str, str]:
    return {
        "distributionDomainName": "d111111abcdef8.cloudfront.net",
        "endpoint": "d111111abcdef8.cloudfront.net",
        "distributionId": "EDFDVBD6EXAMPLE",
        "eventType": event_type,
        "requestId": "4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
    }


def _request(uri: str) -> dict[str, Any]:
    return {
        "method": "GET",
        "uri": uri,
        "querystring": {"utm_source": {"value": "feed"}},
        "headers": {
            "host": {"value": "www.example.it"},
            "accept": {"value": "text/html"},
        },
        "cookies": {},
    }


def _rewrite_event(uri: str) -> dict[str, Any]:
    return {
        "version": "1.0",
        "context": _context("viewer-request"),
        "viewer": {"ip": "198.51.100.11"},
        "request": _request(uri),
    }


def _origin_response(location: str | None) -> dict[str, Any]:
    headers = {
        "content-type": {"value": "text/html; charset=utf-8"},
        "content-length": {"value": "1234"},
        "etag": {"value": '"0123456789abcdef"'},
        "cache-control": {"value": "max-age=60"},
    }
    if location is not None:
        headers[REDIRECT_HEADER] = {"value": location}
    return {"statusCode": 200, "statusDescription": "OK", "headers": headers, "cookies": {}}


def _redirect_event(location: str | None) -> dict[str, Any]:
    return {
        "version": "1.0",
        "context": _context("viewer-response"),
        "viewer": {"ip": "198.51.100.11"},
        "request": _request("/sport/vecchio/index.html"),
        "response": _origin_response(location),
    }


def _cases() -> dict[str, tuple[str, dict[str, Any]]]:
    cases = {f"rewrite {uri}": (REWRITE, _rewrite_event(uri)) for uri in REWRITES}
    for name, (location, _) in REDIRECTS.items():
        cases[f"redirect {name}"] = (REDIRECT, _redirect_event(location))
    return cases


@pytest.fixture(scope="module")
def outcomes() -> dict[str, Any]:
    """Case name → what the function's handler returned, all cases in one Node process."""
    require_tools("node")
    cases = _cases()
    stdin = {
        "functions": {name: _code(name) for name in FUNCTIONS},
        "cases": [{"function": function, "event": event} for function, event in cases.values()],
    }
    run = subprocess.run(
        ["node", str(HARNESS)],
        input=json.dumps(stdin),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    results = json.loads(run.stdout)["results"]
    assert len(results) == len(cases)
    errors = {name: r["error"] for name, r in zip(cases, results, strict=True) if "error" in r}
    assert errors == {}
    return {name: r["value"] for name, r in zip(cases, results, strict=True)}


# ------------------------------------------------------------------ what the runtime allows


@pytest.mark.parametrize("name", FUNCTIONS)
def test_the_code_fits_the_cloudfront_js_runtime(name: str) -> None:
    # GIVEN a function's code as the template ships it
    code = _code(name)
    # THEN it defines the handler CloudFront calls, and leans on nothing the runtime lacks:
    # no modules (cloudfront-js-2.0 has only `cloudfront` and `crypto`, and neither is
    # needed here), no network, no Node globals
    assert re.search(r"^\s*function handler\(event\)\s*\{", code, re.MULTILINE)
    for forbidden in (r"\brequire\s*\(", r"\bimport\b", r"\bfetch\s*\(", r"\bprocess\."):
        assert not re.search(forbidden, code), f"{name} uses {forbidden}"
    assert len(code.encode()) <= MAX_CODE_BYTES


# ------------------------------------------------------------------ IndexRewriteFunction


@pytest.mark.parametrize(("uri", "expected"), REWRITES.items())
def test_index_rewrite_maps_the_pretty_url_onto_its_object(
    outcomes: dict[str, Any], uri: str, expected: str
) -> None:
    # GIVEN a viewer's request for `uri`
    # WHEN IndexRewriteFunction has run
    request = outcomes[f"rewrite {uri}"]
    # THEN the origin is asked for `expected`, and nothing else of the request changed
    assert request["uri"] == expected
    assert request == {**_request(uri), "uri": expected}


@pytest.mark.parametrize("uri", REWRITES)
def test_the_dev_site_server_maps_urls_as_the_function_does(
    outcomes: dict[str, Any], uri: str
) -> None:
    # GIVEN the path the function sends to S3, which decodes it into the object's key
    key = unquote(outcomes[f"rewrite {uri}"]["uri"]).removeprefix("/")
    # THEN the dev site server reads the same object for the same request
    assert object_key(uri) == key


# ------------------------------------------------------------------ RedirectFunction


@pytest.mark.parametrize("case", REDIRECTS)
def test_redirect_function_answers_only_site_paths(outcomes: dict[str, Any], case: str) -> None:
    # GIVEN the origin's 200 for an object, with or without a website redirect location
    location, expected = REDIRECTS[case]
    origin = _origin_response(location)
    # WHEN RedirectFunction has run on it
    response = outcomes[f"redirect {case}"]
    # THEN the header never reaches the reader, the other headers stay as they were, and
    # only a path of this site (one leading slash) becomes a 301 to it
    headers = response["headers"]
    assert REDIRECT_HEADER not in headers
    kept = {k: v for k, v in origin["headers"].items() if k != REDIRECT_HEADER}
    assert {k: v for k, v in headers.items() if k != "location"} == kept
    if expected is None:
        assert response == {**origin, "headers": kept}
    else:
        assert response["statusCode"] == 301
        assert headers["location"] == {"value": expected}


class _OldAddresses:
    """A site source with one object per redirect case, at `<case>/index.html`, whose
    website redirect location is the case's header (None: an ordinary page)."""

    def get(self, key: str) -> SiteObject | None:
        case = key.removesuffix("/index.html")
        if case not in REDIRECTS:
            return None
        location, _ = REDIRECTS[case]
        return SiteObject(b"<!doctype html>", "text/html; charset=utf-8", location)


@pytest.fixture(scope="module")
def dev_server() -> Iterator[SiteServer]:
    server = SiteServer(_OldAddresses(), port=0).start()
    try:
        yield server
    finally:
        server.stop()


def _get(server: SiteServer, path: str) -> tuple[int, Mapping[str, str]]:
    url = urlsplit(server.url)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.mark.parametrize("case", REDIRECTS)
def test_the_dev_site_server_redirects_as_the_function_does(
    outcomes: dict[str, Any], dev_server: SiteServer, case: str
) -> None:
    # GIVEN an object with (or without) a website redirect location, served by the dev server
    # WHEN a reader asks for it
    status, headers = _get(dev_server, f"/{case}/")
    # THEN the answer is the one CloudFront gives after RedirectFunction
    response = outcomes[f"redirect {case}"]
    assert status == response["statusCode"]
    assert headers.get("location") == response["headers"].get("location", {}).get("value")
    assert REDIRECT_HEADER not in headers


# ------------------------------------------------------------------ /media/*


def test_media_are_served_by_a_behaviour_without_functions() -> None:
    # GIVEN the distribution's cache behaviours as the template declares them
    config = load_template(TEMPLATE)["Resources"]["Distribution"]["Properties"]
    behaviours = config["DistributionConfig"]["CacheBehaviors"]
    [media] = [b for b in behaviours if b["PathPattern"] == "/media/*"]
    # THEN uploads are served as they are: neither function runs on them (a media key is
    # never a pretty URL, and never an old address), so the dev server must not either
    assert "FunctionAssociations" not in media
    assert media["ResponseHeadersPolicyId"] == {"Ref": "MediaHeadersPolicy"}
