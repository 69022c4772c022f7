"""RenderFunction: each requested page is rendered from the table and stored if it changed."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap, clock
from rotativa.domain.pages import PageRef

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # traces boto3; patch_all() also imports sqlite3
processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record: SQSRecord, done: set[PageRef]) -> None:
    page = PageRef.from_message(json.loads(record.body))
    if page not in done:  # the same page twice in one batch is rendered once
        changed = bootstrap.page_renderer().render([page], clock.now())
        done.add(page)
        logger.info("rendered", page=page.as_message(), changed=[p for p, _ in changed])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    handler = partial(record_handler, done=set())
    return process_partial_response(
        event=event, record_handler=handler, processor=processor, context=context
    )
