"""`rotativa redrive`: move dead letters back to their queues once a fault is gone.

    rotativa redrive                                    # the running `rotativa dev`
    rotativa redrive --stack rotativa-prod              # every DLQ of the stack
    rotativa redrive --stack rotativa-prod --queue render --dry-run

The stack is found as every command finds it (`find_target`: --stack, --endpoint-url,
--outputs-file, else the `rotativa dev` running here); the queues come from its outputs
(the same names template.yaml declares). Stream failures (IndexDLQ) are replayed by
invoking its IndexFunction with the records read back from the table's stream.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from rotativa_tools.cli._common import (
    EXIT_LEFT,
    EXIT_OK,
    Target,
    add_target_options,
    add_template_option,
    fail,
    find_target,
    needs_moto,
    template_file,
)
from rotativa_tools.ops.redrive import ROUTE_NAMES, Redriver, routes

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "redrive"
INDEX_FUNCTION: Final = "IndexFunction"  # the template's replayer of stream failures


def add_command(commands: SubParsers) -> None:
    redrive = commands.add_parser(
        COMMAND,
        help="move dead letters back to their queues once the fault is gone",
        description="Move messages from the stack's dead-letter queues back to their queues "
        "(and replay failed stream batches through the IndexFunction), on a running "
        "`rotativa dev` (found by its outputs file) or a deployed stack (--stack). Exit 0 "
        "when every dead letter was moved, 1 when some stayed, 2 when the stack is "
        "unreachable.",
    )
    redrive.add_argument(
        "--queue", choices=(*ROUTE_NAMES, "all"), default="all", help="which DLQ (default: all)"
    )
    redrive.add_argument("--limit", type=int, help="at most this many messages per DLQ")
    redrive.add_argument("--dry-run", action="store_true", help="only count what is waiting")
    add_target_options(redrive, site=False)
    add_template_option(redrive)
    redrive.set_defaults(run=needs_moto(COMMAND, run_redrive))


def run_redrive(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa_tools.ops.target import TargetError

    try:
        target = find_target(args)
        redriver = Redriver(
            target.client("sqs"), target.client("dynamodbstreams"), _index_replay(args, target)
        )
        return redrive_stack(
            target.outputs,
            redriver,
            queue=args.queue,
            limit=args.limit,
            dry_run=args.dry_run,
            echo=print,
        )
    except (TargetError, OSError, ValueError) as exc:
        return fail(COMMAND, exc)
    except (BotoCoreError, ClientError) as exc:
        return fail(COMMAND, f"the stack does not answer: {exc}")


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


def _index_replay(
    args: argparse.Namespace, target: Target
) -> Callable[[dict[str, Any]], Any] | None:
    """Who replays stream failures: the deployed stack's IndexFunction through Lambda, or,
    on a `rotativa dev`, the template's IndexFunction run here against its endpoint (as
    `rotativa invoke` runs it), so that its writes flow on through dev's pipeline."""
    if target.deployed is not None:
        listed = target.deployed.resources.get(INDEX_FUNCTION)
        return _invoker(target.client("lambda"), listed[0] if listed else None)
    template = template_file(args)

    def replay(event: dict[str, Any]) -> Any:
        from rotativa_tools.local.invoke import invoke_function

        result = invoke_function(
            INDEX_FUNCTION, event, endpoint_url=target.endpoint_url, template_path=template
        )
        if result.error is not None:
            raise RuntimeError(f"{INDEX_FUNCTION}: {result.error['errorMessage']}")
        return result.result

    return replay


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
