"""Render requests: several pages to a message, old one-page messages still read, and
which pages a pending request already covers."""

from __future__ import annotations

import json

import pytest

from rotativa.adapters.queues import SQS_BATCH, SQS_BATCH_BYTES, _batches
from rotativa.adapters.render_marks import PENDING_SECONDS, mark_pk, page_id, still_pending
from rotativa.domain.pages import (
    PAGES_PER_REQUEST,
    ListingId,
    ListingKind,
    PageKind,
    PageRef,
    RenderRequest,
)

HOME = PageRef.of(PageKind.HOME)
SPORT = PageRef.listing(ListingId(ListingKind.SECTION, "sport"))
ARTICLE = PageRef.article("articles/a.md", "/sport/a/")


def test_a_request_names_several_pages_and_its_token() -> None:
    request = RenderRequest((HOME, SPORT, ARTICLE), token="t1")
    message = json.loads(json.dumps(request.as_message()))
    assert RenderRequest.from_message(message) == request


def test_a_one_page_message_of_before_is_read_as_a_request_of_that_page() -> None:
    # GIVEN what the schedules send, and what was queued before a deploy
    for page in (HOME, SPORT, ARTICLE, PageRef.of(PageKind.NEWS_SITEMAP)):
        # THEN it is a request of that one page, with no token to consume
        assert RenderRequest.from_message(page.as_message()) == RenderRequest((page,))
    assert RenderRequest.from_message({"kind": "news-sitemap"}).token == ""


@pytest.mark.parametrize("message", [{"pages": []}, {"pages": "home"}, {"pages": [{}]}])
def test_a_request_naming_no_readable_page_is_refused(message: dict[str, object]) -> None:
    with pytest.raises((ValueError, KeyError)):
        RenderRequest.from_message(message)


def test_pages_are_split_into_requests_each_named_once() -> None:
    pages = [PageRef.article(f"articles/{n}.md", f"/sport/{n}/") for n in range(60)]
    requests = RenderRequest.split([*pages, *pages[:10]], token="t")
    assert [len(r.pages) for r in requests] == [PAGES_PER_REQUEST, PAGES_PER_REQUEST, 10]
    assert sorted(p for r in requests for p in r.pages) == sorted(pages)
    assert {r.token for r in requests} == {"t"}
    assert RenderRequest.split([]) == []


def test_one_send_carries_ten_requests_within_the_size_limit() -> None:
    small = ["x" * 100] * 25
    assert [len(b) for b in _batches(small)] == [SQS_BATCH, SQS_BATCH, 5]
    large = ["y" * (SQS_BATCH_BYTES // 3 + 1)] * 4  # two fit in one batch, not three
    assert [len(b) for b in _batches(large)] == [2, 2]
    assert _batches([]) == []


def test_a_page_is_pending_while_its_newest_request_has_not_begun_rendering() -> None:
    now = 10_000.0
    marks = {
        HOME: ("t-waiting", now - 5),
        SPORT: ("t-rendering", now - 5),  # its render began: changes since are not in it
        ARTICLE: ("t-lost", now - PENDING_SECONDS - 1),  # in the DLQ by now: send again
    }
    assert still_pending(marks, rendered={"t-rendering"}, now=now) == {HOME}
    assert still_pending({}, rendered=set(), now=now) == set()


def test_every_page_has_its_own_mark_within_the_key_limit() -> None:
    long = PageRef.article("articles/" + "x" * 3000 + ".md", "/sport/" + "x" * 3000 + "/")
    assert len(mark_pk(long).encode()) < 1100
    assert page_id(long) != page_id(ARTICLE)
    assert len({mark_pk(p) for p in (HOME, SPORT, ARTICLE, long)}) == 4
