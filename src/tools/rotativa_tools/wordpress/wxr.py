"""Reading a WordPress export (WXR) safely, in constant memory, with the standard library.

A WXR file is RSS 2.0 with WordPress's namespaces: `rss/channel` holds the site's
authors and categories, then one `item` per post, page, attachment or menu entry. Real
exports run to hundreds of megabytes, so the file is fed to expat in chunks and only one
`item` at a time is kept as a small tree (`Element`); comments on posts are not kept at all.

Why expat directly rather than `xml.etree.iterparse`: ElementTree's C parser gives no hook
on DOCTYPE and entity declarations, and the defence against entity expansion (billion
laughs, quadratic blow-up) and external entities that `defusedxml` provides is exactly
those hooks. Here every entity declaration and every external DTD or entity reference
raises `HostileXmlError` when expat meets it, before anything is expanded; nothing is ever
fetched. No third-party dependency is needed for that.

WordPress exports are often slightly broken in one way: control characters pasted into
posts (form feeds, vertical tabs) that XML 1.0 forbids and expat rejects. They are removed
from the byte stream (counted, and reported by the importer) when the encoding keeps ASCII
bytes as themselves, which covers UTF-8 and the single-byte encodings (ISO-8859-1,
windows-1252) that old exports declare; expat decodes those itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from xml.parsers import expat

CHUNK_SIZE = 1 << 20
MAX_DEPTH = 64

# Namespace URIs → the prefixes WXR documents use. WordPress changed the `wp` namespace's
# version over the years (1.0, 1.1, 1.2); they all mean the same fields.
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_WFW_NS = "http://wellformedweb.org/CommentAPI/"
_WP_NS_PREFIX = "http://wordpress.org/export/"

# XML 1.0 forbids these C0 controls even as character references; tab, LF and CR are fine.
_FORBIDDEN_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])

# Children of an item that are never needed and can be huge (a post's comment thread).
_SKIPPED = frozenset({"wp:comment"})


class WxrError(Exception):
    """The file cannot be read as a WordPress export; the message says where and why."""


class HostileXmlError(WxrError):
    """The file declares entities or points at external resources: refused, never expanded."""


@dataclass
class Element:
    """One XML element of an item: `tag` uses WXR's usual prefixes (`wp:post_id`)."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[Element] = field(default_factory=list)

    def find(self, tag: str) -> Element | None:
        return next((child for child in self.children if child.tag == tag), None)

    def findall(self, tag: str) -> Iterator[Element]:
        return (child for child in self.children if child.tag == tag)

    def findtext(self, tag: str) -> str:
        found = self.find(tag)
        return found.text if found is not None else ""


@dataclass(frozen=True)
class ReadStats:
    bytes_read: int
    items: int
    control_characters_removed: int


def _prefixed(name: str) -> str:
    """`http://wordpress.org/export/1.2/ post_id` → `wp:post_id` (expat's `uri local`)."""
    uri, _, local = name.rpartition(" ")
    if not uri:
        return local
    if uri.startswith(_WP_NS_PREFIX):
        return f"excerpt:{local}" if uri.rstrip("/").endswith("excerpt") else f"wp:{local}"
    if uri == _CONTENT_NS:
        return f"content:{local}"
    if uri == _DC_NS:
        return f"dc:{local}"
    if uri == _WFW_NS:
        return f"wfw:{local}"
    return f"{{{uri}}}{local}"


class _Reader:
    """Expat callbacks that build each direct child of `channel` and hand it over whole."""

    def __init__(self, on_element: Callable[[Element], None]) -> None:
        self.on_element = on_element
        self.path: list[str] = []
        self.building: list[tuple[Element, list[str]]] = []
        self.skipping = 0
        self.items = 0
        self.saw_channel = False

    # --- hardening: refuse before anything is expanded or fetched -------------------------

    @staticmethod
    def doctype(name: str, system_id: str | None, public_id: str | None, subset: int) -> None:
        del name, subset  # a bare <!DOCTYPE rss> is harmless; declarations are checked below
        if system_id or public_id:
            raise HostileXmlError(f"external DTD refused ({system_id or public_id})")

    @staticmethod
    def entity(name: str, is_parameter: int, *_: object) -> None:
        del is_parameter
        raise HostileXmlError(f"entity declaration refused (<!ENTITY {name} …>)")

    @staticmethod
    def unparsed_entity(name: str, *_: object) -> None:
        raise HostileXmlError(f"entity declaration refused (<!ENTITY {name} … NDATA>)")

    @staticmethod
    def external_entity(context: str, base: str | None, system_id: str | None, *_: object) -> int:
        del context, base
        raise HostileXmlError(f"external entity refused ({system_id})")

    # --- the document ---------------------------------------------------------------------

    def start(self, name: str, attrs: dict[str, str]) -> None:
        tag = _prefixed(name)
        self.path.append(tag)
        depth = len(self.path)
        if depth > MAX_DEPTH:
            raise WxrError(f"elements nested deeper than {MAX_DEPTH} levels")
        if depth == 1 and tag != "rss":
            raise WxrError(f"not a WordPress export: the document is <{tag}>, not <rss>")
        if depth == 2 and tag == "channel":
            self.saw_channel = True
        if self.skipping or (self.building and tag in _SKIPPED):
            self.skipping += 1
            return
        if self.building or (depth == 3 and self.path[1] == "channel"):
            element = Element(tag, {_prefixed(k): v for k, v in attrs.items()})
            if self.building:
                self.building[-1][0].children.append(element)
            self.building.append((element, []))

    def end(self, name: str) -> None:
        del name
        self.path.pop()
        if self.skipping:
            self.skipping -= 1
            return
        if not self.building:
            return
        element, parts = self.building.pop()
        element.text = "".join(parts)
        if not self.building:
            if element.tag == "item":
                self.items += 1
            self.on_element(element)

    def characters(self, data: str) -> None:
        if self.building and not self.skipping:
            self.building[-1][1].append(data)


def _ascii_compatible(head: bytes) -> bool:
    """False for UTF-16/32 (by BOM or by the zero bytes around the first `<`)."""
    return not head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00", b"<\x00", b"\x00<"))


def read_wxr(
    path: Path,
    on_element: Callable[[Element], None],
    *,
    progress: Callable[[int], None] | None = None,
) -> ReadStats:
    """Parse `path`, calling `on_element` with each `item` and every other child of
    `channel` (authors, categories, the site's link) as soon as it is complete."""
    with path.open("rb") as stream:
        return read_stream(stream, on_element, progress=progress)


def read_stream(
    stream: BinaryIO,
    on_element: Callable[[Element], None],
    *,
    progress: Callable[[int], None] | None = None,
) -> ReadStats:
    reader = _Reader(on_element)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.EntityDeclHandler = reader.entity
    parser.UnparsedEntityDeclHandler = reader.unparsed_entity
    parser.ExternalEntityRefHandler = reader.external_entity
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.characters
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    total = removed = 0
    filtering: bool | None = None
    try:
        while chunk := stream.read(CHUNK_SIZE):
            total += len(chunk)
            if filtering is None:
                filtering = _ascii_compatible(chunk[:4])
            if filtering:
                cleaned = chunk.translate(None, _FORBIDDEN_BYTES)
                removed += len(chunk) - len(cleaned)
                chunk = cleaned
            parser.Parse(chunk, False)
            if progress is not None:
                progress(total)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        message = expat.ErrorString(exc.code) if exc.code is not None else str(exc)
        raise WxrError(
            f"XML not well-formed at line {exc.lineno}, column {exc.offset + 1}: {message}"
        ) from None
    except LookupError as exc:  # an encoding expat and Python both do not know
        raise WxrError(f"unsupported encoding: {exc}") from None
    if not reader.saw_channel:
        raise WxrError("not a WordPress export: no <channel> in <rss>")
    return ReadStats(total, reader.items, removed)
