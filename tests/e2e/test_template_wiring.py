"""The wiring lives in template.yaml only: change a copy, and local mode runs the change.

No test here tells the local cloud about a function, a bucket or a queue: each one edits a
copy of the template (with CloudFormation's own short-form YAML) and hands it to
`LocalCloud.start`, exactly as a developer would edit template.yaml itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from rotativa_tools.local.cloud import DEFAULT_TEMPLATE
from rotativa_tools.local.template import load_template, parse_template
from rotativa_tools.ops.status import collect_status
from tests.conftest import SAMPLES
from tests.e2e.conftest import Run

ARCHIVE = """
Resources:
  ArchiveBucket:
    Type: AWS::S3::Bucket
  ArchiveFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: tests/e2e/functions/archive/
      Handler: app.lambda_handler
      Environment:
        Variables:
          ARCHIVE_BUCKET: !Ref ArchiveBucket
      Events:
        ArticleChanges:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt ArticlesTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 5
            FilterCriteria:
              Filters:
                - Pattern: '{"dynamodb": {"Keys": {"sk": {"S": ["article"]}}}}'
"""

SEED = "articles/massimo-carrera-spartak-mosca.md"
OTHER = "articles/sport-derby.md"


@pytest.fixture
def template(aws_environment: None) -> Iterator[dict[str, Any]]:  # noqa: ARG001 - order only
    """A fresh copy of template.yaml, under a fresh in-process moto."""
    with mock_aws():
        yield load_template(DEFAULT_TEMPLATE)


def test_a_function_added_to_a_copy_of_the_template_runs_with_no_other_change(
    template: dict[str, Any],
) -> None:
    # GIVEN a copy of the template with one more bucket and one more function, fed by the
    # articles table's stream (a second consumer of the stream the IndexFunction reads)
    template["Resources"].update(parse_template(ARCHIVE)["Resources"])
    run = Run.start(template=template)
    assert "ArchiveFunction" in run.cloud.stack.functions

    # WHEN two articles are uploaded
    run.put(SEED, (SAMPLES / SEED).read_bytes())
    run.put(OTHER, "---\ntitle: Il derby\nsection: Sport\ntags: [Calcio]\n---\nTesto.\n")
    run.cloud.run_until_quiet()

    # THEN the new function archived both changes, into the bucket the template gave it
    archive = run.cloud.stack.physical_id("ArchiveBucket")
    archived = sorted(run.cloud.objects(archive))
    assert [name.rsplit("/", 1)[0] for name in archived] == [f"article#{SEED}", f"article#{OTHER}"]
    body = run.cloud.clients.s3.get_object(Bucket=archive, Key=archived[0])["Body"].read()
    assert json.loads(body)["event"] == "INSERT"
    # and the stream's other consumer still got every record: the pages exist
    assert run.page("/sesto-san-giovanni/massimo-carrera-spartak-mosca/") is not None
    assert run.page("/sport/sport-derby/") is not None
    invoked = {i.function for i in run.cloud.pump.invocations}
    assert invoked == {
        "ValidateFunction",
        "IndexFunction",
        "ArchiveFunction",
        "RenderFunction",
        "InvalidateFunction",
        "SearchFunction",
    }


@pytest.mark.parametrize("handler", ["app.raises", "app.reports_every_record"])
def test_messages_a_handler_keeps_failing_on_end_in_the_dlq(
    template: dict[str, Any], handler: str
) -> None:
    # GIVEN a copy of the template whose ValidateFunction never succeeds
    validate = template["Resources"]["ValidateFunction"]["Properties"]
    validate["CodeUri"] = "tests/e2e/functions/failing/"
    validate["Handler"] = handler
    run = Run.start(template=template)
    redrive = template["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]

    # WHEN an editor uploads an article
    run.put(SEED, (SAMPLES / SEED).read_bytes())
    run.cloud.run_until_quiet()

    # THEN after maxReceiveCount deliveries the upload's notification is in the DLQ,
    # nothing is left in the queue, and nothing was published
    depths = run.queue_depths()
    assert depths["IngestQueueUrl"] == 0
    assert depths["IngestDLQUrl"] >= 1
    deliveries = [
        i
        for i in run.cloud.pump.invocations
        if i.function == "ValidateFunction" and i.failed == i.records
    ]
    assert len(deliveries) >= int(redrive["maxReceiveCount"])
    assert run.page("/sesto-san-giovanni/massimo-carrera-spartak-mosca/") is None
    assert run.table.get(SEED) is None

    # and `rotativa status` says which upload is stuck there
    status = collect_status(run.cloud.clients, run.cloud.stack.outputs, run.site)
    assert not status.healthy
    reasons = [letter.reason for letter in status.dead_letters if letter.queue == "IngestDLQ"]
    assert f"inbox event not processed: put {SEED}" in reasons
    assert all(letter.receives >= int(redrive["maxReceiveCount"]) for letter in status.dead_letters)


def test_a_setting_changed_in_the_copy_s_globals_reaches_every_function(
    template: dict[str, Any],
) -> None:
    # GIVEN a copy whose Globals name the newspaper differently (SAM merges Globals into
    # each function; the local cloud runs what SAM's translation says)
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    variables["SITE_NAME"] = "Gazzetta del Naviglio"
    run = Run.start(template=template)
    assert {spec.environment["SITE_NAME"] for spec in run.cloud.stack.functions.values()} == {
        "Gazzetta del Naviglio"
    }

    # WHEN an article is published
    run.put(SEED, (SAMPLES / SEED).read_bytes())
    run.cloud.run_until_quiet()

    # THEN its page, rendered by the RenderFunction, carries the name from the Globals
    page = run.page("/sesto-san-giovanni/massimo-carrera-spartak-mosca/")
    assert page is not None
    assert "Gazzetta del Naviglio" in page
