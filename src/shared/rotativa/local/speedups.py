"""Make moto fast enough to run a newsroom's site locally, without changing what it answers.

moto favours simplicity over speed in three places the pipeline leans on, each turning the
local cloud quadratic as the site grows:

- a DynamoDB query on a table sorts every item of the table to pick one partition;
- TransactWriteItems deep-copies the whole table (with its stream) once per action, to
  roll back on failure;
- each SQS receive recomputes every queue attribute once per message in the queue.

The patches below answer the same requests with the same results: a query sees only its
partition, a transaction snapshots only the items it touches (and the stream's length),
and the retention check reads the one attribute it needs. tests/integration/
test_moto_speedups.py checks the answers against unpatched behaviour. They are applied by
the local cloud only; nothing deployed runs moto.
"""

from __future__ import annotations

import copy
import inspect
import types
from typing import Any

from moto.core.utils import unix_time
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.sqs.models import SQSBackend

_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    _patch_query()
    _patch_transactions()
    _patch_sqs_retention()
    _applied = True


# --- DynamoDB queries read one partition ----------------------------------------------------

_query_signature = inspect.signature(Table.query)
_original_query = Table.query


def _query(self: Table, *args: Any, **kwargs: Any) -> Any:
    bound = _query_signature.bind(self, *args, **kwargs)
    hash_key = bound.arguments.get("hash_key")
    if bound.arguments.get("index_name") or hash_key is None or self.range_key_attr is None:
        return _original_query(self, *args, **kwargs)
    partition = self.items.get(hash_key) or {}
    # The unpatched query filters all_items() down to this partition: hand it the partition.
    self.all_items = lambda: list(partition.values())  # type: ignore[method-assign]
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        del self.all_items


def _patch_query() -> None:
    Table.query = _query  # type: ignore[method-assign]


# --- transactions snapshot what they touch ------------------------------------------------

_original_transact = DynamoDBBackend.transact_write_items


class _NoTableCopy(types.ModuleType):
    """moto's `copy` as seen from its DynamoDB backend: whole tables are not deep-copied
    (the transaction wrapper below keeps its own, smaller snapshot); everything else is."""

    def __init__(self) -> None:
        super().__init__("copy")

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if isinstance(value, Table):
            return value
        return copy.deepcopy(value, memo)


def _touched(backend: DynamoDBBackend, items: list[dict[str, Any]]) -> list[tuple[Table, Any, Any]]:
    touched = []
    for action in items:
        _, op = next(iter(action.items()))
        table_name = op.get("TableName")
        if table_name not in backend.tables:
            continue
        table = backend.tables[table_name]
        if "Item" in op:
            attrs = op["Item"]
            hash_value = (
                DynamoType(attrs[table.hash_key_attr]) if table.hash_key_attr in attrs else None
            )
            range_value = (
                DynamoType(attrs[table.range_key_attr])
                if table.range_key_attr and table.range_key_attr in attrs
                else None
            )
        else:
            key = op.get("Key", {})
            hash_value = (
                DynamoType(key[table.hash_key_attr]) if table.hash_key_attr in key else None
            )
            range_value = (
                DynamoType(key[table.range_key_attr])
                if table.range_key_attr and table.range_key_attr in key
                else None
            )
        if hash_value is not None:
            touched.append((table, hash_value, range_value))
    return touched


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    touched = _touched(self, transact_items)
    snapshot = []
    for table, hash_value, range_value in touched:
        partition = table.items.get(hash_value)
        if table.range_key_attr:
            item = partition.get(range_value) if partition else None
        else:
            item = partition
        snapshot.append((table, hash_value, range_value, copy.deepcopy(item)))
    streams = {
        id(table): (table, len(table.stream_shard.items))
        for table, _, _ in touched
        if table.stream_shard is not None
    }
    try:
        _original_transact(self, transact_items)
    except Exception:
        for table, hash_value, range_value, item in reversed(snapshot):
            if table.range_key_attr:
                partition = table.items.setdefault(hash_value, {})
                if item is None:
                    partition.pop(range_value, None)
                else:
                    partition[range_value] = item
            elif item is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = item
        for table, length in streams.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]  # a cancelled transaction emits nothing
        raise


def _patch_transactions() -> None:
    import moto.dynamodb.models as dynamodb_models

    if getattr(dynamodb_models, "copy", None) is not copy:
        raise RuntimeError("moto's DynamoDB backend changed: the transaction speed-up is stale")
    dynamodb_models.copy = _NoTableCopy()  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]


# --- SQS retention reads one attribute ----------------------------------------------------


def _is_message_valid_based_on_retention_period(
    self: SQSBackend, queue_name: str, message: Any
) -> bool:
    queue = self.get_queue(queue_name)
    retention = int(getattr(queue, "message_retention_period"))  # noqa: B009 - untyped in moto
    retain_until = retention + message.sent_timestamp / 1000
    return bool(retain_until > unix_time())


def _patch_sqs_retention() -> None:
    SQSBackend.is_message_valid_based_on_retention_period = (  # type: ignore[method-assign]
        _is_message_valid_based_on_retention_period
    )
