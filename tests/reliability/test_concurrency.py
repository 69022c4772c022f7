"""Two (or more) workers on the same key at the same time: the newest version wins.

Lambda runs one ValidateFunction per batch, so two versions of one upload can be ingested
by two workers at once (a duplicate notification, an editor's quick correction). The
table's conditional write is the only arbiter; nothing may escape unhandled.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aws_lambda_powertools import Metrics
from moto import mock_aws

from rotativa import bootstrap
from rotativa.domain.inbox import Change, InboxEvent, IngestOutcome
from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.runtime import environment
from tests.integration.pipeline_helpers import article, site_page, table_item

VERSIONS = 6
WORKERS = 4


@pytest.fixture
def cloud(aws_environment: None) -> Iterator[LocalCloud]:  # noqa: ARG001
    with mock_aws():
        yield LocalCloud.start()


def test_workers_racing_on_one_key_leave_the_newest_version(cloud: LocalCloud) -> None:
    # GIVEN six versions of one upload, each with its S3 event (increasing sequencers)
    key = "articles/conteso.md"
    events = []
    for i in range(VERSIONS):
        text = article(f"Versione {i}", tags=(f"Tag {i}",), date=f"2024-05-0{1 + i % 3}T10:00")
        if i == 3:
            text = text.replace("---\n", "---\nstatus: draft\n", 1)
        response = cloud.clients.s3.put_object(Bucket=cloud.inbox, Key=key, Body=text.encode())
        events.append(
            InboxEvent(
                bucket=cloud.inbox,
                key=key,
                change=Change.PUT,
                event_time=datetime(2024, 4, 1, tzinfo=UTC) + timedelta(seconds=i),
                version_id=response["VersionId"],
                sequencer=f"{0x5B7E4F2A00 + i:X}",
            )
        )
    with environment(cloud.stack.functions["ValidateFunction"].environment):
        ingest = bootstrap.ingest(Metrics(namespace="Rotativa"))

    # WHEN four workers ingest them at once, each all versions in its own order, twice
    outcomes: list[IngestOutcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(WORKERS)

    def work(seed: int) -> None:
        mine = events * 2
        random.Random(seed).shuffle(mine)
        start.wait()
        for event in mine:
            try:
                outcomes.append(ingest.handle(event).outcome)
            except BaseException as exc:  # every escape is a failure of the test
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN nothing escaped, the newest version is in the table, and the site shows it
    assert errors == []
    assert len(outcomes) == WORKERS * VERSIONS * 2
    assert outcomes.count(IngestOutcome.PUBLISHED) >= 1
    item = table_item(cloud, key)
    assert item is not None
    assert item["version_id"] == events[-1].version_id
    assert json.loads(item["article"])["title"] == f"Versione {VERSIONS - 1}"
    cloud.run_until_quiet()
    page = site_page(cloud, "/sport/conteso/") or ""
    assert f"Versione {VERSIONS - 1}" in page
    assert site_page(cloud, "/tag/tag-5/") is not None
    for older in range(VERSIONS - 1):
        assert site_page(cloud, f"/tag/tag-{older}/") is None, older
