"""Fixtures for tests under moto: fake credentials, one region, the stack from template.yaml.

Every integration test gets dummy credentials and the project's region, so nothing can
reach a real account by accident, and the endpoint mode that lets moto serve DynamoDB
Streams (newer botocore sends stream calls to account-based endpoints moto ignores).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.stack import AwsClients, LocalStack, provision
from rotativa_tools.local.template import load_template
from tests.conftest import ROOT

REGION = "eu-south-1"
TEMPLATE = ROOT / "template.yaml"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: runs an external tool (cfn-lint, sam) for a few seconds"
    )


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and region for every test here; no profile, no custom endpoint."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")


@pytest.fixture
def aws() -> Iterator[None]:
    """moto's in-process AWS, fresh for each test."""
    with mock_aws():
        yield


@pytest.fixture
def aws_clients(aws: None) -> AwsClients:  # noqa: ARG001 - needs moto started first
    return AwsClients.create(REGION)


@pytest.fixture
def template() -> dict[str, Any]:
    """template.yaml in long form, freshly read, so a test may change its copy."""
    return load_template(TEMPLATE)


@pytest.fixture
def local_stack(aws_clients: AwsClients, template: dict[str, Any]) -> LocalStack:
    """Everything template.yaml declares, built on moto with the default parameters."""
    return provision(template, aws_clients, region=REGION, template_dir=ROOT)


@pytest.fixture
def cloud() -> Iterator[LocalCloud]:
    """The whole stack of template.yaml on moto, run in process, fresh for each test."""
    with mock_aws():
        yield LocalCloud.start()
