"""Building blocks for pipeline tests on moto: articles, AWS-shaped events, the cloud."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote_plus

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.runtime import invoke


def article(
    title: str,
    *,
    section: str = "Sport",
    tags: tuple[str, ...] = ("Calcio",),
    date: str = "2024-05-01T10:00",
    slug: str | None = None,
    body: str = "Testo dell'articolo.",
    extra: str = "",
) -> str:
    front = f'title: "{title}"\nsection: {section}\ndate: {date}\ntags: [{", ".join(tags)}]\n'
    if slug:
        front += f"slug: {slug}\n"
    return f"---\n{front}{extra}---\n{body}\n"


def s3_event(
    cloud: LocalCloud,
    key: str,
    *,
    sequencer: str,
    change: str = "ObjectCreated:Put",
    version_id: str | None = None,
    encode: bool = True,
) -> dict[str, Any]:
    """An SQS-wrapped S3 notification shaped like real AWS's (with a sequencer)."""
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/") if encode else key,
        "sequencer": sequencer,
    }
    if version_id:
        obj["versionId"] = version_id
    record = {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": cloud.stack.region,
        "eventTime": "2024-05-01T06:15:00.123Z",
        "eventName": change,
        "userIdentity": {"principalId": "AWS:EDITOR"},
        "s3": {"bucket": {"name": cloud.inbox}, "object": obj},
    }
    return sqs_event(cloud, "IngestQueue", [{"Records": [record]}])


def sqs_event(cloud: LocalCloud, queue: str, bodies: list[Any]) -> dict[str, Any]:
    arn = cloud.stack.attribute(queue, "Arn")
    return {
        "Records": [
            {
                "messageId": f"m{i}",
                "receiptHandle": f"r{i}",
                "body": body if isinstance(body, str) else json.dumps(body),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": cloud.stack.region,
            }
            for i, body in enumerate(bodies)
        ]
    }


def publish(cloud: LocalCloud, key: str, text: str | bytes) -> None:
    """Upload as an editor would, and let the pipeline run until it is quiet."""
    cloud.put(key, text)
    cloud.run_until_quiet()


SEARCH_BUNDLE = "/cerca/pagefind/"  # the SearchFunction's files, invalidated apart


#: What pagefind writes differently from one run to the next for the same records (its
#: filters' and meta's hashed files, and the entry that names them); the rest of the bundle
#: (fragments, index chunks) is the same bytes. Sites are compared without them: that their
#: indexes hold the same records is the table's digest of them (`article_items`).
_UNSTABLE_SEARCH = re.compile(
    r"^cerca/pagefind/(?:filter/.*|pagefind\..*\.pf_meta|pagefind-entry\.json)$"
)


def comparable_site(site: dict[str, bytes]) -> dict[str, bytes]:
    """A site's files, less those of `_UNSTABLE_SEARCH`."""
    return {key: body for key, body in site.items() if not _UNSTABLE_SEARCH.match(key)}


def of_pages(invalidations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The invalidations of pages: without the search index's own, which the SearchFunction
    sends after its batching window (minutes later on AWS), for its unhashed files only."""
    return [i for i in invalidations if not all(p.startswith(SEARCH_BUNDLE) for p in i["paths"])]


def call(cloud: LocalCloud, function: str, event: dict[str, Any]) -> Any:
    spec = cloud.stack.functions[function]
    return invoke(spec, event, region=cloud.stack.region, account_id=cloud.stack.account_id)


def version_of(cloud: LocalCloud, key: str) -> str:
    head = cloud.clients.s3.head_object(Bucket=cloud.inbox, Key=key)
    return str(head["VersionId"])


def site_page(cloud: LocalCloud, path: str) -> str | None:
    key = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
    try:
        body = cloud.clients.s3.get_object(Bucket=cloud.site_bucket, Key=key)["Body"]
    except cloud.clients.s3.exceptions.NoSuchKey:
        return None
    return str(body.read().decode())


def table_item(cloud: LocalCloud, key: str, sk: str = "article") -> dict[str, Any] | None:
    from rotativa.adapters.articles_table import decode_item

    response = cloud.clients.dynamodb.get_item(
        TableName=cloud.table, Key={"pk": {"S": f"article#{key}"}, "sk": {"S": sk}}
    )
    return decode_item(response["Item"]) if "Item" in response else None


def all_invalidated_paths(cloud: LocalCloud) -> set[str]:
    return {p for inv in cloud.invalidations() for p in inv["paths"]}
