"""Validate an upload: the one path from bytes to an `Article` or to an editor's report.

`rotativa check` and the cloud's ValidateFunction both call `validate_upload`, so what
passes on a laptop passes in the cloud and fails there with the same messages.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import IO, Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from rotativa.domain.article import (
    ENTRY_SCHEMA,
    IMAGE_FIELDS,
    STORAGE_FIELDS,
    TAG_MAX,
    TAGS_MAX,
    UPLOAD_FIELDS,
    UPLOAD_LIST_LIMITS,
    Article,
)
from rotativa.domain.markdown import render_body
from rotativa.domain.messages import Phrase, kind_of
from rotativa.domain.problems import Problem, Severity, UploadRejected, error, has_errors, warning
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import slugify
from rotativa.domain.upload import ParsedUpload, parse_upload, read_limited


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of one upload: an article when valid, and everything the editor should read."""

    key: str
    article: Article | None
    problems: tuple[Problem, ...] = ()
    body_html: str = ""

    @property
    def valid(self) -> bool:
        return self.article is not None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.ERROR)

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity is Severity.WARNING)


def validate_stream(
    key: str, stream: IO[bytes], settings: SiteSettings, *, now: datetime | None = None
) -> ValidationReport:
    """Validate an upload read from a stream, refusing it before reading past the limit."""
    try:
        data = read_limited(stream, settings.max_upload_bytes)
    except UploadRejected as rejected:
        return ValidationReport(key, None, rejected.problems)
    return validate_upload(key, data, settings, now=now)


def validate_upload(
    key: str, data: bytes, settings: SiteSettings, *, now: datetime | None = None
) -> ValidationReport:
    """The report on one upload, whatever its bytes: this never raises.

    `now` is when the upload arrived (the event's time in the cloud, the clock in `rotativa
    check`): a correction or a live update dated past it, beyond the site's tolerance, is
    refused. None judges no time against a clock.

    The ValidateFunction handles a batch of SQS records; an exception here would fail the
    record, retry it with the others' and send it to the DLQ without a word to its editor.
    Every limit has its own located message; anything still unforeseen (a RecursionError,
    a ValueError deep in a parser, a MemoryError) is this upload's fault alone, so it
    becomes its rejection (`upload_unreadable`), never the batch's failure. Only the
    upload's own checks run here, nothing that talks to AWS, so no system failure is
    hidden by it.
    """
    try:
        return _validate(key, data, settings, now)
    except Exception as exc:
        return ValidationReport(key, None, (error("upload_unreadable", detail=_kind(exc)),))


def _kind(exc: Exception) -> str:
    return {
        RecursionError: "troppo annidato / too deeply nested",
        MemoryError: "troppo grande / too large",
    }.get(type(exc), type(exc).__name__)


def _validate(
    key: str, data: bytes, settings: SiteSettings, now: datetime | None
) -> ValidationReport:
    try:
        parsed = parse_upload(key, data, limit=settings.max_upload_bytes)
    except UploadRejected as rejected:
        return ValidationReport(key, None, _sorted(rejected.problems))
    problems = [*_unknown_fields(parsed), *_repeated_tags(parsed)]
    try:
        article: Article | None = Article.from_upload(
            key, parsed.fields, parsed.body, settings, now=now
        )
    except ValidationError as exc:
        article = None
        problems.extend(problems_from_validation_error(exc, parsed))
    body_html = ""
    if not any(p.field == "body" for p in problems):
        rendered = render_body(parsed.body)
        body_html = rendered.html
        problems.extend(_locate_body_problems(rendered.problems, parsed, key))
        if not parsed.body.strip():
            problems.append(warning("body_empty", field="body", line=parsed.body_line))
    problems.extend(_entry_text_problems(parsed))
    if has_errors(problems):
        article = None
    # The HTML goes on (to be stored with the article) only when it is that of the body the
    # article holds: a body normalised by the model (line ends) is rendered again by its page.
    same = article is not None and article.body == parsed.body
    return ValidationReport(key, article, _sorted(problems), body_html if same else "")


def _sorted(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.line or 0, p.severity != Severity.ERROR)))


def _locate_body_problems(
    problems: Iterable[Problem], parsed: ParsedUpload, key: str
) -> Iterator[Problem]:
    is_json = key.lower().endswith(".json")
    for problem in problems:
        if is_json:
            # A JSON body is one string on one line of the file: point at its key.
            yield problem.at_line(parsed.body_line)
        else:
            yield problem.shifted(parsed.body_line - 1)


def _entry_text_problems(parsed: ParsedUpload) -> Iterator[Problem]:
    """The Markdown of each correction and live update, read as the page will render it:
    an unknown shortcode or raw HTML there is said as in the body, at the entry's line."""
    for name in ENTRY_SCHEMA:
        entries = parsed.fields.get(name)
        if not isinstance(entries, list) or len(entries) > UPLOAD_LIST_LIMITS[name]:
            continue
        for index, entry in enumerate(entries):
            text = entry.get("text") if isinstance(entry, dict) else None
            if not isinstance(text, str) or not text.strip():
                continue
            path = f"{name}[{index}].text"
            for problem in render_body(text).problems:
                yield replace(problem, field=path, line=parsed.line_of(path))


def _unknown_fields(parsed: ParsedUpload) -> Iterator[Problem]:
    accepted = ", ".join(UPLOAD_FIELDS)
    for name in parsed.fields:
        if name in UPLOAD_FIELDS or name in STORAGE_FIELDS:  # storage's: an error, not this
            continue
        # A key 1 MB long is compared by its start: no field name is longer than 10.
        close = difflib.get_close_matches(str(name)[:40], UPLOAD_FIELDS, n=1, cutoff=0.6)
        hint = Phrase("unknown_field_hint") if close else ""
        yield warning(
            "unknown_field",
            field=str(name),
            line=parsed.line_of(str(name)),
            hint=hint,
            suggestion=close[0] if close else "",
            accepted=accepted,
        )


def _repeated_tags(parsed: ParsedUpload) -> Iterator[Problem]:
    tags = parsed.fields.get("tags")
    if not isinstance(tags, list) or len(tags) > TAGS_MAX:
        return  # 250,000 tags are refused by their count, not compared one by one
    seen: dict[str, str] = {}
    for index, tag in enumerate(tags):
        if not isinstance(tag, str) or len(tag) > TAG_MAX:
            continue
        slug = slugify(tag)
        if slug and slug in seen:
            yield warning(
                "tag_duplicate",
                field=f"tags[{index}]",
                line=parsed.line_of(f"tags[{index}]"),
                value=tag,
                other=seen[slug],
            )
        seen.setdefault(slug, tag)


# --- pydantic errors → Problems: the one place where they are mapped ----------------------

_EXPECTED: dict[str, Phrase] = {
    "title": Phrase("expect_title"),
    "section": Phrase("expect_section"),
}


def _field_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def problems_from_validation_error(exc: ValidationError, parsed: ParsedUpload) -> list[Problem]:
    problems = []
    for details in exc.errors():
        path = _field_path(details["loc"])
        code, params = _code_and_params(details, path)
        line = parsed.line_of(path)
        text_line = params.pop("text_line", None)  # a bad character's line in the body
        if path == "body" and isinstance(text_line, int) and "body" not in parsed.field_lines:
            line = parsed.body_line + text_line - 1  # Markdown: the body's lines are the file's
        problems.append(error(code, field=path or None, line=line, **params))
    return problems


def _code_and_params(details: ErrorDetails, path: str) -> tuple[str, dict[str, Any]]:
    kind = details["type"]
    context: dict[str, Any] = dict(details.get("ctx") or {})
    value = details.get("input")
    expected = _EXPECTED.get(path, Phrase("expect_text"))
    if kind.startswith("rotativa."):  # raised by our validators: the type is the code
        code = kind.removeprefix("rotativa.")
        return code, {"expected": expected, **context} if code == "blank" else context
    if kind == "string_too_short" or (kind == "string_type" and value is None):
        return "blank", {"expected": expected}
    if kind == "missing" and len(details["loc"]) == 3 and isinstance(details["loc"][1], int):
        # A part of an entry of `corrections` or `updates`: `updates[2].at` is no line to add.
        name, index, part = details["loc"]
        assert isinstance(index, int)
        wanted = Phrase("expect_moment") if part == "at" else Phrase("expect_text")
        return "entry_field_missing", {
            "list": name,
            "position": index + 1,
            "part": part,
            "expected": wanted,
        }
    if kind == "missing":
        return "missing", {"expected": expected}
    if kind == "string_too_long":
        actual = len(value) if isinstance(value, str) else "?"
        return "too_long", {"actual": actual, "limit": context.get("max_length")}
    if kind == "too_long":
        return "too_many", {
            "actual": context.get("actual_length"),
            "limit": context.get("max_length"),
        }
    if kind in ("string_type", "string_unicode"):
        return "expected_text", {"kind": kind_of(value)}
    if kind in ("list_type", "tuple_type", "iterable_type"):
        return "expected_list", {"kind": kind_of(value)}
    if kind in ("bool_type", "bool_parsing"):
        return "expected_bool", {"value": repr(value)[:40]}
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        accepted = ", ".join(IMAGE_FIELDS)
        return "expected_mapping", {"kind": kind_of(value), "accepted": accepted}
    if kind in ("enum", "literal_error"):
        return "choice_invalid", {"value": repr(value)[:40], "accepted": context.get("expected")}
    if kind == "extra_forbidden":
        return "unknown_field", {"hint": "", "accepted": ", ".join(UPLOAD_FIELDS)}
    if kind.startswith(("datetime", "date")):
        return "date_invalid", {"value": str(value)[:40]}
    return "invalid", {"detail": details["msg"]}
