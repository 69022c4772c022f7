"""`rotativa import wordpress`: turn a WordPress export into uploads an editor can check.

    rotativa import wordpress nordmilano.WordPress.2024-05-01.xml --out importati/ \\
        --site samples/site.yaml

Everything the command needs is here, and the importer is imported only when it runs,
so that `rotativa check` does not pay for it. Exit 0 when
every converted post is a valid upload (warnings allowed), 1 when some are not, 2 when
the export cannot be read or is refused (hostile XML), or on usage errors.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa.domain.messages import Language
from rotativa.domain.site import SiteSettings
from rotativa_tools.cli._common import EXIT_INVALID, EXIT_OK, add_lang_option, fail

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "import"


def add_command(commands: SubParsers) -> None:
    """Add `import` (with its one source today, `wordpress`) to rotativa's commands."""
    importer = commands.add_parser(
        COMMAND,
        help="convert another CMS's export into article uploads",
        description="Convert another CMS's export into a content folder of article "
        "uploads (articles/*.md), ready for `rotativa check`, `rotativa local` and upload.",
    )
    sources = importer.add_subparsers(required=True, metavar="SOURCE")
    wordpress = sources.add_parser(
        "wordpress",
        help="a WordPress export (Tools → Export, WXR .xml)",
        description="Convert a WordPress export (WXR: Tools → Export → All content) into "
        "DIR/articles/<slug>.md, list the images and attachments to fetch in "
        "DIR/media-manifest.csv (nothing is downloaded) and write DIR/import-report.json: "
        "posts converted, items skipped and why, and every warning. Running it again "
        "gives the same files. Exit 0 when every converted post is valid (warnings "
        "allowed), 1 when some are not, 2 when the export cannot be read or is refused.",
    )
    wordpress.add_argument("export", type=Path, metavar="EXPORT.xml")
    wordpress.add_argument("--out", type=Path, required=True, metavar="DIR")
    wordpress.add_argument(
        "--site",
        type=Path,
        metavar="FILE",
        help="site.yaml: categories are matched to its sections, files are checked with "
        "its settings, and it is copied to DIR (default: category names kept as sections)",
    )
    wordpress.add_argument(
        "--default-section",
        metavar="NAME",
        help="the section of posts whose categories match none of the site's sections",
    )
    wordpress.add_argument(
        "--progress",
        action="store_true",
        help="show a progress bar on stderr even when it is not a terminal",
    )
    add_lang_option(wordpress)
    wordpress.set_defaults(run=run_import_wordpress)


def _fail(message: object) -> int:
    return fail(f"{COMMAND} wordpress", message)


def run_import_wordpress(args: argparse.Namespace) -> int:
    # Imported here so that other commands never pay for the importer.
    from rotativa_tools.wordpress import ImportOptions, WxrError, import_wordpress, summary_lines
    from rotativa_tools.wordpress.progress import TerminalProgress

    export: Path = args.export
    if not export.is_file():
        return _fail(f"{export}: no such file")
    if args.site is not None and not args.site.is_file():
        return _fail(f"{args.site}: no such file")
    try:
        site = (
            SiteSettings.from_file(args.site)
            if args.site is not None
            else SiteSettings(name="rotativa", base_url="https://example.invalid/")
        )
    except (OSError, ValueError) as exc:
        return _fail(f"{args.site}: {exc}")
    default_section: str | None = args.default_section
    if default_section is not None and site.sections:
        configured = site.find_section(default_section)
        if configured is None:
            names = ", ".join(s.name for s in site.sections)
            return _fail(f"--default-section {default_section!r} is not one of: {names}")
        default_section = configured.name
    language: Language = args.lang or (site.locale if args.site is not None else "it")
    options = ImportOptions(
        export=export,
        out=args.out,
        site=site,
        site_file=args.site,
        default_section=default_section,
        language=language,
    )
    show_progress = args.progress or sys.stderr.isatty()
    progress = TerminalProgress(sys.stderr) if show_progress else None
    try:
        result = import_wordpress(options, progress)
    except WxrError as exc:
        return _fail(f"{export}: {exc}")
    except OSError as exc:
        return _fail(exc)
    for line in summary_lines(result, language):
        print(line)
    return EXIT_OK if result.ok else EXIT_INVALID
