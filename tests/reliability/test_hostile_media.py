"""Hostile media: every file under tests/hostile/media/ and every hostile media key goes
through the local cloud (template.yaml on moto, the real ValidateFunction). Each file is
refused with its report under reports/media/ or published with the Content-Type its
bytes prove; nothing active ever reaches the site bucket; no key outside a media upload's
own is written or deleted; the samples' pages and picture do not move.

tests/hostile/manifest.d/media.json says what each file must become.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import Any

import pytest
from PIL import Image

from rotativa.domain.media import report_subject
from rotativa.domain.site import SiteSettings
from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.summary import Outcome, UploadJudge
from tests.conftest import SAMPLES
from tests.reliability.cloud_helpers import moto_cloud
from tests.reliability.hostile_corpus import (
    HOSTILE,
    HOSTILE_MEDIA_KEYS,
    MEDIA_MANIFEST,
    media_corpus,
    media_corpus_files,
)

MEDIA = media_corpus()
SAMPLE_ARTICLE = "sesto-piazza-petazzi-riqualificazione.md"
SAMPLE_MEDIA = "media/piazza-petazzi.jpg"
ACTIVE_TYPE = re.compile(r"html|xml|svg|javascript|ecmascript|css|text/", re.IGNORECASE)
PNG = (HOSTILE / "media" / "ok-tiny.png").read_bytes()

Attacked = tuple[LocalCloud, dict[str, bytes], dict[str, bytes]]


def test_the_media_corpus_is_big_enough_and_fully_described() -> None:
    files = {path.name for path in media_corpus_files()}
    described = {name for name in MEDIA_MANIFEST if not name.startswith("@")}
    assert files == described, "every media corpus file needs a manifest entry, and vice versa"
    rejected = [e for *_, e in MEDIA if e["expect"] == "rejected"]
    assert len(rejected) >= 12
    assert len(MEDIA) - len(rejected) >= 5  # and the passive formats still get through


@pytest.fixture(scope="module")
def attacked() -> Iterator[Attacked]:
    with moto_cloud() as cloud:
        cloud.put(SAMPLE_MEDIA, (SAMPLES / SAMPLE_MEDIA).read_bytes())
        cloud.put(
            f"articles/{SAMPLE_ARTICLE}",
            (SAMPLES / "articles" / SAMPLE_ARTICLE).read_bytes(),
        )
        cloud.run_until_quiet()
        before = cloud.site_files()
        assert SAMPLE_MEDIA in before  # the samples' real photo passes the checks
        assert "sesto-san-giovanni/sesto-piazza-petazzi-riqualificazione/index.html" in before
        for key, data, _ in MEDIA:
            cloud.put(key, data)
        for key in HOSTILE_MEDIA_KEYS:
            cloud.put(key, PNG)
        cloud.run_until_quiet()
        yield cloud, before, cloud.site_files()


def _head(cloud: LocalCloud, key: str) -> dict[str, Any]:
    return dict(cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key))


@pytest.mark.parametrize(("key", "data", "expectation"), MEDIA, ids=[k for k, *_ in MEDIA])
def test_each_media_file_is_refused_with_its_report_or_published_as_what_it_is(
    attacked: Attacked, key: str, data: bytes, expectation: dict[str, str]
) -> None:
    cloud, _, after = attacked
    report = cloud.report(key)
    if expectation["expect"] == "rejected":
        # THEN the editor reads why, beside the upload, and the site has nothing of it
        assert report is not None, key
        assert report["status"] == "rejected"
        assert report["key"] == key
        assert [e["code"] for e in report["errors"]] == [expectation["code"]]
        assert key not in after
    elif expectation["content_type"].startswith("image/"):
        # THEN a picture is published re-encoded from its pixels, in the format its bytes
        # are (not its name's), without what the file carried beside them, and as variants
        assert key in after
        assert after[key] != data
        published = Image.open(io.BytesIO(after[key]))
        assert Image.MIME[str(published.format)] == expectation["content_type"]
        assert not published.getexif()
        assert "xmp" not in published.info
        assert b"<script" not in after[key].lower()
        assert _variants_of(key, after)
        head = _head(cloud, key)
        assert head["ContentType"] == expectation["content_type"]
        assert report is None or report["status"] == "accepted"
    else:
        # THEN the site holds the very bytes, typed from the bytes, not from the name
        assert after.get(key) == data
        head = _head(cloud, key)
        assert head["ContentType"] == expectation["content_type"]
        assert head.get("CacheControl", "").startswith("public")
        if expectation["content_type"] == "application/pdf":
            assert head.get("ContentDisposition", "").startswith("attachment")
        assert report is None or report["status"] == "accepted"


def _variants_of(key: str, site: dict[str, bytes]) -> set[str]:
    """The site keys of a picture's variants: `media/_v/<its stem>.<hash>.<w>x<h>.<ext>`."""
    stem = PurePosixPath(key.removeprefix("media/")).with_suffix("").as_posix()
    pattern = re.compile(rf"media/_v/{re.escape(stem)}\.[0-9a-f]{{10}}\.\d+x\d+\.\w+")
    return {k for k in site if pattern.fullmatch(k)}


def test_hostile_media_keys_are_refused_and_write_nothing(attacked: Attacked) -> None:
    cloud, _, after = attacked
    for key in HOSTILE_MEDIA_KEYS:
        report = cloud.report(key)
        assert report is not None, key
        assert report["status"] == "rejected", key
        assert [e["code"] for e in report["errors"]] == ["media_key_invalid"], key
        assert key not in after
    # every report is filed under reports/media/ or reports/articles/, one segment deep
    # for refused names: never beside another's, never outside reports/
    for report_key in cloud.objects(cloud.inbox, "reports/"):
        assert report_key.startswith(("reports/media/", "reports/articles/")), report_key
        segments = report_key.split("/")
        assert not {"..", ".", ""} & set(segments), report_key
        assert not re.search(r"[\x00-\x1f\x7f-\x9f\\]", report_key), report_key


def test_only_the_media_uploads_own_keys_changed(attacked: Attacked) -> None:
    _, before, after = attacked
    published = {key for key, _, e in MEDIA if e["expect"] == "published"}
    owned = published | {v for key in published for v in _variants_of(key, after)}
    # the samples' pages and picture are exactly as they were
    assert {k: v for k, v in after.items() if k not in owned} == before
    assert set(after) - set(before) == owned


def test_no_site_object_under_media_is_of_a_type_that_runs(attacked: Attacked) -> None:
    cloud, _, _ = attacked
    media = list(cloud.objects(cloud.site_bucket, "media/"))
    assert media
    for key in media:
        content_type = _head(cloud, key)["ContentType"]
        assert not ACTIVE_TYPE.search(content_type), (key, content_type)
        assert content_type.split("/")[0] in ("image", "audio", "video", "application")
        if content_type.startswith("application/"):
            assert content_type == "application/pdf"


def test_rotativa_local_and_dev_tell_media_rejections(
    attacked: Attacked, settings: SiteSettings
) -> None:
    cloud, _, _ = attacked
    judge = UploadJudge.for_cloud(cloud, settings)
    for key, _, expectation in MEDIA:
        outcome = judge.judge(key)
        if expectation["expect"] == "rejected":
            assert outcome.outcome is Outcome.REJECTED, key
            assert outcome.first_error, key
        else:
            assert outcome.outcome is Outcome.MEDIA_COPIED, key
    assert judge.judge(HOSTILE_MEDIA_KEYS[0]).outcome is Outcome.REJECTED


def test_deleting_the_uploads_removes_only_their_own_objects(attacked: Attacked) -> None:
    # runs last: it changes the module's cloud
    cloud, before, _ = attacked
    for key, _, _ in MEDIA:
        cloud.delete(key)
    for key in HOSTILE_MEDIA_KEYS:
        cloud.delete(key)
    cloud.run_until_quiet()
    assert cloud.site_files() == before
    # only the samples' photo keeps its report: published, told its crops are small
    left = list(cloud.objects(cloud.inbox, "reports/media/"))
    assert left == [f"reports/{SAMPLE_MEDIA}.json"], left
    sample = cloud.report(SAMPLE_MEDIA)
    assert sample is not None
    assert sample["status"] == "accepted"
    assert {w["code"] for w in sample["warnings"]} == {"picture_crop_small"}
    assert report_subject(HOSTILE_MEDIA_KEYS[0]).startswith("media/")
