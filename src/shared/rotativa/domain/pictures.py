"""Which variants one picture becomes, where each comes from, and what it is called.

A photo is published only as variants made from it, never as the uploaded bytes: every
published pixel is re-encoded, so no EXIF (GPS, camera serials), XMP or foreign ICC
profile can ride along, and no polyglot survives. The plan is computed here from the
picture's upright size and the editor's focal point alone (pure: no Pillow, no bytes
beyond a header), so that the names of every variant are known before any decoding, and
a page can be rendered, and its `srcset` written, from the plan and the record.

- widths: `WIDTHS`, never wider than the original, always at least one; a `srcset`.
- crops: 16:9, 4:3 and 1:1 at `SEARCH_WIDTH` px wide (what Google asks of NewsArticle
  images) when the original allows, otherwise the largest it allows, with a warning.
- the social card (`og:image`), 1200×630, and the teaser, 3:2 at 480×320 and 2x.

Each crop is the largest box of its ratio inside the original that holds the focal point,
centred on it as far as the edges allow. Names are content-addressed: a hash of the source
bytes' SHA-256 and the recipe (box, size, format, encoder settings), so one media file used
by several articles makes each variant once, and a changed photo or recipe makes new names
that can be cached forever. Variants live under `VARIANT_PREFIX` (`media/_v/`): a segment
starting with `_` is never a media key in normal form (`domain.media`), so no upload can
ever own, overwrite or delete a variant's key.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from html import unescape
from pathlib import PurePosixPath
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict

from rotativa.domain.problems import Problem, error, warning

#: Where media live, in the inbox and on the site alike (`media/x.jpg` is both keys).
#: Defined here, with the pictures, so that reading an article's picture refs (every
#: function does) never loads the upload parser `domain.inbox` brings.
MEDIA_PREFIX = "media/"
#: Decoded pixels at most: 50 MP is a 8660×5773 frame, above any newsroom camera, and
#: 200 MB as RGBA, which bounds the function's memory (set Pillow's limit to this too).
MAX_PIXELS = 50_000_000
#: Pixels on the longer side at most: a 100,000×1 strip is few pixels, but no picture.
MAX_SIDE = 12_000
#: The responsive widths (`srcset`), in pixels.
WIDTHS: tuple[int, ...] = (320, 640, 960, 1280, 1600)
#: The width search engines ask of an article's 16:9, 4:3 and 1:1 images.
SEARCH_WIDTH = 1200
SOCIAL_SIZE = (1200, 630)
TEASER_SIZE = (480, 320)
#: The teaser's file must stay below this (related boxes show many of them).
TEASER_MAX_BYTES = 40_000
#: Part of every name: raise it when an encoder setting changes, and every name changes.
RECIPE_VERSION = "1"
VARIANT_PREFIX = MEDIA_PREFIX + "_v/"
VARIANT_HASH_LENGTH = 10


class VariantKind(StrEnum):
    WIDTH = "width"
    CROP_16_9 = "16:9"
    CROP_4_3 = "4:3"
    CROP_1_1 = "1:1"
    SOCIAL = "social"
    TEASER = "teaser"
    TEASER_2X = "teaser@2x"


class PictureFormat(StrEnum):
    """What a variant is encoded as; the value is its extension and its MIME subtype."""

    JPEG = "jpeg"
    WEBP = "webp"
    AVIF = "avif"

    @property
    def extension(self) -> str:
        return ".jpg" if self is PictureFormat.JPEG else f".{self.value}"

    @property
    def content_type(self) -> str:
        return f"image/{self.value}"


class Focus(NamedTuple):
    """The point of a picture every crop keeps inside it: `x` across and `y` down,
    fractions of the width and height from the top-left corner. A tuple, so it is stored
    as `[x, y]`, the very shape an editor writes (`image.focus`)."""

    x: float
    y: float


#: Where the subject is when the editor does not say: the crops are centred.
FOCUS_CENTRE = Focus(0.5, 0.5)
CENTRE = FOCUS_CENTRE


def focus_pixel(focus: Focus, width: int, height: int) -> tuple[int, int]:
    """The pixel the focal point falls on (1.0 is the last pixel, not one past it).

    The upload schema refuses an editor's focus outside [0, 1]; one that reaches here
    anyway (NaN, a stored value edited by hand) is a programming error, not a guess."""
    if not (0.0 <= focus.x <= 1.0 and 0.0 <= focus.y <= 1.0):
        raise ValueError(f"focus ({focus.x}, {focus.y}) is outside [0, 1]")
    return min(int(focus.x * width), width - 1), min(int(focus.y * height), height - 1)


Box = tuple[int, int, int, int]  # left, top, right, bottom: Pillow's crop box


@dataclass(frozen=True)
class VariantSpec:
    """One variant to make: which part of the original (`box`, upright pixels), at which
    size, in which format, under which name."""

    kind: VariantKind
    box: Box
    width: int
    height: int
    format: PictureFormat
    name: str

    @property
    def path(self) -> str:
        """Where the site serves it: its key is `name`, so `/` + `name`."""
        return "/" + self.name


@dataclass(frozen=True)
class PicturePlan:
    source_key: str
    width: int
    height: int
    focus: Focus
    variants: tuple[VariantSpec, ...]
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class Variant:
    """A variant as made: what the table records and a page's `srcset` names."""

    kind: VariantKind
    name: str
    width: int
    height: int
    format: PictureFormat
    bytes: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "name": self.name,
            "width": self.width,
            "height": self.height,
            "format": self.format.value,
            "bytes": self.bytes,
        }


@dataclass(frozen=True)
class PictureRecord:
    """One picture in the table: its upright size, the focal points its crops were made
    for (the centre always, and each focus an article asked for), and every variant made.

    `version` is the inbox version the variants were made from: a record of an older
    version than the inbox holds is replaced, never merged into."""

    source_key: str
    source_sha256: str
    width: int
    height: int
    focuses: tuple[Focus, ...]
    variants: tuple[Variant, ...] = field(default=())
    modern: PictureFormat = PictureFormat.WEBP
    version: str = ""

    def ref(self, focus: Focus = FOCUS_CENTRE) -> PictureRef | None:
        """What a page needs to show this picture cropped around `focus`; None when its
        crops for that focus were not made (yet)."""
        if focus not in self.focuses:
            return None
        return PictureRef(
            src=self.source_key,
            sha256=self.source_sha256,
            width=self.width,
            height=self.height,
            focus=focus,
            modern=self.modern,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "source_key": self.source_key,
            "source_sha256": self.source_sha256,
            "width": self.width,
            "height": self.height,
            "focuses": [[f.x, f.y] for f in self.focuses],
            "variants": [v.as_dict() for v in self.variants],
            "modern": self.modern.value,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, item: dict[str, Any]) -> PictureRecord:
        variants = tuple(
            Variant(
                VariantKind(v["kind"]),
                str(v["name"]),
                int(v["width"]),
                int(v["height"]),
                PictureFormat(v["format"]),
                int(v["bytes"]),
            )
            for v in item["variants"]
        )
        return cls(
            str(item["source_key"]),
            str(item["source_sha256"]),
            int(item["width"]),
            int(item["height"]),
            tuple(Focus(float(x), float(y)) for x, y in item["focuses"]),
            variants,
            PictureFormat(str(item.get("modern", PictureFormat.WEBP.value))),
            str(item.get("version", "")),
        )


class PictureRef(BaseModel):
    """What a page needs to show one picture: enough to name each of its variants (the
    plan is recomputed from it, pure), never the list of variants itself, so that an
    article's teaser, stored in every listing it is on, stays small.

    Stored with the article (its hero in the teaser, its body's pictures beside it), so a
    page is rendered from the table's article item alone. `recipe` is the
    `RECIPE_VERSION` the names were made with: a ref from another recipe names files
    that are not there, and `planned` refuses it rather than render broken pictures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    src: str  # the media key: `media/2026/sindaco.jpg`
    sha256: str
    width: int
    height: int
    focus: Focus = FOCUS_CENTRE
    modern: PictureFormat = PictureFormat.WEBP
    recipe: str = RECIPE_VERSION

    @property
    def current(self) -> bool:
        return self.recipe == RECIPE_VERSION

    def planned(self) -> PicturePlan:
        if not self.current:
            raise ValueError(f"{self.src}: recipe {self.recipe}, not {RECIPE_VERSION}")
        return _plan(self.src, self.sha256, self.width, self.height, self.focus, self.modern)

    def variants(
        self, kind: VariantKind, fmt: PictureFormat | None = None
    ) -> tuple[VariantSpec, ...]:
        """This picture's variants of `kind` (in `fmt`, when given), narrowest first."""
        found = [
            s
            for s in self.planned().variants
            if s.kind is kind and (fmt is None or s.format is fmt)
        ]
        return tuple(sorted(found, key=lambda s: s.width))

    def variant(self, kind: VariantKind, fmt: PictureFormat) -> VariantSpec | None:
        """The widest variant of `kind` in `fmt`, or None (no 2x teaser of a small photo)."""
        found = self.variants(kind, fmt)
        return found[-1] if found else None


@lru_cache(maxsize=4096)
def _plan(
    src: str, sha256: str, width: int, height: int, focus: Focus, modern: PictureFormat
) -> PicturePlan:
    return plan_variants(src, sha256, width, height, focus, modern)


def media_key_of(src: str) -> str | None:
    """The media key an article's `src` names (`/media/a.jpg` and `media/a.jpg` are
    `media/a.jpg`), or None when it is a URL or points outside `media/`."""
    if not src or "://" in src or src.startswith(("//", "data:", "mailto:")):
        return None
    key = str(PurePosixPath(src.split("?", 1)[0].split("#", 1)[0].lstrip("/")))
    if not key.startswith(MEDIA_PREFIX) or ".." in key.split("/"):
        return None
    return key


#: A body image's tag, and its `src` inside it: one reading for the pictures a body shows
#: (`body_pictures`, what ingest stores refs for) and for the tags a page rewrites
#: (`rendering.renderer`).
IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
IMG_SRC = re.compile(r'\ssrc="([^"]*)"')


def img_media_key(tag: str) -> str | None:
    """The media key an `<img>` tag's `src` names, or None (a URL, no `src`)."""
    found = IMG_SRC.search(tag)
    return media_key_of(unescape(found.group(1))) if found else None


def body_pictures(html: str) -> tuple[str, ...]:
    """The media keys of the pictures a rendered body shows, in order, each once."""
    keys = (img_media_key(match.group(0)) for match in IMG_TAG.finditer(html))
    return tuple(dict.fromkeys(key for key in keys if key is not None))


# --- limits ------------------------------------------------------------------------------


def size_problem(width: int, height: int) -> Problem | None:
    """Why a picture that declares `width`×`height` must not be decoded, or None.

    Asked of the header, before any pixel is decoded: a decompression bomb (a few KB
    claiming 60,000×60,000 pixels) is refused on what it claims."""
    if width <= 0 or height <= 0 or width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        return error(
            "picture_too_large",
            field="content",
            size=f"{width}×{height}",
            megapixels=MAX_PIXELS // 1_000_000,
            side=MAX_SIDE,
        )
    return None


# --- the plan ----------------------------------------------------------------------------


def responsive_widths(width: int) -> tuple[int, ...]:
    """The `srcset` widths for an original `width` px wide: never wider than it, and up
    to its own width (or the largest of `WIDTHS`), so that a photo already at a reader's
    size is published at that size. A step within a tenth of the top one is left out."""
    top = min(width, WIDTHS[-1])
    return (*(w for w in WIDTHS if w < top * 0.9), top)


def crop_box(width: int, height: int, ratio: tuple[int, int], focus: Focus = CENTRE) -> Box:
    """The largest box of `ratio` (w:h) inside `width`×`height` that holds the focal
    pixel, centred on it as far as the edges allow."""
    rw, rh = ratio
    if width * rh >= height * rw:  # the original is wider than the ratio: full height
        box_w, box_h = max(1, min(width, height * rw // rh)), height
    else:
        box_w, box_h = width, max(1, min(height, width * rh // rw))
    fx, fy = focus_pixel(focus, width, height)
    left = min(max(fx - box_w // 2, 0), width - box_w)
    top = min(max(fy - box_h // 2, 0), height - box_h)
    return left, top, left + box_w, top + box_h


def _fit(box: Box, wanted: tuple[int, int]) -> tuple[int, int]:
    """The output size for `box`: `wanted`, or smaller in the same proportion when the
    box is narrower (a variant is never upscaled)."""
    box_w = box[2] - box[0]
    want_w, want_h = wanted
    if box_w >= want_w:
        return want_w, want_h
    return box_w, max(1, round(box_w * want_h / want_w))


#: Each crop: its kind, its ratio, the size wanted, and the formats it is offered in.
_CROPS: tuple[tuple[VariantKind, tuple[int, int], tuple[int, int]], ...] = (
    (VariantKind.CROP_16_9, (16, 9), (SEARCH_WIDTH, SEARCH_WIDTH * 9 // 16)),
    (VariantKind.CROP_4_3, (4, 3), (SEARCH_WIDTH, SEARCH_WIDTH * 3 // 4)),
    (VariantKind.CROP_1_1, (1, 1), (SEARCH_WIDTH, SEARCH_WIDTH)),
    (VariantKind.SOCIAL, SOCIAL_SIZE, SOCIAL_SIZE),
    (VariantKind.TEASER, (3, 2), TEASER_SIZE),
    (VariantKind.TEASER_2X, (3, 2), (TEASER_SIZE[0] * 2, TEASER_SIZE[1] * 2)),
)
#: Crops search engines read: a warning when they come out narrower than they ask.
_SEARCH_CROPS = frozenset({VariantKind.CROP_16_9, VariantKind.CROP_4_3, VariantKind.CROP_1_1})


def plan_variants(
    source_key: str,
    source_sha256: str,
    width: int,
    height: int,
    focus: Focus = CENTRE,
    modern: PictureFormat = PictureFormat.WEBP,
) -> PicturePlan:
    """Every variant of the picture at `source_key` (upright `width`×`height`).

    Widths, crops and teasers come in `modern` (AVIF or WebP) and JPEG; the social card
    in JPEG only, which every network's crawler reads. The 2x teaser is left out when it
    would be no larger than the 1x one."""
    specs: list[VariantSpec] = []
    problems: list[Problem] = []
    formats = (modern, PictureFormat.JPEG)
    whole: Box = (0, 0, width, height)
    for w in responsive_widths(width):
        size = (w, max(1, round(w * height / width)))
        specs += [
            _spec(VariantKind.WIDTH, whole, size, f, source_key, source_sha256) for f in formats
        ]
    teaser: tuple[int, int] | None = None
    for kind, ratio, wanted in _CROPS:
        box = crop_box(width, height, ratio, focus)
        size = _fit(box, wanted)
        if kind is VariantKind.TEASER:
            teaser = size
        if kind is VariantKind.TEASER_2X and teaser is not None and size[0] <= teaser[0]:
            continue
        if kind in _SEARCH_CROPS and size[0] < wanted[0]:
            problems.append(
                warning(
                    "picture_crop_small",
                    field="content",
                    ratio=kind.value,
                    width=size[0],
                    wanted=wanted[0],
                )
            )
        kind_formats = (PictureFormat.JPEG,) if kind is VariantKind.SOCIAL else formats
        specs += [_spec(kind, box, size, f, source_key, source_sha256) for f in kind_formats]
    return PicturePlan(source_key, width, height, focus, tuple(specs), tuple(problems))


def _spec(
    kind: VariantKind,
    box: Box,
    size: tuple[int, int],
    fmt: PictureFormat,
    source_key: str,
    source_sha256: str,
) -> VariantSpec:
    return VariantSpec(
        kind, box, size[0], size[1], fmt, variant_name(source_key, source_sha256, box, size, fmt)
    )


def variant_name(
    source_key: str, source_sha256: str, box: Box, size: tuple[int, int], fmt: PictureFormat
) -> str:
    """`media/_v/<folders>/<stem>.<hash>.<w>x<h>.<ext>`: the hash covers the source's
    bytes and the recipe, so equal inputs give equal names and any change a new name.

    The focus is in the recipe only through the box: two articles that crop one photo
    alike share the variant, and the widths (the whole frame) are shared by all."""
    recipe = f"{RECIPE_VERSION}|{source_sha256}|{box}|{size}|{fmt.value}"
    digest = hashlib.sha256(recipe.encode("ascii")).hexdigest()[:VARIANT_HASH_LENGTH]
    relative = PurePosixPath(source_key.removeprefix(MEDIA_PREFIX))
    stem = relative.with_suffix("").as_posix()
    return f"{VARIANT_PREFIX}{stem}.{digest}.{size[0]}x{size[1]}{fmt.extension}"


def decode_scale(plan: PicturePlan) -> float:
    """The smallest fraction of the original's size that still serves every variant at
    full sharpness (a JPEG can be decoded at 1/2, 1/4 or 1/8 directly, in less memory).
    Both axes count: after rounding a variant's height may be the tighter one."""
    needed = [
        max(s.width / (s.box[2] - s.box[0]), s.height / (s.box[3] - s.box[1]))
        for s in plan.variants
    ]
    return min(1.0, max(needed, default=1.0))


def scaled_box(box: Box, scale_x: float, scale_y: float) -> tuple[float, float, float, float]:
    """`box` (upright pixels of the original) in the pixels of a decoded copy scaled by
    `scale_x`, `scale_y`: Pillow's `resize(box=…)` takes the fractional box as it is."""
    left, top, right, bottom = box
    return left * scale_x, top * scale_y, right * scale_x, bottom * scale_y


# --- the header: the size a file declares, before any decoding ---------------------------


def declared_size(head: bytes) -> tuple[int, int] | None:
    """The width and height the header in `head` declares (stored orientation), or None
    when it is not found there: PNG's IHDR, GIF's screen, JPEG's SOF, WebP's VP8 chunks.

    Read from the head alone, so that a bomb is refused on its first bytes. None is no
    verdict: the decoder's own limit (Pillow's `MAX_IMAGE_PIXELS`) still applies."""
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head.startswith((b"GIF87a", b"GIF89a")) and len(head) >= 10:
        return int.from_bytes(head[6:8], "little"), int.from_bytes(head[8:10], "little")
    if head.startswith(b"\xff\xd8"):
        return _jpeg_size(head)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP" and len(head) >= 30:
        return _webp_size(head)
    return None


#: JPEG start-of-frame markers (baseline, progressive, lossless…; not DHT, JPG, DAC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg_size(head: bytes) -> tuple[int, int] | None:
    at = 2
    while at + 9 <= len(head):
        if head[at] != 0xFF:
            return None
        marker = head[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length
            at += 2
            continue
        length = int.from_bytes(head[at + 2 : at + 4], "big")
        if marker in _SOF:
            return int.from_bytes(head[at + 7 : at + 9], "big"), int.from_bytes(
                head[at + 5 : at + 7], "big"
            )
        if length < 2:
            return None
        at += 2 + length
    return None


def _webp_size(head: bytes) -> tuple[int, int] | None:
    chunk = head[12:16]
    if chunk == b"VP8X":
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        return width, int.from_bytes(head[28:30], "little") & 0x3FFF
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None
