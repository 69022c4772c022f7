"""IndexFunction: each change of an article item updates the indexes and queues its pages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap
from rotativa.adapters.articles_table import stored_from_item

logger = Logger()
tracer = Tracer()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def record_handler(record: DynamoDBRecord) -> None:
    change = record.dynamodb
    image = (change.new_image or change.old_image) if change else None
    if not image or image.get("sk") != "article":
        return  # teasers, memberships, counters: not an article change
    old = stored_from_item(change.old_image if change else None, bootstrap.site())
    pages = bootstrap.indexer().apply(str(image["key"]), old, datetime.now(UTC))
    logger.info("indexed", key=image["key"], pages=len(pages))


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
