"""Pending renders, kept in the articles table: a page already queued is not queued again.

In a burst every IndexFunction invocation names the homepage, the feeds and the fronts
again; each of those requests, rendered after the first, re-renders what the first already
read. Two kinds of items say which requests are still waiting:

    render#page:<page>  / pending    token, since   the newest request that named the page
    render#sent:<token> / rendered   at             that request's render has begun

The IndexFunction, after writing its indexes, reads the marks of the pages it names and
leaves out each page whose newest request is pending (its token has no `rendered` item, and
it is younger than PENDING_SECONDS); it sends the rest, under a new token, then marks them
with that token. The state of the tokens it sent last is read with the marks (one
`BatchGetItem`); a token another instance sent costs one more. The RenderFunction writes
`rendered` for its requests' tokens before it reads the table (and raises, so that the
batch retries, when it cannot).

Why nothing is lost, with concurrent invocations, duplicates and any order:
- A page is left out only if a request for it was sent (marks are written after the send)
  and its render had not begun when the IndexFunction looked, which was after it wrote its
  indexes; that render begins later, so it reads them. All reads are strongly consistent.
- A mark written after its request's render began (a slow IndexFunction) names a token that
  is already `rendered`: it is not pending, and the page is sent again.
- Any failure before the marks are written (the send, the marks themselves, a timeout) only
  leaves a page unmarked, and an unmarked page is sent: more work, never less.
- A render that fails after marking its token begun leaves nothing pending: later changes
  send their pages again, and the failed messages retry as well. Only a request that never
  reaches that mark (the function failing before it, five times, into the DLQ) holds its
  pages, for PENDING_SECONDS at most; a redrive renders the current state anyway.

Their `sk` is not "article", so the stream's filter keeps them from the IndexFunction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from rotativa.domain.pages import PageRef

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

logger = logging.getLogger(__name__)

#: A request still unrendered after this long is taken as lost (its messages are in the
#: DLQ): longer than the render queue keeps a message it keeps failing (5 receives × 180 s).
PENDING_SECONDS = 1200
RECENT_TOKENS = 8
#: The items outlive any use by this much, then the table's TTL deletes them (template.yaml
#: names this attribute; no other item of the table carries it).
KEEP_SECONDS = 86_400
TTL_ATTRIBUTE = "purge_after"
PENDING_SK = "pending"
RENDERED_SK = "rendered"
_BATCH_GET, _TRANSACT, _BATCH_WRITE = 100, 100, 25  # DynamoDB's limits per request


def page_id(page: PageRef) -> str:
    """A page's name in its mark: its message, hashed when too long for a key."""
    text = json.dumps(page.as_message(), sort_keys=True, separators=(",", ":"))
    return text if len(text) <= 1000 else "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def mark_pk(page: PageRef) -> str:
    return f"render#page:{page_id(page)}"


def token_pk(token: str) -> str:
    return f"render#sent:{token}"


def new_token() -> str:
    return uuid.uuid4().hex


def still_pending(
    marks: Mapping[PageRef, tuple[str, float]], rendered: set[str], now: float
) -> set[PageRef]:
    """The pages whose newest request has not begun rendering and is not yet taken as lost."""
    return {
        page
        for page, (token, since) in marks.items()
        if token not in rendered and now - since < PENDING_SECONDS
    }


class PendingRenders:
    def __init__(
        self,
        table: str,
        client: DynamoDBClient | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.table = table
        self.client: DynamoDBClient = client or boto3.client("dynamodb")
        self.now = now  # the functions' clock (rotativa.clock.now; the local cloud moves it)
        # The tokens this instance sent last: a warm IndexFunction's marks mostly name them,
        # so their state is read with the marks, in the same BatchGetItem.
        self.recent: deque[str] = deque(maxlen=RECENT_TOKENS)

    # --- the IndexFunction's side ----------------------------------------------------------

    def pending(self, pages: Sequence[PageRef]) -> set[PageRef]:
        """The pages a request already on its way will render from the indexes as they are
        now (two consistent reads). A failed read says none: every page is then sent."""
        try:
            guessed = list(self.recent)
            items = self._read(
                [(mark_pk(p), PENDING_SK) for p in pages]
                + [(token_pk(t), RENDERED_SK) for t in guessed]
            )
            marks = {}
            for page in pages:
                item = items.get(mark_pk(page))
                if item is not None:
                    marks[page] = (item["token"]["S"], float(item["since"]["N"]))
            now = self.now().timestamp()
            live = {token for token, since in marks.values() if now - since < PENDING_SECONDS}
            unknown = sorted(live - set(guessed))  # another instance's: one more read
            found = {**items, **self._read([(token_pk(t), RENDERED_SK) for t in unknown])}
            rendered = {t for t in live if token_pk(t) in found}
        except ClientError as exc:
            logger.warning("pending renders unread, every page is sent: %r", exc)
            return set()
        return still_pending(marks, rendered, now)

    def mark(self, pages: Sequence[PageRef], token: str) -> None:
        """Mark `pages` as named by the request `token` (after it was sent). A failure
        leaves them unmarked: they will be sent again, which costs only a render."""
        now = self.now().timestamp()
        self.recent.append(token)
        items = [
            {
                "pk": {"S": mark_pk(page)},
                "sk": {"S": PENDING_SK},
                "token": {"S": token},
                "since": {"N": f"{now:.3f}"},
                TTL_ATTRIBUTE: {"N": str(int(now) + KEEP_SECONDS)},
            }
            for page in dict.fromkeys(pages)
        ]
        for start in range(0, len(items), _TRANSACT):
            chunk = items[start : start + _TRANSACT]
            try:
                self.client.transact_write_items(
                    TransactItems=[{"Put": {"TableName": self.table, "Item": i}} for i in chunk]
                )
            except ClientError as exc:  # e.g. a conflict with another invocation's marks
                logger.warning("pages sent but not marked pending: %r", exc)

    # --- the RenderFunction's side ---------------------------------------------------------

    def rendering(self, tokens: Iterable[str]) -> None:
        """Say that the requests `tokens` are being rendered, before the table is read:
        from now on the pages they name are sent again when their indexes change. Raises
        when it cannot say so (the batch is then retried, never rendered unsaid)."""
        now = int(self.now().timestamp())
        requests = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": token_pk(token)},
                        "sk": {"S": RENDERED_SK},
                        "at": {"N": str(now)},
                        TTL_ATTRIBUTE: {"N": str(now + KEEP_SECONDS)},
                    }
                }
            }
            for token in sorted(set(tokens))
            if token
        ]
        for start in range(0, len(requests), _BATCH_WRITE):
            pending: list[Any] = requests[start : start + _BATCH_WRITE]
            for attempt in range(5):
                if not pending:
                    break
                if attempt:
                    time.sleep(0.05 * 2**attempt)
                response = self.client.batch_write_item(RequestItems={self.table: pending})
                pending = list(response.get("UnprocessedItems", {}).get(self.table, []))
            if pending:
                raise RuntimeError(f"{len(pending)} render requests could not be marked begun")

    # --- reads ------------------------------------------------------------------------------

    def _read(self, keys: Sequence[tuple[str, str]]) -> dict[str, dict[str, Any]]:
        """pk → item, for the keys that have one (consistent reads)."""
        found: dict[str, dict[str, Any]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _BATCH_GET):
            request: dict[str, Any] = {
                self.table: {
                    "Keys": [
                        {"pk": {"S": pk}, "sk": {"S": sk}}
                        for pk, sk in unique[start : start + _BATCH_GET]
                    ],
                    "ConsistentRead": True,
                }
            }
            for attempt in range(6):
                if attempt:
                    time.sleep(0.05 * 2**attempt)
                response = self.client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self.table, []):
                    found[item["pk"]["S"]] = dict(item)
                request = dict(response.get("UnprocessedKeys") or {})
                if not request:
                    break
            if request:
                raise ClientError(
                    {"Error": {"Code": "Unprocessed", "Message": "keys left unread"}},
                    "BatchGetItem",
                )
        return found
