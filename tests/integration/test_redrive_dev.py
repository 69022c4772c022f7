"""`rotativa redrive` reaches a running `rotativa dev` as every command does (issue 17: it
wanted `--stack` and failed with a traceback), and replays a stream failure there through
the template's IndexFunction, run here against dev's endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from rotativa_tools.cli import main
from tests.integration.conftest import REGION
from tests.unit.test_event_shapes import SAM_S3_PUT

DERBY = b"---\ntitle: Il derby\nsection: Sesto San Giovanni\n---\nTesto.\n"


def test_redrive_replays_a_stream_failure_on_the_dev_stack(
    dev_endpoint: tuple[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint, outputs_file = dev_endpoint
    outputs = json.loads(outputs_file.read_text())
    target = ["--endpoint-url", endpoint, "--outputs-file", str(outputs_file)]
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint)
    sqs = boto3.client("sqs", region_name=REGION, endpoint_url=endpoint)
    streams = boto3.client("dynamodbstreams", region_name=REGION, endpoint_url=endpoint)
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint)

    # GIVEN an article committed to dev's table (its upload validated by `rotativa invoke`)
    put = s3.put_object(Bucket=outputs["InboxBucketName"], Key="articles/derby.md", Body=DERBY)
    event = json.loads(json.dumps(SAM_S3_PUT))
    event["Records"][0]["s3"]["bucket"]["name"] = outputs["InboxBucketName"]
    event["Records"][0]["s3"]["object"] = {  # the notification S3 would send for this put
        "key": "articles/derby.md",
        "size": len(DERBY),
        "eTag": put["ETag"].strip('"'),
        "versionId": put["VersionId"],
        "sequencer": "0A1B2C3D4E5F678901",
    }
    (tmp_path / "s3.json").write_text(json.dumps(event))
    assert main(["invoke", "ValidateFunction", "-e", str(tmp_path / "s3.json"), *target]) == 0
    assert "→ published" in capsys.readouterr().err
    # AND the IndexFunction's failure destination holding that stream batch, as Lambda
    # writes it when the batch exhausts its retries
    table = dynamodb.describe_table(TableName=outputs["ArticlesTableName"])["Table"]
    stream_arn = table["LatestStreamArn"]
    [shard] = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]
    articles = [r for r in records if r["dynamodb"]["Keys"]["sk"]["S"] == "article"]
    assert articles
    numbers = [r["dynamodb"]["SequenceNumber"] for r in articles]
    info = {
        "streamArn": stream_arn,
        "shardId": shard["ShardId"],
        "startSequenceNumber": min(numbers, key=int),
        "endSequenceNumber": max(numbers, key=int),
    }
    sqs.send_message(
        QueueUrl=outputs["IndexDLQUrl"], MessageBody=json.dumps({"DDBStreamBatchInfo": info})
    )

    # WHEN the developer redrives the dev stack, naming it as every command does
    assert main(["redrive", "--queue", "index", "--dry-run", *target]) == 0
    assert "index: 1 waiting" in capsys.readouterr().out
    assert main(["redrive", "--queue", "index", *target]) == 0, capsys.readouterr()

    # THEN the records were replayed through the IndexFunction: its pages are queued
    said = capsys.readouterr().out
    assert "index: 0 moved back, " in said
    assert " stream records replayed, 0 kept" in said
    depth = sqs.get_queue_attributes(
        QueueUrl=outputs["RenderQueueUrl"], AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]["ApproximateNumberOfMessages"]
    assert int(depth) > 0
    assert main(["redrive", "--queue", "index", "--dry-run", *target]) == 0
    assert "index: 0 waiting" in capsys.readouterr().out


def test_redrive_without_a_stack_says_what_to_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.json"
    assert main(["redrive", "--outputs-file", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("rotativa redrive: no outputs file at ")
    assert "start `rotativa dev` first" in err
    assert "Traceback" not in err
