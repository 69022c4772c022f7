"""The Article: what one upload means once it is valid and normalised.

Validation needs to know the site (its sections and time zone), so `Article.from_upload`
passes the `SiteSettings` to the validators through pydantic's context. Errors the editor
can act on are raised as `PydanticCustomError`s whose type is a catalogue code; the
service layer turns every pydantic error into a `Problem` in one place.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date as date_type
from datetime import datetime
from enum import StrEnum
from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import unquote, urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rotativa.domain.markdown import is_allowed_url, summary_from_body
from rotativa.domain.messages import kind_of
from rotativa.domain.pages import canonical_path, is_site_page
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import SLUG_MAX_LENGTH, is_valid_slug, slugify

TITLE_MAX = 200
SUMMARY_MAX = 500
TAGS_MAX = 20
TAG_MAX = 50
AUTHORS_MAX = 10
AUTHOR_MAX = 100
RELATED_MAX = 10
ALIASES_MAX = 20
ALIAS_MAX = 300
BODY_MAX_BYTES = 200_000
EARLIEST_YEAR = 1900
LATEST_YEAR = 2199

UPLOAD_FIELDS = (
    "title", "section", "date", "slug", "tags", "authors", "summary", "image", "status",
    "publish_at", "expires_at", "pinned", "related", "aliases",
)  # fmt: skip

# Bidirectional overrides and isolates: they can make a title read differently from
# what it is (Trojan Source); no headline needs them.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

Line = Annotated[str, StringConstraints(strip_whitespace=True)]


def rejection(code: str, params: dict[str, Any] | None = None) -> PydanticCustomError:
    """A validation error an editor can act on: its type is `rotativa.<catalogue code>`."""
    return PydanticCustomError(f"rotativa.{code}", code, params)


def _check_plain_text(value: str, *, multiline: bool = False) -> str:
    for char in value:
        if char in _BIDI_CONTROLS or (
            unicodedata.category(char) == "Cc" and not (multiline and char in "\n\t")
        ):
            raise rejection("control_characters")
    return unicodedata.normalize("NFC", value)


def _settings(info: ValidationInfo) -> SiteSettings:
    context = info.context or {}
    settings = context.get("settings")
    if not isinstance(settings, SiteSettings):
        raise TypeError("Article validation needs context={'settings': SiteSettings}")
    return settings


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
            return value  # already normalised (read back from storage)
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
        return _name_and_slug(name)


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
            value = str(value)  # `tags: [2024]` means the text 2024
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


class ArticleImage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", coerce_numbers_to_str=True)

    src: Annotated[Line, Field(min_length=1, max_length=500)]
    alt: Annotated[Line, Field(max_length=300)]
    caption: Annotated[Line, Field(max_length=500)] = ""

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

    @property
    def is_local(self) -> bool:
        return urlsplit(self.src).scheme == ""


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
    body: str = ""

    @classmethod
    def from_upload(
        cls, key: str, fields: Mapping[str, Any], body: str, settings: SiteSettings
    ) -> Article:
        """Validate an upload's fields; raises pydantic's ValidationError."""
        data = {name: value for name, value in fields.items() if name in UPLOAD_FIELDS}
        return cls.model_validate(
            {**data, "key": key, "body": body}, context={"settings": settings}
        )

    # --- derived and defaulted fields -----------------------------------------------------

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("slug") is None and isinstance(data.get("key"), str):
            stem = PurePosixPath(data["key"]).stem
            data["slug"] = slugify(stem)
            if not data["slug"]:
                raise rejection("slug_from_filename", {"value": stem})
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

    @property
    def path(self) -> str:
        return f"/{self.section.slug}/{self.slug}/"

    @property
    def modified(self) -> datetime:
        """When readers last saw it change (feeds, sitemaps): never before its own date,
        even when a correction was uploaded before the date the article carries."""
        return max(self.date, self.updated) if self.updated is not None else self.date


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
