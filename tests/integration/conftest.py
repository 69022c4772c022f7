"""Fixtures for tests under moto: fake credentials, one region, the stack from template.yaml.

Every integration test gets dummy credentials and the project's region, so nothing can
reach a real account by accident, and the endpoint mode that lets moto serve DynamoDB
Streams (newer botocore sends stream calls to account-based endpoints moto ignores).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dev_endpoint(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A moto server standing in for `rotativa dev`, with the template's stack on it and
    its outputs file, as dev writes it."""
    from moto.server import ThreadedMotoServer

    from rotativa_tools.ops.target import write_outputs

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        clients = AwsClients.create(REGION, endpoint_url=endpoint)
        stack = provision(load_template(TEMPLATE), clients, template_dir=ROOT)
        outputs = tmp_path / "outputs.json"
        write_outputs(outputs, stack.outputs)
        yield endpoint, outputs
    finally:
        server.stop()
