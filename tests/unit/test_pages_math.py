"""Stable listing buckets: one publish touches a bounded number of listing pages."""

from __future__ import annotations

from typing import Any

import pytest

from rotativa.domain.pages import (
    PER_PAGE,
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    bucket_count,
    bucket_is_front,
    bucket_of,
    bucket_range,
    front_older_page,
    newer_page,
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


@pytest.mark.parametrize("total", [1, 19, 20, 21, 39, 40, 41, 1000, 1001, 10_000, 100_000])
def test_publishing_the_newest_touches_at_most_four_pages(total: int) -> None:
    pages = pages_changed_by(rank=total - 1, total_before=total - 1, total_after=total)
    assert 0 in pages
    last = bucket_count(total)
    if total > 2 * PER_PAGE and total % PER_PAGE == 1:
        # The bucket before the new one stops being the front's copy, so the one before it
        # gets its "newer" link back: front, new bucket, former copy, and that one.
        assert pages == [0, last - 2, last - 1, last]
    else:
        assert len(pages) <= 3
        assert set(pages) <= {0, last, last - 1}


def test_a_backdated_article_shifts_the_buckets_above_it() -> None:
    assert pages_changed_by(rank=5, total_before=60, total_after=61) == [0, 1, 2, 3, 4]


def test_removing_the_newest_closes_its_bucket() -> None:
    # Bucket 3 goes, bucket 2 becomes the front's copy, bucket 1's "newer" link the front.
    assert pages_changed_by(rank=40, total_before=41, total_after=40) == [0, 1, 2, 3]


def test_page_refs_round_trip_as_messages() -> None:
    refs = [
        PageRef.article("articles/a.md", "/sport/a/"),
        PageRef.listing(ListingId(ListingKind.TAG, "sanita"), 2),
        PageRef.feed(),
        PageRef.of(PageKind.HOME),
        PageRef.sitemap("2024-05"),
    ]
    assert [PageRef.from_message(r.as_message()) for r in refs] == refs


# --- the front's copy: a bucket holding exactly the front's articles -----------------------


def test_a_bucket_is_the_fronts_copy_only_when_it_holds_the_fronts_twenty() -> None:
    assert not bucket_is_front(1, 0)  # no article: no bucket at all
    assert bucket_is_front(1, 1)
    assert bucket_is_front(1, 20)
    assert not bucket_is_front(1, 21)  # the front shows 2-21, bucket 1 shows 1-20
    assert not bucket_is_front(2, 39)
    assert bucket_is_front(2, 40)
    assert not bucket_is_front(1, 40)
    assert not bucket_is_front(2, 41)
    assert bucket_is_front(3, 60)
    assert not bucket_is_front(0, 20)  # the front is the front, not its copy


def test_newer_links_lead_past_the_copy_to_the_front() -> None:
    assert newer_page(1, 39) == 2
    assert newer_page(1, 40) == 0  # bucket 2 would be the front's list again
    assert newer_page(1, 41) == 2
    assert newer_page(2, 41) == 3
    assert newer_page(3, 41) == 0  # the newest bucket leads to the front
    assert newer_page(1, 21) == 2  # bucket 2 holds the 21st alone: a page of its own


@pytest.mark.parametrize(
    ("rank", "before", "after", "expected"),
    [
        # adding
        (19, 19, 20, [0, 1]),  # bucket 1 becomes the front's copy
        (20, 20, 21, [0, 1, 2]),  # bucket 1 becomes a page of its own, bucket 2 opens
        (39, 39, 40, [0, 1, 2]),  # bucket 2 becomes the copy: bucket 1's newer link moves
        (40, 40, 41, [0, 1, 2, 3]),  # and back again, bucket 3 opens
        (5, 40, 41, [0, 1, 2, 3]),  # a backdated one shifts every bucket
        # removing
        (39, 40, 39, [0, 1, 2]),  # bucket 2 stops being the copy
        (0, 40, 39, [0, 1, 2]),
        (40, 41, 40, [0, 1, 2, 3]),  # bucket 3 closes, bucket 2 becomes the copy
        (20, 21, 20, [0, 1, 2]),  # bucket 2 closes, bucket 1 becomes the copy
        (0, 1, 0, [0, 1]),  # the last article: front and bucket both go
    ],
)
def test_pages_changed_when_the_copy_moves(
    rank: int, before: int, after: int, expected: list[int]
) -> None:
    assert pages_changed_by(rank, before, after) == expected


def test_no_bucket_page_ever_holds_exactly_the_fronts_list() -> None:
    for total in range(0, 205):
        front = (max(total - PER_PAGE, 0), total)
        for page in range(1, bucket_count(total) + 1):
            if not bucket_is_front(page, total):
                assert bucket_range(page, total) != front, (page, total)
            else:
                assert bucket_range(page, total) == front, (page, total)


def listing_pages(articles: list[str]) -> dict[int, Any]:
    """Every page of a listing as the renderer lays it out: what it shows and where its
    links lead, or "301" for the front's copy. Counted from the oldest, as the buckets."""
    total = len(articles)
    if not total:
        return {}
    pages: dict[int, Any] = {0: (tuple(articles[-PER_PAGE:]), front_older_page(total))}
    for page in range(1, bucket_count(total) + 1):
        if bucket_is_front(page, total):
            pages[page] = "301"
        else:
            start, end = bucket_range(page, total)
            older = page - 1 if page > 1 else None
            pages[page] = (tuple(articles[start:end]), newer_page(page, total), older)
    return pages


def changed(before: dict[int, Any], after: dict[int, Any]) -> set[int]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


@pytest.mark.parametrize("size", range(0, 86))
def test_every_changed_page_is_named_when_an_article_comes_or_goes(size: int) -> None:
    """pages_changed_by against the pages themselves: for any listing size and any rank,
    adding or removing one article changes no page it does not name (content, links, or
    being the front's copy)."""
    others = [f"a{n:03d}" for n in range(size)]
    for rank in range(size + 1):
        with_it = [*others[:rank], "new", *others[rank:]]
        added = changed(listing_pages(others), listing_pages(with_it))
        assert added <= set(pages_changed_by(rank, size, size + 1)), ("add", rank, size)
        removed = changed(listing_pages(with_it), listing_pages(others))
        assert removed <= set(pages_changed_by(rank, size + 1, size)), ("remove", rank, size)
