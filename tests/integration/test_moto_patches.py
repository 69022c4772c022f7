"""The local cloud's moto speed-ups answer exactly as moto's own code does.

`rotativa_tools.local.moto_patches` replaces moto internals (a query reads one partition, a
transaction snapshots only what it touches, SQS computes a queue attribute when read and
the retention check reads one attribute). Each property here runs the same random requests
on moto with the patches and on moto without them, and compares every answer, the tables'
final items and the stream records: a moto upgrade that changes the code a patch stands in
for fails here, not as a subtly different local cloud. The S3 delete-marker event is not a
speed-up but a deliberate difference (tests/integration/test_stack.py), and serialising
requests changes no answer, so neither is compared.

A few dozen examples each (a few seconds); the properties are about moto's code paths, which
small tables and queues reach as well as large ones.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID, MockAWS
from moto.sqs.models import Message, SQSBackend, sqs_backends

from rotativa_tools.local import moto_patches
from tests.integration.conftest import REGION

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _patches_as_found() -> Iterator[None]:
    """Each property toggles the patches; the next test finds them as this one did."""
    applied = moto_patches._applied
    yield
    if applied:
        moto_patches.apply()
    else:
        moto_patches.remove()


@dataclass(frozen=True)
class Moto:
    """moto started once for a property, and the clients its examples share (a boto3
    client costs more to make than most examples cost to run)."""

    mock: MockAWS
    dynamodb: Any
    streams: Any
    sqs: Any

    def both(self, program: Callable[[Moto], Any]) -> tuple[Any, Any]:
        """The program's answers on emptied moto with the patches, then without them."""
        answers = []
        for patch in (moto_patches.apply, moto_patches.remove):
            patch()
            self.mock.reset()
            answers.append(program(self))
        return answers[0], answers[1]


@pytest.fixture
def moto() -> Iterator[Moto]:
    with mock_aws() as mock:
        yield Moto(
            mock,
            boto3.client("dynamodb", region_name=REGION),
            boto3.client("dynamodbstreams", region_name=REGION),
            boto3.client("sqs", region_name=REGION),
        )


def _answer(call: Callable[..., dict[str, Any]], **request: Any) -> dict[str, Any]:
    """A request's response without its metadata, or the error AWS would return."""
    try:
        response = call(**request)
    except ClientError as error:
        return {
            "error": error.response["Error"].get("Code"),
            "message": error.response["Error"].get("Message"),
            "reasons": error.response.get("CancellationReasons"),
        }
    response.pop("ResponseMetadata", None)
    return response


# --- DynamoDB: queries and transactions -----------------------------------------------------

# Few keys, so that items collide, partitions hold several items and conditions fail.
PARTITIONS = ["a", "b"]
STRING_SORT_KEYS = ["1", "10", "2", "a", "a#1", "a#2", "b"]
NUMBER_SORT_KEYS = [-1, 0, 1, 1.5, 2, 10]


@dataclass(frozen=True)
class Table:
    name: str
    sort: str | None  # the sort key's type (S or N), None for a hash-only table
    keys: list[Any]


TABLES = [
    Table("strings", "S", STRING_SORT_KEYS),
    Table("numbers", "N", NUMBER_SORT_KEYS),
    Table("hashes", None, [None]),
]


def _value(table: Table, key: Any) -> dict[str, str]:
    return {"N": str(key)} if table.sort == "N" else {"S": str(key)}


def _key(table: Table, partition: str, sort: Any) -> dict[str, Any]:
    key: dict[str, Any] = {"pk": {"S": partition}}
    if table.sort is not None:
        key["sk"] = _value(table, sort)
    return key


@st.composite
def _item_keys(draw: st.DrawFn) -> tuple[Table, dict[str, Any]]:
    table = draw(st.sampled_from(TABLES))
    return table, _key(table, draw(st.sampled_from(PARTITIONS)), draw(st.sampled_from(table.keys)))


CONDITIONS = st.sampled_from(
    [None, "attribute_not_exists(pk)", "attribute_exists(pk)", "v = :c", "v < :c"]
)


@st.composite
def _action(draw: st.DrawFn) -> dict[str, Any]:
    """One TransactWriteItems action, often conditional."""
    table, key = draw(_item_keys())
    kind = draw(st.sampled_from(["Put", "Update", "Delete", "ConditionCheck"]))
    condition = draw(CONDITIONS) if kind != "ConditionCheck" else draw(CONDITIONS.filter(bool))
    action: dict[str, Any] = {"TableName": table.name}
    values: dict[str, Any] = {}
    if kind == "Put":
        action["Item"] = {**key, "v": {"N": str(draw(st.integers(0, 3)))}}
    else:
        action["Key"] = key
    if kind == "Update":
        action["UpdateExpression"] = "SET v = :v"
        values[":v"] = {"N": str(draw(st.integers(0, 3)))}
    if condition:
        action["ConditionExpression"] = condition
        if ":c" in condition:
            values[":c"] = {"N": str(draw(st.integers(0, 3)))}
    if values:
        action["ExpressionAttributeValues"] = values
    return {kind: action}


RANGE_CONDITIONS = [None, "=", "<", "<=", ">", ">=", "BETWEEN", "begins_with"]


@st.composite
def _query(draw: st.DrawFn) -> dict[str, Any]:
    """A Query on one partition of a table with a sort key, in every shape the pipeline
    uses and a few more: a sort-key condition, either direction, a limit, a filter, COUNT,
    a projection."""
    table = draw(st.sampled_from([t for t in TABLES if t.sort is not None]))
    names = {"#p": "pk"}
    values = {":p": {"S": draw(st.sampled_from(PARTITIONS))}}
    condition = "#p = :p"
    comparison = draw(
        st.sampled_from([c for c in RANGE_CONDITIONS if c != "begins_with" or table.sort == "S"])
    )
    if comparison is not None:
        names["#s"] = "sk"
        low, high = sorted(draw(st.lists(st.sampled_from(table.keys), min_size=2, max_size=2)))
        values[":a"] = _value(table, low)
        if comparison == "BETWEEN":
            condition += " AND #s BETWEEN :a AND :b"
            values[":b"] = _value(table, high)
        elif comparison == "begins_with":
            condition += " AND begins_with(#s, :a)"
        else:
            condition += f" AND #s {comparison} :a"
    query: dict[str, Any] = {
        "TableName": table.name,
        "KeyConditionExpression": condition,
        "ScanIndexForward": draw(st.booleans()),
    }
    if limit := draw(st.none() | st.integers(1, 4)):
        query["Limit"] = limit
    if draw(st.booleans()):
        query["FilterExpression"] = "v >= :f"
        values[":f"] = {"N": str(draw(st.integers(0, 3)))}
    shape = draw(st.sampled_from(["items", "count", "projection"]))
    if shape == "count":
        query["Select"] = "COUNT"
    elif shape == "projection":
        query["ProjectionExpression"] = "#p, v"
    query["ExpressionAttributeNames"] = names
    query["ExpressionAttributeValues"] = values
    return query


PUTS = st.tuples(st.just("put"), _item_keys(), st.integers(0, 3))
# A few puts first, so that queries find items and failed transactions have some to restore.
DYNAMODB_OPERATIONS = st.builds(
    lambda seeds, operations: seeds + operations,
    st.lists(PUTS, min_size=2, max_size=10),
    st.lists(
        st.one_of(
            PUTS,
            st.tuples(st.just("delete"), _item_keys()),
            st.tuples(st.just("transact"), st.lists(_action(), min_size=1, max_size=4)),
            st.tuples(st.just("query"), _query()),
            st.tuples(st.just("query"), _query()),
        ),
        min_size=1,
        max_size=20,
    ),
)


def _create_tables(client: Any) -> None:
    for table in TABLES:
        attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
        schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
        if table.sort is not None:
            attributes.append({"AttributeName": "sk", "AttributeType": table.sort})
            schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        client.create_table(
            TableName=table.name,
            AttributeDefinitions=attributes,
            KeySchema=schema,
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )


def _stream_records(moto: Moto, table: str) -> list[dict[str, Any]]:
    """What the table's stream holds, without what differs between any two runs (ids,
    times, sequence numbers)."""
    streams = moto.streams
    arn = moto.dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        for record in streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]:
            change = record["dynamodb"]
            records.append(
                {
                    "event": record["eventName"],
                    "keys": change.get("Keys"),
                    "new": change.get("NewImage"),
                    "old": change.get("OldImage"),
                }
            )
    return records


def _run_dynamodb(moto: Moto, operations: list[tuple[Any, ...]]) -> list[Any]:
    client = moto.dynamodb
    _create_tables(client)
    answers: list[Any] = []
    for operation in operations:
        kind = operation[0]
        if kind == "put":
            (table, key), value = operation[1], operation[2]
            item = {**key, "v": {"N": str(value)}}
            answers.append(_answer(client.put_item, TableName=table.name, Item=item))
        elif kind == "delete":
            table, key = operation[1]
            answers.append(_answer(client.delete_item, TableName=table.name, Key=key))
        elif kind == "transact":
            actions = operation[1]
            answers.append(_answer(client.transact_write_items, TransactItems=actions))
        else:
            query = operation[1]
            page = _answer(client.query, **query)
            answers.append(page)
            if "LastEvaluatedKey" in page:  # and the next page, from where moto stopped
                start = page["LastEvaluatedKey"]
                answers.append(_answer(client.query, **query, ExclusiveStartKey=start))
    for table in TABLES:
        items = client.scan(TableName=table.name)["Items"]
        answers.append(sorted(items, key=repr))
        answers.append(_stream_records(moto, table.name))
    return answers


def _rolled_back(kind: str) -> list[tuple[Any, ...]]:
    """An item put, then changed by a transaction that a later condition cancels: the
    rarest path of the snapshot (restoring an item that existed), always tried."""
    strings = TABLES[0]
    item = _key(strings, "a", "1")
    change: dict[str, Any] = {"TableName": strings.name, "Key": item}
    if kind == "Put":
        change = {"TableName": strings.name, "Item": {**item, "v": {"N": "2"}}}
    elif kind == "Update":
        change |= {
            "UpdateExpression": "SET v = :v",
            "ExpressionAttributeValues": {":v": {"N": "2"}},
        }
    check = {"TableName": strings.name, "Key": _key(strings, "b", "1"),
             "ConditionExpression": "attribute_exists(pk)"}  # fmt: skip
    return [("put", (strings, item), 1), ("transact", [{kind: change}, {"ConditionCheck": check}])]


@EXAMPLES
@given(operations=DYNAMODB_OPERATIONS)
@example(operations=_rolled_back("Put"))
@example(operations=_rolled_back("Update"))
@example(operations=_rolled_back("Delete"))
def test_queries_and_transactions_answer_as_moto_does(
    moto: Moto, operations: list[tuple[Any, ...]]
) -> None:
    # GIVEN the same puts, deletes, transactions and queries
    # WHEN moto serves them with the local cloud's patches and without them
    patched, unpatched = moto.both(lambda m: _run_dynamodb(m, operations))
    # THEN every answer, every item left and every stream record is the same
    assert patched == unpatched


# --- SQS: queue attributes and retention ----------------------------------------------------

ATTRIBUTE_NAMES = st.sampled_from(
    [
        ["All"],
        ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        ["VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"],
        ["RedrivePolicy", "Policy", "KmsMasterKeyId", "FifoQueue"],
        ["ContentBasedDeduplication", "QueueArn"],
    ]
)
CHANGING = {"CreatedTimestamp", "LastModifiedTimestamp"}  # the clock's, not the code's


@st.composite
def _queue(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    """A queue's name and attributes: standard or FIFO, with or without a dead-letter
    queue, a policy, a KMS key."""
    fifo = draw(st.booleans())
    attributes = {
        "VisibilityTimeout": str(draw(st.sampled_from([0, 30]))),
        "MessageRetentionPeriod": str(draw(st.sampled_from([60, 345600, 1209600]))),
    }
    if fifo:
        attributes["FifoQueue"] = "true"
        attributes["ContentBasedDeduplication"] = str(draw(st.booleans())).lower()
    if draw(st.booleans()):
        attributes["RedrivePolicy"] = "DLQ"  # completed once the dead-letter queue exists
        attributes["MaxReceiveCount"] = str(draw(st.integers(1, 3)))
    if draw(st.booleans()):
        attributes["Policy"] = '{"Version": "2012-10-17", "Statement": []}'
    if draw(st.booleans()):
        attributes["KmsMasterKeyId"] = "alias/aws/sqs"
    return ("work.fifo" if fifo else "work"), attributes


SQS_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.integers(0, 3)),
        st.tuples(st.just("receive"), st.integers(1, 3), st.sampled_from([0, 30])),
        st.tuples(st.just("delete"), st.integers(0, 5)),
        st.tuples(st.just("attributes"), ATTRIBUTE_NAMES),
        st.tuples(st.just("visibility"), st.sampled_from([0, 5, 30])),
    ),
    min_size=1,
    max_size=20,
)


def _run_sqs(
    moto: Moto, queue: tuple[str, dict[str, str]], operations: list[tuple[Any, ...]]
) -> list[Any]:
    client = moto.sqs
    name, attributes = queue
    attributes = dict(attributes)
    if attributes.pop("RedrivePolicy", None):
        dlq = client.create_queue(
            QueueName="dead.fifo" if name.endswith(".fifo") else "dead",
            Attributes={"FifoQueue": "true"} if name.endswith(".fifo") else {},
        )["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])
        target = arn["Attributes"]["QueueArn"]
        count = attributes.pop("MaxReceiveCount")
        attributes["RedrivePolicy"] = json.dumps(
            {"deadLetterTargetArn": target, "maxReceiveCount": count}
        )
    url = client.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    fifo = name.endswith(".fifo")
    answers: list[Any] = []
    handles: list[str] = []
    for number, operation in enumerate(operations):
        kind = operation[0]
        if kind == "send":
            message: dict[str, Any] = {"QueueUrl": url, "MessageBody": f"m{operation[1]}"}
            if fifo:
                message["MessageGroupId"] = f"g{operation[1] % 2}"
                message["MessageDeduplicationId"] = f"d{number}"
            sent = _answer(client.send_message, **message)
            for differing in ("MessageId", "MD5OfMessageBody", "SequenceNumber"):
                sent.pop(differing, None)  # a new id each run; the body is the same
            answers.append(sent)
        elif kind == "receive":
            received = client.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=operation[1],
                VisibilityTimeout=operation[2],
                MessageSystemAttributeNames=["ApproximateReceiveCount", "MessageGroupId"],
            ).get("Messages", [])
            handles += [m["ReceiptHandle"] for m in received]
            answers.append([(m["Body"], m.get("Attributes")) for m in received])
        elif kind == "delete":
            if operation[1] < len(handles):
                handle = handles[operation[1]]
                answers.append(_answer(client.delete_message, QueueUrl=url, ReceiptHandle=handle))
        elif kind == "attributes":
            names = operation[1]
            got = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)
            answers.append(
                {k: v for k, v in got.get("Attributes", {}).items() if k not in CHANGING}
            )
        else:
            client.set_queue_attributes(
                QueueUrl=url, Attributes={"VisibilityTimeout": str(operation[1])}
            )
    for queue_url in client.list_queues().get("QueueUrls", []):
        final = client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
        answers.append(
            (queue_url, {k: v for k, v in final["Attributes"].items() if k not in CHANGING})
        )
    return answers


@EXAMPLES
@given(queue=_queue(), operations=SQS_OPERATIONS)
def test_queue_attributes_answer_as_moto_does(
    moto: Moto, queue: tuple[str, dict[str, str]], operations: list[tuple[Any, ...]]
) -> None:
    # GIVEN a queue (standard or FIFO, dead-letter queue, policy, KMS) and the same requests
    # WHEN moto serves them with the local cloud's patches and without them
    patched, unpatched = moto.both(lambda m: _run_sqs(m, queue, operations))
    # THEN every answer and every queue's attributes at the end are the same
    assert patched == unpatched


@EXAMPLES
@given(
    retention=st.sampled_from([60, 3600, 345600, 1209600]),
    margin=st.integers(5, 10_000),
    expired=st.booleans(),
)
def test_the_retention_check_answers_as_moto_does(
    moto: Moto, retention: int, margin: int, expired: bool
) -> None:
    # GIVEN a message sent well before or well within its queue's retention period
    age = retention + margin if expired else max(0, retention - margin)

    def verdict(moto: Moto) -> bool:
        moto.sqs.create_queue(
            QueueName="kept", Attributes={"MessageRetentionPeriod": str(retention)}
        )
        backend: SQSBackend = sqs_backends[DEFAULT_ACCOUNT_ID][REGION]
        message = Message("id", "body")
        message.sent_timestamp = int((time.time() - age) * 1000)  # type: ignore[assignment]
        return backend.is_message_valid_based_on_retention_period("kept", message)

    # WHEN moto judges it with the local cloud's patch and without it
    patched, unpatched = moto.both(verdict)
    # THEN both keep it, or both drop it, as its age says
    assert patched == unpatched == (age < retention)
