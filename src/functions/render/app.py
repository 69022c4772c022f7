"""RenderFunction: the requested pages are rendered from the table, each stored if it
changed, and their changes sent on in one message.

A message names one page or several (`RenderRequest`: the pages of one IndexFunction
invocation). Before the table is read, the requests' tokens are marked as rendering, so
that a change indexed from now on queues its pages again (`adapters.render_marks`).
The whole batch is one `PageRenderer.render_batch`: pages named twice are rendered once,
the table is read once for all of them, and the invalidate queue gets one send. A page that
fails reports only the messages that asked for it (ReportBatchItemFailures); the rest of the
batch is stored and invalidated.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap, clock
from rotativa.domain.pages import PageRef, RenderRequest

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # traces boto3; patch_all() also imports sqlite3


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    requests: dict[str, RenderRequest] = {}  # message id → the pages it asks for
    failed: list[str] = []
    for record in event.get("Records", []):
        message_id = str(record.get("messageId", ""))
        try:
            requests[message_id] = RenderRequest.from_message(json.loads(record["body"]))
        except Exception as exc:  # a bad message fails alone (then reaches the DLQ)
            logger.error("unreadable render request", message_id=message_id, error=repr(exc))
            failed.append(message_id)
    tokens = {r.token for r in requests.values() if r.token}
    if tokens:  # before the table is read (a schedule's or a rebuild's request has none)
        bootstrap.render_marks().rendering(tokens)
    pages: set[PageRef] = {page for r in requests.values() for page in r.pages}
    batch = bootstrap.page_renderer().render_batch(pages, clock.now())
    for page, exc in batch.failed.items():
        logger.error("render failed", page=page.as_message(), error=repr(exc))
    failed += [i for i, r in requests.items() if any(page in batch.failed for page in r.pages)]
    logger.info(
        "rendered",
        requests=len(requests),
        pages=len(pages),
        failed=len(batch.failed),
        changed=[path for path, _ in batch.changes],
    )
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
