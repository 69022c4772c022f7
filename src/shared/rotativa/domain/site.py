"""The site's own settings: name, address, language, time zone and sections in order.

They come from `site.yaml` beside the content (CLI, local cloud) or from the functions'
environment (AWS); both paths end in the same validated `SiteSettings`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rotativa.domain.messages import Language
from rotativa.domain.pages import is_site_tree
from rotativa.domain.slugs import fold, slugify

DEFAULT_MAX_UPLOAD_BYTES = 1_000_000


class SectionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=80)]
    slug: str = ""
    homepage_count: Annotated[int, Field(ge=1, le=20)] = 5

    @model_validator(mode="after")
    def _derive_slug(self) -> SectionSettings:
        slug = self.slug or slugify(self.name)
        if not slug:
            raise ValueError(f"section {self.name!r} has no letters or digits for its URL")
        if is_site_tree(slug):
            raise ValueError(
                f"section {self.name!r} would live at /{slug}/, where the site keeps its own "
                "pages: give it another name or slug"
            )
        object.__setattr__(self, "slug", slug)
        return self


#: Where a content folder keeps its settings, beside `articles/` and `media/`.
SITE_FILE = "site.yaml"


class SiteSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=100)]
    base_url: str
    locale: Language = "it"
    time_zone: str = "Europe/Rome"
    sections: tuple[SectionSettings, ...] = ()
    max_upload_bytes: Annotated[int, Field(ge=1_000, le=50_000_000)] = DEFAULT_MAX_UPLOAD_BYTES
    # How far ahead of its upload a correction or a live update may be dated: clocks differ,
    # and an editor rounds "21:10" up; a time past this is a typo (a wrong day, a wrong hour).
    future_tolerance_minutes: Annotated[int, Field(ge=0, le=1_440)] = 15

    @field_validator("base_url")
    @classmethod
    def _absolute_https_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ValueError("base_url must be an absolute http(s) URL such as https://example.it/")
        return value if value.endswith("/") else value + "/"

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}, e.g. Europe/Rome") from exc
        return value

    @field_validator("sections", mode="before")
    @classmethod
    def _names_or_mappings(cls, value: Any) -> Any:
        """`sections: [Sesto San Giovanni, Sport]` is shorthand for `- name: …` items."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, (list, tuple)):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @model_validator(mode="after")
    def _unique_sections(self) -> SiteSettings:
        seen: set[str] = set()
        for section in self.sections:
            if section.slug in seen:
                raise ValueError(f"section {section.name!r} is listed twice")
            seen.add(section.slug)
        return self

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def section_slugs(self) -> tuple[str, ...] | None:
        """The configured sections' URL segments; None when the site takes any section."""
        return tuple(section.slug for section in self.sections) or None

    def find_section(self, name: str) -> SectionSettings | None:
        """The configured section an editor meant, ignoring case, accents and spacing."""
        wanted = slugify(name)
        for section in self.sections:
            if section.slug == wanted or fold(section.name) == fold(name):
                return section
        return None

    @classmethod
    def from_file(cls, path: Path) -> SiteSettings:
        import yaml  # the functions read their settings from the environment, not YAML

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of settings")
        return cls.model_validate(data)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> SiteSettings:
        """Settings of a Lambda function: `SITE_NAME`, `SITE_BASE_URL`, `SITE_SECTIONS`, …"""
        data: dict[str, Any] = {
            "name": environ.get("SITE_NAME"),
            "base_url": environ.get("SITE_BASE_URL"),
        }
        optional = {
            "locale": "SITE_LOCALE",
            "time_zone": "SITE_TIME_ZONE",
            "sections": "SITE_SECTIONS",
            "max_upload_bytes": "SITE_MAX_UPLOAD_BYTES",
            "future_tolerance_minutes": "SITE_FUTURE_TOLERANCE_MINUTES",
        }
        for field, variable in optional.items():
            if environ.get(variable):
                data[field] = environ[variable]
        return cls.model_validate(data)
