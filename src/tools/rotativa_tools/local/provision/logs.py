"""AWS::Logs::LogGroup on moto, with its retention.

Locally the functions log to the terminal: the group exists so that what reads the stack
(the roles' `WriteOwnLogs` statements, `rotativa status`) finds it by its ARN.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotativa_tools.local.provision.common import Identity, Provisioning, tolerate


def log_group(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    logs = p.clients.provisioning_client("logs")
    name = props.get("LogGroupName") or f"/aws/cloudformation/{p.stack_name}-{logical_id}"
    tolerate("ResourceAlreadyExistsException", lambda: logs.create_log_group(logGroupName=name))
    if "RetentionInDays" in props:
        days = int(props["RetentionInDays"])
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)
    else:
        logs.delete_retention_policy(logGroupName=name)
    p.unhandled(logical_id, props, {"LogGroupName", "RetentionInDays"})
    # CloudFormation's Arn attribute ends in `:*` (the group's streams): roles use it.
    return name, {"Arn": p.arn("logs", f"log-group:{name}:*")}
