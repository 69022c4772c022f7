"""The schema.org checker of the tests (tests/schema_org.py) can fail: each rule it claims
is shown refusing a document that breaks it, beside a document that keeps them all."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.schema_org import (
    SCHEMA_ORG_RELEASE,
    google_problems,
    node_of_type,
    problems,
    structured_data,
    vocabulary,
)

HOME = "https://www.example.it/"
ARTICLE_URL = HOME + "sport/derby/"
NEWSROOM = {
    "@type": "NewsMediaOrganization",
    "@id": HOME + "#testata",
    "name": "Esempio Notizie",
    "url": HOME,
    "logo": {"@type": "ImageObject", "url": HOME + "logo.png", "width": 512, "height": 512},
}


def good() -> dict[str, Any]:
    """A page's graph as Google documents it: every rule kept."""
    return {
        "@context": "https://schema.org",
        "@graph": [
            copy.deepcopy(NEWSROOM),
            {
                "@type": "NewsArticle",
                "mainEntityOfPage": {"@type": "WebPage", "@id": ARTICLE_URL},
                "headline": "Il derby",
                "image": [
                    {"@type": "ImageObject", "url": HOME + "a.jpg", "width": 1200, "height": 675},
                    HOME + "b.jpg",
                ],
                "datePublished": "2024-05-02T07:45:00+02:00",
                "dateModified": "2024-05-02T09:00:00+02:00",
                "author": [
                    {"@type": "Person", "name": "Chiara Colombo", "url": HOME + "autore/cc/"},
                    {"@id": HOME + "#testata"},
                ],
                "publisher": {"@id": HOME + "#testata"},
                "keywords": ["calcio", "derby"],
                "inLanguage": "it",
            },
            {
                "@type": "BreadcrumbList",
                "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Home", "item": HOME},
                    {"@type": "ListItem", "position": 2, "name": "Sport", "item": HOME + "sport/"},
                    {"@type": "ListItem", "position": 3, "name": "Il derby"},
                ],
            },
        ],
    }


def article_of(data: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = data["@graph"][1]
    return node


def test_the_vocabulary_is_schema_org_12_with_the_types_the_pages_use() -> None:
    known = vocabulary()
    assert SCHEMA_ORG_RELEASE == "12.0"
    for kind in (
        "NewsArticle", "NewsMediaOrganization", "BreadcrumbList", "ListItem", "ProfilePage",
        "WebSite", "WebPage", "Person", "ImageObject",
    ):  # fmt: skip
        assert known.is_type(kind), kind
    assert {"Article", "CreativeWork", "Thing"} <= known.ancestors("NewsArticle")
    assert "Organization" in known.ancestors("NewsMediaOrganization")
    assert {"ImageObject", "URL"} <= known.ranges["logo"]
    assert {"URL", "Integer", "DateTime", "Date", "Text"} <= known.data_types
    assert not known.is_type("Text")  # a data type is a value, not a node


def test_a_document_that_keeps_every_rule_passes() -> None:
    assert problems(good()) == []
    assert google_problems(good(), kinds=("NewsArticle", "BreadcrumbList")) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        # a property schema.org does not have
        (lambda d: article_of(d).update(colore="rosso"), "'colore' is not a schema.org property"),
        # a real property, of another type
        (
            lambda d: article_of(d)["author"][0].update(headline="x"),
            "headline is not a property of Person",
        ),
        # an unknown type, and a data type used as a node
        (lambda d: article_of(d).update({"@type": "NewsArtikel"}), "'NewsArtikel' is not a"),
        (lambda d: d["@graph"][0].update({"@type": "Text"}), "'Text' is not a schema.org type"),
        # a value outside the range: a number for Text, a Place for an author
        (lambda d: article_of(d).update(headline=5), "5 is not a Text"),
        (
            lambda d: article_of(d)["author"].append({"@type": "Place", "name": "Sesto"}),
            "a Place where author takes Organization or Person",
        ),
        # literals that only look like their type: a date, a URL, an integer
        (lambda d: article_of(d).update(datePublished="ieri"), "'ieri' is not a Date or DateTime"),
        (
            lambda d: d["@graph"][0]["logo"].update(url="logo.png"),
            "'logo.png' is not a URL",
        ),
        (
            lambda d: d["@graph"][2]["itemListElement"][0].update(position=1.5),
            "1.5 is not a Integer or Text",
        ),
        # a reference to a node the document does not hold, a node without a type
        (
            lambda d: article_of(d).update(publisher={"@id": HOME + "#altro"}),
            "no node of the document has @id",
        ),
        (lambda d: article_of(d).update(publisher={"name": "x"}), "a node without @type"),
        # a property given no value
        (lambda d: article_of(d).update(keywords=[]), "an empty list"),
    ],
)
def test_a_document_that_breaks_a_rule_fails(change: Any, expected: str) -> None:
    data = good()
    change(data)
    found = problems(data)
    assert any(expected in problem for problem in found), found


def test_superseded_terms_and_a_foreign_context_fail() -> None:
    data = good()
    data["@graph"][0]["employees"] = {"@type": "Person", "name": "x"}
    assert any("employees is superseded" in p for p in problems(data))
    assert any("@context" in p for p in problems({**good(), "@context": "https://example.org"}))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: article_of(d).pop("headline"), "no headline"),
        (lambda d: article_of(d).update(image=[]), "no image"),
        (lambda d: article_of(d).update(dateModified="2024-05-02T09:00:00"), "with its zone"),
        (
            lambda d: article_of(d).update(dateModified="2024-05-01T09:00:00+02:00"),
            "dateModified before datePublished",
        ),
        (lambda d: article_of(d)["author"][0].pop("url"), "an author without name and url"),
        (lambda d: d["@graph"][0].pop("logo"), "no logo"),
        (
            lambda d: d["@graph"][0]["logo"].update(width=60, height=60),
            "a logo of 60×60, under 112 px",
        ),
        (
            lambda d: d["@graph"][2]["itemListElement"][1].update(position=3),
            "positions are not 1, 2, 3",
        ),
        (lambda d: d["@graph"][2]["itemListElement"][1].pop("item"), "item is not an absolute"),
        (lambda d: d["@graph"][2]["itemListElement"][0].pop("name"), "no name"),
        (lambda d: d["@graph"].pop(2), "no BreadcrumbList"),
    ],
)
def test_what_google_asks_is_missing(change: Any, expected: str) -> None:
    data = good()
    change(data)
    found = google_problems(data, kinds=("NewsArticle", "BreadcrumbList"))
    assert any(expected in problem for problem in found), found


def test_a_profile_page_needs_its_subject_with_name_and_url() -> None:
    page = {"@type": "ProfilePage", "mainEntity": {"@type": "Person", "name": "Chiara"}}
    data = {"@context": "https://schema.org", "@graph": [page]}
    assert problems(data) == []
    assert google_problems(data) == ["ProfilePage#0: mainEntity without name and url"]
    page["mainEntity"] = {"@type": "Place", "name": "Sesto", "url": HOME}
    assert google_problems(data) == ["ProfilePage#0: mainEntity is no Person or Organization"]


def test_a_page_reads_as_its_scripts_and_their_nodes() -> None:
    page = (
        '<!DOCTYPE html><html><head><script type="application/ld+json">'
        '{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"\\u003cE\\u003e",'
        '"url":"https://www.example.it/"}]}</script></head><body></body></html>'
    )
    assert structured_data(page) == [
        {
            "@context": "https://schema.org",
            "@graph": [{"@type": "WebSite", "name": "<E>", "url": "https://www.example.it/"}],
        }
    ]
    assert node_of_type(page, "CreativeWork")["name"] == "<E>"  # WebSite is a CreativeWork
    with pytest.raises(AssertionError, match="0 nodes of type Person"):
        node_of_type(page, "Person")
