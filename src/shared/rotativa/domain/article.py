"""The Article: what one upload means once it is valid and normalised.

Two schemas live here, on purpose apart. The *upload schema* (`UPLOAD_SCHEMA`) is what an
editor may write: the fields README.md documents, each of one kind, each text publishable;
it is strict because an upload is untrusted. The *stored model* (`Article`) is what
rotativa keeps and reads back from the table, with its own shapes (a section or a tag as
`{name, slug}`, the upload's key): before they were one model, and storage's shapes could
be written by an upload (`section: {name: Sport, slug: autore}` put an article on an author
page). `Article.from_upload` applies the first, then the second.

Validation needs to know the site (its sections and time zone), so `Article.from_upload`
passes the `SiteSettings` to the validators through pydantic's context. Errors the editor
can act on are raised as `PydanticCustomError`s whose type is a catalogue code; the
service layer turns every pydantic error into a `Problem` in one place.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as date_type
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from rotativa.domain.markdown import is_allowed_url, summary_from_body
from rotativa.domain.messages import kind_of
from rotativa.domain.pages import canonical_path, is_reserved_slug, is_site_page, is_site_tree
from rotativa.domain.pictures import FOCUS_CENTRE, Focus, PictureRef
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import SLUG_MAX_LENGTH, is_valid_slug, slugify
from rotativa.domain.text import CharacterClass, character_class, first_unpublishable, shorten

TITLE_MAX = 200
SUMMARY_MAX = 500
TAGS_MAX = 20
TAG_MAX = 50
AUTHORS_MAX = 10
AUTHOR_MAX = 100
RELATED_MAX = 10
ALIASES_MAX = 20
ALIAS_MAX = 300
CORRECTIONS_MAX = 10
CORRECTION_TEXT_MAX = 600  # a correction says what was wrong and what is right, briefly
UPDATES_MAX = 200  # an evening's live coverage: one every few minutes for hours
UPDATE_TITLE_MAX = TITLE_MAX
UPDATE_TEXT_MAX = 5_000
BODY_MAX_BYTES = 200_000
EARLIEST_YEAR = 1900
LATEST_YEAR = 2199


class FieldType(StrEnum):
    """The kinds of value an upload's fields take, as README.md's upload table documents."""

    TEXT = "text"  # one line of text
    LONG_TEXT = "long text"  # the body: lines, tabs allowed
    NAMES = "names"  # a list of texts; a single text is a list of one
    IMAGE = "image"  # a mapping of src, alt, caption (texts) and focus (two numbers)
    MOMENT = "moment"  # ISO 8601 text (or a YAML timestamp, should the loader make one)
    FLAG = "flag"  # true or false
    CHOICE = "choice"  # one of a few texts
    ENTRIES = "entries"  # a list of mappings with fields of their own (corrections, updates)


#: The upload schema: every field an editor may write, and the one kind it takes. Nothing
#: else of an upload is read. `Article` below is the stored model, and reads back what
#: storage wrote (sections and tags as `{name, slug}`, keys, bodies): those shapes are its
#: own and never come from an upload, because `Article.from_upload` checks this first.
UPLOAD_SCHEMA: Mapping[str, FieldType] = {
    "title": FieldType.TEXT,
    "section": FieldType.TEXT,
    "date": FieldType.MOMENT,
    "slug": FieldType.TEXT,
    "tags": FieldType.NAMES,
    "authors": FieldType.NAMES,
    "summary": FieldType.TEXT,
    "image": FieldType.IMAGE,
    "status": FieldType.CHOICE,
    "publish_at": FieldType.MOMENT,
    "expires_at": FieldType.MOMENT,
    "pinned": FieldType.FLAG,
    "related": FieldType.NAMES,
    "aliases": FieldType.NAMES,
    "corrections": FieldType.ENTRIES,
    "live": FieldType.FLAG,
    "updates": FieldType.ENTRIES,
}
UPLOAD_FIELDS = tuple(UPLOAD_SCHEMA)
IMAGE_FIELDS = ("src", "alt", "caption", "focus")
#: The fields of each entry of a list of entries, and the kind each takes.
ENTRY_SCHEMA: Mapping[str, Mapping[str, FieldType]] = {
    "corrections": {"at": FieldType.MOMENT, "text": FieldType.LONG_TEXT},
    "updates": {"at": FieldType.MOMENT, "title": FieldType.TEXT, "text": FieldType.LONG_TEXT},
}
REQUIRED_FIELDS = ("title", "section")
#: Fields of names where a comma inside one text is a list written the wrong way (a name
#: holds no comma; `related` slugs and `aliases` paths cannot hold one either, and say so).
LISTS_OF_NAMES = ("tags", "authors")
UPLOAD_LIST_LIMITS = {"tags": TAGS_MAX, "authors": AUTHORS_MAX, "related": RELATED_MAX,
                "aliases": ALIASES_MAX, "corrections": CORRECTIONS_MAX,
                "updates": UPDATES_MAX}  # fmt: skip

#: Names only storage writes (the article item, its teaser, its address claim, the stored
#: model's own fields): an upload that sets one is trying to shape what it does not own, or
#: was made from a dump of the table; it is refused, not silently ignored. Other unknown
#: names are warned about and ignored (a typo such as `titel` should not block the news).
STORAGE_FIELDS = frozenset(
    {
        "pk", "sk", "key", "path", "order", "state", "received_at", "version_id", "article",
        "first_published", "updated", "modified", "teaser", "owner", "claim", "redirect",
        "memberships", "position", "is_draft", "is_local",
    }
)  # fmt: skip


@dataclass
class _UploadCheck:
    """What the upload schema found: errors, and which fields the stored model must not see
    (`refused`: wrong kind) or whose character errors it would only repeat (`flagged`),
    and which parts of a field it must not see while it judges the rest (`withheld`)."""

    errors: list[InitErrorDetails] = field(default_factory=list)
    refused: set[str] = field(default_factory=set)
    flagged: set[str] = field(default_factory=set)
    withheld: set[tuple[str, str]] = field(default_factory=set)

    def refuse(self, loc: tuple[str | int, ...], value: Any, problem: PydanticCustomError) -> None:
        self.errors.append({"type": problem, "loc": loc, "input": value})
        self.refused.add(str(loc[0]))

    def flag(self, loc: tuple[str | int, ...], value: Any, problem: PydanticCustomError) -> None:
        self.errors.append({"type": problem, "loc": loc, "input": value})
        self.flagged.add(str(loc[0]))

    def withhold(self, loc: tuple[str, str], value: Any, problem: PydanticCustomError) -> None:
        self.errors.append({"type": problem, "loc": loc, "input": value})
        self.withheld.add(loc)


def _value_shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return shorten(str(value), 40)


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(
    check: _UploadCheck, loc: tuple[str | int, ...], value: Any, *, multiline: bool = False
) -> None:
    """A text, and only a text: numbers and true/false are not (quoting them makes them
    one), nor lists or mappings (the shapes storage writes for sections and tags).

    Tab and line ends are judged by each field, as before this schema: the stored model
    strips them around a title, folds them inside tags and names, and refuses them inside a
    title or summary; here they pass, and everything HTML/XML cannot carry does not.
    `multiline` (the body) also reports the line of the text the character is on."""
    if isinstance(value, str):
        bad = first_unpublishable(value, multiline=True)
        if bad is not None:
            params: dict[str, Any] = {"char": bad.codepoint}
            if multiline:
                params["text_line"] = bad.line
            problem = rejection(bad.kind.value, params)
            if bad.kind is CharacterClass.INVALID or not _encodable(value):
                # The model must not see it: a lone surrogate in a message's parameters
                # cannot even be rendered (UTF-8 has no encoding for it).
                check.refuse(loc, value, problem)
            else:
                check.flag(loc, value, problem)
    elif isinstance(value, (bool, int, float, date_type)):  # a YAML date is not text either
        shown = {"kind": kind_of(value), "value": _value_shown(value)}
        check.refuse(loc, value, rejection("expected_text_quoted", shown))
    else:
        check.refuse(loc, value, rejection("expected_text", {"kind": kind_of(value)}))


def _check_field(check: _UploadCheck, name: str, kind: FieldType, value: Any) -> None:
    loc: tuple[str | int, ...] = (name,)
    if kind is FieldType.TEXT or kind is FieldType.LONG_TEXT:
        _check_text(check, loc, value, multiline=kind is FieldType.LONG_TEXT)
    elif kind is FieldType.NAMES:
        if isinstance(value, str) and name in LISTS_OF_NAMES and "," in value:
            # `tags: Calcio, Pro Sesto` is YAML for one text: read as a list of one, it
            # would become the single tag `calcio-pro-sesto`. The editor meant a list.
            parts = [part.strip() for part in value.split(",") if part.strip()]
            shown = {"value": shorten(value, 60), "suggestion": shorten(", ".join(parts), 80)}
            check.refuse(loc, value, rejection("names_with_commas", shown))
        elif isinstance(value, str):
            _check_text(check, loc, value)
        elif not isinstance(value, list):
            check.refuse(loc, value, rejection("expected_list", {"kind": kind_of(value)}))
        elif len(value) <= UPLOAD_LIST_LIMITS[name]:  # longer: refused by its count, item unseen
            for index, item in enumerate(value):
                _check_text(check, (name, index), item)
    elif kind is FieldType.IMAGE:
        if not isinstance(value, dict):
            check.refuse(
                loc,
                value,
                rejection(
                    "expected_mapping",
                    {"kind": kind_of(value), "accepted": ", ".join(IMAGE_FIELDS)},
                ),
            )
            return
        for part, item in value.items():
            if part not in IMAGE_FIELDS:
                check.refuse(
                    (name, str(part)),
                    item,
                    rejection("image_field_unknown", {"accepted": ", ".join(IMAGE_FIELDS)}),
                )
            elif part == "focus":
                # Withheld, not refused: the model still judges the image's src and alt,
                # which a bad focus says nothing about, so the editor reads all at once.
                problem = focus_problem(item) if item is not None else None
                if problem is not None:
                    check.withhold((name, part), item, problem)
            elif item is not None:
                _check_text(check, (name, part), item)
    elif kind is FieldType.ENTRIES:
        _check_entries(check, name, value)
    elif kind is FieldType.MOMENT:
        _check_moment(check, loc, value)
    elif kind is FieldType.FLAG:
        if not isinstance(value, bool):
            check.refuse(loc, value, rejection("expected_bool", {"value": repr(value)[:40]}))
    elif kind is FieldType.CHOICE and not isinstance(value, str):
        accepted = " or ".join(f"'{s.value}'" for s in ArticleStatus)
        shown = {"value": repr(value)[:40], "accepted": accepted}
        check.refuse(loc, value, rejection("choice_invalid", shown))
    elif isinstance(value, str):
        _check_text(check, loc, value)


def _check_moment(check: _UploadCheck, loc: tuple[str | int, ...], value: Any) -> None:
    if isinstance(value, str):
        _check_text(check, loc, value)
    elif not isinstance(value, date_type):  # datetime is a date too
        check.refuse(loc, value, rejection("date_invalid", {"value": _value_shown(value)}))


def _check_entries(check: _UploadCheck, name: str, value: Any) -> None:
    """A list of mappings (`corrections`, `updates`), each with only its documented fields,
    each of its kind. A bad entry refuses the whole field: the model must not guess which
    of an editor's corrections were meant."""
    schema = ENTRY_SCHEMA[name]
    accepted = ", ".join(schema)
    if not isinstance(value, list):
        check.refuse((name,), value, rejection("expected_list", {"kind": kind_of(value)}))
        return
    if len(value) > UPLOAD_LIST_LIMITS[name]:
        return  # refused by its count, entries unseen
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            shown = {"kind": kind_of(entry), "accepted": accepted}
            check.refuse((name, index), entry, rejection("entry_not_mapping", shown))
            continue
        for part, item in entry.items():
            loc: tuple[str | int, ...] = (name, index, str(part))
            kind = schema.get(part) if isinstance(part, str) else None
            if kind is None:
                check.refuse(loc, item, rejection("entry_field_unknown", {"accepted": accepted}))
            elif item is None:
                continue
            elif kind is FieldType.MOMENT:
                _check_moment(check, loc, item)
            else:
                _check_text(check, loc, item, multiline=kind is FieldType.LONG_TEXT)


def _check_upload(fields: Mapping[str, Any], body: str) -> _UploadCheck:
    """The upload schema applied to an upload's fields: only documented fields, each of its
    documented kind, each text publishable. Pure; never raises."""
    check = _UploadCheck()
    for name, value in fields.items():
        if name in STORAGE_FIELDS:
            accepted = {"accepted": ", ".join(UPLOAD_FIELDS)}
            check.refuse((str(name),), value, rejection("storage_field", accepted))
            continue
        kind = UPLOAD_SCHEMA.get(name) if isinstance(name, str) else None
        if kind is None or (value is None and name in REQUIRED_FIELDS):
            continue  # unknown names: warned about and ignored; a blank title: said below
        if value is not None:
            _check_field(check, name, kind, value)
    _check_field(check, "body", FieldType.LONG_TEXT, body)
    return check


def _reraised(details: Any) -> InitErrorDetails:
    """A pydantic error of the stored model, to be raised again beside the schema's own."""
    kind = str(details["type"])
    ctx = details.get("ctx")
    if kind.startswith("rotativa."):
        error_type: str | PydanticCustomError = PydanticCustomError(kind, kind, ctx)
    else:
        error_type = kind
    init: InitErrorDetails = {"type": error_type, "loc": details["loc"], "input": details["input"]}
    if ctx is not None and not kind.startswith("rotativa."):
        init["ctx"] = ctx
    return init


#: What the stored model says of a text the schema already flagged: said once is enough.
_REPEATS = frozenset({"rotativa.control_characters", "string_unicode"})


def _check_slug(
    check: _UploadCheck, key: str, data: dict[str, Any], settings: SiteSettings
) -> None:
    """The slug given, or made from the file name, is one the site does not use itself.
    Stored records are not judged again: a rule added later must not make them unreadable."""
    slug = data.get("slug")
    if slug is None and "slug" not in check.refused:
        stem = PurePosixPath(key).stem
        derived = slugify(stem)
        if not derived:
            check.refuse(("slug",), stem, rejection("slug_from_filename", {"value": stem}))
        elif is_reserved_slug(derived, settings.section_slugs):
            check.refuse(
                ("slug",),
                stem,
                rejection(
                    "slug_from_filename_reserved",
                    {"value": stem, "slug": derived, "suggestion": f"{derived}-articolo"},
                ),
            )
        else:
            data["slug"] = derived
    elif (
        isinstance(slug, str)
        and is_valid_slug(slug)
        and is_reserved_slug(slug, settings.section_slugs)
    ):
        suggestion = {"value": slug, "suggestion": f"{slug}-articolo"}
        check.refuse(("slug",), slug, rejection("slug_reserved", suggestion))


def _check_timeline(
    check: _UploadCheck,
    fields: Mapping[str, Any],
    data: Mapping[str, Any],
    settings: SiteSettings,
    now: datetime | None,
) -> None:
    """Corrections and live updates happen after the story starts and before the upload
    tells of them, and no two updates share a time (each is an address on the page:
    `#agg-2110`). Judged on the editor's own entries, so each error names the entry; the
    story's start is its `date` (else `publish_at`) as the model will read it."""
    start_value = data.get("date") if data.get("date") is not None else data.get("publish_at")
    start = parse_datetime(start_value, settings) if start_value is not None else None
    latest = now + timedelta(minutes=settings.future_tolerance_minutes) if now else None
    for name in ENTRY_SCHEMA:
        entries = fields.get(name)  # as written: an entry refused elsewhere still has a time
        if not isinstance(entries, list) or len(entries) > UPLOAD_LIST_LIMITS[name]:
            continue
        seen: dict[datetime, int] = {}
        for index, entry in enumerate(entries):
            value = entry.get("at") if isinstance(entry, dict) else None
            at = parse_datetime(value, settings) if value is not None else None
            if at is None:
                continue  # missing or unreadable: the model says which
            loc: tuple[str | int, ...] = (name, index, "at")
            shown = _value_shown(value)
            found: list[tuple[str, dict[str, Any]]] = []
            if start is not None and at < start:
                found.append(("entry_before_date", {"date": start.isoformat(timespec="minutes")}))
            if now is not None and latest is not None and at > latest:
                local_now = now.astimezone(settings.zone).isoformat(timespec="minutes")
                tolerance = settings.future_tolerance_minutes
                found.append(("entry_in_future", {"now": local_now, "tolerance": tolerance}))
            if name == "updates" and at in seen:
                found.append(("update_at_repeated", {"other": seen[at] + 1, "position": index + 1}))
            for code, params in found:
                problem = rejection(code, {"value": shown, **params})
                check.errors.append({"type": problem, "loc": loc, "input": value})
            seen.setdefault(at, index)


Line = Annotated[str, StringConstraints(strip_whitespace=True)]


def rejection(code: str, params: dict[str, Any] | None = None) -> PydanticCustomError:
    """A validation error an editor can act on: its type is `rotativa.<catalogue code>`."""
    return PydanticCustomError(f"rotativa.{code}", code, params)


def _check_plain_text(value: str, *, multiline: bool = False) -> str:
    """The stored model's own check (controls and bidi, as when records were written), then
    NFC. Uploads meet the whole of `first_unpublishable` first, in the upload schema."""
    for char in value:
        if character_class(char, multiline=multiline) is CharacterClass.CONTROL:
            raise rejection("control_characters")
    return unicodedata.normalize("NFC", value)


def _settings(info: ValidationInfo) -> SiteSettings:
    context = info.context or {}
    settings = context.get("settings")
    if not isinstance(settings, SiteSettings):
        raise TypeError("Article validation needs context={'settings': SiteSettings}")
    return settings


def _moment(value: Any, info: ValidationInfo) -> datetime | None:
    """A date of an upload: ISO 8601 or YAML's own, naive meaning site time, in range."""
    if value is None:
        return None
    settings = _settings(info)
    parsed = parse_datetime(value, settings)
    if parsed is None:
        raise rejection("date_invalid", {"value": str(value)[:40]})
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
        raise rejection(
            "date_out_of_range",
            {"value": str(value)[:40], "min": EARLIEST_YEAR, "max": LATEST_YEAR},
        )
    return parsed


class ArticleStatus(StrEnum):
    PUBLISHED = "published"
    DRAFT = "draft"


class Section(BaseModel):
    """The section an article belongs to: as configured for the site when it has sections."""

    model_config = ConfigDict(frozen=True)

    name: str
    slug: str

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, dict):
            # Read back from storage; an upload's section is text (see `UPLOAD_SCHEMA`).
            return value
        if not isinstance(value, str):
            raise rejection("expected_text", {"kind": kind_of(value)})
        name = " ".join(_check_plain_text(value).split())
        settings = _settings(info)
        if settings.sections:
            configured = settings.find_section(name)
            if configured is None:
                accepted = ", ".join(s.name for s in settings.sections)
                raise rejection("section_unknown", {"value": name[:80], "accepted": accepted})
            return {"name": configured.name, "slug": configured.slug}
        named = _name_and_slug(name)
        if is_site_tree(named["slug"]):
            # A site that takes any section still makes /tag/, /autore/, /media/…: a section
            # named so would put its articles on those pages' addresses.
            raise rejection("section_reserved", {"value": name[:80], "path": f"/{named['slug']}/"})
        return named


class Tag(BaseModel):
    """A tag as the editor wrote it; two tags are the same when their slugs are."""

    model_config = ConfigDict(frozen=True)

    name: str
    slug: str

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)  # not from an upload: its schema asks for "2024" quoted
        if not isinstance(value, str):
            raise rejection("expected_text", {"kind": kind_of(value)})
        name = " ".join(_check_plain_text(value).split())
        if len(name) > TAG_MAX:
            raise rejection("too_long", {"actual": len(name), "limit": TAG_MAX})
        return _name_and_slug(name)

    @classmethod
    def of(cls, name: str) -> Tag:
        return cls.model_validate(name)


def _name_and_slug(name: str) -> dict[str, str]:
    if not name:
        raise rejection("blank")
    slug = slugify(name)
    if not slug:
        raise rejection("name_without_letters", {"value": name[:80]})
    return {"name": name, "slug": slug}


def _as_written(value: Any) -> str:
    """A value as the editor wrote it (`[0.5, "alto"]`), short, and renderable in a
    report: a lone surrogate inside is escaped, never kept."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    if not _encodable(text):
        text = json.dumps(value, ensure_ascii=True, default=str)
    return shorten(text, 40)


def _focus_coordinate(value: Any) -> bool:
    """A number, not true/false (YAML's `true` is Python's 1), and finite (YAML's `.nan`
    and `.inf` are floats): text is refused rather than read as a number, as everywhere."""
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and (isinstance(value, int) or math.isfinite(value))
    )


def focus_problem(value: Any) -> PydanticCustomError | None:
    """What is wrong with an image's focus, or None: two numbers from 0 to 1.

    One rule for the upload schema and the stored model, so a focus the model holds is
    always one the crops can use. Lists and tuples only: a mapping `{x:, y:}` or a text
    `"0.5, 0.3"` is refused with the shape to write, not guessed at."""
    if not isinstance(value, (list, tuple)):
        return rejection("image_focus_invalid", {"value": _as_written(value)})
    if len(value) != 2 or not all(_focus_coordinate(v) for v in value):
        return rejection("image_focus_invalid", {"value": _as_written(list(value))})
    if not all(0 <= v <= 1 for v in value):
        return rejection("image_focus_out_of_range", {"value": _as_written(list(value))})
    return None


class ArticleImage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    src: Annotated[Line, Field(min_length=1, max_length=500)]
    alt: Annotated[Line, Field(max_length=300)]
    caption: Annotated[Line, Field(max_length=500)] = ""
    # A default, so records stored before the focus existed still load (centred).
    focus: Focus = FOCUS_CENTRE

    @model_validator(mode="before")
    @classmethod
    def _alt_required(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and not str(data.get("alt") or "").strip():
            raise rejection("image_alt_missing")
        return data

    @field_validator("src")
    @classmethod
    def _safe_src(cls, value: str) -> str:
        if not is_allowed_url(value) or value.startswith("mailto:"):
            raise rejection("url_invalid", {"value": value[:80]})
        return value

    @field_validator("alt", "caption")
    @classmethod
    def _plain(cls, value: str) -> str:
        return _check_plain_text(value)

    @field_validator("focus", mode="before")
    @classmethod
    def _focus(cls, value: Any) -> Any:
        problem = focus_problem(value)
        if problem is not None:
            raise problem
        # `+ 0.0`: a float either way, and -0.0 (a valid 0) is stored as 0.0.
        return Focus(value[0] + 0.0, value[1] + 0.0)

    @property
    def is_local(self) -> bool:
        return urlsplit(self.src).scheme == ""


class _Entry(BaseModel):
    """A dated note of the newsroom on an article: a correction or a live update. `at` is
    site time like every date of an upload; `text` is Markdown, rendered like the body."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    at: datetime
    text: Annotated[str, Field(min_length=1)]

    @field_validator("at", mode="before")
    @classmethod
    def _local_at(cls, value: Any, info: ValidationInfo) -> Any:
        if not (info.context or {}).get("settings"):
            return value  # read back with a teaser: stored with its offset, as pydantic reads
        return _moment(value, info)

    @field_validator("text")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        text = _check_plain_text(value.strip(), multiline=True)
        if not text:
            raise rejection("blank")
        return text


class Correction(_Entry):
    """A correction made in the open: what was wrong, and when it was put right."""

    text: Annotated[str, Field(min_length=1, max_length=CORRECTION_TEXT_MAX)]


class LiveUpdate(_Entry):
    """One entry of live coverage (a council session, a flood, an election night)."""

    title: Annotated[Line, Field(max_length=UPDATE_TITLE_MAX)] = ""
    text: Annotated[str, Field(min_length=1, max_length=UPDATE_TEXT_MAX)]

    @field_validator("title")
    @classmethod
    def _plain_title(cls, value: str) -> str:
        return _check_plain_text(value)


_EntryT = TypeVar("_EntryT", bound=_Entry)


def _newest_first(entries: tuple[_EntryT, ...]) -> tuple[_EntryT, ...]:
    """Entries as the page shows them; stored so, a file listing them in another order is
    the same article."""
    return tuple(sorted(entries, key=lambda e: e.at, reverse=True))


class Article(BaseModel):
    """One published (or draft) article, keyed by the upload it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    key: str
    slug: str = ""
    title: Annotated[Line, Field(min_length=1, max_length=TITLE_MAX)]
    section: Section
    date: datetime | None = None
    tags: Annotated[tuple[Tag, ...], Field(max_length=TAGS_MAX)] = ()
    authors: Annotated[
        tuple[Annotated[Line, Field(min_length=1, max_length=AUTHOR_MAX)], ...],
        Field(max_length=AUTHORS_MAX),
    ] = ()
    summary: Annotated[Line, Field(max_length=SUMMARY_MAX)] = ""
    image: ArticleImage | None = None
    status: ArticleStatus = ArticleStatus.PUBLISHED
    publish_at: datetime | None = None
    expires_at: datetime | None = None
    pinned: bool = False
    related: Annotated[tuple[str, ...], Field(max_length=RELATED_MAX)] = ()
    aliases: Annotated[tuple[str, ...], Field(max_length=ALIASES_MAX)] = ()
    # Newest first (see `_newest_first`); `live` marks coverage still going on.
    corrections: Annotated[tuple[Correction, ...], Field(max_length=CORRECTIONS_MAX)] = ()
    live: bool = False
    updates: Annotated[tuple[LiveUpdate, ...], Field(max_length=UPDATES_MAX)] = ()
    body: str = ""

    @classmethod
    def from_upload(
        cls,
        key: str,
        fields: Mapping[str, Any],
        body: str,
        settings: SiteSettings,
        *,
        now: datetime | None = None,
    ) -> Article:
        """Validate an upload's fields; raises pydantic's ValidationError with every error.

        Two steps, so that storage's shapes can never come from an upload: the upload schema
        (`UPLOAD_SCHEMA`: documented fields, documented kinds, publishable text, a slug that
        is not the site's) first; then this stored model normalises what passed. Errors of
        both are raised together, so the editor reads them all at once; a field refused by
        the schema is not shown to the model, which would only say it again.

        `now` is when the upload arrived: corrections and live updates may not lie ahead of
        it by more than the site's tolerance (None: not judged, e.g. a stored record).
        """
        # A JSON body may carry CR line ends as escapes: the same text as a Markdown file's,
        # whose line ends are normalised on reading.
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        check = _check_upload(fields, body)
        data: dict[str, Any] = {
            name: value
            for name, value in fields.items()
            if name in UPLOAD_SCHEMA
            and name not in check.refused
            and (value is not None or name in REQUIRED_FIELDS)  # empty means not given
        }
        if isinstance(data.get("image"), dict):
            data["image"] = {
                k: v
                for k, v in data["image"].items()
                if v is not None and ("image", k) not in check.withheld
            }
        _check_slug(check, key, data, settings)
        _check_timeline(check, fields, data, settings, now)
        safe_body = body if "body" not in check.refused | check.flagged else ""
        article: Article | None = None
        errors = list(check.errors)
        try:
            article = cls.model_validate(
                {**data, "key": key, "body": safe_body}, context={"settings": settings}
            )
        except ValidationError as exc:
            for details in exc.errors():
                name = str(details["loc"][0]) if details["loc"] else ""
                if name in check.refused:
                    continue
                if name in check.flagged and details["type"] in _REPEATS:
                    continue
                errors.append(_reraised(details))
        if errors or article is None:
            raise ValidationError.from_exception_data(cls.__name__, errors)
        return article

    # --- derived and defaulted fields -----------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("slug") is None and isinstance(data.get("key"), str):
            # `from_upload` derives it (and says why it cannot); this is for direct callers.
            data["slug"] = slugify(PurePosixPath(data["key"]).stem)
        if not data.get("summary") and isinstance(data.get("body"), str):
            data["summary"] = summary_from_body(data["body"])
        for name in ("tags", "authors", "related", "aliases"):
            if data.get(name) is None:
                data.pop(name, None)
            elif isinstance(data[name], str):
                # `tags: Sport` is a list of one: what every editor means by it.
                data[name] = [data[name]]
        return data

    @field_validator("slug")
    @classmethod
    def _valid_slug(cls, value: str) -> str:
        if not is_valid_slug(value) or not value:
            raise rejection(
                "slug_invalid",
                {
                    "value": value[:80],
                    "limit": SLUG_MAX_LENGTH,
                    "suggestion": slugify(value) or "titolo-articolo",
                },
            )
        return value

    @field_validator("title", "summary")
    @classmethod
    def _plain_line(cls, value: str) -> str:
        return _check_plain_text(value, multiline=False)

    @field_validator("body")
    @classmethod
    def _body_size(cls, value: str) -> str:
        size = len(value.encode("utf-8"))
        if size > BODY_MAX_BYTES:
            raise rejection(
                "body_too_large",
                {"actual": f"{size // 1000} KB", "limit": f"{BODY_MAX_BYTES // 1000} KB"},
            )
        return _check_plain_text(value, multiline=True)

    @field_validator("tags", mode="before")
    @classmethod
    def _tag_list(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)) and len(value) > TAGS_MAX:
            # Refuse 10,000 tags by their count, before validating each one.
            raise rejection("too_many", {"actual": len(value), "limit": TAGS_MAX})
        return value

    @field_validator("tags", mode="after")
    @classmethod
    def _distinct_tags(cls, value: tuple[Tag, ...]) -> tuple[Tag, ...]:
        """`Città` and `citta` are one tag: the first spelling is the one shown."""
        distinct: dict[str, Tag] = {}
        for tag in value:
            distinct.setdefault(tag.slug, tag)
        return tuple(distinct.values())

    @field_validator("authors", mode="after")
    @classmethod
    def _authors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(_check_plain_text(" ".join(a.split())) for a in value))

    @field_validator("date", "publish_at", "expires_at", mode="before")
    @classmethod
    def _local_datetime(cls, value: Any, info: ValidationInfo) -> Any:
        return _moment(value, info)

    @field_validator("corrections", "updates", mode="after")
    @classmethod
    def _entries_newest_first(cls, value: tuple[_EntryT, ...]) -> tuple[_EntryT, ...]:
        return _newest_first(value)

    @field_validator("expires_at")
    @classmethod
    def _expires_after_publication(
        cls, value: datetime | None, info: ValidationInfo
    ) -> datetime | None:
        published = info.data.get("publish_at") or info.data.get("date")
        if value is not None and published is not None and value <= published:
            raise rejection(
                "expiry_before_publication",
                {"value": value.isoformat(), "other": published.isoformat()},
            )
        return value

    @field_validator("related")
    @classmethod
    def _related_slugs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for slug in value:
            cls._valid_slug(slug)
        return tuple(dict.fromkeys(value))

    @field_validator("aliases")
    @classmethod
    def _alias_paths(cls, value: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        settings = _settings(info)
        paths = []
        for alias in value:
            path = normalize_alias(alias)
            if is_site_page(path, settings.section_slugs):
                raise rejection("alias_reserved", {"value": alias[:80], "path": path})
            paths.append(path)
        return tuple(dict.fromkeys(paths))

    # --- what the site derives from an article --------------------------------------------

    @property
    def is_live_blog(self) -> bool:
        """Live coverage, going on (`live`) or over (its updates kept, `live` removed)."""
        return self.live or bool(self.updates)

    @property
    def revised(self) -> datetime | None:
        """The newsroom's latest dated note on the article (a correction or an update): what
        readers are told it was last changed at, when that is later than an upload."""
        moments = [e.at for e in (*self.corrections[:1], *self.updates[:1])]
        return max(moments) if moments else None

    @property
    def path(self) -> str:
        return f"/{self.section.slug}/{self.slug}/"

    @property
    def is_draft(self) -> bool:
        return self.status is ArticleStatus.DRAFT

    def teaser(self, published: datetime, updated: datetime | None = None) -> ArticleTeaser:
        """What lists, boxes and feeds show of this article.

        `published` is the article's date, or when it was first published when it has none;
        `updated` is set when a later upload changed it.
        """
        return ArticleTeaser(
            key=self.key,
            slug=self.slug,
            title=self.title,
            section=self.section,
            date=published,
            updated=updated,
            summary=self.summary,
            image=self.image,
            tags=self.tags,
            authors=self.authors,
            pinned=self.pinned,
            related=self.related,
            live=self.live,
            revised=self.revised,
            corrections=self.corrections,
        )


class ArticleTeaser(BaseModel):
    """An article as the homepage, lists, related boxes, feeds and sitemaps show it."""

    model_config = ConfigDict(frozen=True)

    key: str
    slug: str
    title: str
    section: Section
    date: datetime
    updated: datetime | None = None
    summary: str = ""
    image: ArticleImage | None = None
    tags: tuple[Tag, ...] = ()
    authors: tuple[str, ...] = ()
    pinned: bool = False
    related: tuple[str, ...] = ()  # slugs the editor pinned into this article's box
    # The variants of `image` when it is a picture the site made them for (issue 14):
    # fronts and related boxes show them with `srcset`; None shows `image.src` as it is.
    picture: PictureRef | None = None
    live: bool = False  # coverage going on: fronts say "In diretta"
    revised: datetime | None = None  # the latest correction or live update (`Article.revised`)
    corrections: tuple[Correction, ...] = ()  # newest first: /correzioni/ and the feeds

    @property
    def path(self) -> str:
        return f"/{self.section.slug}/{self.slug}/"

    @property
    def modified(self) -> datetime:
        """When readers last saw it change (feeds, sitemaps): never before its own date,
        even when a correction was uploaded before the date the article carries."""
        return max(m for m in (self.date, self.updated, self.revised) if m is not None)


_ALIAS_PATH = re.compile(r"^/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$")


def normalize_alias(value: str) -> str:
    """An old address of the site as a path: `https://old.it/2017/x/` → `/2017/x/`."""
    text = value.strip()
    parts = urlsplit(text)
    if parts.scheme in {"http", "https"} and parts.netloc:
        text = parts.path or "/"
    # Judged as S3 will store it (decoded), so `%2e%2e` or `%2F` cannot smuggle a dot
    # segment, an empty one or a backslash past the check.
    decoded = unquote(text)
    segments = decoded.split("/")
    if (
        not _ALIAS_PATH.match(text)
        or len(text) > ALIAS_MAX
        or "//" in decoded
        or ".." in segments
        or "." in segments
        or any(char == "\\" or unicodedata.category(char)[0] in "CZ" for char in decoded)
    ):
        raise rejection("alias_invalid", {"value": value[:80]})
    last = text.rsplit("/", 1)[-1]
    if last and "." not in last:
        # The CDN serves `/2017/x` as `/2017/x/` (the viewer-request rewrite): one address.
        text += "/"
    # One spelling per object: `/x/index.html`, `/%78/` and `/x/` are the same key in S3.
    return canonical_path(text)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def parse_datetime(value: Any, settings: SiteSettings) -> datetime | None:
    """ISO 8601 text, or a date/datetime; naive values are in the site's time zone."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date_type):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        text = value.strip().replace(" ", "T", 1)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=settings.zone)
    return parsed
