"""EventBridge Scheduler: one-time schedules that publish and expire articles.

Each schedule sends its due change to the ingest queue (the target and the role that may
send there are declared in template.yaml); the ValidateFunction makes the change in the
table. Schedules delete themselves once they have fired (`ActionAfterCompletion`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

#: Scheduler keeps retrying a target that fails (throttled queue) for a day, then sends the
#: change to the dead-letter queue, where `rotativa status` shows it.
RETRY_POLICY = {"MaximumEventAgeInSeconds": 86_400, "MaximumRetryAttempts": 185}


def at_expression(moment: datetime) -> str:
    """`at(yyyy-mm-ddThh:mm:ss)` in UTC. Scheduler has whole seconds: a moment with a
    fraction fires at its second, which is before it, and that is harmless, because the
    change it carries names the exact moment and no reader compares it with a clock."""
    return f"at({moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S')})"


class ArticleSchedules:
    def __init__(
        self,
        group: str,
        target_arn: str,
        role_arn: str,
        dead_letter_arn: str,
        client: EventBridgeSchedulerClient | None = None,
    ) -> None:
        self.group = group
        self.target_arn = target_arn
        self.role_arn = role_arn
        self.dead_letter_arn = dead_letter_arn
        self.client: EventBridgeSchedulerClient = client or boto3.client("scheduler")

    def put(self, name: str, at: datetime, message: str) -> None:
        """Create the schedule, or replace the one of that name (an edited embargo)."""
        definition: dict[str, Any] = {
            "Name": name,
            "GroupName": self.group,
            "ScheduleExpression": at_expression(at),
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {
                "Arn": self.target_arn,
                "RoleArn": self.role_arn,
                "Input": message,
                "RetryPolicy": RETRY_POLICY,
                "DeadLetterConfig": {"Arn": self.dead_letter_arn},
            },
            "ActionAfterCompletion": "DELETE",
        }
        try:
            self.client.create_schedule(**definition)
        except ClientError as exc:
            if _code(exc) != "ConflictException":
                raise
            self.client.update_schedule(**definition)

    def delete(self, name: str) -> None:
        """Delete the schedule; one already gone (fired, or never made) is fine."""
        try:
            self.client.delete_schedule(Name=name, GroupName=self.group)
        except ClientError as exc:
            if _code(exc) != "ResourceNotFoundException":
                raise


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
