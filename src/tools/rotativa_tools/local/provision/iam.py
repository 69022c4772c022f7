"""AWS::IAM::Role and AWS::IAM::ManagedPolicy: identities only. Local calls are not
authorised; what each role allows is checked against what each function calls by
tests/reliability/test_least_privilege.py, on the roles `translate` gives, and what the
editors' policy allows by tests/reliability/test_editors_policy.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rotativa_tools.local.provision.common import Identity, Provisioning


def role(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    name = p.name(props, "RoleName", logical_id)
    arn = p.arn("iam", f"role/{name}", regional=False)
    return name, {"Arn": arn, "RoleId": "AROA" + p.suffix(logical_id, 17)}


def managed_policy(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    """`!Ref` of a managed policy is its ARN; CloudFormation names it after the stack."""
    name = p.name(props, "ManagedPolicyName", logical_id, suffixed=True)
    arn = p.arn("iam", f"policy/{name}", regional=False)
    return arn, {"PolicyArn": arn, "PolicyId": "ANPA" + p.suffix(logical_id, 17)}
