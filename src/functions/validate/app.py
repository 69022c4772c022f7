"""ValidateFunction: inbox notifications (S3 → SQS) become validated articles in the table,
and embargoes and expiries that came due (EventBridge Scheduler → SQS) become their state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap
from rotativa.domain.inbox import Recheck, parse_notification
from rotativa.domain.schedules import DueChange

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # traces boto3; patch_all() also imports sqlite3
metrics = Metrics()
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord) -> None:
    due = DueChange.from_message(record.body)  # a schedule's embargo or expiry came due
    if due is not None:
        outcome = bootstrap.timetable().fire(due)
        logger.info("due change", key=due.key, action=due.action, outcome=outcome)
        return
    recheck = Recheck.from_message(record.body)  # an address it waited for was let go
    if recheck is not None:
        ingest = bootstrap.ingest(metrics)
        result = ingest.handle(recheck.event(ingest.inbox.name, datetime.now(UTC)))
        logger.info("recheck", key=recheck.key, outcome=result.outcome)
        return
    for event in parse_notification(record.body):
        result = bootstrap.ingest(metrics).handle(event)
        logger.info("inbox event", key=event.key, change=event.change, outcome=result.outcome)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@bootstrap.publish_counts(metrics)  # log_metrics, without its warning when nothing was counted
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )
