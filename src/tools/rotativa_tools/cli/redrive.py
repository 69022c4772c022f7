"""`rotativa redrive`: move dead letters back to their queues once a fault is gone.

    rotativa redrive --stack rotativa-prod              # every DLQ of the stack
    rotativa redrive --stack rotativa-prod --queue render --dry-run

The queues are found from the stack's outputs (the same names template.yaml declares);
stream failures (IndexDLQ) are replayed by invoking the stack's IndexFunction with the
records read back from the table's stream.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from rotativa_tools.cli._common import EXIT_LEFT, EXIT_OK
from rotativa_tools.ops.redrive import ROUTE_NAMES, Redriver, routes

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "redrive"


def add_command(commands: SubParsers) -> None:
    redrive = commands.add_parser(
        COMMAND,
        help="move dead letters back to their queues once the fault is gone",
        description="Move messages from the stack's dead-letter queues back to their queues "
        "(and replay failed stream batches through the IndexFunction). Exit 0 when every "
        "dead letter was moved, 1 when some stayed.",
    )
    redrive.add_argument("--stack", required=True, help="the deployed stack's name")
    redrive.add_argument(
        "--queue", choices=(*ROUTE_NAMES, "all"), default="all", help="which DLQ (default: all)"
    )
    redrive.add_argument("--limit", type=int, help="at most this many messages per DLQ")
    redrive.add_argument("--dry-run", action="store_true", help="only count what is waiting")
    redrive.add_argument("--region", help="AWS region (default: the profile's)")
    redrive.add_argument("--endpoint-url", help="another endpoint (a moto server)")
    redrive.set_defaults(run=run_redrive)


def run_redrive(args: argparse.Namespace) -> int:
    import boto3

    session = boto3.Session(region_name=args.region)

    def client(name: str) -> Any:
        return session.client(name, endpoint_url=args.endpoint_url)  # type: ignore[call-overload]

    stack = client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    index_function = _physical_id(client("cloudformation"), args.stack, "IndexFunction")
    return redrive_stack(
        outputs,
        Redriver(
            client("sqs"), client("dynamodbstreams"), _invoker(client("lambda"), index_function)
        ),
        queue=args.queue,
        limit=args.limit,
        dry_run=args.dry_run,
        echo=print,
    )


def redrive_stack(
    outputs: Mapping[str, str],
    redriver: Redriver,
    *,
    queue: str = "all",
    limit: int | None = None,
    dry_run: bool = False,
    echo: Callable[[str], None] = print,
) -> int:
    """Redrive (or count) every DLQ the outputs name; the exit code."""
    left = 0
    for route in routes(outputs, queue):
        waiting = redriver.waiting(route)
        if dry_run or waiting == 0:
            echo(f"{route.name}: {waiting} waiting")
            continue
        result = redriver.redrive(route, limit=limit)
        left += result.kept
        echo(
            f"{route.name}: {result.moved} moved back, {result.replayed} stream records "
            f"replayed, {result.kept} kept"
        )
        for reason in result.reasons:
            echo(f"  kept: {reason}")
    return EXIT_LEFT if left else EXIT_OK


def _physical_id(cloudformation: Any, stack: str, logical_id: str) -> str | None:
    try:
        found = cloudformation.describe_stack_resource(
            StackName=stack, LogicalResourceId=logical_id
        )
    except Exception:  # the stack has no such resource: stream failures stay where they are
        return None
    return str(found["StackResourceDetail"]["PhysicalResourceId"])


def _invoker(lambda_client: Any, function: str | None) -> Callable[[dict[str, Any]], Any] | None:
    if function is None:
        return None

    def invoke(event: dict[str, Any]) -> Any:
        response = lambda_client.invoke(FunctionName=function, Payload=json.dumps(event).encode())
        payload = json.loads(response["Payload"].read() or b"null")
        if response.get("FunctionError"):
            raise RuntimeError(f"{function}: {payload}")
        return payload

    return invoke
