"""The articles table (DynamoDB): the commit point and every index derived from it.

One table, these items (pk / sk):

    article#<upload key> / article     the StoredArticle: written by ValidateFunction only,
                                       conditionally on its order (the stream source)
    article#<upload key> / teaser      what lists and boxes show of it (IndexFunction)
    article#<upload key> / related     the keys in its "Articoli correlati" box
    path#<site path>     / claim       which upload owns /<section>/<slug>/
    list#<listing>       / <position>  one membership of a section, tag, author, month, pinned
                                       (GSI ByArticle: member#<key> → its memberships)
    count#<listing>      / <0..7>      the listing's size, in shards: no item is written by
                                       every publish
    months               / <YYYY-MM>   the months that have articles (sitemap index)
    redirect#<old path>  / redirect    an old address (alias, former path) and the upload it
                                       now leads to (GSI ByArticle: redirects#<key> → them)
    wait#<address>       / <upload key> an upload refused because another holds the address
                                       (or, `name:<stem>`, its Markdown twin): tried again
                                       when it is let go
    picture#<media key>  / picture     a picture's record: size, focuses, variants (Validate)
    picture#<media key>  / use#<key>   an upload that shows the picture, and the focus it
                                       asks for: re-committed when the picture changes

Addresses are canonical site paths (`domain.pages.canonical_path`): one spelling per object.

Only the article items are meant for the stream consumer; the template's FilterCriteria
keeps the others out of it (and `adapters/streams.py` reads the records it lets through).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from rotativa.domain.article import Article, ArticleTeaser
from rotativa.domain.markdown import BODY_FORMAT
from rotativa.domain.pages import ListingId
from rotativa.domain.pictures import Focus, PictureRecord, PictureRef
from rotativa.domain.records import (
    ArticleState,
    Commit,
    CommitOutcome,
    KeptBody,
    StoredArticle,
)
from rotativa.domain.site import SiteSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

COUNTER_SHARDS = 8
BY_ARTICLE = "ByArticle"  # the GSI from an upload to its items elsewhere in the table
ARTICLE_SK = "article"
SEARCH_BUILD_PK, SEARCH_BUILD_SK = "search", "build"  # the newest search rebuild's start
# An item holds at most 400 KB: the body's HTML goes in only while the whole stays well
# under it (a 200 KB body and its corrections, live updates and HTML may not fit).
BODY_HTML_ITEM_LIMIT = 350_000
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _encode(item: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _serializer.serialize(v) for k, v in item.items() if v is not None}


def decode_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A DynamoDB-JSON item (from the API or a stream image) as plain Python values."""
    return {k: _deserializer.deserialize(v) for k, v in item.items()}


def article_pk(key: str) -> str:
    return f"article#{key}"


def stored_from_item(item: Mapping[str, Any] | None, site: SiteSettings) -> StoredArticle | None:
    """An article item (plain values) as a StoredArticle; None for any other item."""
    if not item or item.get("sk") != ARTICLE_SK:
        return None
    article_json = item.get("article")
    return StoredArticle(
        key=str(item["key"]),
        order=str(item["order"]),
        state=ArticleState(str(item["state"])),
        received_at=datetime.fromisoformat(str(item["received_at"])),
        version_id=item.get("version_id"),
        article=(
            Article.model_validate_json(str(article_json), context={"settings": site})
            if article_json
            else None
        ),
        first_published=_when(item.get("first_published")),
        updated=_when(item.get("updated")),
        pictures=tuple(
            PictureRef.model_validate(ref) for ref in json.loads(str(item.get("pictures") or "[]"))
        ),
        kept_body=(
            KeptBody(str(item["body_html"]), str(item.get("body_digest", "")))
            if item.get("body_html") is not None and item.get("body_format") == BODY_FORMAT
            else None
        ),
    )


def _article_item(stored: StoredArticle) -> dict[str, Any]:
    item = _article_fields(stored)
    kept = stored.kept_body
    if kept is not None and _size(item) + len(kept.html.encode()) <= BODY_HTML_ITEM_LIMIT:
        # else the page renders it
        item.update(body_html=kept.html, body_digest=kept.digest, body_format=BODY_FORMAT)
    return item


def _size(item: Mapping[str, Any]) -> int:
    """About what the item's string attributes weigh in DynamoDB (names and UTF-8 values)."""
    return sum(len(k) + len(str(v).encode()) for k, v in item.items() if v is not None)


def _article_fields(stored: StoredArticle) -> dict[str, Any]:
    return {
        "pk": article_pk(stored.key),
        "sk": ARTICLE_SK,
        "key": stored.key,
        "order": stored.order,
        "state": stored.state.value,
        "received_at": stored.received_at.isoformat(),
        "version_id": stored.version_id,
        "article": stored.article.model_dump_json() if stored.article else None,
        "first_published": _iso(stored.first_published),
        "updated": _iso(stored.updated),
        "pictures": (
            json.dumps([ref.model_dump(mode="json") for ref in stored.pictures])
            if stored.pictures
            else None
        ),
    }


def _picture_json(record: PictureRecord) -> str:
    return json.dumps(record.as_dict(), sort_keys=True, separators=(",", ":"))


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(str(value)) if value else None


def _teaser(value: Any) -> ArticleTeaser:
    return ArticleTeaser.model_validate_json(str(value))


class ArticlesTable:
    """The articles table, for the ledger (Validate), the indexer (Index) and pages (Render)."""

    def __init__(
        self, table_name: str, site: SiteSettings, client: DynamoDBClient | None = None
    ) -> None:
        self.name = table_name
        self.site = site
        self.client: DynamoDBClient = client or boto3.client("dynamodb")

    # --- the ledger: article items and address claims ------------------------------------

    def get(self, key: str) -> StoredArticle | None:
        response = self.client.get_item(
            TableName=self.name,
            Key=_encode({"pk": article_pk(key), "sk": ARTICLE_SK}),
            ConsistentRead=True,
        )
        return stored_from_item(decode_item(response.get("Item", {})), self.site)

    def get_many(self, keys: Sequence[str]) -> dict[str, StoredArticle]:
        items = self._batch_get(
            [_encode({"pk": article_pk(key), "sk": ARTICLE_SK}) for key in dict.fromkeys(keys)]
        )
        found = (stored_from_item(item, self.site) for item in items)
        return {stored.key: stored for stored in found if stored is not None}

    def commit(
        self, stored: StoredArticle, *, release_path: str | None, seen: str | None
    ) -> Commit:
        """Write the article if its item is still the one ingest read (order `seen`, or
        none), claiming its address in the same transaction and releasing the one it had."""
        unchanged: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if seen is None
            else {
                "ConditionExpression": "#order = :seen",
                "ExpressionAttributeNames": {"#order": "order"},
                "ExpressionAttributeValues": _encode({":seen": seen}),
            }
        )
        actions: list[dict[str, Any]] = [
            {"Put": {"TableName": self.name, "Item": _encode(_article_item(stored)), **unchanged}}
        ]
        path = stored.path
        if path is not None:
            actions.append(
                {
                    "Put": {
                        "TableName": self.name,
                        "Item": _encode({"pk": f"path#{path}", "sk": "claim", "owner": stored.key}),
                        "ConditionExpression": "attribute_not_exists(pk) OR #owner = :key",
                        "ExpressionAttributeNames": {"#owner": "owner"},
                        "ExpressionAttributeValues": _encode({":key": stored.key}),
                    }
                }
            )
        release = None
        if release_path is not None and release_path != path:
            release = len(actions)  # the index of its reason if the transaction is cancelled
            actions.append(
                {
                    "Delete": {
                        "TableName": self.name,
                        "Key": _encode({"pk": f"path#{release_path}", "sk": "claim"}),
                        "ConditionExpression": "attribute_not_exists(pk) OR #owner = :key",
                        "ExpressionAttributeNames": {"#owner": "owner"},
                        "ExpressionAttributeValues": _encode({":key": stored.key}),
                    }
                }
            )
        try:
            self.client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
        except ClientError as exc:
            reasons = _cancellation_reasons(exc)
            if reasons is None:
                raise
            if reasons[0] == "ConditionalCheckFailed":
                return Commit(CommitOutcome.STALE)
            if path and len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                return Commit(CommitOutcome.PATH_TAKEN, self.path_owner(path))
            if (
                release is not None
                and len(reasons) > release
                and (reasons[release] == "ConditionalCheckFailed")
            ):
                # The old address already belongs to someone else: commit without releasing.
                return self.commit(stored, release_path=None, seen=seen)
            raise
        return Commit(CommitOutcome.COMMITTED)

    # --- pictures and the uploads that show them ------------------------------------------

    def picture(self, key: str) -> PictureRecord | None:
        response = self.client.get_item(
            TableName=self.name,
            Key=_encode({"pk": f"picture#{key}", "sk": "picture"}),
            ConsistentRead=True,
        )
        item = decode_item(response.get("Item", {}))
        return PictureRecord.from_dict(json.loads(str(item["record"]))) if item else None

    def keep_picture(self, record: PictureRecord, *, replacing: PictureRecord | None) -> bool:
        """A compare-and-swap on the record's JSON: two writers (a new version, a new
        focus) never lose each other's work."""
        condition: dict[str, Any] = (
            {"ConditionExpression": "attribute_not_exists(pk)"}
            if replacing is None
            else {
                "ConditionExpression": "#record = :seen",
                "ExpressionAttributeNames": {"#record": "record"},
                "ExpressionAttributeValues": _encode({":seen": _picture_json(replacing)}),
            }
        )
        item = {"pk": f"picture#{record.source_key}", "sk": "picture"}
        try:
            self.client.put_item(
                TableName=self.name,
                Item=_encode({**item, "record": _picture_json(record)}),
                **condition,
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def drop_picture(self, key: str) -> None:
        self.client.delete_item(
            TableName=self.name, Key=_encode({"pk": f"picture#{key}", "sk": "picture"})
        )

    def picture_users(self, key: str) -> dict[str, Focus]:
        users: dict[str, Focus] = {}
        for page in self._query_pages(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :use)",
            ExpressionAttributeValues=_encode({":pk": f"picture#{key}", ":use": "use#"}),
        ):
            for raw in page.get("Items", []):
                item = decode_item(raw)
                x, y = json.loads(str(item["focus"]))
                users[str(item["sk"]).removeprefix("use#")] = Focus(float(x), float(y))
        return users

    def use_picture(self, key: str, article_key: str, focus: Focus) -> None:
        self.client.put_item(
            TableName=self.name,
            Item=_encode(
                {
                    "pk": f"picture#{key}",
                    "sk": f"use#{article_key}",
                    "focus": json.dumps([focus.x, focus.y]),
                }
            ),
        )

    def forget_use(self, key: str, article_key: str) -> None:
        self.client.delete_item(
            TableName=self.name, Key=_encode({"pk": f"picture#{key}", "sk": f"use#{article_key}"})
        )

    # --- uploads waiting for an address (or a file name) another upload holds ------------

    def wait_for(self, address: str, key: str) -> None:
        self.client.put_item(
            TableName=self.name, Item=_encode({"pk": f"wait#{address}", "sk": key})
        )

    def waiting_for(self, address: str) -> list[str]:
        keys: list[str] = []
        for page in self._query_pages(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_encode({":pk": f"wait#{address}"}),
        ):
            keys.extend(str(decode_item(item)["sk"]) for item in page.get("Items", []))
        return keys

    def forget_waiting(self, address: str, keys: Sequence[str]) -> None:
        for key in keys:
            self.client.delete_item(
                TableName=self.name, Key=_encode({"pk": f"wait#{address}", "sk": key})
            )

    def transition(self, before: StoredArticle, after: StoredArticle) -> bool:
        """Replace the article item `before` (same upload version, same state) with `after`;
        False when the item has moved on since it was read (a newer upload, a change
        already made), which then wins. The address is the same version's: no claim."""
        try:
            self.client.put_item(
                TableName=self.name,
                Item=_encode(_article_item(after)),
                ConditionExpression="#order = :order AND #state = :state",
                ExpressionAttributeNames={"#order": "order", "#state": "state"},
                ExpressionAttributeValues=_encode(
                    {":order": before.order, ":state": before.state.value}
                ),
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def path_owners(self, paths: Sequence[str]) -> dict[str, str]:
        items = self._batch_get(
            [_encode({"pk": f"path#{p}", "sk": "claim"}) for p in dict.fromkeys(paths)]
        )
        return {str(item["pk"]).removeprefix("path#"): str(item["owner"]) for item in items}

    def path_owner(self, path: str) -> str | None:
        response = self.client.get_item(
            TableName=self.name,
            Key=_encode({"pk": f"path#{path}", "sk": "claim"}),
            ConsistentRead=True,
        )
        item = decode_item(response.get("Item", {}))
        return str(item["owner"]) if item else None

    # --- the indexer: memberships, counters, teasers, related boxes ----------------------

    def count(self, listing: ListingId) -> int:
        return self.counts([listing])[listing]

    def counts(self, listings: Sequence[ListingId]) -> dict[ListingId, int]:
        by_pk = {f"count#{listing}": listing for listing in listings}
        keys = [
            _encode({"pk": pk, "sk": str(shard)}) for pk in by_pk for shard in range(COUNTER_SHARDS)
        ]
        totals = dict.fromkeys(listings, 0)
        for item in self._batch_get(keys):
            totals[by_pk[str(item["pk"])]] += int(item.get("n", 0))
        return totals

    def newer_than(self, listing: ListingId, position: str) -> int:
        total = 0
        for page in self._query_pages(
            KeyConditionExpression="pk = :pk AND sk > :position",
            ExpressionAttributeValues=_encode({":pk": f"list#{listing}", ":position": position}),
            Select="COUNT",
        ):
            total += int(page.get("Count", 0))
        return total

    def newest(self, listing: ListingId, limit: int) -> list[ArticleTeaser]:
        return self.slice(listing, skip_newest=0, take=limit)

    def slice(
        self, listing: ListingId, *, skip_newest: int, take: int, newest_first: bool = True
    ) -> list[ArticleTeaser]:
        """`take` members after skipping `skip_newest` (or, with newest_first=False, after
        skipping that many of the oldest); always returned newest first."""
        found: list[ArticleTeaser] = []
        skipped = 0
        if take <= 0:
            return found
        for page in self._query_pages(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_encode({":pk": f"list#{listing}"}),
            ScanIndexForward=not newest_first,
            ProjectionExpression="teaser",
            Limit=min(skip_newest + take, 1000),
        ):
            for item in page.get("Items", []):
                if skipped < skip_newest:
                    skipped += 1
                    continue
                found.append(_teaser(decode_item(item)["teaser"]))
                if len(found) == take:
                    return found if newest_first else found[::-1]
        return found if newest_first else found[::-1]

    def members(self, listing: ListingId) -> list[ArticleTeaser]:
        """Every member, newest first (a month of the site, for its sitemap)."""
        found: list[ArticleTeaser] = []
        for page in self._query_pages(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_encode({":pk": f"list#{listing}"}),
            ScanIndexForward=False,
            ProjectionExpression="teaser",
        ):
            found.extend(_teaser(decode_item(item)["teaser"]) for item in page.get("Items", []))
        return found

    def move_member(
        self,
        key: str,
        teaser: ArticleTeaser | None,
        removals: Mapping[ListingId, str],
        additions: Mapping[ListingId, str],
    ) -> tuple[set[ListingId], set[ListingId]]:
        """Each membership change and its counter update go in one transaction (50 pairs
        a transaction); a pair whose condition fails (already gone, already there) is taken
        out and the rest written again, so counters never count a membership twice."""
        pairs: list[tuple[str, ListingId, list[Any]]] = []
        for listing, position in removals.items():
            delete = {
                "Delete": {
                    "TableName": self.name,
                    "Key": _encode({"pk": f"list#{listing}", "sk": position}),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
            pairs.append(("remove", listing, [delete, self._counter_update(listing, key, -1)]))
        refresh: list[dict[str, Any]] = []
        for listing, position in additions.items():
            if teaser is None:
                continue
            item = self._member_item(listing, position, teaser)
            put = {
                "Put": {
                    "TableName": self.name,
                    "Item": item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            pairs.append(("add", listing, [put, self._counter_update(listing, key, +1)]))
            refresh.append(item)
        done: set[tuple[str, ListingId]] = set()
        # Removals and additions never share a transaction: a move within one listing (a
        # new date) updates the same counter item twice, which DynamoDB refuses.
        removing = [pair for pair in pairs if pair[0] == "remove"]
        adding = [pair for pair in pairs if pair[0] == "add"]
        chunks = [
            group[i : i + 50] for group in (removing, adding) for i in range(0, len(group), 50)
        ]
        for chunk in chunks:
            while chunk:
                try:
                    self.client.transact_write_items(
                        TransactItems=[action for _, _, actions in chunk for action in actions]
                    )
                except ClientError as exc:
                    reasons = _cancellation_reasons(exc)
                    if reasons is None or "ConditionalCheckFailed" not in reasons:
                        raise
                    failed = {
                        i // 2 for i, r in enumerate(reasons) if r == "ConditionalCheckFailed"
                    }
                    chunk = [pair for i, pair in enumerate(chunk) if i not in failed]
                    continue
                done.update((kind, listing) for kind, listing, _ in chunk)
                break
        created = {listing for kind, listing in done if kind == "add"}
        for item in refresh:  # already there: bring its teaser up to date
            listing = ListingId.parse(str(item["pk"]["S"]).removeprefix("list#"))
            if listing not in created:
                self.client.put_item(TableName=self.name, Item=item)
        return {listing for kind, listing in done if kind == "remove"}, created

    def _member_item(self, listing: ListingId, position: str, teaser: ArticleTeaser) -> Any:
        return _encode(
            {
                "pk": f"list#{listing}",
                "sk": position,
                "key": teaser.key,
                "teaser": teaser.model_dump_json(),
                "gsi1pk": f"member#{teaser.key}",
                "gsi1sk": f"list#{listing}",
            }
        )

    def _counter_update(self, listing: ListingId, key: str, delta: int) -> Any:
        shard = int(hashlib.sha256(key.encode()).hexdigest(), 16) % COUNTER_SHARDS
        return {
            "Update": {
                "TableName": self.name,
                "Key": _encode({"pk": f"count#{listing}", "sk": str(shard)}),
                "UpdateExpression": "ADD n :delta",
                "ExpressionAttributeValues": _encode({":delta": delta}),
            }
        }

    def put_teaser(self, teaser: ArticleTeaser) -> None:
        self.client.put_item(
            TableName=self.name,
            Item=_encode(
                {"pk": article_pk(teaser.key), "sk": "teaser", "teaser": teaser.model_dump_json()}
            ),
        )

    def delete_teaser(self, key: str) -> None:
        self.client.delete_item(
            TableName=self.name, Key=_encode({"pk": article_pk(key), "sk": "teaser"})
        )

    def teasers(self, keys: Sequence[str]) -> dict[str, ArticleTeaser]:
        wanted = list(dict.fromkeys(keys))
        items = self._batch_get([_encode({"pk": article_pk(k), "sk": "teaser"}) for k in wanted])
        found = {}
        for item in items:
            teaser = _teaser(item["teaser"])
            found[teaser.key] = teaser
        return {k: found[k] for k in wanted if k in found}

    def related(self, key: str) -> list[str]:
        response = self.client.get_item(
            TableName=self.name, Key=_encode({"pk": article_pk(key), "sk": "related"})
        )
        item = decode_item(response.get("Item", {}))
        return [str(k) for k in json.loads(item["keys"])] if item else []

    def related_boxes(self, keys: Sequence[str]) -> dict[str, list[str]]:
        items = self._batch_get(
            [_encode({"pk": article_pk(k), "sk": "related"}) for k in dict.fromkeys(keys)]
        )
        return {
            str(item["pk"]).removeprefix("article#"): [str(k) for k in json.loads(item["keys"])]
            for item in items
        }

    def put_related(self, key: str, keys: Sequence[str]) -> None:
        self.client.put_item(
            TableName=self.name,
            Item=_encode({"pk": article_pk(key), "sk": "related", "keys": json.dumps(list(keys))}),
        )

    # --- old addresses ---------------------------------------------------------------------

    def put_redirects(self, key: str, paths: Sequence[str], *, replace: bool = False) -> list[str]:
        """Lead these old addresses to the upload `key`; returns the ones it holds now.

        An alias stays with the first upload that claimed it (`replace` False): a later
        one naming it gets nothing, and its report says who has it. The address an article
        had before a move is the article's own and is taken back (`replace` True)."""
        held = []
        for path in dict.fromkeys(paths):
            condition = (
                {}
                if replace
                else {
                    "ConditionExpression": "attribute_not_exists(pk) OR #owner = :key",
                    "ExpressionAttributeNames": {"#owner": "owner"},
                    "ExpressionAttributeValues": _encode({":key": key}),
                }
            )
            try:
                self.client.put_item(
                    TableName=self.name,
                    Item=_encode(
                        {"pk": f"redirect#{path}", "sk": "redirect", "owner": key,
                         "gsi1pk": f"redirects#{key}", "gsi1sk": path}
                    ),
                    **condition,  # type: ignore[arg-type]
                )  # fmt: skip
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise
                continue
            held.append(path)
        return held

    def address_holders(self, paths: Sequence[str]) -> dict[str, str]:
        """Who holds each of these addresses, as an article's page or as an old address
        (only the ones that are held); a page's owner is named before a redirect's."""
        unique = list(dict.fromkeys(paths))
        keys = [_encode({"pk": f"redirect#{p}", "sk": "redirect"}) for p in unique]
        keys += [_encode({"pk": f"path#{p}", "sk": "claim"}) for p in unique]
        holders: dict[str, str] = {}
        for item in sorted(self._batch_get(keys), key=lambda i: str(i["sk"]) == "claim"):
            path = str(item["pk"]).partition("#")[2]
            holders[path] = str(item["owner"])
        return holders

    def delete_redirects(self, key: str, paths: Sequence[str]) -> None:
        """Forget these old addresses of `key`; one another upload has taken since stays."""
        for path in dict.fromkeys(paths):
            try:
                self.client.delete_item(
                    TableName=self.name,
                    Key=_encode({"pk": f"redirect#{path}", "sk": "redirect"}),
                    ConditionExpression="#owner = :key",
                    ExpressionAttributeNames={"#owner": "owner"},
                    ExpressionAttributeValues=_encode({":key": key}),
                )
            except ClientError as exc:
                if not _condition_failed(exc):
                    raise

    def redirect_owner(self, path: str) -> str | None:
        response = self.client.get_item(
            TableName=self.name,
            Key=_encode({"pk": f"redirect#{path}", "sk": "redirect"}),
            ConsistentRead=True,
        )
        item = decode_item(response.get("Item", {}))
        return str(item["owner"]) if item else None

    def redirects_of(self, key: str) -> list[str]:
        """The old addresses that lead to `key` (an article has a handful)."""
        paths: list[str] = []
        for page in self._query_pages(
            IndexName=BY_ARTICLE,
            KeyConditionExpression="gsi1pk = :pk",
            ExpressionAttributeValues=_encode({":pk": f"redirects#{key}"}),
        ):
            paths.extend(str(decode_item(item)["gsi1sk"]) for item in page.get("Items", []))
        return paths

    def set_month(self, month: str, present: bool) -> None:
        key = _encode({"pk": "months", "sk": month})
        if present:
            self.client.put_item(TableName=self.name, Item=key)
        else:
            self.client.delete_item(TableName=self.name, Key=key)

    def months(self) -> list[str]:
        months: list[str] = []
        for page in self._query_pages(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=_encode({":pk": "months"}),
            ScanIndexForward=False,
        ):
            months.extend(str(decode_item(item)["sk"]) for item in page.get("Items", []))
        return months

    def published_records(self) -> str | None:
        response = self.client.get_item(
            TableName=self.name,
            Key=_encode({"pk": SEARCH_BUILD_PK, "sk": SEARCH_BUILD_SK}),
            ConsistentRead=True,
        )
        item = decode_item(response.get("Item", {}))
        return str(item["records"]) if item.get("records") else None

    def claim(self, started: datetime) -> bool:
        """The search index's claim (`SearchBuilds`): a rebuild publishes only when none that
        began later has claimed it. A conditional put, which also drops the records digest
        until `finish` writes it; the item is no article (the stream's filter on `sk` keeps
        it from the IndexFunction)."""
        try:
            self.client.put_item(
                TableName=self.name,
                Item=_encode(
                    {"pk": SEARCH_BUILD_PK, "sk": SEARCH_BUILD_SK, "started": _iso(started)}
                ),
                ConditionExpression="attribute_not_exists(pk) OR started <= :started",
                ExpressionAttributeValues=_encode({":started": _iso(started)}),
            )
        except ClientError as exc:
            if _condition_failed(exc):
                return False
            raise
        return True

    def finish(self, started: datetime, records: str) -> None:
        try:
            self.client.update_item(
                TableName=self.name,
                Key=_encode({"pk": SEARCH_BUILD_PK, "sk": SEARCH_BUILD_SK}),
                UpdateExpression="SET records = :records",
                ConditionExpression="started = :started",
                ExpressionAttributeValues=_encode({":started": _iso(started), ":records": records}),
            )
        except ClientError as exc:
            if not _condition_failed(exc):
                raise  # else a newer rebuild claimed the index since: it says what it holds

    # --- plumbing -------------------------------------------------------------------------

    def _query_pages(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        request: dict[str, Any] = {"TableName": self.name, **kwargs}
        while True:
            page: dict[str, Any] = dict(self.client.query(**request))
            yield page
            last = page.get("LastEvaluatedKey")
            if not last:
                return
            request["ExclusiveStartKey"] = last

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for start in range(0, len(keys), 100):
            pending: dict[str, Any] = {
                self.name: {"Keys": keys[start : start + 100], "ConsistentRead": True}
            }
            while pending:
                response = self.client.batch_get_item(RequestItems=pending)
                items.extend(
                    decode_item(i) for i in response.get("Responses", {}).get(self.name, [])
                )
                pending = dict(response.get("UnprocessedKeys") or {})
        return items


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _condition_failed(exc: ClientError) -> bool:
    """Whether a single conditional write was refused by its condition (not another error)."""
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _cancellation_reasons(exc: ClientError) -> list[str] | None:
    """The per-action codes of a cancelled transaction, or None for any other error."""
    if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return None
    reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
    return [str(r.get("Code", "None")) for r in reasons] or None
