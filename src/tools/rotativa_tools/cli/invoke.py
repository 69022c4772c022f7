"""`rotativa invoke FUNCTION -e EVENT.json`: one function in this process, like
`sam local invoke`, on a fresh local stack, a running `rotativa dev` or a deployed stack.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa.domain.site import SiteSettings
from rotativa_tools.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    add_target_options,
    add_template_option,
    fail,
    find_target,
    names_a_stack,
    needs_moto,
    template_file,
)

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "invoke"


def add_command(commands: SubParsers) -> None:
    invoke = commands.add_parser(
        COMMAND,
        help="invoke one function in this process, like `sam local invoke`",
        description="Invoke FUNCTION (a logical id of template.yaml) with the event in "
        "EVENT.json, in this process: say what it did (each record and its outcome, the "
        "pages, messages and invalidations it wrote) on stderr, and print its result or "
        "error on stdout. The event must be one the function's triggers in template.yaml "
        "deliver; what a bucket notification or a schedule puts on its queue (`sam local "
        "generate-event s3 put`, an s3:TestEvent) is wrapped as the queue would deliver it. "
        "Resources: the deployed stack's with --stack, a running `rotativa dev`'s with "
        "--endpoint-url, --outputs-file or AWS_ENDPOINT_URL, else a fresh in-process moto "
        "stack. Exit 0 on success, 1 when the function raised, 2 on usage errors.",
    )
    invoke.add_argument("function", metavar="FUNCTION_LOGICAL_ID")
    invoke.add_argument(
        "-e", "--event", type=Path, required=True, metavar="EVENT.json", help="'-' for stdin"
    )
    add_target_options(invoke, local_default="a fresh in-process moto stack")
    invoke.add_argument(
        "--parameter-overrides",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as `sam local invoke` takes them",
    )
    add_template_option(invoke)
    invoke.set_defaults(run=needs_moto(COMMAND, run_invoke))


def _site_parameters(args: argparse.Namespace) -> dict[str, str]:
    from rotativa_tools.local.content import site_parameters

    if args.site is None:
        return {}
    return site_parameters(SiteSettings.from_file(args.site))


def run_invoke(args: argparse.Namespace) -> int:
    import json

    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa_tools.local.invoke import invoke_function
    from rotativa_tools.local.template import TemplateError
    from rotativa_tools.ops.target import TargetError

    try:
        text = sys.stdin.read() if str(args.event) == "-" else args.event.read_text("utf-8")
        try:
            event = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{args.event} is not JSON: {exc}") from None
        if not isinstance(event, dict):
            raise ValueError("the event must be a JSON object")
        parameters = _site_parameters(args)
        for item in args.parameter_overrides:
            name, equals, value = item.partition("=")
            if not equals:
                raise ValueError(f"--parameter-overrides takes KEY=VALUE, not {item!r}")
            parameters[name] = value
        endpoint = None
        if not args.stack and names_a_stack(args):
            endpoint = find_target(args).endpoint_url  # the `rotativa dev` they name
        result = invoke_function(
            args.function,
            event,
            parameters=parameters,
            endpoint_url=endpoint,
            stack_name=args.stack,
            region=args.region,
            template_path=template_file(args),
        )
    except (OSError, ValueError, TargetError, TemplateError) as exc:  # EventShapeError too
        return fail(COMMAND, exc)
    except (BotoCoreError, ClientError) as exc:
        return fail(COMMAND, f"the stack does not answer: {exc}")
    print(f"rotativa invoke: {result.function} on {result.where}", file=sys.stderr)
    if result.note is not None:
        print(f"rotativa invoke: {result.note}", file=sys.stderr)
    for line in result.report():
        print(f"  {line}", file=sys.stderr)
    if result.error is not None:
        print(json.dumps(result.error, indent=2))
        return EXIT_INVALID
    print(json.dumps(result.result, indent=2, default=str))
    return EXIT_OK
