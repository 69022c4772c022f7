"""What a first deployment needs from template.yaml: the site's own domain with its
certificate, and a policy to give editors.

A newsroom deploys to its own name (www.example.it) with an ACM certificate, which
CloudFront accepts only from us-east-1; the template takes both as parameters and sets the
distribution's Aliases and ViewerCertificate only when they are given. Editors get one
managed policy, its ARN an output, that lets them upload and read reports and nothing
else; tests/reliability/test_editors_policy.py proves what it allows against moto's IAM.
"""

from __future__ import annotations

from typing import Any

import pytest

from rotativa_tools.local.template import (
    ParameterError,
    ResolveContext,
    evaluate_condition,
    resolve,
    translate,
)
from tests.integration.conftest import REGION

ACCOUNT = "123456789012"
CERTIFICATE = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
DOMAIN = "www.nordmilanonotizie.it"


def _context(template: dict[str, Any], **parameters: str) -> ResolveContext:
    return ResolveContext.for_template(
        template, stack_name="rotativa", region=REGION, account_id=ACCOUNT, parameters=parameters
    )


def _distribution(template: dict[str, Any], **parameters: str) -> dict[str, Any]:
    """The distribution's configuration as CloudFormation resolves it for these parameters
    (references to other resources stay as written: only the conditions matter here)."""
    context = _context(template, **parameters)
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    wanted = {key: config[key] for key in ("Aliases", "ViewerCertificate") if key in config}
    resolved: dict[str, Any] = resolve(wanted, context)
    return resolved


def _rules_hold(template: dict[str, Any], **parameters: str) -> bool:
    """Every assertion of the template's Rules, evaluated as CloudFormation does before
    it creates anything (the local evaluator's condition functions are the same ones)."""
    assertions = [
        assertion["Assert"]
        for rule in template["Rules"].values()
        for assertion in rule["Assertions"]
    ]
    checks = {f"assertion{i}": expression for i, expression in enumerate(assertions)}
    context = _context({**template, "Conditions": checks}, **parameters)
    return all(evaluate_condition(name, context) for name in checks)


# ---------------------------------------------------------------------------- the domain


def test_without_a_domain_the_site_answers_on_its_cloudfront_address(
    template: dict[str, Any],
) -> None:
    # GIVEN the default parameters, THEN neither alias nor certificate reaches CloudFront
    assert _distribution(template) == {}
    assert _rules_hold(template)


def test_a_domain_and_its_certificate_become_the_distribution_aliases(
    template: dict[str, Any],
) -> None:
    # WHEN a newsroom deploys with its own name and certificate
    config = _distribution(template, SiteDomainName=DOMAIN, SiteCertificateArn=CERTIFICATE)
    # THEN the distribution answers on that name, with that certificate, SNI, TLS >= 1.2
    assert config == {
        "Aliases": [DOMAIN],
        "ViewerCertificate": {
            "AcmCertificateArn": CERTIFICATE,
            "SslSupportMethod": "sni-only",
            "MinimumProtocolVersion": "TLSv1.2_2021",
        },
    }
    assert _rules_hold(template, SiteDomainName=DOMAIN, SiteCertificateArn=CERTIFICATE)


@pytest.mark.parametrize(
    "parameters",
    [{"SiteDomainName": DOMAIN}, {"SiteCertificateArn": CERTIFICATE}],
    ids=["domain-without-certificate", "certificate-without-domain"],
)
def test_half_a_domain_is_refused_before_anything_is_created(
    template: dict[str, Any], parameters: dict[str, str]
) -> None:
    assert not _rules_hold(template, **parameters)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        # CloudFront reads certificates only from us-east-1
        ("SiteCertificateArn", f"arn:aws:acm:eu-south-1:{ACCOUNT}:certificate/0a1b2c3d"),
        ("SiteCertificateArn", "0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
        ("SiteDomainName", "https://www.nordmilanonotizie.it/"),
        ("SiteDomainName", "WWW.Example.IT"),
    ],
)
def test_a_certificate_outside_us_east_1_or_a_url_for_a_name_is_refused(
    template: dict[str, Any], name: str, value: str
) -> None:
    with pytest.raises(ParameterError, match=name):
        _context(template, **{name: value})


def test_sam_passes_the_rules_and_the_domain_through_to_cloudformation(
    template: dict[str, Any],
) -> None:
    translated = translate(template, region=REGION)
    assert translated["Rules"] == template["Rules"]
    assert _distribution(translated, SiteDomainName=DOMAIN, SiteCertificateArn=CERTIFICATE)


# ---------------------------------------------------------------------------- editors


def _editors_statements(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    policy = template["Resources"]["EditorsPolicy"]
    assert policy["Type"] == "AWS::IAM::ManagedPolicy"
    return {s["Sid"]: s for s in policy["Properties"]["PolicyDocument"]["Statement"]}


def test_editors_may_upload_articles_and_media_read_reports_and_list_those_only(
    template: dict[str, Any],
) -> None:
    inbox = {"Fn::GetAtt": ["InboxBucket", "Arn"]}
    assert _editors_statements(template) == {
        "UploadArticlesAndMedia": {
            "Sid": "UploadArticlesAndMedia",
            "Effect": "Allow",
            "Action": ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"],
            "Resource": [
                {"Fn::Sub": "${InboxBucket.Arn}/articles/*"},
                {"Fn::Sub": "${InboxBucket.Arn}/media/*"},
            ],
        },
        "ReadReports": {
            "Sid": "ReadReports",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": {"Fn::Sub": "${InboxBucket.Arn}/reports/*"},
        },
        "ListArticlesMediaAndReports": {
            "Sid": "ListArticlesMediaAndReports",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": inbox,
            "Condition": {"StringLike": {"s3:prefix": ["articles/*", "media/*", "reports/*"]}},
        },
    }


def test_the_editors_policy_has_no_wildcard_action_and_no_deny_to_lean_on(
    template: dict[str, Any],
) -> None:
    for sid, statement in _editors_statements(template).items():
        action = statement["Action"]
        actions = action if isinstance(action, list) else [action]
        assert all("*" not in action for action in actions), sid
        assert all(action.startswith("s3:") for action in actions), sid
        assert statement["Effect"] == "Allow", sid
        assert not {"NotAction", "NotResource", "Principal"} & set(statement), sid


def test_the_editors_policy_arn_is_an_output(template: dict[str, Any]) -> None:
    assert template["Outputs"]["EditorsPolicyArn"]["Value"] == {"Ref": "EditorsPolicy"}
