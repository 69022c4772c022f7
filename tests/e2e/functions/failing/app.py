"""Handlers that never succeed: one raises, one reports every record as failed.

Swapped in for ValidateFunction in a copy of template.yaml, they show that a message the
function keeps failing on ends in the queue's DLQ after maxReceiveCount receives.
"""

from __future__ import annotations

from typing import Any


def raises(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    raise RuntimeError("the validator is broken")


def reports_every_record(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]]}
