"""Media uploads through the real ValidateFunction on moto (template.yaml's stack): the
type comes from the bytes, refused files get reports under reports/media/, and a media
upload writes and deletes its own site key and nothing else."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import article, publish
from tests.unit.test_media import png  # the smallest real PNG, built once

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _site_head(cloud: LocalCloud, key: str) -> dict[str, Any] | None:
    try:
        return dict(cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key=key))
    except cloud.clients.s3.exceptions.ClientError:
        return None


def _upload(cloud: LocalCloud, key: str, data: bytes, content_type: str = "text/html") -> None:
    # the uploader's Content-Type is a claim, and a hostile one here
    cloud.clients.s3.put_object(
        Bucket=cloud.inbox,
        Key=key,
        Body=data,
        ContentType=content_type,
        Metadata={"x-evil": "1"},
        WebsiteRedirectLocation="https://evil.example/",
        ContentEncoding="gzip",
        ContentLanguage="it",
        ContentDisposition="inline",
    )


def test_html_named_as_a_photo_is_refused_with_a_report_and_never_published(
    cloud: LocalCloud,
) -> None:
    # GIVEN an HTML page uploaded as media/x.jpg, claiming to be image/jpeg
    _upload(cloud, "media/x.jpg", HTML, "image/jpeg")
    # WHEN the pipeline has run
    cloud.run_until_quiet()
    # THEN its report is beside it under reports/media/, and the site has nothing of it
    report = cloud.report("media/x.jpg")
    assert report is not None
    assert report["status"] == "rejected"
    assert report["key"] == "media/x.jpg"
    assert [e["code"] for e in report["errors"]] == ["media_active"]
    assert "reports/media/x.jpg.json" in set(cloud.objects(cloud.inbox, "reports/"))
    assert list(cloud.objects(cloud.site_bucket)) == []


def test_a_png_is_published_with_its_own_type_and_removed_with_its_upload(
    cloud: LocalCloud,
) -> None:
    # GIVEN a PNG uploaded as media/foto.png with a hostile Content-Type and metadata
    _upload(cloud, "media/foto.png", png())
    cloud.run_until_quiet()
    # THEN the site copy is a PNG, typed from its bytes, without the uploader's extras:
    # re-encoded from its pixels (a picture is never published as uploaded), beside its
    # variants under media/_v/
    head = _site_head(cloud, "media/foto.png")
    assert head is not None
    assert head["ContentType"] == "image/png"
    assert head["CacheControl"].startswith("public")
    assert "x-evil" not in head.get("Metadata", {})
    for claimed in ("WebsiteRedirectLocation", "ContentEncoding", "ContentDisposition"):
        assert not head.get(claimed), claimed
    files = cloud.site_files()
    assert files["media/foto.png"].startswith(b"\x89PNG\r\n\x1a\n")
    variants = [k for k in files if k.startswith("media/_v/foto.")]
    assert variants
    assert all(k.endswith((".jpg", ".webp", ".avif")) for k in variants)
    report = cloud.report("media/foto.png")  # published, and told it is small for search
    assert report is not None
    assert report["status"] == "accepted"
    assert {w["code"] for w in report["warnings"]} == {"picture_crop_small"}
    # WHEN it is deleted from the inbox
    cloud.delete("media/foto.png")
    cloud.run_until_quiet()
    # THEN its site copy and its variants go, and only they
    assert list(cloud.objects(cloud.site_bucket)) == []


def test_a_png_named_jpg_is_served_as_png_and_a_pdf_downloads(cloud: LocalCloud) -> None:
    _upload(cloud, "media/foto.jpg", png())
    _upload(cloud, "media/delibera.pdf", PDF)
    cloud.run_until_quiet()
    photo = _site_head(cloud, "media/foto.jpg")
    assert photo is not None
    assert photo["ContentType"] == "image/png"
    report = cloud.report("media/foto.jpg")
    assert report is not None
    assert report["status"] == "accepted"
    codes = [w["code"] for w in report["warnings"]]
    assert codes[0] == "media_type_corrected"
    assert set(codes[1:]) == {"picture_crop_small"}  # a tiny PNG: its crops are small
    document = _site_head(cloud, "media/delibera.pdf")
    assert document is not None
    assert document["ContentType"] == "application/pdf"
    assert document["ContentDisposition"] == 'attachment; filename="delibera.pdf"'


def test_a_refused_upload_keeps_the_published_file_until_it_is_deleted(
    cloud: LocalCloud,
) -> None:
    _upload(cloud, "media/foto.png", png())
    cloud.run_until_quiet()
    published = cloud.site_files()
    _upload(cloud, "media/foto.png", HTML)
    cloud.run_until_quiet()
    assert cloud.site_files() == published  # the picture and its variants, untouched
    report = cloud.report("media/foto.png")
    assert report is not None
    assert report["status"] == "rejected"
    _upload(cloud, "media/foto.png", png())
    cloud.run_until_quiet()
    report = cloud.report("media/foto.png")  # the good upload replaces the refusal
    assert report is not None
    assert report["status"] == "accepted"


TRAVERSAL = (
    "media/../articles/x.md",
    "media/../index.html",
    "media/../sport/index.jpg",
    "media/./a.jpg",
    "media//a.jpg",
    "media/a\\..\\..\\index.jpg",
    "media/a\x01.jpg",
    "media/%2e%2e/index.jpg",
    "media/a/index.html",
    "media/x.html",
    "media/" + "x" * 400 + ".jpg",
)


def test_traversal_keys_are_refused_and_nothing_outside_media_is_written(
    cloud: LocalCloud,
) -> None:
    # GIVEN a published article, whose page and keys must not move
    publish(cloud, "articles/pagina.md", article("Pagina"))
    before = cloud.site_files()
    inbox_before = set(cloud.objects(cloud.inbox))
    # WHEN every hostile key is uploaded with a valid picture, then deleted
    for key in TRAVERSAL:
        _upload(cloud, key, png())
    cloud.run_until_quiet()
    # THEN each is refused with media_key_invalid, and the site did not change at all
    for key in TRAVERSAL:
        report = cloud.report(key)
        assert report is not None, key
        assert [e["code"] for e in report["errors"]] == ["media_key_invalid"], key
    assert cloud.site_files() == before
    written = set(cloud.objects(cloud.inbox)) - inbox_before - set(TRAVERSAL)
    assert written
    assert all(key.startswith("reports/media/") for key in written), written
    assert all(key.count("/") == 2 for key in written), written  # one escaped name each
    for key in TRAVERSAL:
        cloud.delete(key)
    cloud.run_until_quiet()
    assert cloud.site_files() == before
    assert list(cloud.objects(cloud.inbox, "reports/media/")) == []


def test_an_article_showing_a_refused_picture_still_publishes(cloud: LocalCloud) -> None:
    _upload(cloud, "media/finta.jpg", HTML)
    cloud.run_until_quiet()
    publish(
        cloud,
        "articles/con-finta.md",
        article("Finta", extra="image:\n  src: media/finta.jpg\n  alt: Finta\n"),
    )
    assert _site_head(cloud, "media/finta.jpg") is None
    assert _site_head(cloud, "sport/con-finta/index.html") is not None


def test_rotativa_status_lists_media_rejections(cloud: LocalCloud) -> None:
    from rotativa_tools.ops.status import collect_status

    # GIVEN a refused media file, one with a hostile name among them
    _upload(cloud, "media/x.jpg", HTML)
    _upload(cloud, "media/../index\x1b[2J.jpg", png())
    cloud.run_until_quiet()
    # WHEN the newsroom asks for the stack's status
    status = collect_status(cloud.clients, cloud.stack.outputs, None)
    # THEN both rejections are there, with their first error, the name printable
    found = {r.key: r for r in status.rejections}
    assert set(found) == {"media/x.jpg", "media/../index\\x1b[2J.jpg"}
    assert found["media/x.jpg"].first_error.startswith("il contenuto è HTML")
    assert all(r.errors == 1 for r in status.rejections)


def test_a_video_uploaded_in_parts_is_served_whole_by_the_dev_site(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    from boto3.s3.transfer import TransferConfig

    from rotativa_tools.local.site_server import BucketSource

    # GIVEN an 11 MB video uploaded as `aws s3 cp` does past 8 MB: a multipart upload,
    # whose checksum is one of its parts' checksums
    video = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(11 * 1024 * 1024)
    source = tmp_path / "consiglio.mp4"
    source.write_bytes(video)
    in_parts = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024**2)
    cloud.clients.s3.upload_file(str(source), cloud.inbox, "media/consiglio.mp4", Config=in_parts)
    assert cloud.clients.s3.head_object(Bucket=cloud.inbox, Key="media/consiglio.mp4")[
        "ETag"
    ].endswith('-3"')
    # WHEN the pipeline has copied it to the site
    cloud.run_until_quiet()
    # THEN the site's copy reads back whole, checksum checked, as the dev site reads it
    served = BucketSource(cloud.clients.s3, cloud.site_bucket).get("media/consiglio.mp4")
    assert served is not None
    assert served.content_type == "video/mp4"
    assert served.body == video
