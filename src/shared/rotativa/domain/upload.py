"""From the bytes an editor uploaded to fields, body and the line each field is on.

Nothing here knows what a valid article is; it only turns a file into data safely:
size checked before reading, UTF-8 with or without BOM, CRLF, a YAML loader that
builds only plain values (no `!!python/...`), with aliases, nesting and expansion bounded
and duplicate keys refused.

Every step is linear in the file, and every limit is enforced while reading, before a
whole document is built: the front matter is refused past its size limit before YAML sees it;
the YAML composer counts nodes, depth and what aliases would expand to as it goes
(libyaml's event parser when PyYAML has it, ten times faster than the pure-Python one on
the same text); JSON is pre-scanned once for depth (so the decoder never recurses past
the limit) and read with hooks that refuse giant numbers, NaN and too many values.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from rotativa.domain.messages import kind_of
from rotativa.domain.problems import Problem, UploadRejected, error

ARTICLE_EXTENSIONS = (".md", ".json")
MAX_YAML_ALIASES = 20
MAX_YAML_DEPTH = 10
MAX_YAML_VALUES = 10_000
MAX_JSON_VALUES = MAX_YAML_VALUES
# An article's fields at every limit (title, summary, 20 tags, 10 authors, 20 aliases,
# 10 related, an image) are about 11 KB of YAML. Over libyaml's events the composer's own
# limits (nodes, depth, aliases) stop any shape within 0.06 s even at 1 MB; the cut is
# there for PyYAML's pure-Python parser (ten times slower, and quadratic on `[[[[`
# within its 1,024-character simple-key window), where it keeps the worst under 0.3 s.
MAX_FRONT_MATTER_BYTES_LIBYAML = 256_000
MAX_FRONT_MATTER_BYTES_PURE = 32_000
MAX_FIELDS = 50  # top-level fields of an upload; 14 are documented
MAX_NESTED_KEYS = 10  # keys of a mapping field located by line in JSON (the image has 4)
MAX_NUMBER_LENGTH = 40  # characters of one number; Python refuses ints past 4,300 digits

_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*+$")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*+$", re.MULTILINE)
_ALLOWED_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


@dataclass(frozen=True)
class ParsedUpload:
    """An upload split into its fields and body, before any validation of meaning."""

    fields: dict[str, Any]
    body: str
    body_line: int
    field_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, path: str) -> int | None:
        """The line of `tags[2]`, else of `tags`: the closest known enclosing field."""
        while path:
            if path in self.field_lines:
                return self.field_lines[path]
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return None


def human_size(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:g} MB"
    if size >= 1_000:
        return f"{size / 1_000:g} KB"
    return f"{size} byte"


def read_limited(stream: IO[bytes], limit: int) -> bytes:
    """Read at most `limit` bytes; a longer stream is refused without reading it whole."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected([error("file_too_large", limit=human_size(limit))])
    return data


def decode_text(data: bytes, limit: int) -> str:
    """UTF-8 text with BOM removed and line ends normalised to `\\n`."""
    if len(data) > limit:
        raise UploadRejected([error("file_too_large", limit=human_size(limit))])
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadRejected([error("file_utf16", line=1)])
    if b"\x00" in data:
        raise UploadRejected(
            [error("file_binary", line=data[: data.index(b"\x00")].count(b"\n") + 1)]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UploadRejected(
            [error("file_encoding", line=line, byte=f"{data[exc.start]:02X}")]
        ) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UploadRejected([error("file_empty")])
    return text


def parse_upload(key: str, data: bytes, *, limit: int) -> ParsedUpload:
    """Split an upload into fields and body. Raises `UploadRejected` when it cannot."""
    extension = PurePosixPath(key).suffix.lower()
    if extension not in ARTICLE_EXTENSIONS:
        raise UploadRejected([error("file_extension", extension=extension or key)])
    text = decode_text(data, limit)
    if extension == ".json":
        return _parse_json(text)
    return _parse_markdown(text)


# --- Markdown with YAML front matter ------------------------------------------------------


class _Limit(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem


class _BoundedComposer(Composer):
    """PyYAML's composer, counting as it reads: nodes, depth, aliases, and what the
    document would be once its aliases are expanded (billion laughs).

    Each node's expanded size is worked out when it is complete, from its children's
    (already known), so the count costs one look at each child; a recursive alias counts
    once. Reading stops at the first node past a limit, with its line.
    """

    def _start_counting(self) -> None:
        self.aliases = 0
        self.depth = 0
        self.nodes = 0
        self.sizes: dict[int, int] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        mark = self.peek_event().start_mark  # type: ignore[attr-defined]
        if self.check_event(yaml.AliasEvent):  # type: ignore[attr-defined]
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                raise _Limit(error("yaml_alias_limit", line=mark.line, limit=MAX_YAML_ALIASES))
            return super().compose_node(parent, index)
        self.nodes += 1
        if self.nodes > MAX_YAML_VALUES:
            raise _Limit(error("yaml_too_large", line=mark.line, limit=MAX_YAML_VALUES))
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise _Limit(error("too_deep", line=mark.line, limit=MAX_YAML_DEPTH))
            node: Node | None = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None:
            self._measure(node, mark.line)
        return node

    def _measure(self, node: Node, line: int) -> None:
        children: list[Node] = []
        if isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, SequenceNode):
            children = node.value
        total = 1 + sum(self.sizes.get(id(child), 1) for child in children)
        if total > MAX_YAML_VALUES:
            raise _Limit(error("yaml_too_large", line=line, limit=MAX_YAML_VALUES))
        self.sizes[id(node)] = total


class _PlainValues(SafeConstructor):
    """SafeConstructor whose numbers are refused, with their line, past
    MAX_NUMBER_LENGTH characters: before `int()` meets 5,000 digits (ValueError) or a
    float 1 MB long."""

    def construct_yaml_int(self, node: ScalarNode) -> int:
        _check_number(node)
        return super().construct_yaml_int(node)

    def construct_yaml_float(self, node: ScalarNode) -> float:
        _check_number(node)
        return super().construct_yaml_float(node)


def _check_number(node: ScalarNode) -> None:
    if len(str(node.value)) > MAX_NUMBER_LENGTH:
        raise _Limit(error("number_too_large", line=node.start_mark.line))


_PlainValues.add_constructor("tag:yaml.org,2002:int", _PlainValues.construct_yaml_int)  # type: ignore[type-var]
_PlainValues.add_constructor("tag:yaml.org,2002:float", _PlainValues.construct_yaml_float)  # type: ignore[type-var]

try:  # libyaml's event parser under our composer; PyYAML's own when it was built without
    from yaml._yaml import CParser as _EventParser  # type: ignore[import-not-found, unused-ignore]

    _LIBYAML = True
except ImportError:  # pragma: no cover - every PyYAML wheel we ship has libyaml
    _LIBYAML = False

MAX_FRONT_MATTER_BYTES = MAX_FRONT_MATTER_BYTES_LIBYAML if _LIBYAML else MAX_FRONT_MATTER_BYTES_PURE


if _LIBYAML:

    class _FrontMatterLoader(_BoundedComposer, _EventParser, _PlainValues, Resolver):  # type: ignore[misc, unused-ignore]
        """YAML 1.2 scalars (no `yes`/`no` booleans, no sexagesimal numbers, dates kept as
        text for our own parser), bounded while composing."""

        def __init__(self, stream: str) -> None:
            _EventParser.__init__(self, stream)
            _BoundedComposer.__init__(self)
            _PlainValues.__init__(self)
            Resolver.__init__(self)
            self._start_counting()

else:  # pragma: no cover

    class _FrontMatterLoader(  # type: ignore[no-redef]
        Reader, Scanner, Parser, _BoundedComposer, _PlainValues, Resolver
    ):
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            _BoundedComposer.__init__(self)
            _PlainValues.__init__(self)
            Resolver.__init__(self)
            self._start_counting()


_FrontMatterLoader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL)$", "~nN"),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
):
    _FrontMatterLoader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))
_FrontMatterLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^$"), [""])


def _split_front_matter(text: str) -> tuple[str, str, int]:
    """Front matter, body, and the body's first line; one regex search for the closing
    fence, not one match per line of a 1 MB file that never closes it."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if not _FRONT_MATTER_FENCE.match(first):
        raise UploadRejected([error("frontmatter_missing", line=1)])
    if first_end < 0:
        raise UploadRejected([error("frontmatter_unclosed", line=1)])
    closing = _FRONT_MATTER_END.search(text, first_end + 1)
    if closing is None:
        raise UploadRejected([error("frontmatter_unclosed", line=1)])
    front = text[first_end + 1 : max(first_end + 1, closing.start() - 1)]
    if len(front.encode()) > MAX_FRONT_MATTER_BYTES:
        limit = human_size(MAX_FRONT_MATTER_BYTES)
        raise UploadRejected([error("frontmatter_too_large", line=1, limit=limit)])
    fence_line = text.count("\n", 0, closing.start()) + 1
    after = text.find("\n", closing.end())
    body = "" if after < 0 else text[after + 1 :]
    return front, body, fence_line + 1  # 1-based line of the body's first line


def _parse_markdown(text: str) -> ParsedUpload:
    front, body, body_line = _split_front_matter(text)
    offset = 2  # the front matter starts on the file's second line; YAML marks are 0-based
    try:
        loader = _FrontMatterLoader(front)
    except yaml.reader.ReaderError as exc:  # a raw control character: YAML refuses to read
        raise UploadRejected([_unreadable_character(front, exc, offset)]) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return ParsedUpload({}, body, body_line)
        lines: dict[str, int] = {}
        problems = list(_inspect(node, "", lines, offset))
        if problems:
            raise UploadRejected(problems)
        if isinstance(node, MappingNode) and len(node.value) > MAX_FIELDS:
            line = node.value[MAX_FIELDS][0].start_mark.line + offset
            raise UploadRejected(
                [error("too_many_fields", line=line, actual=len(node.value), limit=MAX_FIELDS)]
            )
        value = loader.construct_document(node)
    except _Limit as limit:
        raise UploadRejected([limit.problem.shifted(offset)]) from None
    except yaml.reader.ReaderError as exc:  # libyaml meets the character while parsing
        raise UploadRejected([_unreadable_character(front, exc, offset)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + offset if mark is not None else None
        raise UploadRejected(
            [error("yaml_syntax", line=line, detail=exc.problem or exc.context or "YAML")]
        ) from None
    except yaml.YAMLError as exc:
        raise UploadRejected([error("yaml_syntax", line=None, detail=str(exc))]) from None
    except (ValueError, OverflowError):
        raise UploadRejected([error("number_too_large", line=None)]) from None
    finally:
        loader.dispose()
    if not isinstance(value, dict):
        raise UploadRejected([error("frontmatter_not_mapping", line=offset, kind=kind_of(value))])
    return ParsedUpload(value, body, body_line, lines)


_FIELD_AT_LINE_START = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*:")


def _unreadable_character(front: str, exc: yaml.reader.ReaderError, offset: int) -> Problem:
    """YAML's reader stops at a control character before any field is read: point at its
    line, and at the field written there when the line starts with one."""
    position = max(0, min(exc.position, len(front)))
    line_index = front.count("\n", 0, position)
    start = front.rfind("\n", 0, position) + 1
    found = _FIELD_AT_LINE_START.match(front, start)
    char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "?"
    if found is None or found.end() > position:
        return error("frontmatter_character", line=line_index + offset, char=char)
    return error("control_characters", field=found[1], line=line_index + offset, char=char)


def _inspect(node: Node, path: str, lines: dict[str, int], offset: int) -> Iterator[Problem]:
    """Refuse tags beyond plain values and duplicate keys; record each field's line."""
    line = node.start_mark.line + offset
    if node.tag not in _ALLOWED_TAGS:
        yield error("yaml_tag", field=path or None, line=line, tag=node.tag)
        return
    if isinstance(node, MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
            key_line = key_node.start_mark.line + offset
            child = f"{path}.{key}" if path else key
            if key in seen:
                yield error(
                    "duplicate_key", field=child, line=key_line, key=key, first_line=seen[key]
                )
                continue
            seen[key] = key_line
            lines.setdefault(child, key_line)
            yield from _inspect(value_node, child, lines, offset)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            child = f"{path}[{index}]"
            lines.setdefault(child, item.start_mark.line + offset)
            yield from _inspect(item, child, lines, offset)


# --- JSON -------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


class _BadNumber(Exception):
    def __init__(self, literal: str) -> None:
        self.literal = literal


class _TooManyValues(Exception):
    def __init__(self, key: str | None) -> None:
        self.key = key  # the last key read: where the limit was crossed


# A JSON string, closed or running to the end of the text (so an unclosed one is one
# scan, not one per quote), or a bracket.
_JSON_STRING = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"?')
_JSON_TOKEN = re.compile(r'"(?:[^"\\]++|\\[\s\S])*+"?|[\[\]{}]')
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_ONE_KIND = str.maketrans("{}", "[]")
_COLON_AFTER = re.compile(r"\s*+:")


def _json_too_deep(text: str) -> int | None:
    """Where the first bracket past MAX_YAML_DEPTH opens, or None: before the decoder
    runs, so it never recurses deeper than the limit, and linear.

    Valid, shallow JSON is settled at C speed: strings out, everything but brackets out,
    braces read as brackets (nesting is nesting), then each of MAX_YAML_DEPTH passes
    removes the innermost `[]` pairs, one level each; nothing left means no deeper
    nesting. Only deep or unbalanced text is walked
    token by token, and the walk stops at the first bracket too deep.
    """
    if text.count("[") + text.count("{") <= MAX_YAML_DEPTH:
        return None
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).translate(_ONE_KIND)
    for _ in range(MAX_YAML_DEPTH):
        brackets = brackets.replace("[]", "")
        if not brackets:
            return None
    depth = 0
    for match in _JSON_TOKEN.finditer(text):
        token = match.group(0)
        if token in ("[", "{"):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                return match.start()
        elif token in ("]", "}"):
            depth -= 1
    return None


def _top_key_lines(text: str, keys: list[str]) -> dict[str, int]:
    """The line of each top-level key (JSON has no marks)."""
    return {key: _line_at(text, at) for key, at in _top_key_offsets(text, keys).items()}


def _top_key_offsets(text: str, keys: list[str]) -> dict[str, int]:
    """Where each top-level key is: the first `"key":` in the text. At most MAX_FIELDS
    keys get here, so this is a bounded number of C-speed searches."""
    offsets: dict[str, int] = {}
    for key in keys:
        found = _any_key_offset(text, key, 0, len(text))
        if found >= 0:
            offsets[key] = found
    return offsets


def _nested_key_lines(text: str, fields: dict[str, Any], offsets: dict[str, int]) -> dict[str, int]:
    """The line of each key of a small mapping field (`image.focus`), so an error in one
    part of it points at that part's line, as in YAML. Each key is looked for between its
    field's key and the next field's, and only mappings of at most MAX_NESTED_KEYS keys
    are searched: the scans stay bounded by a few passes over the file."""
    ends = sorted({*offsets.values(), len(text)})
    lines: dict[str, int] = {}
    for name, value in fields.items():
        start = offsets.get(name)
        if start is None or not isinstance(value, dict) or len(value) > MAX_NESTED_KEYS:
            continue
        end = next(at for at in ends if at > start)
        for part in value:
            found = _any_key_offset(text, str(part), start, end)
            if found >= 0:
                lines[f"{name}.{part}"] = _line_at(text, found)
    return lines


def _any_key_offset(text: str, key: str, start: int, end: int) -> int:
    """Where `key` is as a key, written with escapes or without."""
    for quoted in dict.fromkeys((json.dumps(key), json.dumps(key, ensure_ascii=False))):
        found = _key_offset(text, quoted, start, end)
        if found >= 0:
            return found
    return -1


def _key_offset(text: str, quoted: str, start: int = 0, end: int | None = None) -> int:
    """The first `quoted` followed by a colon (a key, not the same text as a value)."""
    stop = len(text) if end is None else end
    found = text.find(quoted, start, stop)
    while found >= 0:
        if _COLON_AFTER.match(text, found + len(quoted)):
            return found
        found = text.find(quoted, found + 1, stop)
    return -1


def _json_number(kind: type[int] | type[float]) -> Any:
    def parse(literal: str) -> int | float:
        if len(literal) > MAX_NUMBER_LENGTH:
            raise _BadNumber(literal)
        value = kind(literal)
        if isinstance(value, float) and not math.isfinite(value):
            raise _BadNumber(literal)  # 1e999 is infinity: no field means it
        return value

    return parse


def _json_constant(literal: str) -> Any:
    raise _BadNumber(literal)  # NaN, Infinity, -Infinity: not JSON, and no field's value


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _parse_json(text: str) -> ParsedUpload:
    too_deep_at = _json_too_deep(text)
    if too_deep_at is not None:
        line = _line_at(text, too_deep_at)
        raise UploadRejected([error("too_deep", line=line, limit=MAX_YAML_DEPTH)])
    pairs = 0

    def object_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal pairs
        pairs += len(items)
        if pairs > MAX_JSON_VALUES:
            raise _TooManyValues(items[-1][0] if items else None)
        return _no_duplicates(items)

    try:
        value = json.loads(
            text,
            object_pairs_hook=object_pairs,
            parse_int=_json_number(int),
            parse_float=_json_number(float),
            parse_constant=_json_constant,
        )
    except json.JSONDecodeError as exc:
        raise UploadRejected([error("json_syntax", line=exc.lineno, detail=exc.msg)]) from None
    except _DuplicateKey as dup:
        quoted = json.dumps(dup.key)
        first = _key_offset(text, quoted)
        last = text.rfind(quoted)
        lines: list[int | None] = [
            _line_at(text, first) if first >= 0 else None,
            _line_at(text, last) if last >= 0 else None,
        ]
        raise UploadRejected(
            [
                error(
                    "duplicate_key",
                    field=dup.key,
                    line=lines[-1],
                    key=dup.key,
                    first_line=lines[0] or "?",
                )
            ]
        ) from None
    except _BadNumber as bad:
        # As a value (after `:`, `[` or `,`), not the same characters inside a string.
        # A long literal is looked for by its start: a 1 MB pattern is slow to compile.
        probe = re.escape(bad.literal[:64]) + ("" if len(bad.literal) > 64 else r"(?![\w.+\-])")
        found = re.search(r"[:\[,]\s*+(" + probe + ")", text)
        number_line = _line_at(text, found.start(1)) if found else None
        shown = bad.literal if len(bad.literal) <= 20 else bad.literal[:12] + "…"
        code = "number_too_large" if len(bad.literal) > MAX_NUMBER_LENGTH else "number_invalid"
        raise UploadRejected([error(code, line=number_line, value=shown)]) from None
    except _TooManyValues as many:
        at = _key_offset(text, json.dumps(many.key)) if many.key is not None else -1
        many_line = _line_at(text, at) if at >= 0 else None
        raise UploadRejected(
            [error("json_too_large", line=many_line, limit=MAX_JSON_VALUES)]
        ) from None
    except RecursionError:  # the pre-scan makes this unreachable; kept as a last guard
        raise UploadRejected([error("too_deep", limit=MAX_YAML_DEPTH)]) from None
    if not isinstance(value, dict):
        raise UploadRejected([error("json_not_object", line=1, kind=kind_of(value))])
    if len(value) > MAX_FIELDS:
        extra = _top_key_lines(text, [list(value)[MAX_FIELDS]])
        raise UploadRejected(
            [
                error(
                    "too_many_fields",
                    line=next(iter(extra.values()), None),
                    actual=len(value),
                    limit=MAX_FIELDS,
                )
            ]
        )
    offsets = _top_key_offsets(text, [*value])
    key_lines = {key: _line_at(text, at) for key, at in offsets.items()}
    key_lines.update(_nested_key_lines(text, value, offsets))
    body = value.pop("body", "")
    if not isinstance(body, str):
        raise UploadRejected(
            [error("expected_text", field="body", line=key_lines.get("body"), kind=kind_of(body))]
        )
    return ParsedUpload(value, body, key_lines.get("body", 1), key_lines)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result
