"""`rotativa rebuild`: render every page of the site again, after a template change.

    rotativa rebuild samples/ --out build/site        # in process, from a content folder
    rotativa rebuild --table T --out build/site        # in process, from the articles table
    rotativa rebuild --table T --bucket SITE [--invalidate-queue-url URL]
                                                      # in process, into the site bucket
    rotativa rebuild --table T --render-queue-url URL # on AWS: fan pages out to the queue

In process, a progress bar counts the pages (`--jobs N` renders a folder target in N
processes); only pages whose bytes changed are written. On AWS every page goes to the
render queue, where the RenderFunction renders batches in parallel and the
InvalidateFunction coalesces what changed. The table, bucket and queue names default to
the functions' own variables (ARTICLES_TABLE, SITE_BUCKET, RENDER_QUEUE_URL,
INVALIDATE_QUEUE_URL) and the site's settings to SITE_* or `--site site.yaml`.

`cli.py` wires it in with `add_rebuild_command(commands)`.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

from rotativa.domain.records import StoredArticle
from rotativa.domain.schedules import lifecycle_state
from rotativa.domain.site import SiteSettings

if TYPE_CHECKING:
    # The rebuild itself (templates, Jinja) is imported when the command runs, so that
    # wiring the command into cli.py costs `rotativa check` nothing at start-up.
    from rotativa.services.ports import Invalidations, PageSource, SiteIndex, SiteStorage
    from rotativa.services.rebuild import RebuildReport

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2

MESSAGES = {
    "it": {
        "usage_source": "indica una cartella di contenuti o la tabella (--table o ARTICLES_TABLE)",
        "usage_target": "indica dove scrivere: --out, --bucket o --render-queue-url",
        "usage_queue": "--render-queue-url legge la tabella: usala con --table, non con FOLDER",
        "usage_site": "impostazioni del sito mancanti: --site site.yaml o le variabili SITE_*",
        "skipped": "{path}: non valido, escluso dalla ricostruzione",
        "pages": "pagine",
        "done": "{pages} pagine in {seconds:.1f} s ({rate:.0f} pagine/s): "
        "{written} scritte, {removed} rimosse, {unchanged} invariate",
        "queued": "{pages} pagine inviate alla coda di rendering",
    },
    "en": {
        "usage_source": "name a content folder or the table (--table or ARTICLES_TABLE)",
        "usage_target": "name where to write: --out, --bucket or --render-queue-url",
        "usage_queue": "--render-queue-url reads the table: use it with --table, not a folder",
        "usage_site": "no site settings: --site site.yaml or the SITE_* variables",
        "skipped": "{path}: invalid, left out of the rebuild",
        "pages": "pages",
        "done": "{pages} pages in {seconds:.1f} s ({rate:.0f} pages/s): "
        "{written} written, {removed} removed, {unchanged} unchanged",
        "queued": "{pages} pages sent to the render queue",
    },
}


def add_rebuild_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rebuild = commands.add_parser(
        "rebuild",
        help="render every page again (after a template change)",
        description="Render every page of the site again: in process from a content folder "
        "or the articles table (into a folder or the site bucket, with a progress bar), or on "
        "AWS by sending every page to the render queue. Exit 0 when done, 1 when a file of "
        "the folder is invalid (the rest is rebuilt), 2 on usage errors.",
    )
    rebuild.add_argument(
        "content", nargs="?", type=Path, metavar="FOLDER", help="a content folder (articles/)"
    )
    rebuild.add_argument("--table", help="the articles table (default: $ARTICLES_TABLE)")
    rebuild.add_argument("--site", type=Path, help="site settings (default: site.yaml or SITE_*)")
    target = rebuild.add_mutually_exclusive_group()
    target.add_argument("--out", type=Path, metavar="DIR", help="write the pages into DIR")
    target.add_argument("--bucket", help="write changed pages into the site bucket")
    target.add_argument(
        "--render-queue-url", metavar="URL", help="send every page to the render queue (AWS)"
    )
    rebuild.add_argument(
        "--invalidate-queue-url",
        metavar="URL",
        help="with --bucket: hand the changed paths to the invalidate queue",
    )
    rebuild.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="with --out: render in N processes"
    )
    rebuild.add_argument("--quiet", action="store_true", help="no progress bar")
    rebuild.add_argument("--lang", choices=("it", "en"), help="language of the messages")
    rebuild.set_defaults(run=run_rebuild)


def run_rebuild(args: argparse.Namespace) -> int:
    from rotativa.services.rebuild import FolderStorage, MemorySite, Rebuild, fan_out, site_pages

    env = os.environ
    table_name = args.table or (env.get("ARTICLES_TABLE") if args.content is None else None)
    bucket = args.bucket
    queue_url = args.render_queue_url
    language = args.lang or "it"
    say = MESSAGES[language]
    if args.content is None and not table_name:
        return _usage(say["usage_source"])
    if args.out is None and bucket is None and queue_url is None:
        return _usage(say["usage_target"])
    if queue_url is not None and args.content is not None:
        return _usage(say["usage_queue"])
    try:
        site = _site(args)
    except (OSError, ValueError) as exc:
        print(f"rotativa rebuild: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if site is None:
        return _usage(say["usage_site"])
    language = args.lang or site.locale
    say = MESSAGES[language]
    now = datetime.now(UTC)
    status = EXIT_OK
    source: PageSource
    index: SiteIndex
    if args.content is not None:
        articles, invalid = load_folder(args.content, site, now)
        for path in invalid:
            print(say["skipped"].format(path=path), file=sys.stderr)
        status = EXIT_INVALID if invalid else EXIT_OK
        memory = MemorySite(site, articles)
        source = index = memory
    else:
        from rotativa.adapters.articles_table import ArticlesTable

        table = ArticlesTable(str(table_name), site)
        source = index = table
    refs = site_pages(index, site)
    bar = None if args.quiet else ProgressBar(say["pages"])
    if queue_url is not None:
        from rotativa.adapters.queues import RenderQueue

        sent = fan_out(refs, RenderQueue(queue_url), progress=bar)
        print(say["queued"].format(pages=sent))
        return status
    storage: SiteStorage
    invalidations: Invalidations | None = None
    jobs = max(1, args.jobs)
    if args.out is not None:
        storage = FolderStorage(args.out)
    else:
        from rotativa.adapters.buckets import SiteBucket
        from rotativa.adapters.queues import InvalidateQueue

        storage = SiteBucket(str(bucket))
        queue = args.invalidate_queue_url or env.get("INVALIDATE_QUEUE_URL")
        invalidations = InvalidateQueue(queue) if queue else None
        jobs = 1  # boto3 clients are not shared across processes
    report = Rebuild(site, source, storage, invalidations).run(refs, now, progress=bar, jobs=jobs)
    print(summary(report, language))
    return status


def summary(report: RebuildReport, language: str) -> str:
    return MESSAGES[language]["done"].format(
        pages=report.pages,
        seconds=report.seconds,
        rate=report.pages_per_second,
        written=report.written,
        removed=report.removed,
        unchanged=report.files - report.written - report.removed,
    )


def _usage(message: str) -> int:
    print(f"rotativa rebuild: {message}", file=sys.stderr)
    return EXIT_USAGE


def _site(args: argparse.Namespace) -> SiteSettings | None:
    if args.site is not None:
        return SiteSettings.from_file(args.site)
    if args.content is not None:
        from rotativa_tools.cli import find_site_file  # imported here: cli.py imports this module

        found = find_site_file(args.content)
        if found is not None:
            return SiteSettings.from_file(found)
    if os.environ.get("SITE_NAME") and os.environ.get("SITE_BASE_URL"):
        return SiteSettings.from_environment(os.environ)
    return None


def load_folder(
    folder: Path, site: SiteSettings, now: datetime
) -> tuple[list[StoredArticle], list[Path]]:
    """The folder's articles as the table would hold them once published (validated as the
    cloud validates them; drafts kept, invisible; embargoes and expiries judged at `now`),
    and the files that are invalid."""
    from rotativa.rendering.folder import published_at
    from rotativa.services.validation import validate_upload
    from rotativa_tools.cli import article_files, upload_key

    articles: list[StoredArticle] = []
    invalid: list[Path] = []
    for number, path in enumerate(article_files(folder), start=1):
        key = upload_key(path)
        report = validate_upload(key, path.read_bytes(), site)
        if report.article is None:
            invalid.append(path)
            continue
        published = published_at(report, path)
        articles.append(
            StoredArticle(
                key=key,
                order=f"{number:032X}",
                state=lifecycle_state(report.article, now),
                received_at=published,
                article=report.article,
                first_published=published,
            )
        )
    return articles, invalid


class ProgressBar:
    """`[#########.........]  48%  6,012/12,480 pages  1,210/s` on standard error: redrawn
    in place on a terminal, a line every 10% elsewhere (logs, CI)."""

    def __init__(self, unit: str, stream: IO[str] | None = None, width: int = 30) -> None:
        self.unit = unit
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.perf_counter()
        self.tty = self.stream.isatty()
        self._last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        share = done / total if total else 1.0
        tenth = int(share * 10)
        if not self.tty and tenth == self._last_tenth and done != total:
            return
        self._last_tenth = tenth
        elapsed = time.perf_counter() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        filled = int(share * self.width)
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%}  "
            f"{done:,}/{total:,} {self.unit}  {rate:,.0f}/s"
        )
        end = "\n" if done >= total or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m rotativa_tools.cli.rebuild …` until cli.py wires the subcommand in."""
    parser = argparse.ArgumentParser(prog="rotativa")
    add_rebuild_command(parser.add_subparsers(required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    result: int = args.run(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
