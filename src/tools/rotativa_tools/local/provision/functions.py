"""AWS::Lambda::Function, LayerVersion and EventSourceMapping, as the local runner needs them.

Nothing is created on moto: the pump (`local.pump`) is the local Lambda. It reads what SAM's
translation says Lambda gets: each function's code, handler and environment (Globals
merged by SAM, not here), and each event source mapping's batch size, batching window,
filters, partial batch responses, retries and on-failure destination. What the mapping
leaves out is what Lambda defaults to (`_LAMBDA_DEFAULTS`), so the pump behaves as AWS.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from rotativa_tools.local.provision.common import Identity, Provisioning, truthy
from rotativa_tools.local.template import (
    LOCAL_CODE_BUCKET,
    NO_VALUE,
    PhysicalResource,
    ResolveContext,
    TemplateError,
    of_type,
    resolve,
    scalar_text,
)

FUNCTION: Final = "AWS::Lambda::Function"
LAYER: Final = "AWS::Lambda::LayerVersion"
MAPPING: Final = "AWS::Lambda::EventSourceMapping"

#: What Lambda uses when an event source mapping leaves a property out, by source kind
#: (AWS::Lambda::EventSourceMapping in the CloudFormation reference).
_LAMBDA_DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "SQS": {"BatchSize": 10, "MaximumBatchingWindowInSeconds": 0},
    "DynamoDB": {
        "BatchSize": 100,
        "MaximumBatchingWindowInSeconds": 0,
        "MaximumRetryAttempts": -1,  # until the record expires from the stream
        "BisectBatchOnFunctionError": False,
    },
}
#: What a function's runner reads; the rest (Role, Tags, TracingConfig) stays unresolved,
#: so a deployed stack whose roles this checkout cannot name still runs the function.
RUN_PROPERTIES: Final = (
    "Code",
    "Handler",
    "Runtime",
    "Timeout",
    "MemorySize",
    "Environment",
    "Layers",
)
#: Lambda's own defaults for a function's timeout (s) and memory (MB).
_DEFAULT_TIMEOUT: Final = 3
_DEFAULT_MEMORY: Final = 128


@dataclass(frozen=True)
class EventSource:
    """One event source mapping of a function, as the local runner must poll and deliver it.

    The fields are the mapping's properties, Lambda's defaults filled in, so the runner
    honours batch sizes, batching windows, filters, partial batch responses and the
    on-failure destination the way AWS does.
    """

    name: str
    kind: Literal["SQS", "DynamoDB"]
    source_arn: str
    batch_size: int
    batching_window_seconds: int = 0
    report_batch_item_failures: bool = False
    filter_patterns: list[dict[str, Any]] = field(default_factory=list)
    enabled: bool = True
    queue_url: str | None = None
    stream_arn: str | None = None
    table_name: str | None = None
    starting_position: str | None = None
    maximum_retry_attempts: int | None = None
    bisect_on_error: bool = False
    on_failure_arn: str | None = None
    on_failure_queue_url: str | None = None

    @property
    def queue_arn(self) -> str | None:
        return self.source_arn if self.kind == "SQS" else None


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the stack as a local runner needs it: code, handler, settings.

    `code_uri` and `layers` are the folders to put on `sys.path` (a layer built with
    BuildMethod python is importable from its content folder as it is); `environment` is
    the translated function's variables (Globals merged by SAM), every intrinsic resolved.
    """

    logical_id: str
    function_name: str
    code_uri: Path
    handler: str
    runtime: str | None
    layers: list[Path]
    timeout: int
    memory: int
    environment: dict[str, str]
    events: list[EventSource]

    @property
    def handler_module(self) -> str:
        return self.handler.rsplit(".", 1)[0]

    @property
    def handler_function(self) -> str:
        return self.handler.rsplit(".", 1)[1]


# ---------------------------------------------------------------------------- identities


def function(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    name = p.name(props, "FunctionName", logical_id)
    return name, {"Arn": p.arn("lambda", f"function:{name}")}


def layer(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    arn = p.arn("lambda", f"layer:{p.name(props, 'LayerName', logical_id)}:1")
    return arn, {"LayerVersionArn": arn}


def event_source_mapping(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:  # noqa: ARG001 - one signature
    uuid = p.suffix(logical_id, 32).lower()
    return f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}", {}


# ---------------------------------------------------------------------------- specs


def function_specs(
    translated: Mapping[str, Any],
    context: ResolveContext,
    template_dir: Path | None,
    notes: list[str],
) -> dict[str, FunctionSpec]:
    """Every function the stack built, with its event sources, resolved in `context`."""
    resources = context.resources
    built = [logical_id for logical_id in of_type(translated, FUNCTION) if logical_id in resources]
    events: dict[str, list[EventSource]] = {logical_id: [] for logical_id in built}
    for mapping_id, definition in of_type(translated, MAPPING).items():
        if mapping_id not in resources:
            continue
        props = resolve(definition.get("Properties") or {}, context, where=mapping_id)
        named = props["FunctionName"]
        owner = next(
            (
                f
                for f in built
                if named in (resources[f].physical_id, resources[f].attributes["Arn"])
            ),
            None,
        )
        if owner is None:
            raise TemplateError(f"{mapping_id}: {named} is not a function of the stack")
        source = event_source(mapping_id, mapping_id.removeprefix(owner), props, resources)
        if source is None:
            notes.append(f"{mapping_id}: {props['EventSourceArn']} is not delivered locally")
        else:
            events[owner].append(source)
    folders = layer_folders(translated, context, template_dir)
    specs = {}
    for logical_id in built:
        name = resources[logical_id].physical_id
        props = run_properties(translated, logical_id, context)
        specs[logical_id] = function_spec(
            logical_id, props, name, folders, template_dir, events[logical_id]
        )
    return specs


def run_properties(
    translated: Mapping[str, Any], logical_id: str, context: ResolveContext
) -> dict[str, Any]:
    """The translated function's RUN_PROPERTIES, resolved in `context`."""
    definition = translated["Resources"][logical_id]
    if definition.get("Type") != FUNCTION:
        raise TemplateError(f"{logical_id} is not a function of the template")
    props = definition.get("Properties") or {}
    wanted = {key: props[key] for key in RUN_PROPERTIES if key in props}
    resolved: dict[str, Any] = resolve(wanted, context, where=f"Resources.{logical_id}.Properties")
    return resolved


def function_spec(
    logical_id: str,
    props: Mapping[str, Any],
    function_name: str,
    layers: Mapping[str, Path],
    template_dir: Path | None,
    events: list[EventSource],
) -> FunctionSpec:
    """The translated function `logical_id` (its properties resolved) for the runner."""
    code = props.get("Code") or {}
    if code.get("S3Bucket") != LOCAL_CODE_BUCKET or "Handler" not in props:
        raise TemplateError(f"{logical_id}: needs a local CodeUri folder and a Handler to run")
    environment: dict[str, str] = {}
    for name, value in ((props.get("Environment") or {}).get("Variables") or {}).items():
        if isinstance(value, (dict, list)):
            raise TemplateError(f"{logical_id}: environment variable {name} is {value!r}")
        if value is not NO_VALUE:
            environment[str(name)] = scalar_text(value)
    wanted = list(props.get("Layers") or [])
    missing = [arn for arn in wanted if arn not in layers]
    if missing:
        raise TemplateError(f"{logical_id}: layers {missing} are not folders of the template")
    return FunctionSpec(
        logical_id=logical_id,
        function_name=function_name,
        code_uri=_folder(template_dir, str(code["S3Key"])),
        handler=str(props["Handler"]),
        runtime=props.get("Runtime"),
        layers=[layers[arn] for arn in wanted],
        timeout=int(props.get("Timeout", _DEFAULT_TIMEOUT)),
        memory=int(props.get("MemorySize", _DEFAULT_MEMORY)),
        environment=environment,
        events=events,
    )


def layer_folders(
    translated: Mapping[str, Any], context: ResolveContext, template_dir: Path | None
) -> dict[str, Path]:
    """Each layer's version ARN in `context` (a local stack or a deployed one) → its folder."""
    folders: dict[str, Path] = {}
    for logical_id, definition in of_type(translated, LAYER).items():
        content = (definition.get("Properties") or {}).get("Content") or {}
        if logical_id in context.resources and content.get("S3Bucket") == LOCAL_CODE_BUCKET:
            arn = context.resources[logical_id].physical_id
            folders[arn] = _folder(template_dir, str(content["S3Key"]))
    return folders


def event_source(
    mapping_id: str,
    name: str,
    props: Mapping[str, Any],
    resources: Mapping[str, PhysicalResource],
) -> EventSource | None:
    """The mapping's source as the pump polls it, Lambda's defaults filled in; None for
    a kind of source the pump does not poll (Kinesis, MQ, Kafka)."""
    arn = str(props["EventSourceArn"])
    queue = _owner(resources, "AWS::SQS::Queue", "Arn", arn)
    table = _owner(resources, "AWS::DynamoDB::Table", "StreamArn", arn)
    if queue is None and table is None:
        if arn.split(":")[2:3] in (["sqs"], ["dynamodb"]):
            raise TemplateError(
                f"{mapping_id}: event source {arn!r} is not a queue or stream of this "
                "template, so the local cloud cannot deliver it"
            )
        return None
    kind: Literal["SQS", "DynamoDB"] = "SQS" if queue is not None else "DynamoDB"
    settings = {**_LAMBDA_DEFAULTS[kind], **props}
    common: dict[str, Any] = {
        "name": name or mapping_id,
        "kind": kind,
        "source_arn": arn,
        "batch_size": int(settings["BatchSize"]),
        "batching_window_seconds": int(settings["MaximumBatchingWindowInSeconds"]),
        "report_batch_item_failures": "ReportBatchItemFailures"
        in (props.get("FunctionResponseTypes") or []),
        "filter_patterns": [
            json.loads(f["Pattern"]) if isinstance(f["Pattern"], str) else f["Pattern"]
            for f in (props.get("FilterCriteria") or {}).get("Filters") or []
        ],
        "enabled": truthy(props.get("Enabled", True)),
    }
    if queue is not None:
        return EventSource(queue_url=queue.physical_id, **common)
    assert table is not None
    on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    failure_queue = _owner(resources, "AWS::SQS::Queue", "Arn", on_failure) if on_failure else None
    retries = int(settings["MaximumRetryAttempts"])
    return EventSource(
        stream_arn=arn,
        table_name=table.physical_id,
        starting_position=props.get("StartingPosition"),
        maximum_retry_attempts=None if retries < 0 else retries,
        bisect_on_error=truthy(settings["BisectBatchOnFunctionError"]),
        on_failure_arn=on_failure,
        on_failure_queue_url=failure_queue.physical_id if failure_queue else None,
        **common,
    )


def _owner(
    resources: Mapping[str, PhysicalResource], resource_type: str, attribute: str, value: Any
) -> PhysicalResource | None:
    return next(
        (
            r
            for r in resources.values()
            if r.resource_type == resource_type and r.attributes.get(attribute) == value
        ),
        None,
    )


def _folder(template_dir: Path | None, folder: str) -> Path:
    return template_dir / folder if template_dir is not None else Path(folder)
