"""What every resource module is given while a stack is built: clients, resolver, notes.

Each module turns one kind of CloudFormation resource (its properties already resolved)
into calls on moto, and answers its identity: the physical id `Ref` gives and the
attributes `GetAtt` reads. Nothing here names a resource of template.yaml.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from botocore.exceptions import ClientError

from rotativa_tools.local.template import ResolveContext

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_sqs import SQSClient


@cache
def shared_loader() -> Any:
    """botocore's data loader, one per process: each new session would read the endpoint
    and service model files again (2 s of JSON of a fresh local stack's 4 s)."""
    from botocore.loaders import create_loader

    return create_loader()


def share_loader(session: Any) -> Any:
    """`session` (boto3's or botocore's) reading botocore's files through `shared_loader`;
    what a session keeps of its own (credentials, hooks, clients) stays its own."""
    core = getattr(session, "_session", session)
    core.register_component("data_loader", shared_loader())
    return session


@cache
def region_session(region: str) -> Any:
    """One boto3 session per region for the clients that only provision (log groups, the
    alarm topic, alarms): they are never counted, so they need no session of their own."""
    import boto3

    return share_loader(boto3.session.Session(region_name=region))


#: A resource's identity: what `Ref` gives, and what `GetAtt` may read.
Identity = tuple[str, dict[str, Any]]


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
        session = region_session(region)
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
        return region_session(self.s3.meta.region_name).client(service)


@dataclass
class Provisioning:
    """One run of `provision`: where to build, how to resolve, and what was left out."""

    clients: AwsClients
    context: ResolveContext
    template_dir: Path | None = None
    notes: list[str] = field(default_factory=list)

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

    def arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        where = f"{self.region}:{self.account_id}" if regional else f":{self.account_id}"
        return f"arn:{self.partition}:{service}:{where}:{resource}"

    def suffix(self, logical_id: str, length: int = 12) -> str:
        """A stable stand-in for CloudFormation's random name suffix: the same stack gets
        the same names on every run (a persistent moto server finds its resources)."""
        seed = f"{self.account_id}/{self.region}/{self.stack_name}/{logical_id}"
        return hashlib.sha256(seed.encode()).hexdigest()[:length].upper()

    def name(
        self, props: Mapping[str, Any], key: str, logical_id: str, *, suffixed: bool = False
    ) -> str:
        """The name the template gives, else `<stack>-<logical id>` (and CloudFormation's
        suffix, stable here, for the types whose generated names carry one)."""
        generated = f"{self.stack_name}-{logical_id}"
        if suffixed:
            generated += f"-{self.suffix(logical_id)}"
        return str(props.get(key) or generated)

    def unhandled(self, logical_id: str, props: Mapping[str, Any], handled: set[str]) -> None:
        """A note for each property the module does not apply, rather than silence."""
        for key in sorted(set(props) - handled - {"Tags"}):
            self.notes.append(f"{logical_id}: property {key} is not emulated locally")


#: A module's function for one resource type: resolved properties in, identity out.
Creator = Callable[[Provisioning, str, Mapping[str, Any]], Identity]


def truthy(value: Any) -> bool:
    """CloudFormation booleans arrive as YAML booleans or as the strings "true"/"false"."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def tolerate(code: str, call: Callable[[], Any]) -> Any:
    """`call()`, or None when it fails with `code`: what exists from an earlier run on a
    persistent moto is the same resource, provisioned again."""
    try:
        return call()
    except ClientError as error:
        if error_code(error) != code:
            raise
        return None
