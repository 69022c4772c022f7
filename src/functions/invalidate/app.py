"""InvalidateFunction: one CloudFront invalidation for a whole batch of changed paths."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # traces boto3; patch_all() also imports sqlite3
processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    changes: list[tuple[str, str]] = []

    def collect(record: SQSRecord) -> None:  # a malformed message fails alone, to the DLQ
        changes.extend((str(p), str(c)) for p, c in json.loads(record.body)["changes"])

    with processor(records=event["Records"], handler=collect, lambda_context=context):
        processor.process()
    batch = bootstrap.invalidator().invalidate(changes)  # raises: the whole batch is retried
    logger.info("invalidated", paths=list(batch.paths) if batch else [])
    return processor.response()
