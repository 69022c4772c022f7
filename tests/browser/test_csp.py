"""The pages under the CDN's Content-Security-Policy, in real headless Chromium.

The policy is the one template.yaml gives CloudFront (SecurityHeadersPolicy, read through
the CloudFormation-aware loader), never a copy: the rendered samples are served on
127.0.0.1 by the dev site server (`rotativa_tools.local.site_server`) with the headers it takes
from the template (`cdn_headers`, the same ones `rotativa dev` sends), so the policy is a
real response header. check_pages.mjs (the harness of test_browser.py, one Chromium run
for every page here) reports each page's `securitypolicyviolation` events, its console
errors, which stylesheets applied and a few computed styles. (The JSON-LD <script> is a
data block, which CSP does not govern: the article pages prove Chromium agrees.)

A page passes when nothing was blocked AND site.css really styled it, so a policy that
blocked the stylesheet could not pass unseen. Canary pages, served beside the pages with
the same policy in the same run, break it on purpose (an inline script, a <style>
element, a stylesheet from another origin, a data: image, an event handler): each must
produce its violation, which proves the harness can fail.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from rotativa_tools.local.site_server import (
    FolderSource,
    SiteObject,
    SiteServer,
    SiteSource,
    cdn_headers,
)
from rotativa_tools.local.template import load_template
from tests.browser.conftest import CHROMIUM, PLAYWRIGHT, require_tools, run_harness
from tests.browser.rendered import HOSTILE_PATH, SEED_PATH, RenderedSite
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"
IMAGE_ARTICLE = "/sesto-san-giovanni/sesto-piazza-petazzi-riqualificazione/"
PAGES = {
    "article": SEED_PATH,  # the coloured [textmarker] dateline: an inline style attribute
    "article-image": IMAGE_ARTICLE,  # its image, a dateline too, and the "updated" line
    "home": "/",
    "section": "/sport/",
    "tag": "/tag/calcio/",
    "author": "/autore/redazione/",
    "hostile": HOSTILE_PATH,  # what the sanitiser left of a hostile upload
    "not-found": "/non-esiste/",  # a missing page: 404 with the site's 404.html
}
DATELINE_PAGES = ("article", "article-image", "hostile")
ELSEWHERE = "http://localhost:{port}"  # another origin for the CSP, the same server

# One canary page breaks the policy in every way below, each one reported apart by its
# (directive, blocked URI): an inline script, a <style> element, an event handler, a data:
# image and site.css from another origin (the same server as `localhost`), its only
# stylesheet: what a policy that blocks the CSS looks like.
CANARY = "/canary.html"
BREACHES = {
    "inline-script": ("script-src-elem", "inline"),
    "style-element": ("style-src-elem", "inline"),
    "event-handler": ("script-src-attr", "inline"),
    "data-image": ("img-src", "data"),
    "foreign-stylesheet": ("style-src-elem", "http://localhost:"),
}
CANARY_PAGE = """<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>canary</title>
<link rel="stylesheet" href="{elsewhere}{css}">
<style>p {{ color: red; }}</style>
</head><body><p>canary</p>
<script>document.title = "ran";</script>
<img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<img alt="" src="/missing.png" onerror="document.title = 'ran'">
</body></html>
"""


def template_csp() -> str:
    """The Content-Security-Policy that template.yaml gives the distribution."""
    resource = load_template(TEMPLATE)["Resources"]["SecurityHeadersPolicy"]
    config = resource["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    policy = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]
    assert isinstance(policy, str)
    assert "default-src" in policy
    return policy


def stylesheet(rendered: RenderedSite) -> Path:
    [css] = [p for p in rendered.asset_files() if p.name.startswith("site.")]
    return css


def _rgb(hex_colour: str) -> str:
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgb({red}, {green}, {blue})"


def _html(rendered: RenderedSite, path: str) -> str:
    return (rendered.site_root / path.strip("/") / "index.html").read_text(encoding="utf-8")


class Overlay:
    """A site source answering from the first source that has the key (canaries, site)."""

    def __init__(self, *sources: SiteSource) -> None:
        self.sources = sources

    def get(self, key: str) -> SiteObject | None:
        return next(filter(None, (source.get(key) for source in self.sources)), None)


@pytest.fixture(scope="module")
def server(
    rendered: RenderedSite, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[SiteServer, Path]]:
    """The site, and a folder for canary pages beside it, served with the template's headers."""
    canaries = tmp_path_factory.mktemp("csp-canaries")
    source = Overlay(FolderSource(canaries), FolderSource(rendered.site_root))
    site = SiteServer(source, port=0, headers=cdn_headers(load_template(TEMPLATE))).start()
    try:
        yield site, canaries
    finally:
        site.stop()


@pytest.fixture(scope="module")
def csp_report(
    rendered: RenderedSite,
    server: tuple[SiteServer, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, dict[str, Any]]:
    require_tools("node", CHROMIUM, PLAYWRIGHT)
    site, canaries = server
    css = "/assets/" + stylesheet(rendered).name
    elsewhere = ELSEWHERE.format(port=urlsplit(site.url).port)
    styles = {"accent": [":root", "--accent"]}
    dateline = {"dateline": [".textmarker", "color"], "around": [":has(> .textmarker)", "color"]}
    (canaries / CANARY.lstrip("/")).write_text(CANARY_PAGE.format(elsewhere=elsewhere, css=css))
    pages = [
        {
            "name": name,
            "url": site.url + path.lstrip("/"),
            "axe": False,  # axe-core is injected as an inline script: the policy blocks it
            "computed": styles | (dateline if name in DATELINE_PAGES else {}),
        }
        for name, path in {**PAGES, "canary": CANARY}.items()
    ]
    work = tmp_path_factory.mktemp("csp-chromium")
    config = {"axe": "", "root": str(rendered.site_root), "pages": pages}
    answer = run_harness("check_pages.mjs", work, config, timeout=120)
    return {page["name"]: page for page in answer["pages"]}


def _csp_console(page: dict[str, Any]) -> list[str]:
    return [m for m in page["consoleErrors"] if "Content Security Policy" in m]


def test_the_site_server_sends_the_templates_policy(
    csp_report: dict[str, dict[str, Any]],
) -> None:
    policy = template_csp()
    assert cdn_headers(load_template(TEMPLATE))["Content-Security-Policy"] == policy
    for name, page in csp_report.items():
        assert page["headers"].get("content-security-policy") == policy, name
        assert page["headers"].get("x-content-type-options") == "nosniff", name


@pytest.mark.parametrize("name", PAGES)
def test_the_page_breaks_no_rule_of_the_policy(
    csp_report: dict[str, dict[str, Any]], name: str
) -> None:
    page = csp_report[name]
    assert page["status"] == (404 if name == "not-found" else 200)
    assert page["cspViolations"] == []
    assert _csp_console(page) == []
    assert page["pageErrors"] == []
    assert page["externalRequests"] == []


@pytest.mark.parametrize("name", PAGES)
def test_the_stylesheet_applies_under_the_policy(
    rendered: RenderedSite, csp_report: dict[str, dict[str, Any]], name: str
) -> None:
    # GIVEN the accent colour site.css declares
    declared = re.search(r"--accent:\s*(#[0-9a-fA-F]+);", stylesheet(rendered).read_text())
    assert declared is not None
    page = csp_report[name]
    # THEN the page's one stylesheet loaded with its rules, and styled the page
    [sheet] = page["stylesheets"]
    assert sheet["href"].endswith(stylesheet(rendered).name)
    assert (sheet["rules"] or 0) > 10  # null: the policy (or the server) kept it out
    assert page["computed"]["accent"].lower() == declared.group(1).lower()


@pytest.mark.parametrize("name", DATELINE_PAGES)
def test_the_coloured_dateline_keeps_its_inline_colour(
    rendered: RenderedSite, csp_report: dict[str, dict[str, Any]], name: str
) -> None:
    # GIVEN the [textmarker] colour the page carries in a style attribute
    found = re.search(
        r'class="textmarker" style="color: #([0-9A-Fa-f]{6})"', _html(rendered, PAGES[name])
    )
    assert found is not None
    computed = csp_report[name]["computed"]
    # THEN the policy let it apply: the dateline has it, the text around it does not
    assert computed["dateline"] == _rgb(found.group(1))
    assert computed["around"] != computed["dateline"]


def test_the_articles_image_loads_under_the_policy(
    rendered: RenderedSite, csp_report: dict[str, dict[str, Any]]
) -> None:
    assert '<img src="/media/' in _html(rendered, IMAGE_ARTICLE)
    page = csp_report["article-image"]
    assert page["brokenImages"] == []
    assert page["failedRequests"] == []


@pytest.mark.parametrize("breach", BREACHES)
def test_the_harness_sees_a_page_that_breaks_the_policy(
    csp_report: dict[str, dict[str, Any]], breach: str
) -> None:
    page = csp_report["canary"]
    directive, blocked = BREACHES[breach]
    reported = [v for v in page["cspViolations"] if v["directive"] == directive]
    assert [v for v in reported if v["blocked"].startswith(blocked)], page["cspViolations"]


def test_a_page_whose_css_the_policy_blocks_fails_the_stylesheet_check(
    csp_report: dict[str, dict[str, Any]],
) -> None:
    page = csp_report["canary"]
    # GIVEN the canary: each breach reported once, as an event and on the console
    assert len(page["cspViolations"]) == len(BREACHES)
    assert len(_csp_console(page)) == len(BREACHES)
    # THEN its only stylesheet, blocked, left it unstyled: the stylesheet check would fail
    [sheet] = page["stylesheets"]
    assert sheet["href"].startswith("http://localhost:")
    assert (sheet["rules"], page["computed"]["accent"]) == (None, "")
