"""AWS::Scheduler::ScheduleGroup and AWS::Scheduler::Schedule on moto.

moto keeps schedules and never fires them: the local cloud's clock does
(`local.scheduler`), reading them back from moto as the functions left them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from rotativa_tools.local.provision.common import Identity, Provisioning, error_code

_SCHEDULE_KEYS: Final = (
    "Description",
    "GroupName",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "State",
    "StartDate",
    "EndDate",
)


def schedule_group(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    scheduler = p.clients.scheduler
    name = p.name(props, "Name", logical_id)
    try:
        arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
    except ClientError as error:  # provisioned before: the same group
        if error_code(error) != "ConflictException":
            raise
        arn = scheduler.get_schedule_group(Name=name)["Arn"]
    p.unhandled(logical_id, props, {"Name"})
    return name, {"Arn": arn}


def schedule(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    scheduler: Any = p.clients.scheduler
    name = p.name(props, "Name", logical_id)
    request = {key: props[key] for key in _SCHEDULE_KEYS if key in props}
    try:
        arn = scheduler.create_schedule(Name=name, **request)["ScheduleArn"]
    except ClientError as error:  # provisioned before: brought in line with the template
        if error_code(error) != "ConflictException":
            raise
        arn = scheduler.update_schedule(Name=name, **request)["ScheduleArn"]
    p.unhandled(logical_id, props, {"Name", *_SCHEDULE_KEYS})
    return name, {"Arn": arn}
