"""`rotativa local CONTENT_DIR… --out SITE_DIR`: publish content folders through the whole
local cloud (template.yaml on in-process moto) into a site folder.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa_tools.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    add_template_option,
    fail,
    needs_moto,
    template_file,
)

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "local"


def add_command(commands: SubParsers) -> None:
    local = commands.add_parser(
        COMMAND,
        help="publish content folders through the whole local cloud into a site folder",
        description="Upload each folder's articles/ and media/ to the inbox bucket of the "
        "local cloud (template.yaml on in-process moto), run until quiet, write the site "
        "bucket to SITE_DIR and summarise: published, rejected, pages written, invalidations "
        "and AWS calls. A folder's site.yaml gives the template's Site* parameters. With "
        "--advance, the local cloud's clock then moves ahead and the embargoes, expiries and "
        "refreshes that came due run before the site is written. Exit 0 when every upload "
        "was accepted (published, scheduled, expired or a draft), 1 when any was rejected, "
        "2 on usage or internal errors.",
    )
    local.add_argument("folders", nargs="+", type=Path, metavar="CONTENT_DIR")
    local.add_argument("--out", type=Path, required=True, metavar="SITE_DIR")
    local.add_argument("--json", action="store_true", help="the summary as JSON")
    local.add_argument(
        "--advance",
        type=_duration,
        metavar="DURATION",
        help="after publishing, move the local cloud's clock ahead by DURATION (3h, 90m, 2d, "
        "1h30m) and run what came due: embargoed articles go live, expiring ones go",
    )
    add_template_option(local)
    local.set_defaults(run=needs_moto(COMMAND, run_local))


def _duration(text: str) -> timedelta:
    """argparse's reading of `--advance`: a bad duration is a usage error that says why."""
    from rotativa_tools.local.scheduler import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run_local(args: argparse.Namespace) -> int:
    from rotativa_tools.local.build import OutputFolderError, build_site
    from rotativa_tools.local.content import ContentError, check_folder

    try:
        for folder in args.folders:
            check_folder(folder)
        result = build_site(
            args.folders, args.out, template_path=template_file(args), advance=args.advance
        )
    except (ContentError, OutputFolderError, FileNotFoundError) as exc:
        return fail(COMMAND, exc)
    except Exception as exc:  # the run itself broke: say so, as an internal error
        return fail(COMMAND, f"internal error: {type(exc).__name__}: {exc}")
    summary = result.summary
    if args.json:
        print(summary.as_json())
    else:
        print(summary.as_table())
        index = result.out / "index.html"
        print(f"{'site':<22}{result.files} files in {result.out}")
        if index.is_file():
            print(f"open {index}  (or browse it: rotativa serve {result.out})")
    if summary.not_processed:
        return EXIT_USAGE
    return EXIT_INVALID if summary.rejected else EXIT_OK
