"""One photo's bytes in, its variants' bytes out: upright, private, bounded.

`make_variants` is the picture pipeline's one transformation. It does no I/O (the caller
reads the upload and writes the variants), so the ValidateFunction, `rotativa local` and
the tests run the same code on the same bytes.

What it refuses, before any pixel is decoded: a name that lies about its bytes or bytes
that are no picture (`domain.media.judge_media`, the rule every media upload meets; a
`.jpg` holding a PNG is a picture and is converted, with that rule's warning), and a
header declaring more than `MAX_PIXELS` or `MAX_SIDE` (a decompression bomb: a 1 KB PNG
can claim 60,000×60,000 pixels, 14 GB decoded). The size is read from the head by
`domain.pictures.declared_size`, and Pillow's own limit is set to the same figure, its
warning raised as an error, for the formats whose header the domain does not read. What
it refuses while decoding: truncated or corrupt data (`LOAD_TRUNCATED_IMAGES` off).

What it converts: the EXIF orientation is applied (a phone's sideways JPEG becomes
upright); CMYK and foreign ICC profiles become sRGB; 16-bit grey is scaled to 8 bits, not
clipped; palette, LA and other modes become RGB or RGBA. Alpha is kept in AVIF/WebP and
flattened on white in JPEG. An animated GIF gives its first frame, with a warning: a
teaser that moves is not the site's style, and an animation belongs in a video.

What it never publishes: the uploaded bytes. Every variant is re-encoded from pixels with
no EXIF, XMP, comment or ICC profile (sRGB is the web's default), so nothing the camera
wrote (GPS, serial numbers) and nothing appended to the file can reach the site.

Bounded: the file is decoded once (a JPEG at the smallest 1/2ⁿ scale that still serves
the largest variant, `draft`), each variant is one resize of that copy and one encode,
and the teaser alone is encoded again at lower qualities to stay under
`TEASER_MAX_BYTES` (at most `len(TEASER_QUALITIES)` times).
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections import OrderedDict
from dataclasses import dataclass, replace

from PIL import Image, ImageCms, ImageFile, ImageOps, features

from rotativa.domain.media import SNIFF_BYTES, MediaType, judge_media
from rotativa.domain.pictures import (
    CENTRE,
    MAX_PIXELS,
    TEASER_MAX_BYTES,
    Focus,
    PictureFormat,
    PicturePlan,
    PictureRecord,
    Variant,
    VariantKind,
    VariantSpec,
    declared_size,
    decode_scale,
    plan_variants,
    scaled_box,
    size_problem,
)
from rotativa.domain.problems import Problem, error, has_errors, warning

# Pillow's limits, set explicitly rather than trusted to its defaults: above MAX_PIXELS it
# warns (turned into an error below), above twice as many it refuses outright.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
ImageFile.LOAD_TRUNCATED_IMAGES = False

#: The modern format offered beside JPEG: AVIF when this Pillow can encode it, else WebP.
MODERN = PictureFormat.AVIF if features.check("avif") else PictureFormat.WEBP
#: The formats decoded (Pillow's name for each type `domain.media` recognises).
_DECODED: dict[str, str] = {
    "JPEG": "JPEG",
    "PNG": "PNG",
    "GIF": "GIF",
    "WebP": "WEBP",
    "AVIF": "AVIF",
}
#: Encoder settings: a photo at a reader's screen, not an archive. Any change here must
#: raise `domain.pictures.RECIPE_VERSION`, so that the names change with the bytes.
JPEG_QUALITY = 82
WEBP_QUALITY = 78
AVIF_QUALITY = 60
TEASER_QUALITIES = (80, 70, 60, 50, 40, 30, 20)
#: What a malformed file makes Pillow's decoders raise: a property of the file, not a
#: fault of the function, so it becomes a Problem and never fails the batch.
_UNREADABLE = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError,
               TypeError, ZeroDivisionError, struct.error)  # fmt: skip


@dataclass(frozen=True)
class PictureResult:
    """The record and the bytes of each variant (by name), or why there are none.
    `problems` may hold warnings beside a record (a small crop, a GIF's first frame)."""

    record: PictureRecord | None
    files: dict[str, bytes]
    problems: tuple[Problem, ...]
    decodes: int = 0  # how many times the source was decoded (at most one)
    stand_in: tuple[bytes, str] | None = None  # what the upload's own key holds, its type


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.code)


def make_variants(key: str, data: bytes, *focuses: Focus, version: str = "") -> PictureResult:
    """Every variant of the picture uploaded at `key` (at inbox `version`) with bytes
    `data`: its widths once, and its crops around each of `focuses` (the centre when none
    is given), all from one decoding."""
    wanted = tuple(dict.fromkeys(focuses)) or (CENTRE,)
    verdict = judge_media(key, data[:SNIFF_BYTES], len(data))
    notes = list(verdict.problems)
    if not verdict.accepted or verdict.media_type is None:
        return PictureResult(None, {}, tuple(notes))
    media_type = verdict.media_type
    if media_type.name not in _DECODED:
        problem = error("picture_not_a_picture", field="content", detected=media_type.name)
        return PictureResult(None, {}, (*notes, problem))
    declared = declared_size(data[:SNIFF_BYTES])
    if declared is not None and (too_large := size_problem(*declared)) is not None:
        return PictureResult(None, {}, (*notes, too_large))
    try:
        return _make(key, data, wanted, version, media_type, notes)
    except _Refused as refused:
        return PictureResult(None, {}, (*notes, refused.problem))


#: Pictures made already in this process, by what makes them: for the laptop's tools
#: (a preview or a rebuild of each of a folder's articles meets the same photos again and
#: again); the functions make each picture once per upload and do not use it.
_REMEMBERED: OrderedDict[tuple[str, bytes, tuple[Focus, ...], str], PictureResult] = OrderedDict()
REMEMBERED_PICTURES = 8


def remembered_variants(key: str, data: bytes, *focuses: Focus, version: str = "") -> PictureResult:
    """`make_variants`, remembered for the last few pictures by key, bytes (their digest),
    focuses and version: it is pure, so a remembered result is the one it would make."""
    token = (key, hashlib.sha256(data).digest(), tuple(focuses), version)
    found = _REMEMBERED.get(token)
    if found is None:
        found = make_variants(key, data, *focuses, version=version)
        _REMEMBERED[token] = found
        while len(_REMEMBERED) > REMEMBERED_PICTURES:
            _REMEMBERED.popitem(last=False)
    else:
        _REMEMBERED.move_to_end(token)
    return replace(found, files=dict(found.files))  # the caller's own dict


def _make(
    key: str,
    data: bytes,
    focuses: tuple[Focus, ...],
    version: str,
    media_type: MediaType,
    notes: list[Problem],
) -> PictureResult:
    unreadable = error("picture_unreadable", field="content", detected=media_type.name)
    too_large = error(
        "picture_over_decoder_limit", field="content", megapixels=MAX_PIXELS // 1_000_000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[_DECODED[media_type.name]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _Refused(too_large) from None
        except _UNREADABLE:
            raise _Refused(unreadable) from None
        with image:
            upright = _upright_size(image)
            if (problem := size_problem(*upright)) is not None:
                raise _Refused(problem)
            try:  # counting frames walks the file (not its pixels), and can meet damage
                frames = int(getattr(image, "n_frames", 1))
            except _UNREADABLE:
                raise _Refused(unreadable) from None
            if frames > 1:
                notes.append(
                    warning(
                        "picture_first_frame",
                        field="content",
                        frames=frames,
                        detected=media_type.name,
                    )
                )
            sha = hashlib.sha256(data).hexdigest()
            plan = _merged([plan_variants(key, sha, *upright, f, MODERN) for f in focuses])
            notes += [p for p in plan.problems if p not in notes]
            try:
                pixels = _decode(image, plan)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _Refused(too_large) from None
            except _UNREADABLE:
                raise _Refused(unreadable) from None
    files, variants, largest = _encode_all(pixels, plan)
    record = PictureRecord(
        key, sha, plan.width, plan.height, focuses, tuple(variants), MODERN, version
    )
    assert not has_errors(notes)
    stand_in = _stand_in(largest, media_type)
    return PictureResult(record, files, tuple(notes), decodes=1, stand_in=stand_in)


#: What the picture's own key holds, by the format its bytes are: the largest width in
#: that same format (a PNG logo keeps its transparency), re-encoded without metadata.
_STAND_IN: dict[str, tuple[str, str]] = {
    "JPEG": ("JPEG", "image/jpeg"),
    "PNG": ("PNG", "image/png"),
    "GIF": ("GIF", "image/gif"),  # its first frame: a GIF's palette holds its colours
    "WebP": ("WEBP", "image/webp"),
    "AVIF": ("AVIF", "image/avif"),
}


def _stand_in(image: Image.Image, media_type: MediaType) -> tuple[bytes, str]:
    """The bytes published at the upload's own key (`media/x.jpg`): old links and
    embeds keep working, at a reader's size, with nothing the camera wrote."""
    pillow_format, content_type = _STAND_IN[media_type.name]
    out = io.BytesIO()
    image.info = {}
    if pillow_format == "JPEG":
        _flatten(image).save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    elif pillow_format == "PNG":
        image.save(out, "PNG", optimize=True)
    elif pillow_format == "GIF":
        image.save(out, "GIF", optimize=True)
    elif pillow_format == "WEBP":
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4, exif=b"", xmp=b"", icc_profile=b"")
    else:
        image.save(out, "AVIF", quality=AVIF_QUALITY, speed=8, exif=b"", xmp=b"", icc_profile=b"")
    return out.getvalue(), content_type


def _merged(plans: list[PicturePlan]) -> PicturePlan:
    """One plan for several focal points: the widths (the whole frame) and any crop two
    focuses share are made once; problems are told once."""
    first = plans[0]
    specs = {(s.kind, s.name): s for plan in plans for s in plan.variants}
    problems: list[Problem] = []
    for plan in plans:
        problems += [p for p in plan.problems if p not in problems]
    return PicturePlan(
        first.source_key,
        first.width,
        first.height,
        first.focus,
        tuple(specs.values()),
        tuple(problems),
    )


def _upright_size(image: Image.Image) -> tuple[int, int]:
    """The size once the EXIF orientation is applied (5-8 turn the picture a quarter)."""
    width, height = image.size
    try:
        orientation = image.getexif().get(0x0112, 1)
    except _UNREADABLE:
        orientation = 1
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _decode(image: Image.Image, plan: PicturePlan) -> Image.Image:
    """The one decoding: at reduced scale when the format allows (JPEG), then upright,
    in sRGB, in a mode every encoder takes (RGB or RGBA), with no metadata kept."""
    scale = decode_scale(plan)
    if image.format == "JPEG" and scale < 1.0:
        stored_w, stored_h = image.size
        image.draft("RGB", (max(1, int(stored_w * scale) + 1), max(1, int(stored_h * scale) + 1)))
    image.seek(0)
    image.load()
    icc = image.info.get("icc_profile")
    upright = ImageOps.exif_transpose(image)
    pixels = _normal_mode(_to_srgb(upright, icc))
    pixels.info = {}
    return pixels


def _normal_mode(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the picture has transparency; 16-bit grey scaled, not clipped."""
    mode = image.mode
    if mode.startswith("I;16") or mode == "I":
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    if mode == "F":
        return image.convert("L").convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or "transparency" in image.info
    if has_alpha:
        return image.convert("RGBA")
    return image if mode == "RGB" else image.convert("RGB")


def _to_srgb(image: Image.Image, icc: object) -> Image.Image:
    """Pixels described by a foreign ICC profile (Adobe RGB, a printer's CMYK) in sRGB,
    so that they can be published without the profile. Applied before any change of
    mode, while the pixels are still those the profile describes. A profile that cannot
    be read is dropped: the pixels are shown as sRGB, slightly off, but never refused."""
    if not isinstance(icc, bytes) or not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if "srgb" in ImageCms.getProfileDescription(source).lower():
            return image
        converted = ImageCms.profileToProfile(
            image,
            source,
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if image.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, *_UNREADABLE):
        return image
    return converted if isinstance(converted, Image.Image) else image


def _encode_all(
    pixels: Image.Image, plan: PicturePlan
) -> tuple[dict[str, bytes], list[Variant], Image.Image]:
    """Every variant's bytes and record, and the largest width's pixels (the stand-in's)."""
    scale_x = pixels.width / plan.width
    scale_y = pixels.height / plan.height
    files: dict[str, bytes] = {}
    variants: list[Variant] = []
    resized: dict[tuple[tuple[int, int, int, int], int, int], Image.Image] = {}
    for spec in plan.variants:
        cache = (spec.box, spec.width, spec.height)
        if cache not in resized:  # one resize serves both formats of a variant
            box = scaled_box(spec.box, scale_x, scale_y)
            resized[cache] = pixels.resize(
                (spec.width, spec.height), Image.Resampling.LANCZOS, box=box, reducing_gap=3.0
            )
        body = _encode(resized[cache], spec)
        files[spec.name] = body
        variants.append(
            Variant(spec.kind, spec.name, spec.width, spec.height, spec.format, len(body))
        )
    widest = max((s for s in plan.variants if s.kind is VariantKind.WIDTH), key=lambda s: s.width)
    return files, variants, resized[(widest.box, widest.width, widest.height)]


def _encode(image: Image.Image, spec: VariantSpec) -> bytes:
    """One variant's bytes, with no metadata: only pixels and the encoder's settings.
    The teaser steps down the qualities until it fits its budget (pure noise fits at 20)."""
    if spec.kind is not VariantKind.TEASER:
        return _encoded(image, spec.format, None)
    for quality in TEASER_QUALITIES:
        body = _encoded(image, spec.format, quality)
        if len(body) <= TEASER_MAX_BYTES:
            break
    return body


def _encoded(image: Image.Image, fmt: PictureFormat, quality: int | None) -> bytes:
    out = io.BytesIO()
    if fmt is PictureFormat.JPEG:
        flat = _flatten(image)
        flat.save(
            out,
            "JPEG",
            quality=min(quality or JPEG_QUALITY, JPEG_QUALITY),
            optimize=True,
            progressive=True,
            subsampling="4:2:0",
        )
        return out.getvalue()
    image.info = {}
    if fmt is PictureFormat.AVIF:
        avif = min(quality or AVIF_QUALITY, AVIF_QUALITY)
        image.save(out, "AVIF", quality=avif, speed=8, exif=b"", xmp=b"", icc_profile=b"")
    else:
        webp = min(quality or WEBP_QUALITY, WEBP_QUALITY)
        image.save(out, "WEBP", quality=webp, method=4, exif=b"", xmp=b"", icc_profile=b"")
    return out.getvalue()


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: a transparent logo is laid on white, as a page would show it."""
    if image.mode != "RGBA":
        image.info = {}
        return image
    white = Image.new("RGB", image.size, (255, 255, 255))
    white.paste(image, mask=image.getchannel("A"))
    return white
