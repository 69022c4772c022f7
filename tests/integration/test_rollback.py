"""`rotativa rollback`: one site object back as it was, on moto's versioned site bucket.

The stack is the template's own (provisioned on moto), so the bucket keeps versions
because template.yaml says so, and the pages are written by the RenderFunction's adapter.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from rotativa.adapters.buckets import CONTENT_HASH, SiteBucket
from rotativa.adapters.page_ledger import UNKNOWN, PageLedger, stored
from rotativa.adapters.site_versions import SiteVersions
from rotativa.domain.history import ObjectHistory
from rotativa.services.rollback import (
    RollbackError,
    choose_version,
    object_key,
    roll_back,
)
from rotativa_tools.cli import main
from rotativa_tools.cli.rollback import rollback_site_object
from rotativa_tools.local.stack import AwsClients, LocalStack
from tests.integration.conftest import REGION

PAGE = {"content_type": "text/html; charset=utf-8", "cache_control": "public, max-age=300"}
KEY = "sport/derby/index.html"


class RecordedInvalidation:
    def __init__(self) -> None:
        self.paths: list[tuple[str, str]] = []

    def invalidate(self, path: str, reason: str) -> str:
        self.paths.append((path, reason))
        return path


@pytest.fixture
def site(local_stack: LocalStack, aws_clients: AwsClients) -> SiteBucket:
    return SiteBucket(local_stack.outputs["SiteBucketName"], aws_clients.s3)


@pytest.fixture
def versions(site: SiteBucket) -> SiteVersions:
    return SiteVersions(site.name, site.client)


def _current(site: SiteBucket, key: str = KEY) -> dict[str, Any]:
    found = site.client.get_object(Bucket=site.name, Key=key)
    return {**found, "Body": found["Body"].read()}


def _clients(aws_clients: AwsClients) -> Any:
    return {
        "s3": aws_clients.s3,
        "sqs": aws_clients.sqs,
        "cloudfront": aws_clients.cloudfront,
        "dynamodb": aws_clients.dynamodb,
    }.get


# ---------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("/", "index.html"),
        ("/sport/derby/", KEY),
        (KEY, KEY),
        ("/" + KEY, KEY),
        ("/sport/derby", KEY),
        ("feed.xml", "feed.xml"),
        ("/sport/caff%C3%A8/", "sport/caffè/index.html"),
        ("sport/caff%C3%A8/index.html", "sport/caff%C3%A8/index.html"),
    ],
)
def test_a_key_or_an_address_names_one_object(typed: str, key: str) -> None:
    assert object_key(typed) == key


@pytest.mark.parametrize(
    "typed", ["", "  ", "sport/../index.html", "sport//x/", "./index.html", "/sport/%2E%2E/x/"]
)
def test_what_is_not_one_object_is_refused(typed: str) -> None:
    with pytest.raises(RollbackError):
        object_key(typed)


def test_the_version_chosen_is_the_one_before_the_current() -> None:
    overwritten = ObjectHistory(KEY, ("v3", "v2", "v1"))
    deleted = ObjectHistory(KEY, ("v2", "v1"), frozenset({"d1"}), deleted=True)
    assert choose_version(overwritten) == "v2"
    assert choose_version(overwritten, "v1") == "v1"
    assert choose_version(deleted) == "v2", "a deleted object comes back as it last was"
    for history, to, reason in [
        (ObjectHistory(KEY, ("v1",)), None, "no older version"),
        (ObjectHistory(KEY, ("v1",), frozenset({"d1"}), deleted=False), "d1", "delete marker"),
        (overwritten, "v9", "no version v9"),
        (overwritten, "v3", "already the current"),
        (ObjectHistory(KEY, ()), None, "no object"),
        (ObjectHistory(KEY, (), frozenset({"d1"}), deleted=True), None, "no older version"),
    ]:
        with pytest.raises(RollbackError, match=reason):
            choose_version(history, to)


# ---------------------------------------------------------------------------- on moto


def test_a_bad_write_is_rolled_back_to_the_bytes_it_replaced(
    site: SiteBucket, versions: SiteVersions
) -> None:
    # GIVEN a page written twice, as the RenderFunction writes it
    good = site.put_if_changed(KEY, b"<h1>Derby</h1>", **PAGE)
    site.put_if_changed(KEY, b"<h1>GUASTO</h1>", **PAGE)
    invalidation = RecordedInvalidation()

    # WHEN it is rolled back
    result = roll_back(KEY, versions, invalidation)

    # THEN the first bytes are current again, with their headers and content hash
    current = _current(site)
    assert current["Body"] == b"<h1>Derby</h1>"
    assert current["ContentType"] == PAGE["content_type"]
    assert current["CacheControl"] == PAGE["cache_control"]
    assert current["Metadata"][CONTENT_HASH] == good
    assert result.current == current["VersionId"]
    # AND the CDN is told, once, about that object's path
    assert [path for path, _ in invalidation.paths] == ["/" + KEY]
    # AND the history only grew: the rollback can itself be rolled back
    assert len(versions.history(KEY).versions) == 3
    roll_back(KEY, versions, invalidation)
    assert _current(site)["Body"] == b"<h1>GUASTO</h1>"
    # AND the next render of the same good page is still a no-op write
    assert site.put_if_changed(KEY, b"<h1>GUASTO</h1>", **PAGE) is None


def test_after_a_rollback_the_next_render_wins_again_through_the_page_ledger(
    local_stack: LocalStack, aws_clients: AwsClients
) -> None:
    # GIVEN a page written twice by the RenderFunction's bucket, which keeps the page ledger
    ledger = PageLedger(local_stack.outputs["ArticlesTableName"], aws_clients.dynamodb)
    site = SiteBucket(local_stack.outputs["SiteBucketName"], aws_clients.s3, ledger)
    key = "cronaca/ledger-rollback/index.html"
    site.put_if_changed(key, b"<h1>Derby</h1>", **PAGE)
    bad = site.put_if_changed(key, b"<h1>GUASTO</h1>", **PAGE)
    assert ledger.read([key]) == {key: stored(str(bad))}
    # WHEN it is rolled back as `rotativa rollback` does (the stack names the table)
    code = rollback_site_object(
        key, local_stack.outputs, _clients(aws_clients), echo=lambda _: None
    )
    # THEN the ledger no longer claims to know the object
    assert code == 0
    assert ledger.read([key]) == {key: UNKNOWN}
    assert _current(site, key)["Body"] == b"<h1>Derby</h1>"
    # AND the next render of the same bytes asks S3 and writes them over the restored ones
    assert site.put_if_changed(key, b"<h1>GUASTO</h1>", **PAGE) == bad
    assert _current(site, key)["Body"] == b"<h1>GUASTO</h1>"
    # AND then the ledger knows it again: a render of the same bytes writes nothing
    assert site.put_if_changed(key, b"<h1>GUASTO</h1>", **PAGE) is None


def test_a_deleted_object_comes_back(site: SiteBucket, versions: SiteVersions) -> None:
    site.put_if_changed(KEY, b"<h1>Derby</h1>", **PAGE)
    assert site.delete(KEY)
    assert site.stored_hash(KEY) is None

    result = roll_back(KEY, versions, RecordedInvalidation())

    assert _current(site)["Body"] == b"<h1>Derby</h1>"
    assert result.replaced is None
    listed = site.client.list_objects_v2(Bucket=site.name, Prefix="sport/")
    assert [item["Key"] for item in listed["Contents"]] == [KEY]


def test_a_key_of_any_characters_is_rolled_back(site: SiteBucket, versions: SiteVersions) -> None:
    key = "sport/caffè e +più/index.html"
    site.put_if_changed(key, b"<h1>1</h1>", **PAGE)
    site.put_if_changed(key, b"<h1>2</h1>", **PAGE)

    roll_back(key, versions, RecordedInvalidation())

    assert _current(site, key)["Body"] == b"<h1>1</h1>"


def test_a_named_version_is_restored(site: SiteBucket, versions: SiteVersions) -> None:
    for n in (1, 2, 3):
        site.put_if_changed(KEY, f"<h1>{n}</h1>".encode(), **PAGE)
    first = versions.history(KEY).versions[-1]

    result = roll_back(KEY, versions, RecordedInvalidation(), to=first)

    assert (result.restored, _current(site)["Body"]) == (first, b"<h1>1</h1>")


def test_a_redirect_comes_back_a_redirect(site: SiteBucket, versions: SiteVersions) -> None:
    # GIVEN an old address redirecting, overwritten by a page (CopyObject drops redirects)
    site.put_if_changed(KEY, b"", redirect="/sport/nuovo/", **PAGE)
    site.put_if_changed(KEY, b"<h1>Altro</h1>", **PAGE)

    roll_back(KEY, versions, RecordedInvalidation())

    assert _current(site)["WebsiteRedirectLocation"] == "/sport/nuovo/"


def test_an_object_with_no_older_version_is_refused_and_nothing_changes(
    site: SiteBucket, versions: SiteVersions
) -> None:
    # GIVEN one version of the page, and two of a key it is a prefix of
    site.put_if_changed(KEY, b"<h1>Derby</h1>", **PAGE)
    site.put_if_changed(KEY + ".bak", b"1", **PAGE)
    site.put_if_changed(KEY + ".bak", b"2", **PAGE)
    invalidation = RecordedInvalidation()

    with pytest.raises(RollbackError, match="no older version"):
        roll_back(KEY, versions, invalidation)

    assert len(versions.history(KEY).versions) == 1
    assert invalidation.paths == []


def test_the_path_goes_to_the_invalidate_queue(
    local_stack: LocalStack, aws_clients: AwsClients, site: SiteBucket
) -> None:
    site.put_if_changed(KEY, b"1", **PAGE)
    site.put_if_changed(KEY, b"2", **PAGE)
    lines: list[str] = []

    code = rollback_site_object(KEY, local_stack.outputs, _clients(aws_clients), echo=lines.append)

    assert code == 0
    assert "is current again" in lines[0]
    queue = local_stack.outputs["InvalidateQueueUrl"]
    [message] = aws_clients.sqs.receive_message(QueueUrl=queue)["Messages"]
    [[path, reason]] = json.loads(message["Body"])["changes"]
    assert path == "/" + KEY
    assert reason.startswith(f"rollback:{KEY}:")


def test_without_the_queue_the_distribution_is_invalidated_directly(
    local_stack: LocalStack, aws_clients: AwsClients, site: SiteBucket
) -> None:
    site.put_if_changed(KEY, b"1", **PAGE)
    site.put_if_changed(KEY, b"2", **PAGE)
    outputs = {k: v for k, v in local_stack.outputs.items() if k != "InvalidateQueueUrl"}

    assert rollback_site_object(KEY, outputs, _clients(aws_clients), echo=lambda _: None) == 0

    distribution = outputs["DistributionId"]
    listed = aws_clients.cloudfront.list_invalidations(DistributionId=distribution)
    [summary] = listed["InvalidationList"]["Items"]
    batch = aws_clients.cloudfront.get_invalidation(DistributionId=distribution, Id=summary["Id"])
    assert batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/" + KEY]
    assert batch["Invalidation"]["InvalidationBatch"]["CallerReference"].startswith("rotativa-")


# ---------------------------------------------------------------------------- the command


def test_rotativa_rollback_against_a_running_dev(
    dev_endpoint: tuple[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    endpoint, outputs_file = dev_endpoint
    outputs = json.loads(outputs_file.read_text())
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint)
    site = SiteBucket(outputs["SiteBucketName"], s3)
    site.put_if_changed(KEY, b"<h1>Derby</h1>", **PAGE)
    site.put_if_changed(KEY, b"<h1>GUASTO</h1>", **PAGE)
    args = ["--endpoint-url", endpoint, "--outputs-file", str(outputs_file)]

    # WHEN the page is rolled back by its address
    assert main(["rollback", "/sport/derby/", *args]) == 0, capsys.readouterr().err

    # THEN its first bytes are current
    body = s3.get_object(Bucket=outputs["SiteBucketName"], Key=KEY)["Body"].read()
    assert body == b"<h1>Derby</h1>"
    assert "is current again" in capsys.readouterr().out

    # AND an object with one version only is refused, with exit code 1 and the reason
    site.put_if_changed("index.html", b"home", **PAGE)
    assert main(["rollback", "/", *args]) == 1
    assert "index.html has no older version" in capsys.readouterr().err
    # AND a version that is not the key's is refused the same way
    assert main(["rollback", KEY, "--to", "nope", *args]) == 1
    assert "has no version nope" in capsys.readouterr().err


def test_rotativa_rollback_with_stack_reads_the_deployed_outputs(
    capsys: pytest.CaptureFixture[str],
) -> None:
    stub = {
        "Resources": {
            "SiteBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"VersioningConfiguration": {"Status": "Enabled"}},
            },
            "InvalidateQueue": {"Type": "AWS::SQS::Queue"},
        },
        "Outputs": {
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
            "InvalidateQueueUrl": {"Value": {"Ref": "InvalidateQueue"}},
        },
    }
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name=REGION)
        cloudformation.create_stack(StackName="rotativa-prova", TemplateBody=json.dumps(stub))
        outputs = {
            o["OutputKey"]: o["OutputValue"]
            for o in cloudformation.describe_stacks(StackName="rotativa-prova")["Stacks"][0][
                "Outputs"
            ]
        }
        s3 = boto3.client("s3", region_name=REGION)
        site = SiteBucket(outputs["SiteBucketName"], s3)
        # (moto's CloudFormation leaves VersioningConfiguration out: set it as AWS would)
        s3.put_bucket_versioning(Bucket=site.name, VersioningConfiguration={"Status": "Enabled"})
        site.put_if_changed(KEY, b"1", **PAGE)
        site.put_if_changed(KEY, b"2", **PAGE)

        assert main(["rollback", KEY, "--stack", "rotativa-prova"]) == 0, capsys.readouterr().err

        assert s3.get_object(Bucket=site.name, Key=KEY)["Body"].read() == b"1"
        sqs = boto3.client("sqs", region_name=REGION)
        [message] = sqs.receive_message(QueueUrl=outputs["InvalidateQueueUrl"])["Messages"]
        assert json.loads(message["Body"])["changes"][0][0] == "/" + KEY


def test_rotativa_rollback_without_a_stack_says_what_to_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.json"
    assert main(["rollback", KEY, "--outputs-file", str(missing)]) == 2
    assert "start `rotativa dev` first" in capsys.readouterr().err
