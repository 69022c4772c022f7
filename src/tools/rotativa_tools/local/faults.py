"""A fault-injection switch for the local cloud: AWS calls fail the way AWS makes them fail.

`FaultInjector` is a botocore `before-call` hook. For a call made by a function's code (the
`current_function` context variable is set: the harness's own uploads and polling are
never faulted) it draws from a seeded random generator and, when a rule says so, answers
with the error AWS really returns for that service: `ThrottlingException`,
`ProvisionedThroughputExceededException`, `InternalServerError`, S3's `SlowDown` (503) and
`InternalError`, or raises botocore's `ReadTimeoutError`.

Retries, explicitly: `before-call` runs above botocore's retry handler (retries live in the
endpoint, beneath it), so an injected fault reaches the function's code at once, as if the
SDK had already spent every retry on it. That is the harshest case, and the one the
system must survive by failing the record and letting SQS / the stream redeliver it.

    injector = FaultInjector([FaultRule(fraction=0.2)], seed=7)
    injector.install(boto3.DEFAULT_SESSION._session)
    ...
    injector.enabled = False        # the fault is gone
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError

from rotativa_tools.local.runtime import current_function

READ_TIMEOUT = "ReadTimeout"  # not an error code: botocore raises ReadTimeoutError


@dataclass(frozen=True)
class AwsFault:
    """One error as the service returns it: the code and the HTTP status it comes with."""

    code: str
    status: int
    message: str = "injected by rotativa_tools.local.faults"


# What each service really answers when it is overloaded or failing (AWS documentation of
# each API's common errors); a read timeout is possible everywhere.
SERVICE_FAULTS: dict[str, tuple[AwsFault, ...]] = {
    "dynamodb": (
        AwsFault("ProvisionedThroughputExceededException", 400),
        AwsFault("ThrottlingException", 400),
        AwsFault("RequestLimitExceeded", 400),
        AwsFault("InternalServerError", 500),
        AwsFault(READ_TIMEOUT, 0),
    ),
    "s3": (
        AwsFault("SlowDown", 503, "Please reduce your request rate."),
        AwsFault("InternalError", 500, "We encountered an internal error. Please try again."),
        AwsFault("ServiceUnavailable", 503),
        AwsFault(READ_TIMEOUT, 0),
    ),
    "sqs": (
        AwsFault("ThrottlingException", 400),
        AwsFault("InternalFailure", 500),
        AwsFault("ServiceUnavailable", 503),
        AwsFault(READ_TIMEOUT, 0),
    ),
    "cloudfront": (
        AwsFault("Throttling", 400, "Rate exceeded"),
        AwsFault("ServiceUnavailable", 503),
        AwsFault(READ_TIMEOUT, 0),
    ),
}
DEFAULT_FAULTS = (AwsFault("ThrottlingException", 400), AwsFault("InternalError", 500))


@dataclass(frozen=True)
class FaultRule:
    """Fail `fraction` of the calls to `service` / `operation` ("*" for any), with one of
    `faults` (by default the errors the service really returns)."""

    fraction: float
    service: str = "*"
    operation: str = "*"
    function: str = "*"
    faults: tuple[AwsFault, ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.fraction <= 1.0:
            raise ValueError(f"fraction must be between 0 and 1, not {self.fraction}")

    def applies(self, function: str, service: str, operation: str) -> bool:
        return (
            self.service in ("*", service)
            and self.operation in ("*", operation)
            and self.function in ("*", function)
        )

    def choices(self, service: str) -> tuple[AwsFault, ...]:
        return self.faults or SERVICE_FAULTS.get(service, DEFAULT_FAULTS)


@dataclass(frozen=True)
class InjectedFault:
    function: str
    service: str
    operation: str
    code: str


@dataclass
class FaultInjector:
    rules: Sequence[FaultRule]
    seed: int = 0
    enabled: bool = True
    injected: list[InjectedFault] = field(default_factory=list)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._lock = threading.Lock()  # worker threads share the generator and the log

    # --- the switch -----------------------------------------------------------------------

    def install(self, session: Any) -> None:
        """Register on a botocore session (boto3's `DEFAULT_SESSION._session` for the
        functions' clients); clients created from it before or after are both covered."""
        session.register("before-call", self)

    def uninstall(self, session: Any) -> None:
        session.unregister("before-call", self)

    @contextmanager
    def paused(self) -> Iterator[None]:
        was, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = was

    # --- figures --------------------------------------------------------------------------

    def by_code(self) -> Counter[str]:
        return Counter(f.code for f in self.injected)

    def by_service(self) -> Counter[str]:
        return Counter(f.service for f in self.injected)

    # --- the hook -------------------------------------------------------------------------

    def __call__(self, **kwargs: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        function = current_function.get()
        if not self.enabled or function is None:
            return None  # the harness's own calls are never faulted
        model = kwargs["model"]
        service = model.service_model.service_id.hyphenize()
        operation = str(model.name)
        fault = self._draw(function, service, operation)
        if fault is None:
            return None
        if fault.code == READ_TIMEOUT:
            raise ReadTimeoutError(endpoint_url=f"https://{service}.local/{operation}")
        return _error_response(service, fault)

    def _draw(self, function: str, service: str, operation: str) -> AwsFault | None:
        with self._lock:
            self.calls[(service, operation)] += 1
            for rule in self.rules:
                if not rule.applies(function, service, operation):
                    continue
                if self._random.random() >= rule.fraction:
                    return None
                fault = self._random.choice(rule.choices(service))
                self.injected.append(InjectedFault(function, service, operation, fault.code))
                return fault
            return None


def _error_response(service: str, fault: AwsFault) -> tuple[AWSResponse, dict[str, Any]]:
    response = AWSResponse(f"https://{service}.local", fault.status, {}, None)  # type: ignore[arg-type]
    parsed: dict[str, Any] = {
        "Error": {"Code": fault.code, "Message": fault.message},
        "ResponseMetadata": {"HTTPStatusCode": fault.status, "MaxAttemptsReached": True},
    }
    return response, parsed


def everywhere(fraction: float, services: Iterable[str] = ()) -> list[FaultRule]:
    """One rule per service (or one for all): `fraction` of every call fails."""
    names = list(services)
    if not names:
        return [FaultRule(fraction)]
    return [FaultRule(fraction, service=name) for name in names]
