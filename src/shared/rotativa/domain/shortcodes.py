"""WordPress-style shortcodes: `[name attr="v"]…[/name]`, `[name/]`, `[[escaped]]`.

The grammar follows WordPress's `get_shortcode_regex()` and `shortcode_parse_atts()`
(wp-includes/shortcodes.php): a name is matched only when not followed by `-` or a word
character, the enclosing form is optional (`[name]` alone is self-closing), attributes may
be double-quoted, single-quoted, unquoted or positional, and doubled brackets escape.
Old WordPress content also carries the typographic quotes of its texturizer inside the
brackets (`[textmarker color=”E63631″]`); those are read as plain quotes.
"""

from __future__ import annotations

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
_ANY_OPENING = re.compile(r"(?<!\[)\[([A-Za-z][\w-]*)(?![\w-])((?:\s[^\]\[]*)?)/?\](?![(\[:])")


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
    """WordPress's get_shortcode_regex() for the given names."""
    alternatives = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(
        r"\[(\[?)"  # 1: a second [ escapes the shortcode
        rf"({alternatives})"  # 2: name
        r"(?![\w-])"  # not followed by a word character or a hyphen
        r"([^\]/]*(?:/(?!\])[^\]/]*)*?)"  # 3: attributes
        r"(?:(/)\]"  # 4: self-closing
        r"|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)"  # 5: content, then [/name]
        r"(\]?)",  # 6: the escaping second ]
        re.DOTALL,
    )


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


def find_shortcodes(text: str, pattern: re.Pattern[str]) -> list[ShortcodeCall]:
    calls = []
    for m in pattern.finditer(text):
        escaped = m.group(1) == "[" and m.group(6) == "]"
        named, positional = parse_attributes(m.group(3))
        lead, trail = ("", "") if escaped else (m.group(1), m.group(6))
        calls.append(
            ShortcodeCall(
                name=m.group(2),
                attributes=MappingProxyType(named),
                positional=positional,
                content=m.group(5),
                start=m.start(),
                end=m.end(),
                source=m.group(0),
                escaped=escaped,
                lead=lead,
                trail=trail,
            )
        )
    return calls


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
        if attributes and "=" not in attributes and f"[/{name}]" not in text:
            continue  # `[foto di mario]`: words in brackets, not attributes
        found.append((name, m.start()))
    return found


def find_stray_closings(text: str, known: Iterable[str]) -> list[tuple[str, int]]:
    names = "|".join(re.escape(name) for name in known)
    return [(m.group(1), m.start()) for m in re.finditer(rf"\[/({names})\]", text)]


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

    def strip(self, text: str, keep: Callable[[ShortcodeCall], str] | None = None) -> str:
        """The text with every known shortcode replaced by its content (for plain text)."""
        calls = find_shortcodes(text, self.pattern())
        out, last = [], 0
        for call in calls:
            out.append(text[last : call.start])
            if call.escaped:
                out.append(call.source[1:-1])
            elif keep is not None:
                out.append(keep(call))
            else:
                out.append(self.strip(call.content or ""))
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
