"""`rotativa preview FILE --out DIR`: an article's page in a folder that opens from disk."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa.domain.messages import Language, render_message
from rotativa.domain.site import SITE_FILE
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

COMMAND: Final = "preview"


def add_command(commands: SubParsers) -> None:
    preview = commands.add_parser(
        COMMAND,
        help="render an article's page into a folder that opens from disk",
        description="Render FILE's page (with its stylesheet and images) into DIR, to open "
        "DIR/index.html in a browser. The other articles of FILE's folder fill its related "
        "box. Exit 0 when written, 1 when the article is invalid, 2 on usage errors.",
    )
    preview.add_argument("file", type=Path, metavar="FILE", help="an article (.md or .json)")
    preview.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    add_site_option(preview, f"the nearest {SITE_FILE} above FILE")
    add_lang_option(preview)
    preview.set_defaults(run=run_preview)


def run_preview(args: argparse.Namespace) -> int:
    from rotativa_tools.local.preview import write_preview

    missing = [p for p in (args.file, args.site) if p is not None and not p.is_file()]
    if missing:
        for path in missing:
            print(f"rotativa preview: {render_message('check_missing_path', 'it', value=path)}",
                  file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    try:
        site = load_site(args.site, args.file)
    except (OSError, ValueError) as exc:
        print(f"rotativa preview: {exc}", file=sys.stderr)
        return EXIT_USAGE
    language: Language = args.lang or site.locale
    neighbours = [(path, upload_key(path)) for path in article_files(args.file.parent)]
    result = write_preview((args.file, upload_key(args.file)), neighbours, args.out, site)
    for line in format_problems(args.file, result.report, language):
        print(line)
    if result.index is None:
        print(render_message("preview_invalid", language))
        return EXIT_INVALID
    for path in result.media_missing:
        folder = result.media_folder or args.file.parent / "media"
        text = render_message("preview_media_missing", language, path=path, folder=folder)
        print(f"{args.file}: warning: {text}")
    print(
        render_message(
            "preview_written",
            language,
            index=result.index,
            pages=result.pages,
            media=len(result.media),
        )
    )
    return EXIT_OK
