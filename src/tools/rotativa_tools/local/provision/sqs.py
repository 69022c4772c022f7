"""AWS::SQS::Queue and AWS::SQS::QueuePolicy on moto.

A queue's RedrivePolicy is an SQS attribute like any other, so moto moves a message to
its dead-letter queue after maxReceiveCount receives, as SQS does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from rotativa_tools.local.provision.common import Identity, Provisioning, truthy
from rotativa_tools.local.template import scalar_text

#: CloudFormation queue properties that are SQS attributes of the same name.
_ATTRIBUTES: Final = frozenset(
    {
        "ContentBasedDeduplication",
        "DeduplicationScope",
        "DelaySeconds",
        "FifoQueue",
        "FifoThroughputLimit",
        "KmsDataKeyReusePeriodSeconds",
        "KmsMasterKeyId",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "RedriveAllowPolicy",
        "RedrivePolicy",
        "SqsManagedSseEnabled",
        "VisibilityTimeout",
    }
)


def queue(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    name = p.name(props, "QueueName", logical_id)
    if truthy(props.get("FifoQueue", False)) and not name.endswith(".fifo"):
        name += ".fifo"
    attributes: Any = {
        key: json.dumps(value) if isinstance(value, dict) else scalar_text(value)
        for key, value in props.items()
        if key in _ATTRIBUTES
    }
    sqs = p.clients.sqs
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    p.unhandled(logical_id, props, {*_ATTRIBUTES, "QueueName"})
    return url, {"Arn": arn["QueueArn"], "QueueName": name, "QueueUrl": url}


def queue_policy(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    policy = json.dumps(props["PolicyDocument"])
    for url in props["Queues"]:
        p.clients.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    return f"{p.stack_name}-{logical_id}", {}
