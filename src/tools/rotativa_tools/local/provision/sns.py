"""AWS::SNS::Topic and AWS::SNS::Subscription on moto: publishes are kept, nobody is
e-mailed (an e-mail subscription stays pending)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotativa_tools.local.provision.common import Identity, Provisioning
from rotativa_tools.local.template import scalar_text


def topic(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    """Ref is the topic's ARN, as in CloudFormation."""
    sns = p.clients.provisioning_client("sns")
    name = p.name(props, "TopicName", logical_id, suffixed=True)
    kept = ("DisplayName", "KmsMasterKeyId")
    attributes = {key: scalar_text(props[key]) for key in kept if key in props}
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    p.unhandled(logical_id, props, {"TopicName", *kept})
    return arn, {"TopicArn": arn, "TopicName": name}


def subscription(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    sns = p.clients.provisioning_client("sns")
    topic_arn = props["TopicArn"]
    answer = sns.subscribe(
        TopicArn=topic_arn, Protocol=props["Protocol"], Endpoint=props["Endpoint"]
    )
    p.unhandled(logical_id, props, {"TopicArn", "Protocol", "Endpoint"})
    return str(answer.get("SubscriptionArn", f"{topic_arn}:pending")), {}
