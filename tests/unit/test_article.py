"""What a valid upload becomes: normalisation an editor can rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from rotativa.domain.article import Article, ArticleStatus, Tag, normalize_alias
from rotativa.domain.site import SiteSettings
from rotativa.domain.slugs import fold, is_valid_slug, slugify
from rotativa.services.validation import validate_upload

ROME = ZoneInfo("Europe/Rome")


def article(
    settings: SiteSettings, front: str, body: str = "Testo.\n", key: str = "articles/prova.md"
) -> Article:
    report = validate_upload(key, f"---\n{front}---\n{body}".encode(), settings)
    assert report.article is not None, [p.message() for p in report.problems]
    return report.article


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Carrera a Mosca – Spartak", "carrera-a-mosca-spartak"),
        ("Città metropolitana", "citta-metropolitana"),
        ("  L’Inter è in caduta libera!  ", "l-inter-e-in-caduta-libera"),
        ("Straße Ærø Łódź", "strasse-aero-lodz"),
        ("Ⅻ ﬁnale", "xii-finale"),
        ("???", ""),
        ("a" * 130, "a" * 120),
        ("parola " * 30, ("parola-" * 17).rstrip("-")),
    ],
)
def test_slugify_folds_accents_and_punctuation(text: str, slug: str) -> None:
    assert slugify(text) == slug
    assert slug == "" or is_valid_slug(slug)


def test_fold_makes_case_and_accents_irrelevant() -> None:
    assert fold("SANITÀ") == fold("sanita") == fold("Sanità")


def test_slug_comes_from_the_file_name(settings: SiteSettings) -> None:
    a = article(settings, "title: x\nsection: Sport\n", key="articles/Carrera a Mosca – Spartak.md")
    assert a.slug == "carrera-a-mosca-spartak"
    assert a.path == "/sport/carrera-a-mosca-spartak/"


def test_explicit_slug_wins(settings: SiteSettings) -> None:
    a = article(
        settings, "title: x\nsection: Sport\nslug: scelto-a-mano\n", key="articles/altro.md"
    )
    assert a.slug == "scelto-a-mano"


def test_section_is_matched_to_the_configured_one(settings: SiteSettings) -> None:
    a = article(settings, "title: x\nsection: sesto san  GIOVANNI\n")
    assert a.section.name == "Sesto San Giovanni"
    assert a.section.slug == "sesto-san-giovanni"


def test_any_section_when_the_site_lists_none() -> None:
    open_site = SiteSettings(name="X", base_url="https://x.example")
    a = article(open_site, "title: x\nsection: Città Studi\n")
    assert (a.section.name, a.section.slug) == ("Città Studi", "citta-studi")


def test_tags_are_identified_ignoring_case_and_accents(settings: SiteSettings) -> None:
    a = article(settings, "title: x\nsection: Sport\ntags: [Sanità, SANITA, sanita, Pro  Sesto]\n")
    assert a.tags == (Tag(name="Sanità", slug="sanita"), Tag(name="Pro Sesto", slug="pro-sesto"))


def test_a_single_tag_may_be_written_without_a_list(settings: SiteSettings) -> None:
    a = article(settings, "title: x\nsection: Sport\ntags: Calcio\nauthors: Ada Negri\n")
    assert [t.name for t in a.tags] == ["Calcio"]
    assert a.authors == ("Ada Negri",)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-05-01T10:00", datetime(2024, 5, 1, 10, 0, tzinfo=ROME)),
        ("2024-05-01 10:00:30", datetime(2024, 5, 1, 10, 0, 30, tzinfo=ROME)),
        ("2024-05-01", datetime(2024, 5, 1, 0, 0, tzinfo=ROME)),
        ("2024-01-15T10:00", datetime(2024, 1, 15, 10, 0, tzinfo=ROME)),
        ("2024-05-01T08:00:00Z", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
        ("2024-05-01T10:00+02:00", datetime(2024, 5, 1, 8, 0, tzinfo=UTC)),
    ],
)
def test_naive_dates_are_read_in_the_site_time_zone(
    settings: SiteSettings, written: str, expected: datetime
) -> None:
    a = article(settings, f"title: x\nsection: Sport\ndate: {written}\n")
    assert a.date == expected
    assert a.date is not None
    assert a.date.utcoffset() is not None


def test_summer_and_winter_offsets_differ(settings: SiteSettings) -> None:
    summer = article(settings, "title: x\nsection: Sport\ndate: 2024-07-01T12:00\n").date
    winter = article(settings, "title: x\nsection: Sport\ndate: 2024-01-01T12:00\n").date
    assert summer is not None
    assert winter is not None
    assert summer.utcoffset() == timedelta(hours=2)
    assert winter.utcoffset() == timedelta(hours=1)


def test_summary_defaults_to_the_first_paragraph_as_plain_text(settings: SiteSettings) -> None:
    body = (
        "[textmarker color=”E63631″]SESTO SAN GIOVANNI[/textmarker] – Una *nuova* favola "
        "[calcistica](https://x.it).\n\nSecondo paragrafo.\n"
    )
    a = article(settings, "title: x\nsection: Sport\n", body)
    assert a.summary == "SESTO SAN GIOVANNI – Una nuova favola calcistica."


def test_explicit_summary_is_kept(settings: SiteSettings) -> None:
    a = article(settings, "title: x\nsection: Sport\nsummary: '  Il riassunto.  '\n")
    assert a.summary == "Il riassunto."


def test_every_upload_field_is_modelled(settings: SiteSettings) -> None:
    front = (
        "title: Titolo\nsection: Bresso\ndate: 2024-05-01T09:00\nslug: il-titolo\n"
        "tags: [Scuola]\nauthors: [Ada Negri, Ada Negri]\nsummary: Breve.\n"
        "image:\n  src: media/foto.jpg\n  alt: Una piazza\n  caption: La piazza\n"
        "status: draft\npublish_at: 2024-05-02T07:00\nexpires_at: 2024-06-01\n"
        "pinned: true\nrelated: [altro-articolo, altro-articolo]\n"
        "aliases: ['https://vecchio.example/2017/11/titolo/', /archivio/123/]\n"
    )
    a = article(settings, front)
    assert a.status is ArticleStatus.DRAFT
    assert a.is_draft
    assert a.image is not None
    assert a.image.is_local
    assert a.image.alt == "Una piazza"
    assert a.publish_at == datetime(2024, 5, 2, 7, 0, tzinfo=ROME)
    assert a.expires_at == datetime(2024, 6, 1, tzinfo=ROME)
    assert a.pinned is True
    assert a.related == ("altro-articolo",)
    assert a.authors == ("Ada Negri",)
    assert a.aliases == ("/2017/11/titolo/", "/archivio/123/")


def test_json_upload_is_the_same_article_as_markdown(settings: SiteSettings) -> None:
    front = "title: Titolo\nsection: Sport\ndate: 2024-05-01T09:00\ntags: [Calcio]\n"
    from_md = article(settings, front, "Testo *vero*.\n", key="articles/x.md")
    data = (
        '{"title": "Titolo", "section": "Sport", "date": "2024-05-01T09:00",'
        ' "tags": ["Calcio"], "body": "Testo *vero*.\\n"}'
    )
    report = validate_upload("articles/x.json", data.encode(), settings)
    assert report.article is not None
    assert report.article.model_dump(exclude={"key"}) == from_md.model_dump(exclude={"key"})


@pytest.mark.parametrize(
    "encoding_prefix",
    [b"", b"\xef\xbb\xbf"],
    ids=["plain", "bom"],
)
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_bom_and_crlf_are_accepted(
    settings: SiteSettings, encoding_prefix: bytes, newline: str
) -> None:
    text = "---\ntitle: Città\nsection: Sport\n---\nPrimo.\n\nSecondo.\n".replace("\n", newline)
    report = validate_upload("articles/x.md", encoding_prefix + text.encode(), settings)
    assert report.article is not None
    assert report.article.title == "Città"
    assert report.article.body == "Primo.\n\nSecondo.\n"


def test_yaml_one_point_one_surprises_are_plain_text(settings: SiteSettings) -> None:
    # `no`, `on` and sexagesimal `10:30` are text in YAML 1.2, as an editor means them
    a = article(settings, "title: no\nsection: Sport\ntags: [on, 10:30]\n")
    assert a.title == "no"
    assert [t.name for t in a.tags] == ["on", "10:30"]


def test_numbers_are_text_when_quoted(settings: SiteSettings) -> None:
    # GIVEN a headline and a tag that are numbers, written as text (README: fields are text)
    a = article(settings, "title: '1984'\nsection: Sport\ntags: ['2024']\n")
    # THEN they are that text
    assert a.title == "1984"
    assert a.tags[0].slug == "2024"


def test_unquoted_numbers_are_not_text(settings: SiteSettings) -> None:
    # GIVEN the same fields as YAML numbers
    report = validate_upload(
        "articles/prova.md", b"---\ntitle: 1984\nsection: Sport\ntags: [2024]\n---\nx\n", settings
    )
    # THEN each is refused where it is, with the quoting that would make it text
    assert [(p.code, p.field, p.line) for p in report.errors] == [
        ("expected_text_quoted", "title", 2),
        ("expected_text_quoted", "tags[0]", 4),
    ]
    assert '("1984")' in report.errors[0].message("it")


def test_article_round_trips_through_json(settings: SiteSettings) -> None:
    a = article(settings, "title: x\nsection: Sport\ndate: 2024-05-01T09:00\ntags: [Calcio]\n")
    again = Article.model_validate_json(a.model_dump_json(), context={"settings": settings})
    assert again == a


@pytest.mark.parametrize(
    ("alias", "path"),
    [
        ("/2017/11/carrera/", "/2017/11/carrera/"),
        ("https://www.vecchiosito.it/2017/11/carrera/", "/2017/11/carrera/"),
        ("/?p=123", None),
        ("//evil.example/x", None),
        ("/a/./b", None),
    ],
)
def test_aliases_are_site_paths(alias: str, path: str | None) -> None:
    if path is None:
        with pytest.raises(ValueError, match="alias"):
            normalize_alias(alias)
    else:
        assert normalize_alias(alias) == path
