"""The headers the local site server copies from the distribution's ResponseHeadersPolicy.

tests/browser/test_csp.py serves the real template's headers to Chromium; these cover the
fields that template does not use and the templates the server cannot honour.
"""

from __future__ import annotations

from typing import Any

import pytest

from rotativa.local.site_server import cdn_headers, policy_headers
from rotativa.local.template import TemplateError, load_template, parse_template
from tests.conftest import ROOT

TEMPLATE = """
Resources:
  Headers:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        Name: !Sub "${AWS::StackName}-headers"
        SecurityHeadersConfig:
          ContentSecurityPolicy: {ContentSecurityPolicy: "default-src 'none'", Override: true}
  Unused:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        CustomHeadersConfig: {Items: [{Header: X-Unused, Value: "1", Override: true}]}
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultCacheBehavior: {ResponseHeadersPolicyId: !Ref Headers}
"""


def test_the_distributions_policy_gives_the_headers() -> None:
    assert cdn_headers(parse_template(TEMPLATE)) == {
        "Content-Security-Policy": "default-src 'none'"
    }


def test_a_managed_policy_or_none_gives_no_headers() -> None:
    managed = TEMPLATE.replace("!Ref Headers", "67f7725c-6f97-4210-82d7-5512b31e9d03")
    assert cdn_headers(parse_template(managed)) == {}
    assert cdn_headers(parse_template("Resources: {}")) == {}


def test_the_projects_template_sends_its_security_headers() -> None:
    headers = cdn_headers(load_template(ROOT / "template.yaml"))
    assert set(headers) == {
        "Strict-Transport-Security",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Content-Security-Policy",
    }
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_every_security_header_is_spelt_as_cloudfront_sends_it() -> None:
    config: dict[str, Any] = {
        "SecurityHeadersConfig": {
            "StrictTransportSecurity": {
                "AccessControlMaxAgeSec": 600,
                "IncludeSubdomains": "true",
                "Preload": True,
                "Override": True,
            },
            "ContentTypeOptions": {"Override": True},
            "FrameOptions": {"FrameOption": "SAMEORIGIN", "Override": True},
            "ReferrerPolicy": {"ReferrerPolicy": "no-referrer", "Override": True},
            "XSSProtection": {"Protection": True, "ModeBlock": True, "Override": True},
        },
        "CustomHeadersConfig": {"Items": [{"Header": "X-Edition", "Value": 2, "Override": True}]},
    }
    assert policy_headers(config) == {
        "Strict-Transport-Security": "max-age=600; includeSubDomains; preload",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN",
        "Referrer-Policy": "no-referrer",
        "X-XSS-Protection": "1; mode=block",
        "X-Edition": "2",
    }
    xss = {"Protection": True, "ReportUri": "https://example.org/r", "Override": True}
    off = {"Protection": False, "Override": True}
    assert policy_headers({"SecurityHeadersConfig": {"XSSProtection": xss}}) == {
        "X-XSS-Protection": "1; report=https://example.org/r"
    }
    assert policy_headers({"SecurityHeadersConfig": {"XSSProtection": off}}) == {
        "X-XSS-Protection": "0"
    }


@pytest.mark.parametrize(
    "value", [{"Fn::Sub": "default-src ${Origin}"}, "default-src 'none'\r\nX-Injected: 1"]
)
def test_a_header_value_the_server_cannot_send_as_written_is_refused(value: Any) -> None:
    config = {"SecurityHeadersConfig": {"ContentSecurityPolicy": {"ContentSecurityPolicy": value}}}
    with pytest.raises(TemplateError):
        policy_headers(config)
