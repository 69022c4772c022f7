"""`rotativa dev`'s journal: one line per upload, told in the site's language and at the
time each upload was made, from what the system left behind (here, fixed outcomes)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rotativa.domain.inbox import Change
from rotativa_tools.local.dev import Journal
from rotativa_tools.local.pump import Invocation
from rotativa_tools.local.summary import (
    Invalidation,
    InvalidationLog,
    Outcome,
    SiteWrites,
    UploadJudge,
    UploadOutcome,
)

INBOX = "rotativa-inbox"


class FixedJudge(UploadJudge):
    """Outcomes decided beforehand, in place of the inbox's reports and the table."""

    def __init__(self, outcomes: dict[str, UploadOutcome], language: Any = "it") -> None:
        self.outcomes = outcomes
        self.language = language

    def _judge(self, key: str, change: Change) -> UploadOutcome:  # noqa: ARG002
        return self.outcomes[key]


class NoInvalidations(InvalidationLog):
    def __init__(self) -> None:
        pass

    def new(self) -> list[Invalidation]:
        return []


def notification(*uploads: tuple[str, str]) -> dict[str, Any]:
    """An SQS batch of one S3 notification per (key, eventTime), as the pump delivers it."""
    return {
        "Records": [
            {
                "body": json.dumps(
                    {
                        "Records": [
                            {
                                "eventSource": "aws:s3",
                                "eventName": "ObjectCreated:Put",
                                "eventTime": at,
                                "s3": {"bucket": {"name": INBOX}, "object": {"key": key}},
                            }
                        ]
                    }
                )
            }
            for key, at in uploads
        ]
    }


def journal(outcomes: dict[str, UploadOutcome], language: Any = "it") -> tuple[Journal, list[str]]:
    said: list[str] = []
    told = Journal(INBOX, FixedJudge(outcomes, language), SiteWrites("site"), NoInvalidations(),
                   said.append)  # fmt: skip
    return told, said


def clock(at: str) -> str:
    return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone().strftime("%H:%M:%S")


REJECTED = {
    "status": "rejected",
    "errors": [{"code": "required", "message": "manca il titolo", "line": 3}],
}


def test_a_rejection_names_its_line_in_the_language_of_its_message() -> None:
    # GIVEN an Italian site and an upload refused at line 3
    told, said = journal(
        {"articles/a.md": UploadOutcome("articles/a.md", Outcome.REJECTED, REJECTED)}
    )
    # WHEN it has been delivered and the system is quiet
    told.observe(Invocation("ValidateFunction", "IngestQueue", 1, 0), notification(
        ("articles/a.md", "2026-05-02T10:00:01.000Z")))  # fmt: skip
    told.quiet()
    # THEN the line says "riga", as the message before it is Italian
    assert said == [
        f"{clock('2026-05-02T10:00:01Z')} articles/a.md → rejected: manca il titolo (riga 3)"
    ]


def test_an_english_site_says_line() -> None:
    told, said = journal(
        {"articles/a.md": UploadOutcome("articles/a.md", Outcome.REJECTED, REJECTED)}, "en"
    )
    told.observe(Invocation("ValidateFunction", "IngestQueue", 1, 0), notification(
        ("articles/a.md", "2026-05-02T10:00:01.000Z")))  # fmt: skip
    told.quiet()
    assert said[0].endswith("(line 3)")


def test_each_upload_of_a_burst_is_told_at_the_time_it_was_made() -> None:
    # GIVEN a burst: three uploads seconds apart, delivered in two invocations of one wave
    keys = {f"articles/{n}.md": UploadOutcome(f"articles/{n}.md", Outcome.PUBLISHED) for n in "abc"}
    told, said = journal(keys)
    told.observe(Invocation("ValidateFunction", "IngestQueue", 2, 0), notification(
        ("articles/a.md", "2026-05-02T10:00:01.000Z"),
        ("articles/b.md", "2026-05-02T10:00:04.000Z")))  # fmt: skip
    told.observe(Invocation("ValidateFunction", "IngestQueue", 1, 0), notification(
        ("articles/c.md", "2026-05-02T10:00:09.000Z")))  # fmt: skip
    # WHEN the system is quiet
    told.quiet()
    # THEN each line carries its own upload's time, not the first one's
    assert said == [
        f"{clock('2026-05-02T10:00:01Z')} articles/a.md → published",
        f"{clock('2026-05-02T10:00:04Z')} articles/b.md → published",
        f"{clock('2026-05-02T10:00:09Z')} articles/c.md → published",
    ]


class EmptyInbox:
    def read_report(self, key: str) -> None:  # noqa: ARG002
        return None


class EmptyTable:
    def get(self, key: str) -> None:  # noqa: ARG002
        return None


def test_a_deleted_file_that_was_never_published_is_removed_not_lost() -> None:
    # GIVEN a misplaced file's delete: its report is gone with it, and no article was stored
    judge = UploadJudge(EmptyInbox(), EmptyTable())  # type: ignore[arg-type]
    # THEN it is told as removed, not as "not processed (see the DLQs)"
    assert judge.judge("radice.md", Change.DELETE).describe() == "removed"
    assert judge.judge("articles/x.md", Change.PUT).outcome is Outcome.LOST
