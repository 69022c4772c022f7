"""The CloudFormation-aware loader and evaluator behave as CloudFormation does.

Pure tests: text in, long forms and values out. The local cloud trusts these two pieces
to read template.yaml, so each intrinsic it relies on has its case here.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from rotativa_tools.local.template import (
    NO_VALUE,
    ParameterError,
    PhysicalResource,
    ResolveContext,
    TemplateError,
    UnresolvedReferenceError,
    UnsupportedIntrinsicError,
    evaluate_condition,
    load_template,
    parse_template,
    partition_for,
    referenced_names,
    resolve,
)
from tests.conftest import ROOT


def _value(yaml_text: str) -> Any:
    """The long form of one `Value:` written in template YAML."""
    document = parse_template("Resources: {}\nValue: " + textwrap.dedent(yaml_text).strip())
    return document["Value"]


def _context(**overrides: Any) -> ResolveContext:
    template: dict[str, Any] = {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
            "Window": {"Type": "Number", "Default": 60, "MinValue": 0, "MaxValue": 300},
            "Sections": {"Type": "CommaDelimitedList", "Default": "Sport,Bresso"},
            "Host": {"Type": "String", "Default": "a.example", "AllowedPattern": "^[a-z.]+$"},
        },
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
            "Batching": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Window"}, 0]}]},
            "ProdAndBatching": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "Batching"}]},
            "ProdOrBatching": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Batching"}]},
        },
        "Mappings": {"Sizes": {"dev": {"Memory": 256}, "prod": {"Memory": 1024}}},
        "Resources": {
            "Queue": {"Type": "AWS::SQS::Queue"},
            "Later": {"Type": "AWS::SQS::Queue"},
        },
    }
    return ResolveContext.for_template(
        template,
        stack_name="rotativa-test",
        region=overrides.pop("region", "eu-south-1"),
        account_id="111122223333",
        parameters=overrides.pop("parameters", None),
        resources={
            "Queue": PhysicalResource(
                "Queue",
                "AWS::SQS::Queue",
                "https://sqs.example/queue",
                {"Arn": "arn:aws:sqs:eu-south-1:111122223333:queue", "Endpoint.Address": "h"},
            )
        },
    )


# ---------------------------------------------------------------------------- loading


@pytest.mark.parametrize(
    ("yaml_text", "expected"),
    [
        ("!Ref Stage", {"Ref": "Stage"}),
        ("!Condition IsProd", {"Condition": "IsProd"}),
        ("!GetAtt Queue.Arn", {"Fn::GetAtt": ["Queue", "Arn"]}),
        ("!GetAtt Db.Endpoint.Address", {"Fn::GetAtt": ["Db", "Endpoint.Address"]}),
        ("!GetAtt [Queue, Arn]", {"Fn::GetAtt": ["Queue", "Arn"]}),
        ("!Sub '${AWS::StackName}-inbox'", {"Fn::Sub": "${AWS::StackName}-inbox"}),
        ("!Sub ['${A}-x', {A: !Ref Stage}]", {"Fn::Sub": ["${A}-x", {"A": {"Ref": "Stage"}}]}),
        ("!Join [',', [a, b]]", {"Fn::Join": [",", ["a", "b"]]}),
        ("!Select [0, !Split [',', 'a,b']]", {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}),
        ("!If [IsProd, 1, 2]", {"Fn::If": ["IsProd", 1, 2]}),
        ("!Equals [!Ref Stage, prod]", {"Fn::Equals": [{"Ref": "Stage"}, "prod"]}),
        ("!Not [!Condition IsProd]", {"Fn::Not": [{"Condition": "IsProd"}]}),
        (
            "!And [!Condition A, !Condition B]",
            {"Fn::And": [{"Condition": "A"}, {"Condition": "B"}]},
        ),
        ("!Or [!Condition A, !Condition B]", {"Fn::Or": [{"Condition": "A"}, {"Condition": "B"}]}),
        ("!FindInMap [Sizes, dev, Memory]", {"Fn::FindInMap": ["Sizes", "dev", "Memory"]}),
        ("!Base64 hello", {"Fn::Base64": "hello"}),
        ("!GetAZs ''", {"Fn::GetAZs": ""}),
        ("!ImportValue shared-vpc", {"Fn::ImportValue": "shared-vpc"}),
        ("!Cidr [10.0.0.0/16, 4, 8]", {"Fn::Cidr": ["10.0.0.0/16", 4, 8]}),
    ],
)
def test_short_forms_become_long_forms(yaml_text: str, expected: Any) -> None:
    assert _value(yaml_text) == expected


def test_nested_tags_and_block_mappings_are_built_deep() -> None:
    value = _value(
        """
        !If
          - IsProd
          - Name: !Sub "${AWS::StackName}-${Stage}"
            Arn: !GetAtt Queue.Arn
          - !Ref AWS::NoValue
        """
    )
    assert value == {
        "Fn::If": [
            "IsProd",
            {
                "Name": {"Fn::Sub": "${AWS::StackName}-${Stage}"},
                "Arn": {"Fn::GetAtt": ["Queue", "Arn"]},
            },
            {"Ref": "AWS::NoValue"},
        ]
    }


def test_dates_stay_text_as_in_cloudformation() -> None:
    assert _value("2012-10-17") == "2012-10-17"


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("!Reff Stage", "unknown CloudFormation tag !Reff"),
        ("!GetAtt Queue", "is not Resource.Attribute"),
        ("!Ref [Stage]", "!Ref takes a name"),
    ],
)
def test_malformed_tags_are_refused_with_the_reason(yaml_text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        _value(yaml_text)


def test_a_document_without_resources_is_not_a_template() -> None:
    with pytest.raises(TemplateError, match="no Resources"):
        parse_template("Parameters: {}\n")


def test_the_project_template_loads_in_long_form() -> None:
    template = load_template(ROOT / "template.yaml")

    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    globals_variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert globals_variables["ARTICLES_TABLE"] == {"Ref": "ArticlesTable"}
    bucket = template["Resources"]["InboxBucket"]["Properties"]
    assert set(bucket["BucketName"]) == {"Fn::Sub"}


# ---------------------------------------------------------------------------- evaluating


def test_ref_reads_parameters_defaults_and_overrides() -> None:
    assert resolve({"Ref": "Stage"}, _context()) == "dev"
    assert resolve({"Ref": "Stage"}, _context(parameters={"Stage": "prod"})) == "prod"
    assert resolve({"Ref": "Window"}, _context()) == "60"
    assert resolve({"Ref": "Sections"}, _context()) == ["Sport", "Bresso"]


def test_ref_reads_pseudo_parameters() -> None:
    context = _context()
    assert resolve({"Ref": "AWS::Region"}, context) == "eu-south-1"
    assert resolve({"Ref": "AWS::AccountId"}, context) == "111122223333"
    assert resolve({"Ref": "AWS::StackName"}, context) == "rotativa-test"
    assert resolve({"Ref": "AWS::Partition"}, context) == "aws"
    assert resolve({"Ref": "AWS::URLSuffix"}, context) == "amazonaws.com"
    assert resolve({"Ref": "AWS::NoValue"}, context) is NO_VALUE
    china = _context(region="cn-north-1")
    assert resolve({"Ref": "AWS::Partition"}, china) == "aws-cn"
    assert resolve({"Ref": "AWS::URLSuffix"}, china) == "amazonaws.com.cn"
    assert partition_for("us-gov-west-1") == "aws-us-gov"


def test_ref_and_getatt_read_the_resources_supplied() -> None:
    context = _context()
    assert resolve({"Ref": "Queue"}, context) == "https://sqs.example/queue"
    assert resolve({"Fn::GetAtt": ["Queue", "Arn"]}, context).endswith(":queue")
    assert resolve({"Fn::GetAtt": "Queue.Endpoint.Address"}, context) == "h"


def test_sub_in_both_forms() -> None:
    context = _context()
    assert resolve({"Fn::Sub": "${AWS::StackName}-${Stage}-${Window}"}, context) == (
        "rotativa-test-dev-60"
    )
    assert resolve({"Fn::Sub": "${Queue.Arn}/x"}, context).endswith(":queue/x")
    assert resolve({"Fn::Sub": "${Queue}"}, context) == "https://sqs.example/queue"
    assert resolve({"Fn::Sub": "${!Literal} stays"}, context) == "${Literal} stays"
    assert resolve({"Fn::Sub": ["${Who}@${Stage}", {"Who": {"Ref": "AWS::Region"}}]}, context) == (
        "eu-south-1@dev"
    )


def test_join_select_split() -> None:
    context = _context()
    assert resolve({"Fn::Join": ["/", ["a", {"Ref": "Stage"}, 3]]}, context) == "a/dev/3"
    assert resolve({"Fn::Join": [",", {"Ref": "Sections"}]}, context) == "Sport,Bresso"
    assert resolve({"Fn::Split": [",", "a,b,c"]}, context) == ["a", "b", "c"]
    assert resolve({"Fn::Select": ["1", {"Fn::Split": [",", "a,b,c"]}]}, context) == "b"
    assert resolve({"Fn::Select": [0, {"Ref": "Sections"}]}, context) == "Sport"
    with pytest.raises(TemplateError, match="index 5"):
        resolve({"Fn::Select": [5, ["a"]]}, context)


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, {"IsProd": False, "NotProd": True, "ProdAndBatching": False, "ProdOrBatching": True}),
        (
            {"Stage": "prod", "Window": "0"},
            {"IsProd": True, "NotProd": False, "ProdAndBatching": False, "ProdOrBatching": True},
        ),
        (
            {"Stage": "prod"},
            {"IsProd": True, "NotProd": False, "ProdAndBatching": True, "ProdOrBatching": True},
        ),
        (
            {"Window": "0"},
            {"IsProd": False, "NotProd": True, "ProdAndBatching": False, "ProdOrBatching": False},
        ),
    ],
)
def test_conditions_combine_as_cloudformation_does(
    parameters: dict[str, str], expected: dict[str, bool]
) -> None:
    context = _context(parameters=parameters)
    assert {name: evaluate_condition(name, context) for name in expected} == expected


def test_if_picks_a_branch_and_no_value_removes_the_property() -> None:
    value = {
        "Size": {"Fn::If": ["IsProd", 1000, 10]},
        "Protect": {"Fn::If": ["IsProd", True, {"Ref": "AWS::NoValue"}]},
        "List": ["a", {"Fn::If": ["IsProd", "b", {"Ref": "AWS::NoValue"}]}],
    }
    assert resolve(value, _context()) == {"Size": 10, "List": ["a"]}
    assert resolve(value, _context(parameters={"Stage": "prod"})) == {
        "Size": 1000,
        "Protect": True,
        "List": ["a", "b"],
    }


def test_find_in_map_and_base64() -> None:
    context = _context(parameters={"Stage": "prod"})
    assert resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, context) == 1024
    assert resolve({"Fn::Base64": "ciao"}, context) == "Y2lhbw=="
    with pytest.raises(UnresolvedReferenceError, match=r"Sizes\.qa\.Memory"):
        resolve({"Fn::FindInMap": ["Sizes", "qa", "Memory"]}, context)


@pytest.mark.parametrize("function", ["Fn::ImportValue", "Fn::GetAZs", "Fn::Cidr", "Fn::Length"])
def test_unsupported_functions_are_named(function: str) -> None:
    with pytest.raises(UnsupportedIntrinsicError, match=function) as raised:
        resolve({"Outer": {function: "x"}}, _context(), where="Resources.X.Properties")
    assert "Resources.X.Properties.Outer" in str(raised.value)


def test_condition_functions_outside_conditions_are_refused() -> None:
    with pytest.raises(TemplateError, match="Fn::Equals is only valid"):
        resolve({"Fn::Equals": ["a", "a"]}, _context())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Ref": "Nowhere"}, "neither a parameter nor a resource"),
        ({"Ref": "Later"}, "Later does not exist: not created yet"),
        ({"Fn::GetAtt": ["Queue", "QueueName"]}, "no attribute 'QueueName'.*known: Arn"),
        ({"Fn::Sub": "${Nowhere.Arn}"}, "neither a parameter nor a resource"),
        ({"Fn::Sub": "${Sections}"}, "not a string"),
        ({"Fn::If": ["Missing", 1, 2]}, "no condition 'Missing'"),
        ({"Ref": "AWS::Nothing"}, "unknown pseudo parameter"),
    ],
)
def test_unresolvable_references_say_what_is_missing(value: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        resolve(value, _context())


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"Stage": "qa"}, "Stage='qa' is not one of"),
        ({"Window": "301"}, "above 300"),
        ({"Window": "-1"}, "below 0"),
        ({"Window": "soon"}, "not a number"),
        ({"Host": "A.example"}, "does not match"),
        ({"Colour": "red"}, "declares no parameter Colour"),
    ],
)
def test_parameter_values_are_checked_like_cloudformation(
    parameters: dict[str, str], message: str
) -> None:
    with pytest.raises(ParameterError, match=message):
        _context(parameters=parameters)


def test_a_parameter_without_default_needs_a_value() -> None:
    template = {"Parameters": {"Domain": {"Type": "String"}}, "Resources": {}}
    with pytest.raises(ParameterError, match="Domain has no Default"):
        ResolveContext.for_template(template, stack_name="s", region="eu-south-1", account_id="1")


def test_referenced_names_are_the_graph_edges() -> None:
    value = {
        "A": {"Ref": "Queue"},
        "B": {"Fn::GetAtt": ["Table", "StreamArn"]},
        "C": {"Fn::GetAtt": "Bucket.Arn"},
        "D": {"Fn::Sub": "${Site.Arn}/* ${AWS::Region} ${!Skip}"},
        "E": {"Fn::Sub": ["${Local}-${Stage}", {"Local": {"Ref": "Distribution"}}]},
        "F": {"Fn::If": ["IsProd", {"Ref": "Prod"}, {"Ref": "Dev"}]},
    }
    assert referenced_names(value) == {
        "Queue",
        "Table",
        "Bucket",
        "Site",
        "AWS::Region",
        "Stage",
        "Distribution",
        "Prod",
        "Dev",
    }


def test_the_project_template_conditions_evaluate() -> None:
    template = load_template(ROOT / "template.yaml")
    for stage, protected in (("dev", False), ("prod", True)):
        context = ResolveContext.for_template(
            template,
            stack_name="rotativa",
            region="eu-south-1",
            account_id="111122223333",
            parameters={"Stage": stage},
        )
        assert evaluate_condition("IsProd", context) is protected
        name = resolve(template["Resources"]["InboxBucket"]["Properties"]["BucketName"], context)
        assert name == "rotativa-inbox-111122223333-eu-south-1"
