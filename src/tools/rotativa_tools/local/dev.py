"""`rotativa dev`: the whole system on one laptop, live, for developers and editors.

One process holds everything: a moto server on 127.0.0.1 (so any AWS tool can talk to it
with AWS_ENDPOINT_URL, and local/moto_patches.py applies to it because it runs here), the
stack of template.yaml built on it, the event pump in a background thread delivering
events to the functions' handlers, the site bucket served over HTTP as CloudFront serves
it, and a watcher that turns edits in a content folder into uploads and deletes. Each
event's journey is told in one line, from what the system really did: the report or the
table item for the upload, the pages the functions wrote, the invalidations CloudFront got.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError

from rotativa.domain.inbox import Change, MalformedNotification, parse_notification
from rotativa_tools.local.cloud import DEFAULT_TEMPLATE, LocalCloud, prepare_environment
from rotativa_tools.local.content import ContentWatcher, parameters_for, site_from_parameters
from rotativa_tools.local.pump import Invocation
from rotativa_tools.local.site_server import BucketSource, SiteServer, cdn_behaviours
from rotativa_tools.local.summary import InvalidationLog, SiteWrites, UploadJudge
from rotativa_tools.local.template import load_template
from rotativa_tools.ops.target import DEFAULT_HOST, default_outputs_file, write_outputs

IDLE_SECONDS = 0.2  # pause of the pump when a whole round found nothing
WATCH_SECONDS = 1.0  # how often the content folder is looked at


class DevError(RuntimeError):
    """`rotativa dev` cannot start (a port is taken, a folder is missing)."""


@dataclass
class DevOptions:
    content: Path | None = None
    port: int = 4566
    site_port: int = 8080
    outputs_file: Path | None = None
    host: str = DEFAULT_HOST
    template_path: Path = DEFAULT_TEMPLATE


# ---------------------------------------------------------------------------- the journal


@dataclass
class _Wave:
    """Everything delivered between two quiet moments of the system."""

    started: float
    uploads: dict[str, Change] = field(default_factory=dict)
    arrived: dict[str, float] = field(default_factory=dict)  # when each key was uploaded
    failures: list[Invocation] = field(default_factory=list)
    mark: tuple[int, int] = (0, 0)


class Journal:
    """One line per event's journey: `12:03:01 articles/x.md → published → 7 pages →
    invalidated 9 paths`.

    The pump's observer says which inbox events were delivered and which invocations
    failed; when the system is quiet again the wave is told from its results. Uploads
    that travelled together (a burst) share their pages and invalidation, so those are
    told once for the wave rather than split by guesswork.
    """

    def __init__(
        self,
        inbox: str,
        judge: UploadJudge,
        writes: SiteWrites,
        invalidations: InvalidationLog,
        say: Callable[[str], None],
    ) -> None:
        self.inbox = inbox
        self.judge = judge
        self.writes = writes
        self.invalidations = invalidations
        self.say = say
        self._wave: _Wave | None = None
        self._mark = writes.mark()  # where the last wave ended: the next one counts from here

    def observe(self, invocation: Invocation, event: dict[str, Any]) -> None:
        """The pump's observer: called after each invocation, in the pump's thread."""
        wave = self._wave
        if wave is None:
            wave = self._wave = _Wave(time.time(), mark=self._mark)
        for record in event.get("Records", []):
            body = record.get("body") if isinstance(record, Mapping) else None
            if not isinstance(body, str):
                continue
            try:
                inbox_events = parse_notification(body)
            except MalformedNotification:
                continue  # a page request or changed paths: not an upload
            for inbox_event in inbox_events:
                if inbox_event.bucket == self.inbox and not inbox_event.is_ours:
                    wave.uploads[inbox_event.key] = inbox_event.change
                    # The upload's own time (S3's eventTime), not the delivery's.
                    wave.arrived[inbox_event.key] = inbox_event.event_time.timestamp()
        if invocation.error or invocation.failed:
            wave.failures.append(invocation)

    def quiet(self) -> None:
        """The system is quiet: tell the wave that just ended, if any."""
        wave, self._wave = self._wave, None
        if wave is None:
            return
        clock = _clock(wave.started)
        for failure in wave.failures:
            error = failure.error or "reported failed records"
            self.say(
                f"{clock} ⚠ {failure.function} ({failure.source}): {failure.failed} of "
                f"{failure.records} records failed: {error}"
            )
        written, removed = self.writes.since(wave.mark)
        self._mark = self.writes.mark()
        batches = self.invalidations.new()
        paths = {path for batch in batches for path in batch.paths}
        pages = f"{len(written) + len(removed)} pages"
        if removed:
            pages += f" ({len(removed)} removed)"
        if batches:
            flushed = f"invalidated {len(paths)} paths"
            if len(batches) > 1:
                flushed += f" in {len(batches)} requests"
        else:
            flushed = "no invalidation"
        outcomes = [self.judge.judge(key, change) for key, change in wave.uploads.items()]
        # Each upload at the time it was made (a burst spans seconds); what the wave
        # made of them all, at the time it was done.
        if len(outcomes) == 1 and not outcomes[0].first_error:
            at = _clock(wave.arrived.get(outcomes[0].key, wave.started))
            self.say(f"{at} {outcomes[0].key} → {outcomes[0].describe()} → {pages} → {flushed}")
            return
        for outcome in outcomes:
            at = _clock(wave.arrived.get(outcome.key, wave.started))
            self.say(f"{at} {outcome.key} → {outcome.describe()}")
        if written or removed or batches:
            what = f"{len(outcomes)} uploads" if outcomes else "table changes"
            self.say(f"{_clock(time.time())} {what} → {pages} → {flushed}")


def _clock(moment: float) -> str:
    return datetime.fromtimestamp(moment).strftime("%H:%M:%S")


# ---------------------------------------------------------------------------- the process


class DevCloud:
    """The moto server, the stack, the pump thread, the site server and the watcher."""

    def __init__(self, options: DevOptions, out: TextIO) -> None:
        self.options = options
        self.out = out
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._moto: Any = None
        self._site: SiteServer | None = None
        self.cloud: LocalCloud | None = None
        self.journal: Journal | None = None
        self.endpoint = ""
        self.outputs_file: Path | None = None

    # -- telling

    def say(self, line: str) -> None:
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    # -- starting

    def start(self) -> None:
        options = self.options
        if options.content is not None and not options.content.is_dir():
            raise DevError(f"{options.content}: no such folder")
        parameters = parameters_for([options.content]) if options.content else {}
        template = load_template(options.template_path)
        # The CSP and the rest, per cache behaviour (/media/* has its own), as CloudFront adds them
        cdn = cdn_behaviours(template)
        for port in (options.port, options.site_port):
            _check_port(options.host, port)
        self._moto = _moto_server(options.host, options.port)
        host, port = self._moto.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        prepare_environment(self.endpoint)
        cloud = self.cloud = LocalCloud.start(
            options.template_path,
            parameters=parameters,
            endpoint_url=self.endpoint,
            template=template,
        )
        import boto3

        session = boto3.DEFAULT_SESSION
        assert session is not None  # LocalCloud.start made it
        writes = SiteWrites(cloud.site_bucket).attach(session.events)
        judge = UploadJudge.for_cloud(cloud, site_from_parameters(cloud.stack.parameters))
        invalidations = InvalidationLog(cloud.clients.cloudfront, cloud.distribution_id)
        invalidations.new()  # what exists already is not this session's news
        self.journal = Journal(cloud.inbox, judge, writes, invalidations, self.say)
        cloud.pump.observer = self.journal.observe
        self._site = SiteServer(
            BucketSource(cloud.clients.s3, cloud.site_bucket),
            options.host,
            options.site_port,
            behaviours=cdn,
        ).start()
        self._spawn("rotativa-pump", self._pump)
        self.outputs_file = options.outputs_file or default_outputs_file(self.endpoint)
        write_outputs(self.outputs_file, cloud.stack.outputs)
        if options.outputs_file is not None:  # where the other commands look, untold
            write_outputs(default_outputs_file(self.endpoint), cloud.stack.outputs)
        self._banner()

    def _spawn(self, name: str, target: Callable[[], None]) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _banner(self) -> None:
        assert self.cloud is not None
        assert self._site is not None
        inbox = self.cloud.inbox
        content = self.options.content
        self.say("rotativa dev: template.yaml is running on a local moto")
        self.say(f"  AWS endpoint  {self.endpoint}   (AWS_ENDPOINT_URL; any credentials)")
        self.say(f"  inbox bucket  s3://{inbox}/")
        self.say(f"  site          {self._site.url}")
        self.say(f"  outputs       {self.outputs_file}")
        if content is not None:
            self.say(f"  watching      {content}/articles, {content}/media")
        self.say(
            f"  publish with  AWS_ENDPOINT_URL={self.endpoint} "
            f"aws s3 cp articolo.md s3://{inbox}/articles/"
        )
        self.say("  stop with     Ctrl-C")

    # -- running

    def _pump(self) -> None:
        """Deliver until quiet, tell the wave, wait a moment, again, until stopped."""
        assert self.cloud is not None
        assert self.journal is not None
        pump, journal = self.cloud.pump, self.journal
        busy = False
        while not self._stop.is_set():
            try:
                delivered = pump.step()
            except Exception as exc:  # the moto server stopping under us, or a pump bug
                if self._stop.is_set():
                    return
                self.say(f"⚠ the event pump failed: {type(exc).__name__}: {exc}")
                delivered = False
            if delivered:
                busy = True
                continue
            if busy:
                busy = False
                try:
                    journal.quiet()
                except Exception as exc:
                    self.say(f"⚠ could not tell what happened: {type(exc).__name__}: {exc}")
            self._stop.wait(IDLE_SECONDS)

    def watch(self) -> None:
        """Upload the content folder, then follow its changes, until stopped (main thread)."""
        assert self.cloud is not None
        cloud = self.cloud
        watcher = ContentWatcher(self.options.content) if self.options.content else None
        while not self._stop.is_set():
            for change in watcher.changes() if watcher else []:
                try:
                    if change.path is None:
                        cloud.delete(change.key)
                    else:
                        cloud.put(change.key, change.path.read_bytes())
                except (OSError, BotoCoreError, ClientError) as exc:
                    self.say(f"⚠ {change.key}: not uploaded: {exc}")
            self._stop.wait(WATCH_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        if self._site is not None:
            self._site.stop()
        if self._moto is not None:
            self._moto.stop()

    def request_stop(self, signum: int, frame: FrameType | None) -> None:  # noqa: ARG002
        self._stop.set()


def _check_port(host: str, port: int) -> None:
    """A taken port fails here with its number: moto's server would wait forever."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            taken = f"port {port} on {host} is taken ({exc.strerror}): choose another"
            raise DevError(taken) from None


def _moto_server(host: str, port: int) -> Any:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    return server


def run_dev(options: DevOptions, out: TextIO | None = None) -> int:
    """The command: start, serve until Ctrl-C or SIGTERM, stop cleanly; the exit status.

    stdout is the journal; the functions' own output (logs, metrics) goes to stderr.
    """
    out = out or sys.stdout
    dev = DevCloud(options, out)
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {signum: signal.signal(signum, dev.request_stop) for signum in signals}
    saved_stdout, sys.stdout = sys.stdout, sys.stderr
    try:
        dev.start()
        dev.watch()
    finally:
        dev.stop()
        sys.stdout = saved_stdout
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    dev.say("rotativa dev: stopped")
    return 0
