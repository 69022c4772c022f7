"""Upload fields are the documented ones, and their text is always publishable.

An upload says what an editor means (`section: Sport`); storage says what rotativa made
of it (`{name: Sport, slug: sport}`). These tests hold the line between the two: every
field takes exactly the kind README.md documents, storage's shapes and names are refused
with the field and its line, slugs never name the site's own pages, and no text carries a
character that HTML, XML or UTF-8 cannot.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped]

from rotativa.adapters.articles_table import stored_from_item
from rotativa.domain.article import UPLOAD_FIELDS, Article, ArticleStatus
from rotativa.domain.inbox import Change, InboxEvent, InboxObject, IngestOutcome, IngestResult
from rotativa.domain.pages import FEED_PATH, RESERVED_SLUGS, PageRef, is_reserved_slug, object_key
from rotativa.domain.records import ArticleState, Commit, CommitOutcome, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.domain.text import CharacterClass, character_class, first_unpublishable, visible
from rotativa.services.indexing import Indexer
from rotativa.services.ingest import Ingest
from rotativa.services.rendering import PageRenderer
from rotativa.services.validation import ValidationReport, validate_upload
from tests.fakes import MemoryPages, MemorySite, RecordingInvalidations, RecordingQueue

ANY_SECTION = SiteSettings(name="Prova", base_url="https://example.invalid/")


def md(front: str, body: str = "Testo dell'articolo.\n") -> bytes:
    return f"---\ntitle: Titolo\nsection: Sport\n{front}---\n{body}".encode()


def js(fields: Mapping[str, Any]) -> bytes:
    """A JSON upload written with escapes, as a feed would send `\\ud800`."""
    return json.dumps({"title": "Titolo", "section": "Sport", "body": "Testo.", **fields}).encode()


def errors(report: ValidationReport) -> list[tuple[str, str | None, int | None]]:
    return [(p.code, p.field, p.line) for p in report.errors]


# --- storage's shapes and names are not upload fields -----------------------------------

STORAGE_SHAPES = [
    ("section", {"name": "Sport", "slug": "autore"}, "expected_text", "section"),
    ("section", ["Sport"], "expected_text", "section"),
    ("title", {"name": "x", "slug": "x"}, "expected_text", "title"),
    ("title", 1984, "expected_text_quoted", "title"),
    ("title", True, "expected_text_quoted", "title"),
    ("summary", 3.5, "expected_text_quoted", "summary"),
    ("slug", 404, "expected_text_quoted", "slug"),
    ("slug", {"slug": "tag"}, "expected_text", "slug"),
    ("tags", [{"name": "Calcio", "slug": "autore"}], "expected_text", "tags[0]"),
    ("tags", ["ok", 2024], "expected_text_quoted", "tags[1]"),
    ("tags", {"Calcio": 1}, "expected_list", "tags"),
    ("tags", 7, "expected_list", "tags"),
    ("authors", [{"name": "Ada"}], "expected_text", "authors[0]"),
    ("authors", [None], "expected_text", "authors[0]"),
    ("related", [{"slug": "x", "key": "articles/x.md"}], "expected_text", "related[0]"),
    ("aliases", {"path": "/"}, "expected_list", "aliases"),
    ("aliases", [["/a/"]], "expected_text", "aliases[0]"),
    ("image", "media/a.jpg", "expected_mapping", "image"),
    ("image", ["media/a.jpg"], "expected_mapping", "image"),
    ("image", {"src": "media/a.jpg", "alt": "a", "width": 1200}, "image_field_unknown",
     "image.width"),
    ("image", {"src": "media/a.jpg", "alt": 7}, "expected_text_quoted", "image.alt"),
    ("image", {"src": {"key": "media/a.jpg"}, "alt": "a"}, "expected_text", "image.src"),
    ("date", {"$date": "2024-05-01"}, "date_invalid", "date"),
    ("date", 1714550400, "date_invalid", "date"),
    ("publish_at", ["2024-05-01"], "date_invalid", "publish_at"),
    ("expires_at", True, "date_invalid", "expires_at"),
    ("pinned", "true", "expected_bool", "pinned"),
    ("pinned", 1, "expected_bool", "pinned"),
    ("status", True, "choice_invalid", "status"),
    ("status", {"value": "published"}, "choice_invalid", "status"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "code", "where"), STORAGE_SHAPES)
def test_a_field_takes_only_its_documented_kind(
    settings: SiteSettings, name: str, value: Any, code: str, where: str
) -> None:
    # GIVEN a JSON upload whose field has a kind README.md does not document for it
    data = js({name: value, "date": "2024-05-01T10:00"} if name != "date" else {name: value})

    # WHEN it is validated
    report = validate_upload("articles/prova.json", data, settings)

    # THEN it is refused, at that field and its line, with the catalogue code
    assert report.article is None
    assert (code, where, 1) in errors(report), errors(report)


def test_a_section_mapping_cannot_publish_over_an_author_page(settings: SiteSettings) -> None:
    # GIVEN the storage shape of a section naming the author tree, in YAML
    data = md("", "x\n").replace(b"section: Sport", b"section: {name: Sport, slug: autore}")

    # WHEN
    report = validate_upload("articles/prova.md", data, settings)

    # THEN it is refused on its line, and no article (no address) is made of it
    assert report.article is None
    assert errors(report) == [("expected_text", "section", 3)]
    assert "non un insieme di campi" in report.errors[0].message("it")


@pytest.mark.parametrize(
    "name", ["key", "path", "order", "state", "first_published", "updated", "teaser", "article"]
)
def test_names_only_storage_writes_are_refused_not_ignored(
    settings: SiteSettings, name: str
) -> None:
    # GIVEN an upload carrying a name the articles table uses for its own items
    report = validate_upload("articles/prova.md", md(f"{name}: articles/altro.md\n"), settings)

    # THEN it is an error naming the field and its line (and not also an unknown-field warning)
    assert errors(report) == [("storage_field", name, 4)]
    assert [p.code for p in report.warnings] == []
    assert "lo scrive rotativa" in report.errors[0].message("it")
    assert "title, section" in report.errors[0].message("en")


def test_other_unknown_fields_are_still_only_a_warning(settings: SiteSettings) -> None:
    # GIVEN a typo and a field of another CMS
    report = validate_upload("articles/prova.md", md("titel: x\nlayout: post\n"), settings)
    # THEN the article is published without them, and the editor is told
    assert report.valid
    assert [(p.code, p.line) for p in report.warnings] == [
        ("unknown_field", 4),
        ("unknown_field", 5),
    ]


def test_empty_optional_fields_mean_not_given(settings: SiteSettings) -> None:
    report = validate_upload(
        "articles/prova.md", md("summary:\ntags:\npinned:\nstatus:\nimage:\ndate:\n"), settings
    )
    assert report.article is not None, errors(report)
    assert report.article.pinned is False
    assert report.article.image is None
    assert report.article.tags == ()
    # AND so inside the image
    data = md("image:\n  src: media/a.jpg\n  alt: Una foto\n  caption:\n")
    image = validate_upload("articles/prova.md", data, settings).article
    assert image is not None
    assert image.image is not None
    assert image.image.caption == ""


def test_documented_kinds_are_accepted(settings: SiteSettings) -> None:
    # GIVEN every field, each of its documented kind (a single text for a list is a list of one)
    data = js(
        {
            "date": "2024-05-01T10:00",
            "slug": "tutto-in-regola",
            "tags": ["Calcio", "Pro Sesto"],
            "authors": "Ada Lovelace",
            "summary": "Un sommario.",
            "image": {"src": "media/a.jpg", "alt": "Una foto", "caption": "Didascalia"},
            "status": "draft",
            "publish_at": "2024-05-02T10:00",
            "expires_at": "2024-06-02T10:00",
            "pinned": True,
            "related": ["altro-articolo"],
            "aliases": ["/2017/11/vecchio/"],
            "corrections": [{"at": "2024-05-03T09:15", "text": "Il risultato era **2-0**."}],
            "live": True,
            "updates": [{"at": "2024-05-02T21:10", "title": "Voto", "text": "Approvato."}],
        }
    )
    # WHEN / THEN
    report = validate_upload("articles/prova.json", data, settings)
    assert report.article is not None, errors(report)
    assert report.article.authors == ("Ada Lovelace",)
    assert set(UPLOAD_FIELDS) <= set(json.loads(data)) | {"body"}


def test_type_and_meaning_errors_are_reported_together(settings: SiteSettings) -> None:
    data = md("date: domani\ntags: [{name: a}]\nslug: page\n").replace(b"Sport", b"Milano")
    report = validate_upload("articles/prova.md", data, settings)
    assert sorted(errors(report), key=lambda e: e[2] or 0) == [
        ("section_unknown", "section", 3),
        ("date_invalid", "date", 4),
        ("expected_text", "tags[0]", 5),
        ("slug_reserved", "slug", 6),
    ]


# --- slugs never name the site's own pages ---------------------------------------------


@pytest.mark.parametrize("slug", [*sorted(RESERVED_SLUGS), "sport", "bresso"])
def test_a_given_slug_never_names_a_site_page(settings: SiteSettings, slug: str) -> None:
    report = validate_upload("articles/prova.md", md(f"slug: '{slug}'\n"), settings)
    assert errors(report) == [("slug_reserved", "slug", 4)]


@pytest.mark.parametrize("stem", ["page", "Feed", "tag", "sport", "404", "Autore"])
def test_a_slug_from_the_file_name_follows_the_same_rule(settings: SiteSettings, stem: str) -> None:
    # GIVEN a file whose name makes a reserved slug, and no `slug:` line
    report = validate_upload(f"articles/{stem}.md", md(""), settings)
    # THEN it is refused, telling the editor to rename it or give a slug
    assert [p.code for p in report.errors] == ["slug_from_filename_reserved"]
    assert "rinomina il file" in report.errors[0].message("it")
    # AND a slug line makes the same file publishable
    assert validate_upload(f"articles/{stem}.md", md("slug: altro-nome\n"), settings).valid


@pytest.mark.parametrize("stem", ["---", "!!!", "…", "\u200b"])
def test_a_file_name_without_a_slug_is_a_located_error(settings: SiteSettings, stem: str) -> None:
    report = validate_upload(f"articles/{stem}.md", md(""), settings)
    assert [(p.code, p.field) for p in report.errors] == [("slug_from_filename", "slug")]


@pytest.mark.parametrize("slug", ["", "a/b", "../x", "a b", "-x"])
def test_a_slug_is_never_empty_nor_a_path(settings: SiteSettings, slug: str) -> None:
    report = validate_upload("articles/prova.json", js({"slug": slug}), settings)
    assert [p.code for p in report.errors] == ["slug_invalid"]


def test_the_reserved_rule_knows_the_sections() -> None:
    assert is_reserved_slug("page", None)
    assert is_reserved_slug("sport", ("sport", "bresso"))
    assert not is_reserved_slug("sport", None)
    assert not is_reserved_slug("pagella", ("sport",))


@pytest.mark.parametrize("section", ["Autore", "TAG", "Media", "assets", "Sitemaps"])
def test_a_site_taking_any_section_still_keeps_its_trees(section: str) -> None:
    # GIVEN a site without configured sections (rotativa check without site.yaml)
    report = validate_upload(
        "articles/prova.md", md("").replace(b"Sport", section.encode()), ANY_SECTION
    )
    # THEN a section whose address is /autore/, /tag/… is refused
    assert errors(report) == [("section_reserved", "section", 3)]
    assert validate_upload("articles/prova.md", md(""), ANY_SECTION).valid


# --- the storage path keeps reading what storage wrote ---------------------------------


def test_storage_reads_back_its_own_shapes(settings: SiteSettings) -> None:
    # GIVEN an article as the table stores it: section and tags as {name, slug}, key and body
    report = validate_upload("articles/prova.md", md("tags: [Calcio]\n"), settings)
    assert report.article is not None
    item = {
        "sk": "article",
        "key": "articles/prova.md",
        "order": "01",
        "state": "published",
        "received_at": "2024-05-01T10:00:00+00:00",
        "article": report.article.model_dump_json(),
    }
    # WHEN it is read back
    stored = stored_from_item(item, settings)
    # THEN it is the same article
    assert stored is not None
    assert stored.article == report.article
    assert stored.state is ArticleState.PUBLISHED


def test_a_record_stored_before_the_reserved_rule_still_loads(settings: SiteSettings) -> None:
    # GIVEN a record written when `page` was still a valid slug
    report = validate_upload("articles/prova.md", md("slug: pagina\n"), settings)
    assert report.article is not None
    old = report.article.model_dump_json().replace('"pagina"', '"page"')
    # THEN the stored model reads it (rules for uploads do not judge old records)
    again = Article.model_validate_json(old, context={"settings": settings})
    assert again.slug == "page"


# --- characters a page cannot carry ----------------------------------------------------

BAD = {
    "\u0000": CharacterClass.CONTROL,
    "\u0007": CharacterClass.CONTROL,
    "\u001b": CharacterClass.CONTROL,
    "\u007f": CharacterClass.CONTROL,
    "\u0085": CharacterClass.CONTROL,
    "\u009b": CharacterClass.CONTROL,
    "\u202e": CharacterClass.CONTROL,
    "\u2066": CharacterClass.CONTROL,
    "\ud800": CharacterClass.INVALID,
    chr(0xDFFF): CharacterClass.INVALID,
    "\ufdd0": CharacterClass.INVALID,
    "\ufdef": CharacterClass.INVALID,
    "\ufffe": CharacterClass.INVALID,
    "\uffff": CharacterClass.INVALID,
    "\U0001fffe": CharacterClass.INVALID,
    "\U0010ffff": CharacterClass.INVALID,
}
GOOD = ["a", " ", "à", "\u00a0", "\u200e", "\u200f", "\u200d", "\ufffd", "\ufdcf", "\ufdf0",
        "\U0001f600", "\U0010fffd", "م"]  # fmt: skip


@pytest.mark.parametrize(("char", "kind"), BAD.items(), ids=[f"U+{ord(c):04X}" for c in BAD])
def test_each_unpublishable_class_is_named(char: str, kind: CharacterClass) -> None:
    assert character_class(char) is kind
    assert character_class(char, multiline=True) is kind
    found = first_unpublishable(f"ok\nancora {char} dopo", multiline=True)
    assert found is not None
    assert (found.index, found.line, found.kind) == (10, 2, kind)


@pytest.mark.parametrize("char", GOOD, ids=[f"U+{ord(c):04X}" for c in GOOD])
def test_publishable_characters_pass(char: str) -> None:
    assert first_unpublishable(f"a{char}b") is None


def test_all_sixty_six_noncharacters_are_refused() -> None:
    nonchars = [c for c in range(0x110000) if 0xFDD0 <= c <= 0xFDEF or c & 0xFFFE == 0xFFFE]
    assert len(nonchars) == 66
    assert all(character_class(chr(c)) is CharacterClass.INVALID for c in nonchars)


def test_line_controls_are_text_only_in_the_body() -> None:
    for char in "\t\n\r":
        assert character_class(char, multiline=True) is None
        assert character_class(char) is CharacterClass.CONTROL


TEXT_FIELDS = {
    "title": lambda v: {"title": v},
    "summary": lambda v: {"summary": v},
    "section": lambda v: {"section": v},
    "tags[0]": lambda v: {"tags": [v]},
    "authors[1]": lambda v: {"authors": ["Ada", v]},
    "image.alt": lambda v: {"image": {"src": "media/a.jpg", "alt": v}},
    "image.caption": lambda v: {"image": {"src": "media/a.jpg", "alt": "a", "caption": v}},
    "aliases[0]": lambda v: {"aliases": [f"/vecchio{v}/"]},
    "related[0]": lambda v: {"related": [f"altro{v}"]},
    "body": lambda v: {"body": f"Primo.\n\nSecondo {v}."},
}


@pytest.mark.parametrize("where", TEXT_FIELDS)
@pytest.mark.parametrize("char", ["\ud800", "\ufffe", "\u0007", "\u009b", "\u202e"])
def test_every_text_field_refuses_unpublishable_characters(
    settings: SiteSettings, where: str, char: str
) -> None:
    # GIVEN a JSON upload (written with escapes) with the character in one text field
    data = js({"date": "2024-05-01T10:00", **TEXT_FIELDS[where](f"x{char}y")})
    assert b"\\u" in data  # the file itself is plain ASCII: json.loads makes the character

    # WHEN
    report = validate_upload("articles/prova.json", data, settings)

    # THEN it is refused, naming the field, its line and the character's class
    assert report.article is None
    expected = BAD[char].value
    assert (expected, where, 1) in errors(report), errors(report)
    if expected == "character_invalid":  # visible or not, control characters are named so
        located = next(p for p in report.errors if p.code == expected)
        assert f"U+{ord(char):04X}" in located.message("en")
    json.dumps([p.as_dict() for p in report.problems], ensure_ascii=True)  # reportable


def test_yaml_escapes_are_caught_where_they_are(settings: SiteSettings) -> None:
    data = md('tags: [ok, "a\\x07"]\n')
    report = validate_upload("articles/prova.md", data, settings)
    assert errors(report) == [("control_characters", "tags[1]", 4)]
    # libyaml refuses a lone surrogate escape as it reads; PyYAML's own reader lets it
    # through to the character check: either way a located error, never a crash
    data = md('summary: "b\\ud800"\n')
    [(code, _, line)] = errors(validate_upload("articles/prova.md", data, settings))
    assert (code, line) in {("character_invalid", 4), ("yaml_syntax", 4)}


def test_a_raw_control_character_in_front_matter_is_located_not_a_crash(
    settings: SiteSettings,
) -> None:
    data = b"---\ntitle: Titolo\nsection: Sport\nauthors: [Ada \x1b[2J]\n---\nTesto.\n"
    report = validate_upload("articles/prova.md", data, settings)
    assert errors(report) == [("control_characters", "authors", 4)]


def test_a_bad_character_in_a_markdown_body_is_on_its_file_line(settings: SiteSettings) -> None:
    data = md("", "Primo.\n\nSecondo \ufdd0 qui.\n")
    report = validate_upload("articles/prova.md", data, settings)
    assert errors(report) == [("character_invalid", "body", 7)]


def test_right_to_left_text_and_emoji_are_publishable(settings: SiteSettings) -> None:
    title = "Notizia \u200fمرحبا\u200f \U0001f468\u200d\U0001f469\u200d\U0001f467"
    report = validate_upload("articles/prova.json", js({"title": title}), settings)
    assert report.article is not None
    assert report.article.title == title


def test_a_json_body_keeps_tabs_and_its_crlf_lines_become_lf(settings: SiteSettings) -> None:
    report = validate_upload("articles/prova.json", js({"body": "a\tb\r\nc\rd"}), settings)
    assert report.article is not None
    assert report.article.body == "a\tb\nc\nd"


def test_visible_escapes_what_would_drive_a_terminal() -> None:
    assert visible("ok à €") == "ok à €"
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("\u202egnp.exe") == "\\u202egnp.exe"
    assert visible("x\ud800") == "x\\ud800"
    assert visible("\U000e0001\u2028") == "\\U000e0001\\u2028"
    visible("\ud800\x9b").encode("utf-8")  # always encodable


# --- any value in any field: a report, never an exception ------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)  # fmt: skip
FIELD_NAMES = st.sampled_from([*UPLOAD_FIELDS, "body", "key", "path", "order", "x"]) | st.text(
    max_size=6
)


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fields=st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6), as_json=st.booleans())
def test_any_structure_in_any_field_gets_a_report_and_accepted_ones_serialise(
    settings: SiteSettings, fields: dict[str, Any], as_json: bool
) -> None:
    # GIVEN any JSON-able structure in any field, as JSON (escapes) or YAML front matter
    base: dict[str, Any] = {"title": "Titolo", "section": "Sport", "body": "Testo."}
    upload = {**base, **fields}
    if as_json:
        key, data = "articles/prova.json", json.dumps(upload).encode()
    else:
        body = upload.pop("body", "")
        front = json.dumps(upload)  # JSON is YAML: flow mappings with escapes
        text = body if isinstance(body, str) else ""
        key = "articles/prova.md"
        data = f"---\n{front}\n---\n".encode() + text.encode("utf-8", "surrogatepass")

    # WHEN it is validated: THEN a report comes back (no exception escapes)
    report = validate_upload(key, data, settings)

    # AND every problem can be written in a report
    for problem in report.problems:
        json.dumps(problem.as_dict(), ensure_ascii=True)
        visible(problem.message()).encode("utf-8")
    # AND an accepted article serialises as UTF-8, and so do its page and the feed
    event("accepted" if report.article is not None else "rejected")
    if report.article is not None:
        json.dumps(report.article.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
        report.article.model_dump_json().encode("utf-8")
        report.body_html.encode("utf-8")
        page, feed = _published(settings, report.article)
        page.decode("utf-8")
        etree.fromstring(feed)  # the feed is XML: no character XML forbids got in
        assert first_unpublishable(report.article.title) is None
        assert all(first_unpublishable(t.name) is None for t in report.article.tags)
        assert first_unpublishable(report.article.body, multiline=True) is None


def _published(settings: SiteSettings, article: Article) -> tuple[bytes, bytes]:
    """The article's page and the site feed, rendered as the RenderFunction does."""
    now = datetime(2024, 6, 1, tzinfo=UTC)
    article = article.model_copy(update={"status": ArticleStatus.PUBLISHED})
    store, site = MemoryPages(), MemorySite()
    store.articles[article.key] = StoredArticle(
        article.key, "01", ArticleState.PUBLISHED, now, article=article, first_published=now
    )
    Indexer(settings, store, RecordingQueue()).apply(article.key, None, now)
    refs = [PageRef.article(article.key, article.path), PageRef.feed()]
    PageRenderer(settings, store, site, RecordingInvalidations()).render(refs, now)
    return site.objects[object_key(article.path)], site.objects[object_key(FEED_PATH)]


def test_an_accepted_article_renders_as_utf8_and_xml(settings: SiteSettings) -> None:
    # GIVEN an article using everything a page may carry: RTL marks, emoji, tabs, accents
    text = "Città \u200fمرحبا\u200f \U0001f3c6 fine"
    data = js({"summary": text, "tags": [text], "body": f"{text}\tcon tab\n\n{text}"})
    report = validate_upload("articles/prova.json", data, settings)
    assert report.article is not None, errors(report)
    # WHEN it is rendered; THEN its page is UTF-8 and the feed well-formed XML
    page, feed = _published(settings, report.article)
    assert "مرحبا" in page.decode("utf-8")
    assert etree.fromstring(feed) is not None


# --- the rejection report is bounded and always readable -------------------------------


class _Inbox:
    name = "inbox"

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.reports: dict[str, bytes] = {}

    def current(self, key: str, limit: int) -> InboxObject | None:
        data = self.objects.get(key)
        if data is None:
            return None
        return InboxObject(data[: limit + 1], "v1", None, datetime(2024, 5, 1, tzinfo=UTC))

    def exists(self, key: str) -> bool:
        return key in self.objects

    def read_report(self, key: str) -> Mapping[str, Any] | None:
        raw = self.reports.get(key)
        return None if raw is None else dict(json.loads(raw))

    def write_report(self, key: str, report: Mapping[str, Any]) -> None:
        # as the inbox bucket adapter writes it: UTF-8 JSON, not ASCII-escaped
        self.reports[key] = json.dumps(report, ensure_ascii=False, indent=2).encode()

    def delete_report(self, key: str) -> None:
        self.reports.pop(key, None)


class _Media:
    def handle(self, event: InboxEvent) -> IngestResult:
        return IngestResult(event, IngestOutcome.MEDIA_REMOVED)


class _Ledger:
    def get(self, key: str) -> Any:  # noqa: ARG002
        return None

    def commit(self, stored: Any, *, release_path: str | None, seen: str | None) -> Commit:  # noqa: ARG002
        return Commit(CommitOutcome.COMMITTED)

    def address_holders(self, paths: Any) -> dict[str, str]:  # noqa: ARG002
        return {}

    def wait_for(self, path: str, key: str) -> None:
        pass


class _Telemetry:
    def count(self, name: str, value: int = 1) -> None:
        pass


def _ingest(settings: SiteSettings, key: str, data: bytes) -> _Inbox:
    inbox = _Inbox({key: data})
    event = InboxEvent("inbox", key, Change.PUT, datetime(2024, 5, 1, tzinfo=UTC), "v1", "0A")
    Ingest(settings, inbox, _Media(), _Ledger(), _Telemetry()).handle(event)
    return inbox


def test_a_report_keeps_the_first_problems_and_counts_them_all(settings: SiteSettings) -> None:
    # GIVEN an upload with 35 errors and 25 warnings
    fields: dict[str, Any] = {f"x{i}": i for i in range(25)}  # unknown: warnings
    fields["tags"] = [{"slug": f"t{i}"} for i in range(20)]  # 20 storage shapes
    fields.update(dict.fromkeys(("key", "path", "order", "state", "teaser"), "x"))
    fields.update({"pinned": "si", "status": 0, "date": [], "image": 1, "authors": {}})
    fields.update({"title": 5, "summary": [], "related": 1, "aliases": 2, "slug": 3})
    key = "articles/prova.json"

    # WHEN it is ingested
    inbox = _ingest(settings, key, js(fields))

    # THEN its report holds the first 20 of each, and the totals
    report = json.loads(inbox.reports[key])
    assert report["status"] == "rejected"
    assert (report["errors_total"], report["warnings_total"]) == (35, 25)
    assert len(report["errors"]) == len(report["warnings"]) == 20


def test_a_report_on_a_lone_surrogate_can_be_written_and_read(settings: SiteSettings) -> None:
    # GIVEN a JSON upload whose field name and section carry lone surrogates and an escape
    key = "articles/prova.json"
    data = js({"\ud800\u001b[2J": 1, "section": "Sport\udc00", "k" * 5000: 1})

    # WHEN it is ingested (the inbox writes UTF-8, which cannot hold a lone surrogate)
    inbox = _ingest(settings, key, data)

    # THEN the report is written, readable, and shows the characters escaped and bounded
    report = json.loads(inbox.reports[key].decode("utf-8"))
    assert report["status"] == "rejected"
    assert [e["code"] for e in report["errors"]] == ["character_invalid"]
    warning = report["warnings"][0]
    assert warning["field"] == "\\ud800\\x1b[2J"
    assert "\\ud800\\x1b[2J" in warning["message"]
    long = report["warnings"][1]
    assert len(long["field"]) == 100
    assert len(long["message"]) == 500
    assert long["message"].endswith("…")


def test_line_ends_are_judged_by_each_field_as_before(settings: SiteSettings) -> None:
    # GIVEN a folded YAML summary (it ends with a line end) and a title on two lines
    folded = md("summary: >\n  Un sommario\n  su due righe\n")
    two_lines = md("", "x\n").replace(b"title: Titolo", b'title: "Uno\\nDue"')
    # THEN the summary is one line of text, and the title is refused as it always was
    article = validate_upload("articles/prova.md", folded, settings).article
    assert article is not None
    assert article.summary == "Un sommario su due righe"
    assert errors(validate_upload("articles/prova.md", two_lines, settings)) == [
        ("control_characters", "title", 2)
    ]


# --- a list written as one text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("front", "field", "listed"),
    [
        ("tags: Calcio, Pro Sesto\n", "tags", "tags: [Calcio, Pro Sesto]"),
        ("authors: Giulia Ferrario, Luca Bianchi\n", "authors", "[Giulia Ferrario, Luca Bianchi]"),
    ],
)
def test_names_written_with_commas_are_a_located_error_suggesting_the_list(
    front: str, field: str, listed: str
) -> None:
    # GIVEN tags (or authors) written as one text with commas, on line 4
    report = validate_upload("articles/derby.md", md(front), ANY_SECTION)
    # THEN the upload is refused at that field and line, not published with one long tag
    assert report.article is None
    assert errors(report) == [("names_with_commas", field, 4)]
    assert listed in report.errors[0].message("it")
    assert listed in report.errors[0].message("en")


@pytest.mark.parametrize(
    "front",
    ["tags: [Calcio, Pro Sesto]\n", "tags: Calcio\n", 'tags: ["Calcio, Pro Sesto"]\n',
     "tags:\n  - Calcio\n  - Pro Sesto\n", "related: [derby-di-ieri]\n"],
)  # fmt: skip
def test_names_as_lists_or_single_names_still_publish(front: str) -> None:
    report = validate_upload("articles/derby.md", md(front), ANY_SECTION)
    assert report.article is not None, errors(report)
