"""Which stack a developer's command talks to: a running `rotativa dev`, or one on AWS.

`rotativa status`, `redrive`, `rebuild`, `rollback` and `invoke` find either the same way
(`rotativa_tools.cli._common.find_target`, with the same options), because both
describe themselves the same way: by the template's Outputs (and its parameters). A local
stack's Outputs are the JSON file `rotativa dev` writes when it is ready; a deployed one's
come from CloudFormation. For `invoke --stack`, the deployed stack's physical ids feed the
template's own intrinsic functions, so the function runs here with the environment it has
on AWS, computed from the same template rather than copied from the console.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from rotativa_tools.local.provision.functions import (
    LAYER,
    FunctionSpec,
    function_spec,
    layer_folders,
    run_properties,
)
from rotativa_tools.local.template import (
    PhysicalResource,
    ResolveContext,
    TemplateError,
    of_type,
    resolve,
    scalar_text,
    translate,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 4566
DEFAULT_ENDPOINT: Final = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
#: The template's EventBridge Scheduler group of embargoes and expiries (not an Output).
SCHEDULE_GROUP: Final = "ArticleScheduleGroup"
SCHEDULE_GROUP_OUTPUT: Final = "ArticleScheduleGroupName"


class TargetError(RuntimeError):
    """The stack to talk to cannot be found; the message says what to start or pass."""


# ---------------------------------------------------------------------------- local stacks


def default_outputs_file(endpoint: str) -> Path:
    """Where `rotativa dev` on `endpoint` leaves its Outputs when not told otherwise.

    One file per endpoint under the user's cache folder, so that `rotativa status` finds
    the stack of the `rotativa dev` running on the default port from any folder.
    """
    parts = urlsplit(endpoint)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "rotativa" / f"dev-{parts.hostname}-{parts.port or 80}.json"


def write_outputs(path: Path, outputs: Mapping[str, str]) -> None:
    """Written whole and then renamed, so a reader never sees half a file; in the
    template's order, which puts each queue beside its DLQ."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(dict(outputs), indent=2) + "\n")
    partial.replace(path)


def read_outputs(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TargetError(
            f"no outputs file at {path}: start `rotativa dev` first, or pass --outputs-file "
            "(or --stack NAME for a deployed stack)"
        ) from None
    except ValueError as exc:
        raise TargetError(f"{path} is not the JSON `rotativa dev` writes: {exc}") from None
    if not isinstance(data, dict):
        raise TargetError(f"{path} is not a JSON object of outputs")
    return {str(k): str(v) for k, v in data.items()}


def outputs_endpoint(outputs: Mapping[str, str]) -> str | None:
    """The endpoint a local stack's Outputs were made on: its queue URLs name it
    (`http://127.0.0.1:4566/123456789012/…`); None for a deployed stack's (AWS hosts)."""
    for name, value in outputs.items():
        if not name.endswith("Url"):
            continue
        parts = urlsplit(value)
        local = parts.hostname and not parts.hostname.endswith(("amazonaws.com", ".com.cn"))
        if parts.scheme in ("http", "https") and local and "/" in parts.path.strip("/"):
            return f"{parts.scheme}://{parts.netloc}"
    return None


def local_endpoint(explicit: str | None = None) -> str:
    """`--endpoint-url`, else AWS_ENDPOINT_URL, else where `rotativa dev` listens by default."""
    return explicit or os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT


def schedule_group_name(template: Mapping[str, Any], context: ResolveContext) -> str | None:
    """The article schedule group's name in the stack `context` describes, from the
    template: its `Name` resolved (an unnamed group is `<stack>-<logical id>`, as the local
    stack names it); None when the template has no such group."""
    definition = (template.get("Resources") or {}).get(SCHEDULE_GROUP)
    if not isinstance(definition, Mapping):
        return None
    name = (definition.get("Properties") or {}).get("Name")
    if name is None:
        return f"{context.stack_name}-{SCHEDULE_GROUP}"
    try:
        where = f"Resources.{SCHEDULE_GROUP}.Properties.Name"
        return scalar_text(resolve(name, context, where=where))
    except TemplateError as exc:
        raise TargetError(f"{SCHEDULE_GROUP}: {exc}") from None


# ---------------------------------------------------------------------------- deployed stacks


@dataclass(frozen=True)
class DeployedStack:
    """What CloudFormation says about a deployed stack of this template."""

    name: str
    region: str
    account_id: str
    parameters: dict[str, str]
    outputs: dict[str, str]
    resources: dict[str, tuple[str, str]]  # logical id → (physical id, resource type)

    @classmethod
    def describe(cls, cloudformation: CloudFormationClient, name: str) -> DeployedStack:
        from botocore.exceptions import ClientError

        try:
            stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
        except ClientError as exc:
            raise TargetError(f"stack {name}: {exc}") from None
        stack = stacks[0]
        resources: dict[str, tuple[str, str]] = {}
        paginator = cloudformation.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=name):
            for item in page.get("StackResourceSummaries", []):
                physical = item.get("PhysicalResourceId")
                if physical:
                    resources[item["LogicalResourceId"]] = (physical, item["ResourceType"])
        return cls(
            name=name,
            region=cloudformation.meta.region_name,
            account_id=stack["StackId"].split(":")[4],
            parameters={
                p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", ""))
                for p in stack.get("Parameters", [])
            },
            outputs={o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
            resources=resources,
        )

    def schedule_group(self, template: Mapping[str, Any] | None) -> str | None:
        """The stack's article schedule group: from its output, else as CloudFormation
        lists it, else as the template names it for this stack; None when none knows one."""
        if SCHEDULE_GROUP_OUTPUT in self.outputs:
            return self.outputs[SCHEDULE_GROUP_OUTPUT]
        listed = self.resources.get(SCHEDULE_GROUP)
        if listed is not None:
            return listed[0]
        if template is None:
            return None
        try:
            context = self.context(template)
        except TemplateError as exc:
            raise TargetError(f"stack {self.name}: {exc}") from None
        return schedule_group_name(template, context)

    def context(
        self,
        template: Mapping[str, Any],
        resources: Mapping[str, PhysicalResource] | None = None,
    ) -> ResolveContext:
        """How the template's intrinsics resolve in this stack (its parameters, and the
        physical resources when given)."""
        declared = template.get("Parameters") or {}
        return ResolveContext.for_template(
            template,
            stack_name=self.name,
            region=self.region,
            account_id=self.account_id,
            parameters={k: v for k, v in self.parameters.items() if k in declared},
            resources=resources,
        )

    def physical_resources(self) -> dict[str, PhysicalResource]:
        """Each resource with the attributes its type's ARN rules give without more calls."""
        found: dict[str, PhysicalResource] = {}
        for logical_id, (physical_id, kind) in self.resources.items():
            found[logical_id] = PhysicalResource(
                logical_id, kind, physical_id, self._attributes(physical_id, kind)
            )
        return found

    def _attributes(self, physical_id: str, kind: str) -> dict[str, Any]:
        partition = "aws-cn" if self.region.startswith("cn-") else "aws"
        where = f"{self.region}:{self.account_id}"
        if kind == "AWS::S3::Bucket":
            return {"Arn": f"arn:{partition}:s3:::{physical_id}"}
        if kind == "AWS::SQS::Queue":
            name = physical_id.rstrip("/").rsplit("/", 1)[-1]
            return {
                "Arn": f"arn:{partition}:sqs:{where}:{name}",
                "QueueName": name,
                "QueueUrl": physical_id,
            }
        if kind == "AWS::DynamoDB::Table":
            return {"Arn": f"arn:{partition}:dynamodb:{where}:table/{physical_id}"}
        if kind == "AWS::Lambda::Function":
            return {"Arn": f"arn:{partition}:lambda:{where}:function:{physical_id}"}
        if kind.startswith("AWS::CloudFront::"):
            return {"Id": physical_id}
        return {}


def deployed_function(
    template: Mapping[str, Any], template_dir: Path, logical_id: str, stack: DeployedStack
) -> FunctionSpec:
    """The template's function as it runs in `stack`: its code from this checkout, its
    environment (SAM's translation, as deployed) resolved against the stack's parameters
    and physical resources."""
    try:
        translated = translate(template, region=stack.region)
        if logical_id not in translated["Resources"]:
            raise TemplateError(f"{logical_id} is not a function of the template")
        resources = stack.physical_resources()
        # The layer runs from this checkout, not from the stack: SAM names a layer's
        # version after a hash of its packaged content (`SharedLayer<hash>`), which a
        # translation here never reproduces, so each layer stands for its own folder.
        for layer in of_type(translated, LAYER):
            arn = f"arn:aws:lambda:{stack.region}:{stack.account_id}:layer:{layer}:checkout"
            resources.setdefault(layer, PhysicalResource(layer, LAYER, arn, {}))
        context = stack.context(translated, resources)
        props = run_properties(translated, logical_id, context)
        physical = stack.resources.get(logical_id, (logical_id, ""))[0]
        layers = layer_folders(translated, context, template_dir)
        return function_spec(logical_id, props, physical, layers, template_dir, [])
    except TemplateError as exc:
        raise TargetError(f"{logical_id}: {exc}") from None
