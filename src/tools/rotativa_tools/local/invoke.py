"""`rotativa invoke`: one function, one event, in this process, like `sam local invoke`.

The function is loaded from its CodeUri and Handler with its Environment, as the local
cloud's pump does it; only where its resources are changes:

- with `--stack NAME`: the deployed stack's, resolved from CloudFormation (real AWS, with
  whatever credentials the environment holds);
- with an endpoint (`--endpoint-url` or AWS_ENDPOINT_URL, e.g. a running `rotativa dev`):
  that moto's, found by provisioning the template against it again, which reuses what
  exists, so that what the function writes flows on through the running pipeline;
- otherwise a fresh stack on in-process moto, gone when the command ends.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rotativa import bootstrap
from rotativa_tools.local.cloud import DEFAULT_TEMPLATE, LocalCloud, prepare_environment
from rotativa_tools.local.runtime import forget_loaded_functions, invoke
from rotativa_tools.local.stack import FunctionSpec
from rotativa_tools.local.template import load_template
from rotativa_tools.ops.target import DeployedStack, TargetError, deployed_function


@dataclass(frozen=True)
class InvokeResult:
    function: str
    where: str
    result: Any = None
    error: dict[str, Any] | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None


def invoke_function(
    logical_id: str,
    event: dict[str, Any],
    *,
    parameters: Mapping[str, str] | None = None,
    endpoint_url: str | None = None,
    stack_name: str | None = None,
    template_path: Path = DEFAULT_TEMPLATE,
) -> InvokeResult:
    """Invoke the function once; its return value, or the error Lambda would report.

    The function's own output (logs, metrics) goes to stderr, so stdout can carry only
    the result, as `sam local invoke` does.
    """
    with _where(logical_id, parameters, endpoint_url, stack_name, template_path) as (
        spec,
        region,
        account_id,
        where,
    ):
        try:
            with redirect_stdout(sys.stderr):
                result = invoke(spec, event, region=region, account_id=account_id)
        except Exception as exc:
            frames = traceback.format_exception(exc)
            error = {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": [line.rstrip() for line in frames[-6:]],
            }
            return InvokeResult(logical_id, where, error=error)
        return InvokeResult(logical_id, where, result=result)


@contextmanager
def _where(
    logical_id: str,
    parameters: Mapping[str, str] | None,
    endpoint_url: str | None,
    stack_name: str | None,
    template_path: Path,
) -> Iterator[tuple[FunctionSpec, str, str, str]]:
    if stack_name is not None:
        import boto3

        template = load_template(template_path)
        stack = DeployedStack.describe(boto3.client("cloudformation"), stack_name)
        spec = deployed_function(template, template_path.parent, logical_id, stack)
        forget_loaded_functions()
        bootstrap.reset()  # services wired for another stack must not serve this one
        yield spec, stack.region, stack.account_id, f"stack {stack_name} ({stack.region})"
        return
    if endpoint_url is not None:
        cloud = _start(template_path, parameters, endpoint_url)
        yield _spec(cloud, logical_id), cloud.stack.region, cloud.stack.account_id, endpoint_url
        return
    from moto import mock_aws

    prepare_environment()
    with mock_aws():
        cloud = _start(template_path, parameters, None)
        spec = _spec(cloud, logical_id)
        yield spec, cloud.stack.region, cloud.stack.account_id, "a fresh in-process moto stack"


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
