"""Build `template.yaml`'s resources on moto, and describe its functions for a local runner.

DESIGN.md makes `template.yaml` the single source of truth for the wiring; the local cloud
must therefore read it rather than repeat it. `provision` walks the template's resources
in dependency order and creates, through the boto3 clients it is given (moto's in-process
mock or a moto server), what moto can emulate: buckets with their versioning, lifecycle and
notifications, queues with their redrive policies, the table with its stream, the
distribution, log groups with their retention, the alarm topic and the alarms. What moto
cannot emulate (CloudFront functions, origin access controls, response headers policies,
IAM roles, layers, Lambda functions themselves) gets a stable made-up identity so
references to it still resolve, and a note says so. Functions are read from the raw SAM
shapes (Globals, Events) into `FunctionSpec`s, every intrinsic resolved, for the runner
that delivers events to the handlers. No resource, queue or function name is written in this module.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from botocore.exceptions import ClientError

from rotativa_tools.local.template import (
    NO_VALUE,
    PhysicalResource,
    ResolveContext,
    TemplateError,
    evaluate_condition,
    is_intrinsic,
    referenced_names,
    resolve,
    scalar_text,
)

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "AwsClients",
    "EventSource",
    "FunctionSpec",
    "LocalStack",
    "merge_globals",
    "provision",
]

#: moto's default account: ARNs built here must match the ones moto builds itself.
DEFAULT_ACCOUNT_ID: Final = "123456789012"

_FUNCTION_TYPE: Final = "AWS::Serverless::Function"
_LAYER_TYPES: Final = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")


@dataclass(frozen=True)
class AwsClients:
    """The clients the local cloud needs, all pointed at the same (moto) endpoint.

    `logs`, `sns` and `cloudwatch` only provision (log groups, the alarm topic, alarms):
    when not given, `provision` makes them in the same region, on the endpoint that
    AWS_ENDPOINT_URL names (as `prepare_environment` sets it for a moto server).
    """

    s3: S3Client
    sqs: SQSClient
    dynamodb: DynamoDBClient
    cloudfront: CloudFrontClient
    scheduler: EventBridgeSchedulerClient
    logs: Any = None
    sns: Any = None
    cloudwatch: Any = None

    @classmethod
    def create(cls, region: str, *, endpoint_url: str | None = None) -> AwsClients:
        """Clients for `region`; `endpoint_url` points them at a moto server."""
        import boto3

        session = boto3.session.Session(region_name=region)
        return cls(
            s3=session.client("s3", endpoint_url=endpoint_url),
            sqs=session.client("sqs", endpoint_url=endpoint_url),
            dynamodb=session.client("dynamodb", endpoint_url=endpoint_url),
            cloudfront=session.client("cloudfront", endpoint_url=endpoint_url),
            scheduler=session.client("scheduler", endpoint_url=endpoint_url),
            logs=session.client("logs", endpoint_url=endpoint_url),
            sns=session.client("sns", endpoint_url=endpoint_url),
            cloudwatch=session.client("cloudwatch", endpoint_url=endpoint_url),
        )

    def provisioning_client(self, service: Literal["logs", "sns", "cloudwatch"]) -> Any:
        """The given client for `service`, or one in the S3 client's region."""
        given = getattr(self, service)
        if given is not None:
            return given
        import boto3

        return boto3.session.Session(region_name=self.s3.meta.region_name).client(service)


@dataclass(frozen=True)
class EventSource:
    """One SAM event of a function, as the local runner must poll and deliver it.

    The fields mirror the event source mapping Lambda would create, so the runner can
    honour batch sizes, batching windows, filters, partial batch responses and the
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
    """A function of the template as a local runner needs it: code, handler, settings.

    `code_uri` and `layers` are the folders to put on `sys.path` (a layer built with
    BuildMethod python is importable from its content folder as it is); `environment`
    is Globals merged with the function's own variables, every intrinsic resolved.
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


@dataclass
class LocalStack:
    """What `provision` built: identities, outputs, functions and what was left out."""

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
    """Create the template's resources through `clients` and describe its functions.

    `region` defaults to the clients' region; `template_dir` is the folder that CodeUri
    and ContentUri are relative to (left relative when not given). Raises
    `TemplateError` for a template the local cloud cannot honour.
    """
    region = region or clients.s3.meta.region_name
    resources: dict[str, PhysicalResource] = {}
    context = ResolveContext.for_template(
        template,
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=parameters,
        resources=resources,
    )
    build = _Build(
        clients=clients,
        context=context,
        resources=resources,
        template_dir=template_dir,
        globals_function=(template.get("Globals") or {}).get("Function") or {},
    )
    template_resources: Mapping[str, Any] = template["Resources"]
    for logical_id in _creation_order(template_resources, build.globals_function, context):
        definition = template_resources[logical_id]
        build.create(logical_id, definition)

    functions = {
        logical_id: build.function_spec(logical_id, definition)
        for logical_id, definition in template_resources.items()
        if logical_id in resources and definition["Type"] == _FUNCTION_TYPE
    }
    return LocalStack(
        stack_name=stack_name,
        region=region,
        account_id=account_id,
        parameters=dict(context.parameters),
        resources=resources,
        outputs=_outputs(template.get("Outputs") or {}, context),
        functions=functions,
        notes=build.notes,
    )


# ---------------------------------------------------------------------------- ordering


def _creation_order(
    resources: Mapping[str, Any], globals_function: Mapping[str, Any], context: ResolveContext
) -> list[str]:
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
        scanned: list[Any] = [definition.get("Properties") or {}]
        if definition.get("Type") == _FUNCTION_TYPE:
            scanned.append(globals_function)
        names: set[str] = set()
        for part in scanned:
            names |= referenced_names(part)
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


# ---------------------------------------------------------------------------- building


@dataclass
class _Build:
    clients: AwsClients
    context: ResolveContext
    resources: dict[str, PhysicalResource]
    template_dir: Path | None
    globals_function: Mapping[str, Any]
    notes: list[str] = field(default_factory=list)
    layer_dirs: dict[str, Path] = field(default_factory=dict)

    # -- helpers

    @property
    def stack_name(self) -> str:
        return self.context.stack_name

    @property
    def region(self) -> str:
        return self.context.region

    @property
    def account_id(self) -> str:
        return self.context.account_id

    @property
    def partition(self) -> str:
        return self.context.partition

    def resolve(self, value: Any, where: str) -> Any:
        return resolve(value, self.context, where=where)

    def path(self, uri: Any, where: str) -> Path:
        if not isinstance(uri, str):
            raise TemplateError(f"{where} must be a local folder to run locally, got {uri!r}")
        return self.template_dir / uri if self.template_dir is not None else Path(uri)

    def suffix(self, logical_id: str, length: int = 12) -> str:
        """A stable stand-in for CloudFormation's random name suffix."""
        seed = f"{self.account_id}/{self.region}/{self.stack_name}/{logical_id}"
        return hashlib.sha256(seed.encode()).hexdigest()[:length].upper()

    def ignore(self, logical_id: str, props: Mapping[str, Any], handled: set[str]) -> None:
        for name in sorted(set(props) - handled - {"Tags"}):
            self.notes.append(f"{logical_id}: property {name} is not emulated locally")

    def register(
        self,
        logical_id: str,
        resource_type: str,
        physical_id: str,
        attributes: Mapping[str, Any] | None = None,
        *,
        emulated: bool = True,
    ) -> None:
        self.resources[logical_id] = PhysicalResource(
            logical_id, resource_type, physical_id, dict(attributes or {}), emulated
        )

    # -- dispatch

    def create(self, logical_id: str, definition: Mapping[str, Any]) -> None:
        resource_type = str(definition.get("Type"))
        raw = definition.get("Properties") or {}
        creator = _CREATORS.get(resource_type)
        if creator is not None:
            props = self.resolve(raw, f"Resources.{logical_id}.Properties")
            creator(self, logical_id, props)
            return
        stand_in = _STAND_INS.get(resource_type)
        if stand_in is None:
            self.notes.append(
                f"{logical_id}: {resource_type} is not emulated locally; references to it "
                "resolve to a made-up name"
            )
            self.register(
                logical_id, resource_type, f"{self.stack_name}-{logical_id}", emulated=False
            )
            return
        reason, identity = stand_in
        physical_id, attributes = identity(self, logical_id, raw)
        self.register(logical_id, resource_type, physical_id, attributes, emulated=False)
        if reason:
            self.notes.append(f"{logical_id}: {resource_type} {reason}")

    # -- S3

    def bucket(self, logical_id: str, props: Mapping[str, Any]) -> None:
        name = props.get("BucketName") or _bucket_name(
            self.stack_name, logical_id, self.suffix(logical_id).lower()
        )
        s3 = self.clients.s3
        try:
            if self.region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(
                    Bucket=name,
                    CreateBucketConfiguration={"LocationConstraint": self.region},  # type: ignore[typeddict-item]
                )
        except ClientError as error:
            if _code(error) != "BucketAlreadyOwnedByYou":
                raise
        if "VersioningConfiguration" in props:
            s3.put_bucket_versioning(
                Bucket=name,
                VersioningConfiguration={"Status": props["VersioningConfiguration"]["Status"]},
            )
        if "LifecycleConfiguration" in props:
            # moto keeps the rules (GetBucketLifecycleConfiguration answers them) but never
            # expires anything: locally, old versions stay until the moto server stops.
            lifecycle: Any = {
                "Rules": [_lifecycle_rule(r) for r in props["LifecycleConfiguration"]["Rules"]]
            }
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration=lifecycle)
        if "BucketEncryption" in props:
            encryption: Any = {
                "Rules": [
                    _encryption_rule(rule)
                    for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
                ]
            }
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=encryption)
        if "PublicAccessBlockConfiguration" in props:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"],
            )
        if "OwnershipControls" in props:
            s3.put_bucket_ownership_controls(
                Bucket=name, OwnershipControls=props["OwnershipControls"]
            )
        if "NotificationConfiguration" in props:
            configuration = self.notification_configuration(
                logical_id, props["NotificationConfiguration"]
            )
            s3.put_bucket_notification_configuration(
                Bucket=name,
                NotificationConfiguration=configuration,  # type: ignore[arg-type]
            )
        self.ignore(
            logical_id,
            props,
            {
                "BucketName",
                "VersioningConfiguration",
                "LifecycleConfiguration",
                "BucketEncryption",
                "PublicAccessBlockConfiguration",
                "OwnershipControls",
                "NotificationConfiguration",
            },
        )
        host = f"{name}.s3.{self.region}.{self.context.url_suffix}"
        self.register(
            logical_id,
            "AWS::S3::Bucket",
            name,
            {
                "Arn": f"arn:{self.partition}:s3:::{name}",
                "DomainName": f"{name}.s3.{self.context.url_suffix}",
                "RegionalDomainName": host,
                "DualStackDomainName": f"{name}.s3.dualstack.{self.region}.amazonaws.com",
                "WebsiteURL": f"http://{name}.s3-website.{self.region}.amazonaws.com",
            },
        )

    def notification_configuration(
        self, logical_id: str, config: Mapping[str, Any]
    ) -> dict[str, Any]:
        """CloudFormation's notification shape in the S3 API's, queues only.

        moto delivers S3 events to SQS; topics and Lambda targets are not part of the
        local cloud, so they are left out with a note rather than silently lost.
        """
        queues = [
            {"QueueArn": item["Queue"], "Events": [item["Event"]], **_s3_filter(item)}
            for item in config.get("QueueConfigurations") or []
        ]
        for unsupported in ("TopicConfigurations", "LambdaConfigurations"):
            if config.get(unsupported):
                self.notes.append(
                    f"{logical_id}: NotificationConfiguration.{unsupported} are not delivered "
                    "locally"
                )
        api: dict[str, Any] = {"QueueConfigurations": queues}
        if "EventBridgeConfiguration" in config:
            api["EventBridgeConfiguration"] = {}
        return api

    def bucket_policy(self, logical_id: str, props: Mapping[str, Any]) -> None:
        """Apply the policy less its conditional Deny statements.

        moto evaluates bucket policies on object requests but skips condition operators
        it does not know (all but StringEquals), so `Deny … if aws:SecureTransport is
        false` would deny every request. Conditional denies guard the wire, not the
        logic under test, so they are left out locally, with a note.
        """
        bucket = props["Bucket"]
        document = dict(props["PolicyDocument"])
        statements = document.get("Statement") or []
        if isinstance(statements, dict):
            statements = [statements]
        kept = []
        for index, statement in enumerate(statements):
            if statement.get("Effect") == "Deny" and statement.get("Condition"):
                label = statement.get("Sid", f"#{index}")
                self.notes.append(
                    f"{logical_id}: conditional Deny statement {label} is not applied locally "
                    "(moto would apply it unconditionally)"
                )
            else:
                kept.append(statement)
        if kept:
            document["Statement"] = kept
            self.clients.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(document))
        self.register(logical_id, "AWS::S3::BucketPolicy", bucket)

    # -- SQS

    def queue(self, logical_id: str, props: Mapping[str, Any]) -> None:
        fifo = _truthy(props.get("FifoQueue", False))
        name = props.get("QueueName") or f"{self.stack_name}-{logical_id}"
        if fifo and not name.endswith(".fifo"):
            name += ".fifo"
        attributes = {
            key: json.dumps(value) if isinstance(value, dict) else scalar_text(value)
            for key, value in props.items()
            if key in _QUEUE_ATTRIBUTES
        }
        url = self.clients.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]  # type: ignore[arg-type]
        arn = self.clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.ignore(logical_id, props, {*_QUEUE_ATTRIBUTES, "QueueName"})
        self.register(
            logical_id,
            "AWS::SQS::Queue",
            url,
            {"Arn": arn, "QueueName": name, "QueueUrl": url},
        )

    def queue_policy(self, logical_id: str, props: Mapping[str, Any]) -> None:
        policy = json.dumps(props["PolicyDocument"])
        for url in props["Queues"]:
            self.clients.sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        self.register(logical_id, "AWS::SQS::QueuePolicy", f"{self.stack_name}-{logical_id}")

    # -- EventBridge Scheduler (moto keeps schedules; the local cloud's clock fires them)

    def schedule_group(self, logical_id: str, props: Mapping[str, Any]) -> None:
        scheduler = self.clients.scheduler
        name = props.get("Name") or f"{self.stack_name}-{logical_id}"
        try:
            arn = scheduler.create_schedule_group(Name=name)["ScheduleGroupArn"]
        except ClientError as exc:  # provisioned before: the same group
            if exc.response.get("Error", {}).get("Code") != "ConflictException":
                raise
            arn = scheduler.get_schedule_group(Name=name)["Arn"]
        self.ignore(logical_id, props, {"Name"})
        self.register(logical_id, "AWS::Scheduler::ScheduleGroup", name, {"Arn": arn})

    def schedule(self, logical_id: str, props: Mapping[str, Any]) -> None:
        scheduler = self.clients.scheduler
        name = props.get("Name") or f"{self.stack_name}-{logical_id}"
        wanted = ("Description", "GroupName", "ScheduleExpression", "ScheduleExpressionTimezone",
                  "FlexibleTimeWindow", "Target", "State", "StartDate", "EndDate")  # fmt: skip
        request = {key: props[key] for key in wanted if key in props}
        try:
            arn = scheduler.create_schedule(Name=name, **request)["ScheduleArn"]
        except ClientError as exc:  # provisioned before: bring it in line with the template
            if exc.response.get("Error", {}).get("Code") != "ConflictException":
                raise
            arn = scheduler.update_schedule(Name=name, **request)["ScheduleArn"]
        self.ignore(logical_id, props, {"Name", *wanted})
        self.register(logical_id, "AWS::Scheduler::Schedule", name, {"Arn": arn})

    # -- CloudWatch Logs, SNS and CloudWatch alarms (kept by moto, never acted upon)

    def log_group(self, logical_id: str, props: Mapping[str, Any]) -> None:
        """The log group with its retention. Locally the functions log to the terminal:
        the group exists so that what reads the stack (and the roles' ARNs) finds it."""
        logs = self.clients.provisioning_client("logs")
        name = props.get("LogGroupName") or f"/aws/cloudformation/{self.stack_name}-{logical_id}"
        try:
            logs.create_log_group(logGroupName=name)
        except ClientError as error:
            if _code(error) != "ResourceAlreadyExistsException":
                raise
        if "RetentionInDays" in props:
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=int(props["RetentionInDays"])
            )
        else:
            logs.delete_retention_policy(logGroupName=name)
        self.ignore(logical_id, props, {"LogGroupName", "RetentionInDays"})
        arn = f"arn:{self.partition}:logs:{self.region}:{self.account_id}:log-group:{name}"
        # CloudFormation's Arn attribute ends in `:*` (the group's streams): roles use it.
        self.register(logical_id, "AWS::Logs::LogGroup", name, {"Arn": f"{arn}:*"})

    def topic(self, logical_id: str, props: Mapping[str, Any]) -> None:
        """The topic (Ref is its ARN, as in CloudFormation); moto accepts publishes and
        keeps them, nobody is e-mailed."""
        sns = self.clients.provisioning_client("sns")
        name = props.get("TopicName") or f"{self.stack_name}-{logical_id}-{self.suffix(logical_id)}"
        attributes = {
            key: scalar_text(props[key])
            for key in ("DisplayName", "KmsMasterKeyId")
            if key in props
        }
        arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        self.ignore(logical_id, props, {"TopicName", "DisplayName", "KmsMasterKeyId"})
        self.register(logical_id, "AWS::SNS::Topic", arn, {"TopicArn": arn, "TopicName": name})

    def subscription(self, logical_id: str, props: Mapping[str, Any]) -> None:
        """Subscribed on moto, where an e-mail subscription stays pending and sends nothing."""
        sns = self.clients.provisioning_client("sns")
        arn = sns.subscribe(
            TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"]
        ).get("SubscriptionArn", f"{props['TopicArn']}:pending")
        self.ignore(logical_id, props, {"TopicArn", "Protocol", "Endpoint"})
        self.register(logical_id, "AWS::SNS::Subscription", arn)

    def alarm(self, logical_id: str, props: Mapping[str, Any]) -> None:
        """The alarm as declared; moto stores it and keeps it in INSUFFICIENT_DATA (it
        evaluates no metric), so locally `rotativa status` is what tells dead letters."""
        cloudwatch = self.clients.provisioning_client("cloudwatch")
        name = props.get("AlarmName") or f"{self.stack_name}-{logical_id}-{self.suffix(logical_id)}"
        request: dict[str, Any] = {"AlarmName": name}
        for key in ("AlarmDescription", "Namespace", "MetricName", "Statistic",
                    "ComparisonOperator", "TreatMissingData", "Unit",
                    "ExtendedStatistic", "EvaluateLowSampleCountPercentile"):  # fmt: skip
            if key in props:
                request[key] = scalar_text(props[key])
        for key in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
            if key in props:
                request[key] = int(props[key])
        if "Threshold" in props:
            request["Threshold"] = float(props["Threshold"])
        for key in ("AlarmActions", "OKActions", "InsufficientDataActions", "Dimensions"):
            if key in props:
                request[key] = list(props[key])
        if "ActionsEnabled" in props:
            request["ActionsEnabled"] = _truthy(props["ActionsEnabled"])
        cloudwatch.put_metric_alarm(**request)
        self.ignore(logical_id, props, set(request))
        arn = f"arn:{self.partition}:cloudwatch:{self.region}:{self.account_id}:alarm:{name}"
        self.register(logical_id, "AWS::CloudWatch::Alarm", name, {"Arn": arn})

    # -- DynamoDB

    def table(self, logical_id: str, props: Mapping[str, Any]) -> None:
        dynamodb = self.clients.dynamodb
        name = props.get("TableName") or f"{self.stack_name}-{logical_id}-{self.suffix(logical_id)}"
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
            request["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": props["StreamSpecification"]["StreamViewType"],
            }
        if "SSESpecification" in props:
            sse = props["SSESpecification"]
            request["SSESpecification"] = {
                "Enabled": _truthy(sse.get("SSEEnabled", False)),
                **({"SSEType": sse["SSEType"]} if "SSEType" in sse else {}),
                **({"KMSMasterKeyId": sse["KMSMasterKeyId"]} if "KMSMasterKeyId" in sse else {}),
            }
        if "DeletionProtectionEnabled" in props:
            request["DeletionProtectionEnabled"] = _truthy(props["DeletionProtectionEnabled"])
        if "TableClass" in props:
            request["TableClass"] = props["TableClass"]
        try:
            dynamodb.create_table(**request)
        except ClientError as error:
            if _code(error) != "ResourceInUseException":
                raise
        pitr = props.get("PointInTimeRecoverySpecification") or {}
        if _truthy(pitr.get("PointInTimeRecoveryEnabled", False)):
            dynamodb.update_continuous_backups(
                TableName=name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        ttl = props.get("TimeToLiveSpecification")
        if ttl and _truthy(ttl.get("Enabled", False)):
            dynamodb.update_time_to_live(
                TableName=name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        self.ignore(
            logical_id,
            props,
            {
                *request,
                "PointInTimeRecoverySpecification",
                "TimeToLiveSpecification",
            },
        )
        description = dynamodb.describe_table(TableName=name)["Table"]
        attributes: dict[str, Any] = {"Arn": description["TableArn"]}
        if "LatestStreamArn" in description:
            attributes["StreamArn"] = description["LatestStreamArn"]
        self.register(logical_id, "AWS::DynamoDB::Table", name, attributes)

    # -- CloudFront

    def distribution(self, logical_id: str, props: Mapping[str, Any]) -> None:
        config = props["DistributionConfig"]
        reference = f"{self.stack_name}-{logical_id}"
        cloudfront = self.clients.cloudfront
        try:
            created = cloudfront.create_distribution(
                DistributionConfig=self.distribution_config(logical_id, config, reference)  # type: ignore[arg-type]
            )["Distribution"]
            distribution_id, domain = created["Id"], created["DomainName"]
        except ClientError as error:
            if _code(error) != "DistributionAlreadyExists":
                raise
            distribution_id, domain = self.existing_distribution(reference)
        self.register(
            logical_id,
            "AWS::CloudFront::Distribution",
            distribution_id,
            {"Id": distribution_id, "DomainName": domain},
        )

    def distribution_config(
        self, logical_id: str, config: Mapping[str, Any], reference: str
    ) -> dict[str, Any]:
        """The part of the distribution moto keeps: origins, default behaviour, errors.

        Enough for CreateInvalidation and GetDistribution to work against a real id.
        """
        origins = [_origin(origin) for origin in config["Origins"]]
        api: dict[str, Any] = {
            "CallerReference": reference,
            "Comment": config.get("Comment", ""),
            "Enabled": _truthy(config.get("Enabled", True)),
            "Origins": {"Quantity": len(origins), "Items": origins},
            "DefaultCacheBehavior": _cache_behavior(config["DefaultCacheBehavior"]),
        }
        for cfn_key, api_key in (
            ("DefaultRootObject", "DefaultRootObject"),
            ("PriceClass", "PriceClass"),
            ("HttpVersion", "HttpVersion"),
            ("IPV6Enabled", "IsIPV6Enabled"),
        ):
            if cfn_key in config:
                api[api_key] = config[cfn_key]
        errors = [_error_response(item) for item in config.get("CustomErrorResponses") or []]
        if errors:
            api["CustomErrorResponses"] = {"Quantity": len(errors), "Items": errors}
        behaviors = [
            {"PathPattern": item["PathPattern"], **_cache_behavior(item)}
            for item in config.get("CacheBehaviors") or []
        ]
        if behaviors:  # /media/* and its headers: kept, so GetDistribution shows them
            api["CacheBehaviors"] = {"Quantity": len(behaviors), "Items": behaviors}
        handled = {
            "CacheBehaviors",
            "Comment",
            "Enabled",
            "Origins",
            "DefaultCacheBehavior",
            "DefaultRootObject",
            "PriceClass",
            "HttpVersion",
            "IPV6Enabled",
            "CustomErrorResponses",
        }
        for name in sorted(set(config) - handled):
            self.notes.append(f"{logical_id}: DistributionConfig.{name} is not emulated locally")
        return api

    def existing_distribution(self, reference: str) -> tuple[str, str]:
        """The distribution an earlier run created with `reference` (a persistent moto)."""
        cloudfront = self.clients.cloudfront
        listing = cloudfront.list_distributions()["DistributionList"]
        for summary in listing.get("Items") or []:
            config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
            if config["CallerReference"] == reference:
                return summary["Id"], summary["DomainName"]
        raise TemplateError(f"distribution with caller reference {reference} vanished")

    # -- functions

    def function_spec(self, logical_id: str, definition: Mapping[str, Any]) -> FunctionSpec:
        where = f"Resources.{logical_id}.Properties"
        raw = merge_globals(self.globals_function, definition.get("Properties") or {})
        relevant = {
            key: raw[key]
            for key in ("CodeUri", "Handler", "Runtime", "Timeout", "MemorySize", "Layers")
            if key in raw
        }
        props = self.resolve(relevant, where)
        if "CodeUri" not in props or "Handler" not in props:
            raise TemplateError(f"{logical_id}: needs a CodeUri folder and a Handler to run")
        variables = (raw.get("Environment") or {}).get("Variables") or {}
        environment: dict[str, str] = {}
        for name, value in variables.items():
            resolved = self.resolve(value, f"{where}.Environment.Variables.{name}")
            text = _environment_value(resolved, logical_id, name)
            if text is not None:
                environment[str(name)] = text
        layers: list[Path] = []
        for arn in props.get("Layers") or []:
            if arn in self.layer_dirs:
                layers.append(self.layer_dirs[arn])
            else:
                self.notes.append(f"{logical_id}: layer {arn} is not in the template, left out")
        events = [
            source
            for name, event in (raw.get("Events") or {}).items()
            if (source := self.event_source(logical_id, name, event)) is not None
        ]
        return FunctionSpec(
            logical_id=logical_id,
            function_name=self.resources[logical_id].physical_id,
            code_uri=self.path(props["CodeUri"], f"{logical_id}.CodeUri"),
            handler=str(props["Handler"]),
            runtime=props.get("Runtime"),
            layers=layers,
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            environment=environment,
            events=events,
        )

    def event_source(
        self, logical_id: str, name: str, event: Mapping[str, Any]
    ) -> EventSource | None:
        kind = event.get("Type")
        props = self.resolve(
            event.get("Properties") or {}, f"Resources.{logical_id}.Properties.Events.{name}"
        )
        if kind not in ("SQS", "DynamoDB"):
            self.notes.append(f"{logical_id}: event {name} of type {kind} is not delivered locally")
            return None
        filters = [
            json.loads(item["Pattern"]) if isinstance(item["Pattern"], str) else item["Pattern"]
            for item in (props.get("FilterCriteria") or {}).get("Filters") or []
        ]
        common: dict[str, Any] = {
            "name": name,
            "batching_window_seconds": int(props.get("MaximumBatchingWindowInSeconds", 0)),
            "report_batch_item_failures": "ReportBatchItemFailures"
            in (props.get("FunctionResponseTypes") or []),
            "filter_patterns": filters,
            "enabled": _truthy(props.get("Enabled", True)),
        }
        if kind == "SQS":
            queue = self.resource_with("Arn", props["Queue"], "AWS::SQS::Queue", logical_id)
            return EventSource(
                kind="SQS",
                source_arn=props["Queue"],
                queue_url=queue.physical_id,
                batch_size=int(props.get("BatchSize", 10)),
                **common,
            )
        table = self.resource_with("StreamArn", props["Stream"], "AWS::DynamoDB::Table", logical_id)
        on_failure = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        failure_queue = next(
            (
                resource
                for resource in self.resources.values()
                if on_failure
                and resource.attributes.get("Arn") == on_failure
                and resource.resource_type == "AWS::SQS::Queue"
            ),
            None,
        )
        retries = int(props.get("MaximumRetryAttempts", -1))
        return EventSource(
            kind="DynamoDB",
            source_arn=props["Stream"],
            stream_arn=props["Stream"],
            table_name=table.physical_id,
            batch_size=int(props.get("BatchSize", 100)),
            starting_position=props.get("StartingPosition"),
            maximum_retry_attempts=None if retries < 0 else retries,
            bisect_on_error=_truthy(props.get("BisectBatchOnFunctionError", False)),
            on_failure_arn=on_failure,
            on_failure_queue_url=failure_queue.physical_id if failure_queue else None,
            **common,
        )

    def resource_with(
        self, attribute: str, value: Any, resource_type: str, logical_id: str
    ) -> PhysicalResource:
        for resource in self.resources.values():
            if (
                resource.resource_type == resource_type
                and resource.attributes.get(attribute) == value
            ):
                return resource
        raise TemplateError(
            f"{logical_id}: event source {value!r} is not a {resource_type} of this template, "
            "so the local cloud cannot deliver it"
        )


def merge_globals(
    globals_section: Mapping[str, Any], properties: Mapping[str, Any]
) -> dict[str, Any]:
    """SAM's Globals rule: maps merge, lists append (globals first), scalars are replaced.

    An intrinsic function counts as a scalar: `!Ref X` in a function replaces a global
    mapping rather than merging into it, as SAM does.
    """
    merged: dict[str, Any] = dict(globals_section)
    for key, local in properties.items():
        if key not in merged:
            merged[key] = local
            continue
        inherited = merged[key]
        if (
            isinstance(inherited, dict)
            and isinstance(local, dict)
            and not is_intrinsic(inherited)
            and not is_intrinsic(local)
        ):
            merged[key] = merge_globals(inherited, local)
        elif isinstance(inherited, list) and isinstance(local, list):
            merged[key] = [*inherited, *local]
        else:
            merged[key] = local
    return merged


# ---------------------------------------------------------------------------- stand-ins


def _stand_in_id(build: _Build, logical_id: str) -> str:
    return "E" + build.suffix(logical_id, 13)


def _cloudfront_function(
    build: _Build, logical_id: str, raw: Mapping[str, Any]
) -> tuple[str, dict[str, Any]]:
    name = resolve(raw.get("Name", logical_id), build.context)
    arn = f"arn:{build.partition}:cloudfront::{build.account_id}:function/{name}"
    return arn, {"FunctionARN": arn, "FunctionMetadata.FunctionARN": arn, "Stage": "LIVE"}


def _cloudfront_id(
    build: _Build,
    logical_id: str,
    raw: Mapping[str, Any],  # noqa: ARG001 - one signature
) -> tuple[str, dict[str, Any]]:
    identifier = _stand_in_id(build, logical_id)
    return identifier, {"Id": identifier}


def _role(build: _Build, logical_id: str, raw: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    name = resolve(raw.get("RoleName", f"{build.stack_name}-{logical_id}"), build.context)
    arn = f"arn:{build.partition}:iam::{build.account_id}:role/{name}"
    return name, {"Arn": arn, "RoleId": "AROA" + build.suffix(logical_id, 17)}


def _layer(build: _Build, logical_id: str, raw: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    name = resolve(raw.get("LayerName", f"{build.stack_name}-{logical_id}"), build.context)
    arn = f"arn:{build.partition}:lambda:{build.region}:{build.account_id}:layer:{name}:1"
    uri = raw.get("ContentUri", raw.get("Content"))
    build.layer_dirs[arn] = build.path(resolve(uri, build.context), f"{logical_id}.ContentUri")
    return arn, {"LayerVersionArn": arn}


def _function(build: _Build, logical_id: str, raw: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    name = resolve(raw.get("FunctionName", f"{build.stack_name}-{logical_id}"), build.context)
    arn = f"arn:{build.partition}:lambda:{build.region}:{build.account_id}:function:{name}"
    return name, {"Arn": arn}


_StandIn = Callable[[_Build, str, Mapping[str, Any]], tuple[str, dict[str, Any]]]

#: Types moto cannot emulate usefully: why (None = nothing is lost), and their identity.
_STAND_INS: Final[dict[str, tuple[str | None, _StandIn]]] = {
    "AWS::CloudFront::Function": (
        "is not emulated: the local site is served without the viewer-request rewrite",
        _cloudfront_function,
    ),
    "AWS::CloudFront::OriginAccessControl": ("is not emulated (no access control)", _cloudfront_id),
    "AWS::CloudFront::ResponseHeadersPolicy": (
        "is not emulated on moto: the local site server sends its headers instead",
        _cloudfront_id,
    ),
    "AWS::IAM::Role": (
        "is not emulated: local calls are not authorised, every policy is read by tests",
        _role,
    ),
    "AWS::Serverless::LayerVersion": (None, _layer),
    "AWS::Lambda::LayerVersion": (None, _layer),
    "AWS::Serverless::Function": (None, _function),
}

_CREATORS: Final[dict[str, Callable[[_Build, str, Mapping[str, Any]], None]]] = {
    "AWS::S3::Bucket": _Build.bucket,
    "AWS::S3::BucketPolicy": _Build.bucket_policy,
    "AWS::SQS::Queue": _Build.queue,
    "AWS::SQS::QueuePolicy": _Build.queue_policy,
    "AWS::DynamoDB::Table": _Build.table,
    "AWS::Scheduler::ScheduleGroup": _Build.schedule_group,
    "AWS::Scheduler::Schedule": _Build.schedule,
    "AWS::CloudFront::Distribution": _Build.distribution,
    "AWS::Logs::LogGroup": _Build.log_group,
    "AWS::SNS::Topic": _Build.topic,
    "AWS::SNS::Subscription": _Build.subscription,
    "AWS::CloudWatch::Alarm": _Build.alarm,
}

#: CloudFormation queue properties that are SQS attributes of the same name.
_QUEUE_ATTRIBUTES: Final = frozenset(
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


# ---------------------------------------------------------------------------- shapes


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


def _environment_value(value: Any, logical_id: str, name: str) -> str | None:
    if value is NO_VALUE:
        return None
    if isinstance(value, (dict, list)):
        raise TemplateError(f"{logical_id}: environment variable {name} is not a string: {value!r}")
    return scalar_text(value)


def _bucket_name(stack_name: str, logical_id: str, suffix: str) -> str:
    """CloudFormation's `stack-logicalid-suffix`, lowercased and cut to S3's 63 characters."""
    head = f"{stack_name}-{logical_id}".lower()[: 63 - len(suffix) - 1].rstrip("-.")
    return f"{head}-{suffix}"


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation says ServerSideEncryptionByDefault where the API says Apply…."""
    shape: dict[str, Any] = {}
    if "ServerSideEncryptionByDefault" in rule:
        shape["ApplyServerSideEncryptionByDefault"] = rule["ServerSideEncryptionByDefault"]
    if "BucketKeyEnabled" in rule:
        shape["BucketKeyEnabled"] = _truthy(rule["BucketKeyEnabled"])
    return shape


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule in the S3 API's shape (the parts this house uses).

    CloudFormation flattens what the API nests: `ExpiredObjectDeleteMarker` and
    `ExpirationInDays` are the API's `Expiration`, `Prefix` its `Filter`.
    """
    shape: dict[str, Any] = {"Status": rule["Status"]}
    if "Id" in rule:
        shape["ID"] = rule["Id"]
    shape["Filter"] = {"Prefix": rule.get("Prefix", "")}
    expiration: dict[str, Any] = {}
    if "ExpirationInDays" in rule:
        expiration["Days"] = int(rule["ExpirationInDays"])
    if "ExpiredObjectDeleteMarker" in rule:
        expiration["ExpiredObjectDeleteMarker"] = _truthy(rule["ExpiredObjectDeleteMarker"])
    if expiration:
        shape["Expiration"] = expiration
    noncurrent = rule.get("NoncurrentVersionExpiration")
    if noncurrent:
        shape["NoncurrentVersionExpiration"] = {
            key: int(value) for key, value in noncurrent.items()
        }
    elif "NoncurrentVersionExpirationInDays" in rule:
        shape["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(rule["NoncurrentVersionExpirationInDays"])
        }
    abort = rule.get("AbortIncompleteMultipartUpload")
    if abort:
        shape["AbortIncompleteMultipartUpload"] = {
            "DaysAfterInitiation": int(abort["DaysAfterInitiation"])
        }
    return shape


def _s3_filter(item: Mapping[str, Any]) -> dict[str, Any]:
    rules = ((item.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
    if not rules:
        return {}
    return {
        "Filter": {
            "Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}
        }
    }


def _index(index: Mapping[str, Any]) -> dict[str, Any]:
    shape = {key: index[key] for key in ("IndexName", "KeySchema", "Projection") if key in index}
    if "ProvisionedThroughput" in index:
        shape["ProvisionedThroughput"] = _throughput(index["ProvisionedThroughput"])
    return shape


def _throughput(throughput: Mapping[str, Any]) -> dict[str, int]:
    return {key: int(value) for key, value in throughput.items()}


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
        shape["Compress"] = _truthy(behavior["Compress"])
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


def _truthy(value: Any) -> bool:
    """CloudFormation booleans arrive as YAML booleans or as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
