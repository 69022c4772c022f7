"""What a media file is, from its bytes; where it may live, from its key (domain/media.py),
and what the ValidateFunction does with it (services/media.py, on in-memory fakes).

Every header below is built here, byte by byte, as the format's specification lays it
out: nothing depends on a sample file.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from rotativa.domain.inbox import Change, InboxEvent, IngestOutcome
from rotativa.domain.media import (
    MEDIA_MAX_BYTES,
    SNIFF_BYTES,
    MediaHead,
    MediaType,
    judge_media,
    media_key_problems,
    normal_form,
    report_subject,
    site_key,
    sniff,
)
from rotativa.services.media import MediaUploads

# --- minimal true headers ----------------------------------------------------------------


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def jpeg(segment: bytes = b"") -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + segment + b"\xff\xd9"


def gif() -> bytes:
    screen = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
    palette = b"\x00\x00\x00\xff\xff\xff"
    return screen + palette + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"


def webp() -> bytes:
    vp8l = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(vp8l)) + b"WEBP" + vp8l


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + struct.pack(">I", 8) + b"free"


def ebml(doctype: bytes) -> bytes:
    doc = b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype
    header = b"\x42\x86\x81\x01" + doc + b"\x42\x87\x81\x04\x42\x85\x81\x02"
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(header)]) + header


def mp3_frame() -> bytes:
    return b"\xff\xfb\x90\x64" + b"\x00" * 60  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz


def id3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + mp3_frame()


def adts() -> bytes:
    return b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 20  # AAC LC, 44.1 kHz


def pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


PASSIVE: dict[str, tuple[bytes, str, str]] = {
    "jpeg": (jpeg(), "media/foto.jpg", "image/jpeg"),
    "jpeg-upper-ext": (jpeg(), "media/IMG_0001.JPEG", "image/jpeg"),
    "png": (png(), "media/grafico.png", "image/png"),
    "gif": (gif(), "media/anim.gif", "image/gif"),
    "webp": (webp(), "media/2024/05/foto.webp", "image/webp"),
    "avif": (ftyp(b"avif", b"mif1", b"miaf"), "media/foto.avif", "image/avif"),
    "avif-sequence": (ftyp(b"avis", b"msf1"), "media/clip.avif", "image/avif"),
    "avif-by-compatible-brand": (ftyp(b"mif1", b"avif"), "media/foto.avif", "image/avif"),
    "pdf": (pdf(), "media/delibera.pdf", "application/pdf"),
    "mp3-id3": (id3(), "media/intervista.mp3", "audio/mpeg"),
    "mp3-frame": (mp3_frame(), "media/intervista.mp3", "audio/mpeg"),
    "m4a": (ftyp(b"M4A ", b"M4A ", b"mp42", b"isom"), "media/podcast.m4a", "audio/mp4"),
    "aac-adts": (adts(), "media/radio.aac", "audio/aac"),
    "mp4-isom": (ftyp(b"isom", b"isom", b"mp41"), "media/video.mp4", "video/mp4"),
    "mp4-mp42": (ftyp(b"mp42", b"mp42", b"isom"), "media/video.mp4", "video/mp4"),
    "m4v": (ftyp(b"M4V ", b"M4V ", b"mp42"), "media/video.m4v", "video/mp4"),
    "webm": (ebml(b"webm"), "media/video.webm", "video/webm"),
}


@pytest.mark.parametrize(("data", "key", "content_type"), PASSIVE.values(), ids=list(PASSIVE))
def test_each_published_format_is_recognised_by_its_bytes(
    data: bytes, key: str, content_type: str
) -> None:
    verdict = judge_media(key, data, len(data))
    assert verdict.problems == ()
    assert verdict.media_type is not None
    assert verdict.media_type.content_type == content_type


def test_a_pdf_downloads_and_nothing_else_does() -> None:
    verdict = judge_media("media/delibera.pdf", pdf(), len(pdf()))
    assert verdict.media_type is not None
    assert verdict.media_type.disposition == "attachment"
    for data, key, _ in PASSIVE.values():
        found = judge_media(key, data, len(data)).media_type
        assert found is not None
        assert (found.disposition is not None) == (found.content_type == "application/pdf")


def test_xmp_metadata_in_a_photo_is_not_markup() -> None:
    xmp = (
        b"http://ns.adobe.com/xap/1.0/\x00"
        b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/>'
        b"</rdf:RDF></x:xmpmeta><?xpacket end='w'?>"
    )
    data = jpeg(b"\xff\xe1" + struct.pack(">H", 2 + len(xmp)) + xmp)
    assert judge_media("media/foto.jpg", data, len(data)).accepted


# --- active and unknown content ---------------------------------------------------------

ACTIVE: dict[str, bytes] = {
    "html": b"<!DOCTYPE html><html><script>alert(1)</script></html>",
    "html-fragment": b"<script>alert(document.cookie)</script>",
    "html-upper-after-whitespace": b" \t\r\n\x0c<HTML><BODY onload=alert(1)>",
    "html-after-bom": b"\xef\xbb\xbf<html>",
    "html-utf16": "\ufeff<html><script>x</script>".encode("utf-16-le"),
    "xhtml": b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>',
    "xml": b'<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><doc/>',
    "svg-script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "svg-plain": b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
    "svg-after-doctype": b'<?xml version="1.0"?>\n<!DOCTYPE svg><svg xmlns="http://www.w3.org/2000/svg"/>',
    "javascript": b"alert(document.cookie);\n",
    "css": b"body { background: red }\n",
    "json": b'{"a": 1}',
    "comment-then-html": b"<!-- x --><p>hi</p>",
    "gif-polyglot": b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>",
    "jpeg-comment-polyglot": jpeg(b"\xff\xfe\x00\x22<html><script>alert(1)</script>"),
    "png-with-iframe": png()[:33] + b"\x00\x00\x00\x20tEXt<iframe src=//evil.example>",
    "pdf-polyglot": b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>",
    "mp4-with-svg": ftyp(b"isom", b"isom") + b"\x00\x00\x00\x20uuid<svg onload=alert(1)>",
    "webp-with-javascript-url": webp() + b"<a href=javascript:alert(1)>",
}


@pytest.mark.parametrize("data", ACTIVE.values(), ids=list(ACTIVE))
@pytest.mark.parametrize("name", ["foto.jpg", "foto.png", "doc.pdf", "clip.mp4"])
def test_active_content_is_refused_whatever_its_name(data: bytes, name: str) -> None:
    verdict = judge_media(f"media/{name}", data, len(data))
    assert verdict.media_type is None
    assert [p.code for p in verdict.problems] == ["media_active"]
    assert sniff(data).active


UNSUPPORTED: dict[str, bytes] = {
    "heic": ftyp(b"heic", b"mif1", b"heic"),
    "quicktime": ftyp(b"qt  ", b"qt  "),
    "matroska": ebml(b"matroska"),
    "tiff-le": b"II*\x00\x08\x00\x00\x00",
    "tiff-be": b"MM\x00*\x00\x00\x00\x08",
    "bmp": b"BM" + b"\x00" * 60,
    "zip": b"PK\x03\x04" + b"\x00" * 26,
    "ogg": b"OggS\x00\x02" + b"\x00" * 20,
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
    "elf": b"\x7fELF\x02\x01\x01",
}


@pytest.mark.parametrize("data", UNSUPPORTED.values(), ids=list(UNSUPPORTED))
def test_formats_the_site_does_not_publish_are_refused_by_name(data: bytes) -> None:
    verdict = judge_media("media/foto.jpg", data, len(data))
    assert verdict.media_type is None
    [problem] = verdict.problems
    assert problem.code == "media_unsupported"
    assert problem.params["detected"] not in ("", "?")


def test_random_bytes_empty_files_and_huge_files_are_refused() -> None:
    noise = bytes([0x00, 0xFE, 0x13, 0x80, 0xC1, 0xF5]) * 20
    assert [p.code for p in judge_media("media/a.jpg", noise, len(noise)).problems] == [
        "media_unrecognised"
    ]
    assert [p.code for p in judge_media("media/a.jpg", b"", 0).problems] == ["media_empty"]
    huge = judge_media("media/a.mp4", ftyp(b"isom"), MEDIA_MAX_BYTES + 1)
    assert [p.code for p in huge.problems] == ["media_too_large"]
    assert judge_media("media/a.mp4", ftyp(b"isom"), MEDIA_MAX_BYTES).accepted


def test_broken_signatures_are_not_trusted() -> None:
    for data in (
        b"\xff\xfb\xf0\x64",  # MP3 frame with bitrate index 15
        b"\xff\xe8\x90\x64",  # reserved MPEG version
        struct.pack(">I", 9999) + b"ftypisom",  # ftyp box larger than the head allows
        b"RIFF\x00\x00\x00\x00WEBX",
        b"\x1a\x45\xdf\xa3\x80",  # EBML without a DocType
    ):
        assert judge_media("media/a.mp4", data, len(data)).media_type is None, data


# --- the name must agree with the bytes ---------------------------------------------------


def test_a_picture_named_as_another_picture_is_served_as_what_it_is() -> None:
    verdict = judge_media("media/foto.jpg", png(), len(png()))
    assert verdict.media_type is not None
    assert verdict.media_type.content_type == "image/png"
    [problem] = verdict.problems
    assert (problem.code, problem.severity.value) == ("media_type_corrected", "warning")
    assert "image/png" in problem.message("en")


@pytest.mark.parametrize(
    ("key", "data", "actual"),
    [
        ("media/foto.jpg", pdf(), "PDF"),
        ("media/delibera.pdf", jpeg(), "JPEG"),
        ("media/podcast.mp3", ftyp(b"isom", b"isom"), "MP4"),
        ("media/video.mp4", ebml(b"webm"), "WebM"),
        ("media/video.webm", ftyp(b"mp42"), "MP4"),
        ("media/foto.png", id3(), "MP3"),
        ("media/radio.aac", pdf(), "PDF"),
    ],
)
def test_a_name_that_claims_another_kind_of_file_is_refused(
    key: str, data: bytes, actual: str
) -> None:
    verdict = judge_media(key, data, len(data))
    assert verdict.media_type is None
    [problem] = verdict.problems
    assert problem.code == "media_type_mismatch"
    assert problem.params["actual"] == actual


def test_audio_in_mp4_named_m4a_is_tolerated() -> None:
    data = ftyp(b"isom", b"isom", b"mp41")  # ffmpeg writes M4A files with the isom brand
    verdict = judge_media("media/podcast.m4a", data, len(data))
    assert verdict.media_type is not None
    assert verdict.media_type.content_type == "video/mp4"
    assert [p.code for p in verdict.problems] == ["media_type_corrected"]


# --- keys ------------------------------------------------------------------------------

GOOD_KEYS = ["media/foto.jpg", "media/2024/05/IMG_0001.JPG", "media/a-b_c.d.png", "media/x.pdf"]
BAD_KEYS = [
    "media/../articles/x.md",
    "media/../index.html",
    "media/../sport/x.jpg",
    "media/./a.jpg",
    "media//a.jpg",
    "media/a/../../b.jpg",
    "media/a\\b.jpg",
    "media/..\\index.jpg",
    "media/a\x00b.jpg",
    "media/a\x07b.jpg",
    "media/a\x7fb.jpg",
    "media/a\x85b.jpg",
    "media/%2e%2e/a.jpg",
    "media/..%2Findex.jpg",
    "media/%252e.jpg",
    "media/a/index.html",
    "media/x.html",
    "media/x.htm",
    "media/x.jpg.html",
    "media/x.xml",
    "media/x.svg",
    "media/x.js",
    "media/x.css",
    "media/x",
    "media/.htaccess",
    "media/.a.jpg",
    "media/-a.jpg",
    "media/foto sindaco.jpg",
    "media/\u202egnp.jpg",
    "media/perché.jpg",
    "media/\ud800.jpg",
    "media/" + "x" * 300 + ".jpg",
    "media/" + "a/" * 10 + "deep.jpg",
    "articles/x.jpg",
    "Media/x.jpg",
    "/media/x.jpg",
]


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_a_key_in_normal_form_is_its_own_site_key(key: str) -> None:
    assert media_key_problems(key) == []
    assert site_key(key) == key
    assert report_subject(key) == key


@pytest.mark.parametrize("key", BAD_KEYS, ids=[repr(k)[:40] for k in BAD_KEYS])
def test_a_key_not_in_normal_form_publishes_nowhere(key: str) -> None:
    # GIVEN a key with traversal, encodings, control characters, a page's name or no end
    # THEN it has no site key, its error says what to use instead, and its bytes are
    # never looked at (the key is checked first)
    assert site_key(key) is None
    [problem] = media_key_problems(key)
    assert problem.code == "media_key_invalid"
    assert problem.field == "key"
    for language in ("it", "en"):
        message = problem.message(language)
        assert message
        assert "{" not in message
        assert not any(ord(c) < 0x20 for c in message)
    suggestion = problem.params["suggestion"]
    assert site_key(suggestion) == suggestion  # the advice is itself a valid key
    assert [p.code for p in judge_media(key, png(), len(png())).problems] == ["media_key_invalid"]


@pytest.mark.parametrize(
    "key", BAD_KEYS + GOOD_KEYS, ids=[repr(k)[:40] for k in BAD_KEYS + GOOD_KEYS]
)
def test_every_report_is_filed_under_reports_media_in_one_safe_place(key: str) -> None:
    subject = report_subject(key)
    assert subject.startswith("media/")
    segments = subject.split("/")
    assert not {"", ".", ".."} & set(segments)
    assert not any(s.startswith(".") for s in segments)
    assert all(0x20 < ord(c) < 0x7F and c != "\\" for c in subject)
    assert len(subject) <= 220
    if site_key(key) is None:
        assert subject.count("/") == 1  # one escaped name, never a folder of its own


def test_two_keys_never_share_a_report() -> None:
    keys = [*BAD_KEYS, *GOOD_KEYS, "media/a%2Fb.jpg", "media/a/b.jpg", "media/A.jpg", "media/a.jpg"]
    subjects = [report_subject(k) for k in keys]
    assert len(set(subjects)) == len(set(keys))


def test_the_normal_form_offered_for_a_camera_name() -> None:
    assert normal_form("media/Foto Sindaco.JPG") == "media/foto-sindaco.jpg"
    assert normal_form("media/../articles/x.jpg") == "media/articles/x.jpg"
    assert normal_form("media/x.html") is None


def test_the_head_examined_is_bounded() -> None:
    # markup past the examined head is not looked for: the cost of a check is bounded
    data = png() + b"\x00" * SNIFF_BYTES + b"<script>"
    assert sniff(data[:SNIFF_BYTES]).media_type is not None


# --- the service, on fakes -----------------------------------------------------------------


@dataclass
class FakeInbox:
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # key → bytes, version
    reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    on_version_check: list[Any] = field(default_factory=list)  # callbacks, one per call

    def head_media(self, key: str, limit: int) -> MediaHead | None:
        found = self.objects.get(key)
        if found is None:
            return None
        data, version = found
        return MediaHead(data[:limit], len(data), version, version)

    def version_of(self, key: str) -> str | None:
        if self.on_version_check:
            self.on_version_check.pop(0)()
        found = self.objects.get(key)
        return None if found is None else found[1]

    def read_report(self, key: str) -> Mapping[str, Any] | None:
        return self.reports.get(key)

    def write_report(self, key: str, report: Mapping[str, Any]) -> None:
        self.reports[key] = dict(report)

    def delete_report(self, key: str) -> None:
        self.reports.pop(key, None)


@dataclass
class FakeSite:
    inbox: FakeInbox
    objects: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def publish(self, key: str, source: MediaHead, media_type: MediaType, cache: str) -> None:
        assert cache.startswith("public")
        data, version = self.inbox.objects[key]
        assert version == source.version  # the copy is of the version that was judged
        self.objects[key] = (data, media_type.content_type)
        self.calls.append(("publish", key))

    def remove(self, key: str) -> None:
        self.objects.pop(key, None)
        self.calls.append(("remove", key))

    def put_file(self, key: str, body: bytes, content_type: str, cache: str) -> None:
        assert cache.startswith("public")
        self.objects[key] = (body, content_type)
        self.calls.append(("put_file", key))


@dataclass
class FakeTelemetry:
    counts: dict[str, int] = field(default_factory=dict)

    def count(self, name: str, value: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + value


def _service() -> tuple[MediaUploads, FakeInbox, FakeSite]:
    inbox = FakeInbox()
    site = FakeSite(inbox)
    return MediaUploads(inbox, site, FakeTelemetry(), "en"), inbox, site


def _event(key: str, change: Change = Change.PUT) -> InboxEvent:
    return InboxEvent("inbox", key, change, datetime(2024, 5, 1, tzinfo=UTC))


def test_a_picture_is_published_with_its_true_type_and_removed_with_its_upload() -> None:
    service, inbox, site = _service()
    inbox.objects["media/foto.jpg"] = (png(), "v1")
    result = service.handle(_event("media/foto.jpg"))
    assert result.outcome is IngestOutcome.MEDIA_COPIED
    assert site.objects["media/foto.jpg"] == (png(), "image/png")
    assert inbox.reports["media/foto.jpg"]["status"] == "accepted"  # the warning is told
    assert inbox.reports["media/foto.jpg"]["content_type"] == "image/png"
    del inbox.objects["media/foto.jpg"]
    result = service.handle(_event("media/foto.jpg", Change.DELETE))
    assert result.outcome is IngestOutcome.MEDIA_REMOVED
    assert site.objects == {}
    assert inbox.reports == {}


def test_a_refused_upload_keeps_what_was_published_and_gets_a_report() -> None:
    service, inbox, site = _service()
    inbox.objects["media/foto.jpg"] = (jpeg(), "v1")
    service.handle(_event("media/foto.jpg"))
    inbox.objects["media/foto.jpg"] = (ACTIVE["html"], "v2")
    result = service.handle(_event("media/foto.jpg"))
    assert result.outcome is IngestOutcome.REJECTED
    assert site.objects["media/foto.jpg"] == (jpeg(), "image/jpeg")
    report = inbox.reports["media/foto.jpg"]
    assert report["status"] == "rejected"
    assert report["errors"][0]["code"] == "media_active"


def test_a_hostile_key_touches_no_site_object_even_when_deleted() -> None:
    service, inbox, site = _service()
    key = "media/../index.html"
    inbox.objects[key] = (png(), "v1")
    assert service.handle(_event(key)).outcome is IngestOutcome.REJECTED
    del inbox.objects[key]
    assert service.handle(_event(key, Change.DELETE)).outcome is IngestOutcome.MEDIA_REMOVED
    assert site.calls == []
    assert inbox.reports == {}


def test_an_upload_that_lands_while_the_function_works_is_the_one_published() -> None:
    # GIVEN two uploads of one key, the second landing while the first is being copied
    service, inbox, site = _service()
    inbox.objects["media/foto.jpg"] = (jpeg(), "v1")

    def second_upload() -> None:
        inbox.objects["media/foto.jpg"] = (png(), "v2")

    inbox.on_version_check.append(second_upload)
    # WHEN the function handles the first upload's event
    service.handle(_event("media/foto.jpg"))
    # THEN it saw the version move and published the current one, not the one it read
    assert site.objects["media/foto.jpg"] == (png(), "image/png")


def test_a_refused_media_file_is_known_as_refused() -> None:
    from rotativa.services.media import refused_media

    service, inbox, _ = _service()
    inbox.objects["media/finta.jpg"] = (ACTIVE["html"], "v1")
    inbox.objects["media/vera.jpg"] = (jpeg(), "v1")
    service.handle(_event("media/finta.jpg"))
    service.handle(_event("media/vera.jpg"))
    assert refused_media(inbox, "media/finta.jpg")
    assert not refused_media(inbox, "media/vera.jpg")
    assert not refused_media(inbox, "media/mai-caricata.jpg")


@pytest.mark.parametrize(
    "markup",
    [
        b"<p onmouseover=alert(1)>x</p>",
        b"<details open ontoggle=alert(1)>",
        b"<video><source onerror='alert(1)'>",
        b"<x:script>alert(1)</x:script>",
        b"<a href=' javascript :alert(1)'>",
        b"<a href=vbscript:msgbox(1)>",
        b"<input/autofocus/onfocus=alert(1)>",
    ],
)
def test_any_element_that_can_run_makes_a_picture_a_polyglot(markup: bytes) -> None:
    data = png() + markup
    verdict = judge_media("media/foto.png", data, len(data))
    assert [p.code for p in verdict.problems] == ["media_active"]


def test_the_markup_search_is_linear_in_the_head() -> None:
    # GIVEN the worst shapes for the polyglot search: many unclosed tags, long attributes
    import time

    from rotativa.domain import media

    def cost(n: int) -> float:
        shapes = [png() + b"<a " * n, png() + b"<a b" + b" x" * n, png() + b"<" * n]
        started = time.perf_counter()
        for data in shapes:
            for _ in range(3):
                media.sniff(data[:SNIFF_BYTES])
        return time.perf_counter() - started

    # THEN four times the input never costs much more than four times the time
    small, large = cost(SNIFF_BYTES // 16), cost(SNIFF_BYTES // 4)
    assert large < small * 4 * 3 + 0.05


def test_id3_needs_a_real_tag_header() -> None:
    assert sniff(b"ID3\x04\x00\x00\x00\x00\x02\x01" + mp3_frame()).media_type is not None
    assert sniff(b"ID3;alert(document.cookie)//").media_type is None
    assert sniff(b"ID3\x09\x00\x00\x00\x00\x00\x00").media_type is None


def test_namespaced_metadata_attributes_are_not_event_handlers() -> None:
    xmp = b'<rdf:Description tiff:Orientation="1" exif:OnlineRating="5" xmp:Rating="3"/>'
    data = jpeg(b"\xff\xe1" + struct.pack(">H", 2 + len(xmp)) + xmp)
    assert judge_media("media/foto.jpg", data, len(data)).accepted
