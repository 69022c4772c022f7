"""The pages in real headless Chromium: what a reader sees, hears and can reach.

One Node script (check_pages.mjs, playwright-core driving Debian's Chromium) loads every
page below in one browser, runs axe-core in each, and reports back as JSON. Screenshots
go to a temporary folder, or to docs/ with ROTATIVA_SCREENSHOTS=docs (`make screenshots`).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AXE, CHROMIUM, PLAYWRIGHT, require_tools, run_harness
from tests.browser.rendered import MOVED_PATH, SEED_PATH, RenderedSite
from tests.conftest import ROOT, SEED

SEED_TITLE = "Massimo Carrera, un sestese al comando del campionato di calcio russo"
BLOCKING_IMPACTS = {"serious", "critical"}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: The sample article whose photo is the phone's sideways 4000×3000 with GPS.
PHOTO_PATH = "/cologno-monzese/cologno-casa-di-comunita-inaugurazione/"
MOBILE = {"width": 375, "height": 740}
#: Live coverage and a corrected story (samples), and the site's corrections page.
LIVE_PATH = "/sesto-san-giovanni/sesto-consiglio-comunale-bilancio-diretta/"
CORRECTED_PATH = "/sport/pro-sesto-legnano-derby-vittoria/"
#: The pages where a layout shift would be felt first; those with pictures are audited.
FIRST_PAGES = ("article", "home", "article-mobile", "home-mobile", "photo-article",
               "photo-article-mobile")  # fmt: skip
PICTURE_PAGES = ("home", "home-mobile", "photo-article", "photo-article-mobile")


def _pages(rendered: RenderedSite, shots: Path) -> list[dict[str, Any]]:
    desktop = {"width": 1280, "height": 900}
    return [
        {
            "name": "article",
            "path": SEED_PATH,
            "viewport": desktop,
            "screenshot": str(shots / "article.png"),
            "fullPage": True,
        },
        {
            "name": "home",
            "path": "/",
            "viewport": desktop,
            "screenshot": str(shots / "home.png"),
            "fullPage": True,
        },
        {"name": "article-mobile", "path": SEED_PATH, "viewport": {"width": 375, "height": 740}},
        {"name": "home-mobile", "path": "/", "viewport": {"width": 375, "height": 740}},
        {"name": "photo-article", "path": PHOTO_PATH, "viewport": desktop},
        {"name": "photo-article-mobile", "path": PHOTO_PATH, "viewport": MOBILE},
        {"name": "listing", "path": "/sport/page/2/", "viewport": desktop},
        {"name": "updated", "path": "/sesto-san-giovanni/sesto-piazza-petazzi-riqualificazione/"},
        {"name": "live", "path": LIVE_PATH, "viewport": desktop},
        {"name": "live-mobile", "path": LIVE_PATH, "viewport": MOBILE},
        {"name": "corrected", "path": CORRECTED_PATH, "viewport": desktop},
        {"name": "corrections", "path": "/correzioni/", "viewport": MOBILE},
        {"name": "not-found", "path": "/404.html", "viewport": desktop},
        {"name": "moved", "path": MOVED_PATH, "viewport": desktop},
        {
            "name": "preview",
            "url": (rendered.preview_root / "index.html").as_uri(),
            "viewport": desktop,
        },
    ]


@pytest.fixture(scope="module")
def chromium_report(
    rendered: RenderedSite, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    require_tools("node", CHROMIUM, PLAYWRIGHT, AXE)
    work = tmp_path_factory.mktemp("chromium")
    wanted = os.environ.get("ROTATIVA_SCREENSHOTS")
    shots = (ROOT / wanted) if wanted else work / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    config = {"axe": str(AXE), "root": str(rendered.site_root), "pages": _pages(rendered, shots)}
    answer = run_harness("check_pages.mjs", work, config, timeout=240)
    report = {page["name"]: page for page in answer["pages"]}
    report["_shots"] = {"folder": str(shots)}
    return report


def _words(text: str) -> str:
    return " ".join(text.split())


def _seed() -> tuple[str, str, list[str]]:
    """The seed page's date line, headline and body paragraphs (shortcodes removed)."""
    blocks = SEED.read_text(encoding="utf-8").split("ARTICOLI CORRELATI")[0].split("\n\n")
    date = blocks[0].splitlines()[0].strip()
    title = _words(blocks[1])
    paragraphs = [_words(re.sub(r"\[/?textmarker[^\]]*\]", "", b)) for b in blocks[2:]]
    return date, title, [p for p in paragraphs if p]


PAGES = [
    "article",
    "home",
    "article-mobile",
    "home-mobile",
    "listing",
    "updated",
    "live",
    "live-mobile",
    "corrected",
    "corrections",
    "not-found",
    "moved",
]


@pytest.mark.parametrize("name", [*PAGES, "preview"])
def test_page_loads_cleanly(chromium_report: dict[str, dict[str, Any]], name: str) -> None:
    page = chromium_report[name]
    assert page["status"] in (200, 0, None)  # file:// pages have no HTTP status
    assert page["consoleErrors"] == []
    assert page["pageErrors"] == []
    assert page["failedRequests"] == []
    assert page["externalRequests"] == []
    assert page["brokenImages"] == []


@pytest.mark.parametrize("name", [*PAGES, "preview"])
def test_no_serious_accessibility_violation(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    violations = chromium_report[name]["axe"]
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    assert blocking == [], json.dumps(blocking, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("name", PAGES)
def test_first_tab_reaches_the_skip_link(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    assert chromium_report[name]["firstFocus"] == {"text": "Vai al contenuto", "href": "#contenuto"}


@pytest.mark.parametrize("name", ["article-mobile", "home-mobile"])
def test_small_screens_do_not_scroll_sideways(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    assert chromium_report[name]["overflowX"] <= 0


@pytest.mark.parametrize("name", ["article", "preview"])
def test_seed_article_reads_in_the_seeds_order(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    # GIVEN the seed article's page as Chromium lays it out
    text = _words(chromium_report[name]["text"])
    # THEN its visible text follows the seed: date line, breadcrumb, headline, dateline,
    # the paragraphs, then the related box
    date, title, paragraphs = _seed()
    assert (date, title) == ("Mer. 01 Mag. 2024", SEED_TITLE)
    assert paragraphs[0].startswith("SESTO SAN GIOVANNI – Una nuova favola calcistica")
    expected = [
        date,
        f"Home › Sesto San Giovanni › {title}",
        title,
        *paragraphs,
        "ARTICOLI CORRELATI",
    ]
    position = 0
    for piece in expected:
        found = text.find(piece, position)
        assert found >= 0, f"{piece[:60]!r} missing after position {position}: {text[:300]!r}"
        position = found + len(piece)


def test_screenshots_are_taken(chromium_report: dict[str, dict[str, Any]]) -> None:
    folder = Path(chromium_report["_shots"]["folder"])
    for name in ("article.png", "home.png"):
        data = (folder / name).read_bytes()
        assert data.startswith(PNG_MAGIC)
        assert len(data) > 20_000  # a real page, not a blank one


# --- pictures: no layout shift, and the image audits Lighthouse makes, offline -----------


@pytest.mark.parametrize("name", FIRST_PAGES)
def test_no_layout_shift_while_the_page_loads(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    assert chromium_report[name]["layoutShift"] == 0


def _variants(page: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for i in page["images"] if "/media/_v/" in (i["currentSrc"] or "")]


@pytest.mark.parametrize("name", PICTURE_PAGES)
def test_every_picture_is_sized_responsive_and_offered_in_a_modern_format(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    page = chromium_report[name]
    for image in page["images"]:
        if not (image["src"] or "").startswith(("/", "../", "media/")) or image["src"].endswith(
            ".svg"
        ):
            continue
        # unsized-images: width and height in the markup, in the proportion shown
        assert image["width"], image
        assert image["height"], image
        ratio = int(image["width"]) / int(image["height"])
        assert image["renderedWidth"] / image["renderedHeight"] == pytest.approx(ratio, rel=0.02)
        # responsive: a srcset and sizes, and a modern format offered and taken
        assert image["srcset"], image
        assert image["sizes"], image
        assert set(image["sources"]) & {"image/avif", "image/webp"}, image
        assert image["currentSrc"].endswith((".avif", ".webp")), image
    assert _variants(page), "the page shows no picture variant"


@pytest.mark.parametrize("name", PICTURE_PAGES)
def test_pictures_are_not_oversized_and_offscreen_ones_wait(
    chromium_report: dict[str, dict[str, Any]], name: str
) -> None:
    page = chromium_report[name]
    dpr = 1  # check_pages.mjs renders at deviceScaleFactor 1
    for image in _variants(page):
        # uses-responsive-images: never more than twice the pixels shown (the smallest
        # variant, 320 px, may be wider than a small box)
        assert image["naturalWidth"] <= max(2 * image["renderedWidth"] * dpr, 320), image
        # offscreen-images: below the first screen, lazy; lcp-lazy-loaded: above, not lazy
        if image["top"] >= page["viewportHeight"]:
            assert image["loading"] == "lazy", image
    first_screen = [i for i in _variants(page) if i["top"] < page["viewportHeight"]]
    if first_screen:
        largest = max(first_screen, key=lambda i: i["renderedWidth"] * i["renderedHeight"])
        assert largest["loading"] != "lazy", largest
        assert largest["fetchpriority"] == "high", largest  # prioritize-lcp-image
