"""Embargoes and expiries: when an article appears and disappears, as states and schedules.

An article whose `publish_at` is still ahead is stored `scheduled`; one past its
`expires_at` is stored `expired`. Neither is shown. The moment itself is not checked by
any reader of the table: a one-time schedule (EventBridge Scheduler on AWS, the local
cloud's clock on a laptop) fires a `DueChange` at that moment, and the ValidateFunction
turns it into a conditional write of the new state. The table's stream then carries the
change to indexes, pages and invalidations exactly as it carries an upload.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from rotativa.domain.article import Article
from rotativa.domain.records import ArticleState, StoredArticle

#: The message marker that tells a due change from an S3 notification on the ingest queue.
DUE_MARKER = "rotativa.due"


class ScheduleAction(StrEnum):
    PUBLISH = "publish"
    EXPIRE = "expire"


@dataclass(frozen=True)
class DueChange:
    """A schedule that fired: `key` becomes published (or expired) if its article still
    names `at` as that moment; otherwise the schedule was for a version since replaced."""

    key: str
    action: ScheduleAction
    at: datetime

    def message(self) -> str:
        return json.dumps(
            {"type": DUE_MARKER, "action": self.action.value, "key": self.key,
             "at": self.at.isoformat()},
            sort_keys=True,
        )  # fmt: skip

    @classmethod
    def from_message(cls, body: str | dict[str, Any]) -> DueChange | None:
        """The due change a queue message carries; None for any other message."""
        try:
            data = json.loads(body) if isinstance(body, str) else body
        except ValueError:
            return None
        if not isinstance(data, dict) or data.get("type") != DUE_MARKER:
            return None
        at = datetime.fromisoformat(str(data["at"]))
        if at.tzinfo is None:
            raise ValueError(f"due change for {data.get('key')!r} has a naive time {at}")
        return cls(str(data["key"]), ScheduleAction(str(data["action"])), at)


def lifecycle_state(article: Article, now: datetime) -> ArticleState:
    """The state an upload of `article` is stored in when it arrives at `now`."""
    if article.is_draft:
        return ArticleState.DRAFT
    if article.publish_at is not None and article.publish_at > now:
        return ArticleState.SCHEDULED
    if article.expires_at is not None and article.expires_at <= now:
        return ArticleState.EXPIRED
    return ArticleState.PUBLISHED


def wanted_schedules(stored: StoredArticle | None) -> dict[ScheduleAction, datetime]:
    """The schedules the table's state of an upload calls for (none for drafts, expired
    articles and tombstones)."""
    if stored is None or stored.article is None:
        return {}
    article = stored.article
    wanted: dict[ScheduleAction, datetime] = {}
    if stored.state is ArticleState.SCHEDULED and article.publish_at is not None:
        wanted[ScheduleAction.PUBLISH] = article.publish_at
    if (
        stored.state in (ArticleState.SCHEDULED, ArticleState.PUBLISHED)
        and article.expires_at is not None
    ):
        wanted[ScheduleAction.EXPIRE] = article.expires_at
    return wanted


def has_timing(stored: StoredArticle | None) -> bool:
    """Whether an upload's state could need (or have had) a schedule at all."""
    return (
        stored is not None
        and stored.article is not None
        and (stored.article.publish_at is not None or stored.article.expires_at is not None)
    )


def schedule_name(action: ScheduleAction, key: str) -> str:
    """One name per upload and action, so that a new version replaces the schedule of the
    old one. Scheduler names allow 64 of [0-9A-Za-z._-]: the key goes in as a digest."""
    return f"{action.value}-{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def transition(stored: StoredArticle | None, due: DueChange) -> StoredArticle | None:
    """The state `due` moves the upload to, or None when it no longer applies (the article
    was edited, unpublished, deleted, or the change already happened)."""
    if stored is None or stored.article is None:
        return None
    article = stored.article
    if due.action is ScheduleAction.PUBLISH:
        if stored.state is not ArticleState.SCHEDULED or article.publish_at != due.at:
            return None
        expired = article.expires_at is not None and article.expires_at <= due.at
        return replace(
            stored,
            state=ArticleState.EXPIRED if expired else ArticleState.PUBLISHED,
            first_published=stored.first_published or due.at,
        )
    if stored.state not in (ArticleState.SCHEDULED, ArticleState.PUBLISHED):
        return None
    if article.expires_at != due.at:
        return None
    return replace(stored, state=ArticleState.EXPIRED)
