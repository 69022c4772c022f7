"""AWS::DynamoDB::Table on moto: keys, indexes, stream, backups, TTL, protection.

The stream is what drives the IndexFunction: its ARN (`StreamArn`) is what the event
source mapping names, and the pump reads it through DynamoDB Streams.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotativa_tools.local.provision.common import Identity, Provisioning, tolerate, truthy


def table(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    dynamodb: Any = p.clients.dynamodb
    name = p.name(props, "TableName", logical_id, suffixed=True)
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            request[key] = [_index(index) for index in props[key]]
    if "ProvisionedThroughput" in props:
        request["ProvisionedThroughput"] = _throughput(props["ProvisionedThroughput"])
    if "StreamSpecification" in props:
        view = props["StreamSpecification"]["StreamViewType"]
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    if "SSESpecification" in props:
        sse = props["SSESpecification"]
        request["SSESpecification"] = {
            "Enabled": truthy(sse.get("SSEEnabled", False)),
            **{api: sse[cfn] for cfn, api in _SSE_KEYS.items() if cfn in sse},
        }
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = truthy(props["DeletionProtectionEnabled"])
    if "TableClass" in props:
        request["TableClass"] = props["TableClass"]
    tolerate("ResourceInUseException", lambda: dynamodb.create_table(**request))
    pitr = props.get("PointInTimeRecoverySpecification") or {}
    if truthy(pitr.get("PointInTimeRecoveryEnabled", False)):
        dynamodb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    ttl = props.get("TimeToLiveSpecification")
    if ttl and truthy(ttl.get("Enabled", False)):
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
        )
    handled = {*request, "PointInTimeRecoverySpecification", "TimeToLiveSpecification"}
    p.unhandled(logical_id, props, handled)
    description = dynamodb.describe_table(TableName=name)["Table"]
    attributes: dict[str, Any] = {"Arn": description["TableArn"]}
    if "LatestStreamArn" in description:
        attributes["StreamArn"] = description["LatestStreamArn"]
    return name, attributes


_SSE_KEYS = {"SSEType": "SSEType", "KMSMasterKeyId": "KMSMasterKeyId"}


def _index(index: Mapping[str, Any]) -> dict[str, Any]:
    shape = {key: index[key] for key in ("IndexName", "KeySchema", "Projection") if key in index}
    if "ProvisionedThroughput" in index:
        shape["ProvisionedThroughput"] = _throughput(index["ProvisionedThroughput"])
    return shape


def _throughput(throughput: Mapping[str, Any]) -> dict[str, int]:
    return {key: int(value) for key, value in throughput.items()}
