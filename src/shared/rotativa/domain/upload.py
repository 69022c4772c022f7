"""From the bytes an editor uploaded to fields, body and the line each field is on.

Nothing here knows what a valid article is; it only turns a file into data safely:
size checked before reading, UTF-8 with or without BOM, CRLF, a YAML loader that
builds only plain values (no `!!python/...`), with aliases, nesting and expansion bounded
and duplicate keys refused.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rotativa.domain.messages import kind_of
from rotativa.domain.problems import Problem, UploadRejected, error

ARTICLE_EXTENSIONS = (".md", ".json")
MAX_YAML_ALIASES = 20
MAX_YAML_DEPTH = 10
MAX_YAML_VALUES = 10_000

_FRONT_MATTER_FENCE = re.compile(r"^---[ \t]*$")
_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$")
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


class _FrontMatterLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 scalars (no `yes`/`no` booleans, no sexagesimal numbers,
    dates kept as text for our own parser) and bounded aliases and depth."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0
        self.depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_YAML_ALIASES:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Limit(error("yaml_alias_limit", line=mark.line, limit=MAX_YAML_ALIASES))
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise _Limit(error("too_deep", line=mark.line, limit=MAX_YAML_DEPTH))
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


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
    lines = text.split("\n")
    if not _FRONT_MATTER_FENCE.match(lines[0]):
        raise UploadRejected([error("frontmatter_missing", line=1)])
    for index in range(1, len(lines)):
        if _FRONT_MATTER_END.match(lines[index]):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2  # 1-based line of the body's first line
    raise UploadRejected([error("frontmatter_unclosed", line=1)])


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
        _check_expansion(node)
        value = loader.construct_document(node)
    except _Limit as limit:
        raise UploadRejected([limit.problem.shifted(offset)]) from None
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


def _check_expansion(root: Node) -> None:
    """Aliases share nodes; count what the document would be once expanded (billion laughs)."""
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a recursive alias counts once instead of looping forever
        total = 1
        if isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total += sum(size(item) for item in node.value)
        total = min(total, MAX_YAML_VALUES + 1)
        sizes[id(node)] = total
        return total

    if size(root) > MAX_YAML_VALUES:
        raise _Limit(error("yaml_too_large", line=None, limit=MAX_YAML_VALUES))


# --- JSON -------------------------------------------------------------------------------


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _json_key_lines(text: str, keys: list[str]) -> dict[str, int]:
    """The line of each top-level key: the first `"key":` in the text (JSON has no marks)."""
    lines: dict[str, int] = {}
    for key in keys:
        match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
        if match:
            lines[key] = text.count("\n", 0, match.start()) + 1
    return lines


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


def _parse_json(text: str) -> ParsedUpload:
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise UploadRejected([error("json_syntax", line=exc.lineno, detail=exc.msg)]) from None
    except _DuplicateKey as dup:
        where = [m.start() for m in re.finditer(re.escape(json.dumps(dup.key)) + r"\s*:", text)]
        found: list[int | None] = [text.count("\n", 0, pos) + 1 for pos in where]
        lines = found or [None]
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
    except RecursionError:
        raise UploadRejected([error("too_deep", limit=MAX_YAML_DEPTH)]) from None
    except ValueError:
        raise UploadRejected([error("number_too_large")]) from None
    if _depth(value) > MAX_YAML_DEPTH:
        raise UploadRejected([error("too_deep", limit=MAX_YAML_DEPTH)])
    if not isinstance(value, dict):
        raise UploadRejected([error("json_not_object", line=1, kind=kind_of(value))])
    body = value.pop("body", "")
    key_lines = _json_key_lines(text, [*list(value), "body"])
    if not isinstance(body, str):
        raise UploadRejected(
            [error("expected_text", field="body", line=key_lines.get("body"), kind=kind_of(body))]
        )
    return ParsedUpload(value, body, key_lines.get("body", 1), key_lines)
