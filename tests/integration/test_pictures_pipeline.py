"""Pictures through template.yaml's stack on moto: an editor's camera photo becomes
upright, private variants at upload, the article that shows it is stored with them
whichever arrived first, and a replaced, deleted or hostile picture changes exactly what
it should."""

from __future__ import annotations

import io
import json
import re
import struct
import zlib

from PIL import Image

from rotativa.adapters.articles_table import stored_from_item
from rotativa.domain.pictures import PictureFormat, VariantKind
from rotativa.domain.records import StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import (
    article,
    call,
    publish,
    s3_event,
    site_page,
    table_item,
    version_of,
)
from tests.schema_org import nodes_of_type
from tests.unit.test_pictures import UPRIGHT, camera_jpeg, carries_private_metadata, photo

PHOTO = "media/2026/sindaco.jpg"
STORY = "articles/consiglio.md"
PAGE = "/sport/consiglio-comunale/"
FOCUSED = article(
    "Consiglio comunale",
    slug="consiglio-comunale",
    extra=(
        "image:\n"
        f"  src: {PHOTO}\n"
        "  alt: Il sindaco in aula\n"
        "  caption: Il sindaco durante la seduta\n"
        "  focus: [0.5, 0.3]\n"
    ),
)


def _stored(cloud: LocalCloud, key: str) -> StoredArticle | None:
    env = cloud.stack.functions["IndexFunction"].environment
    return stored_from_item(table_item(cloud, key), SiteSettings.from_environment(env))


def _variants(cloud: LocalCloud) -> dict[str, bytes]:
    return {k: v for k, v in cloud.site_files().items() if k.startswith("media/_v/")}


def test_a_camera_photo_uploaded_before_its_article_is_shown_by_its_variants(
    cloud: LocalCloud,
) -> None:
    # GIVEN the camera's sideways 4000×3000 JPEG with GPS, then the article that shows it
    cloud.put(PHOTO, camera_jpeg())
    cloud.run_until_quiet()
    publish(cloud, STORY, FOCUSED)
    # THEN the article is stored with the picture, cropped around the editor's focus
    stored = _stored(cloud, STORY)
    assert stored is not None
    teaser = stored.teaser()
    ref = teaser.picture
    assert ref is not None
    assert (ref.src, ref.width, ref.height) == (PHOTO, *UPRIGHT)  # upright: portrait
    assert tuple(ref.focus) == (0.5, 0.3)
    # AND every variant the pages name is in the site bucket
    files = cloud.site_files()
    for spec in ref.planned().variants:
        assert spec.name in files, spec.name
    # AND the search crops are at least 1,200 px wide, the related thumbnail under 40 KB
    for kind in (VariantKind.CROP_16_9, VariantKind.CROP_4_3, VariantKind.CROP_1_1):
        crop = ref.variant(kind, PictureFormat.JPEG)
        assert crop is not None, kind
        assert crop.width >= 1200, kind
    teaser_file = ref.variant(VariantKind.TEASER, ref.modern)
    assert teaser_file is not None
    assert len(files[teaser_file.name]) < 40_000
    assert len(files[ref.variant(VariantKind.TEASER, PictureFormat.JPEG).name]) < 40_000  # type: ignore[union-attr]
    # AND no published file carries the camera's metadata, the upload's key included
    pictures = {k: v for k, v in files.items() if k.startswith("media/")}
    assert PHOTO in pictures
    assert (
        Image.open(io.BytesIO(pictures[PHOTO])).size[1]
        > Image.open(io.BytesIO(pictures[PHOTO])).size[0]
    )  # the stand-in is upright too
    for key, body in pictures.items():
        assert not carries_private_metadata(body), key
    # AND the article page, the homepage and a neighbour's related box show it through
    # srcset, the modern format offered first
    publish(cloud, "articles/vicino.md", article("Vicino", slug="vicino", date="2024-05-02T10:00"))
    hero = [s.name for s in ref.variants(VariantKind.WIDTH, ref.modern)]
    thumb = ref.variant(VariantKind.TEASER, ref.modern)
    assert thumb is not None
    page = site_page(cloud, PAGE) or ""
    assert f'<source type="{ref.modern.content_type}"' in page
    assert all(f"/{name} " in page for name in hero), "every width in the hero's srcset"
    assert 'fetchpriority="high"' in page
    # AND its NewsArticle offers search engines the three crops, 1,200 px wide or more
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert found is not None
    (news_article,) = nodes_of_type(json.loads(found.group(1)), "NewsArticle")
    images = news_article["image"]
    sizes = {(i["width"], i["height"]) for i in images}
    assert {(1200, 675), (1200, 900), (1200, 1200)} <= sizes
    for shown in ("/", "/sport/vicino/"):
        assert f"/{thumb.name} " in (site_page(cloud, shown) or ""), shown


def test_an_article_uploaded_before_its_photo_is_re_rendered_when_the_photo_comes(
    cloud: LocalCloud,
) -> None:
    # GIVEN the article first: published, with the image's warning and no picture
    publish(cloud, STORY, FOCUSED)
    before = _stored(cloud, STORY)
    assert before is not None
    assert before.pictures == ()
    report = cloud.report(STORY)
    assert report is not None
    assert [w["code"] for w in report["warnings"]] == ["image_missing"]
    page_before = site_page(cloud, PAGE)
    assert page_before is not None
    # WHEN the photo arrives
    publish(cloud, PHOTO, camera_jpeg())
    # THEN the article is stored again with it, and its page was rendered again
    after = _stored(cloud, STORY)
    assert after is not None
    assert len(after.pictures) == 1
    assert after.order > before.order
    assert after.updated == before.updated  # a new picture is no correction of the text
    assert tuple(after.pictures[0].focus) == (0.5, 0.3)
    assert site_page(cloud, PAGE) != page_before
    for spec in after.pictures[0].planned().variants:
        assert spec.name in cloud.site_files()


def test_a_replaced_photo_takes_its_old_variants_with_it_and_a_deleted_one_everything(
    cloud: LocalCloud,
) -> None:
    cloud.put(PHOTO, _small_jpeg((200, 40, 40)))
    publish(cloud, STORY, FOCUSED)
    first = _stored(cloud, STORY)
    assert first is not None
    assert first.pictures
    old = set(_variants(cloud))
    # WHEN the photo is replaced
    publish(cloud, PHOTO, _small_jpeg((40, 40, 200)))
    second = _stored(cloud, STORY)
    assert second is not None
    assert second.pictures
    assert second.pictures[0].sha256 != first.pictures[0].sha256
    new = set(_variants(cloud))
    # THEN only the new photo's variants are on the site
    assert new
    assert not new & old
    assert {s.name for s in second.pictures[0].planned().variants} <= new
    # WHEN it is deleted
    cloud.delete(PHOTO)
    cloud.run_until_quiet()
    # THEN no variant is left, nor the stand-in, and the article shows no picture
    assert _variants(cloud) == {}
    assert PHOTO not in cloud.site_files()
    third = _stored(cloud, STORY)
    assert third is not None
    assert third.pictures == ()
    assert third.visible


def test_a_retried_event_for_a_picture_made_already_keeps_its_report(
    cloud: LocalCloud,
) -> None:
    # GIVEN a photo too small for the 1,200 px crops: published, with warnings
    publish(cloud, "media/piccola.jpg", _small_jpeg((200, 40, 40), (800, 600)))
    report = cloud.report("media/piccola.jpg")
    assert report is not None
    assert {w["code"] for w in report["warnings"]} == {"picture_crop_small"}
    files = cloud.site_files()
    # WHEN S3 delivers the same version's event again
    event = s3_event(
        cloud,
        "media/piccola.jpg",
        sequencer="FF",
        version_id=version_of(cloud, "media/piccola.jpg"),
    )
    assert call(cloud, "ValidateFunction", event) == {"batchItemFailures": []}
    cloud.run_until_quiet()
    # THEN nothing is made again and the editor's report still says what it said
    assert cloud.report("media/piccola.jpg") == report
    assert cloud.site_files() == files


def test_a_decompression_bomb_is_refused_with_a_report_and_fails_no_batch(
    cloud: LocalCloud,
) -> None:
    # GIVEN a PNG whose header claims 60,000×60,000 pixels, beside a good article
    cloud.put("media/bomba.png", png_header(60_000, 60_000))
    cloud.put("articles/altro.md", article("Altro articolo", slug="altro-articolo"))
    cloud.run_until_quiet()
    # THEN the bomb has its report, nothing of it is published, the article is
    report = cloud.report("media/bomba.png")
    assert report is not None
    assert report["status"] == "rejected"
    assert [e["code"] for e in report["errors"]] == ["picture_too_large"]
    assert not [k for k in cloud.site_files() if "bomba" in k]
    assert site_page(cloud, "/sport/altro-articolo/") is not None


def _small_jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (1600, 1200)) -> bytes:
    image = photo(*size)
    image.paste(colour, (0, 0, 400, 300))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A few bytes of PNG claiming `width`×`height` pixels: a decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    crc = struct.pack(">I", zlib.crc32(chunk))
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + crc
