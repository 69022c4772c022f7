"""Build `template.yaml`'s resources on moto, and describe its functions for a local runner.

`template.yaml` is the single source of truth for the wiring; the local cloud reads it
rather than repeat it, and reads it as AWS does: SAM's translator turns it into
CloudFormation (`template.translate`), and `provision` builds that, resource by resource in
dependency order, each through its module of `local/provision/`, on the boto3 clients it
is given (moto in process, or a moto server). The functions and their event sources come
from the translated `AWS::Lambda::Function` and `AWS::Lambda::EventSourceMapping`
resources (`provision.functions`), so batch sizes, windows and defaults are SAM's and
Lambda's. No resource, queue or function name is written in this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from rotativa_tools.local.provision import Provisioning, create
from rotativa_tools.local.provision.common import AwsClients
from rotativa_tools.local.provision.functions import EventSource, FunctionSpec, function_specs
from rotativa_tools.local.template import (
    NO_VALUE,
    PhysicalResource,
    ResolveContext,
    TemplateError,
    evaluate_condition,
    referenced_names,
    resolve,
    scalar_text,
    translate,
)

if TYPE_CHECKING:
    pass

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "AwsClients",
    "EventSource",
    "FunctionSpec",
    "LocalStack",
    "provision",
]

#: moto's default account: ARNs built here must match the ones moto builds itself.
DEFAULT_ACCOUNT_ID: Final = "123456789012"


@dataclass
class LocalStack:
    """What `provision` built: identities, outputs, functions and what was left out.

    `template` is the CloudFormation it was built from (SAM's translation): what reads the
    stack's roles or mappings reads them there, resolved with `context()`.
    """

    template: dict[str, Any]
    stack_name: str
    region: str
    account_id: str
    parameters: dict[str, str | list[str]]
    resources: dict[str, PhysicalResource]
    outputs: dict[str, str]
    functions: dict[str, FunctionSpec]
    notes: list[str]

    def physical_id(self, logical_id: str) -> str:
        """What `!Ref logical_id` resolves to (a bucket or table name, a queue URL, …)."""
        return self._resource(logical_id).physical_id

    def attribute(self, logical_id: str, name: str) -> Any:
        """What `!GetAtt logical_id.name` resolves to."""
        attributes = self._resource(logical_id).attributes
        if name not in attributes:
            raise KeyError(f"{logical_id} has no attribute {name!r} locally")
        return attributes[name]

    def context(self) -> ResolveContext:
        """How the template's intrinsics resolve in this stack."""
        return ResolveContext.for_template(
            self.template,
            stack_name=self.stack_name,
            region=self.region,
            account_id=self.account_id,
            parameters={
                k: ",".join(v) if isinstance(v, list) else v for k, v in self.parameters.items()
            },
            resources=self.resources,
        )

    def _resource(self, logical_id: str) -> PhysicalResource:
        if logical_id not in self.resources:
            raise KeyError(f"the local stack has no resource {logical_id!r}")
        return self.resources[logical_id]


def provision(
    template: Mapping[str, Any],
    clients: AwsClients,
    *,
    stack_name: str = "rotativa-local",
    parameters: Mapping[str, str] | None = None,
    region: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
    template_dir: Path | None = None,
) -> LocalStack:
    """Translate `template`, create its resources through `clients`, describe its functions.

    `region` defaults to the clients' region; `template_dir` is the folder that CodeUri
    and ContentUri are relative to (left relative when not given). Raises
    `TemplateError` for a template the local cloud cannot honour, before building
    anything when a parameter is wrong.
    """
    region = region or clients.s3.meta.region_name
    translated = translate(template, region=region, parameters=parameters)
    resources: dict[str, PhysicalResource] = {}
    context = ResolveContext.for_template(
        translated,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=parameters,
        resources=resources,
    )
    build = Provisioning(clients, context, template_dir)
    definitions: Mapping[str, Any] = translated["Resources"]
    for logical_id in _creation_order(definitions, context):
        definition = definitions[logical_id]
        where = f"Resources.{logical_id}.Properties"
        props = resolve(definition.get("Properties") or {}, context, where=where)
        resources[logical_id] = create(build, logical_id, str(definition.get("Type")), props)
    return LocalStack(
        template=translated,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=dict(context.parameters),
        resources=resources,
        outputs=_outputs(translated.get("Outputs") or {}, context),
        functions=function_specs(translated, context, template_dir, build.notes),
        notes=build.notes,
    )


def _creation_order(resources: Mapping[str, Any], context: ResolveContext) -> list[str]:
    """Resource ids whose Condition holds, each after everything it refers to or DependsOn.

    Template order is kept wherever dependencies allow, so runs are reproducible.
    """
    wanted = [
        logical_id
        for logical_id, definition in resources.items()
        if "Condition" not in definition or evaluate_condition(definition["Condition"], context)
    ]
    edges: dict[str, list[str]] = {}
    for logical_id in wanted:
        definition = resources[logical_id]
        names = referenced_names(definition.get("Properties") or {})
        depends_on = definition.get("DependsOn") or []
        names |= {depends_on} if isinstance(depends_on, str) else set(depends_on)
        edges[logical_id] = [name for name in wanted if name in names and name != logical_id]

    order: list[str] = []
    state: dict[str, str] = {}

    def visit(logical_id: str, path: list[str]) -> None:
        if state.get(logical_id) == "done":
            return
        if state.get(logical_id) == "visiting":
            cycle = " -> ".join([*path[path.index(logical_id) :], logical_id])
            raise TemplateError(f"circular dependency between resources: {cycle}")
        state[logical_id] = "visiting"
        for dependency in edges[logical_id]:
            visit(dependency, [*path, logical_id])
        state[logical_id] = "done"
        order.append(logical_id)

    for logical_id in wanted:
        visit(logical_id, [])
    return order


def _outputs(outputs: Mapping[str, Any], context: ResolveContext) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, output in outputs.items():
        if "Condition" in output and not evaluate_condition(output["Condition"], context):
            continue
        value = resolve(output["Value"], context, where=f"Outputs.{name}.Value")
        if value is NO_VALUE:
            continue
        values[name] = (
            ",".join(map(scalar_text, value)) if isinstance(value, list) else scalar_text(value)
        )
    return values
