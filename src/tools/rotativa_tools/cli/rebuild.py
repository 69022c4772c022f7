"""`rotativa rebuild`: render every page of the site again, after a template change.

    rotativa rebuild samples/ --out build/site        # in process, from a content folder
    rotativa rebuild --table T --out build/site        # in process, from the articles table
    rotativa rebuild --table-export DIR --out build/site  # in process, from a table export
    rotativa rebuild --table T --bucket SITE [--invalidate-queue-url URL]
                                                      # in process, into the site bucket
    rotativa rebuild --table T --render-queue-url URL # on AWS: fan pages out to the queue
    rotativa rebuild --stack NAME --out build/site     # the table of a deployed stack
    rotativa rebuild --endpoint-url URL --out DIR      # the table of a running `rotativa dev`

In process, a progress bar counts the pages (`--jobs N` renders a folder target in N
processes); only pages whose bytes changed are written. On AWS every page goes to the
render queue, where the RenderFunction renders batches in parallel and the
InvalidateFunction coalesces what changed. `--table-export DIR` reads the table from a
DynamoDB export on disk ("export to S3", DYNAMODB_JSON: gzipped lines `{"Item": …}` under
`DIR/data/`, as `aws s3 sync` brings it down): no AWS account, no running stack; the
articles as validated and the index as kept (`--reindex`: the articles indexed again).
The table is `--table`, else the ArticlesTableName output of the stack the target
options name (`--stack`, or a running `rotativa dev` by `--endpoint-url` or
`--outputs-file`, else the one running here), as every command finds it (`find_target`);
nothing is read from a variable a developer's shell may still hold from another stack.
The invalidate queue defaults to INVALIDATE_QUEUE_URL, the site's settings to `--site
site.yaml`, the content folder's site.yaml, the deployed stack's parameters, or SITE_*.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

from rotativa.domain.messages import Language, render_message
from rotativa.domain.site import SiteSettings
from rotativa_tools.cli._common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Target,
    add_lang_option,
    add_site_option,
    add_target_options,
    fail,
    find_site_file,
    find_target,
    names_a_stack,
)

if TYPE_CHECKING:
    # The rebuild itself (templates, Jinja) is imported when the command runs, so that
    # the command costs `rotativa check` nothing at start-up.
    from rotativa.adapters.memory import MemoryBucket, MemoryTable
    from rotativa.domain.records import StoredArticle
    from rotativa.services.ports import (
        ArticleBatches,
        BundleFiles,
        Invalidations,
        PageSource,
        SearchBuilds,
        SiteIndex,
        SiteStorage,
    )
    from rotativa.services.rebuild import RebuildReport
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "rebuild"
TABLE_OUTPUT: Final = "ArticlesTableName"


def add_command(commands: SubParsers) -> None:
    rebuild = commands.add_parser(
        COMMAND,
        help="render every page again (after a template change)",
        description="Render every page of the site again: in process from a content folder "
        "or the articles table (into a folder or the site bucket, with a progress bar), or on "
        "AWS by sending every page to the render queue. The table is --table, or the "
        "ArticlesTableName output of the stack that --stack, --endpoint-url or --outputs-file "
        "names (else the `rotativa dev` running here). Exit 0 "
        "when done, 1 when a file of the folder is invalid (the rest is rebuilt), 2 on usage "
        "errors.",
    )
    rebuild.add_argument(
        "content", nargs="?", type=Path, metavar="FOLDER", help="a content folder (articles/)"
    )
    rebuild.add_argument(
        "--table", help=f"the articles table (default: the target stack's {TABLE_OUTPUT})"
    )
    rebuild.add_argument(
        "--table-export",
        type=Path,
        metavar="DIR",
        help="a DynamoDB export of the articles table (export to S3, DYNAMODB_JSON: "
        "DIR/data/*.json.gz), read from disk as --table reads the table",
    )
    add_target_options(rebuild, site=False)
    add_site_option(rebuild, "site.yaml, the deployed stack's parameters or SITE_*")
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
        "--ledger-table",
        metavar="NAME",
        help="with --bucket and a folder or an export: the stack's articles table, whose "
        "page ledger (what the bucket holds, read by the RenderFunction) is kept true; "
        "with --table or a stack, that table",
    )
    rebuild.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="with --out: render in N processes"
    )
    rebuild.add_argument(
        "--reindex",
        action="store_true",
        help="with --table-export: index the articles again (listings, related boxes) "
        "instead of reading the index the export holds",
    )
    rebuild.add_argument(
        "--no-search",
        action="store_true",
        help="leave the search index (pagefind) as it is: pages only",
    )
    rebuild.add_argument("--quiet", action="store_true", help="no progress bar")
    add_lang_option(rebuild)
    rebuild.set_defaults(run=run_rebuild)


def run_rebuild(args: argparse.Namespace) -> int:
    from rotativa.adapters.folder import FolderBucket
    from rotativa.adapters.memory import MemoryBucket
    from rotativa.services.rebuild import Rebuild, fan_out, site_pages

    env = os.environ
    table_name = args.table
    bucket = args.bucket
    queue_url = args.render_queue_url
    language: Language = args.lang or "it"
    export = args.table_export
    wants_stack = args.content is None and not table_name and export is None
    if args.out is None and bucket is None and queue_url is None:
        return _usage(render_message("rebuild_usage_target", language))
    if queue_url is not None and args.content is not None:
        return _usage(render_message("rebuild_usage_queue", language))
    if export is not None and (args.content is not None or table_name or names_a_stack(args)):
        return _usage("--table-export is the source: name no folder, table or stack with it")
    if export is not None and queue_url is not None:
        return _usage("--render-queue-url reads the table: use it with --table, not an export")
    if args.reindex and export is None:
        return _usage("--reindex goes with --table-export")
    target = None
    if wants_stack and not names_a_stack(args) and not _dev_running(args):
        return _usage(render_message("rebuild_usage_source", language))
    if wants_stack:
        found = _stack_table(args, language)
        if isinstance(found, int):
            return found
        target, table_name = found
    try:
        site = _site(args, target)
    except (OSError, ValueError) as exc:
        print(f"rotativa rebuild: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if site is None:
        return _usage(render_message("rebuild_usage_site", language))
    language = args.lang or site.locale
    now = datetime.now(UTC)
    status = EXIT_OK
    source: PageSource
    index: SiteIndex
    bodies: ArticleBatches  # the search index reads the articles' bodies from here
    builds: SearchBuilds
    media = MemoryBucket()
    if args.content is not None:
        memory, invalid = load_folder(args.content, site, now, media)
        for path in invalid:
            print(render_message("rebuild_skipped", language, path=path), file=sys.stderr)
        status = EXIT_INVALID if invalid else EXIT_OK
        source = index = bodies = builds = memory
    elif export is not None:
        try:
            memory = load_table_export(export, site, now, reindex=args.reindex)
        except TableExportError as exc:
            return fail(COMMAND, exc)
        source = index = bodies = builds = memory
    else:
        from rotativa.adapters.articles_table import ArticlesTable

        table = ArticlesTable(str(table_name), site)
        source = index = bodies = builds = table
    refs = site_pages(index, site)
    bar = None if args.quiet else ProgressBar(render_message("rebuild_pages", language))
    if queue_url is not None:
        from rotativa.adapters.queues import RenderQueue

        sent = fan_out(refs, RenderQueue(queue_url), progress=bar)
        print(render_message("rebuild_queued", language, pages=sent))
        return status
    storage: SiteStorage
    bundle: BundleFiles
    invalidations: Invalidations | None = None
    jobs = max(1, args.jobs)
    if args.out is not None:
        storage = bundle = FolderBucket(args.out)
    else:
        from rotativa.adapters.buckets import SiteBucket
        from rotativa.adapters.queues import InvalidateQueue

        ledger_table = args.ledger_table or table_name
        if ledger_table:
            from rotativa.adapters.page_ledger import PageLedger

            ledger = PageLedger(str(ledger_table))
            storage = bundle = SiteBucket(str(bucket), ledger=ledger)
        else:
            # The stack's RenderFunction trusts its ledger's hashes: a page written here
            # behind its back would be left as this rebuild wrote it by a later render of
            # the bytes the ledger holds (it would find them stored). Said, since the
            # rebuild cannot know the table.
            print(render_message("rebuild_no_ledger", language), file=sys.stderr)
            storage = bundle = SiteBucket(str(bucket))
        queue = args.invalidate_queue_url or env.get("INVALIDATE_QUEUE_URL")
        invalidations = InvalidateQueue(queue) if queue else None
        jobs = 1  # boto3 clients are not shared across processes
    for key, body in sorted(media.objects.items()):  # the folder's media, as published
        content_type, cache = media.headers[key]
        storage.put_if_changed(key, body, content_type=content_type, cache_control=cache)
    report = Rebuild(site, source, storage, invalidations).run(refs, now, progress=bar, jobs=jobs)
    print(summary(report, language))
    if args.no_search:
        return status
    # The search index as the SearchFunction makes it, compared with what the bucket holds
    # even when the records are those already published (a rebuild repairs).
    from rotativa.adapters.pagefind import build_bundle
    from rotativa.services.search import SearchIndexer

    search = SearchIndexer(site, index, bodies, bundle, invalidations, build_bundle, builds=builds)
    refreshed = search.refresh(now, force=True)
    print(
        render_message(
            "rebuild_search",
            language,
            articles=refreshed.articles,
            written=len(refreshed.written),
            deleted=len(refreshed.deleted),
        )
    )
    return status


def summary(report: RebuildReport, language: Language) -> str:
    return render_message(
        "rebuild_done",
        language,
        pages=report.pages,
        seconds=report.seconds,
        rate=report.pages_per_second,
        written=report.written,
        removed=report.removed,
        unchanged=report.files - report.written - report.removed,
    )


def _usage(message: str) -> int:
    return fail(COMMAND, message)


def _stack_table(args: argparse.Namespace, language: Language) -> tuple[Target, str] | int:
    """The stack the target options name and its articles table; else the exit code,
    after saying why (no such stack, it does not answer, it has no table output)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from rotativa_tools.ops.target import TargetError

    try:
        target = find_target(args)
    except (TargetError, OSError, ValueError) as exc:
        return fail(COMMAND, exc)
    except (BotoCoreError, ClientError) as exc:
        return fail(COMMAND, f"the stack does not answer: {exc}")
    table_name = target.outputs.get(TABLE_OUTPUT)
    if not table_name:
        return _usage(render_message("rebuild_no_table", language, value=TABLE_OUTPUT))
    return target, table_name


def _dev_running(args: argparse.Namespace) -> bool:
    """A `rotativa dev` on its default endpoint left its outputs file: the stack that
    every command finds when none is named."""
    from rotativa_tools.ops.target import default_outputs_file, local_endpoint

    return default_outputs_file(local_endpoint(args.endpoint_url)).is_file()


def _site(args: argparse.Namespace, target: Target | None = None) -> SiteSettings | None:
    if args.site is not None:
        return SiteSettings.from_file(args.site)
    if args.content is not None:
        found = find_site_file(args.content)
        if found is not None:
            return SiteSettings.from_file(found)
    if target is not None and target.parameters:
        from rotativa_tools.local.content import site_from_parameters

        return site_from_parameters(target.parameters)
    if os.environ.get("SITE_NAME") and os.environ.get("SITE_BASE_URL"):
        return SiteSettings.from_environment(os.environ)
    return None


def load_folder(
    folder: Path, site: SiteSettings, now: datetime, media: MemoryBucket | None = None
) -> tuple[MemoryTable, list[Path]]:
    """The folder's articles in the in-memory twin of the articles table, as the cloud
    would hold and index them at `now` once `rotativa local` sent them (handled by ingest
    in folder order, media first, each file arrived at its modification time), and the
    files it would refuse. With `media`, the folder's media are published into it as the
    ValidateFunction publishes them (pictures as their variants), and the articles are
    stored with the pictures they show, so their pages are the cloud's."""
    from rotativa.adapters.folder import FolderInbox, FolderSiteMedia, media_uploads, read_uploads
    from rotativa.adapters.memory import MemoryTable
    from rotativa.services.rebuild import index_uploads

    table = MemoryTable()
    uploads = [*(media_uploads(folder) if media is not None else ()), *read_uploads(folder)]
    inbox = FolderInbox(uploads)
    published = FolderSiteMedia(inbox, media) if media is not None else None
    rejected = index_uploads(site, table, inbox, uploads, now, media=published)
    return table, [Path(r.path) for r in rejected]


class TableExportError(ValueError):
    """The folder is not a DynamoDB export of the articles table (or holds a bad line)."""


EXPORT_DATA: Final = "data"  # where an export to S3 keeps its items, beside its manifests


def export_files(folder: Path) -> list[Path]:
    """The data files of a DynamoDB export in `folder` (the export's own folder,
    `AWSDynamoDB/<export id>/`, holding `data/` and the manifests), in a stable order."""
    if not folder.is_dir():
        raise TableExportError(f"{folder}: no such folder")
    files = sorted((folder / EXPORT_DATA).glob("*.json.gz"))
    if not files:
        raise TableExportError(
            f"{folder}: not a DynamoDB table export (no {EXPORT_DATA}/*.json.gz): name the "
            "export's folder, AWSDynamoDB/<export id>/, exported as DYNAMODB_JSON"
        )
    return files


def export_items(folder: Path) -> Iterator[dict[str, Any]]:
    """Every item of the export, as DynamoDB JSON (`{"pk": {"S": …}, …}`)."""
    for path in export_files(folder):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)["Item"]
                except (ValueError, KeyError, TypeError) as exc:
                    raise TableExportError(
                        f"{path}:{number}: not a DYNAMODB_JSON line ({exc})"
                    ) from exc
                yield item


def load_table_export(
    folder: Path, site: SiteSettings, now: datetime, *, reindex: bool = False
) -> MemoryTable:
    """A table export in the table's in-memory twin, as `--table` would read the table:
    the article items, the pictures' records, and the index the IndexFunction keeps
    (listings, teasers, related boxes, months, redirects), so the pages are those the
    table would give. With `reindex`, the index items are left unread and the articles
    indexed again at `now` by the IndexFunction's own `Indexer`, in the order they came
    out (for an export taken while the IndexFunction lagged behind, or after a change of
    the indexing rules)."""
    from rotativa.adapters.articles_table import ARTICLE_SK, decode_item, stored_from_item
    from rotativa.adapters.memory import MemoryTable
    from rotativa.domain.article import ArticleTeaser
    from rotativa.domain.pages import ListingId
    from rotativa.domain.pictures import PictureRecord
    from rotativa.services.rebuild import index_articles

    table = MemoryTable()
    articles: list[StoredArticle] = []
    teasers: dict[str, ArticleTeaser] = {}  # an article's memberships carry one teaser

    def teaser(text: str) -> ArticleTeaser:
        if text not in teasers:
            teasers[text] = ArticleTeaser.model_validate_json(text)
        return teasers[text]

    for raw in export_items(folder):
        try:
            item = decode_item(raw)
            pk, sk = str(item["pk"]), str(item["sk"])
            kind, _, rest = pk.partition("#")
            if kind == "article" and sk == ARTICLE_SK:
                stored = stored_from_item(item, site)
                if stored is not None:
                    articles.append(stored)
            elif kind == "picture" and sk == "picture":
                record = PictureRecord.from_dict(json.loads(str(item["record"])))
                table.keep_picture(record, replacing=table.picture(record.source_key))
            elif reindex:
                continue
            elif kind == "article" and sk == "teaser":
                table.put_teaser(teaser(str(item["teaser"])))
            elif kind == "article" and sk == "related":
                table.put_related(rest, [str(k) for k in json.loads(str(item["keys"]))])
            elif kind == "list":
                member = teaser(str(item["teaser"]))
                table.move_member(member.key, member, {}, {ListingId.parse(rest): sk})
            elif pk == "months":
                table.set_month(sk, True)
            elif kind == "redirect":
                table.put_redirects(str(item["owner"]), [rest], replace=True)
        except (ValueError, KeyError, TypeError) as exc:
            raise TableExportError(
                f"{folder}: the item {raw.get('pk')} is not valid: {exc}"
            ) from exc
    if not reindex:
        for stored in articles:
            table.put(stored)
        return table
    # As they were published: an export is in no order, and a box is worked out from
    # the articles indexed before it.
    articles.sort(key=lambda a: (a.first_published or a.received_at, a.key))
    index_articles(site, table, articles, now)
    return table


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
