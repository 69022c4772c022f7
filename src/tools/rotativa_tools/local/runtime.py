"""Load and invoke a function of the template in this process, as Lambda would.

The handler module is loaded from the function's `CodeUri` and `Handler`, with its layers
on `sys.path` and its `Environment` set for the length of the call: the same code path as
`sam local invoke`, without Docker.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from types import ModuleType
from typing import Any

from rotativa import clock
from rotativa_tools.local.stack import FunctionSpec

Handler = Callable[[dict[str, Any], Any], Any]

# Set over the function's own environment: no X-Ray daemon, no metrics endpoint and no
# log stream exist locally; the pump reports each invocation instead.
LOCAL_RUNTIME_ENVIRONMENT = {
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": os.environ.get("ROTATIVA_FUNCTION_LOG_LEVEL", "WARNING"),
    "AWS_XRAY_SDK_ENABLED": "false",
}


@dataclass
class LambdaContext:
    """The context object handlers receive (the attributes Powertools reads)."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_seconds: int
    started: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


_modules: dict[str, ModuleType] = {}

# The function whose code is running now: AWS calls are counted against it.
current_function: ContextVar[str | None] = ContextVar("current_function", default=None)


def load_handler(spec: FunctionSpec) -> Handler:
    """The handler function, imported once per function from its CodeUri."""
    module = _modules.get(spec.logical_id)
    if module is None:
        for layer in spec.layers:
            if str(layer) not in sys.path:
                sys.path.append(str(layer))
        path = spec.code_uri / (spec.handler_module.replace(".", "/") + ".py")
        name = f"rotativa_function_{spec.logical_id}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise ImportError(f"{spec.logical_id}: cannot load {path}")
        module = importlib.util.module_from_spec(loader_spec)
        with environment(spec.environment):
            loader_spec.loader.exec_module(module)
        _modules[spec.logical_id] = module
    handler: Handler = getattr(module, spec.handler_function)
    return handler


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """The function's environment for the duration of one call, then the previous one."""
    saved = dict(os.environ)
    os.environ.update(variables)
    os.environ.update(LOCAL_RUNTIME_ENVIRONMENT)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def invoke(
    spec: FunctionSpec,
    event: dict[str, Any],
    *,
    region: str,
    account_id: str,
    clock_offset: timedelta = timedelta(0),
) -> Any:
    """Call the function's handler with `event`; exceptions propagate, as Lambda reports them.
    `clock_offset` runs it that far in the future (the local cloud's clock)."""
    handler = load_handler(spec)
    context = LambdaContext(
        function_name=spec.function_name,
        memory_limit_in_mb=spec.memory,
        invoked_function_arn=f"arn:aws:lambda:{region}:{account_id}:function:{spec.function_name}",
        aws_request_id=str(uuid.uuid4()),
        timeout_seconds=spec.timeout,
        started=time.monotonic(),
    )
    token = current_function.set(spec.logical_id)
    try:
        with environment(spec.environment), clock.moved_ahead(clock_offset):
            return handler(event, context)
    finally:
        current_function.reset(token)


def forget_loaded_functions() -> None:
    _modules.clear()
