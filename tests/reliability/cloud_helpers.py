"""What the reliability tests read from a local cloud: DLQs, table, site, reports."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from moto import mock_aws

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.ops.redrive import Redriver, routes
from tests.conftest import SAMPLES
from tests.integration.pipeline_helpers import call
from tests.integration.pipeline_helpers import comparable_site as comparable_site

DLQ_OUTPUTS = ("IngestDLQUrl", "RenderDLQUrl", "InvalidateDLQUrl", "IndexDLQUrl", "SearchDLQUrl")


@contextmanager
def moto_cloud() -> Iterator[LocalCloud]:
    """A fresh local cloud on moto with dummy credentials, for a module-scoped fixture."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "eu-south-1",
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
        }.items():
            patch.setenv(name, value)
        with mock_aws():
            yield LocalCloud.start()


def core_session() -> botocore.session.Session:
    """The botocore session every function's client comes from (LocalCloud sets it up)."""
    assert boto3.DEFAULT_SESSION is not None
    session: botocore.session.Session = boto3.DEFAULT_SESSION._session
    return session


def dead_letters(cloud: LocalCloud) -> dict[str, list[str]]:
    """The bodies waiting in each DLQ (received with a zero visibility timeout: they stay)."""
    found: dict[str, list[str]] = {}
    for output in DLQ_OUTPUTS:
        url = cloud.stack.outputs[output]
        waiting = int(
            cloud.clients.sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
            )["Attributes"]["ApproximateNumberOfMessages"]
        )
        bodies: dict[str, str] = {}
        for _ in range(200):  # a receive returns any 10 of them: gather until all were seen
            if len(bodies) >= waiting:
                break
            messages = cloud.clients.sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
            ).get("Messages", [])
            bodies.update({m["MessageId"]: m["Body"] for m in messages})
        found[output] = list(bodies.values())
    return found


def redrive_everything(cloud: LocalCloud) -> int:
    """`rotativa redrive` against the local cloud: every DLQ, stream failures replayed
    through the IndexFunction's own handler. The dead letters moved."""
    redriver = Redriver(
        cloud.clients.sqs, cloud.streams, lambda event: call(cloud, "IndexFunction", event)
    )
    moved = 0
    for route in routes(cloud.stack.outputs):
        result = redriver.redrive(route)
        assert result.kept == 0, result.reasons
        moved += result.moved + result.replayed
    return moved


def article_items(cloud: LocalCloud) -> dict[str, dict[str, Any]]:
    """Every item of the table, by pk/sk, as plain values."""
    from rotativa.adapters.articles_table import decode_item

    items: dict[str, dict[str, Any]] = {}
    paginator = cloud.clients.dynamodb.get_paginator("scan")
    for page in paginator.paginate(TableName=cloud.table, ConsistentRead=True):
        for raw in page.get("Items", []):
            item = decode_item(raw)
            if item["pk"] == "search":
                item.pop("started", None)  # when the search rebuild ran: the wall clock's
            items[f"{item['pk']}|{item['sk']}"] = item
    return items


def reports(cloud: LocalCloud) -> dict[str, dict[str, Any]]:
    found = {}
    for key in cloud.objects(cloud.inbox, "reports/"):
        body = cloud.clients.s3.get_object(Bucket=cloud.inbox, Key=key)["Body"].read()
        report = json.loads(body)
        report.pop("version_id", None)  # moto makes new version ids in every stack
        report.pop("order", None)  # from S3's clock (LastModified): another stack, another time
        if key.startswith("reports/media/"):
            report.pop("uploaded_at", None)  # a media report's is S3's LastModified too
        found[key] = report
    return found


def sample_content(target: Path, articles: int | None = None) -> Path:
    """The samples (or the first `articles` of them, with all media) in a folder."""
    shutil.copytree(SAMPLES / "media", target / "media")
    (target / "articles").mkdir(parents=True)
    shutil.copy(SAMPLES / "site.yaml", target / "site.yaml")
    chosen = sorted((SAMPLES / "articles").iterdir())
    for path in chosen[:articles] if articles else chosen:
        shutil.copy(path, target / "articles" / path.name)
    return target
