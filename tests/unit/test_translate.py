"""SAM's translation, offline: what the local cloud and `invoke --stack` read template.yaml as.

Pure tests: no AWS and no moto. The translation must happen without credentials or a
network (the managed-policy map is static), keep plain CloudFormation as it is, and
leave each function's code where a local runner finds it again.
"""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path
from typing import Any

import pytest

from rotativa_tools.local.provision.functions import layer_folders
from rotativa_tools.local.template import (
    LOCAL_CODE_BUCKET,
    MANAGED_POLICIES,
    TemplateError,
    load_template,
    of_type,
    parse_template,
    translate,
)
from rotativa_tools.ops.target import DeployedStack, TargetError, deployed_function
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"
REGION = "eu-south-1"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt fails the test: the translation is offline."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the translation tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.usefixtures("no_network")
def test_the_template_translates_offline_into_lambda_resources() -> None:
    # GIVEN template.yaml, no credentials, no region in the environment, no network
    declared = load_template(TEMPLATE)

    # WHEN it is translated
    translated = translate(declared, region=REGION)

    # THEN no serverless type is left, and each function is a Lambda function with Globals in
    kinds = {resource["Type"] for resource in translated["Resources"].values()}
    assert not {kind for kind in kinds if kind.startswith("AWS::Serverless::")}
    functions = of_type(translated, "AWS::Lambda::Function")
    assert set(functions) == set(of_type(declared, "AWS::Serverless::Function"))
    globals_function = declared["Globals"]["Function"]
    for logical_id, function in functions.items():
        properties = function["Properties"]
        declared_function = declared["Resources"][logical_id]["Properties"]
        # Globals fill in what a function does not say itself (SAM's rule)
        for setting in ("Timeout", "MemorySize"):
            expected = declared_function.get(setting, globals_function[setting])
            assert properties[setting] == expected, (logical_id, setting)
        assert properties["Runtime"] == globals_function["Runtime"]
        for name in globals_function["Environment"]["Variables"]:
            assert name in properties["Environment"]["Variables"]
    # and the input is left as it was
    assert declared == load_template(TEMPLATE)


def test_code_folders_survive_the_translation_as_s3_keys() -> None:
    declared = load_template(TEMPLATE)
    translated = translate(declared, region=REGION)
    for logical_id, function in of_type(translated, "AWS::Lambda::Function").items():
        code = function["Properties"]["Code"]
        assert code == {
            "S3Bucket": LOCAL_CODE_BUCKET,
            "S3Key": declared["Resources"][logical_id]["Properties"]["CodeUri"],
        }
    [layer] = of_type(translated, "AWS::Lambda::LayerVersion").values()
    assert (
        layer["Properties"]["Content"]["S3Key"]
        == (declared["Resources"]["SharedLayer"]["Properties"]["ContentUri"])
    )


@pytest.mark.usefixtures("no_network")
def test_a_managed_policy_named_by_name_gets_its_arn_without_iam() -> None:
    # GIVEN a function on a role SAM makes, with a managed policy named by name
    template = parse_template(
        """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/functions/validate/
              Handler: app.lambda_handler
              Runtime: python3.11
              Policies: [AWSXrayWriteOnlyAccess]
        """.replace("\n        ", "\n")
    )

    translated = translate(template, region=REGION)

    arns = translated["Resources"]["FnRole"]["Properties"]["ManagedPolicyArns"]
    assert MANAGED_POLICIES["AWSXrayWriteOnlyAccess"].rsplit("/", 1)[1] in str(arns)
    assert all(arn != "AWSXrayWriteOnlyAccess" for arn in arns), "an ARN, not a bare name"


def test_plain_cloudformation_comes_back_as_a_copy() -> None:
    template = {"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {}}}}
    translated = translate(template, region=REGION)
    assert translated == template
    assert translated is not template


def test_what_sam_refuses_is_a_template_error_naming_the_resource() -> None:
    broken = load_template(TEMPLATE)
    broken["Resources"]["ValidateFunction"]["Properties"]["Events"]["Ingest"]["Type"] = "Bogus"
    with pytest.raises(TemplateError, match=r"ValidateFunction.*Bogus"):
        translate(broken, region=REGION)


# ---------------------------------------------------------------------------- invoke --stack


def _deployed(template: dict[str, Any], **extra: tuple[str, str]) -> DeployedStack:
    """A stack as CloudFormation would describe it: the translation's logical ids."""
    translated = translate(template, region=REGION)
    [layer_id] = of_type(translated, "AWS::Lambda::LayerVersion")
    arn = "arn:aws:lambda:eu-south-1:111122223333:layer:SharedLayer:7"
    return DeployedStack(
        name="rotativa-prod",
        region="eu-south-1",
        account_id="111122223333",
        parameters={"Stage": "prod", "SiteLocale": "en"},
        outputs={},
        resources={
            layer_id: (arn, "AWS::Lambda::LayerVersion"),
            "ArticlesTable": ("rotativa-prod-ArticlesTable-X1", "AWS::DynamoDB::Table"),
            "InboxBucket": ("rotativa-prod-inbox", "AWS::S3::Bucket"),
            "SiteBucket": ("rotativa-prod-site", "AWS::S3::Bucket"),
            "ValidateFunction": ("rotativa-prod-validate", "AWS::Lambda::Function"),
            **extra,
        },
    )


def test_a_deployed_function_runs_with_the_deployed_names_and_its_local_code() -> None:
    template = load_template(TEMPLATE)
    stack = _deployed(template)

    spec = deployed_function(template, ROOT, "ValidateFunction", stack)

    assert spec.function_name == "rotativa-prod-validate"
    assert spec.code_uri == ROOT / "src/functions/validate/"
    assert spec.layers == [ROOT / "src/shared/"]
    assert spec.environment["ARTICLES_TABLE"] == "rotativa-prod-ArticlesTable-X1"
    assert spec.environment["INBOX_BUCKET"] == "rotativa-prod-inbox"
    assert spec.environment["SITE_LOCALE"] == "en"
    assert spec.events == []


def test_a_deployed_function_missing_a_resource_says_which(tmp_path: Path) -> None:
    template = load_template(TEMPLATE)
    stack = _deployed(template)
    resources = {k: v for k, v in stack.resources.items() if k != "InboxBucket"}
    partial = dataclasses.replace(stack, resources=resources)

    with pytest.raises(TargetError, match="InboxBucket"):
        deployed_function(template, tmp_path, "ValidateFunction", partial)
    with pytest.raises(TargetError, match="NoSuchFunction"):
        deployed_function(template, tmp_path, "NoSuchFunction", stack)


def test_layer_folders_are_found_by_the_stack_layer_arn() -> None:
    template = load_template(TEMPLATE)
    stack = _deployed(template)
    translated = translate(template, region=REGION)
    context = stack.context(translated, stack.physical_resources())
    assert layer_folders(translated, context, ROOT) == {
        "arn:aws:lambda:eu-south-1:111122223333:layer:SharedLayer:7": ROOT / "src/shared/"
    }
