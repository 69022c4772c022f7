"""The `rotativa` command line: what editors and developers run on their own machine."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from rotativa.domain.messages import LANGUAGES, Language, render_message
from rotativa.domain.site import SiteSettings
from rotativa.domain.upload import ARTICLE_EXTENSIONS
from rotativa.services.validation import ValidationReport, validate_stream

SITE_FILE = "site.yaml"
_SKIPPED_DIRECTORIES = frozenset({"media", "reports", "node_modules", "__pycache__"})

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rotativa", description="Publishing backend of a regional news site."
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate articles exactly as the cloud will",
        description="Validate article uploads (.md, .json) exactly as the cloud will. "
        "Exit 0 when all are valid (warnings allowed), 1 when any is invalid, 2 on usage errors.",
    )
    check.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    check.add_argument(
        "--site", type=Path, help=f"site settings (default: the nearest {SITE_FILE} above PATH)"
    )
    check.add_argument("--lang", choices=LANGUAGES, help="language of the messages")
    check.set_defaults(run=_check)
    _add_preview(commands)
    return parser


# --- rotativa check -----------------------------------------------------------------------


def find_site_file(start: Path) -> Path | None:
    """The `site.yaml` nearest above `start`, as content folders keep it beside `articles/`."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for candidate in (directory, *directory.parents):
        if (candidate / SITE_FILE).is_file():
            return candidate / SITE_FILE
    return None


def load_site(explicit: Path | None, near: Path) -> SiteSettings:
    path = explicit or find_site_file(near)
    if path is None:
        # Without site.yaml any section name is accepted: the cloud's own settings decide.
        return SiteSettings(name="rotativa", base_url="https://example.invalid/")
    return SiteSettings.from_file(path)


def upload_key(path: Path) -> str:
    """The inbox key a file would have: `articles/<path below the articles folder>`."""
    parts = path.resolve().parts
    if "articles" in parts[:-1]:
        below = parts[len(parts) - 1 - parts[::-1].index("articles") + 1 :]
        return "articles/" + "/".join(below)
    return f"articles/{path.name}"


def article_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for child in sorted(path.iterdir()):
        if child.name.startswith(".") or child.name in _SKIPPED_DIRECTORIES:
            continue
        if child.is_dir():
            yield from article_files(child)
        elif child.suffix.lower() in ARTICLE_EXTENSIONS:
            yield child


def check_file(path: Path, settings: SiteSettings) -> ValidationReport:
    with path.open("rb") as stream:
        return validate_stream(upload_key(path), stream, settings)


def format_problems(
    path: Path | str, report: ValidationReport, language: Language
) -> Iterator[str]:
    for problem in report.problems:
        where = f"{path}:{problem.line}" if problem.line is not None else f"{path}"
        yield f"{where}: {problem.severity.value}: {problem.message(language)}"


def _check(args: argparse.Namespace) -> int:
    missing = [p for p in args.paths if not p.exists()]
    if args.site is not None and not args.site.is_file():
        missing.append(args.site)
    if missing:
        for path in missing:
            print(f"rotativa check: {render_message('check_missing_path', 'it', value=path)}",
                  file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    try:
        sites = {path: load_site(args.site, path) for path in args.paths}
    except (OSError, ValueError) as exc:
        print(f"rotativa check: {exc}", file=sys.stderr)
        return EXIT_USAGE
    files = valid = warnings = 0
    language: Language = args.lang or next(iter(sites.values())).locale
    for root in args.paths:
        found = list(article_files(root))
        if not found:
            print(f"{root}: warning: {render_message('check_no_files', language, value=root)}")
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
            files=files,
            valid=valid,
            invalid=files - valid,
            warnings=warnings,
        )
    )
    return EXIT_OK if valid == files else EXIT_INVALID


# --- rotativa preview ---------------------------------------------------------------------


def _add_preview(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    preview = commands.add_parser(
        "preview",
        help="render an article's page into a folder that opens from disk",
        description="Render FILE's page (with its stylesheet and images) into DIR, to open "
        "DIR/index.html in a browser. The other articles of FILE's folder fill its related "
        "box. Exit 0 when written, 1 when the article is invalid, 2 on usage errors.",
    )
    preview.add_argument("file", type=Path, metavar="FILE", help="an article (.md or .json)")
    preview.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    preview.add_argument(
        "--site", type=Path, help=f"site settings (default: the nearest {SITE_FILE} above FILE)"
    )
    preview.add_argument("--lang", choices=LANGUAGES, help="language of the messages")
    preview.set_defaults(run=_preview)


def _preview(args: argparse.Namespace) -> int:
    from rotativa.rendering.preview import PREVIEW_MESSAGES, write_preview

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
        print(PREVIEW_MESSAGES["invalid"][language])
        return EXIT_INVALID
    for path in result.media_missing:
        folder = result.media_folder or args.file.parent / "media"
        text = PREVIEW_MESSAGES["media_missing"][language].format(path=path, folder=folder)
        print(f"{args.file}: warning: {text}")
    print(
        PREVIEW_MESSAGES["written"][language].format(
            index=result.index, pages=result.pages, media=len(result.media)
        )
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
