"""Each function's IAM policy allows what its code calls, on named resources, and no more.

The calls are not guessed from the source: the pipeline runs on moto with a botocore hook
recording, per function, every service operation (and the item actions inside each
transaction), mapped to the IAM actions AWS authorises them with. The template's
statements are then compared with that: an allowed action no function call needs, or a
needed one not allowed, or an Allow on `*`, fails.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto import mock_aws

from rotativa.local.cloud import LocalCloud
from rotativa.local.runtime import current_function
from rotativa.local.template import load_template
from tests.conftest import ROOT
from tests.integration.pipeline_helpers import article
from tests.reliability.cloud_helpers import core_session

TEMPLATE = ROOT / "template.yaml"

# IAM action for each operation (HeadObject is authorised as s3:GetObject, and so on).
S3_ACTIONS = {"GetObject": "s3:GetObject", "HeadObject": "s3:GetObject",
              "PutObject": "s3:PutObject", "DeleteObject": "s3:DeleteObject",
              "ListObjectsV2": "s3:ListBucket", "CopyObject": "s3:PutObject"}  # fmt: skip
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


@pytest.fixture(scope="module")
def used_actions() -> Iterator[dict[str, set[str]]]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                            "AWS_DEFAULT_REGION": "eu-south-1",
                            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():  # fmt: skip
            patch.setenv(name, value)
        with mock_aws():
            cloud = LocalCloud.start()
            recorder = ActionRecorder()
            core_session().register("before-call", recorder)
            # every path of every function: media, publish, update moving the address,
            # a rejection and its report, a correction clearing it, a delete
            cloud.put("media/foto.jpg", b"\xff\xd8\xff jpeg")
            image = "image:\n  src: media/foto.jpg\n  alt: Foto\n"
            cloud.put("articles/uno.md", article("Uno", tags=("Calcio",), extra=image))
            cloud.put("articles/due.md", article("Due", tags=("Calcio",)))
            cloud.run_until_quiet()
            cloud.put("articles/uno.md", article("Uno", section="Bresso", slug="nuovo"))
            cloud.put("articles/due.md", "---\ntitle: [rotto\n---\n")
            cloud.run_until_quiet()
            cloud.put("articles/due.md", article("Due bis", date="2024-05-03T10:00"))
            cloud.delete("articles/uno.md")
            cloud.delete("media/foto.jpg")
            cloud.run_until_quiet()
            # an embargo made, moved, and come due; an expiry made and come due
            soon = datetime.now(UTC) + timedelta(hours=1)
            for hours in (1, 2):
                embargo = f"publish_at: {soon + timedelta(hours=hours):%Y-%m-%dT%H:%M:%SZ}\n"
                expiry = f"expires_at: {soon + timedelta(hours=5):%Y-%m-%dT%H:%M:%SZ}\n"
                cloud.put("articles/tre.md", article("Tre", extra=embargo + expiry))
                cloud.run_until_quiet()
            cloud.advance(timedelta(hours=8))
            yield {k: set(v) for k, v in recorder.used.items()}


def policies() -> dict[str, list[dict[str, Any]]]:
    resources = load_template(TEMPLATE)["Resources"]
    found: dict[str, list[dict[str, Any]]] = {}
    for name, resource in resources.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        statements = []
        for policy in resource["Properties"].get("Policies", []):
            assert isinstance(policy, dict), f"{name}: a managed or SAM policy template"
            assert "Statement" in policy, f"{name}: use inline statements"
            statements.extend(policy["Statement"])
        found[name] = statements
    return found


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def allowed(statements: list[dict[str, Any]]) -> set[str]:
    return {
        action for s in statements if s.get("Effect") == "Allow" for action in _list(s["Action"])
    }


def test_no_function_is_allowed_anything_on_every_resource() -> None:
    for function, statements in policies().items():
        for statement in statements:
            assert statement.get("Effect") == "Allow", (function, statement)
            for action in _list(statement["Action"]):
                assert "*" not in action, f"{function}: wildcard action {action}"
            for resource in _list(statement["Resource"]):
                assert resource != "*", f"{function}: {statement.get('Sid')} on *"
                assert "NotResource" not in statement
                assert "NotAction" not in statement


def test_every_call_is_allowed_and_every_allowance_is_called(
    used_actions: dict[str, set[str]],
) -> None:
    template = policies()
    assert set(used_actions) == set(template), "every function ran"
    for function, statements in template.items():
        granted = allowed(statements)
        used = used_actions[function]
        assert used <= granted, f"{function} calls {used - granted} without permission"
        implied = {action for f, action in IMPLIED if f == function}
        excess = granted - used - implied
        known = {action for f, action in KNOWN_EXCESS if f == function}
        assert excess == known, f"{function} may {excess - known} but never does"


def test_the_recorder_would_notice_an_excess(used_actions: dict[str, set[str]]) -> None:
    statements = [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutBucketPolicy"]}]
    assert allowed(statements) - used_actions["RenderFunction"] == {"s3:PutBucketPolicy"}
