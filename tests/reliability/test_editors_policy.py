"""An editor holding the template's EditorsPolicy can publish, and can do nothing else.

The policy is read as CloudFormation will see it (SAM's translation, resolved against the
local stack's real ARNs), created in moto's IAM and attached to a user; moto then checks
that user's calls against it (`enable_iam_authentication`: identity policies, actions and
resources). What moto's IAM does not evaluate is said where it matters: condition keys
(`s3:prefix` of the ListBucket statement: moto refuses a conditional allowance outright, so
listing is checked from the statement in tests/integration/test_deploy_template.py) and
bucket policies.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.core import enable_iam_authentication

from rotativa_tools.local.cloud import DEFAULT_REGION, LocalCloud
from rotativa_tools.local.template import resolve
from tests.integration.pipeline_helpers import article

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


@dataclass(frozen=True)
class Newsroom:
    cloud: LocalCloud
    editor: S3Client  # signed with the access key of a user holding only EditorsPolicy
    document: dict[str, Any]  # the policy as deployed


@pytest.fixture(scope="module")
def newsroom() -> Iterator[Newsroom]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t",
                            "AWS_DEFAULT_REGION": DEFAULT_REGION,
                            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled"}.items():  # fmt: skip
            patch.setenv(name, value)
        patch.delenv("AWS_ENDPOINT_URL", raising=False)
        with mock_aws():
            cloud = LocalCloud.start()
            # GIVEN a published article, its report, and a page on the site
            cloud.put("articles/uno.md", article("Uno"))
            cloud.put("articles/rotto.md", "---\ntitle: [rotto\n---\n")
            cloud.run_until_quiet()
            policy = cloud.stack.template["Resources"]["EditorsPolicy"]["Properties"]
            document = resolve(policy["PolicyDocument"], cloud.stack.context())
            iam = boto3.client("iam")
            arn = iam.create_policy(PolicyName="editors", PolicyDocument=json.dumps(document))
            iam.create_user(UserName="redattrice")
            iam.attach_user_policy(UserName="redattrice", PolicyArn=arn["Policy"]["Arn"])
            key = iam.create_access_key(UserName="redattrice")["AccessKey"]
            editor = boto3.client(
                "s3",
                region_name=DEFAULT_REGION,
                aws_access_key_id=key["AccessKeyId"],
                aws_secret_access_key=key["SecretAccessKey"],
            )
            yield Newsroom(cloud, editor, document)


def _allowed(call: Callable[[], object]) -> bool:
    """True when moto's IAM lets the editor's call through, False on AccessDenied."""
    with enable_iam_authentication():
        try:
            call()
        except ClientError as error:
            if error.response["Error"]["Code"] in ("AccessDenied", "403"):
                return False
            raise
    return True


def test_the_policy_checked_is_the_deployed_one(newsroom: Newsroom) -> None:
    inbox = newsroom.cloud.stack.attribute("InboxBucket", "Arn")
    resources = {
        resource
        for statement in newsroom.document["Statement"]
        for resource in ([statement["Resource"]] if isinstance(statement["Resource"], str)
                         else statement["Resource"])
    }  # fmt: skip
    assert resources == {inbox, f"{inbox}/articles/*", f"{inbox}/media/*", f"{inbox}/reports/*"}


def test_an_editor_can_upload_and_remove_articles_and_media(newsroom: Newsroom) -> None:
    inbox, editor = newsroom.cloud.inbox, newsroom.editor
    body = article("Due").encode()
    assert _allowed(lambda: editor.put_object(Bucket=inbox, Key="articles/due.md", Body=body))
    assert _allowed(lambda: editor.put_object(Bucket=inbox, Key="media/foto.jpg", Body=b"\xff"))
    assert _allowed(lambda: editor.delete_object(Bucket=inbox, Key="media/foto.jpg"))
    assert _allowed(lambda: editor.delete_object(Bucket=inbox, Key="articles/due.md"))


def test_an_editor_can_read_the_report_on_an_upload(newsroom: Newsroom) -> None:
    inbox, editor = newsroom.cloud.inbox, newsroom.editor
    report = "reports/articles/rotto.md.json"
    assert newsroom.cloud.report("articles/rotto.md") is not None, "the harness made a report"
    assert _allowed(lambda: editor.get_object(Bucket=inbox, Key=report)["Body"].read())


def test_an_editor_cannot_write_reports_or_outside_the_two_folders(newsroom: Newsroom) -> None:
    inbox, editor = newsroom.cloud.inbox, newsroom.editor
    for key in ("reports/x.json", "radice.md", "assets/site.css", "articlesx/y.md"):
        assert not _allowed(functools.partial(editor.put_object, Bucket=inbox, Key=key, Body=b"x"))
    assert not _allowed(
        lambda: editor.delete_object(Bucket=inbox, Key="reports/articles/rotto.md.json")
    )


def test_an_editor_cannot_read_uploads_back_nor_touch_the_site(newsroom: Newsroom) -> None:
    cloud, editor = newsroom.cloud, newsroom.editor
    site = cloud.site_bucket
    assert "index.html" in set(cloud.objects(site)), "the harness published a site"
    assert not _allowed(lambda: editor.get_object(Bucket=site, Key="index.html"))
    assert not _allowed(lambda: editor.put_object(Bucket=site, Key="index.html", Body=b"x"))
    assert not _allowed(lambda: editor.delete_object(Bucket=site, Key="index.html"))
    assert not _allowed(lambda: editor.list_objects_v2(Bucket=site))
    assert not _allowed(lambda: editor.get_object(Bucket=cloud.inbox, Key="articles/uno.md"))


def test_moto_would_notice_an_allowance_too_wide(newsroom: Newsroom) -> None:
    # GIVEN a second user whose policy allows every object of the inbox
    iam = boto3.client("iam")
    inbox = newsroom.cloud.stack.attribute("InboxBucket", "Arn")
    wide = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{inbox}/*"}]}  # fmt: skip
    iam.create_user(UserName="troppo")
    iam.put_user_policy(UserName="troppo", PolicyName="wide", PolicyDocument=json.dumps(wide))
    key = iam.create_access_key(UserName="troppo")["AccessKey"]
    user = boto3.client(
        "s3",
        region_name=DEFAULT_REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    # THEN the same put of a report the editor is refused goes through: the check can fail
    bucket = newsroom.cloud.inbox
    assert _allowed(lambda: user.put_object(Bucket=bucket, Key="reports/x.json", Body=b"x"))
