"""`make bench`: what pictures cost the newsroom's function and the reader's phone.

    python -m benchmarks.pictures                    # the samples at camera size
    python -m benchmarks.pictures --tiny --work DIR  # small photos, seconds: the harness's test

1. *Making one photo's variants*: `services.pictures.make_variants` on the samples' phone
   photo (4000×3000 stored sideways, Orientation 6, GPS in its EXIF), in a fresh
   interpreter, timed as a whole process (wall and CPU, the interpreter's start and the
   import of Pillow included) and inside it (the call alone), one run each: for the
   centre alone (what an upload makes before any article asks for a focus) and for the
   centre and its article's focus (what the table holds once the article is in).
2. *Bytes a browser fetches for images* on the article page that shows that photo and on
   the homepage, for a 375 px phone (at DPR 2 and at DPR 3) and a 1280 px desktop (DPR 1).
   The content folder is published on the local cloud (template.yaml on moto: the
   ValidateFunction makes the variants, the RenderFunction writes the pages), and each
   rendered page's `<picture>`/`<source>`/`<img srcset sizes>` is read as a browser
   reads it (`chosen`): the first `<source>` whose `type` it decodes and whose `media`
   matches, else the `<img>`; from its `srcset`, the smallest candidate whose width is at
   least the slot's width (`sizes`, evaluated at the viewport's width) times the DPR,
   else the largest. An `<img>` without `srcset` fetches its `src`. A URL is fetched
   once per page. *Before* counts, for the same pictures, the files the editors uploaded
   (what the pages referenced whole until issue 14); *after* the files the page selects,
   as the site bucket holds them, for a browser that decodes AVIF (every current one) and
   for one that decodes only JPEG.

Prints a table and writes the figures as JSON (`--out`, default build/bench/pictures.json).
What it does not show is in docs/benchmarks.md ("Pictures").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
TINY_STORED = (800, 600)  # the tiny run's photos: the same scenes, 1/25 of the pixels


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- CSS: the lengths and media conditions of `sizes` and `<source media>` ----------------

#: What `em` and `rem` are in a media query and in `sizes`: the browser's initial font
#: size, never the page's (CSS Media Queries 4, §1.3).
FONT_PX = 16.0
_TOKEN = re.compile(r"\s*(?:(-?\d+(?:\.\d+)?|-?\.\d+)([a-z%]*)|([a-z-]+)\(|([-+*/(),]))", re.I)


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int  # CSS pixels
    dpr: float  # device pixels per CSS pixel


PHONE_2X = Viewport("phone 375 px, DPR 2", 375, 2.0)
PHONE_3X = Viewport("phone 375 px, DPR 3", 375, 3.0)
DESKTOP = Viewport("desktop 1280 px, DPR 1", 1280, 1.0)
VIEWPORTS = (PHONE_2X, PHONE_3X, DESKTOP)


class _Lengths:
    """A CSS length (`640px`, `100vw`, `calc(100vw - 2rem)`, `min(40rem, 92vw)`) in CSS
    pixels at a viewport width; anything else (a percentage, `auto`, a unit no browser
    resolves in `sizes`) is refused, so that the harness fails rather than guesses."""

    def __init__(self, text: str, viewport_width: float) -> None:
        self.tokens = self._tokens(text)
        self.at = 0
        self.vw = viewport_width

    @staticmethod
    def _tokens(text: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        at = 0
        text = text.strip()
        while at < len(text):
            match = _TOKEN.match(text, at)
            if match is None:
                raise ValueError(f"unreadable CSS length {text!r} at {at}")
            number, unit, function, symbol = match.groups()
            if number is not None:
                found.append(("num", f"{number}|{unit.lower()}"))
            elif function is not None:
                found.append(("fn", function.lower()))
            else:
                found.append(("sym", symbol))
            at = match.end()
        return found

    def value(self) -> float:
        result = self._sum()
        if self.at != len(self.tokens):
            raise ValueError(f"trailing tokens in a CSS length: {self.tokens[self.at :]}")
        return result

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def _take(self, kind: str, text: str | None = None) -> str:
        token = self._peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            raise ValueError(f"CSS length: expected {text or kind}, found {token}")
        self.at += 1
        return token[1]

    def _sum(self) -> float:
        total = self._product()
        while (token := self._peek()) is not None and token in (("sym", "+"), ("sym", "-")):
            self.at += 1
            right = self._product()
            total = total + right if token[1] == "+" else total - right
        return total

    def _product(self) -> float:
        total = self._unit()
        while (token := self._peek()) is not None and token in (("sym", "*"), ("sym", "/")):
            self.at += 1
            right = self._unit()
            total = total * right if token[1] == "*" else total / right
        return total

    def _unit(self) -> float:
        token = self._peek()
        if token is None:
            raise ValueError("CSS length: nothing where a value was expected")
        kind, text = token
        if kind == "num":
            self.at += 1
            number, unit = text.split("|")
            scale = {"": 1.0, "px": 1.0, "vw": self.vw / 100, "em": FONT_PX, "rem": FONT_PX}
            if unit not in scale:
                raise ValueError(f"CSS length: unit {unit!r} is not resolved here")
            return float(number) * scale[unit]
        if kind == "sym" and text == "(":
            self.at += 1
            inner = self._sum()
            self._take("sym", ")")
            return inner
        if kind == "fn" and text in ("calc", "min", "max", "clamp"):
            self.at += 1
            values = [self._sum()]
            while self._peek() == ("sym", ","):
                self.at += 1
                values.append(self._sum())
            self._take("sym", ")")
            if text == "calc" and len(values) == 1:
                return values[0]
            if text == "min":
                return min(values)
            if text == "max":
                return max(values)
            if text == "clamp" and len(values) == 3:
                return max(values[0], min(values[1], values[2]))
        raise ValueError(f"CSS length: {text!r} is not resolved here")


def css_length(text: str, viewport_width: float) -> float:
    return _Lengths(text, viewport_width).value()


_FEATURE = re.compile(r"\(\s*(min-width|max-width|width)\s*:\s*([^)]+)\)", re.I)
_RANGE = re.compile(r"\(\s*width\s*(<=|>=|<|>|=)\s*([^)]+)\)", re.I)
_RANGE_REVERSED = re.compile(r"\(\s*([^()<>=]+?)\s*(<=|>=|<|>|=)\s*width\s*\)", re.I)
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "=": lambda a, b: a == b,
}
_FLIPPED = {"<=": ">=", ">=": "<=", "<": ">", ">": "<", "=": "="}


def media_matches(query: str, viewport: Viewport) -> bool:
    """Whether a media query list (`<source media>`) or a media condition (an entry of
    `sizes`) holds at `viewport`, on a screen. Width features only, in the forms the
    site's markup and its stylesheet could use (`(min-width: 48em)`, `(width >= 60rem)`,
    `not`, `and`, `or`, a comma list, `screen`/`all`/`print`); anything else is refused."""
    return any(_query(part, viewport) for part in _split_top(query))


def _query(text: str, viewport: Viewport) -> bool:
    text = text.strip()
    lowered = text.lower()
    negate = False
    if lowered.startswith("only "):
        text, lowered = text[5:].strip(), lowered[5:].strip()
    media_type = re.match(r"(not\s+)?(screen|all|print)\b(\s+and\b)?", lowered)
    if media_type is not None:
        negate = media_type.group(1) is not None
        kind_matches = media_type.group(2) != "print"
        rest = text[media_type.end() :].strip()
        holds = kind_matches and (not rest or _condition(rest, viewport))
        return holds != negate
    return _condition(text, viewport)


def _condition(text: str, viewport: Viewport) -> bool:
    text = text.strip()
    if text.lower().startswith("not "):
        return not _condition(text[4:], viewport)
    for joiner, combine in ((" or ", any), (" and ", all)):
        parts = _split_top(text, joiner)
        if len(parts) > 1:
            return combine(_condition(p, viewport) for p in parts)
    if (match := _FEATURE.fullmatch(text)) is not None:
        name, value = match.group(1).lower(), css_length(match.group(2), viewport.width)
        if name == "min-width":
            return viewport.width >= value
        if name == "max-width":
            return viewport.width <= value
        return viewport.width == value
    if (match := _RANGE.fullmatch(text)) is not None:
        value = css_length(match.group(2), viewport.width)
        return _COMPARE[match.group(1)](viewport.width, value)
    if (match := _RANGE_REVERSED.fullmatch(text)) is not None:
        value = css_length(match.group(1), viewport.width)
        return _COMPARE[_FLIPPED[match.group(2)]](viewport.width, value)
    if text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]):
        return _condition(text[1:-1], viewport)
    raise ValueError(f"media condition {text!r} is not evaluated here")


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _split_top(text: str, separator: str = ",") -> list[str]:
    """`text` cut at each `separator` outside parentheses (case-insensitive)."""
    parts, depth, start, at = [], 0, 0, 0
    lowered = text.lower()
    while at < len(text):
        char = text[at]
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif depth == 0 and lowered.startswith(separator, at):
            parts.append(text[start:at])
            at += len(separator)
            start = at
            continue
        at += 1
    parts.append(text[start:])
    return [p for p in (p.strip() for p in parts) if p]


def slot_width(sizes: str | None, viewport: Viewport) -> float:
    """The width `sizes` gives the image at `viewport`: the first entry whose media
    condition holds (the last may have none), 100vw when absent (HTML's rule)."""
    if sizes is None or not sizes.strip():
        return float(viewport.width)
    for entry in _split_top(sizes):
        if entry.lower() == "auto":
            raise ValueError("sizes=auto needs the layout: not evaluated here")
        condition, length = _cut_length(entry)
        if condition is None or media_matches(condition, viewport):
            return css_length(length, viewport.width)
    return float(viewport.width)


def _cut_length(entry: str) -> tuple[str | None, str]:
    """An entry of `sizes` as (media condition or None, length): the length is the last
    component, a function call (`calc(…)`, `min(…)`) or a bare value (`640px`)."""
    entry = entry.strip()
    if not entry.endswith(")"):
        condition, _, length = entry.rpartition(" ")
        return (condition.strip() or None), length
    depth, at = 0, len(entry) - 1
    while at >= 0:  # the "(" that opens the last ")"
        depth += {")": 1, "(": -1}.get(entry[at], 0)
        if depth == 0:
            break
        at -= 1
    start = at
    while start > 0 and (entry[start - 1].isalpha() or entry[start - 1] == "-"):
        start -= 1
    if start == at:
        raise ValueError(f"sizes entry {entry!r}: no length after its condition")
    return (entry[:start].strip() or None), entry[start:]


# --- HTML: the pictures a page shows ----------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    url: str
    width: int | None  # the `w` descriptor
    density: float | None  # the `x` descriptor (1 when there is neither)


def parse_srcset(srcset: str) -> list[Candidate]:
    """`srcset`'s candidates (HTML's rule, for URLs without commas, as the site writes)."""
    candidates = []
    for part in srcset.split(","):
        words = part.split()
        if not words:
            continue
        url, descriptors = words[0], words[1:]
        if len(descriptors) > 1:
            raise ValueError(f"srcset candidate {part!r}: one descriptor at most")
        width: int | None = None
        density: float | None = None
        if descriptors and descriptors[0].endswith("w"):
            width = int(descriptors[0][:-1])
        elif descriptors and descriptors[0].endswith("x"):
            density = float(descriptors[0][:-1])
        elif descriptors:
            raise ValueError(f"srcset candidate {part!r}: unknown descriptor")
        else:
            density = 1.0
        candidates.append(Candidate(url, width, density))
    return candidates


@dataclass(frozen=True)
class Source:
    """One `<source>` of a `<picture>`, or the `<img>` itself (no type, no media)."""

    srcset: str | None
    sizes: str | None
    media: str | None = None
    type: str | None = None
    src: str | None = None  # the `<img>`'s own


@dataclass(frozen=True)
class Shown:
    """An image of the page as a browser meets it: its sources in order, the `<img>` last."""

    sources: tuple[Source, ...]
    lazy: bool
    alt: str | None


class PageImages(HTMLParser):
    """Every `<img>` of a page, with the `<source>`s of the `<picture>` it is in."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[Shown] = []
        self._picture: list[Source] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "picture":
            self._picture = []
        elif tag == "source" and self._picture is not None:
            self._picture.append(
                Source(
                    values.get("srcset"),
                    values.get("sizes"),
                    values.get("media"),
                    values.get("type"),
                )
            )
        elif tag == "img":
            own = Source(values.get("srcset"), values.get("sizes"), src=values.get("src"))
            sources = (*(self._picture or ()), own)
            self.shown.append(
                Shown(sources, (values.get("loading") or "").lower() == "lazy", values.get("alt"))
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "picture":
            self._picture = None


def images_of(page: str) -> list[Shown]:
    parser = PageImages()
    parser.feed(page)
    parser.close()
    return parser.shown


#: What a browser decodes: every current one AVIF and WebP; an old one JPEG alone.
MODERN_BROWSER = frozenset({"image/avif", "image/webp", "image/jpeg", "image/png", "image/gif"})
JPEG_BROWSER = frozenset({"image/jpeg", "image/png", "image/gif"})


def chosen(image: Shown, viewport: Viewport, decodes: frozenset[str]) -> str:
    """The URL the browser fetches for `image` at `viewport`: the first source it can
    use, then from its candidates the smallest whose density reaches the DPR, else the
    densest (HTML's selection, as Chromium and WebKit apply it with an empty cache)."""
    for source in image.sources:
        if source.type is not None and source.type.split(";")[0].strip().lower() not in decodes:
            continue
        if source.media is not None and not media_matches(source.media, viewport):
            continue
        candidates = parse_srcset(source.srcset) if source.srcset else []
        widths = any(c.width for c in candidates)
        if source.src is not None and not widths and not any(c.density == 1.0 for c in candidates):
            candidates.append(Candidate(source.src, None, 1.0))  # `src` is the 1x candidate
        if not candidates:
            continue
        slot = slot_width(source.sizes, viewport)
        ranked = sorted(
            candidates, key=lambda c: c.width / slot if c.width is not None else c.density or 1.0
        )
        for candidate in ranked:
            density = candidate.width / slot if candidate.width is not None else candidate.density
            if density is not None and density >= viewport.dpr:
                return candidate.url
        return ranked[-1].url
    raise ValueError(f"an image with nothing to fetch: {image}")


# --- the bytes of one page ---------------------------------------------------------------


def site_key(url: str) -> str:
    """The site bucket's key of a root-relative URL (`/media/a.jpg` is `media/a.jpg`)."""
    if "://" in url or url.startswith("//"):
        raise ValueError(f"{url}: not a file of the site")
    return url.split("?", 1)[0].split("#", 1)[0].lstrip("/")


@dataclass
class PageFetch:
    """What one page's images cost at one viewport, before and after."""

    images: int = 0
    before: int = 0  # the uploaded originals of the pictures shown
    before_lazy: int = 0  # of which those of `loading="lazy"` images
    after: dict[str, int] = field(default_factory=dict)  # browser → bytes
    after_lazy: dict[str, int] = field(default_factory=dict)
    files: dict[str, list[str]] = field(default_factory=dict)  # browser → the files fetched

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


BROWSERS = {"avif": MODERN_BROWSER, "jpeg-only": JPEG_BROWSER}


def page_fetch(
    page: str,
    viewport: Viewport,
    site: Mapping[str, bytes],
    originals: Mapping[str, int],
    source_of: Mapping[str, str],
) -> PageFetch:
    """The bytes `page`'s images cost at `viewport`: `site` is the site bucket (key →
    bytes), `originals` each media key's uploaded size, `source_of` each variant's media
    key. A file the page names and the site does not hold is an error, never a zero."""
    fetch = PageFetch()
    shown = images_of(page)
    fetch.images = len(shown)
    seen_sources: set[str] = set()
    for image in shown:
        source = _source_key(chosen(image, viewport, MODERN_BROWSER), originals, source_of)
        if source in seen_sources:
            continue
        seen_sources.add(source)
        fetch.before += originals[source]
        fetch.before_lazy += originals[source] if image.lazy else 0
    for browser, decodes in BROWSERS.items():
        seen: set[str] = set()
        total = lazy = 0
        for image in shown:
            key = site_key(chosen(image, viewport, decodes))
            if key in seen:
                continue
            seen.add(key)
            if key not in site:
                raise LookupError(f"the page names {key}, which the site does not hold")
            total += len(site[key])
            lazy += len(site[key]) if image.lazy else 0
        fetch.after[browser], fetch.after_lazy[browser] = total, lazy
        fetch.files[browser] = sorted(seen)
    return fetch


def _source_key(url: str, originals: Mapping[str, int], source_of: Mapping[str, str]) -> str:
    key = site_key(url)
    if key in originals:
        return key
    if key in source_of:
        return source_of[key]
    raise LookupError(f"{key}: neither an upload nor a variant of one")


# --- the pipeline: a content folder published on the local cloud -------------------------


@dataclass(frozen=True)
class Published:
    site: dict[str, bytes]
    source_of: dict[str, str]  # variant key → media key
    seconds: float


def publish(content: Path) -> Published:
    """`content` (site.yaml, articles/, media/) uploaded into the local cloud of
    template.yaml and run until quiet; the site bucket and each variant's source."""
    from moto import mock_aws

    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.adapters.folder import upload_files
    from rotativa_tools.local.cloud import LocalCloud
    from rotativa_tools.local.content import parameters_for, site_from_parameters

    started = time.perf_counter()
    with mock_aws():
        cloud = LocalCloud.start(parameters=parameters_for([content]))
        media = [key for key, _ in upload_files(content) if key.startswith("media/")]
        cloud.upload_content(content)
        cloud.run_until_quiet()
        settings = site_from_parameters(cloud.stack.parameters)
        table = ArticlesTable(cloud.table, settings, cloud.clients.dynamodb)
        source_of: dict[str, str] = {}
        for key in media:
            record = table.picture(key)
            for variant in record.variants if record is not None else ():
                source_of[variant.name] = key
        site = cloud.site_files()
    return Published(site, source_of, time.perf_counter() - started)


def article_page_key(content: Path, article: str) -> str:
    """The site key of the page of `articles/<article>` in `content`."""
    from rotativa.domain.site import SiteSettings
    from rotativa.services.validation import validate_upload

    key = f"articles/{article}"
    settings = SiteSettings.from_file(content / "site.yaml")
    report = validate_upload(key, (content / key).read_bytes(), settings)
    if report.article is None:
        raise ValueError(f"{key} is not valid: {report.problems}")
    return report.article.path.lstrip("/") + "index.html"


def bytes_fetched(
    content: Path, article: str, viewports: Sequence[Viewport] = VIEWPORTS
) -> dict[str, Any]:
    """Section 2: each page at each viewport, before and after."""
    from rotativa.adapters.folder import upload_files

    published = publish(content)
    log(f"   published {content} on the local cloud in {published.seconds:.1f} s")
    originals = {
        key: path.stat().st_size for key, path in upload_files(content) if key.startswith("media/")
    }
    pages = {"article": article_page_key(content, article), "homepage": "index.html"}
    figures: dict[str, Any] = {
        "pages": pages,
        "viewports": {},
        "publish_seconds": round(published.seconds, 1),
    }
    for viewport in viewports:
        per_page = {}
        for name, key in pages.items():
            page = published.site[key].decode("utf-8")
            per_page[name] = page_fetch(
                page, viewport, published.site, originals, published.source_of
            ).as_dict()
        figures["viewports"][viewport.name] = {
            "width": viewport.width,
            "dpr": viewport.dpr,
            "pages": per_page,
        }
    figures["variants_published"] = sum(1 for k in published.site if k.startswith("media/_v/"))
    return figures


# --- section 1: one photo's variants, as a whole process ----------------------------------

PROBE = """\
import json, sys, time
cpu_started, started = time.process_time(), time.perf_counter()
from rotativa.domain.pictures import Focus
from rotativa.services.pictures import make_variants
imported, cpu_imported = time.perf_counter(), time.process_time()
data = open({path!r}, "rb").read()
read, cpu_read = time.perf_counter(), time.process_time()
made = make_variants({key!r}, data, *[Focus(*f) for f in {focuses!r}])
done, cpu_done = time.perf_counter(), time.process_time()
assert made.record is not None, made.problems
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"import_ms": (imported - started) * 1000,
                  "import_cpu_ms": (cpu_imported - cpu_started) * 1000,
                  "make_ms": (done - read) * 1000, "make_cpu_ms": (cpu_done - cpu_read) * 1000,
                  "variants": len(made.files), "variant_bytes": sum(map(len, made.files.values())),
                  "upright": [made.record.width, made.record.height],
                  "modern": made.record.modern.value, "decodes": made.decodes,
                  "rss_mb": rss / 1024}}))
"""


def variant_run(path: Path, key: str, focuses: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """One fresh interpreter making `path`'s variants: the whole process's wall and CPU
    time (its start, Pillow's import and the call), and the call's own inside it."""
    code = PROBE.format(path=str(path), key=key, focuses=[tuple(f) for f in focuses])
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise RuntimeError(f"make_variants failed on {path}:\n{result.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures.update(
        process_ms=round(wall * 1000, 1),
        process_cpu_ms=round(cpu * 1000, 1),
        source_bytes=path.stat().st_size,
        focuses=[list(f) for f in focuses],
    )
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}


def variant_times(content: Path, photo: str, focus: tuple[float, float]) -> dict[str, Any]:
    """Section 1: the centre alone, then the centre and the article's focus."""
    key = f"media/{photo}"
    path = content / key
    return {
        "photo": key,
        "centre": variant_run(path, key, [(0.5, 0.5)]),
        "centre_and_focus": variant_run(path, key, [(0.5, 0.5), focus]),
    }


# --- the content: the samples, or a tiny folder of the same shape -------------------------

#: The article that shows the samples' sideways phone photo, and its focus.
ARTICLE = "cologno-casa-di-comunita-inaugurazione.md"
FOCUS = (0.5, 0.28)
#: The tiny run: that article, the lead story (an illustration of 1200×675, shared with
#: its related box), another photo's article and one without a picture, so that the
#: homepage and the related box mix both.
TINY_ARTICLES = (
    ARTICLE,
    "sesto-piazza-petazzi-riqualificazione.md",
    "bresso-ciclabile-parco-nord-inaugurazione.md",
    "cologno-martesana-nuovi-alberi.md",
)


def tiny_content(work: Path) -> Path:
    """A content folder of `TINY_ARTICLES` whose camera photos are the samples' scenes
    at `TINY_STORED` (the sideways one still sideways, with its GPS); other media are
    copied as they are."""
    from benchmarks.sample_photos import PHOTOS, photo_bytes

    content = work / "content"
    if content.exists():
        shutil.rmtree(content)
    (content / "articles").mkdir(parents=True)
    (content / "media").mkdir()
    shutil.copy(SAMPLES / "site.yaml", content / "site.yaml")
    photos = {photo.name: photo for photo in PHOTOS}
    for name in TINY_ARTICLES:
        text = (SAMPLES / "articles" / name).read_text(encoding="utf-8")
        (content / "articles" / name).write_text(text, encoding="utf-8")
        for media in re.findall(r"src: media/(\S+)", text):
            target = content / "media" / media
            if media in photos:
                target.write_bytes(photo_bytes(photos[media], TINY_STORED))
            else:
                shutil.copy(SAMPLES / "media" / media, target)
    return content


def sideways_photo() -> str:
    from benchmarks.sample_photos import SIDEWAYS

    return SIDEWAYS.name


# --- the table ----------------------------------------------------------------------------


def _kb(n: int) -> str:
    return f"{n / 1000:,.0f} KB" if n >= 10_000 else f"{n / 1000:,.1f} KB"


def _ratio(before: int, after: int) -> str:
    return f"×{after / before:.3f}" if before else "-"


def table(results: Mapping[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    timing = results["variants"]
    add(f"1. Making one photo's variants ({timing['photo']}, one process each, one run)")
    add(f"   {'':<18} {'process wall':>12} {'CPU':>8} {'call wall':>9} {'CPU':>8} "
        f"{'variants':>8} {'bytes':>9} {'peak RSS':>9}")  # fmt: skip
    for label, run in (
        ("centre", timing["centre"]),
        ("centre + focus", timing["centre_and_focus"]),
    ):
        add(f"   {label:<18} {run['process_ms']:>9.0f} ms {run['process_cpu_ms']:>5.0f} ms "
            f"{run['make_ms']:>6.0f} ms {run['make_cpu_ms']:>5.0f} ms {run['variants']:>8} "
            f"{_kb(run['variant_bytes']):>9} {run['rss_mb']:>6.0f} MB")  # fmt: skip
    fetched = results["bytes"]
    add("2. Image bytes a browser fetches (every image of the page; of which lazy in brackets)")
    add(f"   {'page':<9} {'viewport':<24} {'imgs':>4} {'before':>17} {'after (AVIF)':>17} "
        f"{'ratio':>7} {'after (JPEG only)':>18}")  # fmt: skip
    for viewport, data in fetched["viewports"].items():
        for page, f in data["pages"].items():
            add(f"   {page:<9} {viewport:<24} {f['images']:>4} "
                f"{_kb(f['before']):>9} ({_kb(f['before_lazy']):>6}) "
                f"{_kb(f['after']['avif']):>9} ({_kb(f['after_lazy']['avif']):>6}) "
                f"{_ratio(f['before'], f['after']['avif']):>7} "
                f"{_kb(f['after']['jpeg-only']):>9} "
                f"({_kb(f['after_lazy']['jpeg-only']):>6})")  # fmt: skip
    return "\n".join(lines)


def run(content: Path, article: str, photo: str, focus: tuple[float, float]) -> dict[str, Any]:
    log("== pictures: one photo's variants")
    variants = variant_times(content, photo, focus)
    log("== pictures: bytes fetched, before and after")
    return {"variants": variants, "bytes": bytes_fetched(content, article)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="small photos (the harness's test)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench" / "pictures")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "pictures.json")
    args = parser.parse_args(argv)
    content = tiny_content(args.work) if args.tiny else SAMPLES
    results = run(content, ARTICLE, sideways_photo(), FOCUS)
    results["content"] = "tiny" if args.tiny else "samples"
    results["load_after"] = [round(x, 2) for x in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
