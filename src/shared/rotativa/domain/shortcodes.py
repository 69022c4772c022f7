"""WordPress-style shortcodes: `[name attr="v"]…[/name]`, `[name/]`, `[[escaped]]`.

The grammar follows WordPress's `get_shortcode_regex()` and `shortcode_parse_atts()`
(wp-includes/shortcodes.php): a name is matched only when not followed by `-` or a word
character, the enclosing form is optional (`[name]` alone is self-closing), attributes may
be double-quoted, single-quoted, unquoted or positional, and doubled brackets escape.
Old WordPress content also carries the typographic quotes of its texturizer inside the
brackets (`[textmarker color=”E63631″]`); those are read as plain quotes.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

# Texturized quotes WordPress leaves in old posts, as characters and as entities.
_DOUBLE_QUOTES = ("”", "“", "″", "„", "&#8221;", "&#8220;", "&#8243;", "&#8222;",
                  "&rdquo;", "&ldquo;", "&Prime;", "&bdquo;", "&quot;", "&#34;")  # fmt: skip
_SINGLE_QUOTES = ("’", "‘", "′", "&#8217;", "&#8216;", "&#8242;", "&rsquo;", "&lsquo;",
                  "&prime;", "&#039;", "&#39;")  # fmt: skip
_QUOTES = re.compile("|".join(re.escape(q) for q in (*_DOUBLE_QUOTES, *_SINGLE_QUOTES)))

# shortcode_parse_atts(): name="v" | name='v' | name=v | "positional" | 'positional' | bare
_ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)"""
    r"""|"([^"]*)"(?:\s|$)"""
    r"""|'([^']*)'(?:\s|$)"""
    r"""|(\S+)(?:\s|$)"""
)
_SPACES = re.compile("[\u00a0\u200b]+")

# Any shortcode-looking tag, known or not: used to warn about the ones we do not render.
# A Markdown link `[text](url)`, reference `[text][ref]` or definition `[text]: url` is
# not a shortcode, and neither is `[text]` with spaces (ordinary bracketed prose).
_ANY_OPENING = re.compile(r"(?<!\[)\[([A-Za-z][\w-]*+)((?:\s[^\]\[]*+)?)/?\](?![(\[:])")
_ANY_CLOSING = re.compile(r"\[/([A-Za-z][\w-]*+)\]")


def normalize_quotes(text: str) -> str:
    """Typographic quotes and their entities inside a shortcode tag → ASCII quotes."""
    return _QUOTES.sub(lambda m: '"' if m.group(0) in _DOUBLE_QUOTES else "'", text)


def parse_attributes(text: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """Named attributes (names lower-cased, as WordPress does) and positional values."""
    named: dict[str, str] = {}
    positional: list[str] = []
    text = _SPACES.sub(" ", normalize_quotes(text))
    for m in _ATTRIBUTE.finditer(text):
        if m.group(1) is not None:
            named[m.group(1).lower()] = m.group(2)
        elif m.group(3) is not None:
            named[m.group(3).lower()] = m.group(4)
        elif m.group(5) is not None:
            named[m.group(5).lower()] = m.group(6)
        elif m.group(7) is not None:
            positional.append(m.group(7))
        elif m.group(8) is not None:
            positional.append(m.group(8))
        elif m.group(9) is not None:
            positional.append(m.group(9))
    return named, tuple(positional)


def shortcode_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """WordPress's get_shortcode_regex() for the given names: the reference grammar.

    `find_shortcodes` does not run it: on a body of openers that never close
    (`[textmarker][textmarker]…`) or tags that never end (`[textmarker a[textmarker a…`)
    each attempt scans to the end of the text, quadratic in the body. The scanner below
    matches exactly what this regex matches (tests/unit/test_linear_parsing.py compares
    them on random texts), in one pass. Given to `find_shortcodes`, the pattern stands for
    its names.
    """
    ordered = tuple(sorted(names, key=len, reverse=True))
    alternatives = "|".join(re.escape(name) for name in ordered)
    pattern = re.compile(
        r"\[(\[?)"  # 1: a second [ escapes the shortcode
        rf"({alternatives})"  # 2: name
        r"(?![\w-])"  # not followed by a word character or a hyphen
        r"([^\]/]*(?:/(?!\])[^\]/]*)*?)"  # 3: attributes
        r"(?:(/)\]"  # 4: self-closing
        r"|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)"  # 5: content, then [/name]
        r"(\]?)",  # 6: the escaping second ]
        re.DOTALL,
    )
    _PATTERN_NAMES[pattern] = frozenset(ordered)
    return pattern


_PATTERN_NAMES: dict[re.Pattern[str], frozenset[str]] = {}
MAX_NESTING = 5  # shortcodes inside shortcodes rendered; deeper ones stay text
_NAME_RUN = re.compile(r"[\w-]+")


@dataclass(frozen=True)
class ShortcodeCall:
    """One use of a shortcode in a text."""

    name: str
    attributes: Mapping[str, str]
    positional: tuple[str, ...]
    content: str | None  # None when self-closing or never closed
    start: int
    end: int
    source: str
    escaped: bool = False
    lead: str = ""  # a lone extra `[` before the tag, kept as text as WordPress does
    trail: str = ""  # a lone extra `]` after it
    attributes_at: tuple[int, int] = (0, 0)  # where the attribute text is, in `text`


def find_shortcodes(text: str, grammar: re.Pattern[str] | Iterable[str]) -> list[ShortcodeCall]:
    """Every use of the named shortcodes, left to right, as WordPress's regex finds them.

    One pass: each `[` is looked at once; the end of a tag is the first `]` after it (one
    forward-only cursor for the whole text), the end of an enclosing call the first
    `[/name]` after the tag (positions found once per name, then bisected). So a body of
    openers without closers, tags without `]` or closers without openers costs what its
    length costs.
    """
    names = _PATTERN_NAMES[grammar] if isinstance(grammar, re.Pattern) else frozenset(grammar)
    if not names or "[" not in text:
        return []
    closers: dict[str, list[int]] = {}
    calls: list[ShortcodeCall] = []
    tag_end = -1  # the first `]` at or after the current tag, found once going forward
    position = 0
    length = len(text)
    while True:
        p = text.find("[", position)
        if p < 0 or p + 1 >= length:
            break
        lead = ""
        name_at = p + 1
        if text[name_at] == "[":
            lead, name_at = "[", p + 2
        run = _NAME_RUN.match(text, name_at)
        if run is None or run.group(0) not in names:
            position = p + 1
            continue
        name, after_name = run.group(0), run.end()
        if tag_end < after_name:
            tag_end = text.find("]", after_name)
        if tag_end < 0:
            break  # no `]` anywhere further on: nothing later can be a tag either
        content: str | None = None
        attributes_end = tag_end
        if text[tag_end - 1] == "/" and tag_end - 1 >= after_name:
            attributes_end = tag_end - 1
            end = tag_end + 1
        else:
            end = tag_end + 1
            closer = _first_closer(text, name, end, closers)
            if closer >= 0:
                content = text[end:closer]
                end = closer + len(name) + 3
        trail = "]" if end < length and text[end] == "]" else ""
        end += len(trail)
        escaped = lead == "[" and trail == "]"
        named, positional = parse_attributes(text[after_name:attributes_end])
        calls.append(
            ShortcodeCall(
                name=name,
                attributes=MappingProxyType(named),
                positional=positional,
                content=content,
                start=p,
                end=end,
                source=text[p:end],
                escaped=escaped,
                lead="" if escaped else lead,
                trail="" if escaped else trail,
                attributes_at=(after_name, attributes_end),
            )
        )
        position = end
    return calls


def _first_closer(text: str, name: str, start: int, closers: dict[str, list[int]]) -> int:
    """Where the first `[/name]` at or after `start` begins, or -1."""
    positions = closers.get(name)
    if positions is None:
        tag = f"[/{name}]"
        positions = closers[name] = [m.start() for m in re.finditer(re.escape(tag), text)]
    index = bisect.bisect_left(positions, start)
    return positions[index] if index < len(positions) else -1


# Bracketed words of ordinary journalistic prose, never shortcodes.
_PROSE_BRACKETS = frozenset({"sic", "ndr", "nda", "omissis", "ecc", "etc"})


def find_unknown_names(
    text: str, known: Iterable[str], references: Iterable[str] = ()
) -> list[tuple[str, int]]:
    """Names and offsets of shortcode-like tags that are not registered.

    Shortcode names are lower-case. `[gallery ids="1"]`, `[embed]` and `[foto]…[/foto]` look
    like shortcodes; `[Foto di Mario Rossi]` (prose), `[sic]` and `[b]` where `[b]: url`
    defines a Markdown reference do not.
    """
    known_names = set(known)
    defined = {r.casefold() for r in references}
    closed = {m.group(1) for m in _ANY_CLOSING.finditer(text)}  # once, not once per tag
    found = []
    for m in _ANY_OPENING.finditer(text):
        name, attributes = m.group(1), m.group(2).strip()
        if (
            name in known_names
            or (not name.islower() and "=" not in attributes)
            or name.lower() in _PROSE_BRACKETS
            or name.casefold() in defined
        ):
            continue
        if attributes and "=" not in attributes and name not in closed:
            continue  # `[foto di mario]`: words in brackets, not attributes
        found.append((name, m.start()))
    return found


def find_stray_closings(text: str, known: Iterable[str]) -> list[tuple[str, int]]:
    names = set(known)
    return [(m.group(1), m.start()) for m in _ANY_CLOSING.finditer(text) if m.group(1) in names]


# --- the registry -------------------------------------------------------------------------


class ShortcodeError(Exception):
    """A known shortcode used wrongly; `code` is a catalogue message code."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


class ShortcodeDefinition(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def block(self) -> bool:
        """Whether it renders a block element (never left inside a paragraph)."""
        ...

    def render(self, call: ShortcodeCall, content_html: str) -> str:
        """HTML for the call; `content_html` is its content already rendered and sanitised."""
        ...


_HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


@dataclass(frozen=True)
class Textmarker:
    """The coloured, capitalised dateline that opens an article: `SESTO SAN GIOVANNI –`."""

    name: str = "textmarker"
    block: bool = False

    def render(self, call: ShortcodeCall, content_html: str) -> str:
        colour = call.attributes.get("color", call.positional[0] if call.positional else None)
        if colour is None:
            raise ShortcodeError("textmarker_color_missing")
        match = _HEX_COLOUR.fullmatch(colour.strip())
        if match is None:
            raise ShortcodeError("textmarker_color", value=colour)
        colour_code = match.group(1).upper()
        return f'<span class="textmarker" style="color: #{colour_code}">{content_html}</span>'


_CAPTION_IMAGE = re.compile(r"^\s*((?:<a [^>]+>\s*)?<img [^>]+>(?:\s*</a>)?)(.*)$", re.DOTALL)
_ALIGNMENTS = frozenset({"alignleft", "alignright", "aligncenter", "alignnone"})


@dataclass(frozen=True)
class Caption:
    """WordPress's `[caption align="alignright"]<img …> Didascalia[/caption]`."""

    name: str = "caption"
    block: bool = True

    def render(self, call: ShortcodeCall, content_html: str) -> str:
        match = _CAPTION_IMAGE.match(content_html)
        if match is None:
            raise ShortcodeError("caption_without_image")
        image, text = match.group(1), match.group(2).strip()
        if "caption" in call.attributes:
            text = html.escape(call.attributes["caption"], quote=False)
        align = call.attributes.get("align", "alignnone")
        classes = "wp-caption" + (f" {align}" if align in _ALIGNMENTS else "")
        figcaption = f"<figcaption>{text}</figcaption>" if text else ""
        return f'<figure class="{classes}">{image}{figcaption}</figure>'


@dataclass(frozen=True)
class ShortcodeRegistry:
    definitions: Mapping[str, ShortcodeDefinition] = field(default_factory=dict)

    @classmethod
    def of(cls, *definitions: ShortcodeDefinition) -> ShortcodeRegistry:
        return cls(MappingProxyType({d.name: d for d in definitions}))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.definitions))

    def pattern(self) -> re.Pattern[str]:
        return _compiled(self.names)

    def strip(
        self, text: str, keep: Callable[[ShortcodeCall], str] | None = None, depth: int = 0
    ) -> str:
        """The text with every known shortcode replaced by its content (for plain text).

        Nested calls are unwrapped down to `MAX_NESTING` levels, as bodies are rendered:
        `[textmarker]` ten thousand times deep is not ten thousand recursive scans.
        """
        if depth >= MAX_NESTING:
            return text
        calls = find_shortcodes(text, self.names)
        out, last = [], 0
        for call in calls:
            out.append(text[last : call.start])
            if call.escaped:
                out.append(call.source[1:-1])
            elif keep is not None:
                out.append(keep(call))
            else:
                out.append(self.strip(call.content or "", depth=depth + 1))
            last = call.end
        out.append(text[last:])
        return "".join(out)


_PATTERNS: dict[tuple[str, ...], re.Pattern[str]] = {}


def _compiled(names: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _PATTERNS.get(names)
    if pattern is None:
        pattern = _PATTERNS[names] = shortcode_pattern(names)
    return pattern


DEFAULT_REGISTRY = ShortcodeRegistry.of(Textmarker(), Caption())
