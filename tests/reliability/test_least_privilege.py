"""Each function's IAM role allows what its code calls, on named resources, and no more.

The calls are not guessed from the source: the pipeline runs on moto with a botocore hook
recording, per function, every service operation (and the item actions inside each
transaction), mapped to the IAM actions AWS authorises them with, and the ARN of what each
call touched. The roles are read as CloudFormation will see them: template.yaml goes
through `aws-sam-translator` (`local.template.translate`, the translation the local cloud
itself is built from), each `AWS::Lambda::Function` of the result names its role, and the
role's statements are resolved against the local stack's real ARNs. Then: an allowed
action no call needs, a call no statement allows on the resource it touched, a data-plane
action on `*`, a role SAM would still generate or a managed policy attached to one, fails.

What Lambda itself does with a function's role is derived from the same translation, not
listed by hand: it reads the queue or stream of each event source mapping (and nothing
else), writes the function's own log group, and sends traces when tracing is on. The one
allowance on `*` is X-Ray's: `xray:PutTraceSegments` and `xray:PutTelemetryRecords`
support no resource-level permissions (the Service Authorization Reference lists no
resource type for them), and they carry trace segments, not data of ours.
"""

from __future__ import annotations

import functools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from rotativa_tools.local.cloud import DEFAULT_REGION, LocalCloud
from rotativa_tools.local.runtime import current_function
from rotativa_tools.local.stack import LocalStack
from rotativa_tools.local.template import load_template, of_type, resolve, translate
from tests.conftest import ROOT
from tests.integration.pipeline_helpers import article
from tests.reliability.cloud_helpers import core_session

TEMPLATE = ROOT / "template.yaml"

#: The only actions a role may allow on `*`: X-Ray takes no other resource (see above).
ONLY_ON_EVERY_RESOURCE = frozenset({"xray:PutTraceSegments", "xray:PutTelemetryRecords"})
#: What Lambda does with the role for an event source mapping, by the source's kind.
POLLING = {
    "sqs": frozenset({"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}),
    "dynamodb": frozenset(
        {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}
    ),
}
#: Lambda lists the table's streams before reading one (SAM's DynamoDBStreamReadPolicy
#: allows it on `<table>/stream/*`).
STREAM_LISTING = "dynamodb:ListStreams"
LOG_WRITES = frozenset({"logs:CreateLogStream", "logs:PutLogEvents"})

# IAM action for each operation (HeadObject is authorised as s3:GetObject, and so on).
S3_ACTIONS = {"GetObject": "s3:GetObject", "HeadObject": "s3:GetObject",
              "PutObject": "s3:PutObject", "DeleteObject": "s3:DeleteObject",
              "ListObjectsV2": "s3:ListBucket", "CopyObject": "s3:PutObject",
              "DeleteObjects": "s3:DeleteObject"}  # fmt: skip
TRANSACT_ACTIONS = {"Put": "dynamodb:PutItem", "Update": "dynamodb:UpdateItem",
                    "Delete": "dynamodb:DeleteItem",
                    "ConditionCheck": "dynamodb:ConditionCheckItem"}  # fmt: skip
SQS_ACTIONS = {"SendMessage": "sqs:SendMessage", "SendMessageBatch": "sqs:SendMessage"}

# Allowed without a call the hook can see, each for a reason AWS imposes.
IMPLIED = {
    # S3 answers 403 instead of 404 for a missing key without ListBucket on the bucket
    ("ValidateFunction", "s3:ListBucket"),
    ("RenderFunction", "s3:ListBucket"),
    # a versioned read names the version: s3:GetObjectVersion (recorded below when used)
    ("ValidateFunction", "s3:GetObjectVersion"),
    # Lambda sends the stream's failed batches to the on-failure destination with the
    # function's own role
    ("IndexFunction", "sqs:SendMessage"),
    # CreateSchedule/UpdateSchedule hand the schedule its role: AWS checks iam:PassRole
    ("IndexFunction", "iam:PassRole"),
}
# Allowed and never needed: findings for template.yaml's owner. When one is fixed, this
# test fails until the entry is removed, so the list cannot go stale.
KNOWN_EXCESS: set[tuple[str, str]] = set()  # granted but never called: none


class ActionRecorder:
    def __init__(self) -> None:
        self.used: dict[str, set[str]] = defaultdict(set)

    def __call__(self, **kwargs: Any) -> None:
        function = current_function.get()
        if function is None:
            return
        model, params = kwargs["model"], kwargs["params"]
        service = model.service_model.service_id.hyphenize()
        operation = model.name
        try:
            self.used[function] |= actions_of(service, operation, params.get("body"), params)
        except Exception as exc:  # never break the call: record what could not be mapped
            self.used[function].add(f"unmapped:{service}:{operation}:{exc!r}")


class ResourceRecorder:
    """(IAM action, ARN) of each call, from the API parameters (before they are serialised)."""

    def __init__(self, region: str, account: str) -> None:
        self.region, self.account = region, account
        self.touched: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def __call__(self, **kwargs: Any) -> None:
        function = current_function.get()
        if function is None:
            return
        model, params = kwargs["model"], kwargs["params"]
        service = model.service_model.service_id.hyphenize()
        try:
            self.touched[function] |= self.resources_of(service, model.name, params)
        except Exception as exc:  # never break the call: record what could not be mapped
            self.touched[function].add((f"unmapped:{service}:{model.name}", repr(exc)))

    def resources_of(self, service: str, operation: str, params: Any) -> set[tuple[str, str]]:
        where = f"{self.region}:{self.account}"
        if service == "s3":
            action = S3_ACTIONS[operation]
            if operation == "ListObjectsV2":
                return {(action, f"arn:aws:s3:::{params['Bucket']}")}
            if operation == "DeleteObjects":  # authorised as DeleteObject of each key
                bucket, objects = params["Bucket"], params["Delete"]["Objects"]
                return {(action, f"arn:aws:s3:::{bucket}/{o['Key']}") for o in objects}
            found = {(action, f"arn:aws:s3:::{params['Bucket']}/{params['Key']}")}
            if operation == "CopyObject":
                source = params["CopySource"]
                if isinstance(source, str):
                    bucket, _, rest = source.lstrip("/").partition("/")
                    key, _, version = rest.partition("?versionId=")
                    source = {"Bucket": bucket, "Key": key, "VersionId": version}
                read = "s3:GetObjectVersion" if source.get("VersionId") else "s3:GetObject"
                found.add((read, f"arn:aws:s3:::{source['Bucket']}/{source['Key']}"))
            return found
        if service == "dynamodb":
            table = f"arn:aws:dynamodb:{where}:table/"
            if operation == "TransactWriteItems":
                return {
                    (TRANSACT_ACTIONS[kind], table + item[kind]["TableName"])
                    for item in params["TransactItems"]
                    for kind in item
                }
            if operation in ("BatchGetItem", "BatchWriteItem"):
                return {(f"dynamodb:{operation}", table + name) for name in params["RequestItems"]}
            index = f"/index/{params['IndexName']}" if params.get("IndexName") else ""
            return {(f"dynamodb:{operation}", table + params["TableName"] + index)}
        if service == "sqs":
            name = str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]
            return {(SQS_ACTIONS[operation], f"arn:aws:sqs:{where}:{name}")}
        if service == "scheduler":
            group = params.get("GroupName", "default")
            return {
                (
                    f"scheduler:{operation}",
                    f"arn:aws:scheduler:{where}:schedule/{group}/{params['Name']}",
                )
            }
        if service == "cloudfront":
            distribution = params["DistributionId"]
            return {
                (
                    f"cloudfront:{operation}",
                    f"arn:aws:cloudfront::{self.account}:distribution/{distribution}",
                )
            }
        return {(f"{service}:{operation}", "unmapped")}


def actions_of(service: str, operation: str, body: Any, params: Any) -> set[str]:
    if service == "s3":
        action = S3_ACTIONS[operation]
        found = {action}
        query = str(params.get("query_string", "")) + str(params.get("url_path", ""))
        if operation in ("GetObject", "HeadObject") and "versionId" in query:
            found.add("s3:GetObjectVersion")
        if operation == "CopyObject":
            source = str(params.get("headers", {}).get("x-amz-copy-source", ""))
            found.add("s3:GetObjectVersion" if "versionId" in source else "s3:GetObject")
        return found
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            items = json.loads(body)["TransactItems"]
            return {TRANSACT_ACTIONS[k] for item in items for k in item}
        return {f"dynamodb:{operation}"}
    if service == "sqs":
        return {SQS_ACTIONS[operation]}
    return {f"{service}:{operation}"}


@dataclass(frozen=True)
class Recorded:
    used: dict[str, set[str]]  # function → IAM actions its calls needed
    touched: dict[str, set[tuple[str, str]]]  # function → (action, ARN) of its calls
    stack: LocalStack  # the stack they ran in: the ARNs the roles resolve to


@pytest.fixture(scope="module")
def recorded() -> Iterator[Recorded]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                            "AWS_DEFAULT_REGION": "eu-south-1",
                            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():  # fmt: skip
            patch.setenv(name, value)
        with mock_aws():
            cloud = LocalCloud.start()
            recorder = ActionRecorder()
            core_session().register("before-call", recorder)
            resources = ResourceRecorder(cloud.stack.region, cloud.stack.account_id)
            core_session().register("before-parameter-build", resources)
            # every path of every function: media, publish, update moving the address,
            # a rejection and its report, a correction clearing it, a delete
            cloud.put("media/foto.jpg", b"\xff\xd8\xff jpeg")
            image = "image:\n  src: media/foto.jpg\n  alt: Foto\n"
            cloud.put("articles/uno.md", article("Uno", tags=("Calcio",), extra=image))
            cloud.put("articles/due.md", article("Due", tags=("Calcio",)))
            cloud.run_until_quiet()
            cloud.put("articles/uno.md", article("Uno", section="Bresso", slug="nuovo"))
            cloud.put("articles/due.md", "---\ntitle: [rotto\n---\n")
            cloud.put("radice.md", article("Fuori posto"))  # misplaced: a report, by listing
            cloud.run_until_quiet()
            cloud.put("articles/due.md", article("Due bis", date="2024-05-03T10:00"))
            cloud.delete("articles/uno.md")
            cloud.delete("media/foto.jpg")
            cloud.run_until_quiet()
            # an alias (its holders looked up), an address two uploads want (one waits), and
            # the holder deleted (the waiting one looked at again through the ingest queue)
            alias = "aliases: [/2017/quattro/]\n"
            cloud.put("articles/quattro.md", article("Quattro", slug="conteso", extra=alias))
            cloud.put("articles/cinque.md", article("Cinque", slug="conteso"))
            cloud.run_until_quiet()
            cloud.delete("articles/quattro.md")
            cloud.run_until_quiet()
            # an embargo made, moved, and come due; an expiry made and come due
            soon = datetime.now(UTC) + timedelta(hours=1)
            for hours in (1, 2):
                embargo = f"publish_at: {soon + timedelta(hours=hours):%Y-%m-%dT%H:%M:%SZ}\n"
                expiry = f"expires_at: {soon + timedelta(hours=5):%Y-%m-%dT%H:%M:%SZ}\n"
                cloud.put("articles/tre.md", article("Tre", extra=embargo + expiry))
                cloud.run_until_quiet()
            cloud.advance(timedelta(hours=8))
            yield Recorded(
                {k: set(v) for k, v in recorder.used.items()},
                {k: set(v) for k, v in resources.touched.items()},
                cloud.stack,
            )


@pytest.fixture(scope="module")
def used_actions(recorded: Recorded) -> dict[str, set[str]]:
    return recorded.used


# ---------------------------------------------------------------------------- the roles


@functools.cache
def cloudformation() -> dict[str, Any]:
    return translate(load_template(TEMPLATE), region=DEFAULT_REGION)


def role_of(template: dict[str, Any], function: str) -> str:
    role = template["Resources"][function]["Properties"]["Role"]
    assert isinstance(role, dict), f"{function}: role {role!r}"
    assert "Fn::GetAtt" in role, f"{function}: role {role!r}"
    role_id, attribute = role["Fn::GetAtt"]
    assert attribute == "Arn"
    assert template["Resources"][role_id]["Type"] == "AWS::IAM::Role"
    return str(role_id)


def generated_roles(translated: dict[str, Any], declared: dict[str, Any]) -> set[str]:
    """Roles in the translation that template.yaml does not declare (SAM made them), and
    declared ones with a managed policy attached."""
    found = set()
    for logical_id, role in of_type(translated, "AWS::IAM::Role").items():
        properties = role.get("Properties") or {}
        if logical_id not in declared["Resources"] or properties.get("ManagedPolicyArns"):
            found.add(logical_id)
    return found


def policies(translated: dict[str, Any] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Each Lambda function's statements: the inline policies of the role it runs on."""
    translated = translated or cloudformation()
    found: dict[str, list[dict[str, Any]]] = {}
    for function in of_type(translated, "AWS::Lambda::Function"):
        role = translated["Resources"][role_of(translated, function)]["Properties"]
        statements: list[dict[str, Any]] = []
        for policy in role.get("Policies", []):
            statement = policy["PolicyDocument"]["Statement"]
            statements.extend(statement if isinstance(statement, list) else [statement])
        found[function] = statements
    return found


def lambda_needs(translated: dict[str, Any], function: str) -> set[str]:
    """What Lambda does with `function`'s role: poll its event sources, write its logs,
    send its traces (when tracing is on)."""
    needs = set(LOG_WRITES)
    for mapping in of_type(translated, "AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        if properties["FunctionName"] != {"Ref": function}:
            continue
        source = properties["EventSourceArn"]
        _source_id, attribute = source["Fn::GetAtt"]
        kind = "dynamodb" if attribute == "StreamArn" else "sqs"
        needs |= POLLING[kind]
        if kind == "dynamodb":
            needs.add(STREAM_LISTING)
    tracing = translated["Resources"][function]["Properties"].get("TracingConfig") or {}
    if tracing.get("Mode") == "Active":
        needs |= ONLY_ON_EVERY_RESOURCE
    return needs


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed(statements: list[dict[str, Any]]) -> set[str]:
    return {
        action for s in statements if s.get("Effect") == "Allow" for action in _list(s["Action"])
    }


def _resolved(stack: LocalStack, value: Any) -> Any:
    return resolve(value, stack.context())


def _matches(pattern: str, arn: str) -> bool:
    """IAM's resource matching: `*` is any run of characters, `?` any one."""
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    return re.fullmatch(regex, arn) is not None


# ---------------------------------------------------------------------------- tests


def test_sam_generates_no_role_and_each_function_has_its_own() -> None:
    translated, declared = cloudformation(), load_template(TEMPLATE)
    assert generated_roles(translated, declared) == set()
    functions = of_type(translated, "AWS::Lambda::Function")
    assert set(functions) == set(of_type(declared, "AWS::Serverless::Function"))
    roles = [role_of(translated, function) for function in functions]
    assert len(set(roles)) == len(roles), "no two functions share a role"
    scheduler_roles = {"SchedulerRole"}
    assert set(of_type(translated, "AWS::IAM::Role")) == {*roles, *scheduler_roles}


def test_the_translation_check_would_notice_a_role_sam_makes() -> None:
    # GIVEN a copy where one function is back on SAM's generated role, with its statements
    declared = load_template(TEMPLATE)
    validate = declared["Resources"]["ValidateFunction"]["Properties"]
    role = declared["Resources"].pop(role_of(declared, "ValidateFunction"))
    del validate["Role"]
    validate["Policies"] = [
        {"Statement": role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][:1]}
    ]
    # WHEN it is translated, THEN SAM's role, with its managed policies on `*`, is found
    translated = translate(declared, region=DEFAULT_REGION)
    assert generated_roles(translated, declared) == {"ValidateFunctionRole"}
    managed = translated["Resources"]["ValidateFunctionRole"]["Properties"]["ManagedPolicyArns"]
    assert any("AWSLambdaSQSQueueExecutionRole" in json.dumps(arn) for arn in managed)


def test_no_function_is_allowed_a_data_plane_action_on_every_resource() -> None:
    for function, statements in policies().items():
        for statement in statements:
            assert statement.get("Effect") == "Allow", (function, statement)
            assert "NotResource" not in statement
            assert "NotAction" not in statement
            actions = _list(statement["Action"])
            for action in actions:
                assert "*" not in action, f"{function}: wildcard action {action}"
            if "*" in _list(statement["Resource"]):
                assert set(actions) <= ONLY_ON_EVERY_RESOURCE, (
                    f"{function}: {statement.get('Sid')} allows {actions} on *"
                )


def test_no_role_of_the_stack_allows_a_data_plane_action_on_every_resource() -> None:
    # the functions' roles and the others (EventBridge Scheduler's) alike
    for name, role in of_type(cloudformation(), "AWS::IAM::Role").items():
        assert not role["Properties"].get("ManagedPolicyArns"), name
        for policy in role["Properties"].get("Policies", []):
            for statement in _list(policy["PolicyDocument"]["Statement"]):
                if "*" in _list(statement.get("Resource", [])):
                    assert set(_list(statement["Action"])) <= ONLY_ON_EVERY_RESOURCE, (
                        f"{name}: {statement.get('Sid')} on *"
                    )


def test_every_call_is_allowed_and_every_allowance_is_called(
    used_actions: dict[str, set[str]],
) -> None:
    translated = cloudformation()
    template = policies(translated)
    assert set(used_actions) == set(template), "every function ran"
    for function, statements in template.items():
        granted = allowed(statements)
        used = used_actions[function]
        assert used <= granted, f"{function} calls {used - granted} without permission"
        implied = {action for f, action in IMPLIED if f == function}
        excess = granted - used - implied - lambda_needs(translated, function)
        known = {action for f, action in KNOWN_EXCESS if f == function}
        assert excess == known, f"{function} may {excess - known} but never does"


def test_every_call_is_allowed_on_the_resource_it_touched(recorded: Recorded) -> None:
    for function, statements in policies().items():
        resolved = _resolved(recorded.stack, statements)
        touched = recorded.touched[function]
        assert touched, f"{function} made no call"
        for action, arn in sorted(touched):
            assert any(
                action in _list(s["Action"]) and any(_matches(r, arn) for r in _list(s["Resource"]))
                for s in resolved
            ), f"{function}: {action} on {arn} is not allowed"


def test_what_lambda_does_with_a_role_reaches_only_the_function_own_resources(
    recorded: Recorded,
) -> None:
    stack = recorded.stack
    for function, statements in policies().items():
        spec = stack.functions[function]
        sources = {source.source_arn for source in spec.events}
        tables = {
            source.source_arn.split("/stream/", 1)[0] + "/stream/*"
            for source in spec.events
            if source.kind == "DynamoDB"
        }
        [log_group] = [
            resource
            for resource in stack.resources.values()
            if resource.resource_type == "AWS::Logs::LogGroup"
            and resource.physical_id == f"/aws/lambda/{spec.function_name}"
        ]
        for statement in _resolved(stack, statements):
            actions, resources = set(_list(statement["Action"])), set(_list(statement["Resource"]))
            if actions & (POLLING["sqs"] | POLLING["dynamodb"]):
                assert resources <= sources, f"{function} may poll {resources - sources}"
            if STREAM_LISTING in actions:
                assert resources <= tables, f"{function} may list {resources - tables}"
            if actions & LOG_WRITES:
                assert resources == {log_group.attributes["Arn"]}, f"{function} logs: {resources}"
            if actions & ONLY_ON_EVERY_RESOURCE:
                assert actions <= ONLY_ON_EVERY_RESOURCE, "X-Ray's `*` statement stays alone"


def test_the_recorder_would_notice_an_excess(used_actions: dict[str, set[str]]) -> None:
    statements = [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutBucketPolicy"]}]
    assert allowed(statements) - used_actions["RenderFunction"] == {"s3:PutBucketPolicy"}


def test_the_resource_check_would_notice_a_call_outside_the_statements(
    recorded: Recorded,
) -> None:
    # GIVEN the RenderFunction's page writes narrowed to one folder of the site bucket
    site = recorded.stack.attribute("SiteBucket", "Arn")
    narrowed = f"{site}/sport/*"
    writes = {arn for action, arn in recorded.touched["RenderFunction"] if action == "s3:PutObject"}
    # THEN the homepage write it makes is outside them, and so noticed
    assert f"{site}/index.html" in {arn for arn in writes if not _matches(narrowed, arn)}
    assert any(_matches(narrowed, arn) for arn in writes), "a page under /sport/ is inside"


def test_the_roles_checked_are_those_the_local_stack_was_built_from(recorded: Recorded) -> None:
    # one translation: the stack the calls were recorded in is built from what is read here
    assert recorded.stack.template == cloudformation()
