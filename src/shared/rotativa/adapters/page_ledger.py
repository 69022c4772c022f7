"""What the site bucket holds, kept in the articles table: one item per site object.

    page#<object key> / hash     state: "h:<sha256>"   the object holds those bytes
                                        "absent"       there is no such object
                                        "unknown"      ask S3 (HeadObject)
                                        "p:<token>:<epoch s>"  a render is writing it

With it a render batch learns the stored hash of every output in one `BatchGetItem`
instead of one `HeadObject` each (`adapters.buckets.SiteBucket.store_many` is the
protocol). The ledger is a cache of S3 that is only ever trusted when a writer held the
key alone: a writer claims the keys it will change (one transaction, each key conditional
on the state it read), writes S3, then settles them (one transaction, conditional on its
own claim). A writer that finds a key claimed by another, or loses a claim, writes S3 the
old way (HeadObject first) and marks the key "unknown" before and after, so the other's
settle fails and the next render asks S3. A claim older than CLAIM_SECONDS (a writer that
died: longer than any function's timeout) is treated as "unknown".

The items' `sk` is not "article", so the stream's filter keeps them from the IndexFunction.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LEDGER_SK = "hash"
ABSENT = "absent"
UNKNOWN = "unknown"
CLAIM_SECONDS = 1800  # a claim this old is a writer that died (functions time out in 15 min)
_BATCH_GET, _TRANSACT = 100, 100  # DynamoDB's limits per request


def ledger_pk(key: str) -> str:
    return f"page#{key}"


def stored(digest: str) -> str:
    """The state of an object that holds the bytes whose content hash is `digest`."""
    return f"h:{digest}"


def is_claim(state: str | None, now: float | None = None) -> bool:
    """Whether `state` is a live claim (another writer is writing the key)."""
    if state is None or not state.startswith("p:"):
        return False
    try:
        since = float(state.rsplit(":", 1)[1])
    except ValueError:
        return False
    return (time.time() if now is None else now) - since < CLAIM_SECONDS


def is_known(state: str | None) -> bool:
    """Whether `state` says what S3 holds (a hash, or no object)."""
    return state is not None and (state == ABSENT or state.startswith("h:"))


class PageLedger:
    def __init__(self, table: str, client: DynamoDBClient | None = None) -> None:
        self.table = table
        self.client: DynamoDBClient = client or boto3.client("dynamodb")

    def new_claim(self) -> str:
        return f"p:{uuid.uuid4().hex}:{time.time():.0f}"

    def read(self, keys: Sequence[str]) -> dict[str, str]:
        """Object key → state, for the keys that have an item (consistent reads)."""
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _BATCH_GET):
            pending: dict[str, Any] = {
                self.table: {
                    "Keys": [_key(k) for k in unique[start : start + _BATCH_GET]],
                    "ConsistentRead": True,
                    "ProjectionExpression": "pk, #s",
                    "ExpressionAttributeNames": {"#s": "state"},
                }
            }
            while pending:
                response = self.client.batch_get_item(RequestItems=pending)
                for item in response.get("Responses", {}).get(self.table, []):
                    found[str(item["pk"]["S"]).removeprefix("page#")] = str(item["state"]["S"])
                pending = dict(response.get("UnprocessedKeys") or {})
        return found

    def claim(self, expected: Mapping[str, str | None], claim: str) -> set[str]:
        """Set each key to `claim` where its state is still the one read (None: no item);
        the keys claimed. One transaction per hundred keys; a key whose state moved meanwhile
        is left out and the rest claimed again."""
        return self._swap({key: (state, claim) for key, state in expected.items()})

    def settle(self, states: Mapping[str, str], claim: str) -> set[str]:
        """Set each key, still held by `claim`, to its new state; the keys settled."""
        return self._swap({key: (claim, state) for key, state in states.items()})

    def forget(self, keys: Sequence[str]) -> None:
        """Mark `keys` "unknown" whoever holds them: the next writer asks S3."""
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _TRANSACT):
            chunk = unique[start : start + _TRANSACT]
            self._transact(dict.fromkeys(chunk, (None, UNKNOWN)), conditional=False)

    def _swap(self, changes: Mapping[str, tuple[str | None, str]]) -> set[str]:
        done: set[str] = set()
        keys = list(changes)
        for start in range(0, len(keys), _TRANSACT):
            chunk = keys[start : start + _TRANSACT]
            while chunk:
                refused = self._transact({k: changes[k] for k in chunk})
                if refused is None:
                    done.update(chunk)
                    break
                chunk = [k for i, k in enumerate(chunk) if i not in refused]
        return done

    def _transact(
        self, changes: Mapping[str, tuple[str | None, str]], *, conditional: bool = True
    ) -> set[int] | None:
        """One transaction; None when it went through, else the positions whose condition
        failed (the transaction wrote nothing). Unconditional: each key set whatever it held."""
        items: list[Any] = []
        for key, (before, after) in changes.items():
            put: dict[str, Any] = {
                "TableName": self.table,
                "Item": {**_key(key), "state": {"S": after}},
            }
            if conditional and before is None:
                put["ConditionExpression"] = "attribute_not_exists(pk)"
            elif conditional:
                put["ConditionExpression"] = "#s = :before"
                put["ExpressionAttributeNames"] = {"#s": "state"}
                put["ExpressionAttributeValues"] = {":before": {"S": before}}
            items.append({"Put": put})
        try:
            self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            error = exc.response.get("Error", {}).get("Code")
            if error != "TransactionCanceledException":
                raise
            reasons: list[dict[str, Any]] = exc.response.get("CancellationReasons", [])  # type: ignore[assignment]
            refused = {
                i for i, r in enumerate(reasons) if r.get("Code") == "ConditionalCheckFailed"
            }
            if not refused:
                raise  # cancelled for another reason (a conflict, throttling): retried
            return refused
        return None


def _key(key: str) -> dict[str, Any]:
    return {"pk": {"S": ledger_pk(key)}, "sk": {"S": LEDGER_SK}}
