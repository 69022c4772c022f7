"""A function the template does not have: archives every article change to a bucket.

The e2e tests add it, with its bucket and its event source on the articles table's
stream, to a copy of template.yaml, to show the local cloud runs what the template says.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    s3 = boto3.client("s3")
    for record in event["Records"]:
        keys = record["dynamodb"]["Keys"]
        name = f"{keys['pk']['S']}/{record['dynamodb']['SequenceNumber']}.json"
        s3.put_object(
            Bucket=os.environ["ARCHIVE_BUCKET"],
            Key=name,
            Body=json.dumps({"event": record["eventName"], "keys": keys}).encode(),
        )
    return {"batchItemFailures": []}
