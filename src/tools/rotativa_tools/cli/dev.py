"""`rotativa dev [CONTENT_DIR]`: the whole system on this machine (a moto server, the
functions, a site server, a folder watcher) until Ctrl-C.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa_tools.cli._common import (
    add_template_option,
    fail,
    needs_moto,
    template_file,
)

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "dev"


def add_command(commands: SubParsers) -> None:
    dev = commands.add_parser(
        COMMAND,
        help="run the system locally: moto server, functions, site server, folder watcher",
        description="Start a moto server, build template.yaml's stack on it, deliver its "
        "events to the functions, serve the site bucket over HTTP, upload CONTENT_DIR and "
        "follow its changes. Any AWS tool works against it with AWS_ENDPOINT_URL. Prints one "
        "line per event's journey; stops on Ctrl-C or SIGTERM.",
    )
    dev.add_argument("content", nargs="?", type=Path, metavar="CONTENT_DIR")
    dev.add_argument("--port", type=int, default=4566, help="the AWS endpoint's port")
    dev.add_argument("--site-port", type=int, default=8080, help="the site's port")
    dev.add_argument(
        "--outputs-file",
        type=Path,
        metavar="FILE",
        help="where to write the stack's Outputs as JSON once ready "
        "(default: ~/.cache/rotativa/dev-<host>-<port>.json)",
    )
    add_template_option(dev)
    dev.set_defaults(run=needs_moto(COMMAND, run_dev))


def run_dev(args: argparse.Namespace) -> int:
    from rotativa_tools.local.content import ContentError
    from rotativa_tools.local.dev import DevError, DevOptions, run_dev

    try:
        options = DevOptions(
            content=args.content,
            port=args.port,
            site_port=args.site_port,
            outputs_file=args.outputs_file,
            template_path=template_file(args),
        )
        return run_dev(options)
    except (DevError, ContentError, FileNotFoundError) as exc:
        return fail(COMMAND, exc)
