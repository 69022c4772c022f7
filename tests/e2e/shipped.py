"""The package as `sam build` makes it, and a Lambda-like sandbox to run it in.

`sam_build()` runs the venv's `sam build` on template.yaml, for this machine's processor
(arm64 wheels cannot be loaded on x86_64: the template's architecture is the one change,
made on a JSON copy read with the project's CloudFormation loader). sam's own `--cached`
build folder under build/shipped/ keeps it between runs: about 45 s the first time (pip
fetches the layer's wheels from the registry), about 10 s after.

`BuiltFunctions` is an invoker for the local cloud's event pump: each function runs in an
interpreter of its own, started as Lambda starts one (`python -I -S -B`: no venv, no
site-packages, no bytecode written), with only the function's built folder, the built
layer's python/ and a stand-in for the runtime's boto3 on `sys.path`, and the function's
environment from the built template. It imports the handler once and serves invocations
over a pipe until closed, as a warm sandbox does. Whatever the build forgot (a module, a
template, a dependency) fails there, as it would on AWS.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import platform
import selectors
import shutil
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from rotativa_tools.local.runtime import LOCAL_RUNTIME_ENVIRONMENT
from rotativa_tools.local.stack import FunctionSpec
from rotativa_tools.local.template import load_template, of_type
from tests.conftest import ROOT

SHIPPED = ROOT / "build" / "shipped"
#: The interpreter under the venv: Lambda's python3.11 runs without our site-packages.
PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
#: What Lambda's Python runtime provides besides the standard library (the layer leaves
#: boto3 out for that reason: tests/unit/test_packaging.py).
RUNTIME_PACKAGES = ("boto3", "s3transfer")
ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}


class BuildError(RuntimeError):
    """`sam build` failed: its output says why."""


class FunctionError(RuntimeError):
    """The function raised, or its sandbox could not load it (Lambda's error shape)."""

    def __init__(self, function: str, error: Mapping[str, str]) -> None:
        super().__init__(
            f"{function}: {error.get('errorType')}: {error.get('errorMessage')}\n"
            f"{error.get('stackTrace', '')}"
        )
        self.error_type = str(error.get("errorType"))


# ---------------------------------------------------------------------------- the build


def machine_architecture() -> str:
    return ARCHITECTURES[platform.machine().lower()]


def machine_template(source: Path = ROOT / "template.yaml") -> dict[str, Any]:
    """template.yaml for this machine's processor, its code folders as absolute paths (the
    copy lives under build/), and nothing else changed."""
    template = load_template(source)
    architecture = machine_architecture()
    function_globals = template.get("Globals", {}).get("Function", {})
    if "Architectures" in function_globals:
        function_globals["Architectures"] = [architecture]
    for resource in of_type(template, "AWS::Serverless::Function").values():
        properties = resource["Properties"]
        properties["CodeUri"] = str((source.parent / properties["CodeUri"]).resolve())
        if "Architectures" in properties:
            properties["Architectures"] = [architecture]
    for resource in of_type(template, "AWS::Serverless::LayerVersion").values():
        properties = resource["Properties"]
        properties["ContentUri"] = str((source.parent / properties["ContentUri"]).resolve())
        properties["CompatibleArchitectures"] = [architecture]
        resource.setdefault("Metadata", {})["BuildArchitecture"] = architecture
    return template


def sam_build(work: Path = SHIPPED) -> Path:
    """Run `sam build` as a developer does before `sam deploy`; the build folder (it holds
    sam's own template.yaml, one folder per function and one per layer)."""
    work.mkdir(parents=True, exist_ok=True)
    template = work / "template.json"
    template.write_text(json.dumps(machine_template(), indent=1), encoding="utf-8")
    out = work / "out"
    sam = Path(sys.executable).parent / "sam"
    environment = {
        **os.environ,
        "SAM_CLI_TELEMETRY": "0",
        # sam builds Python with the `python3.11` it finds first: the one the tests run on
        "PATH": f"{PYTHON.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        # the layer's Makefile (BuildMethod makefile) is not told the build architecture
        "ROTATIVA_LAYER_ARCHITECTURE": machine_architecture(),
    }
    command = [str(sam), "build", "--template-file", str(template), "--build-dir", str(out),
               "--cache-dir", str(work / "cache"), "--cached"]  # fmt: skip
    done = subprocess.run(
        command, cwd=work, env=environment, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BuildError(f"sam build failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return out


def runtime_standin(work: Path = SHIPPED) -> Path:
    """A folder holding what Lambda's runtime adds to the standard library (boto3 and
    s3transfer, at the venv's versions), and nothing else."""
    folder = work / "runtime"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        locations = spec.submodule_search_locations if spec is not None else None
        assert locations, f"{name} is not installed in the venv"
        (folder / name).symlink_to(Path(next(iter(locations))))
    return folder


# ---------------------------------------------------------------------------- the sandbox

# Lambda's runtime interface, in small: paths, import, then one JSON request per line on
# stdin and one reply per line on a private copy of stdout (the function's own prints and
# logs go to stderr, as Lambda sends them to the log).
SANDBOX = r"""
import datetime, importlib, json, os, sys, time, traceback
channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
paths, handler = json.loads(sys.argv[1]), sys.argv[2]
sys.path[:0] = paths
module_name, function_name = handler.rsplit(".", 1)
failure = None
try:
    function = getattr(importlib.import_module(module_name), function_name)
    from rotativa import clock
except BaseException as exc:
    failure = {"errorType": "Runtime.ImportModuleError",
               "errorMessage": f"Unable to import module {module_name!r}: {exc!r}",
               "stackTrace": traceback.format_exc()}

class Context:
    def __init__(self, timeout_seconds, **fields):
        self.__dict__.update(fields)
        self._deadline = time.monotonic() + timeout_seconds
    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))

def modules():
    return {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}

for line in sys.stdin:
    request = json.loads(line)
    if failure is not None:
        reply = {"error": failure}
    elif request.get("modules"):
        reply = {"modules": modules()}
    else:
        try:
            offset = datetime.timedelta(seconds=request["clock_offset"])
            with clock.moved_ahead(offset):
                reply = {"result": function(request["event"], Context(**request["context"]))}
        except Exception as exc:
            reply = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc),
                               "stackTrace": traceback.format_exc()}}
    channel.write(json.dumps(reply, default=str) + "\n")
    channel.flush()
"""


def _as_lambda_sends(value: object) -> object:
    """What JSON cannot hold, as Lambda writes it in an event: a stream record's times as
    epoch seconds, binary attributes as base64."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} in an event")


class Sandbox:
    """One function's interpreter, warm between invocations."""

    def __init__(self, spec: FunctionSpec, paths: list[Path], environment: dict[str, str]):
        self.spec = spec
        self.paths = paths
        self.process = subprocess.Popen(
            [
                str(PYTHON),
                "-I",
                "-S",
                "-B",
                "-c",
                SANDBOX,
                json.dumps([str(p) for p in paths]),
                spec.handler,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            cwd=spec.code_uri,
            text=True,
            encoding="utf-8",
        )

    def ask(self, request: Mapping[str, Any], timeout: float) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None
        assert stdout is not None
        stdin.write(json.dumps(request, default=_as_lambda_sends) + "\n")
        stdin.flush()
        line = _read_line(stdout, timeout)
        if not line:
            code = self.process.poll()
            raise FunctionError(
                self.spec.logical_id,
                {"errorType": "Runtime.ExitError", "errorMessage": f"sandbox ended ({code})"},
            )
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _read_line(stream: IO[str], timeout: float) -> str:
    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        if not selector.select(timeout):
            raise TimeoutError(f"no answer from the sandbox in {timeout:.0f} s")
    return stream.readline()


class BuiltFunctions:
    """The event pump's invoker: every function from the build, each in its sandbox."""

    def __init__(self, runtime: Path, endpoint_url: str) -> None:
        self.runtime = runtime
        self.endpoint_url = endpoint_url
        self.sandboxes: dict[str, Sandbox] = {}
        self.invocations: Counter[str] = Counter()

    def __call__(
        self,
        spec: FunctionSpec,
        event: dict[str, Any],
        *,
        region: str,
        account_id: str,
        clock_offset: timedelta = timedelta(0),
    ) -> Any:
        sandbox = self.sandbox(spec, region)
        context = {
            "function_name": spec.function_name,
            "function_version": "$LATEST",
            "memory_limit_in_mb": spec.memory,
            "invoked_function_arn": (
                f"arn:aws:lambda:{region}:{account_id}:function:{spec.function_name}"
            ),
            "aws_request_id": str(uuid.uuid4()),
            "log_group_name": f"/aws/lambda/{spec.function_name}",
            "log_stream_name": "sandbox",
            "timeout_seconds": spec.timeout,
        }
        request = {"event": event, "context": context, "clock_offset": clock_offset.total_seconds()}
        reply = sandbox.ask(request, timeout=spec.timeout + 30)
        self.invocations[spec.logical_id] += 1
        if "error" in reply:
            raise FunctionError(spec.logical_id, reply["error"])
        return reply["result"]

    def warm(self, specs: Mapping[str, FunctionSpec], region: str) -> None:
        """Start every function's sandbox now: they import their handlers side by side
        while the test uploads, as Lambda's sandboxes are warm before a burst."""
        for spec in specs.values():
            self.sandbox(spec, region)

    def sandbox(self, spec: FunctionSpec, region: str) -> Sandbox:
        if spec.logical_id not in self.sandboxes:
            self.sandboxes[spec.logical_id] = Sandbox(
                spec, self.paths(spec), self.environment(spec, region)
            )
        return self.sandboxes[spec.logical_id]

    def paths(self, spec: FunctionSpec) -> list[Path]:
        """Lambda's order: the function's code, each layer's python/, then the runtime."""
        layers = [
            layer / "python" if (layer / "python").is_dir() else layer for layer in spec.layers
        ]
        return [spec.code_uri, *layers, self.runtime]

    def environment(self, spec: FunctionSpec, region: str) -> dict[str, str]:
        """The function's variables and Lambda's own, pointed at the local cloud; nothing
        of the test process's environment."""
        return {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            **spec.environment,
            **LOCAL_RUNTIME_ENVIRONMENT,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3.11'}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "LAMBDA_TASK_ROOT": str(spec.code_uri),
        }

    def loaded_modules(self, logical_id: str) -> dict[str, str | None]:
        """Every module the function's interpreter holds now, with the file it came from."""
        reply = self.sandboxes[logical_id].ask({"modules": True}, timeout=30)
        modules: dict[str, str | None] = reply["modules"]
        return modules

    def close(self) -> None:
        for sandbox in self.sandboxes.values():
            sandbox.close()
        self.sandboxes.clear()
