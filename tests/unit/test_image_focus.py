"""An article's image may say where its subject is: `focus: [x, y]` (issue 14).

Every crop of the picture keeps that point inside it, so a bad focus would make every
crop wrong without a word: it is refused like any field of the wrong kind, located at
`image.focus`, in words an editor can act on. Absent, it is the centre; and articles
stored before it existed still load, centred.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.domain.article import ArticleImage, ArticleTeaser
from rotativa.domain.messages import LANGUAGES, render_message
from rotativa.domain.pictures import FOCUS_CENTRE, Focus
from rotativa.domain.records import ArticleState, StoredArticle
from rotativa.domain.site import SiteSettings
from rotativa.domain.text import first_unpublishable
from rotativa.services.validation import ValidationReport, validate_upload
from rotativa_tools.cli import main
from tests.conftest import SAMPLES
from tests.unit.test_linear_parsing import assert_linear

KEY_MD = "articles/foto.md"
KEY_JSON = "articles/foto.json"
NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
FOCUS_LINE = 7  # md(): `---`, title, section, image, src, alt, then focus


def md(focus: str) -> bytes:
    return (
        "---\ntitle: Titolo\nsection: Sport\nimage:\n  src: media/a.jpg\n  alt: Una foto\n"
        f"  focus: {focus}\n---\nTesto.\n"
    ).encode()


def js(focus: Any) -> bytes:
    """A JSON upload over several lines, so a wrong line would show."""
    upload = {
        "title": "Titolo",
        "section": "Sport",
        "image": {"src": "media/a.jpg", "alt": "Una foto", "focus": focus},
        "body": "Testo.",
    }
    return json.dumps(upload, indent=1).encode()


JSON_FOCUS_LINE = 7  # `{`, title, section, "image", src, alt, then "focus"


def errors(report: ValidationReport) -> list[tuple[str, str | None, int | None]]:
    return [(p.code, p.field, p.line) for p in report.errors]


def focus_of(report: ValidationReport) -> Focus:
    assert report.article is not None, errors(report)
    assert report.article.image is not None
    return report.article.image.focus


# --- accepted -------------------------------------------------------------------------

ACCEPTED_YAML = [
    ("[0.5, 0.3]", Focus(0.5, 0.3)),
    ("[0, 1]", Focus(0.0, 1.0)),  # ints 0 and 1 are numbers between 0 and 1
    ("[1, 0]", Focus(1.0, 0.0)),
    ("[0.0, 1.0]", Focus(0.0, 1.0)),
    ("[-0.0, 0.25]", Focus(0.0, 0.25)),  # -0 is 0, stored as 0.0
    ("[1e-3, 0.999]", Focus(0.001, 0.999)),
    ("\n    - 0.2\n    - 0.8", Focus(0.2, 0.8)),  # a block list is the same list
]


@pytest.mark.parametrize(("written", "expected"), ACCEPTED_YAML)
def test_a_focus_of_two_numbers_from_0_to_1_is_kept(
    settings: SiteSettings, written: str, expected: Focus
) -> None:
    focus = focus_of(validate_upload(KEY_MD, md(written), settings))
    assert focus == expected
    assert isinstance(focus, Focus)
    assert all(type(v) is float for v in focus)
    assert math.copysign(1, focus.x) == 1  # never -0.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [([0.5, 0.3], Focus(0.5, 0.3)), ([0, 1], Focus(0.0, 1.0)), ([1, 0.75], Focus(1.0, 0.75))],
)
def test_json_uploads_take_the_same_focus(
    settings: SiteSettings, value: list[float], expected: Focus
) -> None:
    assert focus_of(validate_upload(KEY_JSON, js(value), settings)) == expected


def test_without_a_focus_the_crops_keep_the_centre(settings: SiteSettings) -> None:
    # GIVEN an image without focus, and one whose focus is empty (empty: not given)
    plain = b"---\ntitle: T\nsection: Sport\nimage:\n  src: media/a.jpg\n  alt: Foto\n---\nx\n"
    # THEN both are centred
    assert focus_of(validate_upload(KEY_MD, plain, settings)) == FOCUS_CENTRE == (0.5, 0.5)
    assert focus_of(validate_upload(KEY_MD, md(""), settings)) == FOCUS_CENTRE
    assert focus_of(validate_upload(KEY_JSON, js(None), settings)) == FOCUS_CENTRE


# --- refused --------------------------------------------------------------------------

REFUSED_YAML = [
    ("'0.5, 0.3'", "image_focus_invalid"),  # text, even when it reads as numbers
    ('["0.5", "0.3"]', "image_focus_invalid"),
    ("0.5", "image_focus_invalid"),  # one number
    ("true", "image_focus_invalid"),
    ("[]", "image_focus_invalid"),
    ("[0.5]", "image_focus_invalid"),  # wrong length
    ("[0.5, 0.3, 0.1]", "image_focus_invalid"),
    ("[true, 0.5]", "image_focus_invalid"),  # true is 1 to Python, not a number to us
    ("[0, false]", "image_focus_invalid"),
    ("[.nan, 0.5]", "image_focus_invalid"),  # YAML's NaN and infinities are floats
    ("[0.5, .inf]", "image_focus_invalid"),
    ("[-.inf, 0.5]", "image_focus_invalid"),
    ("[[0.5], [0.3]]", "image_focus_invalid"),
    ("[0.5, ~]", "image_focus_invalid"),
    ("{x: 0.5, y: 0.3}", "image_focus_invalid"),  # a mapping is not the documented shape
    ("[1.5, 0.5]", "image_focus_out_of_range"),
    ("[0.5, -0.1]", "image_focus_out_of_range"),
    ("[50, 30]", "image_focus_out_of_range"),  # percentages are not fractions
    ("[2, 0]", "image_focus_out_of_range"),
    ("[1.0000001, 0]", "image_focus_out_of_range"),
]


@pytest.mark.parametrize(("written", "code"), REFUSED_YAML)
def test_any_other_focus_is_refused_at_its_line(
    settings: SiteSettings, written: str, code: str
) -> None:
    report = validate_upload(KEY_MD, md(written), settings)
    assert report.article is None
    assert errors(report) == [(code, "image.focus", FOCUS_LINE)]


REFUSED_JSON: list[tuple[Any, str]] = [
    ("0.5, 0.3", "image_focus_invalid"),
    (["0.5", "0.3"], "image_focus_invalid"),
    (0.5, "image_focus_invalid"),
    ([0.5], "image_focus_invalid"),
    ([0.1, 0.2, 0.3], "image_focus_invalid"),
    ([True, False], "image_focus_invalid"),
    ({"x": 0.5, "y": 0.5}, "image_focus_invalid"),
    ([None, 0.5], "image_focus_invalid"),
    ([1.5, 0.5], "image_focus_out_of_range"),
    ([0, -1], "image_focus_out_of_range"),
]


@pytest.mark.parametrize(("value", "code"), REFUSED_JSON)
def test_json_uploads_refuse_the_same_shapes_at_the_focus_line(
    settings: SiteSettings, value: Any, code: str
) -> None:
    report = validate_upload(KEY_JSON, js(value), settings)
    assert report.article is None
    assert errors(report) == [(code, "image.focus", JSON_FOCUS_LINE)]


def test_a_json_focus_is_located_by_its_own_key_not_by_lookalikes(
    settings: SiteSettings,
) -> None:
    # GIVEN a JSON image whose caption says `"focus": …` (escaped, inside the text), and a
    # top-level `focus` field (unknown) before the image
    upload = (
        '{"title": "T", "section": "Sport", "focus": [0.5, 0.5],\n'
        '"image": {"src": "media/a.jpg", "alt": "a",\n'
        '  "caption": "\\"focus\\": [9, 9]",\n'
        '  "focus": [9, 9]},\n"body": "x"}'
    )
    report = validate_upload(KEY_JSON, upload.encode(), settings)
    # THEN the error is on the image's own focus key, and the unknown field on its own line
    assert errors(report) == [("image_focus_out_of_range", "image.focus", 4)]
    assert [(p.code, p.field, p.line) for p in report.warnings] == [("unknown_field", "focus", 1)]
    # AND one line of JSON is one line
    assert errors(validate_upload(KEY_JSON, js([9, 9]).replace(b"\n", b""), settings)) == [
        ("image_focus_out_of_range", "image.focus", 1)
    ]


def test_locating_an_images_keys_in_json_stays_linear(settings: SiteSettings) -> None:
    # GIVEN the worst text for the search: the image's keys written many times as values
    # before each key itself
    def upload(n: int) -> Callable[[], object]:
        image = {"src": ["alt", "focus"] * n, "alt": "a", "caption": "c", "focus": [2, 2]}
        data = json.dumps({"title": "T", "section": "Sport", "image": image}).encode()
        return lambda: validate_upload(KEY_JSON, data, settings)

    # THEN locating them is linear, and the 1 MB case is quick
    assert_linear(upload, 10_000, "image keys as values")
    started = time.perf_counter()
    upload(60_000)()
    assert time.perf_counter() - started < 1.0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_nan_and_infinity_never_reach_the_focus(settings: SiteSettings, literal: str) -> None:
    data = js([0.5, 0.5]).decode().replace("0.5\n", literal + "\n", 1).encode()
    assert literal.encode() in data
    report = validate_upload(KEY_JSON, data, settings)
    assert report.article is None
    assert [p.code for p in report.errors] == ["number_invalid"]


def test_a_bad_focus_is_said_beside_the_uploads_other_errors(settings: SiteSettings) -> None:
    # GIVEN an image with a bad focus and other errors elsewhere in the upload
    data = b"---\ntitle: T\nsection: Sport\npinned: si\nimage:\n  src: media/a.jpg\n  alt: x\n"
    data += b"  focus: [2, 2]\n---\nx\n"
    report = validate_upload(KEY_MD, data, settings)
    # THEN each is said, at its own line
    assert errors(report) == [
        ("expected_bool", "pinned", 4),
        ("image_focus_out_of_range", "image.focus", 8),
    ]


def test_a_bad_focus_does_not_hide_the_images_other_errors(settings: SiteSettings) -> None:
    # GIVEN an image with a bad focus, no alt and an address that is not allowed
    data = b"---\ntitle: T\nsection: Sport\nimage:\n  src: javascript:alert(1)\n"
    report = validate_upload(KEY_MD, data + b"  focus: [0.5]\n---\nx\n", settings)
    # THEN the editor reads each of them in one report
    assert sorted(errors(report)) == [
        ("image_alt_missing", "image", 4),
        ("image_focus_invalid", "image.focus", 6),
    ]
    data = b"---\ntitle: T\nsection: Sport\nimage:\n  src: javascript:alert(1)\n  alt: a\n"
    report = validate_upload(KEY_MD, data + b"  focus: [0.5]\n---\nx\n", settings)
    assert sorted(errors(report)) == [
        ("image_focus_invalid", "image.focus", 7),
        ("url_invalid", "image.src", 5),
    ]


def test_the_message_says_what_was_written_and_what_to_write(settings: SiteSettings) -> None:
    report = validate_upload(KEY_MD, md("[50, 30]"), settings)
    (problem,) = report.errors
    for language in LANGUAGES:
        text = problem.message(language)
        assert "'image.focus'" in text
        assert "[50, 30]" in text  # what the editor wrote
        assert "[0.5, 0.3]" in text  # an example of what to write
    assert "0 (" in problem.message("en")
    assert "1 (" in problem.message("en")


def test_a_refused_focus_is_shown_short_and_publishable(settings: SiteSettings) -> None:
    # GIVEN a focus of 5,000 numbers, and one holding a lone surrogate (a JSON escape)
    many = validate_upload(KEY_JSON, js([0.5] * 5000), settings)
    surrogate = validate_upload(KEY_JSON, js(["\ud800", 0.5]), settings)
    for report in (many, surrogate):
        (problem,) = report.errors
        assert problem.code == "image_focus_invalid"
        # THEN the message is short, encodes as UTF-8 and a report can be written with it
        for language in LANGUAGES:
            text = problem.message(language)
            text.encode("utf-8")
            assert first_unpublishable(text) is None
            assert len(text) < 300
        json.dumps(problem.as_dict(), ensure_ascii=False).encode("utf-8")


def test_both_focus_messages_render_in_both_languages() -> None:
    for code in ("image_focus_invalid", "image_focus_out_of_range"):
        for language in LANGUAGES:
            text = render_message(code, language, field="image.focus", value="[2, 0]")
            assert "image.focus" in text
            assert "[2, 0]" in text


def test_an_unknown_image_field_names_focus_among_the_accepted(settings: SiteSettings) -> None:
    data = b"---\ntitle: T\nsection: Sport\nimage:\n  src: media/a.jpg\n  alt: x\n  fuoco: 1\n"
    report = validate_upload(KEY_MD, data + b"---\nx\n", settings)
    (problem,) = report.errors
    assert (problem.code, problem.field) == ("image_field_unknown", "image.fuoco")
    assert "src, alt, caption, focus" in problem.message("en")


# --- the stored model holds the same rule ----------------------------------------------


def test_the_stored_image_refuses_what_the_upload_would() -> None:
    # GIVEN a direct caller (not an upload) building an image
    ok = ArticleImage.model_validate({"src": "media/a.jpg", "alt": "a", "focus": (1, 0.25)})
    assert ok.focus == Focus(1.0, 0.25)
    assert ArticleImage(src="media/a.jpg", alt="a").focus == FOCUS_CENTRE
    # THEN the same rule holds: a stored focus is always one the crops can use
    for bad in ([1.5, 0], [True, 0], ["0.5", "0.5"], [math.nan, 0], [0.5], "0.5 0.5"):
        with pytest.raises(ValueError, match="image_focus"):
            ArticleImage.model_validate({"src": "media/a.jpg", "alt": "a", "focus": bad})


# --- the stored item's round trip ------------------------------------------------------


class TableClient:
    """A DynamoDB client holding the article item a commit writes, and reading it back:
    the table adapter's own encoding and decoding, without a table."""

    def __init__(self) -> None:
        self.item: dict[str, Any] = {}

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        for action in TransactItems:
            item = action.get("Put", {}).get("Item", {})
            if item.get("sk") == {"S": "article"}:
                self.item = item

    def get_item(self, **_: Any) -> dict[str, Any]:
        return {"Item": self.item}


def _round_trip(settings: SiteSettings, stored: StoredArticle) -> tuple[TableClient, ArticlesTable]:
    client = TableClient()
    table = ArticlesTable("articles", settings, cast(Any, client))
    table.commit(stored, release_path=None, seen=None)
    return client, table


def test_the_focus_survives_the_articles_table(settings: SiteSettings) -> None:
    # GIVEN an article whose image has a focus, written by the table adapter
    article = validate_upload(KEY_MD, md("[0.25, 0.75]"), settings).article
    assert article is not None
    stored = StoredArticle(
        KEY_MD, "01", ArticleState.PUBLISHED, NOW, article=article, first_published=NOW
    )
    client, table = _round_trip(settings, stored)
    # THEN the item holds it as the editor wrote it, and it reads back the same
    assert json.loads(client.item["article"]["S"])["image"]["focus"] == [0.25, 0.75]
    again = table.get(KEY_MD)
    assert again is not None
    assert again.article == article
    assert again.article.image is not None
    assert again.article.image.focus == Focus(0.25, 0.75)
    # AND the teaser (lists, boxes, feeds) carries it too
    teaser = ArticleTeaser.model_validate_json(again.teaser().model_dump_json())
    assert teaser.image is not None
    assert teaser.image.focus == Focus(0.25, 0.75)


def test_an_item_stored_before_the_focus_still_loads_centred(settings: SiteSettings) -> None:
    # GIVEN an article item and a teaser written before images had a focus
    article = validate_upload(KEY_MD, md("[0.25, 0.75]"), settings).article
    assert article is not None
    client, table = _round_trip(
        settings, StoredArticle(KEY_MD, "01", ArticleState.PUBLISHED, NOW, article=article)
    )
    old = json.loads(client.item["article"]["S"])
    del old["image"]["focus"]
    assert set(old["image"]) == {"src", "alt", "caption"}
    client.item["article"] = {"S": json.dumps(old)}
    # WHEN they are read back
    again = table.get(KEY_MD)
    # THEN they load, centred, and nothing else changed
    assert again is not None
    assert again.article is not None
    assert again.article.image is not None
    assert again.article.image.focus == FOCUS_CENTRE
    assert again.article.model_copy(update={"image": article.image}) == article
    teaser = json.loads(again.teaser().model_dump_json())
    del teaser["image"]["focus"]
    loaded = ArticleTeaser.model_validate_json(json.dumps(teaser))
    assert loaded.image is not None
    assert loaded.image.focus == FOCUS_CENTRE


# --- rotativa check --------------------------------------------------------------------


def test_rotativa_check_names_the_focus_and_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a content folder with an article whose focus is in percentages
    (tmp_path / "site.yaml").write_bytes((SAMPLES / "site.yaml").read_bytes())
    articles = tmp_path / "articles"
    articles.mkdir()
    bad = articles / "foto.md"
    bad.write_bytes(md("[50, 30]"))
    # WHEN it is checked, in English
    code = main(["check", "--lang", "en", str(tmp_path)])
    out = capsys.readouterr().out.splitlines()
    # THEN the editor reads the file, the line, the field and what to write
    assert code == 1
    assert out[0] == (
        f"{bad}:{FOCUS_LINE}: error: 'image.focus': [50, 30] is outside the picture; each "
        "number goes from 0 (left, top) to 1 (right, bottom), e.g. [0.5, 0.3]"
    )
    assert out[-1] == "1 file checked: 0 valid, 1 invalid and 0 warnings"
