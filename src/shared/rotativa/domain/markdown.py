"""An article body (CommonMark + shortcodes) → a sanitised HTML fragment. Pure.

Order matters: shortcodes are cut out first and replaced by inert placeholders (outside
code, where they are literal text), Markdown is rendered with raw HTML allowed, nh3 cleans
the result with an allowlist, and only then are our own shortcode renderings put back: they
are the only markup that skips the sanitiser, and they escape what they carry.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rotativa.domain.problems import Problem, error, warning
from rotativa.domain.shortcodes import (
    DEFAULT_REGISTRY,
    ShortcodeCall,
    ShortcodeError,
    ShortcodeRegistry,
    find_shortcodes,
    find_stray_closings,
    find_unknown_names,
)

if TYPE_CHECKING:
    # markdown-it and nh3 are imported when a body is first parsed or cleaned: the
    # IndexFunction needs this module's `is_allowed_url` (article models), never a parser.
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

SUMMARY_LENGTH = 300
ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
ALLOWED_TAGS = frozenset(
    {
        "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li",
        "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup", "code", "pre", "a",
        "img", "figure", "figcaption", "table", "thead", "tbody", "tfoot", "tr", "th", "td",
        "caption", "span", "abbr", "cite", "q", "mark", "small", "dl", "dt", "dd",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "abbr": {"title"},
    "ol": {"start"},
    "code": {"class"},
}
_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>/])", re.IGNORECASE)
_RAW_TAG = re.compile(r"<([A-Za-z][\w-]*)")
_EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_WHITESPACE = re.compile(r"\s+")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*</p>")
_UNSAFE_URL = re.compile(
    r"""\b(?:href|src)\s*=\s*["']?\s*((?:javascript|vbscript|data|file)\s*:[^"'\s>]*)""",
    re.IGNORECASE,
)
_IMG_WITHOUT_ALT = re.compile(r"""<img\b(?![^>]*\balt\s*=\s*(?:"[^"]+"|'[^']+'|[^\s"'>]+))""", re.I)

_rejected_links: ContextVar[list[str] | None] = ContextVar("_rejected_links", default=None)


def is_allowed_url(url: str) -> bool:
    """http(s), mailto or relative: nothing that runs code or embeds data."""
    cleaned = "".join(ch for ch in url if ch.isprintable() and not ch.isspace())
    scheme = urlsplit(cleaned).scheme.lower() if ":" in cleaned.split("/", 1)[0] else ""
    return scheme == "" or scheme in ALLOWED_SCHEMES


def _validate_link(url: str) -> bool:
    allowed = is_allowed_url(url)
    rejected = _rejected_links.get()
    if not allowed and rejected is not None:
        rejected.append(url)
    return allowed


@cache
def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    return md


@dataclass(frozen=True)
class RenderedBody:
    html: str
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def render_body(body: str, registry: ShortcodeRegistry = DEFAULT_REGISTRY) -> RenderedBody:
    """The article body as an HTML fragment, with problems located by body line (1-based)."""
    problems: list[Problem] = []
    html = _render(body, registry, problems, block=True, base_offset=0, source=body)
    return RenderedBody(outline_headings(html), tuple(problems))


_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")


def outline_headings(html: str, top: int = 2) -> str:
    """Renumber the levels a fragment uses from `top`, in order and without gaps.

    Editors write `##` for their first subheading and `#` sometimes; either way the page's
    only h1 is the headline, and the body's outline starts right under it (h3 + h5 →
    h2 + h3). The fragment is nh3's output, whose heading tags carry no attributes, so the
    rewrite is exact.
    """
    levels = sorted({int(level) for _, level in _HEADING_TAG.findall(html)})
    mapping = {level: min(top + index, 6) for index, level in enumerate(levels)}
    if all(old == new for old, new in mapping.items()):
        return html
    return _HEADING_TAG.sub(lambda m: f"<{m.group(1)}h{mapping[int(m.group(2))]}>", html)


def _line(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _code_mask(text: str, tokens: Sequence[Token]) -> str:
    """`text` with code blocks and code spans blanked, keeping offsets and newlines."""
    lines = text.split("\n")
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            for index in range(token.map[0], min(token.map[1], len(lines))):
                lines[index] = " " * len(lines[index])
    masked = "\n".join(lines)
    return _INLINE_CODE.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)


def _render(
    text: str,
    registry: ShortcodeRegistry,
    problems: list[Problem],
    *,
    block: bool,
    base_offset: int,
    source: str,
    depth: int = 0,
) -> str:
    env: dict[str, Any] = {}
    rejected: list[str] = []
    tokens: list[Token] = []
    if block:
        reset = _rejected_links.set(rejected)
        try:
            tokens = _markdown().parse(text, env)
        finally:
            _rejected_links.reset(reset)
    masked = _code_mask(text, tokens)
    calls = find_shortcodes(masked, registry.pattern()) if depth < 5 else []
    token = "rtvsc" + hashlib.sha256(text.encode()).hexdigest()[:10]
    replacements: dict[str, tuple[str, bool]] = {}
    pieces: list[str] = []
    last = 0
    for index, call in enumerate(calls):
        placeholder = f"{token}n{index}x"
        original = _from_source(text, call)
        line = _line(source, base_offset + call.start)
        replacements[placeholder] = _render_call(
            original, registry, problems, line, base_offset, source, depth
        )
        pieces.append(text[last : call.start])
        pieces.append(placeholder)
        last = call.end
    pieces.append(text[last:])
    blanked = _blank_calls(masked, calls)
    references = tuple(env.get("references", {}))
    for name, offset in find_unknown_names(blanked, registry.names, references):
        problems.append(
            warning(
                "shortcode_unknown",
                field="body",
                line=_line(source, base_offset + offset),
                name=name,
                accepted=", ".join(f"[{n}]" for n in registry.names),
            )
        )
    for name, offset in find_stray_closings(blanked, registry.names):
        problems.append(
            warning(
                "shortcode_stray_close",
                field="body",
                line=_line(source, base_offset + offset),
                name=name,
            )
        )
    prepared = "".join(pieces)
    rendered = _markdown_to_html(
        prepared,
        problems,
        block=block,
        base_offset=base_offset,
        source=source,
        # Without shortcodes the text to render is the one parsed above: reuse its tokens.
        parsed=(tokens, env, rejected) if block and not calls else None,
    )
    for placeholder, (html, is_block) in replacements.items():
        if is_block and block:
            rendered = rendered.replace(f"<p>{placeholder}</p>", html)
            rendered = _EMPTY_PARAGRAPH.sub("", rendered.replace(placeholder, f"</p>{html}<p>"))
        else:
            rendered = rendered.replace(placeholder, html)
    return rendered


def _from_source(text: str, call: ShortcodeCall) -> ShortcodeCall:
    """The call as matched on the masked text, with its content taken from the real text."""
    source = text[call.start : call.end]
    if call.content is None:
        return replace(call, source=source)
    content_start = call.start + source.index("]") + 1
    content = text[content_start : content_start + len(call.content)]
    return replace(call, source=source, content=content)


def _blank_calls(masked: str, calls: Sequence[ShortcodeCall]) -> str:
    chars = list(masked)
    for call in calls:
        for i in range(call.start, call.end):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _render_call(
    call: ShortcodeCall,
    registry: ShortcodeRegistry,
    problems: list[Problem],
    line: int,
    base_offset: int,
    source: str,
    depth: int,
) -> tuple[str, bool]:
    definition = registry.definitions[call.name]
    if call.escaped:
        return _escape(call.source[1:-1]), False
    lead, trail = _escape(call.lead), _escape(call.trail)
    if call.content is None and not definition.block:
        problems.append(warning("shortcode_unclosed", field="body", line=line, name=call.name))
    content_offset = base_offset + call.start + call.source.index("]") + 1
    content_html = _render(
        call.content or "",
        registry,
        problems,
        block=False,
        base_offset=content_offset,
        source=source,
        depth=depth + 1,
    )
    try:
        return lead + definition.render(call, content_html) + trail, definition.block
    except ShortcodeError as exc:
        problems.append(error(exc.code, field="body", line=line, **exc.params))
        return _escape(call.source), False


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _shift_headings(tokens: Sequence[Token]) -> None:
    """Body headings start at h2: the page's only h1 is the headline."""
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        elif token.type in ("html_block", "html_inline"):
            token.content = _HEADING.sub(
                lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 6)}", token.content
            )
        if token.children:
            _shift_headings(token.children)


def _walk(tokens: Sequence[Token]) -> Iterator[tuple[Token, Token | None]]:
    """Every token with the block token that holds it (for its line numbers)."""
    for token in tokens:
        yield token, None
        for child in token.children or ():
            yield child, token


def _markdown_to_html(
    text: str,
    problems: list[Problem],
    *,
    block: bool,
    base_offset: int,
    source: str,
    parsed: tuple[list[Token], dict[str, Any], list[str]] | None = None,
) -> str:
    if parsed is None:
        rejected: list[str] = []
        env: dict[str, Any] = {}
        reset = _rejected_links.set(rejected)
        try:
            md = _markdown()
            tokens = md.parse(text, env) if block else md.parseInline(text, env)
        finally:
            _rejected_links.reset(reset)
    else:
        tokens, env, rejected = parsed
    _shift_headings(tokens)
    first_line = _line(source, base_offset)
    for token, parent in _walk(tokens):
        holder = parent or token
        line = first_line + holder.map[0] if holder.map else first_line
        if token.type in ("html_block", "html_inline"):
            _report_raw_html(token.content, line, problems)
        if token.type == "image" and not token.content.strip():
            problems.append(warning("body_image_alt_missing", field="body", line=line))
    md = _markdown()
    html = md.renderer.render(tokens, md.options, env)
    for url in dict.fromkeys(rejected):
        found = source.find(url)
        problems.append(
            warning(
                "link_removed",
                field="body",
                line=_line(source, found) if found >= 0 else None,
                value=url[:80],
            )
        )
    return sanitize(html)


def _report_raw_html(raw: str, line: int, problems: list[Problem]) -> None:
    """Tell the editor which raw HTML the sanitiser is about to drop."""
    removed = sorted({m.group(1).lower() for m in _RAW_TAG.finditer(raw)} - ALLOWED_TAGS)
    names = [f"<{name}>" for name in removed]
    if _EVENT_HANDLER.search(raw):
        names.append("on…=")
    if names:
        problems.append(warning("html_removed", field="body", line=line, value=", ".join(names)))
    for match in _UNSAFE_URL.finditer(raw):
        problems.append(warning("link_removed", field="body", line=line, value=match.group(1)[:80]))
    if _IMG_WITHOUT_ALT.search(raw):
        problems.append(warning("body_image_alt_missing", field="body", line=line))


def sanitize(html: str) -> str:
    import nh3

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )


def summary_from_body(body: str, registry: ShortcodeRegistry = DEFAULT_REGISTRY) -> str:
    """The first paragraph as plain text, shortened at a word to about 300 characters."""
    md = _markdown()
    tokens = md.parse(body[:20_000])
    for index, token in enumerate(tokens[:-1]):
        if token.type == "paragraph_open":
            # The inline token's content is the paragraph without `>` or list markers.
            inline = md.parseInline(registry.strip(tokens[index + 1].content))
            plain = _plain_text(inline[0].children or []) if inline else ""
            if plain:
                return shorten(plain, SUMMARY_LENGTH)
    return ""


def _plain_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return _WHITESPACE.sub(" ", "".join(parts)).strip()


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:–-")
    return cut + "…"
