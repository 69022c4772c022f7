"""The developer's commands on the local cloud: `rotativa local`, `invoke` and `status`.

`rotativa local` is run on small content folders (the samples themselves are `make
demo`'s job), and its summary is checked against facts it cannot have made up: the calls
it counts must match the writes it reports. `invoke` and `status` against a deployed
stack are checked on a CloudFormation stack created in moto: a stand-in with the
template's logical ids, parameters and outputs, which is as far as a test without AWS
can honestly go.
"""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rotativa.cli import main
from rotativa.local.build import SITE_MARKER
from rotativa.local.site_server import FolderSource, SiteServer
from tests.conftest import SAMPLES
from tests.e2e.conftest import REGION, free_port

pytestmark = pytest.mark.usefixtures("aws_environment")  # dummy credentials, no endpoint

GOOD = {
    "articles/derby.md": "---\ntitle: Il derby\nsection: Sport\ntags: [Calcio]\n---\nTesto.\n",
    "articles/mercato.json": json.dumps(
        {"title": "Il mercato si sposta", "section": "Sesto San Giovanni", "body": "Testo."}
    ),
}
BAD = {"articles/milano.md": "---\ntitle: Fuori zona\nsection: Milano\n---\nTesto.\n"}


def content_folder(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    shutil.copy(SAMPLES / "site.yaml", root / "site.yaml")
    for key, text in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "media").mkdir(exist_ok=True)
    shutil.copy(SAMPLES / "media" / "piazza-petazzi.jpg", root / "media" / "piazza.jpg")
    return root


def test_rotativa_local_summarises_a_run_with_a_rejection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content_folder(tmp_path / "content", {**GOOD, **BAD})
    out = tmp_path / "site"

    code = main(["local", str(folder), "--out", str(out), "--json"])

    summary = json.loads(capsys.readouterr().out)  # stdout is the JSON, nothing else
    assert code == 1  # one upload was rejected
    assert set(summary) >= {
        "published",
        "rejected",
        "pages_written",
        "invalidation_requests",
        "invalidated_paths",
        "aws_calls",
    }
    assert sorted(summary["published"]) == sorted(GOOD)
    [rejected] = summary["rejected"]
    assert rejected["key"] == "articles/milano.md"
    assert rejected["report"]["status"] == "rejected"
    assert rejected["report"]["errors"][0]["code"] == "section_unknown"
    # the site on disk is the site bucket: every page written is there
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert {"index.html", "sport/derby/index.html", "media/piazza.jpg", SITE_MARKER} <= files
    assert summary["pages_written"] == len(files - {SITE_MARKER, "media/piazza.jpg"})
    # the AWS calls are counted, not estimated: they match what the run did
    calls = summary["aws_calls"]
    reports_written = 1
    assert calls["s3"]["PutObject"] == summary["pages_written"] + reports_written
    assert calls["s3"]["CopyObject"] == 1  # the picture, mirrored once
    assert calls["cloudfront"]["CreateInvalidation"] == summary["invalidation_requests"] == 1
    assert calls["dynamodb"]["TransactWriteItems"] >= len(GOOD)
    assert "/sport/derby/index.html" in summary["invalidated_paths"]


def test_rotativa_local_prints_a_table_and_refuses_what_it_cannot_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = content_folder(tmp_path / "content", GOOD)
    out = tmp_path / "site"

    assert main(["local", str(folder), "--out", str(out)]) == 0
    table = capsys.readouterr().out
    assert "published             2" in table
    assert "rejected              0" in table
    assert "invalidations         1 request" in table
    assert f"open {out / 'index.html'}" in table
    # the folder is browsable as the CDN serves it (what `rotativa serve` runs)
    server = SiteServer(FolderSource(out), port=free_port()).start()
    try:
        assert fetch(server.url + "sport/derby")[0] == 200  # /x → x/index.html
        assert "Il derby" in fetch(server.url + "sport/")[1]  # /x/ → x/index.html
        status, body = fetch(server.url + "sport/nessuno/")
        assert status == 404
        assert "Nordmilano Notizie" in body  # the site's 404 page
        assert fetch(server.url + "%2e%2e/%2e%2e/site.yaml")[0] == 404
    finally:
        server.stop()
    # a second run replaces its own output folder
    assert main(["local", str(folder), "--out", str(out)]) == 0
    capsys.readouterr()

    # usage errors: a missing folder, a folder that is not content, someone else's folder,
    # folders whose site.yaml disagree
    assert main(["local", str(tmp_path / "nope"), "--out", str(out)]) == 2
    other = content_folder(tmp_path / "altro", GOOD)
    (other / "site.yaml").write_text("name: Altro\nbase_url: https://altro.example/\n")
    assert main(["local", str(folder), str(other), "--out", str(out)]) == 2
    assert main(["local", str(tmp_path), "--out", str(tmp_path / "other")]) == 2
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "tesi.docx").write_text("non mia")
    assert main(["local", str(folder), "--out", str(foreign)]) == 2
    assert (foreign / "tesi.docx").is_file()
    errors = capsys.readouterr().err
    assert "no such folder" in errors
    assert "was not written by rotativa local" in errors
    assert "disagree on the site's settings" in errors


def test_rotativa_invoke_runs_one_function_on_a_fresh_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN S3's test event is handed to the validator THEN it succeeds, with nothing to do
    code = main(["invoke", "ValidateFunction", "-e", "events/validate/s3-test-event.json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"batchItemFailures": []}

    # WHEN the function raises THEN the error is printed as Lambda reports it, exit 1
    broken = tmp_path / "broken.json"
    broken.write_text('{"not": "an SQS event"}')
    assert main(["invoke", "InvalidateFunction", "-e", str(broken)]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["errorType"] == "KeyError"

    # usage errors: an unknown function, an unreadable event
    assert main(["invoke", "NoSuchFunction", "-e", str(broken)]) == 2
    assert main(["invoke", "RenderFunction", "-e", str(tmp_path / "nope.json")]) == 2
    assert "NoSuchFunction is not a function of the template" in capsys.readouterr().err


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# ---------------------------------------------------------------------------- deployed stacks

# A stand-in for the deployed stack: the template's logical ids, parameters and outputs.
STUB: dict[str, Any] = {
    "Parameters": {
        name: {"Type": "String"} for name in ("SiteName", "SiteBaseUrl", "SiteSections")
    },
    "Resources": {
        "InboxBucket": {"Type": "AWS::S3::Bucket"},
        "SiteBucket": {"Type": "AWS::S3::Bucket"},
        "InvalidateQueue": {"Type": "AWS::SQS::Queue"},
        "IngestDLQ": {"Type": "AWS::SQS::Queue"},
        "ArticlesTable": {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
            },
        },
    },
    "Outputs": {
        "InboxBucketName": {"Value": {"Ref": "InboxBucket"}},
        "ArticlesTableName": {"Value": {"Ref": "ArticlesTable"}},
        "InvalidateQueueUrl": {"Value": {"Ref": "InvalidateQueue"}},
        "IngestDLQUrl": {"Value": {"Ref": "IngestDLQ"}},
    },
}
PARAMETERS = {
    "SiteName": "Gazzetta di Prova",
    "SiteBaseUrl": "https://gazzetta.example/",
    "SiteSections": "Cronaca,Sport",
}


@pytest.fixture
def deployed() -> Iterator[dict[str, str]]:
    """A CloudFormation stack in moto standing in for `sam deploy`'s: physical ids."""
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(
            StackName="rotativa-prova",
            TemplateBody=json.dumps(STUB),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
        )
        listed = cloudformation.list_stack_resources(StackName="rotativa-prova")
        yield {
            r["LogicalResourceId"]: r["PhysicalResourceId"]
            for r in listed["StackResourceSummaries"]
        }


def test_rotativa_invoke_with_stack_uses_the_deployed_resources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], deployed: dict[str, str]
) -> None:
    event = tmp_path / "home.json"
    record = {"messageId": "1", "receiptHandle": "r", "body": '{"kind": "home"}'}
    event.write_text(json.dumps({"Records": [{**record, "eventSource": "aws:sqs"}]}))

    code = main(["invoke", "RenderFunction", "-e", str(event), "--stack", "rotativa-prova"])

    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out) == {"batchItemFailures": []}
    # THEN the homepage went to the stack's site bucket, rendered with the stack's
    # parameters, and its changed path to the stack's invalidate queue
    s3 = boto3.client("s3", region_name=REGION)
    home = s3.get_object(Bucket=deployed["SiteBucket"], Key="index.html")["Body"].read()
    assert "Gazzetta di Prova" in home.decode()
    sqs = boto3.client("sqs", region_name=REGION)
    [message] = sqs.receive_message(QueueUrl=deployed["InvalidateQueue"])["Messages"]
    assert json.loads(message["Body"])["changes"][0][0] == "/"


def test_rotativa_status_with_stack_reads_the_deployed_stack(
    capsys: pytest.CaptureFixture[str], deployed: dict[str, str]
) -> None:
    # GIVEN a rejected upload's report in the inbox and a message in a DLQ
    s3 = boto3.client("s3", region_name=REGION)
    report = {
        "key": "articles/x.md",
        "status": "rejected",
        "uploaded_at": "2024-05-01T10:00:00+00:00",
        "errors": [{"message": "manca il titolo", "line": 2}],
    }
    s3.put_object(
        Bucket=deployed["InboxBucket"],
        Key="reports/articles/x.md.json",
        Body=json.dumps(report).encode(),
    )
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.send_message(QueueUrl=deployed["IngestDLQ"], MessageBody='{"kind": "home"}')

    code = main(["status", "--stack", "rotativa-prova", "--json"])

    status = json.loads(capsys.readouterr().out)
    assert code == 1  # a DLQ holds a message
    assert {q["name"]: q["waiting"] for q in status["queues"]} == {
        "InvalidateQueue": 0,
        "IngestDLQ": 1,
    }
    assert status["dead_letters"][0]["reason"] == "page not rendered: home"
    assert status["rejections"][0]["key"] == "articles/x.md"
    assert status["rejections"][0]["first_error"] == "manca il titolo (line 2)"
    assert status["published"] == 0
    assert status["sections"] == {"cronaca": 0, "sport": 0}
