"""A WordPress export (WXR) → a content folder of rotativa uploads, and a report of the way.

    DIR/articles/<slug>.md    one upload per post: YAML front matter + Markdown body
    DIR/media-manifest.csv    every image and file to fetch, and the media/ name it goes under
    DIR/import-report.json    what was converted, skipped (and why), changed or doubtful
    DIR/site.yaml             a copy of --site, so that `rotativa check`/`local` use it

The export is read twice, streaming, never whole: first for what posts refer to and may
come after them in the file (authors, categories, attachments: a featured image is often
uploaded after its post was written), then to convert the posts one at a time. Every file
is checked with `validate_upload`, the very function the cloud runs on an upload, so the
report says now what the cloud would say later. Nothing is fetched from the network: the
manifest lists what an editor downloads and uploads under `media/`.

The output depends only on the export and the options: no clock, no randomness, files
rewritten only when their bytes change. Importing twice gives the same folder, and the
second run touches nothing (which also keeps `rotativa dev`'s watcher quiet).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Protocol
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import yaml

from rotativa.domain.article import (
    ALIAS_MAX,
    AUTHOR_MAX,
    AUTHORS_MAX,
    SUMMARY_MAX,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
    normalize_alias,
)
from rotativa.domain.markdown import shorten, summary_from_body
from rotativa.domain.messages import Counted, Language, render_message
from rotativa.domain.problems import Problem, Severity
from rotativa.domain.site import SITE_FILE, SiteSettings
from rotativa.domain.slugs import SLUG_MAX_LENGTH, slugify
from rotativa.services.validation import validate_upload
from rotativa_tools.wordpress.html_to_markdown import html_to_markdown, html_to_text
from rotativa_tools.wordpress.wxr import Element, read_wxr

ARTICLES = "articles"
MANIFEST = "media-manifest.csv"
REPORT = "import-report.json"
IMAGE_ALT_MAX = 300
IMAGE_CAPTION_MAX = 500
UPLOADS = "/wp-content/uploads/"
# The import's notes are in the project's catalogue under this prefix; the report keeps the
# short code (`slug_renamed`), documented in docs/wordpress-import.md.
MESSAGE_PREFIX = "wp_"

_WP_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?\s*$")
_SIZE_SUFFIX = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")
_STATUSES = {
    "publish": "published",
    "future": "published",
    "draft": "draft",
    "pending": "draft",
    "private": "draft",
}


# --- messages ---------------------------------------------------------------------------


def import_message(code: str, language: Language = "it", /, **params: Any) -> str:
    """The sentence for the import's `code` (`slug_renamed`), from `rotativa.domain.messages`;
    `value`, `other` and `field` are the usual parameters and default to empty."""
    values = {"value": "", "other": "", "field": "", **params}
    return render_message(MESSAGE_PREFIX + code, language, **values)


# --- progress ---------------------------------------------------------------------------


class ProgressSink(Protocol):
    """Where the import shows how far it is (a terminal bar, or nothing)."""

    def start(self, label: str, total_bytes: int, total_items: int | None) -> None: ...

    def update(self, done_bytes: int, items: int) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    def start(self, label: str, total_bytes: int, total_items: int | None) -> None:
        del label, total_bytes, total_items

    def update(self, done_bytes: int, items: int) -> None:
        del done_bytes, items

    def finish(self) -> None:
        pass


# --- options and results ----------------------------------------------------------------


@dataclass(frozen=True)
class ImportOptions:
    export: Path
    out: Path
    site: SiteSettings
    site_file: Path | None = None  # copied into `out` so that check/local use the same site
    default_section: str | None = None
    language: Language = "it"


@dataclass
class ImportResult:
    report: dict[str, Any]
    out: Path

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = self.report["counts"]
        return counts

    @property
    def ok(self) -> bool:
        """Every converted post is a valid upload (warnings allowed)."""
        return self.counts["invalid"] == 0


# --- media: the site's uploads and where they go ---------------------------------------


@dataclass(frozen=True)
class Attachment:
    id: int
    url: str
    title: str
    alt: str
    caption: str


@dataclass
class MediaEntry:
    media: str  # `media/carrera.jpg`
    url: str  # where to fetch it
    attachment_id: int | None
    used_by: set[str] = field(default_factory=set)


def _host(netloc: str) -> str:
    host = netloc.rsplit("@", 1)[-1].split(":", 1)[0].lower()
    return host.removeprefix("www.")


def _url_key(url: str, default_host: str) -> str:
    """One key for every spelling of an address: scheme, `www.`, escapes, query ignored."""
    parts = urlsplit(url.strip())
    host = _host(parts.netloc) if parts.netloc else default_host
    return host + unquote(parts.path)


class MediaLibrary:
    """The export's attachments and the site's uploads the posts use, with unique names."""

    def __init__(self, site_hosts: set[str]) -> None:
        self.site_hosts = site_hosts
        self.default_host = next(iter(sorted(site_hosts)), "")
        self.by_key: dict[str, MediaEntry] = {}
        self.names: set[str] = set()

    def _name(self, url: str) -> str:
        filename = PurePosixPath(unquote(urlsplit(url).path)).name
        stem, dot, extension = filename.rpartition(".")
        if not dot:
            stem, extension = filename, ""
        extension = "." + extension.lower() if extension else ""
        if not _EXTENSION.fullmatch(extension):
            extension = ""
        base = slugify(stem, max_length=80) or "file"
        name, number = base + extension, 2
        while name in self.names:
            name = f"{base}-{number}{extension}"
            number += 1
        self.names.add(name)
        return f"media/{name}"

    def add(self, url: str, attachment_id: int | None = None) -> MediaEntry:
        key = _url_key(url, self.default_host)
        entry = self.by_key.get(key)
        if entry is None:
            entry = self.by_key[key] = MediaEntry(self._name(url), url.strip(), attachment_id)
        return entry

    def is_site_upload(self, url: str) -> bool:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("", "http", "https"):
            return False
        local = not parts.netloc or _host(parts.netloc) in self.site_hosts
        return local and UPLOADS in parts.path

    def find(self, url: str) -> MediaEntry | None:
        """The entry for an address: an attachment, one of its resized copies, or another
        file of the site's uploads (registered on first sight)."""
        key = _url_key(url, self.default_host)
        entry = self.by_key.get(key) or self.by_key.get(_SIZE_SUFFIX.sub("", key))
        if entry is None and self.is_site_upload(url):
            absolute = url.strip()
            if not urlsplit(absolute).netloc:
                absolute = f"https://{self.default_host}{absolute}"
            entry = self.add(absolute)
        return entry

    def entries(self) -> list[MediaEntry]:
        return sorted(self.by_key.values(), key=lambda e: e.media)


class _PostUrls:
    """The importer's `UrlMap` for one post: remembers which media the post uses."""

    def __init__(self, library: MediaLibrary, attachments: dict[int, Attachment]) -> None:
        self.library = library
        self.attachments = attachments
        self.used: list[MediaEntry] = []

    def image(self, url: str) -> str:
        entry = self.library.find(url)
        if entry is None:
            return url
        self.used.append(entry)
        return entry.media

    def link(self, url: str) -> str:
        entry = self.library.find(url)
        if entry is not None:
            self.used.append(entry)
            return entry.media
        parts = urlsplit(url.strip())
        if parts.netloc and _host(parts.netloc) in self.library.site_hosts:
            if parts.path in ("", "/") and parts.query:
                return url  # `?p=123`: no path the new site could redirect
            # The old site's own pages: a path, which the articles' aliases redirect.
            return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
        return url

    def alt_text(self, attachment_id: int) -> str:
        attachment = self.attachments.get(attachment_id)
        return attachment.alt if attachment else ""


# --- YAML front matter ------------------------------------------------------------------


class _FrontMatterDumper(yaml.SafeDumper):
    """SafeDumper writing every text double-quoted (a title with `:`, `#` or quotes stays
    text), lists of names on one line, field names plain, and no anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        del data
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.MappingNode:
    node = dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=False)
    for key, _ in node.value:
        key.style = None
    return node


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_FrontMatterDumper.add_representer(str, _represent_str)
_FrontMatterDumper.add_representer(dict, _represent_dict)
_FrontMatterDumper.add_representer(list, _represent_list)


def front_matter(fields: dict[str, Any]) -> str:
    text = yaml.dump(
        fields,
        Dumper=_FrontMatterDumper,
        allow_unicode=True,
        sort_keys=False,
        width=1 << 30,
        default_flow_style=False,
    )
    return f"---\n{text}---\n"


# --- the two passes ---------------------------------------------------------------------


@dataclass
class _Category:
    name: str
    parent: str


class _Scan:
    """Pass 1: what posts refer to: the site's hosts, authors, categories, attachments."""

    def __init__(self) -> None:
        self.hosts: set[str] = set()
        self.authors: dict[str, str] = {}
        self.categories: dict[str, _Category] = {}
        self.attachments: dict[int, Attachment] = {}
        self.items = 0

    def __call__(self, element: Element) -> None:
        tag = element.tag
        if tag == "item":
            self.items += 1
            if element.findtext("wp:post_type").strip() == "attachment":
                self._attachment(element)
        elif tag == "wp:author":
            login = element.findtext("wp:author_login").strip()
            display = html_to_text(element.findtext("wp:author_display_name"))
            if not display:
                first = element.findtext("wp:author_first_name")
                last = element.findtext("wp:author_last_name")
                display = html_to_text(f"{first} {last}")
            if login:
                self.authors[login] = display or login
        elif tag == "wp:category":
            nicename = unquote(element.findtext("wp:category_nicename").strip())
            name = html_to_text(element.findtext("wp:cat_name"))
            parent = unquote(element.findtext("wp:category_parent").strip())
            if nicename:
                self.categories[nicename] = _Category(name or nicename, parent)
        elif tag in ("link", "wp:base_site_url", "wp:base_blog_url"):
            netloc = urlsplit(element.text.strip()).netloc
            if netloc:
                self.hosts.add(_host(netloc))

    def _attachment(self, item: Element) -> None:
        post_id = _int(item.findtext("wp:post_id"))
        url = item.findtext("wp:attachment_url").strip() or item.findtext("guid").strip()
        if post_id is None or not url:
            return
        meta = _postmeta(item)
        self.attachments[post_id] = Attachment(
            id=post_id,
            url=url,
            title=html_to_text(item.findtext("title")),
            alt=html_to_text(meta.get("_wp_attachment_image_alt", "")),
            caption=html_to_text(item.findtext("excerpt:encoded")),
        )


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _postmeta(item: Element) -> dict[str, str]:
    meta: dict[str, str] = {}
    for entry in item.findall("wp:postmeta"):
        meta.setdefault(entry.findtext("wp:meta_key").strip(), entry.findtext("wp:meta_value"))
    return meta


def _wp_date(text: str) -> datetime | None:
    """`2017-11-20 09:15:00` → a naive datetime; WordPress's zero date means none."""
    match = _WP_DATE.match(text)
    if match is None:
        return None
    numbers = [int(part) if part else 0 for part in match.groups()]
    try:
        return datetime(*numbers)  # type: ignore[arg-type]
    except ValueError:
        return None  # 0000-00-00 00:00:00 and other impossible dates


@dataclass
class _Post:
    """The report's entry for one converted post."""

    id: int | None
    title: str
    file: str
    status: str
    link: str
    notes: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def note(self, language: Language, code: str, **params: Any) -> None:
        self.notes.append(
            {"code": code, **params, "message": import_message(code, language, **params)}
        )


class _Converter:
    """Pass 2: each post of the export → one upload file, checked as the cloud will."""

    def __init__(self, options: ImportOptions, scan: _Scan) -> None:
        self.options = options
        self.site = options.site
        self.language = options.language
        self.scan = scan
        self.library = MediaLibrary(scan.hosts)
        for attachment in scan.attachments.values():
            self.library.add(attachment.url, attachment.id)
        self.slugs: set[str] = set()
        self.posts: list[_Post] = []
        self.skipped: list[dict[str, Any]] = []
        self.written: set[str] = set()
        self.articles = options.out / ARTICLES
        self.articles.mkdir(parents=True, exist_ok=True)

    def __call__(self, element: Element) -> None:
        if element.tag != "item":
            return
        kind = element.findtext("wp:post_type").strip() or "post"
        status = element.findtext("wp:status").strip()
        if kind == "attachment":
            self._skip(element, kind, status, "attachment")
        elif kind == "page":
            self._skip(element, kind, status, "page")
        elif kind != "post":
            self._skip(element, kind, status, "post_type", value=kind)
        elif status == "trash":
            self._skip(element, kind, status, "trash")
        elif status == "auto-draft":
            self._skip(element, kind, status, "auto_draft")
        else:
            self._convert(element, status)

    def _skip(self, item: Element, kind: str, status: str, reason: str, **params: Any) -> None:
        self.skipped.append(
            {
                "id": _int(item.findtext("wp:post_id")),
                "title": html_to_text(item.findtext("title")),
                "type": kind,
                "status": status,
                "reason": reason,
                "message": import_message(f"skip_{reason}", self.language, **params),
            }
        )

    # --- one post ---------------------------------------------------------------------

    def _convert(self, item: Element, wp_status: str) -> None:
        language = self.language
        post_id = _int(item.findtext("wp:post_id"))
        urls = _PostUrls(self.library, self.scan.attachments)
        converted = html_to_markdown(item.findtext("content:encoded"), urls=urls)
        body = converted.markdown
        title = html_to_text(item.findtext("title"))
        if not body.strip():
            self._skip(item, "post", wp_status, "empty")
            return
        link = item.findtext("link").strip()
        post = _Post(post_id, title, "", "", link)
        if not title:
            title = shorten(summary_from_body(body), 80) or f"Articolo {post_id}"
            post.note(language, "title_missing", value=title)
        if len(title) > TITLE_MAX:
            title = shorten(title, TITLE_MAX)
            post.note(language, "shortened", field="title", value=TITLE_MAX)
        post.title = title

        slug = self._slug(item, title, post_id, post)
        key = f"{ARTICLES}/{slug}.md"
        post.file = key
        fields: dict[str, Any] = {"title": title, "slug": slug}
        section = self._section(item, post)
        if section is not None:
            fields["section"] = section
        status = self._status(item, wp_status, post)
        fields.update(self._dates(item, status, wp_status, post))
        fields["status"] = status
        post.status = status
        tags = self._tags(item, post)
        if tags:
            fields["tags"] = tags
        authors = self._authors(item, post)
        if authors:
            fields["authors"] = authors
        summary = html_to_text(item.findtext("excerpt:encoded"))
        if len(summary) > SUMMARY_MAX:
            summary = shorten(summary, SUMMARY_MAX)
            post.note(language, "shortened", field="summary", value=SUMMARY_MAX)
        if summary:
            fields["summary"] = summary
        image = self._featured_image(item, urls, post)
        if image is not None:
            fields["image"] = image
        aliases = self._aliases(item, section, slug, status, post)
        if aliases:
            fields["aliases"] = aliases
        for note in converted.notes:
            post.note(language, note.code, value=note.value)

        data = (front_matter(fields) + body).encode("utf-8")
        report = validate_upload(key, data, self.site)
        post.problems.extend(report.problems)
        self._write(self.options.out / key, data)
        self.written.add(key)
        for entry in urls.used:
            entry.used_by.add(key)
        self.posts.append(post)

    def _slug(self, item: Element, title: str, post_id: int | None, post: _Post) -> str:
        wanted = slugify(unquote(item.findtext("wp:post_name").strip()))
        wanted = wanted or slugify(title) or f"articolo-{post_id or len(self.posts) + 1}"
        slug, number = wanted, 2
        while slug in self.slugs:
            suffix = f"-{number}"
            slug = wanted[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
            number += 1
        if slug != wanted:
            post.note(self.language, "slug_renamed", value=wanted, other=slug)
        self.slugs.add(slug)
        return slug

    def _categories(self, item: Element, domain: str) -> Iterator[tuple[str, str]]:
        for element in item.findall("category"):
            if element.attrs.get("domain", "category") == domain:
                name = html_to_text(element.text)
                nicename = unquote(element.attrs.get("nicename", "").strip())
                if name or nicename:
                    yield nicename, name or nicename

    def _section(self, item: Element, post: _Post) -> str | None:
        """The first category that is (or descends from) one of the site's sections."""
        categories = list(self._categories(item, "category"))
        default = self.options.default_section
        listed = ", ".join(name for _, name in categories)
        if not self.site.sections:
            if categories:
                return categories[0][1]
            if default:
                return default
            post.note(self.language, "section_missing")
            return None
        for nicename, name in categories:
            seen: set[str] = set()
            current: tuple[str, str] | None = (nicename, name)
            while current is not None and current[0] not in seen:
                seen.add(current[0])
                found = self.site.find_section(current[1]) or (
                    self.site.find_section(current[0]) if current[0] else None
                )
                if found is not None:
                    return found.name
                parent = self.scan.categories.get(current[0])
                ancestor = self.scan.categories.get(parent.parent) if parent else None
                current = (parent.parent, ancestor.name) if parent and ancestor else None
        if default:
            post.note(self.language, "section_default", value=listed or "-", other=default)
            return default
        if categories:
            post.note(self.language, "section_unmapped", value=listed)
            return categories[0][1]
        post.note(self.language, "section_missing")
        return None

    def _status(self, item: Element, wp_status: str, post: _Post) -> str:
        status = _STATUSES.get(wp_status)
        if status is None:
            post.note(self.language, "status_unknown", value=wp_status or "-")
            return "draft"
        if status == "published" and item.findtext("wp:post_password").strip():
            post.note(self.language, "password_protected")
            return "draft"
        return status

    def _dates(self, item: Element, status: str, wp_status: str, post: _Post) -> dict[str, str]:
        """`date` in the site's time, naive, as WordPress wrote it (`wp:post_date` is local).

        A draft whose GMT date is WordPress's zero date was never given a date ("publish
        immediately"): it gets none, so that publishing it later dates it then.
        """
        local = _wp_date(item.findtext("wp:post_date"))
        gmt = _wp_date(item.findtext("wp:post_date_gmt"))
        if status == "draft" and gmt is None:
            return {}
        if local is None and gmt is not None:
            local = gmt.replace(tzinfo=UTC).astimezone(self.site.zone).replace(tzinfo=None)
            post.note(self.language, "date_from_gmt", value=gmt.isoformat(sep=" "))
        if local is None:
            if status == "published":
                post.note(self.language, "date_missing")
            return {}
        text = local.isoformat(timespec="seconds")
        if wp_status == "future" and status == "published":
            post.note(self.language, "status_future", value=text.replace("T", " "))
            return {"date": text, "publish_at": text}
        return {"date": text}

    def _tags(self, item: Element, post: _Post) -> list[str]:
        tags: dict[str, str] = {}
        for _, name in self._categories(item, "post_tag"):
            if not slugify(name):
                post.note(self.language, "tag_dropped", value=name)
                continue
            if len(name) > TAG_MAX:
                name = shorten(name, TAG_MAX)
                post.note(self.language, "shortened", field="tags", value=TAG_MAX)
            tags.setdefault(slugify(name), name)
        names = list(tags.values())
        if len(names) > TAGS_MAX:
            post.note(self.language, "too_many", field="tags", value=TAGS_MAX)
        return names[:TAGS_MAX]

    def _authors(self, item: Element, post: _Post) -> list[str]:
        names: list[str] = []
        login = item.findtext("dc:creator").strip()
        if login:
            names.append(self.scan.authors.get(login) or html_to_text(login))
        # Co-Authors Plus exports further authors as categories of the `author` domain.
        names.extend(name for _, name in self._categories(item, "author"))
        distinct = [shorten(n, AUTHOR_MAX) for n in dict.fromkeys(n for n in names if n)]
        if len(distinct) > AUTHORS_MAX:
            post.note(self.language, "too_many", field="authors", value=AUTHORS_MAX)
        return distinct[:AUTHORS_MAX]

    def _featured_image(self, item: Element, urls: _PostUrls, post: _Post) -> dict[str, str] | None:
        thumbnail = _postmeta(item).get("_thumbnail_id", "").strip()
        if not thumbnail:
            return None
        attachment_id = _int(thumbnail)
        attachment = self.scan.attachments.get(attachment_id) if attachment_id is not None else None
        if attachment is None:
            post.note(self.language, "featured_missing", value=thumbnail)
            return None
        alt = attachment.alt
        if not alt:
            alt = attachment.title
            if not alt:
                post.note(self.language, "featured_no_alt", value=attachment.url)
                return None
            post.note(self.language, "featured_alt_from_title", value=alt)
        entry = self.library.add(attachment.url, attachment.id)
        urls.used.append(entry)
        image = {"src": entry.media, "alt": shorten(alt, IMAGE_ALT_MAX)}
        if attachment.caption:
            image["caption"] = shorten(attachment.caption, IMAGE_CAPTION_MAX)
        return image

    def _aliases(
        self, item: Element, section: str | None, slug: str, status: str, post: _Post
    ) -> list[str]:
        """The old permalink as a path (`/2017/11/massimo-carrera/`): it redirects here."""
        link = item.findtext("link").strip()
        guid = item.findtext("guid").strip()
        old = link or (guid if "?" not in guid else "")
        if not old:
            return []
        parts = urlsplit(old)
        if parts.path in ("", "/"):
            if status == "published":  # drafts' `?p=123` preview links were never public
                post.note(self.language, "alias_unusable", value=old)
            return []
        path = quote(parts.path, safe="/%-._~!$&'()*+,;=:@")
        try:
            alias = normalize_alias(path)
        except Exception:  # any refusal means the same here: not usable as an alias
            post.note(self.language, "alias_unusable", value=old[:ALIAS_MAX])
            return []
        section_slug = ""
        if section is not None:
            configured = self.site.find_section(section)
            section_slug = configured.slug if configured else slugify(section)
        if alias == f"/{section_slug}/{slug}/":
            return []  # the old address is the new one
        return [alias]

    # --- files ------------------------------------------------------------------------

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        """Write only when the bytes change: a second import touches nothing."""
        try:
            if path.read_bytes() == data:
                return
        except FileNotFoundError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)

    def manifest(self) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["media", "url", "attachment_id", "used_by"])
        for entry in self.library.entries():
            writer.writerow(
                [
                    entry.media,
                    entry.url,
                    "" if entry.attachment_id is None else entry.attachment_id,
                    " ".join(sorted(entry.used_by)),
                ]
            )
        return buffer.getvalue().encode("utf-8")

    def stale_files(self) -> list[str]:
        present = {
            f"{ARTICLES}/{path.name}"
            for path in self.articles.iterdir()
            if path.suffix in (".md", ".json") and not path.name.startswith(".")
        }
        return sorted(present - self.written)


# --- the use case -----------------------------------------------------------------------


def _problem_dict(problem: Problem, language: Language) -> dict[str, Any]:
    found = problem.as_dict(language)
    return {key: found[key] for key in ("code", "field", "line", "message") if found[key]}


def import_wordpress(options: ImportOptions, progress: ProgressSink | None = None) -> ImportResult:
    """Convert the export into `options.out`; raises `WxrError` when it cannot be read
    (malformed or hostile XML) before any file is written."""
    sink = progress or NoProgress()
    language = options.language
    size = options.export.stat().st_size
    scan = _Scan()
    sink.start(import_message("progress_scan", language), size, None)
    stats = read_wxr(options.export, scan, progress=lambda done: sink.update(done, scan.items))
    sink.finish()

    converter = _Converter(options, scan)
    handled = 0

    def convert(element: Element) -> None:
        nonlocal handled
        converter(element)
        handled += element.tag == "item"

    sink.start(import_message("progress_convert", language), size, scan.items)
    read_wxr(options.export, convert, progress=lambda done: sink.update(done, handled))
    sink.finish()

    notices: list[dict[str, Any]] = []

    def notice(code: str, **params: Any) -> None:
        notices.append(
            {"code": code, **params, "message": import_message(code, language, **params)}
        )

    if stats.control_characters_removed:
        notice("control_characters", value=stats.control_characters_removed)
    stale = converter.stale_files()
    if stale:
        shown = ", ".join(stale[:10]) + (f" (+{len(stale) - 10})" if len(stale) > 10 else "")
        notice("stale_files", value=shown)
    if options.site_file is not None:
        _copy_site_file(options, notice)

    converter._write(options.out / MANIFEST, converter.manifest())
    report = _report(options, converter, notices)
    data = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    converter._write(options.out / REPORT, data.encode("utf-8"))
    return ImportResult(report, options.out)


def _copy_site_file(options: ImportOptions, notice: Callable[..., None]) -> None:
    assert options.site_file is not None
    target = options.out / SITE_FILE
    data = options.site_file.read_bytes()
    same_file = target.exists() and target.resolve() == options.site_file.resolve()
    if target.exists() and not same_file and target.read_bytes() != data:
        notice("site_file_differs", value=str(target))
        return
    _Converter._write(target, data)


def _report(
    options: ImportOptions, converter: _Converter, notices: list[dict[str, Any]]
) -> dict[str, Any]:
    language = options.language
    posts = []
    invalid = warned = warnings = 0
    for post in converter.posts:
        errors = [_problem_dict(p, language) for p in post.problems if p.severity is Severity.ERROR]
        found = post.notes + [
            _problem_dict(p, language) for p in post.problems if p.severity is Severity.WARNING
        ]
        invalid += bool(errors)
        warned += bool(found)
        warnings += len(found)
        entry: dict[str, Any] = {
            "id": post.id,
            "title": post.title,
            "file": post.file,
            "status": post.status,
            "valid": not errors,
        }
        if post.link:
            entry["wordpress_link"] = post.link
        if errors:
            entry["errors"] = errors
        if found:
            entry["warnings"] = found
        posts.append(entry)
    by_reason: dict[str, int] = {}
    for skipped in converter.skipped:
        by_reason[skipped["reason"]] = by_reason.get(skipped["reason"], 0) + 1
    media = converter.library.entries()
    return {
        "source": options.export.name,
        "counts": {
            "items": len(converter.posts) + len(converter.skipped),
            "converted": len(posts),
            "published": sum(1 for p in converter.posts if p.status == "published"),
            "drafts": sum(1 for p in converter.posts if p.status == "draft"),
            "invalid": invalid,
            "with_warnings": warned,
            "warnings": warnings + len(notices),
            "skipped": len(converter.skipped),
            "media": len(media),
            "media_used": sum(1 for e in media if e.used_by),
        },
        "skipped_by_reason": by_reason,
        "notices": notices,
        "posts": posts,
        "skipped": converter.skipped,
    }


def summary_lines(result: ImportResult, language: Language) -> list[str]:
    """What the terminal shows: the counts, why items were skipped, each post's warnings."""
    report, counts = result.report, result.counts
    out = result.out
    lines = [
        import_message(
            "summary",
            language,
            source=report["source"],
            converted=Counted(counts["converted"], "wp_converted"),
            folder=out / ARTICLES,
            published=Counted(counts["published"], "wp_published"),
            drafts=Counted(counts["drafts"], "wp_drafts"),
            skipped=Counted(counts["skipped"], "wp_skipped_items"),
            warnings=Counted(counts["warnings"], "check_warnings"),
            invalid=Counted(counts["invalid"], "check_invalid"),
        )
    ]
    if report["skipped_by_reason"]:
        parts = []
        for reason, count in report["skipped_by_reason"].items():
            number = "one" if count == 1 else "many"
            parts.append(import_message(f"skipped_{reason}_{number}", language, count=count))
        lines.append("  " + import_message("summary_skipped", language, value=", ".join(parts)))
    for notice in report["notices"]:
        lines.append(f"  warning: {notice['message']}")
    for post in report["posts"]:
        for problem in post.get("errors", []):
            where = f"{out / post['file']}:{problem['line']}" if "line" in problem else ""
            lines.append(f"  {where or out / post['file']}: error: {problem['message']}")
        for problem in post.get("warnings", []):
            where = f"{out / post['file']}:{problem['line']}" if "line" in problem else ""
            lines.append(f"  {where or out / post['file']}: warning: {problem['message']}")
    lines.append(
        "  "
        + import_message("summary_media", language, value=counts["media"], other=out / MANIFEST)
    )
    lines.append("  " + import_message("summary_report", language, value=out / REPORT))
    return lines
