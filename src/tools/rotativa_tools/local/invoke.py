"""`rotativa invoke`: one function, one event, in this process, like `sam local invoke`.

The function is loaded from its CodeUri and Handler with its Environment, as the local
cloud's pump does it; only where its resources are changes:

- with `--stack NAME`: the deployed stack's, resolved from CloudFormation (real AWS, with
  whatever credentials the environment holds);
- with an endpoint (`--endpoint-url`, AWS_ENDPOINT_URL or `--outputs-file` of a running
  `rotativa dev`): that moto's, found by provisioning the template against it again, which
  reuses what exists, so that what the function writes flows on through the running
  pipeline;
- otherwise a fresh stack on in-process moto, gone when the command ends.

The event is checked against the function's triggers in the template first
(`event_shapes`): a raw S3 notification for the ValidateFunction is wrapped as its queue
delivers it, an event no trigger delivers is refused in one line. Afterwards the result
says what the function did: each record and its outcome, and the writes it made (pages,
messages, invalidations), seen through botocore's hooks as `rotativa dev` sees them.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from rotativa import bootstrap
from rotativa_tools.local.cloud import DEFAULT_TEMPLATE, LocalCloud, prepare_environment
from rotativa_tools.local.event_shapes import EventShapeError, prepare_event, triggers
from rotativa_tools.local.runtime import current_function, forget_loaded_functions, invoke
from rotativa_tools.local.stack import FunctionSpec
from rotativa_tools.local.template import load_template
from rotativa_tools.ops.target import DeployedStack, TargetError, deployed_function

__all__ = ["EventShapeError", "InvokeResult", "RecordOutcome", "StackWrites", "invoke_function"]

SHOWN: Final = 8  # keys, paths or messages named per line; the count says the rest


#: The calls that change the stack, and the StackWrites method that notes each.
_HOOKS: Final = {
    "s3.PutObject": "_object",
    "s3.CopyObject": "_object",
    "s3.DeleteObject": "_object",
    "s3.DeleteObjects": "_objects",
    "sqs.SendMessage": "_message",
    "sqs.SendMessageBatch": "_messages",
    "cloudfront.CreateInvalidation": "_invalidation",
    "scheduler.CreateSchedule": "_schedule",
    "scheduler.UpdateSchedule": "_schedule",
    "scheduler.DeleteSchedule": "_schedule",
}


@dataclass(frozen=True)
class RecordOutcome:
    """One record of the batch: what it was about, and whether the function reported it
    failed; `outcome` is what became of the upload it names (ValidateFunction)."""

    id: str
    about: str
    failed: bool
    outcome: str | None = None

    def line(self, number: int, total: int) -> str:
        told = "failed" if self.failed else "ok"
        after = f" → {self.outcome}" if self.outcome else ""
        return f"record {number}/{total} {self.id[:12]}: {self.about}: {told}{after}"


@dataclass
class StackWrites:
    """What the function wrote to the stack, by resource, from botocore's hooks: objects
    written and removed per bucket, messages per queue, invalidations, schedules."""

    names: Mapping[str, str] = field(default_factory=dict)  # physical → logical id
    written: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)
    sent: dict[str, list[str]] = field(default_factory=dict)
    invalidated: list[str] = field(default_factory=list)
    schedules: list[str] = field(default_factory=list)

    @contextmanager
    def recording(self) -> Iterator[StackWrites]:
        """Hooks on boto3's default session for the length of the call: the functions'
        clients are made from it, and copy its hooks when they are made."""
        import boto3

        events = boto3._get_default_session().events
        handlers = [(f"before-parameter-build.{op}", getattr(self, m)) for op, m in _HOOKS.items()]
        for name, handler in handlers:
            events.register(name, handler)
        try:
            yield self
        finally:
            for name, handler in handlers:
                events.unregister(name, handler)

    def _name(self, physical: str) -> str:
        return self.names.get(physical) or physical.rstrip("/").rsplit("/", 1)[-1]

    def _object(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if current_function.get() is None:
            return  # the harness's own calls, not the function's work
        where = self.removed if model.name == "DeleteObject" else self.written
        where.setdefault(self._name(str(params.get("Bucket"))), []).append(str(params.get("Key")))

    def _objects(self, params: Mapping[str, Any], **_: Any) -> None:
        if current_function.get() is None:
            return
        keys = [str(o.get("Key")) for o in (params.get("Delete") or {}).get("Objects") or []]
        self.removed.setdefault(self._name(str(params.get("Bucket"))), []).extend(keys)

    def _message(self, params: Mapping[str, Any], **_: Any) -> None:
        if current_function.get() is not None:
            queue = self._name(str(params.get("QueueUrl")))
            self.sent.setdefault(queue, []).append(str(params.get("MessageBody")))

    def _messages(self, params: Mapping[str, Any], **_: Any) -> None:
        if current_function.get() is not None:
            queue = self._name(str(params.get("QueueUrl")))
            bodies = [str(e.get("MessageBody")) for e in params.get("Entries") or []]
            self.sent.setdefault(queue, []).extend(bodies)

    def _invalidation(self, params: Mapping[str, Any], **_: Any) -> None:
        if current_function.get() is not None:
            batch = params.get("InvalidationBatch") or {}
            self.invalidated.extend(str(p) for p in (batch.get("Paths") or {}).get("Items") or [])

    def _schedule(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        if current_function.get() is not None:
            verb = model.name.removesuffix("Schedule").lower()
            self.schedules.append(f"{verb}d {params.get('Name')}")

    def lines(self, site_bucket: str | None = None) -> list[str]:
        """`pages rendered: 2 written (index.html, …), 1 removed (…)`, one line per kind."""
        told: list[str] = []
        site = self._name(site_bucket) if site_bucket else None
        for bucket in sorted(self.written.keys() | self.removed.keys()):
            what = "pages rendered" if bucket == site else f"{bucket} objects"
            parts = [
                f"{len(keys)} {verb} ({_some(keys)})"
                for verb, keys in (
                    ("written", self.written.get(bucket, [])),
                    ("removed", self.removed.get(bucket, [])),
                )
                if keys
            ]
            told.append(f"{what}: {', '.join(parts)}")
        if site is not None and site not in self.written and site not in self.removed:
            told.append("pages rendered: none")
        for queue, bodies in sorted(self.sent.items()):
            noun = "message" if len(bodies) == 1 else "messages"
            told.append(f"sent to {queue}: {len(bodies)} {noun} ({_some(map(_message, bodies))})")
        if self.invalidated:
            told.append(f"invalidated: {len(self.invalidated)} paths ({_some(self.invalidated)})")
        if self.schedules:
            told.append(f"schedules: {_some(self.schedules)}")
        if not told:
            told.append("wrote nothing to the stack")
        return told


@dataclass(frozen=True)
class InvokeResult:
    function: str
    where: str
    result: Any = None
    error: dict[str, Any] | None = None
    note: str | None = None  # what was done to the event before the call
    records: tuple[RecordOutcome, ...] = ()
    writes: StackWrites | None = None
    site_bucket: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def report(self) -> list[str]:
        """What the function did, for a person: the records and outcomes, then the writes."""
        told = [
            record.line(number, len(self.records))
            for number, record in enumerate(self.records, start=1)
        ]
        if self.error is not None:
            first = (str(self.error["errorMessage"]).splitlines() or [""])[0]
            told.append(f"raised {self.error['errorType']}: {first} (the whole error on stdout)")
        if self.writes is not None:
            told.extend(self.writes.lines(self.site_bucket))
        return told


@dataclass(frozen=True)
class _Place:
    spec: FunctionSpec
    region: str
    account_id: str
    where: str
    names: dict[str, str]  # physical id → logical id (buckets, queues, the table)
    arns: dict[str, str]  # logical id → ARN (queues)


def invoke_function(
    logical_id: str,
    event: dict[str, Any],
    *,
    parameters: Mapping[str, str] | None = None,
    endpoint_url: str | None = None,
    stack_name: str | None = None,
    region: str | None = None,
    template_path: Path = DEFAULT_TEMPLATE,
) -> InvokeResult:
    """Invoke the function once; its return value, or the error Lambda would report, and
    what it did. Raises `EventShapeError` for an event none of its triggers delivers.

    The function's own output (logs, metrics) goes to stderr, so stdout can carry only
    the result, as `sam local invoke` does.
    """
    template = load_template(template_path)
    found = triggers(template, logical_id)
    with _where(logical_id, parameters, endpoint_url, stack_name, region, template_path) as place:
        prepared = prepare_event(
            logical_id, event, found, source_arns=place.arns, region=place.region
        )
        event = prepared.event
        spec = place.spec
        writes = StackWrites(place.names)
        error = result = None
        try:
            with writes.recording(), redirect_stdout(sys.stderr):
                result = invoke(spec, event, region=place.region, account_id=place.account_id)
        except Exception as exc:
            frames = traceback.format_exception(exc)
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": [line.rstrip() for line in frames[-6:]],
            }
        records = _outcomes(spec, event, result, error is not None, place.region)
        return InvokeResult(
            logical_id,
            place.where,
            result=result,
            error=error,
            note=prepared.note,
            records=records,
            writes=writes,
            site_bucket=spec.environment.get("SITE_BUCKET"),
        )


# ---------------------------------------------------------------------------- records


def _outcomes(
    spec: FunctionSpec, event: Mapping[str, Any], result: Any, raised: bool, region: str
) -> tuple[RecordOutcome, ...]:
    failures = result.get("batchItemFailures") if isinstance(result, Mapping) else None
    failed = {str(f.get("itemIdentifier")) for f in failures or [] if isinstance(f, Mapping)}
    judge = _judge(spec, region)
    told: list[RecordOutcome] = []
    for record in event.get("Records") or []:
        if "dynamodb" in record:
            identity = str(record["dynamodb"].get("SequenceNumber", "?"))
            change = record["dynamodb"]
            image = change.get("NewImage") or change.get("OldImage") or {}
            item = (image.get("key") or (change.get("Keys") or {}).get("pk") or {}).get("S", "?")
            about, outcome = f"{record.get('eventName', '?')} {item}", None
        else:
            identity = str(record.get("messageId", "?"))
            about, outcome = _message_outcome(str(record.get("body", "")), judge)
        told.append(RecordOutcome(identity, about, raised or identity in failed, outcome))
    return tuple(told)


def _message_outcome(body: str, judge: Any) -> tuple[str, str | None]:
    """What one queue message is about, and what became of the uploads it names."""
    from rotativa.domain.inbox import MalformedNotification, parse_notification
    from rotativa.domain.schedules import DueChange

    try:
        due = DueChange.from_message(body)
    except (ValueError, KeyError):
        due = None
    if due is not None:
        return f"{due.action.value} {due.key} at {due.at.isoformat()}", _judged(judge, due.key)
    try:
        uploads = parse_notification(body)
    except MalformedNotification:
        return _message(body), None
    if not uploads:
        return "an s3:TestEvent (nothing to do)", None
    about = ", ".join(f"S3 {u.change.value} {u.key}" for u in uploads)
    outcomes = []
    for upload in uploads:
        if judge is not None and upload.bucket != judge.inbox.name:
            told = f"not this stack's inbox ({upload.bucket}): ignored"
        else:
            told = _judged(judge, upload.key, upload.change) or ""
        outcomes.append(f"{upload.key}: {told}" if len(uploads) > 1 and told else told)
    return about, "; ".join(o for o in outcomes if o) or None


def _judged(judge: Any, key: str, change: Any = None) -> str | None:
    if judge is None:
        return None
    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa.domain.inbox import Change

    try:
        return str(judge.judge(key, change or Change.PUT).describe())
    except (BotoCoreError, ClientError, ValueError) as exc:
        return f"outcome unknown ({type(exc).__name__})"


def _judge(spec: FunctionSpec, region: str) -> Any:
    """Who tells what became of an upload, for a function that reads the inbox."""
    inbox, table = spec.environment.get("INBOX_BUCKET"), spec.environment.get("ARTICLES_TABLE")
    if not inbox or not table:
        return None
    import boto3

    from rotativa.adapters.articles_table import ArticlesTable
    from rotativa.adapters.buckets import InboxBucket
    from rotativa.domain.site import SiteSettings
    from rotativa_tools.local.summary import UploadJudge

    try:
        site = SiteSettings.from_environment(spec.environment)
    except ValueError:
        return None
    return UploadJudge(
        InboxBucket(inbox, boto3.client("s3", region_name=region)),
        ArticlesTable(table, site, boto3.client("dynamodb", region_name=region)),
    )


def _message(body: str) -> str:
    """A page request (`article /sport/x/`), changed paths (`3 changed paths`), else the
    first characters of the body."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    if isinstance(data, Mapping):
        if isinstance(data.get("changes"), list):
            count = len(data["changes"])
            return f"{count} changed path{'' if count == 1 else 's'}"
        if "kind" in data:
            where = data.get("path") or data.get("slug") or data.get("ref") or ""
            page = data.get("page")
            return " ".join(
                str(p) for p in (data["kind"], where, f"page {page}" if page else "") if p
            )
    return body[:40] + ("…" if len(body) > 40 else "")


def _some(items: Any) -> str:
    listed = list(items)
    shown = ", ".join(listed[:SHOWN])
    return shown + (f", … {len(listed) - SHOWN} more" if len(listed) > SHOWN else "")


# ---------------------------------------------------------------------------- where


@contextmanager
def _where(
    logical_id: str,
    parameters: Mapping[str, str] | None,
    endpoint_url: str | None,
    stack_name: str | None,
    region: str | None,
    template_path: Path,
) -> Iterator[_Place]:
    if stack_name is not None:
        import boto3

        template = load_template(template_path)
        cloudformation = boto3.client("cloudformation", region_name=region)
        stack = DeployedStack.describe(cloudformation, stack_name)
        spec = deployed_function(template, template_path.parent, logical_id, stack)
        forget_loaded_functions()
        bootstrap.reset()  # services wired for another stack must not serve this one
        physical = stack.physical_resources()
        yield _Place(
            spec,
            stack.region,
            stack.account_id,
            f"stack {stack_name} ({stack.region})",
            {r.physical_id: logical for logical, r in physical.items()},
            {
                logical: str(r.attributes["Arn"])
                for logical, r in physical.items()
                if "Arn" in r.attributes
            },
        )
        return
    if endpoint_url is not None:
        cloud = _start(template_path, parameters, endpoint_url)
        yield _local_place(cloud, logical_id, endpoint_url)
        return
    from moto import mock_aws

    prepare_environment()
    with mock_aws():
        cloud = _start(template_path, parameters, None)
        yield _local_place(cloud, logical_id, "a fresh in-process moto stack")


def _local_place(cloud: LocalCloud, logical_id: str, where: str) -> _Place:
    resources = cloud.stack.resources
    return _Place(
        _spec(cloud, logical_id),
        cloud.stack.region,
        cloud.stack.account_id,
        where,
        {r.physical_id: logical for logical, r in resources.items()},
        {
            logical: str(r.attributes["Arn"])
            for logical, r in resources.items()
            if "Arn" in r.attributes
        },
    )


def _start(
    template_path: Path, parameters: Mapping[str, str] | None, endpoint_url: str | None
) -> LocalCloud:
    from botocore.exceptions import EndpointConnectionError

    try:
        with redirect_stdout(sys.stderr):
            return LocalCloud.start(template_path, parameters=parameters, endpoint_url=endpoint_url)
    except EndpointConnectionError:
        raise TargetError(
            f"nothing answers at {endpoint_url}: start `rotativa dev`, or unset "
            "AWS_ENDPOINT_URL to invoke against a fresh in-process stack"
        ) from None


def _spec(cloud: LocalCloud, logical_id: str) -> FunctionSpec:
    spec = cloud.stack.functions.get(logical_id)
    if spec is None:
        names = ", ".join(sorted(cloud.stack.functions))
        raise TargetError(f"{logical_id} is not a function of the template ({names})")
    return spec
