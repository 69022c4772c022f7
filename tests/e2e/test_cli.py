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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.adapters.scheduler import ArticleSchedules
from rotativa.domain.schedules import DueChange, ScheduleAction, schedule_name
from rotativa.domain.site import SiteSettings
from rotativa_tools.cli import main
from rotativa_tools.local.build import SITE_MARKER
from rotativa_tools.local.site_server import LISTINGS, REDIRECTS_FILE, FolderSource, SiteServer
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
    # the picture is published as its variants and a re-encoded copy at its own key:
    # media, not pages
    media = {f for f in files if f.startswith("media/")}
    assert {f for f in media if f.startswith("media/_v/piazza.")}
    # (each listing's only bucket is its front's copy: a 301, kept in the redirects file)
    assert json.loads((out / REDIRECTS_FILE).read_text())["sport/page/1/index.html"] == "/sport/"
    # (beside them, the listings of what a folder cannot hold: redirects, Cache-Control)
    search_files = {f for f in files if f.startswith("cerca/pagefind/")}  # not pages
    assert summary["pages_written"] == len(files - {SITE_MARKER} - LISTINGS - media - search_files)
    # the AWS calls are counted, not estimated: they match what the run did
    calls = summary["aws_calls"]
    # the rejection, and the picture's report (its 1200×675 frame is too small for the
    # 4:3 and 1:1 crops search engines ask for: accepted, with a warning)
    reports_written = 2
    assert search_files  # the search index, written once its window closed
    assert summary["search_files_written"] == len(search_files)
    assert calls["s3"]["PutObject"] == (
        summary["pages_written"] + reports_written + len(media) + len(search_files)
    )
    assert calls["s3"].get("CopyObject", 0) == 0  # never the upload's own bytes
    # the pages' invalidation, and the search index's after its window
    assert calls["cloudfront"]["CreateInvalidation"] == summary["invalidation_requests"] == 2
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
    assert "invalidations         2 requests" in table  # the pages', the search index's
    assert "search index" in table
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
        # the search page and its index, as the SearchFunction made it
        assert 'id="cerca-parole"' in fetch(server.url + "cerca/?q=derby")[1]
        entry = json.loads(fetch(server.url + "cerca/pagefind/pagefind-entry.json")[1])
        assert entry["languages"]["it"]["page_count"] == 2
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


def timed_articles(now: datetime) -> dict[str, str]:
    """One article embargoed for an hour (written as editors do: naive, the site's time)
    and one live until two hours from now (written with its offset)."""
    rome = now.astimezone(ZoneInfo("Europe/Rome")).replace(second=0, microsecond=0)
    embargo = (rome + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    expiry = (rome + timedelta(hours=2)).isoformat()
    return {
        "articles/giunta.md": f"---\ntitle: La giunta\nsection: Sport\npublish_at: {embargo}\n"
        "---\nTesto.\n",
        "articles/bando.md": f"---\ntitle: Il bando\nsection: Sport\nexpires_at: {expiry}\n"
        "---\nTesto.\n",
    }


def test_rotativa_local_advance_runs_what_came_due(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a content folder with an embargo an hour ahead and an expiry two hours ahead
    folder = content_folder(tmp_path / "content", timed_articles(datetime.now(UTC)))
    out = tmp_path / "site"

    # WHEN it is published and the clock then moves three hours ahead
    code = main(["local", str(folder), "--out", str(out), "--json", "--advance", "3h"])

    # THEN the summary tells the final state: the embargoed article is published, the
    # expiring one expired, nothing waits; and which schedules fired on the way
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["published"] == ["articles/giunta.md"]
    assert summary["expired"] == ["articles/bando.md"]
    assert summary["scheduled"] == []
    advance = summary["clock_advance"]
    assert (advance["by"], advance["seconds"], advance["time_zone"]) == (
        "3h",
        10_800,
        "Europe/Rome",
    )
    articles = [(f["action"], f["key"]) for f in advance["fired"] if f["key"]]
    assert articles == [("publish", "articles/giunta.md"), ("expire", "articles/bando.md")]
    refreshes = [f["schedule"] for f in advance["fired"] if not f["key"]]
    assert refreshes == ["rotativa-local-NewsSitemapRefresh"]  # once, however many hours
    # AND the site on disk is the site after the move
    assert (out / "sport" / "giunta" / "index.html").is_file()
    assert not (out / "sport" / "bando" / "index.html").exists()
    assert "La giunta" in (out / "index.html").read_text()
    assert "Il bando" not in (out / "sport" / "index.html").read_text()
    assert "/sport/giunta/index.html" in summary["invalidated_paths"]

    # WHEN the clock moves only 90 minutes THEN the embargo has ended, the expiry not yet
    assert main(["local", str(folder), "--out", str(out), "--advance", "90m"]) == 0
    table = capsys.readouterr().out
    assert "published             2" in table
    assert "expired" not in table.split("clock moved ahead")[0]
    assert "clock moved ahead 1h30m: 2 schedules fired" in table
    assert "  publish  articles/giunta.md  (due " in table
    assert (out / "sport" / "bando" / "index.html").is_file()


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("3 ore", "is not a duration"),
        ("3", "is not a duration"),
        ("-3h", "is not a duration"),
        ("0m", "the clock only moves forward"),
        ("4000d", "more than 3650d"),
    ],
)
def test_rotativa_local_refuses_a_bad_advance(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, why: str
) -> None:
    folder = content_folder(tmp_path / "content", GOOD)
    with pytest.raises(SystemExit) as exit_:
        main(["local", str(folder), "--out", str(tmp_path / "site"), f"--advance={value}"])
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "argument --advance" in error
    assert why in error
    assert not (tmp_path / "site").exists()  # refused before anything ran


def test_rotativa_invoke_runs_one_function_on_a_fresh_stack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # WHEN S3's test event is handed to the validator THEN it succeeds, with nothing to do
    code = main(["invoke", "ValidateFunction", "-e", "events/validate/s3-test-event.json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out) == {"batchItemFailures": []}

    # WHEN the function raises THEN the error is printed as Lambda reports it, exit 1
    broken = tmp_path / "broken.json"
    record = {"messageId": "1", "receiptHandle": "r", "eventSource": "aws:sqs", "body": "{"}
    broken.write_text(json.dumps({"Records": [record]}))
    assert main(["invoke", "InvalidateFunction", "-e", str(broken)]) == 1
    error = json.loads(capsys.readouterr().out)
    assert error["errorType"]
    # WHEN the event is no shape the function's triggers deliver THEN one line says so
    broken.write_text('{"not": "an SQS event"}')
    assert main(["invoke", "InvalidateFunction", "-e", str(broken)]) == 2
    assert "InvalidateFunction takes an SQS batch" in capsys.readouterr().err

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


def test_rotativa_status_lists_what_is_scheduled_soonest_first(
    capsys: pytest.CaptureFixture[str], deployed: dict[str, str]
) -> None:
    # GIVEN the stack's schedule group (named as template.yaml names it for the stack)
    # holding twelve embargoes and expiries, made as the IndexFunction makes them, and the
    # hourly refresh, which is not an article's
    scheduler = boto3.client("scheduler", region_name=REGION)
    group = "rotativa-prova-articles"
    scheduler.create_schedule_group(Name=group)
    target = "arn:aws:sqs:eu-south-1:123456789012:ingest"
    book = ArticleSchedules(group, target, "arn:aws:iam::123456789012:role/s", target, scheduler)
    first = datetime(2030, 1, 1, 6, 0, tzinfo=UTC)  # 07:00 in Rome
    for day in reversed(range(12)):
        action = ScheduleAction.EXPIRE if day % 2 else ScheduleAction.PUBLISH
        key = f"articles/giorno-{day:02}.md"
        due = DueChange(key, action, first + timedelta(days=day))
        book.put(schedule_name(action, key), due.at, due.message())
    scheduler.create_schedule(
        Name="rotativa-prova-NewsSitemapRefresh",
        GroupName=group,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": target, "RoleArn": "arn:aws:iam::123456789012:role/s", "Input": "{}"},
    )
    # AND a due change that Scheduler could not deliver, in the ingest DLQ
    late = DueChange("articles/perso.md", ScheduleAction.PUBLISH, first)
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.send_message(QueueUrl=deployed["IngestDLQ"], MessageBody=late.message())

    assert main(["status", "--stack", "rotativa-prova", "--json"]) == 1
    status = json.loads(capsys.readouterr().out)

    # THEN every article's schedule is listed, soonest first, in the site's time zone
    schedules = status["schedules"]
    assert (schedules["group"], schedules["time_zone"]) == (group, "Europe/Rome")
    upcoming = schedules["upcoming"]
    assert [c["key"] for c in upcoming] == [f"articles/giorno-{d:02}.md" for d in range(12)]
    assert upcoming[0] == {
        "key": "articles/giorno-00.md",
        "action": "publish",
        "at": "2030-01-01T07:00:00+01:00",
    }
    assert upcoming[1]["action"] == "expire"
    reason = "publish of articles/perso.md (due 2030-01-01T06:00:00+00:00) not made"
    assert status["dead_letters"][0]["reason"] == reason

    # AND the table shows the first ten and counts the rest
    main(["status", "--stack", "rotativa-prova"])
    table = capsys.readouterr().out
    section = table[table.index("scheduled (soonest first)") :].splitlines()
    assert section[1] == "  2030-01-01 07:00 CET  publish  articles/giorno-00.md"
    assert section[2] == "  2030-01-02 07:00 CET  expire   articles/giorno-01.md"
    assert section[10] == "  2030-01-10 07:00 CET  expire   articles/giorno-09.md"
    assert section[11] == "  … and 2 more (--json lists them all)"
    assert "NewsSitemapRefresh" not in table


@pytest.mark.usefixtures("deployed")
def test_rotativa_status_says_when_nothing_is_scheduled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["status", "--stack", "rotativa-prova"]) == 0
    assert "nothing scheduled (no embargo or expiry waiting)" in capsys.readouterr().out


def test_rotativa_rebuild_with_stack_reads_the_deployed_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], deployed: dict[str, str]
) -> None:
    # GIVEN the deployed stack's table (named by its ArticlesTableName output) holding a
    # month, and a shell that still holds another stack's table in the functions' variable
    site = SiteSettings.model_validate({"name": "x", "base_url": "https://x.example/"})
    ArticlesTable(deployed["ArticlesTable"], site).set_month("2024-05", present=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ARTICLES_TABLE", "another-stacks-table")

        # WHEN the site is rebuilt from the stack into a folder
        code = main(["rebuild", "--stack", "rotativa-prova", "--out", str(tmp_path), "--quiet"])

        # THEN its pages are rendered with the stack's parameters, from the stack's table
        assert code == 0, capsys.readouterr().err
        assert "Gazzetta di Prova" in (tmp_path / "index.html").read_text("utf-8")
        index = (tmp_path / "sitemap.xml").read_text("utf-8")
        assert "https://gazzetta.example/sitemaps/2024-05.xml" in index
        assert "pagine" in capsys.readouterr().out

        # and without a stack, the variable is not taken for the table: a usage error
        assert main(["rebuild", "--out", str(tmp_path / "other"), "--quiet"]) == 2
        assert "--stack" in capsys.readouterr().err
        assert not (tmp_path / "other").exists()
