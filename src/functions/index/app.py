"""IndexFunction: each change of an article item updates the indexes and queues its pages."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap, clock
from rotativa.domain.pages import PageRef

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # traces boto3; patch_all() also imports sqlite3
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    pages: set[PageRef] = set()  # a burst names the homepage in every record: queue it once

    def record_handler(record: DynamoDBRecord) -> None:
        # The record as Lambda sent it: reading its items is the table adapter's business.
        pages.update(bootstrap.indexer().index_record(record.raw_event, clock.now()))

    with processor(records=event["Records"], handler=record_handler, lambda_context=context):
        processor.process()
    bootstrap.indexer().enqueue(pages)  # raises: the whole batch is retried, idempotently
    logger.info("indexed", records=len(event["Records"]), pages=len(pages))
    return processor.response()
