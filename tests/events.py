"""The one way tests read the sample events in events/ (the same files `sam local invoke
-e` takes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "events"


def load_event(name: str) -> dict[str, Any]:
    """`load_event("validate/s3-put")` → the parsed events/validate/s3-put.json."""
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    return data


def sqs_bodies(event: dict[str, Any]) -> list[str]:
    return [str(record["body"]) for record in event["Records"]]
