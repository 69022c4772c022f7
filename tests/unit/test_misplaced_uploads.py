"""Uploads rotativa does not read (outside articles/ and media/, or of a type no article
has) are answered with a report saying where they belong, as long as they are there; the
inbox's own reports and folder markers are let go without one."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rotativa.domain.inbox import Change, InboxEvent, IngestOutcome
from rotativa.domain.messages import render_message
from rotativa.domain.site import SiteSettings
from rotativa.services.ingest import Ingest
from tests.fakes import CountingTelemetry, MemoryArticleLedger, MemoryInbox, MemoryMedia

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


class Desk:
    def __init__(self, settings: SiteSettings) -> None:
        self.inbox = MemoryInbox("inbox")
        self.ledger = MemoryArticleLedger()
        self.ingest = Ingest(
            settings, self.inbox, MemoryMedia(self.inbox), self.ledger, CountingTelemetry()
        )

    def put(self, key: str, data: bytes = b"---\ntitle: T\nsection: Sport\n---\nTesto.\n"):
        found = self.inbox.upload(key, data, T0)
        event = InboxEvent("inbox", key, Change.PUT, T0, found.version_id, "0A")
        return self.ingest.handle(event)

    def delete(self, key: str):
        self.inbox.remove(key)
        return self.ingest.handle(InboxEvent("inbox", key, Change.DELETE, T0, "marker", "0B"))


@pytest.fixture
def desk(settings: SiteSettings) -> Desk:
    return Desk(settings)


def test_an_article_at_the_bucket_root_is_told_to_go_under_articles(desk: Desk) -> None:
    # GIVEN `radice.md` uploaded at the inbox's root
    result = desk.put("radice.md")
    # THEN nothing is published, and its report says where articles go
    assert result.outcome is IngestOutcome.REJECTED
    assert desk.ledger.articles == {}
    report = desk.inbox.reports["radice.md"]
    assert report["status"] == "rejected"
    (problem,) = report["errors"]
    assert problem["code"] == "upload_outside"
    assert "articles/radice.md" in problem["message"]
    assert "media/" in problem["message"]
    # WHEN it is deleted, THEN its report goes with it
    desk.delete("radice.md")
    assert "radice.md" not in desk.inbox.reports


def test_a_photo_in_a_folder_of_its_own_is_told_to_go_under_media(desk: Desk) -> None:
    desk.put("foto/ponte.jpg", b"\xff\xd8\xff")
    (problem,) = desk.inbox.reports["foto/ponte.jpg"]["errors"]
    assert "media/ponte.jpg" in problem["message"]


def test_a_text_file_under_articles_is_told_which_types_are_articles(
    desk: Desk, settings: SiteSettings
) -> None:
    result = desk.put("articles/notes.txt", b"appunti")
    assert result.outcome is IngestOutcome.REJECTED
    (problem,) = desk.inbox.reports["articles/notes.txt"]["errors"]
    assert problem["code"] == "file_extension"
    assert problem["message"] == render_message(
        "file_extension", settings.locale, field="file", extension=".txt"
    )


@pytest.mark.parametrize(
    "key", ["reports/articles/x.md.json", "articles/", "media/", ".DS_Store", "articles/.DS_Store"]
)
def test_the_inboxs_own_files_are_let_go_without_a_report(desk: Desk, key: str) -> None:
    # GIVEN a report ingest wrote (its event comes back), a console's folder marker, or a
    # system's hidden file: THEN no report is written about it (nor a report's report)
    result = desk.put(key, b"{}")
    assert result.outcome is IngestOutcome.IGNORED
    assert desk.inbox.reports == {}


def test_an_event_about_a_misplaced_file_that_is_not_there_writes_nothing(desk: Desk) -> None:
    # GIVEN an event for `radice.md` that S3 does not hold (forged, or deleted since)
    event = InboxEvent("inbox", "radice.md", Change.PUT, T0, "v9", "0A")
    # THEN it changes nothing
    assert desk.ingest.handle(event).outcome is IngestOutcome.IGNORED
    assert desk.inbox.reports == {}
