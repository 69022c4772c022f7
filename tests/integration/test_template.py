"""template.yaml passes AWS's own linters offline and keeps the flow's invariants.

The linters catch what CloudFormation and SAM would reject at deploy time; the structural
checks catch what they accept but the design forbids: a queue without a dead-letter
queue, a visibility timeout a slow batch can outlive, a wildcard where an ARN fits.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rotativa_tools.local.template import (
    LOCAL_CODE_BUCKET,
    ResolveContext,
    evaluate_condition,
    of_type,
    resolve,
    translate,
)
from tests.conftest import ROOT
from tests.integration.conftest import REGION, TEMPLATE

FUNCTIONS = {
    "ValidateFunction": "validate",
    "IndexFunction": "index",
    "RenderFunction": "render",
    "InvalidateFunction": "invalidate",
    "SearchFunction": "search",
}
OUTPUTS = {
    "InboxBucketName",
    "SiteBucketName",
    "DistributionId",
    "DistributionDomainName",
    "ArticlesTableName",
    "IngestQueueUrl",
    "IngestDLQUrl",
    "RenderQueueUrl",
    "RenderDLQUrl",
    "InvalidateQueueUrl",
    "InvalidateDLQUrl",
    "IndexDLQUrl",
    "SearchQueueUrl",
    "SearchDLQUrl",
    "ScheduleDLQUrl",
    "ArticleScheduleGroupName",
    "AlarmTopicArn",
    "EditorsPolicyArn",
}
FOURTEEN_DAYS = 14 * 24 * 3600


def _tool(name: str) -> str:
    """The venv's copy of a console script, so the suite uses the pinned version."""
    beside_python = Path(sys.executable).parent / name
    found = str(beside_python) if beside_python.exists() else shutil.which(name)
    assert found, f"{name} is not installed: run `make install`"
    return found


@pytest.fixture
def translated(template: dict[str, Any]) -> dict[str, Any]:
    """template.yaml as CloudFormation gets it: SAM's translation (Globals merged)."""
    return translate(template, region=REGION)


def _function(translated: dict[str, Any], logical_id: str) -> dict[str, Any]:
    """The deployed function's properties."""
    function = translated["Resources"][logical_id]
    assert function["Type"] == "AWS::Lambda::Function"
    properties: dict[str, Any] = function["Properties"]
    return properties


def _mappings(translated: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    """The properties of the function's event source mappings (its SAM Events)."""
    return [
        mapping["Properties"]
        for mapping in of_type(translated, "AWS::Lambda::EventSourceMapping").values()
        if mapping["Properties"]["FunctionName"] == {"Ref": logical_id}
    ]


def _largest(value: Any, template: dict[str, Any]) -> int:
    """A number, or the largest value a Ref'd parameter allows (the worst case)."""
    if isinstance(value, dict) and "Ref" in value:
        parameter = template["Parameters"][value["Ref"]]
        return int(parameter["MaxValue"])
    if isinstance(value, dict) and "Fn::If" in value:
        return max(_largest(branch, template) for branch in value["Fn::If"][1:])
    return int(value)


# ---------------------------------------------------------------------------- linters


@pytest.mark.slow
def test_cfn_lint_finds_nothing() -> None:
    from cfnlint.api import lint_file  # type: ignore[import-untyped]
    from cfnlint.config import ManualArgs  # type: ignore[import-untyped]

    # WHEN the template is linted for the deployment region and the default one
    matches = lint_file(TEMPLATE, config=ManualArgs(regions=[REGION, "us-east-1"]))

    # THEN there is nothing to report, warnings included
    assert [str(match) for match in matches] == []


@pytest.mark.slow
def test_sam_validate_with_lint_passes_offline(tmp_path: Path) -> None:
    # GIVEN no AWS account: dummy credentials, no telemetry, a throwaway home
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_CONTEXT": "",
        "HOME": str(tmp_path),
    }

    # WHEN SAM validates and lints the template
    result = subprocess.run(
        [_tool("sam"), "validate", "--lint", "--template-file", str(TEMPLATE), "--region", REGION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # THEN it is a valid SAM template
    assert result.returncode == 0, result.stdout + result.stderr
    assert "is a valid SAM Template" in result.stdout + result.stderr


# ---------------------------------------------------------------------------- structure


def test_the_four_functions_have_their_folders_and_handlers(translated: dict[str, Any]) -> None:
    assert set(of_type(translated, "AWS::Lambda::Function")) == set(FUNCTIONS)
    for logical_id, folder in FUNCTIONS.items():
        properties = _function(translated, logical_id)
        code = properties["Code"]
        assert code["S3Bucket"] == LOCAL_CODE_BUCKET
        assert Path(code["S3Key"]) == Path("src/functions") / folder
        module, _, function = properties["Handler"].rpartition(".")
        assert (module, function) == ("app", "lambda_handler")
        handler_file = ROOT / code["S3Key"] / f"{module}.py"
        assert handler_file.relative_to(ROOT) == Path(f"src/functions/{folder}/app.py")
        assert handler_file.is_file()


def test_every_function_gets_the_shared_layer_and_site_settings(
    translated: dict[str, Any],
) -> None:
    [(layer_id, layer)] = of_type(translated, "AWS::Lambda::LayerVersion").items()
    for logical_id in FUNCTIONS:
        properties = _function(translated, logical_id)
        assert properties["Layers"] == [{"Ref": layer_id}]
        variables = properties["Environment"]["Variables"]
        for name in ("SITE_NAME", "SITE_BASE_URL", "SITE_SECTIONS", "SITE_LOCALE"):
            assert name in variables
        assert variables["ARTICLES_TABLE"] == {"Ref": "ArticlesTable"}
    assert (ROOT / layer["Properties"]["Content"]["S3Key"] / "requirements.txt").is_file()


def test_every_work_queue_has_a_dead_letter_queue_that_keeps_messages(
    translated: dict[str, Any],
) -> None:
    queues = of_type(translated, "AWS::SQS::Queue")
    sources = {
        mapping["EventSourceArn"]["Fn::GetAtt"][0]
        for logical_id in FUNCTIONS
        for mapping in _mappings(translated, logical_id)
        if mapping["EventSourceArn"]["Fn::GetAtt"][0] in queues
    }
    assert sources == {"IngestQueue", "RenderQueue", "InvalidateQueue", "SearchQueue"}
    for logical_id in sources:
        redrive = queues[logical_id]["Properties"]["RedrivePolicy"]
        dead_letter = redrive["deadLetterTargetArn"]["Fn::GetAtt"]
        assert dead_letter[1] == "Arn"
        assert dead_letter[0] in queues
        assert 1 < redrive["maxReceiveCount"] <= 10
        assert queues[dead_letter[0]]["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert queues["IndexDLQ"]["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_queue_visibility_outlasts_the_function_and_its_batching_window(
    translated: dict[str, Any],
) -> None:
    queues = of_type(translated, "AWS::SQS::Queue")
    checked = 0
    for logical_id in FUNCTIONS:
        timeout = _function(translated, logical_id)["Timeout"]
        for mapping in _mappings(translated, logical_id):
            source = mapping["EventSourceArn"]["Fn::GetAtt"][0]
            if source not in queues:
                continue
            window = _largest(mapping.get("MaximumBatchingWindowInSeconds", 0), translated)
            assert queues[source]["Properties"]["VisibilityTimeout"] > timeout + window, source
            checked += 1
    assert checked


def test_functions_behind_queues_report_partial_batch_failures(
    translated: dict[str, Any],
) -> None:
    for logical_id in FUNCTIONS:
        mappings = _mappings(translated, logical_id)
        assert mappings, f"{logical_id} has an event source"
        for mapping in mappings:
            assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_stream_reaches_only_article_items_and_parks_failures(
    translated: dict[str, Any],
) -> None:
    (properties,) = _mappings(translated, "IndexFunction")
    assert properties["EventSourceArn"] == {"Fn::GetAtt": ["ArticlesTable", "StreamArn"]}
    (pattern,) = properties["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"]) == {"dynamodb": {"Keys": {"sk": {"S": ["article"]}}}}
    assert properties["DestinationConfig"]["OnFailure"]["Destination"] == {
        "Fn::GetAtt": ["IndexDLQ", "Arn"]
    }
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["MaximumRetryAttempts"] == 5


def test_inline_policies_name_resources_never_a_bare_wildcard(template: dict[str, Any]) -> None:
    # X-Ray's two write actions take no resource but `*` (they reach no data of ours)
    only_on_everything = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    for logical_id in FUNCTIONS:
        properties = template["Resources"][logical_id]["Properties"]
        assert "Policies" not in properties, f"{logical_id}: its role holds its statements"
        role_id, attribute = properties["Role"]["Fn::GetAtt"]
        role = template["Resources"][role_id]
        assert (role["Type"], attribute) == ("AWS::IAM::Role", "Arn")
        assert "ManagedPolicyArns" not in role["Properties"]
        for policy in role["Properties"]["Policies"]:
            for statement in policy["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                resources = statement["Resource"]
                resources = resources if isinstance(resources, list) else [resources]
                actions = statement["Action"]
                actions = actions if isinstance(actions, list) else [actions]
                if "*" in resources:
                    assert set(actions) <= only_on_everything, (logical_id, statement.get("Sid"))
                assert not any(action.endswith(":*") for action in actions)


def test_the_queue_policy_names_the_inbox_bucket_by_its_computed_name(
    template: dict[str, Any],
) -> None:
    # GIVEN the bucket's name, computed rather than generated to avoid a cycle
    resources = template["Resources"]
    bucket_name = resources["InboxBucket"]["Properties"]["BucketName"]["Fn::Sub"]

    # WHEN the queue policy names the bucket that may send to it
    (statement,) = resources["IngestQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    source_arn = statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]

    # THEN it is the same bucket, and the bucket waits for the policy
    assert source_arn == "arn:${AWS::Partition}:s3:::" + bucket_name
    assert resources["InboxBucket"]["DependsOn"] == "IngestQueuePolicy"
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}


def test_the_inbox_notifies_every_creation_and_removal(template: dict[str, Any]) -> None:
    # Unfiltered: an upload outside articles/ and media/ is answered with a report too.
    configuration = template["Resources"]["InboxBucket"]["Properties"]["NotificationConfiguration"]
    seen = {
        (item["Event"], repr(item.get("Filter")), item["Queue"]["Fn::GetAtt"][0])
        for item in configuration["QueueConfigurations"]
    }
    assert seen == {
        (event, "None", "IngestQueue") for event in ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
    }


def test_the_inbox_bucket_name_fits_s3_for_a_short_stack_name(template: dict[str, Any]) -> None:
    context = ResolveContext.for_template(
        template, stack_name="rotativa-staging", region="ap-southeast-2", account_id="1" * 12
    )
    name = resolve(template["Resources"]["InboxBucket"]["Properties"]["BucketName"], context)
    assert len(name) <= 63
    assert name == name.lower()


def test_only_prod_protects_the_table_from_deletion(template: dict[str, Any]) -> None:
    protection = template["Resources"]["ArticlesTable"]["Properties"]["DeletionProtectionEnabled"]
    for stage, expected in (("dev", False), ("staging", False), ("prod", True)):
        context = ResolveContext.for_template(
            template,
            stack_name="rotativa",
            region=REGION,
            account_id="123456789012",
            parameters={"Stage": stage},
        )
        assert resolve(protection, context) is expected
        assert evaluate_condition("IsProd", context) is expected


def test_a_zero_batching_window_keeps_the_invalidate_batch_within_sqs_limits(
    translated: dict[str, Any],
) -> None:
    # SQS event sources reject batches above 10 without a batching window of at least 1 s.
    (mapping,) = _mappings(translated, "InvalidateFunction")
    for window, batch in (("0", 10), ("60", 1000), ("300", 1000)):
        context = ResolveContext.for_template(
            translated,
            stack_name="rotativa",
            region=REGION,
            account_id="123456789012",
            parameters={"InvalidationBatchWindow": window},
        )
        wanted = ("MaximumBatchingWindowInSeconds", "BatchSize")
        properties = resolve({key: mapping[key] for key in wanted}, context)
        assert (properties["MaximumBatchingWindowInSeconds"], properties["BatchSize"]) == (
            window,
            batch,
        )


def test_the_site_is_private_behind_cloudfront(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for bucket in ("InboxBucket", "SiteBucket"):
        properties = resources[bucket]["Properties"]
        assert set(properties["PublicAccessBlockConfiguration"].values()) == {True}
        assert properties["OwnershipControls"]["Rules"] == [
            {"ObjectOwnership": "BucketOwnerEnforced"}
        ]
    statements = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (allow,) = [s for s in statements if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert "${Distribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    config = resources["Distribution"]["Properties"]["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["FunctionAssociations"][0]["EventType"] == "viewer-request"
    assert {e["ErrorCode"]: e["ResponsePagePath"] for e in config["CustomErrorResponses"]} == {
        403: "/404.html",
        404: "/404.html",
    }


def test_the_outputs_name_everything_a_developer_or_the_cli_needs(
    template: dict[str, Any],
) -> None:
    assert set(template["Outputs"]) == OUTPUTS


def _directives(template: dict[str, Any], policy: str) -> dict[str, str]:
    config = template["Resources"][policy]["Properties"]
    headers = config["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    return dict(
        directive.strip().split(" ", 1)
        for directive in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"].split(";")
    )


def test_the_content_security_policy_allows_only_what_the_pages_use(
    template: dict[str, Any],
) -> None:
    directives = _directives(template, "SecurityHeadersPolicy")
    assert directives == {
        "default-src": "'none'",
        "img-src": "'self' https:",
        "style-src": "'self'",
        "style-src-attr": "'unsafe-inline'",
        "font-src": "'self'",
        "base-uri": "'none'",
        "form-action": "'self'",  # the masthead's search box, to /cerca/
        "frame-ancestors": "'none'",
    }
    assert "script-src" not in directives  # JSON-LD is data; the pages run no JavaScript
    headers = template["Resources"]["SecurityHeadersPolicy"]["Properties"]
    hsts = headers["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "StrictTransportSecurity"
    ]
    assert hsts["AccessControlMaxAgeSec"] >= 2 * 365 * 24 * 3600
    assert hsts["IncludeSubdomains"] is True


def test_only_the_search_page_may_run_scripts_and_only_the_sites_own(
    template: dict[str, Any],
) -> None:
    search = _directives(template, "SearchHeadersPolicy")
    site = _directives(template, "SecurityHeadersPolicy")
    # what the search page needs beyond any page: its scripts, pagefind's worker and
    # WebAssembly, and fetches of the bundle; all from the site itself
    assert {k: v for k, v in search.items() if site.get(k) != v} == {
        "script-src": "'self' 'wasm-unsafe-eval'",
        "worker-src": "'self'",
        "connect-src": "'self'",
    }
    assert "'unsafe-eval'" not in search["script-src"]
    assert "'unsafe-inline'" not in search["script-src"]
    behaviors = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    by_path = {b["PathPattern"]: b for b in behaviors["CacheBehaviors"]}
    assert by_path["/cerca/*"]["ResponseHeadersPolicyId"] == {"Ref": "SearchHeadersPolicy"}
    # the same pretty URLs and old-address redirects as every page
    assert (
        by_path["/cerca/*"]["FunctionAssociations"]
        == behaviors["DefaultCacheBehavior"]["FunctionAssociations"]
    )
    uses = [
        b for b in [behaviors["DefaultCacheBehavior"], *behaviors["CacheBehaviors"]]
        if b["ResponseHeadersPolicyId"] == {"Ref": "SearchHeadersPolicy"}
    ]  # fmt: skip
    assert uses == [by_path["/cerca/*"], by_path["/cerca"]]  # the page, with or without "/"
    assert by_path["/cerca"] == {**by_path["/cerca/*"], "PathPattern": "/cerca"}


@pytest.mark.parametrize(
    ("uri", "object_key"),
    [
        ("/", "/index.html"),
        ("/sport/", "/sport/index.html"),
        ("/sport", "/sport/index.html"),
        ("/sesto-san-giovanni/page/2", "/sesto-san-giovanni/page/2/index.html"),
        ("/sport/carrera-a-mosca/", "/sport/carrera-a-mosca/index.html"),
        ("/feed.xml", "/feed.xml"),
        ("/assets/site.3f2a9c.css", "/assets/site.3f2a9c.css"),
        ("/media/carrera.jpg", "/media/carrera.jpg"),
    ],
)
def test_the_viewer_request_function_maps_pretty_urls_to_pages(
    template: dict[str, Any], tmp_path: Path, uri: str, object_key: str
) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed; the CloudFront function is JavaScript")
    code = template["Resources"]["IndexRewriteFunction"]["Properties"]["FunctionCode"]
    script = tmp_path / "run.js"
    script.write_text(
        code + f"\nprocess.stdout.write(handler({{request: {{uri: {json.dumps(uri)}}}}}).uri);\n"
    )

    result = subprocess.run([node, str(script)], capture_output=True, text=True, check=True)

    assert result.stdout == object_key
