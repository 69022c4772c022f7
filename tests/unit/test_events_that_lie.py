"""Ingest against events that lie: replayed, forged, foreign, reordered, or about a name two
files share. S3 (here an in-memory inbox) is the truth; the event is a hint to look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rotativa.domain.inbox import Change, InboxEvent, IngestOutcome, Recheck
from rotativa.domain.records import ArticleState
from rotativa.domain.site import SiteSettings
from rotativa.services.ingest import Ingest
from tests.fakes import CountingTelemetry, MemoryArticleLedger, MemoryInbox, MemoryMedia
from tests.integration.pipeline_helpers import article

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
KEY = "articles/ponte.md"


class World:
    def __init__(self, settings: SiteSettings) -> None:
        self.inbox = MemoryInbox("inbox")
        self.ledger = MemoryArticleLedger()
        self.telemetry = CountingTelemetry()
        self.ingest = Ingest(
            settings, self.inbox, MemoryMedia(self.inbox), self.ledger, self.telemetry
        )

    def upload(self, key: str, text: str, at: datetime) -> InboxEvent:
        """Put `key` in the inbox; the event S3 would send for it."""
        found = self.inbox.upload(key, text.encode(), at)
        sequencer = f"{int(at.timestamp() * 1000):X}"
        return InboxEvent("inbox", key, Change.PUT, at, found.version_id, sequencer)

    def delete(self, key: str, at: datetime) -> InboxEvent:
        self.inbox.remove(key)
        return InboxEvent(
            "inbox", key, Change.DELETE, at, "marker", f"{int(at.timestamp() * 1000):X}"
        )

    def title(self, key: str) -> str | None:
        stored = self.ledger.get(key)
        if stored is None or stored.article is None or stored.state is ArticleState.DELETED:
            return None
        return stored.article.title


@pytest.fixture
def world(settings: SiteSettings) -> World:
    return World(settings)


def test_a_forged_newest_ever_event_does_not_freeze_the_article(world: World) -> None:
    # GIVEN a published article and a forged event for it with the largest sequencer there is
    first = world.upload(KEY, article("Prima"), T0)
    world.ingest.handle(first)
    forged = InboxEvent(
        "inbox", KEY, Change.PUT, T0 + timedelta(days=9000), first.version_id, "F" * 40
    )
    world.ingest.handle(forged)
    # WHEN the editor uploads a correction later, with an ordinary sequencer
    later = world.upload(KEY, article("Seconda"), T0 + timedelta(seconds=30))
    result = world.ingest.handle(later)
    # THEN the correction is published
    assert result.outcome is IngestOutcome.PUBLISHED
    assert world.title(KEY) == "Seconda"


def test_a_replayed_old_event_changes_nothing(world: World) -> None:
    old = world.upload(KEY, article("Prima"), T0)
    world.ingest.handle(old)
    world.ingest.handle(world.upload(KEY, article("Seconda"), T0 + timedelta(seconds=5)))
    commits = world.ledger.commits

    result = world.ingest.handle(old)  # the first version's event, delivered again

    assert result.outcome is IngestOutcome.STALE
    assert world.title(KEY) == "Seconda"
    assert world.ledger.commits == commits


def test_an_event_about_another_bucket_changes_nothing(world: World) -> None:
    world.ingest.handle(world.upload(KEY, article("Prima"), T0))
    foreign = InboxEvent("someone-elses-bucket", KEY, Change.DELETE, T0 + timedelta(hours=1))

    assert world.ingest.handle(foreign).outcome is IngestOutcome.FOREIGN
    assert world.title(KEY) == "Prima"
    assert world.telemetry.counts["ForeignEventIgnored"] == 1


def test_a_forged_delete_of_an_object_still_there_unpublishes_nothing(world: World) -> None:
    world.ingest.handle(world.upload(KEY, article("Prima"), T0))
    forged = InboxEvent("inbox", KEY, Change.DELETE, T0 + timedelta(hours=1), "x", "F" * 40)

    assert world.ingest.handle(forged).outcome is IngestOutcome.STALE
    assert world.title(KEY) == "Prima"
    # and a later real upload still wins
    world.ingest.handle(world.upload(KEY, article("Seconda"), T0 + timedelta(hours=2)))
    assert world.title(KEY) == "Seconda"


def test_any_event_for_a_key_s3_no_longer_holds_unpublishes_it(world: World) -> None:
    put = world.upload(KEY, article("Prima"), T0)
    world.ingest.handle(put)
    world.inbox.remove(KEY)  # deleted; its own event is late

    assert world.ingest.handle(put).outcome is IngestOutcome.UNPUBLISHED
    assert world.title(KEY) is None


def test_a_delete_overtaken_by_a_new_upload_keeps_the_new_one(world: World) -> None:
    world.ingest.handle(world.upload(KEY, article("Prima"), T0))
    delete = world.delete(KEY, T0 + timedelta(seconds=1))
    put = world.upload(KEY, article("Di nuovo"), T0 + timedelta(seconds=2))

    world.ingest.handle(put)
    world.ingest.handle(delete)  # late: S3 holds the new upload

    assert world.title(KEY) == "Di nuovo"


def test_a_hand_made_event_naming_no_version_publishes_what_s3_holds(world: World) -> None:
    world.inbox.upload(KEY, article("Dal bucket").encode(), T0)
    hint = InboxEvent("inbox", KEY, Change.PUT, T0)

    assert world.ingest.handle(hint).outcome is IngestOutcome.PUBLISHED
    assert world.title(KEY) == "Dal bucket"


def test_orders_only_grow_even_when_s3_times_do_not(world: World) -> None:
    # GIVEN a later upload whose S3 time is (wrongly) earlier, as a multipart upload's is
    world.ingest.handle(world.upload(KEY, article("Prima"), T0))
    first = world.ledger.get(KEY)
    world.ingest.handle(world.upload(KEY, article("Seconda"), T0 - timedelta(minutes=5)))
    second = world.ledger.get(KEY)
    # THEN what S3 holds now is committed, with an order after the one it replaced
    assert first is not None
    assert second is not None
    assert world.title(KEY) == "Seconda"
    assert second.order > first.order


def test_a_taken_address_is_published_once_its_holder_lets_it_go(world: World) -> None:
    # GIVEN two uploads wanting one address
    world.ingest.handle(world.upload("articles/a.md", article("A", slug="ponte"), T0))
    late = world.upload("articles/b.md", article("B", slug="ponte"), T0 + timedelta(seconds=1))
    rejected = world.ingest.handle(late)
    assert rejected.outcome is IngestOutcome.REJECTED
    assert [p.code for p in rejected.problems] == ["slug_taken"]
    assert world.ledger.waiting_for("/sport/ponte/") == ["articles/b.md"]
    # WHEN the holder is deleted, and the IndexFunction asks ingest to look again
    world.ingest.handle(world.delete("articles/a.md", T0 + timedelta(seconds=2)))
    result = world.ingest.handle(Recheck("articles/b.md").event("inbox", T0 + timedelta(seconds=3)))
    # THEN the waiting upload is published without being uploaded again
    assert result.outcome is IngestOutcome.PUBLISHED
    assert world.title("articles/b.md") == "B"
    assert "articles/b.md" not in world.inbox.reports


def test_the_markdown_twin_wins_whichever_comes_first(world: World) -> None:
    # GIVEN x.json published first
    world.ingest.handle(
        world.upload("articles/x.json", '{"title": "JSON", "section": "Sport", "body": "t"}', T0)
    )
    assert world.title("articles/x.json") == "JSON"
    # WHEN x.md arrives
    result = world.ingest.handle(
        world.upload("articles/x.md", article("Markdown"), T0 + timedelta(seconds=1))
    )
    # THEN the Markdown file has the address and the JSON file is off the site, with a report
    assert result.outcome is IngestOutcome.PUBLISHED
    assert world.title("articles/x.md") == "Markdown"
    assert world.title("articles/x.json") is None
    report = world.inbox.reports["articles/x.json"]
    assert report["status"] == "rejected"
    assert [e["code"] for e in report["errors"]] == ["name_twin"]
    # and the JSON file's own event, delivered again, does not bring it back
    again = InboxEvent("inbox", "articles/x.json", Change.PUT, T0 + timedelta(seconds=2))
    assert world.ingest.handle(again).outcome is IngestOutcome.REJECTED
    assert world.title("articles/x.md") == "Markdown"
    # WHEN the Markdown file is deleted, THEN the JSON file comes back once looked at again
    world.ingest.handle(world.delete("articles/x.md", T0 + timedelta(seconds=3)))
    assert world.ledger.waiting_for("name:articles/x") == ["articles/x.json"]
    back = world.ingest.handle(Recheck("articles/x.json").event("inbox", T0 + timedelta(seconds=4)))
    assert back.outcome is IngestOutcome.PUBLISHED
    assert world.title("articles/x.json") == "JSON"


def test_a_json_twin_arriving_second_is_refused(world: World) -> None:
    world.ingest.handle(world.upload("articles/x.md", article("Markdown"), T0))
    result = world.ingest.handle(
        world.upload(
            "articles/x.json",
            '{"title": "JSON", "section": "Sport", "body": "t"}',
            T0 + timedelta(seconds=1),
        )
    )
    assert result.outcome is IngestOutcome.REJECTED
    assert world.title("articles/x.md") == "Markdown"


def test_an_alias_another_upload_holds_is_warned_naming_the_holder(world: World) -> None:
    world.ledger.redirects["/2017/ponte/"] = "articles/primo.md"
    result = world.ingest.handle(
        world.upload(KEY, article("Ponte", extra="aliases: [/2017/ponte/]\n"), T0)
    )
    assert result.outcome is IngestOutcome.PUBLISHED
    [warning] = [p for p in result.problems if p.code == "alias_taken"]
    assert warning.params["owner"] == "articles/primo.md"
    assert world.inbox.reports[KEY]["status"] == "accepted"


def test_a_recheck_message_is_recognised_and_anything_else_is_not() -> None:
    assert Recheck.from_message(Recheck("articles/a.md").message()) == Recheck("articles/a.md")
    assert Recheck.from_message('{"Records": []}') is None
    with pytest.raises(ValueError, match="article key"):
        Recheck.from_message('{"type": "rotativa.recheck", "key": "media/x.html"}')


def test_an_image_whose_file_was_refused_is_warned_about(world: World) -> None:
    # GIVEN a picture in the inbox whose bytes were refused (HTML named .jpg)
    world.inbox.upload("media/foto.jpg", b"<html><script>alert(1)</script>", T0)
    world.inbox.reports["media/foto.jpg"] = {"status": "rejected", "errors": []}
    image = "image:\n  src: media/foto.jpg\n  alt: Foto\n"
    # WHEN an article shows it
    result = world.ingest.handle(world.upload(KEY, article("Con foto", extra=image), T0))
    # THEN it is published, and its report says the picture will not be there
    assert result.outcome is IngestOutcome.PUBLISHED
    assert [p.code for p in result.problems] == ["image_refused"]
