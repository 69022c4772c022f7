"""Corrections and live coverage: what an editor may write, and how pages, fronts, feeds and
/correzioni/ show it (no AWS: the validator and the renderer, on the samples' site)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import feedparser  # type: ignore[import-untyped]
import pytest
from lxml import html  # type: ignore[import-untyped]

from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.pages import CORRECTIONS_PATH, ListingKind
from rotativa.domain.site import SiteSettings
from rotativa.rendering import Listing, SiteRenderer
from rotativa.services.validation import ValidationReport, validate_upload
from tests.conftest import SAMPLES
from tests.schema_org import google_problems, node_of_type, problems, structured_data

NOW = datetime(2024, 5, 3, 12, 0, tzinfo=UTC)
LIVE_SAMPLE = SAMPLES / "articles" / "sesto-consiglio-comunale-bilancio-diretta.md"
CORRECTED_SAMPLE = SAMPLES / "articles" / "pro-sesto-legnano-derby-vittoria.md"
JSON_SAMPLE = SAMPLES / "articles" / "pro-sesto-stadio-breda-manto-erboso.json"


@pytest.fixture(scope="module")
def site() -> SiteSettings:
    return SiteSettings.from_file(SAMPLES / "site.yaml")


@pytest.fixture(scope="module")
def renderer(site: SiteSettings) -> SiteRenderer:
    return SiteRenderer(site)


def upload(fields: str, *, body: str = "Testo.") -> bytes:
    head = "---\ntitle: Seduta\nsection: Sport\ndate: 2024-05-02T20:30\n"
    return f"{head}{fields}---\n{body}\n".encode()


def check(site: SiteSettings, data: bytes, *, now: datetime | None = NOW) -> ValidationReport:
    return validate_upload("articles/seduta.md", data, site, now=now)


def codes(report: ValidationReport) -> list[tuple[str, str | None, int | None]]:
    return [(p.code, p.field, p.line) for p in report.problems]


def valid(site: SiteSettings, data: bytes, *, now: datetime | None = NOW) -> Article:
    report = check(site, data, now=now)
    assert report.article is not None, [p.message("en") for p in report.problems]
    return report.article


def doc(page: bytes) -> html.HtmlElement:
    return html.fromstring(page)


def text_of(element: html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


# --- what an editor may write ---------------------------------------------------------------


@pytest.mark.parametrize("sample", [LIVE_SAMPLE, CORRECTED_SAMPLE, JSON_SAMPLE])
def test_the_samples_pass_with_no_problem(site: SiteSettings, sample) -> None:
    key = f"articles/{sample.name}"
    report = validate_upload(key, sample.read_bytes(), site, now=NOW)
    assert report.article is not None
    assert report.problems == ()


def test_entries_are_kept_newest_first_whatever_the_file_order(site: SiteSettings) -> None:
    # GIVEN the same updates written in two orders
    one, two = (
        "  - at: 2024-05-02T21:10\n    text: uno\n",
        "  - at: 2024-05-02T21:40\n    text: due\n",
    )
    a, b = f"updates:\n{one}{two}", f"updates:\n{two}{one}"
    first, second = valid(site, upload(a)), valid(site, upload(b))
    # THEN they are one article, newest first, in site time
    assert first == second
    assert [u.text for u in first.updates] == ["due", "uno"]
    assert first.updates[0].at.utcoffset() == timedelta(hours=2)
    assert first.revised == first.updates[0].at


def test_an_update_before_the_story_is_refused_at_its_line(site: SiteSettings) -> None:
    report = check(site, upload("updates:\n  - at: 2024-05-02T19:00\n    text: prima\n"))
    assert codes(report) == [("entry_before_date", "updates[0].at", 6)]
    assert "2024-05-02T20:30" in report.problems[0].message("en")


def test_two_updates_at_one_time_are_refused_naming_both(site: SiteSettings) -> None:
    fields = (
        "updates:\n"
        "  - at: 2024-05-02T21:10\n    text: uno\n"
        "  - at: 2024-05-02T21:10:00+02:00\n    text: due\n"  # the same moment, spelt otherwise
    )
    report = check(site, upload(fields))
    assert codes(report) == [("update_at_repeated", "updates[1].at", 8)]
    message = report.problems[0].message("it")
    assert "aggiornamento 2" in message
    assert "aggiornamento 1" in message


def test_the_future_is_judged_against_the_upload_time_and_the_tolerance(site: SiteSettings) -> None:
    soon = NOW + timedelta(minutes=site.future_tolerance_minutes - 1)
    late = NOW + timedelta(minutes=site.future_tolerance_minutes + 1)
    entry = "updates:\n  - at: {}\n    text: x\n"
    assert check(site, upload(entry.format(soon.isoformat()))).valid
    report = check(site, upload(entry.format(late.isoformat())))
    assert codes(report) == [("entry_in_future", "updates[0].at", 6)]
    # without a clock (a stored record, a caller that has none) the time is not judged
    assert check(site, upload(entry.format(late.isoformat())), now=None).valid
    # and a site may allow more
    lenient = site.model_copy(update={"future_tolerance_minutes": 60})
    assert check(lenient, upload(entry.format(late.isoformat()))).valid


def test_corrections_follow_the_same_timeline(site: SiteSettings) -> None:
    report = check(site, upload("corrections:\n  - at: 2024-05-01T08:00\n    text: x\n"))
    assert codes(report) == [("entry_before_date", "corrections[0].at", 6)]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("updates: Approvato\n", [("expected_list", "updates", 5)]),
        ("updates:\n  - solo testo\n", [("entry_not_mapping", "updates[0]", 6)]),
        (
            "updates:\n  - at: 2024-05-02T21:00\n    tilte: x\n    text: y\n",
            [("entry_field_unknown", "updates[0].tilte", 7)],
        ),
        ("updates:\n  - text: y\n", [("entry_field_missing", "updates[0].at", 6)]),
        ("updates:\n  - at: 2024-05-02T21:00\n", [("entry_field_missing", "updates[0].text", 6)]),
        ("corrections:\n  - at: ieri\n    text: y\n", [("date_invalid", "corrections[0].at", 6)]),
        ("corrections:\n  - at: 2024-05-02T21:00\n    text: 12\n",
         [("expected_text_quoted", "corrections[0].text", 7)]),
        ("corrections:\n  - at: 2024-05-02T21:00\n    text: '  '\n",
         [("blank", "corrections[0].text", 7)]),
        ("live: sì\n", [("expected_bool", "live", 5)]),
    ],
)  # fmt: skip
def test_malformed_entries_get_located_errors(site: SiteSettings, fields: str, expected) -> None:
    report = check(site, upload(fields))
    assert report.article is None
    assert codes(report) == expected
    for problem in report.problems:
        assert problem.message("it")
        assert problem.message("en")


def test_limits_are_counted_before_entries_are_read(site: SiteSettings) -> None:
    many = "corrections:\n" + "".join(
        f"  - at: 2024-05-02T21:{i:02d}\n    text: x\n" for i in range(11)
    )
    assert [c for c, _, _ in codes(check(site, upload(many)))] == ["too_many"]
    long_text = "corrections:\n  - at: 2024-05-02T21:00\n    text: " + "x" * 601 + "\n"
    assert [c for c, _, _ in codes(check(site, upload(long_text)))] == ["too_long"]


def test_entry_markdown_is_read_as_the_body_is(site: SiteSettings) -> None:
    fields = "updates:\n  - at: 2024-05-02T21:00\n    text: 'Voto [sconosciuto] in aula'\n"
    report = check(site, upload(fields))
    assert report.article is not None  # a warning, as in the body
    assert [(p.code, p.field, p.line) for p in report.warnings] == [
        ("shortcode_unknown", "updates[0].text", 7)
    ]


def test_json_uploads_take_the_same_fields(site: SiteSettings) -> None:
    data = json.dumps(
        {
            "title": "Seduta",
            "section": "Sport",
            "date": "2024-05-02T20:30",
            "live": True,
            "updates": [{"at": "2024-05-02T21:10", "title": "Voto", "text": "**Sì**"}],
            "corrections": [{"at": "2024-05-02T22:00", "text": "Era 19, non 18."}],
            "body": "Testo.",
        }
    ).encode()
    report = validate_upload("articles/seduta.json", data, site, now=NOW)
    assert report.article is not None, report.problems
    assert report.article.live
    assert report.article.updates[0].title == "Voto"
    assert report.article.corrections[0].text == "Era 19, non 18."
    bad = data.replace(b'"2024-05-02T21:10"', b'"2024-05-02T19:10"')
    assert [p.code for p in validate_upload("articles/seduta.json", bad, site).problems] == [
        "entry_before_date"
    ]


# --- the article page ------------------------------------------------------------------------


def live_article(site: SiteSettings, *, live: bool = True, extra: str = "") -> Article:
    fields = (
        f"live: {'true' if live else 'false'}\n"
        "updates:\n"
        "  - at: 2024-05-02T20:40\n    text: Si apre la seduta.\n"
        "  - at: 2024-05-02T21:10\n    title: Primo voto\n    text: 'Passa con **19** voti.'\n"
        "  - at: 2024-05-03T00:15\n    text: Seduta chiusa dopo mezzanotte.\n" + extra
    )
    return valid(site, upload(fields))


def test_a_live_page_shows_its_updates_newest_first_above_the_body(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = live_article(site)
    assert article.date is not None
    page = doc(renderer.article_page(article, published=article.date, updated=None, related=[]))
    updates = page.xpath('//section[contains(@class,"live")]//li[@class="live__update"]')
    # newest first, each with its own address (the day added once past midnight)
    assert [u.get("id") for u in updates] == ["agg-0503-0015", "agg-2110", "agg-2040"]
    assert [u.xpath(".//a/@href")[0] for u in updates] == [
        "#agg-0503-0015",
        "#agg-2110",
        "#agg-2040",
    ]
    assert [text_of(u.xpath('.//p[@class="live__time"]//time')[0]) for u in updates] == [
        "03 Mag. 2024 00:15",
        "21:10",
        "20:40",
    ]
    assert updates[0].xpath(".//time/@datetime") == ["2024-05-03T00:15:00+02:00"]
    assert updates[1].xpath(".//h3/text()") == ["Primo voto"]
    assert updates[0].xpath(".//h3") == []  # the title is optional
    assert updates[1].xpath(".//strong/text()") == ["19"]  # Markdown, as in the body
    # above the body, under a heading that says it is on air
    story = page.xpath('//article[@class="story"]')[0]
    children = [c.get("class") for c in story]
    assert children.index("live live--on-air") < children.index("story__body")
    assert text_of(page.xpath('//h2[@id="diretta"]')[0]) == "In diretta"
    assert page.xpath('//*[@class="story__kicker"]//strong[@class="live-badge"]')
    # "Aggiornato il" is the newest update's time
    updated = page.xpath('//p[@class="story__updated"]/time')[0]
    assert updated.get("datetime") == "2024-05-03T00:15:00+02:00"
    assert text_of(updated) == "Aggiornato il 03 Mag. 2024 alle 00:15"


def test_coverage_that_ended_keeps_its_updates_and_says_so(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = live_article(site, live=False)
    assert article.date is not None
    page = doc(renderer.article_page(article, published=article.date, updated=None, related=[]))
    assert text_of(page.xpath('//h2[@id="diretta"]')[0]) == "Diretta conclusa"
    assert len(page.xpath('//li[@class="live__update"]')) == 3
    assert page.xpath('//*[@class="live-badge"]') == []


def test_coverage_just_started_says_updates_are_coming(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = valid(site, upload("live: true\n"))
    assert article.date is not None
    page = doc(renderer.article_page(article, published=article.date, updated=None, related=[]))
    assert "primi aggiornamenti" in text_of(page.xpath('//p[@class="live__waiting"]')[0])
    assert page.xpath('//p[@class="story__updated"]') == []


def test_corrections_are_labelled_dated_newest_first_and_move_the_update_time(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    fields = (
        "corrections:\n"
        "  - at: 2024-05-02T22:00\n    text: 'Il risultato era **2-0**.'\n"
        "  - at: 2024-05-03T09:15\n    text: 'Il marcatore era [Gualdi](/sport/gualdi/).'\n"
    )
    article = valid(site, upload(fields))
    assert article.date is not None
    uploaded_again = article.date + timedelta(hours=1)  # earlier than the newest correction
    page = doc(
        renderer.article_page(article, published=article.date, updated=uploaded_again, related=[])
    )
    items = page.xpath('//section[@class="corrections"]//li')
    assert [text_of(i.xpath(".//time")[0]) for i in items] == [
        "Correzione del 03 Mag. 2024 alle 09:15",
        "Correzione del 02 Mag. 2024 alle 22:00",
    ]
    assert items[0].xpath(".//a/@href") == ["/sport/gualdi/"]
    assert items[1].xpath(".//strong/text()") == ["2-0"]
    story = [c.get("class") for c in page.xpath('//article[@class="story"]')[0]]
    assert story.index("story__body") < story.index("corrections")
    updated = page.xpath('//p[@class="story__updated"]/time/@datetime')
    assert updated == ["2024-05-03T09:15:00+02:00"]
    # a later upload still wins over an older correction
    later = article.date + timedelta(days=2)
    page = doc(renderer.article_page(article, published=article.date, updated=later, related=[]))
    assert page.xpath('//p[@class="story__updated"]/time/@datetime') == [
        "2024-05-04T20:30:00+02:00"
    ]


def test_entry_markdown_is_sanitised(site: SiteSettings, renderer: SiteRenderer) -> None:
    fields = (
        "updates:\n  - at: 2024-05-02T21:00\n"
        "    text: '<script>alert(1)</script> [x](javascript:alert(1)) <b onclick=\"x\">b</b>'\n"
    )
    article = valid(site, upload(fields))
    assert article.date is not None
    page = renderer.article_page(article, published=article.date, updated=None, related=[])
    assert b"<script>alert" not in page
    assert b'href="javascript' not in page  # left as the text it is, never a link
    assert b"onclick" not in page


# --- fronts, /correzioni/ and the feeds ---------------------------------------------------------


def teaser_of(article: Article) -> ArticleTeaser:
    assert article.date is not None
    return article.teaser(article.date)


def test_fronts_mark_a_live_article_with_its_latest_update(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    live = teaser_of(live_article(site))
    ended = teaser_of(live_article(site, live=False))
    page = doc(renderer.listing_page(Listing("section", "Sport", "/sport/", (live,))))
    assert [text_of(b) for b in page.xpath('//*[@class="live-badge"]')] == [
        "In diretta · agg. 00:15"
    ]
    page = doc(renderer.listing_page(Listing("section", "Sport", "/sport/", (ended,))))
    assert page.xpath('//*[@class="live-badge"]') == []


def corrected(site: SiteSettings, slug: str, *moments: str) -> ArticleTeaser:
    fields = f"slug: {slug}\ncorrections:\n" + "".join(
        f"  - at: {m}\n    text: 'Corretto alle {m[-5:]}.'\n" for m in moments
    )
    return teaser_of(valid(site, upload(fields)))


def test_the_corrections_page_lists_every_correction_newest_first(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    a = corrected(site, "primo", "2024-05-02T21:00", "2024-05-03T08:00")
    b = corrected(site, "secondo", "2024-05-02T23:00")
    page = doc(
        renderer.corrections_page(
            Listing(ListingKind.CORRECTIONS, "", CORRECTIONS_PATH, (a, b), page=1)
        )
    )
    items = page.xpath('//ol[@class="corrections-list"]/li')
    assert [i.xpath(".//h2/a/@href")[0] for i in items] == [
        "/sport/primo/",
        "/sport/secondo/",
        "/sport/primo/",
    ]
    assert [i.xpath(".//time/@datetime")[0][11:16] for i in items] == ["08:00", "23:00", "21:00"]
    assert page.xpath("//h1/text()") == ["Correzioni"]
    assert page.xpath("//link[@rel='canonical']/@href") == [site.base_url + "correzioni/"]
    # and every page's footer links to it
    assert "/correzioni/" in page.xpath('//footer[@class="site-footer"]//a/@href')


def test_the_corrections_page_exists_before_the_first_correction(renderer: SiteRenderer) -> None:
    page = doc(
        renderer.corrections_page(Listing(ListingKind.CORRECTIONS, "", CORRECTIONS_PATH, ()))
    )
    assert text_of(page.xpath('//p[@class="empty"]')[0]) == "Nessuna correzione finora."


def test_a_correction_is_an_update_of_the_same_feed_item(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    plain = teaser_of(valid(site, upload("slug: primo\n")))
    fixed = corrected(site, "primo", "2024-05-03T08:00")

    def item(teaser: ArticleTeaser) -> feedparser.FeedParserDict:
        body = renderer.feed(
            title="Sport", page_path="/sport/", feed_path="/sport/feed.xml", articles=[teaser]
        )
        parsed = feedparser.parse(body)
        assert parsed.bozo is False, parsed.get("bozo_exception")
        return parsed.entries[0]

    before, after = item(plain), item(fixed)
    assert before.id == after.id == site.base_url + "sport/primo/"
    assert before.published == after.published
    assert "Correzione del 03 Mag. 2024 alle 08:00: Corretto alle 08:00." in after.summary
    assert after.updated == "2024-05-03T08:00:00+02:00"  # feedparser reads dcterms:modified
    assert "updated" not in before


# --- structured data --------------------------------------------------------------------------


@pytest.mark.parametrize("on_air", [True, False])
def test_live_coverage_ends_in_its_data_when_live_is_removed(
    site: SiteSettings, renderer: SiteRenderer, on_air: bool
) -> None:
    article = live_article(site, live=on_air)
    assert article.date is not None
    page = renderer.article_page(article, published=article.date, updated=None, related=[])
    (data,) = structured_data(page)
    assert problems(data) + google_problems(data, kinds=["LiveBlogPosting"]) == []
    live = node_of_type(page, "LiveBlogPosting")
    assert live["coverageStartTime"] == "2024-05-02T20:30:00+02:00"
    if on_air:
        assert "coverageEndTime" not in live
    else:  # over: it ended with its last update
        assert live["coverageEndTime"] == "2024-05-03T00:15:00+02:00"
    assert [u["url"].rpartition("#")[2] for u in live["liveBlogUpdate"]] == [
        "agg-0503-0015",
        "agg-2110",
        "agg-2040",
    ]


def test_an_ordinary_article_stays_a_news_article(
    site: SiteSettings, renderer: SiteRenderer
) -> None:
    article = valid(site, upload("corrections:\n  - at: 2024-05-02T22:00\n    text: 'Era 2-0.'\n"))
    assert article.date is not None
    page = renderer.article_page(article, published=article.date, updated=None, related=[])
    (data,) = structured_data(page)
    assert problems(data) + google_problems(data, kinds=["NewsArticle"]) == []
    node = node_of_type(page, "NewsArticle")
    assert node["correction"][0]["text"] == "Era 2-0."
    assert "liveBlogUpdate" not in node
