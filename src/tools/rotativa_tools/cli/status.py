"""`rotativa status`: queues, dead letters, latest rejections, published and scheduled
articles of a running `rotativa dev` or a deployed stack.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final

from rotativa.domain.site import SiteSettings
from rotativa_tools.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    add_target_options,
    add_template_option,
    fail,
    find_target,
    needs_moto,
    template_file,
)

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "status"


def add_command(commands: SubParsers) -> None:
    status = commands.add_parser(
        COMMAND,
        help="queues, dead letters, latest rejections, published and scheduled articles",
        description="Show queue and DLQ depths, why DLQ messages are there, the latest "
        "rejected uploads, the number of published articles and the embargoes and expiries "
        "still to come (soonest first, in the site's time zone), for a running `rotativa "
        "dev` (found by its outputs file) or a deployed stack (--stack). "
        "Exit 0 when no DLQ holds messages, 1 when one does, 2 when the stack is unreachable.",
    )
    add_target_options(status)
    status.add_argument("--json", action="store_true", help="the status as JSON")
    add_template_option(status)
    status.set_defaults(run=needs_moto(COMMAND, run_status))


def run_status(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa_tools.local.cloud import DEFAULT_TEMPLATE
    from rotativa_tools.local.content import site_from_parameters
    from rotativa_tools.local.stack import AwsClients
    from rotativa_tools.local.template import ResolveContext, load_template
    from rotativa_tools.ops.status import collect_status
    from rotativa_tools.ops.target import TargetError, schedule_group_name

    try:
        target = find_target(args)
        clients = AwsClients.create(target.region, endpoint_url=target.endpoint_url)
        if target.deployed is not None:
            site = site_from_parameters(target.parameters)
            # The template names the schedule group where CloudFormation does not list it;
            # an installed rotativa without a checkout's template still reads the rest.
            template_path = args.template or DEFAULT_TEMPLATE
            template = load_template(template_file(args)) if template_path.is_file() else None
            schedule_group = target.deployed.schedule_group(template)
        else:
            template = load_template(template_file(args))
            context = ResolveContext.for_template(
                template,
                stack_name="rotativa-local",
                region=target.region,
                account_id="123456789012",
            )
            if args.site is not None:
                site = SiteSettings.from_file(args.site)
            else:
                site = site_from_parameters(context.parameters)
            schedule_group = schedule_group_name(template, context)
        status = collect_status(clients, target.outputs, site, schedule_group)
    except (TargetError, OSError, ValueError) as exc:
        return fail(COMMAND, exc)
    except (BotoCoreError, ClientError) as exc:
        return fail(COMMAND, f"the stack does not answer: {exc}")
    print(status.as_json() if args.json else status.as_table())
    return EXIT_OK if status.healthy else EXIT_INVALID
