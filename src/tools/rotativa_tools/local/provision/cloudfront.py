"""AWS::CloudFront::Distribution on moto, and identities for what moto cannot run.

The distribution is enough for CreateInvalidation and GetDistribution to work against a
real id. CloudFront functions, origin access controls and response headers policies get
only an identity (see NOT_BUILT in `provision/__init__.py`): the local site server plays
their part (`local.site_server`), read from the same template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from botocore.exceptions import ClientError

from rotativa_tools.local.provision.common import Identity, Provisioning, error_code, truthy
from rotativa_tools.local.template import TemplateError

_SCALARS: Final = {
    "DefaultRootObject": "DefaultRootObject",
    "PriceClass": "PriceClass",
    "HttpVersion": "HttpVersion",
    "IPV6Enabled": "IsIPV6Enabled",
}
_APPLIED: Final = frozenset(
    {
        *_SCALARS,
        "CacheBehaviors",
        "Comment",
        "Enabled",
        "Origins",
        "DefaultCacheBehavior",
        "CustomErrorResponses",
    }
)


def distribution(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    reference = f"{p.stack_name}-{logical_id}"
    config = _config(p, logical_id, props["DistributionConfig"], reference)
    cloudfront: Any = p.clients.cloudfront
    try:
        created = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
        distribution_id, domain = created["Id"], created["DomainName"]
    except ClientError as error:
        if error_code(error) != "DistributionAlreadyExists":
            raise
        distribution_id, domain = _existing(p, reference)
    return distribution_id, {"Id": distribution_id, "DomainName": domain}


def function_identity(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    arn = p.arn("cloudfront", f"function/{p.name(props, 'Name', logical_id)}", regional=False)
    return arn, {"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn, "Stage": "LIVE"}


def identity(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:  # noqa: ARG001 - one signature
    identifier = "E" + p.suffix(logical_id, 13)
    return identifier, {"Id": identifier}


def _config(
    p: Provisioning, logical_id: str, config: Mapping[str, Any], reference: str
) -> dict[str, Any]:
    """The part of the distribution moto keeps: origins, behaviours, error responses."""
    origins = [_origin(origin) for origin in config["Origins"]]
    api: dict[str, Any] = {
        "CallerReference": reference,
        "Comment": config.get("Comment", ""),
        "Enabled": truthy(config.get("Enabled", True)),
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": _cache_behavior(config["DefaultCacheBehavior"]),
    }
    api |= {key: config[cfn] for cfn, key in _SCALARS.items() if cfn in config}
    errors = [_error_response(item) for item in config.get("CustomErrorResponses") or []]
    if errors:
        api["CustomErrorResponses"] = {"Quantity": len(errors), "Items": errors}
    behaviors = [
        {"PathPattern": item["PathPattern"], **_cache_behavior(item)}
        for item in config.get("CacheBehaviors") or []
    ]
    if behaviors:  # /media/* and its headers: kept, so GetDistribution shows them
        api["CacheBehaviors"] = {"Quantity": len(behaviors), "Items": behaviors}
    for name in sorted(set(config) - _APPLIED):
        p.notes.append(f"{logical_id}: DistributionConfig.{name} is not emulated locally")
    return api


def _existing(p: Provisioning, reference: str) -> tuple[str, str]:
    """The distribution an earlier run created with `reference` (a persistent moto)."""
    cloudfront = p.clients.cloudfront
    for summary in cloudfront.list_distributions()["DistributionList"].get("Items") or []:
        config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
        if config["CallerReference"] == reference:
            return summary["Id"], summary["DomainName"]
    raise TemplateError(f"distribution with caller reference {reference} vanished")


def _origin(origin: Mapping[str, Any]) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "Id": origin["Id"],
        "DomainName": origin["DomainName"],
        "OriginPath": origin.get("OriginPath", ""),
    }
    if "S3OriginConfig" in origin:
        identity = (origin["S3OriginConfig"] or {}).get("OriginAccessIdentity", "")
        shape["S3OriginConfig"] = {"OriginAccessIdentity": identity}
    if "CustomOriginConfig" in origin:
        custom = origin["CustomOriginConfig"]
        shape["CustomOriginConfig"] = {
            "HTTPPort": int(custom.get("HTTPPort", 80)),
            "HTTPSPort": int(custom.get("HTTPSPort", 443)),
            "OriginProtocolPolicy": custom["OriginProtocolPolicy"],
        }
    if "OriginAccessControlId" in origin:
        shape["OriginAccessControlId"] = origin["OriginAccessControlId"]
    return shape


def _cache_behavior(behavior: Mapping[str, Any]) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "TargetOriginId": behavior["TargetOriginId"],
        "ViewerProtocolPolicy": behavior["ViewerProtocolPolicy"],
    }
    for key in ("CachePolicyId", "ResponseHeadersPolicyId", "OriginRequestPolicyId"):
        if key in behavior:
            shape[key] = behavior[key]
    if "Compress" in behavior:
        shape["Compress"] = truthy(behavior["Compress"])
    if "AllowedMethods" in behavior:
        allowed = list(behavior["AllowedMethods"])
        cached = list(behavior.get("CachedMethods") or ["GET", "HEAD"])
        shape["AllowedMethods"] = {
            "Quantity": len(allowed),
            "Items": allowed,
            "CachedMethods": {"Quantity": len(cached), "Items": cached},
        }
    associations = [
        {"FunctionARN": item["FunctionARN"], "EventType": item["EventType"]}
        for item in behavior.get("FunctionAssociations") or []
    ]
    if associations:
        shape["FunctionAssociations"] = {"Quantity": len(associations), "Items": associations}
    return shape


def _error_response(item: Mapping[str, Any]) -> dict[str, Any]:
    shape: dict[str, Any] = {"ErrorCode": int(item["ErrorCode"])}
    if "ResponsePagePath" in item:
        shape["ResponsePagePath"] = item["ResponsePagePath"]
    if "ResponseCode" in item:
        shape["ResponseCode"] = str(item["ResponseCode"])
    if "ErrorCachingMinTTL" in item:
        shape["ErrorCachingMinTTL"] = int(item["ErrorCachingMinTTL"])
    return shape
