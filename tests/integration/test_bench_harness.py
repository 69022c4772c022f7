"""The benchmark harnesses still run: `python -m benchmarks.suite --tiny` and
`python -m benchmarks.pictures --tiny` end to end, the latter's browser rule checked alone.

The benchmarks are measurements, not tests (docs/benchmarks.md), so nothing else runs
them, and a change to the pipeline, the local cloud or the corpus they lean on could break
them unnoticed until the next `make bench`. At tiny sizes (tens of articles, one repeat)
every section but the cold start (it installs the layer from the registry) runs in well
under a minute, writing only into a temporary folder; Hugo and matplotlib are optional
(the rebuild compares with Hugo when it is installed, the chart is skipped).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks.pictures import (
    DESKTOP,
    JPEG_BROWSER,
    MODERN_BROWSER,
    PHONE_2X,
    PHONE_3X,
    Viewport,
    chosen,
    images_of,
    media_matches,
    page_fetch,
    slot_width,
)
from benchmarks.sample_photos import MEDIA, PHOTOS, SIDEWAYS, photo_bytes
from PIL import ExifTags, Image

from tests.conftest import ROOT

SECTIONS = {"publish", "burst", "rebuild", "memory", "search"}


def _state(paths: list[Path]) -> dict[str, float]:
    """Every file under the paths, with its modification time."""
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return {str(f): f.stat().st_mtime for f in files}


def test_the_suite_runs_at_tiny_sizes_outside_the_repository(tmp_path: Path) -> None:
    # GIVEN the repository's benchmark outputs as they are
    watched = [ROOT / "build" / "bench", ROOT / "docs" / "publish-cost.png"]
    before = _state(watched)
    out = tmp_path / "results.json"
    # WHEN the suite runs at its tiny sizes, told to work in a temporary folder
    command = [sys.executable, "-m", "benchmarks.suite", "--tiny", "--work", str(tmp_path),
               "--out", str(out), "--chart", str(tmp_path / "chart.png")]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    # THEN it succeeds and prints its table
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1. Incremental publish" in result.stdout
    # AND every section it ran left figures
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["sections"]) == SECTIONS
    publish = figures["sections"]["publish"]["figures"]
    assert [run["n"] for run in publish["runs"]] == [10, 20]
    assert all(run["calls_total"] > 0 for run in publish["runs"])
    assert figures["sections"]["burst"]["figures"]["uploads"] == 10
    rebuild = figures["sections"]["rebuild"]["figures"]
    [race] = rebuild["runs"]
    uploads, export = race["rotativa_uploads"], race["rotativa_export"]
    # both rotativa runs are the real command, as whole processes, and build the same pages
    assert uploads["command"].startswith("rotativa rebuild ")
    assert "--table-export" in export["command"]
    reindexed = race["rotativa_export_reindex"]
    assert uploads["html"] == export["html"] == reindexed["html"] > 20
    assert uploads["page_requests"] == export["page_requests"] == reindexed["page_requests"]
    assert race["table_export_items"] > 20
    if "hugo" in race:  # Hugo is optional here: the same articles, sections and feeds
        assert race["hugo"]["html"] + race["hugo"]["html_redirects"] > 20
        assert race["hugo"]["feeds"] == uploads["feeds"]
    [search] = figures["sections"]["search"]["figures"]["sizes"]
    assert search["first"]["articles"] == 20
    assert search["first"]["files_written"] > 20  # a fragment per article, and the rest
    assert 0 < search["one_changed"]["files_written"] < search["first"]["files_written"]
    assert search["unchanged"]["unchanged"]
    assert search["unchanged"]["files_written"] == 0
    # AND nothing was written into the repository
    assert _state(watched) == before


# --- benchmarks/pictures.py: what a page's images cost a browser ---------------------------

RESPONSIVE = """
<picture>
  <source type="image/avif" sizes="(min-width: 60em) 640px, calc(100vw - 2rem)"
          srcset="/v/a.320.avif 320w, /v/a.640.avif 640w, /v/a.960.avif 960w, /v/a.1280.avif 1280w">
  <img src="/v/a.640.jpg" alt="Il sindaco" loading="lazy"
       sizes="(min-width: 60em) 640px, calc(100vw - 2rem)"
       srcset="/v/a.320.jpg 320w, /v/a.640.jpg 640w, /v/a.960.jpg 960w, /v/a.1280.jpg 1280w">
</picture>
<img class="related__thumb" src="/v/t.jpg" srcset="/v/t.jpg 1x, /v/t2.jpg 2x" alt="">
<img src="/media/plain.jpg" alt="">
<img src="/v/a.640.jpg" alt="the same file again">
"""


def test_the_picture_harness_chooses_as_a_browser_does() -> None:
    # GIVEN a page with a <picture>, an x-descriptor thumbnail and a plain <img>
    images = images_of(RESPONSIVE)
    assert [image.lazy for image in images] == [True, False, False, False]

    def picks(viewport: Viewport, decodes: frozenset[str]) -> list[str]:
        return [chosen(image, viewport, decodes) for image in images]

    # THEN a 375 px phone at DPR 2 needs 343 × 2 = 686 px: the 960w AVIF; at DPR 3, 1029:
    # the 1280w; the 1280 px desktop at DPR 1 has a 640 px slot: the 640w
    assert picks(PHONE_2X, MODERN_BROWSER)[:3] == ["/v/a.960.avif", "/v/t2.jpg", "/media/plain.jpg"]
    assert picks(PHONE_3X, MODERN_BROWSER)[:2] == ["/v/a.1280.avif", "/v/t2.jpg"]  # the largest
    assert picks(DESKTOP, MODERN_BROWSER)[:2] == ["/v/a.640.avif", "/v/t.jpg"]
    # AND a browser without AVIF takes the <img>'s own srcset
    assert picks(PHONE_2X, JPEG_BROWSER)[0] == "/v/a.960.jpg"


def test_the_picture_harness_evaluates_media_conditions_and_refuses_what_it_cannot() -> None:
    assert media_matches("(max-width: 600px)", PHONE_2X)
    assert not media_matches("(max-width: 600px)", DESKTOP)
    assert media_matches("(width >= 48em)", DESKTOP)  # 768 px
    assert media_matches("not (min-width: 400px)", PHONE_2X)
    assert media_matches("screen and (min-width: 1000px)", DESKTOP)
    assert not media_matches("print and (min-width: 1px)", DESKTOP)
    assert media_matches("(max-width: 300px), (min-width: 1200px)", DESKTOP)
    assert slot_width("(min-width: 60em) min(40rem, 50vw), 92vw", DESKTOP) == 640
    assert slot_width("(min-width: 60em) min(40rem, 50vw), 92vw", PHONE_2X) == 345
    assert slot_width(None, PHONE_2X) == 375
    for unknown in ("(orientation: portrait)", "(min-width: 50%)"):
        with pytest.raises(ValueError, match=r"not (evaluated|resolved) here"):
            media_matches(unknown, PHONE_2X)


def test_the_picture_harness_counts_each_file_once_and_never_a_missing_one_as_zero() -> None:
    site = {"v/a.960.avif": b"a" * 300, "v/a.960.jpg": b"j" * 500, "v/t2.jpg": b"t" * 40,
            "media/plain.jpg": b"p" * 70, "v/a.640.jpg": b"s" * 400}  # fmt: skip
    originals = {"media/a.jpg": 10_000, "media/t.jpg": 2_000, "media/plain.jpg": 1_000}
    source_of = {"v/a.960.avif": "media/a.jpg", "v/a.640.jpg": "media/a.jpg",
                 "v/a.960.jpg": "media/a.jpg", "v/t2.jpg": "media/t.jpg"}  # fmt: skip
    fetch = page_fetch(RESPONSIVE, PHONE_2X, site, originals, source_of)
    assert fetch.images == 4
    # before: each original once (a.jpg is shown twice), the lazy one's apart
    assert (fetch.before, fetch.before_lazy) == (13_000, 10_000)
    # after: each file once; the fourth <img> names a file the first did not fetch
    assert fetch.after == {"avif": 300 + 40 + 70 + 400, "jpeg-only": 500 + 40 + 70 + 400}
    assert fetch.after_lazy == {"avif": 300, "jpeg-only": 500}
    del site["v/t2.jpg"]
    with pytest.raises(LookupError, match=r"v/t2\.jpg"):
        page_fetch(RESPONSIVE, PHONE_2X, site, originals, source_of)


def test_the_picture_benchmark_runs_at_tiny_size_through_the_real_pipeline(tmp_path: Path) -> None:
    # WHEN the picture benchmark runs on small photos (the samples' scenes at 800×600)
    out = tmp_path / "pictures.json"
    command = [sys.executable, "-m", "benchmarks.pictures", "--tiny", "--work", str(tmp_path),
               "--out", str(out)]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    # THEN it succeeds and prints both parts of its table
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1. Making one photo's variants" in result.stdout
    assert "2. Image bytes a browser fetches" in result.stdout
    figures = json.loads(out.read_text(encoding="utf-8"))
    # AND the sideways photo was made upright, once, in a fresh process; a focus adds crops
    timing = figures["variants"]
    centre, focused = timing["centre"], timing["centre_and_focus"]
    assert timing["photo"] == "media/cologno-casa-di-comunita.jpg"
    assert centre["upright"] == [600, 800]
    assert centre["decodes"] == 1
    assert 0 < centre["make_ms"] < centre["process_ms"]
    assert focused["variants"] > centre["variants"] > 0
    # AND every page at every viewport was measured on what the local cloud published
    viewports = figures["bytes"]["viewports"]
    assert {(v["width"], v["dpr"]) for v in viewports.values()} == {(375, 2), (375, 3), (1280, 1)}
    assert figures["bytes"]["variants_published"] > 0
    for viewport in viewports.values():
        article, home = viewport["pages"]["article"], viewport["pages"]["homepage"]
        assert article["images"] == 2  # the hero and the lead story's related thumbnail
        assert home["images"] == 3  # the lead and the first teaser of two sections
        for page in (article, home):
            assert page["before"] > 0
            assert page["after"]["avif"] > 0
            assert all(f.startswith("media/") for f in page["files"]["avif"])
    # AND a phone fetches fewer bytes than the uploads weigh
    phone = viewports["phone 375 px, DPR 2"]["pages"]
    assert phone["article"]["after"]["avif"] < phone["article"]["before"]
    assert phone["homepage"]["after"]["avif"] < phone["homepage"]["before"]


def test_the_sample_photos_are_what_their_recipe_makes() -> None:
    # GIVEN the phone's photo made again from its recipe
    again = photo_bytes(SIDEWAYS)
    # THEN it is the committed file, byte for byte: the samples can be regenerated
    assert again == (MEDIA / SIDEWAYS.name).read_bytes()
    # AND every photo the recipe makes is a sample, small in the repository
    for photo in PHOTOS:
        assert (MEDIA / photo.name).stat().st_size < 250_000, photo.name
    # AND it is what a phone writes: sideways in the file, upright once turned, with GPS
    with Image.open(MEDIA / SIDEWAYS.name) as image:
        exif = image.getexif()
        assert image.size == (4000, 3000)
        assert exif[ExifTags.Base.Orientation] == 6
        assert exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] == "N"
