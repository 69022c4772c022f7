"""A WordPress post's HTML → the CommonMark body rotativa accepts, shortcodes kept as written.

Why a converter of our own on `html.parser` rather than a library (markdownify, html2text):
WordPress content is not HTML as those libraries expect it. Classic-editor posts have no
`<p>` at all: WordPress's `wpautop` turns blank lines into paragraphs and single line ends
into `<br>` when it shows them; a converter that treats line ends as HTML whitespace
joins every paragraph into one. Shortcodes (`[caption]`, `[textmarker color=”E63631″]`)
are text to an HTML parser, and escaping them as Markdown text would change their bytes;
rotativa's own renderer reads them from the Markdown source, so they must come out as
written. And the output must pass rotativa's validation and sanitiser, so what Markdown
cannot say is either written as allowlisted HTML or reported, never silently dropped.

The steps:
1. Shortcode tags are cut out and replaced by inert alphanumeric placeholders, so that
   neither the HTML parser (entities) nor Markdown escaping touches them. A paired
   shortcode whose content is plain text on one line (`[textmarker …]SESTO[/textmarker]`)
   is kept whole; otherwise the opening and closing tags are kept and the content between
   is converted (`[caption]<img …> Didascalia[/caption]`).
2. `html.parser` builds a small tree, closing `<p>` and `<li>` as browsers do.
3. The tree is written as Markdown: paragraphs (from `<p>` or, in classic posts, from blank
   lines), emphasis, links, images, lists, headings, blockquotes, code; tables and
   definition lists as sanitisable HTML; embeds (`<iframe>`, `<video>`) as links; scripts,
   styles and forms dropped. Every lossy step leaves a `Note` for the import report.
4. The placeholders are put back, byte for byte.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Protocol
from urllib.parse import urlsplit

from rotativa.domain.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, is_allowed_url
from rotativa.domain.shortcodes import DEFAULT_REGISTRY

MAX_TREE_DEPTH = 100  # deeper markup is flattened: writing recurses a few frames per level
MAX_NESTING = 8  # lists and quotes deeper than this are flattened: the renderer would drop them

# --- the result ------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    """Something the conversion could not keep as it was: an import code (the catalogue's
    `wp_<code>`) and its value."""

    code: str
    value: str = ""


@dataclass(frozen=True)
class Converted:
    markdown: str
    notes: tuple[Note, ...] = ()


class UrlMap(Protocol):
    """How the importer relocates addresses: the site's uploads become `media/…` files."""

    def image(self, url: str) -> str: ...

    def link(self, url: str) -> str: ...

    def alt_text(self, attachment_id: int) -> str: ...


class KeepUrls:
    """Addresses kept as they are (conversion outside an import, and tests)."""

    def image(self, url: str) -> str:
        return url

    def link(self, url: str) -> str:
        return url

    def alt_text(self, attachment_id: int) -> str:
        del attachment_id
        return ""


# --- 1. shortcodes out of the way ------------------------------------------------------

# A shortcode tag as WordPress reads one: `[name …]`, `[/name]`, `[name/]`, `[[name]]`.
_SHORTCODE_TAG = re.compile(
    r"\[(?P<escape>\[?)(?P<close>/?)(?P<name>[A-Za-z][\w-]*)(?![\w-])"
    r"(?P<attrs>(?:\s[^\[\]]*?)?)(?P<self>/?)\](?P<escape_end>\]?)"
)
_CAPTION_BLOCK = re.compile(r"\[caption\b[^\]]*\].*?\[/caption\]", re.DOTALL)


_CLOSING_TAG = re.compile(r"\[/([A-Za-z][\w-]*)\]")
_PLACEHOLDER = re.compile(r"wpsc[0-9a-f]{10}n\d+x")
_PLACEHOLDER_END = re.compile(r"wpsc[0-9a-f]{10}n\d+x$")


def _is_shortcode(match: re.Match[str], text: str, closed: set[str]) -> bool:
    """What rotativa also reads as a shortcode: a registered name anywhere, or a lower-case
    one with attributes (`[gallery ids="1"]`), none (`[embed]`), or a closing tag somewhere.
    `[foto di Mario Rossi]` is words in brackets, and `[x](…)`, `[x][…]`, `[x]: …` would be
    Markdown links: those stay text."""
    name, attrs = match.group("name"), match.group("attrs").strip()
    if name in DEFAULT_REGISTRY.names:
        return True
    if text[match.end() : match.end() + 1] in ("(", "[", ":"):
        return False
    if "=" in attrs:
        return True
    if not name[0].islower():
        return False
    return not attrs or match.group("close") == "/" or name in closed


def protect_shortcodes(text: str) -> tuple[str, dict[str, str]]:
    """`text` with shortcode tags replaced by placeholders, and the placeholders' sources."""
    nonce = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    sources: dict[str, str] = {}
    pieces: list[str] = []
    position = 0
    closed = set(_CLOSING_TAG.findall(text))
    next_closing: dict[str, int] = {}  # name → where its next closing tag is (-1: none left)
    while (match := _SHORTCODE_TAG.search(text, position)) is not None:
        start, end = match.span()
        if not _is_shortcode(match, text, closed):
            pieces.append(text[position : match.start() + 1])
            position = match.start() + 1
            continue
        opening = not (match.group("close") or match.group("self") or match.group("escape"))
        if opening:
            name = match.group("name")
            closing = f"[/{name}]"
            # The first closing tag found from an earlier point is still the first one from
            # here when it lies ahead (or when there was none): 20,000 unclosed openings do
            # not each search the rest of the text.
            found = next_closing.get(name, -2)
            if found == -2 or (found != -1 and found < end):
                found = next_closing[name] = text.find(closing, end)
            content = text[end:found] if found >= 0 else ""
            if found >= 0 and "<" not in content and "\n" not in content:
                end = found + len(closing)  # plain one-line content: the call stays whole
        placeholder = f"wpsc{nonce}n{len(sources)}x"
        sources[placeholder] = text[start:end]
        pieces.append(text[position:start])
        pieces.append(placeholder)
        position = end
    pieces.append(text[position:])
    return "".join(pieces), sources


def _collapse_caption_lines(text: str) -> str:
    """Line ends inside `[caption]` are spaces: its content must stay one inline run."""
    return _CAPTION_BLOCK.sub(lambda m: re.sub(r"\s*\n\s*", " ", m.group(0)), text)


# --- 2. the tree -----------------------------------------------------------------------

_VOID = frozenset(
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr",
    }
)  # fmt: skip
_CLOSES_P = frozenset(
    {
        "address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset",
        "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "section", "table", "ul",
    }
)  # fmt: skip
_SCOPE = frozenset({"table", "td", "th", "caption", "object", "button", "template"})


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    """The forgiving part of an HTML5 tree builder that posts need: implied `</p>`,
    `</li>`, `</td>`, stray end tags ignored, unclosed tags closed at the end."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root")
        self.stack = [self.root]

    def _close_to(self, tag: str, boundaries: Iterable[str]) -> None:
        stop = frozenset(boundaries)
        for index in range(len(self.stack) - 1, 0, -1):
            current = self.stack[index].tag
            if current == tag:
                del self.stack[index:]
                return
            if current in stop:
                return

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CLOSES_P:
            self._close_to("p", _SCOPE)
        if tag == "a":  # links do not nest: a second <a> ends the first, as in browsers
            self._close_to("a", _SCOPE)
        if tag == "li":
            self._close_to("li", {"ul", "ol", "menu", *_SCOPE})
        elif tag in ("dt", "dd"):
            self._close_to("dt", {"dl", *_SCOPE})
            self._close_to("dd", {"dl", *_SCOPE})
        elif tag == "tr":
            self._close_to("tr", {"table", "thead", "tbody", "tfoot"})
        elif tag in ("td", "th"):
            self._close_to("td", {"tr", "table"})
            self._close_to("th", {"tr", "table"})
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID and len(self.stack) < MAX_TREE_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "br":  # `</br>` is a line break to browsers
            self.stack[-1].children.append(Node("br"))
            return
        for index in range(len(self.stack) - 1, 0, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        children = self.stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def parse_html(text: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    _merge_adjacent_code(builder.root)
    return builder.root


def _merge_adjacent_code(node: Node) -> None:
    """`<code>a</code><code>b</code>` is one code span: two in a row would read as one
    Markdown span with a stray fence in the middle."""
    merged: list[Node | str] = []
    for child in node.children:
        previous = merged[-1] if merged else None
        if (
            isinstance(child, Node)
            and isinstance(previous, Node)
            and child.tag in _CODE
            and previous.tag == child.tag
        ):
            previous.children.extend(child.children)
            continue
        merged.append(child)
    node.children = merged
    for child in merged:
        if isinstance(child, Node):
            _merge_adjacent_code(child)


# --- 3. writing Markdown ---------------------------------------------------------------

# Private-use characters stand for what is decided only once a paragraph is complete.
_BR = "\ue000"  # an explicit <br>
_NL = "\ue001"  # a line end in a classic (wpautop) post: a <br> where it has text around it
_EMPH_OPEN, _EMPH_CLOSE = "\ue002", "\ue003"
_LINK = "\ue004"  # where a link starts: a `!` just before it must not make it an image
_CODE_EDGE = "\ue005"  # either end of a code span: two spans in a row must not touch
_PRIVATE = re.compile("[\ue000-\ue00f]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAK_RUN = re.compile(f"[ \\t]*(?:[{_BR}{_NL}][ \\t]*)+")
_EMPHASIS = re.compile(f"{_EMPH_OPEN}(\\d+){_EMPH_CLOSE}")
_EDGE = re.compile(f"^[\\s\u00a0{_BR}{_NL}]+|[\\s\u00a0{_BR}{_NL}]+$")
_BLANK_LINES = re.compile(r"[ \t]*\n(?:[ \t]*\n)+[ \t]*")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_ALL_SPACE = re.compile(r"[ \t\r\n\f\v]+")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<|~])")
_LONE_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(
    r"^(?:#{1,6}(?=[ \t]|$)|[-+](?=[ \t]|$)|>|(?:=+|-+)[ \t]*$|(?P<number>\d{1,9})[.)](?=[ \t]|$))"
)
_LIST_BLOCK = re.compile(r"^(?:(?P<bullet>- )|\d{1,9}\. )")
_BARE_URL = re.compile(r"^https?://[^\s<>]+$")
_WP_IMAGE_ID = re.compile(r"\bwp-image-(\d+)\b")

_CONTAINERS = frozenset(
    {
        "#root", "p", "div", "section", "article", "header", "footer", "main", "aside", "nav",
        "center", "address", "details", "summary", "hgroup", "fieldset", "body", "html",
        "figcaption",
    }
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
_RAW_BLOCKS = frozenset({"table", "dl"})
_EMBEDS = frozenset({"iframe", "video", "audio", "embed", "object"})
_DROPPED = frozenset(
    {
        "script", "style", "noscript", "template", "svg", "math", "canvas", "form", "input",
        "button", "select", "textarea", "head", "title", "meta", "link", "base", "frameset",
        "frame", "applet", "map", "area",
    }
)  # fmt: skip
_BLOCKS = _CONTAINERS | set(_HEADINGS) | _LISTS | _RAW_BLOCKS | {"blockquote", "pre", "hr", "li"}
_TABLE_STRUCTURE = frozenset({"table", "thead", "tbody", "tfoot", "tr", "dl"})
_STRONG = frozenset({"strong", "b"})
_EMPHASIS_TAGS = frozenset({"em", "i"})
_CODE = frozenset({"code", "kbd", "tt", "samp", "var"})
_KEPT_INLINE = {  # tags Markdown cannot write, kept as allowlisted inline HTML
    "u": "u", "ins": "ins", "sup": "sup", "sub": "sub", "mark": "mark", "small": "small",
    "abbr": "abbr", "cite": "cite", "q": "q", "s": "del", "del": "del", "strike": "del",
}  # fmt: skip


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _is_space(char: str) -> bool:
    return char == "" or char.isspace()


def escape_text(text: str) -> str:
    """Plain text as Markdown that reads back as the same text (line starts aside)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _LONE_UNDERSCORE.sub(r"\\_", text)
    return _ENTITY_LIKE.sub(r"\\&", text)


def _escape_line_start(match: re.Match[str]) -> str:
    found = match.group(0)
    if match.group("number"):  # `2024. Anno` is not a list: escape the dot, not the digits
        return found[:-1] + "\\" + found[-1]
    return "\\" + found


def _escape_line_starts(text: str, *, first: bool = True) -> str:
    lines = text.split("\n")
    return "\n".join(
        _LINE_START.sub(_escape_line_start, line) if first or index else line
        for index, line in enumerate(lines)
    )


def _link_destination(url: str) -> str:
    url = url.strip().replace(" ", "%20").replace("\\", "%5C")
    if "(" in url or ")" in url or "<" in url or ">" in url:
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def _link_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        return ""
    return ' "' + title.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _text_of(node: Node | str) -> str:
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return "\n"
    if node.tag in ("script", "style"):
        return ""
    return "".join(_text_of(child) for child in node.children)


def _indent(text: str, first: str, rest: str, blank: str = "") -> str:
    lines = text.split("\n")
    return "\n".join(
        (first if index == 0 else rest) + line if line else blank
        for index, line in enumerate(lines)
    )


class _Writer:
    def __init__(self, *, autop: bool, urls: UrlMap, sources: dict[str, str]) -> None:
        self.autop = autop
        self.urls = urls
        self.sources = sources
        self.emphases: list[tuple[str, str, bool]] = []  # (tag, inner Markdown, nested)
        self.active: list[str] = []  # emphasis and links being written, outermost first
        self.notes: list[Note] = []
        self.dropped: dict[str, None] = {}
        self.kept: dict[str, None] = {}
        self.flat = 0  # > 0 inside headings and captions: line breaks are spaces there
        self.nesting = 0  # lists and blockquotes open around what is being written

    # --- blocks -----------------------------------------------------------------------

    def blocks(self, node: Node) -> list[str]:
        out: list[str] = []
        buffer: list[str] = []

        def flush() -> None:
            out.extend(self._paragraphs("".join(buffer)))
            buffer.clear()

        for child in node.children:
            if isinstance(child, str):
                pieces = _BLANK_LINES.split(child) if self.autop else [child]
                for index, piece in enumerate(pieces):
                    if index:
                        flush()
                    buffer.append(self._text(piece))
            elif child.tag in _BLOCKS or child.tag in _EMBEDS or child.tag == "figure":
                flush()
                self._append_blocks(out, self.block(child))
            elif child.tag in _DROPPED:
                self.dropped.setdefault(child.tag)
            else:
                buffer.append(self.inline(child))
        flush()
        return out

    @staticmethod
    def _append_blocks(out: list[str], blocks: list[str]) -> None:
        for block in blocks:
            # Two lists of the same kind in a row would merge into one: keep them apart.
            this = _LIST_BLOCK.match(block)
            last = _LIST_BLOCK.match(out[-1]) if out else None
            if this and last and bool(this.group("bullet")) == bool(last.group("bullet")):
                out.append("<!-- -->")
            out.append(block)

    def block(self, node: Node) -> list[str]:
        tag = node.tag
        if tag in _CONTAINERS or tag == "li":
            return self.blocks(node)
        if tag in _HEADINGS:
            text = self._finish(self._flat_inline(node))
            text = " ".join(text.split())
            if text.endswith("#"):
                text = text[:-1] + "\\#"
            return [f"{'#' * _HEADINGS[tag]} {text}"] if text else []
        if tag in _LISTS or tag == "blockquote":
            if self.nesting >= MAX_NESTING:
                return self.blocks(node)
            self.nesting += 1
            try:
                if tag != "blockquote":
                    return self._list(node)
                inner = "\n\n".join(self.blocks(node))
                return [_indent(inner, "> ", "> ", ">")] if inner else []
            finally:
                self.nesting -= 1
        if tag == "pre":
            return self._pre(node)
        if tag == "hr":
            return ["---"]
        if tag in _RAW_BLOCKS:
            self.kept.setdefault(tag)
            raw = self._raw_html(node).strip()
            return [raw] if raw else []
        if tag in _EMBEDS:
            link = self._embed_link(node)
            return [link] if link else []
        if tag == "figure":
            return self._figure(node)
        return self.blocks(node)

    def _list(self, node: Node) -> list[str]:
        ordered = node.tag == "ol"
        try:
            number = int(node.attrs.get("start", "1")) if ordered else 1
        except ValueError:
            number = 1
        items: list[tuple[str, bool]] = []
        for child in node.children:
            if isinstance(child, str):
                stray = self._finish(self._text(child)) if child.strip() else ""
                if stray and items:  # stray text between items: part of the last one
                    text, loose = items[-1]
                    items[-1] = (text + " " + stray, loose)
                elif stray:  # text before any item: an item of its own, never lost
                    items.append((stray, False))
                continue
            blocks = self.blocks(child) if child.tag == "li" else self.block(child)
            if not blocks:
                continue
            if child.tag != "li" and child.tag in _LISTS and items:
                text, loose = items[-1]  # `<ul><li>a</li><ul>…</ul></ul>`: a nested list
                items[-1] = (text + "\n" + "\n\n".join(blocks), loose)
                continue
            text, loose = blocks[0], False
            for block in blocks[1:]:
                nested = _LIST_BLOCK.match(block) is not None
                loose = loose or not nested
                text += ("\n" if nested else "\n\n") + block
            items.append((text, loose))
        if not items:
            return []
        rendered = []
        separator = "\n\n" if any(loose for _, loose in items) else "\n"
        for index, (text, _) in enumerate(items):
            marker = f"{number + index}." if ordered else "-"
            rendered.append(_indent(text, marker + " ", " " * (len(marker) + 1)))
        return [separator.join(rendered)]

    def _pre(self, node: Node) -> list[str]:
        code = _text_of(node)
        code = code[1:] if code.startswith("\n") else code
        code = code.rstrip("\n")
        if not code.strip():
            return []
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        fence = "`" * max(3, longest + 1)
        language = ""
        inner = next((c for c in node.children if isinstance(c, Node) and c.tag == "code"), None)
        if inner is not None:
            found = re.search(r"(?:language|lang)-([\w+-]+)", inner.attrs.get("class", ""))
            language = found.group(1) if found else ""
        return [f"{fence}{language}\n{code}\n{fence}"]

    def _figure(self, node: Node) -> list[str]:
        """Gutenberg's `<figure><img><figcaption>` is WordPress's `[caption]` shortcode."""
        caption = next(
            (c for c in node.children if isinstance(c, Node) and c.tag == "figcaption"), None
        )
        picture = next(
            (
                c
                for c in node.children
                if isinstance(c, Node) and (c.tag == "img" or (c.tag == "a" and _has_img(c)))
            ),
            None,
        )
        if caption is None or picture is None:
            return self.blocks(node)
        image = self._finish(self.inline(picture))
        text = self._finish(self._flat_inline(caption))
        if not image:
            return self.blocks(caption)
        # Both halves are finished Markdown: nothing escapes the brackets added around them.
        return [f"[caption]{image} {text}".rstrip() + "[/caption]"]

    def _embed_link(self, node: Node) -> str:
        source = node.attrs.get("src") or node.attrs.get("data", "")
        if not source:
            source_child = next(
                (c for c in node.children if isinstance(c, Node) and c.tag == "source"), None
            )
            source = source_child.attrs.get("src", "") if source_child else ""
        if not source or not is_allowed_url(source) or source.startswith("mailto:"):
            self.dropped.setdefault(node.tag)
            return ""
        if source.startswith("//"):
            source = "https:" + source
        url = self.urls.link(source)
        self.notes.append(Note("embed_as_link", url))
        label = node.attrs.get("title") or _host_of(url) or url
        return f"[{escape_text(' '.join(label.split()))}]({_link_destination(url)})"

    # --- inline -----------------------------------------------------------------------

    def _flat_inline(self, node: Node) -> str:
        self.flat += 1
        try:
            return self._inline_children(node).replace(_BR, " ").replace(_NL, " ")
        finally:
            self.flat -= 1

    def _text(self, text: str) -> str:
        """A text node: whitespace as HTML (or wpautop) reads it, Markdown-escaped."""
        if self.autop and not self.flat:
            lines = [escape_text(_SPACES.sub(" ", line)) for line in text.split("\n")]
            return _NL.join(lines)
        return escape_text(_ALL_SPACE.sub(" ", text))

    def _inline_children(self, node: Node) -> str:
        parts: list[str] = []
        for child in node.children:
            if isinstance(child, str):
                blank_lines = self.autop and not self.flat
                text = _BLANK_LINES.sub(_BR + _BR, child) if blank_lines else child
                parts.append(self._text(text))
            else:
                parts.append(self.inline(child))
        return "".join(parts)

    def inline(self, node: Node) -> str:
        tag = node.tag
        if tag == "br":
            return " " if self.flat else _BR
        if tag == "img":
            return self._image(node)
        if tag == "a":
            return self._link(node)
        if tag in _STRONG or tag in _EMPHASIS_TAGS:
            return self._emphasis("strong" if tag in _STRONG else "em", node)
        if tag in _CODE:
            return self._code_span(_text_of(node))
        if tag in _KEPT_INLINE:
            inner = self._inline_children(node)
            if not inner.strip():
                return inner
            name = _KEPT_INLINE[tag]
            title = node.attrs.get("title", "") if name == "abbr" else ""
            attrs = f' title="{html.escape(title)}"' if title else ""
            return f"<{name}{attrs}>{inner}</{name}>"
        if tag in _DROPPED:
            self.dropped.setdefault(tag)
            return ""
        if tag in _EMBEDS:
            link = self._embed_link(node)
            return f"{_BR}{_BR}{link}{_BR}{_BR}" if link else ""
        if tag in _BLOCKS or tag == "figure":
            # A block inside an inline element (`<a><div>…</div></a>`): its text, set apart.
            return f"{_BR}{_BR}{self._inline_children(node)}{_BR}{_BR}"
        return self._inline_children(node)  # span, font, label, time…: their content

    def _single_breaks(self, node: Node) -> str:
        """The node's inline Markdown with no paragraph break inside: emphasis and links
        cannot span paragraphs, so `<br><br>` and blank lines in them are one line break."""
        return _BREAK_RUN.sub(
            lambda m: _NL if m.group(0).strip(" \t") else m.group(0), self._inline_children(node)
        )

    def _emphasis(self, tag: str, node: Node) -> str:
        if tag in self.active:  # bold inside bold is bold: one pair of markers
            return self._inline_children(node)
        nested = bool(self.active)
        self.active.append(tag)
        try:
            inner = self._single_breaks(node)
        finally:
            self.active.pop()
        lead = re.match(f"^[\\s\u00a0{_BR}{_NL}]*", inner)
        trail = re.search(f"[\\s\u00a0{_BR}{_NL}]*$", inner)
        start = lead.end() if lead else 0
        end = trail.start() if trail else len(inner)
        if start >= end:
            return inner
        self.emphases.append((tag, inner[start:end], nested))
        index = len(self.emphases) - 1
        return f"{inner[:start]}{_EMPH_OPEN}{index}{_EMPH_CLOSE}{inner[end:]}"

    def _code_span(self, text: str) -> str:
        """Code is literal: the longest run of backticks inside decides the fence; spaces
        at its edges go outside, where CommonMark will not strip them."""
        text = _ALL_SPACE.sub(" ", text)
        code = text.strip(" ")
        if not code:
            return text
        lead = " " if text.startswith(" ") else ""
        trail = " " if text.endswith(" ") else ""
        longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
        ticks = "`" * (longest + 1)
        pad = " " if code.startswith("`") or code.endswith("`") else ""
        return f"{lead}{_CODE_EDGE}{ticks}{pad}{code}{pad}{ticks}{_CODE_EDGE}{trail}"

    def _link(self, node: Node) -> str:
        if "a" in self.active:  # Markdown links cannot nest: the inner one is its text
            return self._inline_children(node)
        self.active.append("a")
        try:
            inner = self._single_breaks(node)
        finally:
            self.active.pop()
        href = node.attrs.get("href", "").strip()
        if not href or (href.startswith("#") and not inner.strip()):
            return inner
        if not is_allowed_url(href):
            self.notes.append(Note("link_removed", href[:120]))
            return inner
        if not _EDGE.sub("", inner):
            return inner
        lead = re.match(f"^[\\s\u00a0{_BR}{_NL}]*", inner)
        trail = re.search(f"[\\s\u00a0{_BR}{_NL}]*$", inner)
        start = lead.end() if lead else 0
        end = trail.start() if trail else len(inner)
        text = inner[start:end]
        target = _link_destination(self.urls.link(href))
        title = _link_title(node.attrs.get("title", ""))
        return f"{inner[:start]}{_LINK}[{text}]({target}{title}){inner[end:]}"

    def _image(self, node: Node) -> str:
        source = node.attrs.get("src", "").strip()
        for lazy in ("data-src", "data-lazy-src", "data-orig-file"):
            if (not source or source.startswith("data:")) and node.attrs.get(lazy):
                source = node.attrs[lazy].strip()
        if not source or source.startswith("data:") or not is_allowed_url(source):
            self.notes.append(Note("image_removed", source[:60] or "<img>"))
            return ""
        if source.startswith("//"):
            source = "https:" + source
        alt = " ".join(node.attrs.get("alt", "").split())
        if not alt:
            found = _WP_IMAGE_ID.search(node.attrs.get("class", ""))
            alt = self.urls.alt_text(int(found.group(1))) if found else ""
        target = _link_destination(self.urls.image(source))
        title = _link_title(node.attrs.get("title", ""))
        return f"![{escape_text(alt)}]({target}{title})"

    # --- finishing a paragraph ---------------------------------------------------------

    def _restore(self, text: str) -> str:
        if "wpsc" not in text:
            return text
        return _PLACEHOLDER.sub(lambda m: self.sources.get(m.group(0), m.group(0)), text)

    def _paragraphs(self, text: str) -> list[str]:
        """One run of inline Markdown → paragraphs: two `<br>`s in a row end a paragraph."""
        paragraphs: list[str] = []
        current = 0
        for run in _BREAK_RUN.finditer(text):
            if run.group(0).count(_BR) >= 2:
                paragraphs.append(text[current : run.start()])
                current = run.end()
        paragraphs.append(text[current:])
        finished = (self._finish(paragraph) for paragraph in paragraphs)
        return [paragraph for paragraph in finished if paragraph]

    def _finish(self, text: str) -> str:
        text = _EDGE.sub("", text)
        if not text:
            return ""
        plain = re.sub(r"\\(.)", r"\1", text)
        if _BARE_URL.match(plain) and "wpsc" not in text:
            return f"<{plain}>"  # a URL alone on its line: WordPress embedded it; a link here
        text = _escape_line_starts(_inline_spaces(_BREAK_RUN.sub("\\\\\n", text)))
        text = _unmark_links(text)
        text = self._resolve_emphases(text)
        return self._restore(text).strip()

    def _resolve_emphases(self, text: str) -> str:
        while _EMPHASIS.search(text):
            text = _EMPHASIS.sub(functools.partial(self._resolve, text=text), text)
        return text

    def _resolve(self, match: re.Match[str], text: str) -> str:
        """`**x**` when CommonMark will read it as emphasis there, else `<strong>x</strong>`."""
        tag, inner, nested = self.emphases[int(match.group(1))]
        inner = _BREAK_RUN.sub("\\\\\n", inner)
        inner = _unmark_links(_escape_line_starts(_inline_spaces(inner), first=False))
        head, tail = text[: match.start()], text[match.end() :]
        # The characters CommonMark will see: a kept shortcode is `[…]` once restored.
        before = "]" if _PLACEHOLDER_END.search(head[-40:]) else head[-1:]
        after = "[" if _PLACEHOLDER.match(tail) else tail[:1]
        first = "[" if _PLACEHOLDER.match(inner) else inner[0]
        last = "]" if _PLACEHOLDER_END.search(inner[-40:]) else inner[-1]
        before, after, first, last = (
            _AS_WRITTEN.get(char, char) for char in (before, after, first, last)
        )
        starred = {before, after, first, last} & {"*", _EMPH_OPEN, _EMPH_CLOSE}
        opens = not first.isspace() and (
            not _is_punctuation(first) or _is_space(before) or _is_punctuation(before)
        )
        closes = not last.isspace() and (
            not _is_punctuation(last) or _is_space(after) or _is_punctuation(after)
        )
        # Inside other emphasis, markers glued to letters can pair with the outer ones.
        glued = nested and (before.isalnum() or after.isalnum())
        if opens and closes and not starred and not glued:
            marker = "**" if tag == "strong" else "*"
            return f"{marker}{inner}{marker}"
        return f"<{tag}>{inner}</{tag}>"

    # --- raw HTML, for what Markdown cannot write ------------------------------------------

    def _raw_html(self, node: Node | str) -> str:
        """Allowlisted HTML on one line (an HTML block ends at a blank line)."""
        if isinstance(node, str):
            return html.escape(_ALL_SPACE.sub(" ", node), quote=False)
        if node.tag in _DROPPED:
            self.dropped.setdefault(node.tag)
            return ""
        children = node.children
        if node.tag in _TABLE_STRUCTURE:  # the line ends between rows are not content
            children = [c for c in children if not isinstance(c, str) or c.strip()]
        inner = "".join(self._raw_html(child) for child in children)
        tag = {"b": "strong", "i": "em", "strike": "del"}.get(node.tag, node.tag)
        if tag not in ALLOWED_TAGS:
            return inner
        attrs = []
        for name in sorted(ALLOWED_ATTRIBUTES.get(tag, ())):
            value = node.attrs.get(name)
            if value is None:
                continue
            if name in ("href", "src"):
                if not is_allowed_url(value) or value.startswith("data:"):
                    self.notes.append(Note("link_removed", value[:120]))
                    continue
                value = self.urls.image(value) if name == "src" else self.urls.link(value)
            attrs.append(f' {name}="{html.escape(value)}"')
        if tag == "img" and "alt" not in node.attrs:
            attrs.append(' alt=""')
        opening = f"<{tag}{''.join(attrs)}>"
        return opening if tag in ("br", "img", "hr") else f"{opening}{inner}</{tag}>"

    # --- the whole body ---------------------------------------------------------------

    def finish_body(self, body: str) -> str:
        """Put back the shortcodes left in code, tables and embeds."""
        return self._restore(self._resolve_emphases(_unmark_links(body)))

    def notes_found(self) -> tuple[Note, ...]:
        notes = list(self.notes)
        if self.dropped:
            notes.append(Note("html_dropped", ", ".join(f"<{t}>" for t in self.dropped)))
        if self.kept:
            notes.append(Note("html_kept", ", ".join(f"<{t}>" for t in self.kept)))
        return tuple(dict.fromkeys(notes))


# What a marker will be once written, for CommonMark's flanking rules.
_AS_WRITTEN = {_EMPH_OPEN: "*", _EMPH_CLOSE: "*", _LINK: "[", _CODE_EDGE: "`", _BR: " ", _NL: " "}


def _unmark_links(text: str) -> str:
    """Resolve the link and code-span markers; an empty HTML comment (which the sanitiser
    removes) keeps two code spans in a row from reading as one."""
    text = text.replace("!" + _LINK, "\\!").replace(_LINK, "")
    return text.replace(_CODE_EDGE * 2, "<!-- -->").replace(_CODE_EDGE, "")


def _host_of(url: str) -> str:
    return urlsplit(url).netloc.lower().removeprefix("www.")


def _inline_spaces(text: str) -> str:
    """Runs of spaces as one (HTML collapses them); a line's leading spaces go."""
    return re.sub(r"(?<=\S) {2,}", " ", re.sub(r"(?m)^ +", "", text))


def _has_img(node: Node) -> bool:
    return any(isinstance(c, Node) and (c.tag == "img" or _has_img(c)) for c in node.children)


def clean_text(text: str) -> str:
    """Text without the control characters rotativa refuses (tab and line end stay)."""
    return _PRIVATE.sub("", _CONTROL.sub("", text))


def is_block_editor_content(text: str) -> bool:
    """Gutenberg content marks its blocks with comments; it is not passed through wpautop."""
    return "<!-- wp:" in text


def html_to_markdown(
    text: str, *, urls: UrlMap | None = None, autop: bool | None = None
) -> Converted:
    """A post's `content:encoded` as a rotativa Markdown body, and what could not be kept.

    `autop` says whether line ends mean what WordPress's wpautop makes of them (classic
    posts); by default it is decided from the content (block-editor posts are HTML).
    """
    text = clean_text(text.replace("\r\n", "\n").replace("\r", "\n"))
    if autop is None:
        autop = not is_block_editor_content(text)
    protected, sources = protect_shortcodes(_collapse_caption_lines(text))
    writer = _Writer(autop=autop, urls=urls or KeepUrls(), sources=sources)
    blocks = writer.blocks(parse_html(protected))
    body = _PRIVATE.sub("", writer.finish_body("\n\n".join(blocks)))
    return Converted(body + "\n" if body else "", writer.notes_found())


def html_to_text(text: str) -> str:
    """Plain text of an HTML fragment (titles, excerpts, captions, term names)."""
    if "<" not in text and "&" not in text:
        return " ".join(clean_text(text).split())
    return " ".join(clean_text(_text_of(parse_html(text))).split())
