"""An article body (CommonMark + shortcodes) → a sanitised HTML fragment. Pure.

Order matters: shortcodes are cut out first and replaced by inert placeholders (outside
code, where they are literal text), Markdown is rendered with raw HTML allowed, nh3 cleans
the result with an allowlist, and only then are our own shortcode renderings put back: they
are the only markup that skips the sanitiser, and they escape what they carry.
"""

from __future__ import annotations

import bisect
import hashlib
import html as html_escaping
import re
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from rotativa.domain.problems import Problem, error, warning
from rotativa.domain.shortcodes import (
    DEFAULT_REGISTRY,
    MAX_NESTING,
    ShortcodeCall,
    ShortcodeError,
    ShortcodeRegistry,
    find_shortcodes,
    find_stray_closings,
    find_unknown_names,
    parse_attributes,
)

if TYPE_CHECKING:
    # markdown-it and nh3 are imported when a body is first parsed or cleaned: the
    # IndexFunction needs this module's `is_allowed_url` (article models), never a parser.
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

SUMMARY_LENGTH = 300
# What `render_body` makes of a body, as a version: the articles table keeps each body's HTML
# as validation rendered it (`StoredArticle.body_html`), and a page or a rebuild uses it only
# when it was made by this version. Bump it with any change to what render_body gives (the
# parser, the shortcodes, the sanitiser, markdown-it's or nh3's pin):
# tests/unit/test_markdown.py holds a digest of the samples' bodies rendered, and fails until
# both are changed together.
BODY_FORMAT = "1"
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
# Every pattern here is linear whatever the text: possessive quantifiers (`*+`) where a
# failed match could otherwise retry each split of a run of spaces or letters, and nothing
# that scans from each of many starts to one distant end (tests/unit/test_linear_parsing.py).
_HEADING = re.compile(r"<(/?)h([1-6])(?=[\s>/])", re.IGNORECASE)
_RAW_TAG = re.compile(r"<([A-Za-z][\w-]*+)")
_EVENT_HANDLER = re.compile(r"\son[a-z]++\s*+=", re.IGNORECASE)
_BACKTICKS = re.compile(r"`+")
_WHITESPACE = re.compile(r"\s+")
_EMPTY_PARAGRAPH = re.compile(r"<p>\s*+</p>")
_UNSAFE_URL = re.compile(
    r"""\b(?:href|src)\s*+=\s*+["']?+\s*+((?:javascript|vbscript|data|file)\s*+:[^"'\s>]*+)""",
    re.IGNORECASE,
)
_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)
_ALT_ATTRIBUTE = re.compile(r"""\balt\s*+=\s*+(?:"[^"]++"|'[^']++'|[^\s"'>]++)""", re.IGNORECASE)
_INLINE_SPECIAL = re.compile(r"[\\`*_\[\]!<>&~\n]")
# A raw HTML open tag as CommonMark reads one (name, attributes with optional quoted or
# unquoted values), possessive throughout: a shortcode inside it is attribute text.
_RAW_OPEN_TAG = re.compile(
    r"""<[A-Za-z][A-Za-z0-9-]*+"""
    r"""(?:\s++[A-Za-z_:][\w.:-]*+(?:\s*+=\s*+(?:[^\s"'=<>`]++|'[^']*+'|"[^"]*+"))?+)*+"""
    r"""\s*+/?>"""
)
LOCATED_LINKS_MAX = 100  # rejected links searched for in the source; later ones share a line

# What one body may cost markdown-it and nh3 before it is refused unparsed. markdown-it-py
# is pure Python and linear, but each line and each character that can start an inline
# rule (its "terminator" characters: `[`, `*`, `\\`, `<`, `-`, …) costs it from 2 µs (a
# backslash) to 30 µs (a `[` it must look for the end of, a list item): a 200 KB body of
# nothing else took 2 to 4 s. The samples, scaled to 200 KB, cost 3,100 to 7,200 units;
# at MARKUP_BUDGET the slowest shape parsed takes about 0.3 s here (docs/benchmarks.md,
# section 6), and a body past it is refused unparsed, with the line where it ran out.
MARKUP_BUDGET = 20_000
# `<` counts 3: nh3's HTML parser (html5ever) checks scopes along the stack of open
# elements, so `<div>` nested n deep costs it n² (19,200 deep: 1 s); 8,000 deep is 0.15 s.
_MARKUP_WEIGHTS = {"\n": 3, "[": 3, "<": 3, "|": 2} | dict.fromkeys("!#$%&*+-:=>@\\]^_`{}~", 1)

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


class _Source:
    """The body whose lines problems are reported on: newline offsets found once, so each
    problem's line is a bisection, not a count from the start (a body of 50,000 problems
    costs 50,000 × log n, not 50,000 × n)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._newlines: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self._newlines, offset) + 1


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
    source = _Source(body)
    over = markup_over_budget(body)
    if over is not None:
        problem = error("body_too_complex", field="body", line=source.line(over))
        return RenderedBody("", (problem,))
    problems: list[Problem] = []
    html = _render(body, registry, problems, block=True, base_offset=0, source=source)
    return RenderedBody(outline_headings(html), tuple(problems))


def markup_cost(text: str) -> int:
    return sum(text.count(char) * weight for char, weight in _MARKUP_WEIGHTS.items())


def markup_over_budget(text: str, budget: int = MARKUP_BUDGET) -> int | None:
    """The offset where `text` exhausts the markup budget, or None when it does not.

    Counted with `str.count` (C speed, one pass per character counted); the offset is
    found by bisection over prefixes only when the budget is exceeded.
    """
    if markup_cost(text) <= budget:
        return None
    low, high = 0, len(text)
    while low < high:
        middle = (low + high) // 2
        if markup_cost(text[:middle]) > budget:
            high = middle
        else:
            low = middle + 1
    return max(0, low - 1)


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


@cache
def _block_parser() -> MarkdownIt:
    """The block phase alone: where code blocks are and which references are defined.

    What `_render` needs before it cuts shortcodes out; the inline phase (the costly one
    on bracket-heavy text) then runs once, on the text with placeholders.
    """
    return _markdown()


def _block_tokens(text: str, env: dict[str, Any]) -> list[Token]:
    md = _block_parser()
    tokens: list[Token] = []
    md.block.parse(text, md, env, tokens)
    return tokens


def _code_mask(text: str, tokens: Sequence[Token]) -> str:
    """`text` with code blocks and code spans blanked, keeping offsets and newlines."""
    lines = text.split("\n")
    for token in tokens:
        if token.type in ("fence", "code_block") and token.map:
            for index in range(token.map[0], min(token.map[1], len(lines))):
                lines[index] = " " * len(lines[index])
    masked = "\n".join(lines)
    spans = _code_spans(masked)
    if not spans:
        return masked
    pieces, last = [], 0
    for start, end in spans:
        pieces.append(masked[last:start])
        pieces.append(re.sub(r"[^\n]", " ", masked[start:end]))
        last = end
    pieces.append(masked[last:])
    return "".join(pieces)


def _mask_raw_tags(masked: str) -> str:
    """Raw HTML tags blanked: `<a title="[textmarker]…[/textmarker]">` is an attribute,
    never a shortcode to expand (nor to report on)."""
    if "<" not in masked:
        return masked
    return _RAW_OPEN_TAG.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), masked)


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Code spans as CommonMark pairs them: a run of k backticks up to the next run of
    exactly k. Each run's partner is found by one backward pass, so unmatched runs
    (`` ` `` `` ` `` …) are not each a scan to the end of the text."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    partner = [-1] * len(runs)
    following: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        size = runs[index][1] - runs[index][0]
        partner[index] = following.get(size, -1)
        following[size] = index
    spans = []
    index = 0
    while index < len(runs):
        closing = partner[index]
        if closing < 0:
            index += 1
            continue
        spans.append((runs[index][0], runs[closing][1]))
        index = closing + 1
    return spans


def _render(
    text: str,
    registry: ShortcodeRegistry,
    problems: list[Problem],
    *,
    block: bool,
    base_offset: int,
    source: _Source,
    depth: int = 0,
) -> str:
    if not block and _INLINE_SPECIAL.search(text) is None:
        # Plain words (most shortcode contents: `SESTO SAN GIOVANNI –`): what markdown-it
        # and nh3 would make of them, without a parse and a sanitiser run per call.
        return _escape(text)
    env: dict[str, Any] = {}
    tokens: list[Token] = []
    parsed: _Parsed | None = None
    if block and not any(name in text for name in registry.names):
        # No known shortcode can be in it: one full parse serves the masks, the unknown
        # shortcodes' warnings and the rendering.
        parsed = _parse(text, env, block=True)
        tokens = parsed[0]
    elif block:
        tokens = _block_tokens(text, env)
    masked = _mask_raw_tags(_code_mask(text, tokens))
    calls = find_shortcodes(masked, registry.names) if depth < MAX_NESTING else []
    token = "rtvsc" + hashlib.sha256(text.encode()).hexdigest()[:10]
    replacements: list[tuple[str, bool, str]] = []
    pieces: list[str] = []
    last = 0
    for index, call in enumerate(calls):
        original = _from_source(text, call)
        line = source.line(base_offset + call.start)
        html, is_block = _render_call(
            original, registry, problems, line, base_offset, source, depth
        )
        replacements.append((html, is_block, original.source))
        pieces.append(text[last : call.start])
        pieces.append(f"{token}n{index}x")
        last = call.end
    pieces.append(text[last:])
    blanked = _blank_calls(masked, calls)
    references = tuple(env.get("references", {}))
    for name, offset in find_unknown_names(blanked, registry.names, references):
        problems.append(
            warning(
                "shortcode_unknown",
                field="body",
                line=source.line(base_offset + offset),
                name=name,
                accepted=", ".join(f"[{n}]" for n in registry.names),
            )
        )
    for name, offset in find_stray_closings(blanked, registry.names):
        problems.append(
            warning(
                "shortcode_stray_close",
                field="body",
                line=source.line(base_offset + offset),
                name=name,
            )
        )
    prepared = "".join(pieces)
    rendered = _markdown_to_html(
        prepared, problems, block=block, base_offset=base_offset, source=source, parsed=parsed
    )
    return _put_back(rendered, token, replacements, block=block) if replacements else rendered


def _put_back(
    rendered: str, token: str, replacements: Sequence[tuple[str, bool, str]], *, block: bool
) -> str:
    """The sanitised HTML with each placeholder replaced by its shortcode's rendering.

    One pass over the HTML (not one `str.replace` per call: 8,000 calls in a 200 KB body
    were 8,000 copies of it). A placeholder that ended up inside a tag (a raw
    `<a title="[textmarker]…">`, a link's title or URL, an image's alt) is put back as the
    shortcode's own text, escaped: shortcodes never expand inside an attribute. nh3's
    output escapes `<` and `>` inside attribute values, so `<[^<>]*>` is exactly a tag.
    """
    placeholder = re.compile(rf"<p>{token}n(\d+)x</p>|{token}n(\d+)x|<[^<>]*+>")
    blocks_split = False

    def replace(match: re.Match[str]) -> str:
        nonlocal blocks_split
        whole = match.group(0)
        if whole.startswith("<") and match.group(1) is None:
            if token not in whole:
                return whole
            return re.sub(
                rf"{token}n(\d+)x",
                lambda inner: html_escaping.escape(replacements[int(inner.group(1))][2]),
                whole,
            )
        html, is_block, _ = replacements[int(match.group(1) or match.group(2))]
        if is_block and block and match.group(1) is None:
            blocks_split = True
            return f"</p>{html}<p>"
        return html if match.group(1) is None or (is_block and block) else f"<p>{html}</p>"

    result = placeholder.sub(replace, rendered)
    return _EMPTY_PARAGRAPH.sub("", result) if blocks_split else result


def _from_source(text: str, call: ShortcodeCall) -> ShortcodeCall:
    """The call as matched on the masked text, with its content taken from the real text."""
    source = text[call.start : call.end]
    # Attributes too: the masked text has raw tags and code blanked, `caption="<b>…"` not.
    named, positional = parse_attributes(text[call.attributes_at[0] : call.attributes_at[1]])
    real = replace(call, source=source, attributes=MappingProxyType(named), positional=positional)
    if call.content is None:
        return real
    content_start = call.attributes_at[1] + 1  # after the tag's `]` (never self-closing)
    content = text[content_start : content_start + len(call.content)]
    return replace(real, content=content)


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
    source: _Source,
    depth: int,
) -> tuple[str, bool]:
    definition = registry.definitions[call.name]
    if call.escaped:
        return _escape(call.source[1:-1]), False
    lead, trail = _escape(call.lead), _escape(call.trail)
    if call.content is None and not definition.block:
        problems.append(warning("shortcode_unclosed", field="body", line=line, name=call.name))
    content_offset = base_offset + call.start + call.source.index("]") + 1
    content_html = (
        _render(
            call.content,
            registry,
            problems,
            block=False,
            base_offset=content_offset,
            source=source,
            depth=depth + 1,
        )
        if call.content
        else ""
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


_Parsed = tuple[list["Token"], dict[str, Any], list[str]]


def _parse(text: str, env: dict[str, Any], *, block: bool) -> _Parsed:
    """Tokens, the environment (references) and the links validateLink refused."""
    rejected: list[str] = []
    reset = _rejected_links.set(rejected)
    try:
        md = _markdown()
        tokens = md.parse(text, env) if block else md.parseInline(text, env)
    finally:
        _rejected_links.reset(reset)
    return tokens, env, rejected


def _markdown_to_html(
    text: str,
    problems: list[Problem],
    *,
    block: bool,
    base_offset: int,
    source: _Source,
    parsed: _Parsed | None = None,
) -> str:
    env: dict[str, Any] = {}
    tokens, env, rejected = parsed if parsed is not None else _parse(text, env, block=block)
    _shift_headings(tokens)
    first_line = source.line(base_offset)
    for token, parent in _walk(tokens):
        holder = parent or token
        line = first_line + holder.map[0] if holder.map else first_line
        if token.type in ("html_block", "html_inline"):
            _report_raw_html(token.content, line, problems)
        if token.type == "image" and not token.content.strip():
            problems.append(warning("body_image_alt_missing", field="body", line=line))
    md = _markdown()
    html = md.renderer.render(tokens, md.options, env)
    cursor, line_found = base_offset, None
    for index, url in enumerate(dict.fromkeys(rejected)):
        # Links come in document order: each is looked for after the previous one, and
        # only the first LOCATED_LINKS_MAX are looked for at all (each failed look is a
        # scan to the end of the body); later ones share the last line found.
        found = source.text.find(url, cursor) if index < LOCATED_LINKS_MAX else -1
        if found >= 0:
            cursor, line_found = found, source.line(found)
        problems.append(
            warning("link_removed", field="body", line=line_found or first_line, value=url[:80])
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
    if _image_without_alt(raw):
        problems.append(warning("body_image_alt_missing", field="body", line=line))


def _image_without_alt(raw: str) -> bool:
    """Whether an `<img>` tag in raw HTML lacks a non-empty alt.

    A tag runs from `<img` to the next `>`; an `<img` inside a tag already read is one of
    its attributes (as an HTML parser reads `<img <img alt=x>`), so each character is read
    once, where a lookahead from every `<img` to its `>` read `<img <img <img …` n² times.
    """
    tag_end = -1
    for match in _IMG_TAG.finditer(raw):
        if match.start() < tag_end:
            continue
        close = raw.find(">", match.end())
        tag_end = close if close >= 0 else len(raw)
        if _ALT_ATTRIBUTE.search(raw, match.end(), tag_end) is None:
            return True
    return False


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
    # Only the first paragraph counts: its blocks are looked for in the first 8,000
    # characters, and at most 2,000 of its own are read, whatever follows.
    tokens = _block_tokens(body[:8_000], {})
    for index, token in enumerate(tokens[:-1]):
        if token.type == "paragraph_open":
            # The inline token's content is the paragraph without `>` or list markers.
            inline = md.parseInline(registry.strip(tokens[index + 1].content[:2_000]))
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
