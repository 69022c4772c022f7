"""Stable listing buckets: one publish touches a bounded number of listing pages."""

from __future__ import annotations

import pytest

from rotativa.domain.pages import (
    PER_PAGE,
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    bucket_count,
    bucket_of,
    bucket_range,
    front_older_page,
    object_key,
    pages_changed_by,
)


def test_object_keys() -> None:
    assert object_key("/") == "index.html"
    assert object_key("/sport/x/") == "sport/x/index.html"
    assert object_key("/feed.xml") == "feed.xml"
    assert object_key("/sport/page/3/") == "sport/page/3/index.html"


def test_listing_paths() -> None:
    sport = ListingId(ListingKind.SECTION, "sport")
    assert sport.page_path(0) == "/sport/"
    assert sport.page_path(3) == "/sport/page/3/"
    assert ListingId(ListingKind.TAG, "sanita").page_path(0) == "/tag/sanita/"
    assert ListingId(ListingKind.AUTHOR, "ada").page_path(0) == "/autore/ada/"
    assert ListingId.parse(str(sport)) == sport


def test_buckets_are_counted_from_the_oldest() -> None:
    assert bucket_of(0) == 1
    assert bucket_of(PER_PAGE - 1) == 1
    assert bucket_of(PER_PAGE) == 2
    assert bucket_count(0) == 0
    assert bucket_count(41) == 3
    assert bucket_range(3, 41) == (40, 41)
    assert front_older_page(20) is None
    assert front_older_page(21) == 1
    assert front_older_page(100) == 4


@pytest.mark.parametrize("total", [1, 19, 20, 21, 39, 40, 41, 1000, 10_000, 100_000])
def test_publishing_the_newest_touches_at_most_three_pages(total: int) -> None:
    pages = pages_changed_by(rank=total - 1, total_before=total - 1, total_after=total)
    assert 0 in pages
    assert len(pages) <= 3
    assert set(pages) <= {0, bucket_count(total), bucket_count(total) - 1}


def test_a_backdated_article_shifts_the_buckets_above_it() -> None:
    assert pages_changed_by(rank=5, total_before=60, total_after=61) == [0, 1, 2, 3, 4]


def test_removing_the_newest_closes_its_bucket() -> None:
    assert pages_changed_by(rank=40, total_before=41, total_after=40) == [0, 2, 3]


def test_page_refs_round_trip_as_messages() -> None:
    refs = [
        PageRef.article("articles/a.md", "/sport/a/"),
        PageRef.listing(ListingId(ListingKind.TAG, "sanita"), 2),
        PageRef.feed(),
        PageRef.of(PageKind.HOME),
        PageRef.sitemap("2024-05"),
    ]
    assert [PageRef.from_message(r.as_message()) for r in refs] == refs
