"""The `rotativa` command line: what editors and developers run on their own machine.

One module per command (`check`, `preview`, `local`, `dev`, `invoke`, `status`, `serve`,
`import` in `wordpress`, `redrive`, `rebuild`, `rollback`), each adding its subcommand with
`add_command` and keeping its heavy imports (Jinja, boto3, moto, the local cloud) inside
the function that runs it; `_common` holds what they share (exit codes, `--lang`,
`--site`, the target options, content folders). This module only assembles the parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Final

from rotativa_tools.cli import (
    check,
    dev,
    invoke,
    local,
    preview,
    rebuild,
    redrive,
    rollback,
    serve,
    status,
    wordpress,
)
from rotativa_tools.cli._common import Command

__all__ = ["COMMANDS", "build_parser", "main"]

#: The command modules, in the order `rotativa --help` lists them.
COMMANDS: Final[tuple[Command, ...]] = (
    check,
    preview,
    local,
    dev,
    invoke,
    status,
    serve,
    wordpress,
    redrive,
    rebuild,
    rollback,
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rotativa", description="Publishing backend of a regional news site."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_command(commands)
    return parser
