"""The articles table's stream (DynamoDB Streams): its records as article changes.

The IndexFunction hands each record of a batch to `Indexer.index_record`, which asks this
adapter what the record says: the item format (DynamoDB JSON, the `article` sort key, the
item's fields) stays with the table's adapter, and the handler decodes nothing itself.
The record's new image is never used for indexing: the indexer reads the item afresh, so a
retried or reordered record converges on the table's current state.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotativa.adapters.articles_table import ARTICLE_SK, decode_item, stored_from_item
from rotativa.domain.records import ArticleChange
from rotativa.domain.site import SiteSettings


class TableStream:
    """Reads the articles table's stream records (Lambda's event form of each one)."""

    def __init__(self, site: SiteSettings) -> None:
        self.site = site

    def change_of(self, record: Mapping[str, Any]) -> ArticleChange | None:
        """The article change a record carries; None for teasers, memberships, counters
        and claims (the template's FilterCriteria keeps them out, but not locally)."""
        change = record.get("dynamodb") or {}
        new = decode_item(change.get("NewImage") or {})
        old = decode_item(change.get("OldImage") or {})
        image = new or old
        if image.get("sk") != ARTICLE_SK:
            return None
        return ArticleChange(str(image["key"]), stored_from_item(old, self.site))
