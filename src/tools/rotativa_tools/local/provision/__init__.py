"""Build translated CloudFormation resources on moto: one module per kind of resource.

`BUILT` maps each resource type the local cloud creates to the function that creates it;
`NOT_BUILT` is the one list of types it does not need, each with the reason, and they
get only an identity so that references to them resolve. A type in neither list stops
the build, naming itself: adding a resource to template.yaml that the local cloud
cannot honour is a decision to write down here, never a silent gap.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rotativa_tools.local.provision import (
    cloudfront,
    cloudwatch,
    dynamodb,
    functions,
    iam,
    logs,
    s3,
    scheduler,
    sns,
    sqs,
)
from rotativa_tools.local.provision.common import Creator, Identity, Provisioning
from rotativa_tools.local.template import PhysicalResource, TemplateError

__all__ = ["BUILT", "NOT_BUILT", "Provisioning", "create"]

BUILT: Final[dict[str, Creator]] = {
    "AWS::S3::Bucket": s3.bucket,
    "AWS::S3::BucketPolicy": s3.bucket_policy,
    "AWS::SQS::Queue": sqs.queue,
    "AWS::SQS::QueuePolicy": sqs.queue_policy,
    "AWS::DynamoDB::Table": dynamodb.table,
    "AWS::Scheduler::ScheduleGroup": scheduler.schedule_group,
    "AWS::Scheduler::Schedule": scheduler.schedule,
    "AWS::CloudFront::Distribution": cloudfront.distribution,
    "AWS::Logs::LogGroup": logs.log_group,
    "AWS::SNS::Topic": sns.topic,
    "AWS::SNS::Subscription": sns.subscription,
    "AWS::CloudWatch::Alarm": cloudwatch.alarm,
    # Run by the local pump, not by moto: an identity here, the specs in `functions`.
    functions.FUNCTION: functions.function,
    functions.LAYER: functions.layer,
    functions.MAPPING: functions.event_source_mapping,
}


def _named(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:  # noqa: ARG001 - one signature
    return f"{p.stack_name}-{logical_id}", {}


#: What the local cloud does not build, why, and the identity references to it get.
NOT_BUILT: Final[dict[str, tuple[str, Creator]]] = {
    "AWS::CloudFront::Function": (
        "the local site server does the viewer-request rewrite and the 301s instead",
        cloudfront.function_identity,
    ),
    "AWS::CloudFront::OriginAccessControl": ("no access control locally", cloudfront.identity),
    "AWS::CloudFront::ResponseHeadersPolicy": (
        "the local site server sends its headers instead",
        cloudfront.identity,
    ),
    "AWS::IAM::Role": ("local calls are not authorised; tests read every policy", iam.role),
    "AWS::IAM::ManagedPolicy": (
        "local calls are not authorised; tests read every policy",
        iam.managed_policy,
    ),
    "AWS::Lambda::Permission": ("only the local pump invokes the functions", _named),
}


def create(
    p: Provisioning, logical_id: str, resource_type: str, props: Mapping[str, Any]
) -> PhysicalResource:
    """Build one resource (its properties resolved) and register what it is."""
    if resource_type in BUILT:
        physical_id, attributes = BUILT[resource_type](p, logical_id, props)
        emulated = not resource_type.startswith("AWS::Lambda::")
    elif resource_type in NOT_BUILT:
        reason, identity = NOT_BUILT[resource_type]
        physical_id, attributes = identity(p, logical_id, props)
        p.notes.append(f"{logical_id}: {resource_type} is not emulated locally: {reason}")
        emulated = False
    else:
        raise TemplateError(
            f"{logical_id}: the local cloud does not know {resource_type}; build it in a "
            "module of local/provision/, or list it in NOT_BUILT with the reason"
        )
    return PhysicalResource(logical_id, resource_type, physical_id, attributes, emulated)
