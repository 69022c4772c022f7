"""`rotativa local`: content folders in, the site on disk out, through the whole pipeline.

Nothing is rendered here: the folders are uploaded to the inbox bucket of a local cloud
built from template.yaml on in-process moto, the functions do what they do on AWS until
the system is quiet, and the site bucket is copied to disk. The summary is the run's own
record (reports, the table, the distribution, the call counter), so `make demo` shows
what a publish costs, not what it is meant to cost.

With `advance`, the local cloud's clock then moves ahead and what came due runs until
quiet (embargoes end, expiries come, the hourly refresh renders), as it would have in the
cloud that much later; the site and the summary are the state after that.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
from moto import mock_aws

from rotativa.adapters.folder import upload_files
from rotativa.domain.inbox import Change
from rotativa_tools.local.cloud import DEFAULT_TEMPLATE, LocalCloud, prepare_environment
from rotativa_tools.local.content import parameters_for, site_from_parameters
from rotativa_tools.local.summary import (
    ClockAdvance,
    InvalidationLog,
    RunSummary,
    SiteWrites,
    UploadJudge,
)

#: Left in an output folder we wrote, so a later run may clear it (and no other folder).
SITE_MARKER = ".rotativa-site"


class OutputFolderError(ValueError):
    """The output folder holds files rotativa did not write: refuse to mix or delete them."""


@dataclass
class BuildResult:
    summary: RunSummary
    out: Path
    files: int


def build_site(
    folders: Sequence[Path],
    out: Path,
    *,
    template_path: Path = DEFAULT_TEMPLATE,
    advance: timedelta | None = None,
) -> BuildResult:
    """Run the local cloud on the folders' uploads and write the site bucket to `out`;
    with `advance`, move its clock that far ahead first and run what came due.

    The functions' own output (logs, metrics) goes to stderr, so that stdout carries
    only what the command means to say (a table, or JSON for scripts).
    """
    parameters = parameters_for(folders)
    _prepare_output(out)
    prepare_environment()
    with mock_aws(), redirect_stdout(sys.stderr):
        cloud = LocalCloud.start(template_path, parameters=parameters)
        session = boto3.DEFAULT_SESSION
        assert session is not None  # LocalCloud.start made it
        writes = SiteWrites(cloud.site_bucket).attach(session.events)
        keys = []
        for folder in folders:
            for key, path in upload_files(folder):
                cloud.put(key, path.read_bytes())
                keys.append(key)
        cloud.run_until_quiet()
        site = site_from_parameters(cloud.stack.parameters)
        clock_advance = None
        if advance is not None:
            schedules = cloud.pump.schedules
            assert schedules is not None  # LocalCloud.start gives the pump its scheduler
            already = len(schedules.fired)
            cloud.advance(advance)
            clock_advance = ClockAdvance.collect(
                advance, cloud.clock.now(), schedules.fired[already:], site.zone
            )
        judge = UploadJudge.for_cloud(cloud, site)
        outcomes = [judge.judge(key, Change.PUT) for key in dict.fromkeys(keys)]
        invalidations = InvalidationLog(cloud.clients.cloudfront, cloud.distribution_id).new()
        summary = RunSummary.collect(
            outcomes,
            writes,
            invalidations,
            cloud.counter.as_dict(),
            cloud.pump.invocations,
            clock_advance,
        )
        files = cloud.export_site(out)
    (out / SITE_MARKER).write_text("written by `rotativa local`; the next run replaces it\n")
    return BuildResult(summary, out, files)


def _prepare_output(out: Path) -> None:
    """An empty (or new) folder, or one an earlier run wrote: then it is emptied first,
    so that no page of an earlier run survives as if this run had written it."""
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()):
        if not (out / SITE_MARKER).is_file():
            raise OutputFolderError(
                f"{out} is not empty and was not written by rotativa local: "
                "choose an empty or new folder"
            )
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
