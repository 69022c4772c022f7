"""What a file under `media/` really is, decided from its bytes, and where it may live.

An uploader's file name and Content-Type are claims; the first bytes of the file are the
fact. A browser that is told `image/png` with `X-Content-Type-Options: nosniff` renders a
PNG or nothing, but a file the site serves as HTML, SVG, XML or JavaScript runs with the
site's origin (its cookies, its pages): stored XSS. So the rule is an allow-list of
passive formats recognised by their magic numbers, as the WHATWG MIME Sniffing standard
recognises them, and everything else is refused, whatever its name says:

- images: JPEG, PNG, GIF, WebP, AVIF;
- documents: PDF (served as a download, see `MediaType.disposition`);
- audio: MP3, M4A (AAC in MP4), AAC (ADTS);
- video: MP4, WebM.

SVG is refused even without script (it is XML, and XML can script). A passive file whose
first bytes also hold HTML or XML markup (a GIF/HTML polyglot) is refused too: with
nosniff no current browser would render it as a page, but some older ones and some
viewers sniff, and no photo has `<script` in its header.

Keys: the site key of a media file is its inbox key, unchanged, and only keys already in
normal form are accepted (`media/`, then segments of ASCII letters, digits, `-`, `_`, `.`,
never starting with a dot, ending with an extension of an accepted type). So the mapping
is the identity on a set that cannot hold traversal (`..`, `.`, `//`, `\\`, `%2e`),
control characters, page names (`index.html`, `.xml`) or absurd lengths: two uploads can
never own one site key, and no media upload can name anything outside `media/`. A key
that is not in normal form is refused with the normal form to use instead. This module is
pure: no I/O, no environment.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import quote

from rotativa.domain.messages import Phrase
from rotativa.domain.pictures import MEDIA_PREFIX
from rotativa.domain.problems import Problem, error, warning
from rotativa.domain.slugs import slugify
from rotativa.domain.upload import human_size

MEDIA_MAX_BYTES = 50_000_000  # 50 MB: a long video belongs on a video platform
SNIFF_BYTES = 65_536  # the head of the file that is read and examined
KEY_MAX_LENGTH = 200  # characters of the whole key, `media/` included
SEGMENT_MAX_LENGTH = 120
MAX_DEPTH = 6  # folders below media/
CACHE_CONTROL = "public, max-age=86400"


@dataclass(frozen=True)
class MediaHead:
    """One version of an inbox object: its first bytes, its full size, which version."""

    head: bytes
    size: int
    version: str  # S3's VersionId, or the ETag in a bucket without versions
    version_id: str | None = None
    last_modified: datetime | None = None


@dataclass(frozen=True)
class MediaType:
    """One format the site publishes. `family` groups formats one name may stand for:
    a `.jpg` that is a PNG is still a passive picture, so it is served as what it is."""

    name: str
    content_type: str
    extensions: tuple[str, ...]
    family: str
    disposition: str | None = None  # Content-Disposition: `attachment` for documents

    @property
    def extension(self) -> str:
        return self.extensions[0]


JPEG = MediaType("JPEG", "image/jpeg", (".jpg", ".jpeg"), "image")
PNG = MediaType("PNG", "image/png", (".png",), "image")
GIF = MediaType("GIF", "image/gif", (".gif",), "image")
WEBP = MediaType("WebP", "image/webp", (".webp",), "image")
AVIF = MediaType("AVIF", "image/avif", (".avif",), "image")
# A PDF may carry JavaScript (and forms, and launch actions). Served as an attachment it is
# saved and opened by the reader's own viewer, never run as a document of the site's origin;
# CSP `sandbox` on /media/* would keep most browsers' built-in viewers from showing it anyway.
PDF = MediaType("PDF", "application/pdf", (".pdf",), "document", "attachment")
MP3 = MediaType("MP3", "audio/mpeg", (".mp3",), "audio")
M4A = MediaType("M4A", "audio/mp4", (".m4a",), "mp4")
AAC = MediaType("AAC", "audio/aac", (".aac",), "audio")
MP4 = MediaType("MP4", "video/mp4", (".mp4", ".m4v"), "mp4")
WEBM = MediaType("WebM", "video/webm", (".webm",), "webm")

MEDIA_TYPES: tuple[MediaType, ...] = (JPEG, PNG, GIF, WEBP, AVIF, PDF, MP3, M4A, AAC, MP4, WEBM)
BY_EXTENSION: dict[str, MediaType] = {ext: t for t in MEDIA_TYPES for ext in t.extensions}
ACCEPTED = ", ".join(ext for t in MEDIA_TYPES for ext in t.extensions)

# ISO base media file format (MP4 family): major brand → type.
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"M4V ",
     b"M4VP", b"dash", b"MSNV", b"f4v "}
)  # fmt: skip
_M4A_BRANDS = frozenset({b"M4A ", b"M4B "})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"})

# Formats that are recognised but not published: named in the report so that the editor
# knows what to convert, instead of reading "unknown file".
_UNSUPPORTED: tuple[tuple[bytes, str], ...] = (
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"BM", "BMP"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"8BPS", "Photoshop (PSD)"),
    (b"OggS", "Ogg"),
    (b"fLaC", "FLAC"),
    (b"PK\x03\x04", "ZIP / Office"),
    (b"\x7fELF", "program"),
    (b"MZ", "program"),
    (b"%!PS", "PostScript"),
    (b"{\\rtf", "RTF"),
    (b"\xd0\xcf\x11\xe0", "Office"),
)

# Markup that makes a document active when a browser or a viewer renders it as HTML, SVG
# or XML: the elements that run, load or navigate, any element with an event handler
# attribute (`<p onmouseover=…>`), and script URLs. Each needs five bytes or more, so the
# chance that compressed image data holds one by accident in the examined head is
# negligible; XMP metadata (`<?xpacket`, `<x:xmpmeta`, `<rdf:RDF`) is not among them.
# Every repetition is bounded, so a search is linear in the head's length.
_MARKUP = re.compile(
    rb"<(?:[a-z0-9_-]{1,20}:)?(?:script|html|head[\s>]|body|iframe|frame|svg[\s>/]|object"
    rb"|embed|meta[\s>/]|form[\s>]|style|link[\s>]|base[\s>]|img[\s/]|math|!doctype|\?xml"
    rb"|xsl:|portal|template)"
    rb"|<[a-z][a-z0-9:-]{0,20}[^<>]{0,200}?[\s/\x22\x27]on[a-z]{3,20}\s*="
    rb"|(?:java|vb)script\s*:",
    re.IGNORECASE,
)
_LEADING_WHITESPACE = b"\t\n\x0c\r "
_BOMS = (b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")


# --- what the bytes are ------------------------------------------------------------------


@dataclass(frozen=True)
class Sniffed:
    """The verdict on a file's head: a type the site publishes, or why not."""

    media_type: MediaType | None
    detected: str  # what the bytes look like, for the report ("HTML", "TIFF", "PNG", …)
    active: bool = False  # markup or script: content that runs, not content that shows


def sniff(head: bytes) -> Sniffed:
    """What `head` (the first bytes of a file, up to `SNIFF_BYTES`) is.

    Recognition is by signature at offset 0 only, never by a search through the file:
    a format the site publishes always begins with its signature.
    """
    found = _signature(head)
    if found is not None:
        marker = _MARKUP.search(head, 0, SNIFF_BYTES)
        if marker is not None:
            return Sniffed(None, f"{found.name} + HTML", active=True)
        return Sniffed(found, found.name)
    for signature, name in _UNSUPPORTED:
        if head.startswith(signature):
            return Sniffed(None, name)
    return _unrecognised(head)


def _signature(head: bytes) -> MediaType | None:
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return WEBM if _ebml_doctype(head) == b"webm" else None
    if head[4:8] == b"ftyp":
        return _iso_media(head)
    if head.startswith(b"ID3") and len(head) >= 10:
        # ID3v2: major version 2-4, then a size of four 7-bit bytes
        syncsafe = all(b < 0x80 for b in head[6:10])
        return MP3 if head[3] in (2, 3, 4) and head[4] != 0xFF and syncsafe else None
    if len(head) >= 4 and head[0] == 0xFF:
        return _mpeg_audio(head)
    return None


def _iso_media(head: bytes) -> MediaType | None:
    """An ISO BMFF file by its `ftyp` box: major brand first, then compatible brands."""
    size = int.from_bytes(head[0:4], "big")
    if size < 16 or size > 4096 or len(head) < min(size, 16):
        return None
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(size, len(head)) - 3, 4)}
    if major in _AVIF_BRANDS or (major in _HEIF_BRANDS and compatible & _AVIF_BRANDS):
        return AVIF
    if major in _M4A_BRANDS:
        return M4A
    if major in _MP4_BRANDS:
        return MP4
    return None


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType of a Matroska/EBML header (`webm` or `matroska`)."""
    at = head.find(b"\x42\x82", 4, 64)
    if at < 0 or at + 3 > len(head):
        return None
    length_byte = head[at + 2]
    if not length_byte & 0x80:  # only one-byte sizes are used for the DocType in practice
        return None
    length = length_byte & 0x7F
    return head[at + 3 : at + 3 + length]


def _mpeg_audio(head: bytes) -> MediaType | None:
    """An MPEG audio frame header: MP3 (layer III) or AAC in ADTS."""
    second, third = head[1], head[2]
    if second & 0xF6 == 0xF0:  # ADTS: 12-bit sync, layer 00
        return AAC if (third >> 2) & 0x0F < 13 else None
    if second & 0xE0 != 0xE0 or second & 0x18 == 0x08 or second & 0x06 != 0x02:
        return None  # no sync, reserved version, or not layer III
    bitrate, sampling = third >> 4, (third >> 2) & 0x03
    return MP3 if bitrate not in (0, 15) and sampling != 3 else None


def _unrecognised(head: bytes) -> Sniffed:
    """Name what the editor uploaded: markup and script are active, the rest unknown."""
    text = head
    for bom in _BOMS:
        if text.startswith(bom):
            text = text[len(bom) :]
            break
    text = text.lstrip(_LEADING_WHITESPACE)
    lowered = text[:512].lower()
    if lowered.startswith(b"<svg") or b"<svg" in lowered:
        return Sniffed(None, "SVG", active=True)
    if lowered.startswith((b"<?xml", b"<!doctype html", b"<html")) or _MARKUP.search(lowered):
        kind = "XML" if lowered.startswith(b"<?xml") else "HTML"
        return Sniffed(None, kind, active=True)
    if lowered.startswith(b"<"):
        return Sniffed(None, "HTML", active=True)
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("latin-1").strip()
        return Sniffed(None, "HEIC" if head[8:12] in _HEIF_BRANDS else f"ISO media '{brand}'")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Sniffed(None, "Matroska (MKV)")
    if head.startswith(b"RIFF"):
        return Sniffed(None, f"RIFF {head[8:12].decode('latin-1')!r}")
    if not head:
        return Sniffed(None, "")
    try:
        head[:SNIFF_BYTES].decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut by the head's end is fine
            return Sniffed(None, "?")
    # Text that is not markup: script, a stylesheet, JSON, plain text. Any of these can be
    # made to run (a `<script src>` on another site, a stylesheet), so all count as active.
    return Sniffed(None, "text", active=True)


# --- the key: where the file lives ------------------------------------------------------

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def media_key_problems(key: str) -> list[Problem]:
    """Why `key` is not a media key in normal form ([] when it is). The key is the
    object's key in the inbox, already decoded once from the S3 notification."""
    reason = _key_reason(key)
    if reason is None:
        return []
    suggestion = normal_form(key)
    return [
        error(
            "media_key_invalid",
            field="key",
            value=printable(key)[:120],
            reason=reason,
            suggestion=suggestion or f"{MEDIA_PREFIX}foto{JPEG.extension}",
            length=KEY_MAX_LENGTH,
            depth=MAX_DEPTH,
            name_length=SEGMENT_MAX_LENGTH,
            accepted=ACCEPTED,
        )
    ]


def _key_reason(key: str) -> Phrase | None:
    if not key.startswith(MEDIA_PREFIX):
        return Phrase("media_reason_prefix")
    if len(key) > KEY_MAX_LENGTH:
        return Phrase("media_reason_length")
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in key):
        return Phrase("media_reason_control")
    if "\\" in key:
        return Phrase("media_reason_backslash")
    if "%" in key:
        return Phrase("media_reason_percent")
    segments = key[len(MEDIA_PREFIX) :].split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        return Phrase("media_reason_segment")
    if len(segments) > MAX_DEPTH + 1:
        return Phrase("media_reason_depth")
    for segment in segments:
        if len(segment) > SEGMENT_MAX_LENGTH:
            return Phrase("media_reason_name_length")
        if not _SEGMENT.fullmatch(segment):
            return Phrase("media_reason_characters")
    if PurePosixPath(segments[-1]).suffix.lower() not in BY_EXTENSION:
        return Phrase("media_reason_extension")
    return None


def normal_form(key: str) -> str | None:
    """The key an editor should use instead: each folder and the name slugified, the
    extension in lower case (`media/Foto Sindaco.JPG` → `media/foto-sindaco.jpg`)."""
    rest = key[len(MEDIA_PREFIX) :] if key.startswith(MEDIA_PREFIX) else key
    parts = [p for p in re.split(r"[/\\]", rest) if p not in ("", ".", "..")]
    if not parts:
        return None
    name = PurePosixPath(parts[-1])
    extension = name.suffix.lower()
    folders = [s for s in (slugify(p, 40) for p in parts[:-1][:MAX_DEPTH]) if s]
    stem = slugify(name.stem, 80)
    if not stem or extension not in BY_EXTENSION:
        return None
    return MEDIA_PREFIX + "/".join([*folders, stem + extension])


def site_key(key: str) -> str | None:
    """The site bucket key a media upload publishes to, or None when it may publish
    nowhere. The identity on keys in normal form: injective, and always under media/."""
    return key if _key_reason(key) is None else None


def report_subject(key: str) -> str:
    """The name the report of media upload `key` is filed under (`reports/<subject>.json`).

    A key in normal form is its own subject. Any other key (it may hold `..`, `\\`,
    control characters, any length) is percent-encoded into one bounded path segment under
    media/, so that its report can never land outside `reports/media/` in the inbox, nor
    outside the folder when a tool copies reports to disk.
    """
    if _key_reason(key) is None:
        return key
    rest = key[len(MEDIA_PREFIX) :] if key.startswith(MEDIA_PREFIX) else key
    escaped = quote(rest, safe="", errors="surrogatepass").replace(
        ".", "%2E"
    )  # no segment is `.`/`..` or hidden
    if len(escaped) > 120:
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        escaped = f"{escaped[:100]}~{digest}"
    return MEDIA_PREFIX + (escaped or "~")


def printable(text: str) -> str:
    """`text` with control characters and lone surrogates shown as escapes, for reports
    (which must encode as UTF-8) and terminals."""
    return "".join(c if _shown(c) else repr(c)[1:-1] for c in text)


def _shown(c: str) -> bool:
    code = ord(c)
    return (0x20 <= code < 0x7F or code > 0x9F) and not 0xD800 <= code <= 0xDFFF


# --- the verdict -------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaVerdict:
    """What to do with one media upload: publish `media_type` at `site_key`, or refuse."""

    media_type: MediaType | None
    problems: tuple[Problem, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.media_type is not None


def judge_media(key: str, head: bytes, size: int) -> MediaVerdict:
    """The decision on media upload `key`, from its size and the head of its bytes.

    The order of the checks is the order of what the editor must fix first: the name,
    then the size, then what the bytes are, then whether the name agrees with them.
    """
    key_problems = media_key_problems(key)
    if key_problems:
        return MediaVerdict(None, tuple(key_problems))
    if size <= 0:
        return MediaVerdict(None, (error("media_empty", field="content"),))
    if size > MEDIA_MAX_BYTES:
        limit = human_size(MEDIA_MAX_BYTES)
        return MediaVerdict(None, (error("media_too_large", field="content", limit=limit),))
    found = sniff(head)
    claimed = BY_EXTENSION[PurePosixPath(key).suffix.lower()]
    if found.media_type is None:
        code = "media_active" if found.active else "media_unsupported"
        if not found.active and found.detected in ("", "?"):
            code = "media_unrecognised"
        problem = error(code, field="content", detected=found.detected, accepted=ACCEPTED)
        return MediaVerdict(None, (problem,))
    actual = found.media_type
    if actual is claimed:
        return MediaVerdict(actual)
    if actual.family == claimed.family:
        corrected = warning(
            "media_type_corrected",
            field="key",
            claimed=claimed.name,
            actual=actual.name,
            content_type=actual.content_type,
        )
        return MediaVerdict(actual, (corrected,))
    mismatch = error(
        "media_type_mismatch",
        field="key",
        claimed=claimed.name,
        actual=actual.name,
        extension=actual.extension,
    )
    return MediaVerdict(None, (mismatch,))
