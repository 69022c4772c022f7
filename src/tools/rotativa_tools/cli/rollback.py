"""`rotativa rollback KEY`: bring one site object's previous (or a named) version back.

    rotativa rollback /sport/derby/                      # a running `rotativa dev`
    rotativa rollback index.html --to 3HL4kqtJlcpXroDTDmJ --stack rotativa-prod

The stack is found as `rotativa status` finds it: by its Outputs (SiteBucketName, and
InvalidateQueueUrl or DistributionId), from CloudFormation with --stack, else from the
file a `rotativa dev` on AWS_ENDPOINT_URL (or --endpoint-url) wrote. The path goes to the
invalidate queue, where the InvalidateFunction coalesces it with the rest of its window
into one CreateInvalidation; a stack without that queue gets one CreateInvalidation
directly, with a CallerReference derived from the rollback (a retry finds its own).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final

from rotativa.services.ports import PathInvalidation
from rotativa.services.rollback import (
    RollbackError,
    describe,
    object_key,
    roll_back,
)
from rotativa_tools.cli._common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_UNREACHABLE,
    add_target_options,
    find_target,
)

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "rollback"
SITE_BUCKET_OUTPUT = "SiteBucketName"
TABLE_OUTPUT = "ArticlesTableName"
INVALIDATE_QUEUE_OUTPUT = "InvalidateQueueUrl"
DISTRIBUTION_OUTPUT = "DistributionId"


def add_command(commands: SubParsers) -> None:
    rollback = commands.add_parser(
        COMMAND,
        help="restore one site object's previous version (or a named one)",
        description="Copy the previous version of one site object (or --to VERSION) over "
        "the current one, and invalidate its path on the CDN. KEY is the object's key "
        "(sport/x/index.html) or its address (/sport/x/). Against a running `rotativa dev` "
        "(AWS_ENDPOINT_URL or --endpoint-url) or a deployed stack (--stack). Exit 0 when "
        "rolled back, 1 when there is nothing to roll back to, 2 when the stack is unreachable.",
    )
    rollback.add_argument("key", metavar="KEY", help="site object key or page address")
    rollback.add_argument("--to", metavar="VERSION", help="the version id to restore")
    add_target_options(rollback, site=False)
    rollback.set_defaults(run=run_rollback)


def run_rollback(args: argparse.Namespace) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa_tools.ops.target import TargetError

    try:
        key = object_key(args.key)
        target = find_target(args)
        outputs, client = target.outputs, target.client
        if SITE_BUCKET_OUTPUT not in outputs:
            raise TargetError(f"the stack has no {SITE_BUCKET_OUTPUT} output")
        return rollback_site_object(key, outputs, client, to=args.to)
    except RollbackError as exc:
        print(f"rotativa rollback: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (TargetError, OSError, ValueError) as exc:
        print(f"rotativa rollback: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE
    except (BotoCoreError, ClientError) as exc:
        print(f"rotativa rollback: the stack does not answer: {exc}", file=sys.stderr)
        return EXIT_UNREACHABLE


def rollback_site_object(
    key: str,
    outputs: Mapping[str, str],
    client: Callable[[str], Any],
    *,
    to: str | None = None,
    echo: Callable[[str], None] = print,
) -> int:
    """Roll `key` back in the stack the outputs describe; `client(service)` makes clients."""
    from rotativa.adapters.page_ledger import PageLedger
    from rotativa.adapters.site_versions import SiteVersions

    table = outputs.get(TABLE_OUTPUT)  # the page ledger, which must learn of the restore
    ledger = PageLedger(table, client("dynamodb")) if table else None
    result = roll_back(
        key,
        SiteVersions(outputs[SITE_BUCKET_OUTPUT], client("s3"), ledger),
        _invalidation(outputs, client),
        to=to,
    )
    for line in describe(result):
        echo(line)
    return EXIT_OK


class _QueuedInvalidation:
    """Through the invalidate queue, as the RenderFunction sends its changed paths."""

    def __init__(self, url: str, client: Any) -> None:
        from rotativa.adapters.queues import InvalidateQueue

        self.queue = InvalidateQueue(url, client)

    def invalidate(self, path: str, reason: str) -> str:
        self.queue.send([(path, reason)])
        return f"{path} sent to the invalidate queue"


class _DirectInvalidation:
    """One CreateInvalidation, its CallerReference derived from the path and the reason."""

    def __init__(self, distribution_id: str, client: Any) -> None:
        from rotativa.adapters.cdn import Distribution
        from rotativa.services.invalidation import Invalidator

        self.invalidator = Invalidator(Distribution(distribution_id, client))

    def invalidate(self, path: str, reason: str) -> str:
        batch = self.invalidator.invalidate([(path, reason)])
        paths = ", ".join(batch.paths) if batch else path
        reference = batch.caller_reference if batch else "-"
        return f"{paths} invalidated (CallerReference {reference})"


def _invalidation(outputs: Mapping[str, str], client: Callable[[str], Any]) -> PathInvalidation:
    from rotativa_tools.ops.target import TargetError

    if INVALIDATE_QUEUE_OUTPUT in outputs:
        return _QueuedInvalidation(outputs[INVALIDATE_QUEUE_OUTPUT], client("sqs"))
    if DISTRIBUTION_OUTPUT in outputs:
        return _DirectInvalidation(outputs[DISTRIBUTION_OUTPUT], client("cloudfront"))
    raise TargetError(
        f"the stack has neither {INVALIDATE_QUEUE_OUTPUT} nor {DISTRIBUTION_OUTPUT}: "
        "nothing would tell the CDN"
    )
