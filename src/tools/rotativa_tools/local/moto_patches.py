"""Patches that make moto behave like AWS where the pipeline depends on it, and fast enough
to run a newsroom's site locally.

One fix: S3 sends `s3:ObjectRemoved:DeleteMarkerCreated` when an object of a versioned
bucket is deleted; moto sends nothing, so locally an unpublish would never happen. The
patch emits that event through moto's own notification code.

Three speed-ups: moto favours simplicity over speed in three places the pipeline leans on,
each turning the local cloud quadratic as the site grows:

- a DynamoDB query on a table sorts every item of the table to pick one partition;
- TransactWriteItems deep-copies the whole table (with its stream) once per action, to
  roll back on failure;
- each SQS receive recomputes every queue attribute once per message in the queue.

The patches below answer the same requests with the same results: a query sees only its
partition, a transaction snapshots only the items it touches (and the stream's length),
and the retention check reads the one attribute it needs. tests/integration/
test_moto_patches.py runs the same random requests on moto with the speed-ups and without
them (`remove()` gives moto its code back) and compares every answer, so a moto upgrade
that changes what a patch stands in for fails there. They are applied by the local cloud
only (in-process moto and the moto server it starts); nothing deployed runs moto.
"""

from __future__ import annotations

import copy
import inspect
import json
import threading
import types
from collections.abc import Iterator, Mapping
from typing import Any

from moto.core.utils import camelcase_to_underscores, unix_time
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.s3 import notifications as s3_notifications
from moto.s3.models import S3Backend
from moto.sqs.models import Queue, SQSBackend

_applied = False
_MISSING = object()
_replaced: list[tuple[Any, str, Any]] = []  # (owner, name, what it held), in order


def apply() -> None:
    global _applied
    if _applied:
        return
    _patch_query()
    _patch_transactions()
    _patch_sqs_retention()
    _patch_sqs_attributes()
    _patch_delete_marker_events()
    _patch_atomic_requests()
    _applied = True


def remove() -> None:
    """Give moto its own code back (the equivalence test compares the two on the same
    requests); `apply()` patches it again."""
    global _applied
    while _replaced:
        owner, name, previous = _replaced.pop()
        if previous is _MISSING:
            delattr(owner, name)
        else:
            setattr(owner, name, previous)
    _applied = False


def _replace(owner: Any, name: str, value: Any) -> None:
    """Set `owner.name` (a class's or a module's own attribute), remembering what it held."""
    _replaced.append((owner, name, vars(owner).get(name, _MISSING)))
    setattr(owner, name, value)


# --- one request at a time ----------------------------------------------------------------

_request_lock = threading.RLock()


def _patch_atomic_requests() -> None:
    """AWS services apply each request atomically; moto's backends are plain Python objects
    that threads would interleave (an ADD on a counter could lose an increment). Serving one
    request at a time restores the atomicity the pipeline relies on, while the functions'
    own code still runs concurrently between requests."""
    from moto.core.botocore_stubber import BotocoreStubber
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    for cls in (BotocoreStubber, DomainDispatcherApplication):
        original = cls.__call__

        def atomic(self: Any, *args: Any, __original: Any = original, **kwargs: Any) -> Any:
            with _request_lock:
                return __original(self, *args, **kwargs)

        _replace(cls, "__call__", atomic)


# --- S3 announces delete markers ----------------------------------------------------------

_original_delete_object = S3Backend.delete_object


def _delete_object(
    self: S3Backend,
    bucket_name: str,
    key_name: str,
    version_id: str | None = None,
    bypass: bool = False,
) -> Any:
    bucket = self.get_bucket(bucket_name)
    deleted = bucket.keys.get(key_name) if bucket.is_versioned and version_id is None else None
    result = _original_delete_object(self, bucket_name, key_name, version_id, bypass)
    if deleted is not None and getattr(deleted, "etag", None) is not None:
        s3_notifications.send_event(
            self.account_id,
            s3_notifications.S3NotificationEvent.OBJECT_REMOVED_DELETE_MARKER_CREATED_EVENT,
            bucket,
            deleted,
        )
    return result


def _patch_delete_marker_events() -> None:
    _replace(S3Backend, "delete_object", _delete_object)


# --- DynamoDB queries read one partition ----------------------------------------------------

_query_signature = inspect.signature(Table.query)
_original_query = Table.query
_original_all_items = Table.all_items
_partition = threading.local()  # the partition the current thread's query is about


def _query(self: Table, *args: Any, **kwargs: Any) -> Any:
    bound = _query_signature.bind(self, *args, **kwargs)
    hash_key = bound.arguments.get("hash_key")
    if bound.arguments.get("index_name") or hash_key is None or self.range_key_attr is None:
        return _original_query(self, *args, **kwargs)
    # The unpatched query filters all_items() down to this partition: hand it the partition.
    _partition.current = (self, list((self.items.get(hash_key) or {}).values()))
    try:
        return _original_query(self, *args, **kwargs)
    finally:
        _partition.current = None


def _all_items(self: Table) -> list[Any]:
    current = getattr(_partition, "current", None)
    if current is not None and current[0] is self:
        return list(current[1])
    return _original_all_items(self)


def _patch_query() -> None:
    _replace(Table, "query", _query)
    _replace(Table, "all_items", _all_items)


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
        # A Put names its item by the key attributes inside it; the others by their Key.
        key = op["Item"] if "Item" in op else op.get("Key", {})
        hash_value = DynamoType(key[table.hash_key_attr]) if table.hash_key_attr in key else None
        range_name = table.range_key_attr
        range_value = DynamoType(key[range_name]) if range_name and range_name in key else None
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
    _replace(dynamodb_models, "copy", _NoTableCopy())
    _replace(DynamoDBBackend, "transact_write_items", _transact_write_items)


# --- SQS retention reads one attribute ----------------------------------------------------


def _is_message_valid_based_on_retention_period(
    self: SQSBackend, queue_name: str, message: Any
) -> bool:
    queue = self.get_queue(queue_name)
    retention = int(getattr(queue, "message_retention_period"))  # noqa: B009 - untyped in moto
    retain_until = retention + message.sent_timestamp / 1000
    return bool(retain_until > unix_time())


class _QueueAttributes(Mapping[str, Any]):
    """A queue's attributes as moto lists them, each computed when read: sending a message
    reads one of them, and the message counts among them cost a pass over the queue."""

    def __init__(self, queue: Queue) -> None:
        self._queue = queue

    def _names(self) -> list[str]:
        queue = self._queue
        names = list(queue.BASE_ATTRIBUTES)
        if queue.fifo_queue:
            names += queue.FIFO_ATTRIBUTES
        if getattr(queue, "kms_master_key_id", None):
            names += queue.KMS_ATTRIBUTES
        if queue.policy:
            names.append("Policy")
        if queue.redrive_policy:
            names.append("RedrivePolicy")
        return names

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        queue = self._queue
        if name == "Policy" and queue.policy:
            return queue.policy
        if name == "RedrivePolicy" and queue.redrive_policy:
            return json.dumps(queue.redrive_policy)
        # Else as moto lists a base attribute: a queue without a dead-letter queue has a
        # RedrivePolicy of None, which GetQueueAttributes leaves out.
        value = getattr(queue, camelcase_to_underscores(name))
        return str(value).lower() if isinstance(value, bool) else value

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())


def _patch_sqs_attributes() -> None:
    _replace(Queue, "attributes", property(_QueueAttributes))


def _patch_sqs_retention() -> None:
    _replace(
        SQSBackend,
        "is_message_valid_based_on_retention_period",
        _is_message_valid_based_on_retention_period,
    )
