"""SearchFunction: the search index rebuilt once per batching window of stale hints.

Every message on the search queue says only "the articles changed"; however many a window
gathered, one `SearchIndexer.refresh` reads the visible articles and publishes what changed
of the index. A failure raises: the whole batch comes back after its visibility timeout
(the rebuild is idempotent), and reaches the DLQ, with an alarm, when it keeps failing.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from rotativa import bootstrap, clock

logger = Logger()
tracer = Tracer(patch_modules=["botocore"])  # traces boto3; patch_all() also imports sqlite3


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:  # noqa: ARG001
    hints = len(event.get("Records", []))
    result = bootstrap.search_indexer().refresh(clock.now())
    logger.info(
        "search index rebuilt",
        hints=hints,
        articles=result.articles,
        files=result.files,
        written=len(result.written),
        bytes_written=result.bytes_written,
        deleted=len(result.deleted),
        invalidated=result.invalidated,
        superseded=result.superseded,
    )
    return {"batchItemFailures": []}
