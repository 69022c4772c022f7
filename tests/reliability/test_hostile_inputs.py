"""Hostile uploads: each is rejected with its specific code or published sanitised, no
other page changes, and no published page carries anything that runs.

The corpus is tests/hostile/articles/ (adversarial YAML and JSON, invalid encodings,
binaries, XSS in every field, javascript:/data: URLs, SVG, iframes, forms, meta refresh,
event handlers, CSS expressions, traversal and control characters, bidi and confusables,
dates in year 1 and 9999) plus big files made at test time (hostile_corpus.generated);
tests/hostile/manifest.json says what each must become.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator

import pytest
from lxml import etree  # type: ignore[import-untyped]
from lxml import html as lxml_html

from rotativa.domain.site import SiteSettings
from rotativa.services.validation import validate_upload
from rotativa_tools.local.cloud import LocalCloud
from tests.conftest import SAMPLES
from tests.integration.pipeline_helpers import article
from tests.reliability.cloud_helpers import moto_cloud
from tests.reliability.hostile_corpus import HOSTILE_KEYS, MANIFEST, corpus, corpus_files

CORPUS = corpus()
# Sample articles published before the attack: their pages must not change. Their section
# and tags are not the corpus's (Sport), so no listing or related box legitimately moves.
BYSTANDERS = (
    "bresso-emporio-solidale-primo-anno.md",
    "cologno-martesana-nuovi-alberi.md",
    "cinisello-villa-ghirlanda-mostra-fotografica.md",
)
FORBIDDEN_ELEMENTS = {"iframe", "object", "embed", "form", "base", "frame", "frameset", "applet"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "srcset", "xlink:href",
                  "data", "background", "cite", "longdesc", "usemap"}  # fmt: skip
BAD_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
CSS_ATTACK = re.compile(r"expression\s*\(|javascript\s*:|url\s*\(", re.IGNORECASE)


def test_the_corpus_is_big_enough_and_fully_described() -> None:
    files = {path.name for path in corpus_files()}
    described = {name for name in MANIFEST if not name.startswith("@")}
    assert files == described, "every corpus file needs a manifest entry, and vice versa"
    assert len(CORPUS) >= 60
    rejected = sum(1 for *_, e in CORPUS if e["expect"] == "rejected")
    assert 0 < rejected < len(CORPUS)


@pytest.mark.parametrize(("key", "data", "expectation"), CORPUS, ids=[k for k, *_ in CORPUS])
def test_each_hostile_upload_gets_its_expected_verdict(
    settings: SiteSettings, key: str, data: bytes, expectation: dict[str, str]
) -> None:
    report = validate_upload(key, data, settings)
    codes = [p.code for p in report.problems if p.severity.value == "error"]
    if expectation["expect"] == "rejected":
        assert report.article is None
        assert expectation["code"] in codes
    else:
        assert report.article is not None, codes


#: The site's own search forms (the masthead's box, the search page's form): a GET to the
#: site's /cerca/, from any page's place in the tree. Any other form is an intruder.
SEARCH_FORM = re.compile(r"^(?:/|(?:\.\./)*)cerca/(?:index\.html)?$")
#: The one script the site runs, on the search page only: its own, content-hashed.
SEARCH_SCRIPT = re.compile(r"^(?:/|\.\./)assets/search\.[0-9a-f]{10}\.js$")
SEARCH_PAGE = "cerca/index.html"


def _site_form(element: lxml_html.HtmlElement) -> bool:
    return (
        element.get("class") in {"masthead__search", "search__form"}
        and (element.get("method") or "").lower() == "get"
        and SEARCH_FORM.match(element.get("action") or "") is not None
        and not {"target", "enctype", "onsubmit"} & set(element.attrib)
    )


def _site_script(element: lxml_html.HtmlElement, key: str) -> bool:
    return (
        key == SEARCH_PAGE
        and element.get("type") == "module"
        and SEARCH_SCRIPT.match(element.get("src") or "") is not None
        and not (element.text or "").strip()
    )


def unsafe_parts(page: bytes, key: str = "") -> list[str]:
    """Everything in one HTML page that could run or leave the page: [] when safe. The
    site's own search forms are allowed anywhere, its search script on `/cerca/` only."""
    found = []
    tree = lxml_html.document_fromstring(page)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue  # comments, processing instructions
        tag = element.tag.lower()
        if tag == "form" and _site_form(element):
            continue
        if tag == "script" and _site_script(element, key):
            continue
        if tag == "script":
            if element.get("type") != "application/ld+json":
                found.append(f"<script type={element.get('type')!r}>")
            else:
                json.loads(element.text or "")  # data, and nothing broke out of it
        if tag in FORBIDDEN_ELEMENTS or tag.endswith(":svg") or tag in {"svg", "math"}:
            found.append(f"<{tag}>")
        if tag == "meta" and (element.get("http-equiv") or "").lower() == "refresh":
            found.append("<meta http-equiv=refresh>")
        if tag == "link" and element.get("rel") in {"import", "stylesheet"}:
            href = element.get("href") or ""
            if not href.startswith(("/assets/", "../", "./", "assets/")) and "assets/" not in href:
                found.append(f"<link rel={element.get('rel')} href={href!r}>")
        if tag == "style":
            found.append("<style>")
        for name, value in element.attrib.items():
            attribute = name.lower()
            if attribute.startswith("on"):
                found.append(f"{tag}[{attribute}]")
            if attribute in URL_ATTRIBUTES or attribute.endswith(":href"):
                for candidate in value.split(",") if attribute == "srcset" else [value]:
                    if BAD_URL.match(candidate):
                        found.append(f"{tag}[{attribute}={value[:40]!r}]")
            if attribute == "style" and CSS_ATTACK.search(value):
                found.append(f"{tag}[style={value[:40]!r}]")
    return found


@pytest.fixture(scope="module")
def attacked() -> Iterator[tuple[LocalCloud, dict[str, bytes], dict[str, bytes]]]:
    with moto_cloud() as cloud:
        for name in BYSTANDERS:
            cloud.put(f"articles/{name}", (SAMPLES / "articles" / name).read_bytes())
        cloud.run_until_quiet()
        before = cloud.site_files()
        for key, data, _ in CORPUS:
            cloud.put(key, data)
        for i, key in enumerate(HOSTILE_KEYS):
            cloud.put(key, article(f"Chiave ostile {i}", section="Sport"))
        cloud.run_until_quiet()
        yield cloud, before, cloud.site_files()


def test_rejected_uploads_get_their_report_and_published_ones_their_page(
    attacked: tuple[LocalCloud, dict[str, bytes], dict[str, bytes]],
) -> None:
    cloud, _, after = attacked
    for key, _, expectation in CORPUS:
        report = cloud.report(key)
        if expectation["expect"] == "rejected":
            assert report is not None, key
            assert report["status"] == "rejected", key
            assert expectation["code"] in [e["code"] for e in report["errors"]], key
        else:
            assert report is None or report["status"] == "accepted", (key, report)
            slug = key.removeprefix("articles/").rsplit(".", 1)[0]
            assert f"sport/{slug}/index.html" in after, key


def test_no_other_page_changes(
    attacked: tuple[LocalCloud, dict[str, bytes], dict[str, bytes]],
) -> None:
    _, before, after = attacked
    for name in BYSTANDERS:
        stem = name.rsplit(".", 1)[0]
        [page] = [k for k in before if k.endswith(f"/{stem}/index.html")]
        assert after[page] == before[page], page
    for page in ("bresso/index.html", "cologno-monzese/index.html", "404.html"):
        assert after[page] == before[page], page


def test_every_site_key_is_a_safe_path(
    attacked: tuple[LocalCloud, dict[str, bytes], dict[str, bytes]],
) -> None:
    _, _, after = attacked
    for key in after:
        assert ".." not in key.split("/"), key
        assert not any(unicodedata.category(c) in {"Cc", "Cf"} for c in key), repr(key)
        assert re.fullmatch(r"[a-z0-9][a-z0-9./_-]*", key), key


def test_no_published_page_carries_anything_that_runs(
    attacked: tuple[LocalCloud, dict[str, bytes], dict[str, bytes]],
) -> None:
    _, _, after = attacked
    pages = {k: v for k, v in after.items() if k.endswith(".html")}
    assert len(pages) > 50
    problems = {k: found for k, page in pages.items() if (found := unsafe_parts(page, k))}
    assert problems == {}
    assert SEARCH_PAGE in pages  # the one page allowed a script was looked at
    for key, data in after.items():
        if key.endswith(".xml"):
            etree.fromstring(data)  # feeds and sitemaps stay well-formed XML


def test_the_checker_finds_what_it_looks_for() -> None:
    # the page checker itself must be able to fail
    bad = b"""<!doctype html><html><head><meta http-equiv="Refresh" content="0;url=x">
    <base href="https://evil.example/"></head><body>
    <script>alert(1)</script><a href=" JavaScript:alert(1)">x</a><img src=x onerror=y>
    <iframe></iframe><form></form><img srcset="a.jpg 1x, data:x 2x"><svg></svg>
    <p style="width: expression(alert(1))">x</p></body></html>"""
    found = " ".join(unsafe_parts(bad))
    for needle in ("script", "javascript", "onerror", "iframe", "form", "base", "refresh",
                   "srcset", "svg", "style"):  # fmt: skip
        assert needle in found.lower(), needle
    assert unsafe_parts(b"<html><body><p>ciao</p></body></html>") == []
    # the site's own search form and script pass only as the site writes them, where it does
    ours = b"""<html><body><form class="masthead__search" role="search" action="../cerca/"
    method="get"><input name="q"></form><script type="module" src="../assets/search.0123456789.js"
    ></script></body></html>"""
    assert unsafe_parts(ours, SEARCH_PAGE) == []
    assert unsafe_parts(ours, "cronaca/x/index.html") == ["<script type='module'>"]
    for forged in (
        b'<form class="masthead__search" action="https://evil.example/cerca/" method="get">',
        b'<form class="masthead__search" action="../cerca/" method="post">',
        b'<form class="masthead__search" action="../cerca/" method="get" target="_blank">',
        b'<form class="search__form" action="../../cerca/x/" method="get">',
    ):
        assert "<form>" in unsafe_parts(b"<html><body>" + forged + b"</form></body></html>")
