"""`rotativa check PATH…`: validate article uploads exactly as the cloud will."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa import clock
from rotativa.domain.messages import Counted, Language, render_message
from rotativa.domain.site import SITE_FILE, SiteSettings
from rotativa.domain.text import visible
from rotativa.services.validation import ValidationReport, validate_stream
from rotativa_tools.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    add_lang_option,
    add_site_option,
    article_files,
    format_problems,
    load_site,
    upload_key,
)

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "check"


def add_command(commands: SubParsers) -> None:
    check = commands.add_parser(
        COMMAND,
        help="validate articles exactly as the cloud will",
        description="Validate article uploads (.md, .json) exactly as the cloud will. "
        "Exit 0 when all are valid (warnings allowed), 1 when any is invalid, 2 on usage errors.",
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    add_site_option(check, f"the nearest {SITE_FILE} above PATH")
    add_lang_option(check)
    check.set_defaults(run=run_check)


def check_file(path: Path, settings: SiteSettings) -> ValidationReport:
    """The file's report as the cloud would give it if uploaded now (a live update dated
    tomorrow is refused here as it would be there)."""
    with path.open("rb") as stream:
        return validate_stream(upload_key(path), stream, settings, now=clock.now())


def run_check(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if args.site is not None and not args.site.is_file():
        missing.append(args.site)
    if missing:
        for path in missing:
            message = render_message("check_missing_path", "it", value=visible(str(path)))
            print(f"rotativa check: {message}", file=sys.stderr)
        return EXIT_USAGE
    try:
        sites = {path: load_site(args.site, path) for path in args.paths}
    except (OSError, ValueError) as exc:
        print(f"rotativa check: {visible(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    files = valid = warnings = 0
    language: Language = args.lang or next(iter(sites.values())).locale
    for root in args.paths:
        found = list(article_files(root))
        if not found:
            shown = visible(str(root))
            print(f"{shown}: warning: {render_message('check_no_files', language, value=shown)}")
        for path in found:
            report = check_file(path, sites[root])
            files += 1
            valid += report.valid
            warnings += len(report.warnings)
            for line in format_problems(path, report, language):
                print(line)
    print(
        render_message(
            "check_summary",
            language,
            files=Counted(files, "check_files"),
            valid=Counted(valid, "check_valid"),
            invalid=Counted(files - valid, "check_invalid"),
            warnings=Counted(warnings, "check_warnings"),
        )
    )
    return EXIT_OK if valid == files else EXIT_INVALID
