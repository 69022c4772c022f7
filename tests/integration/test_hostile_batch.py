"""One bad upload never fails the batch it came in (issue 12).

A batch of SQS records reaches the ValidateFunction's handler as Lambda delivers it: the
worst uploads we know (the issue's 200 KB of one shortcode, 1 MB of `[`, an integer past
Python's 4,300 digits, `1e999999`, `NaN`, a YAML alias bomb, shortcodes nested 1,500
deep) beside an editor's ordinary
article. Every record succeeds; each hostile upload gets its rejection report, and the
article is published.
"""

from __future__ import annotations

import json

from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import (
    article,
    call,
    s3_event,
    site_page,
    sqs_event,
    table_item,
    version_of,
)

FRONT = "---\ntitle: Forma peggiore\nsection: Sport\n---\n"
HOSTILE = {
    "articles/shortcodes.md": (FRONT + '[textmarker color="red"]' * 8_290).encode(),
    # 1,500 shortcodes deep: the summary unwrapped them with one recursive call per level
    "articles/nested.md": (FRONT + "[textmarker]" * 1_500 + "x" + "[/textmarker]" * 1_500).encode(),
    "articles/brackets.json": b"[" * 999_000,
    "articles/digits.json": b'{"title": "x", "section": "Sport", "pinned": ' + b"9" * 4301 + b"}",
    "articles/infinity.json": b'{"title": "x", "section": "Sport", "pinned": 1e999999}',
    "articles/nan.json": b'{"title": "x", "section": "Sport", "pinned": NaN}',
    "articles/aliases.md": (
        "---\ntitle: x\nsection: Sport\n"
        + "".join(
            f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9) if i else 'x'}]\n" for i in range(9)
        )
        + "---\nx\n"
    ).encode(),
}


def test_hostile_uploads_are_rejected_and_their_batch_succeeds(cloud: LocalCloud) -> None:
    # GIVEN an editor's article and the hostile uploads in the inbox, and one batch of
    # their notifications
    good = "articles/buono.md"
    uploads = {good: article("Buono").encode(), **HOSTILE}
    bodies = []
    for index, (key, data) in enumerate(uploads.items()):
        cloud.clients.s3.put_object(Bucket=cloud.inbox, Key=key, Body=data)
        event = s3_event(
            cloud, key, sequencer=f"{index + 1:02d}", version_id=version_of(cloud, key)
        )
        bodies.append(event["Records"][0]["body"])

    # WHEN the ValidateFunction handles the batch
    response = call(cloud, "ValidateFunction", sqs_event(cloud, "IngestQueue", bodies))

    # THEN no record failed: nothing is retried, nothing reaches the DLQ
    assert response == {"batchItemFailures": []}
    # each hostile upload has its report, with a located reason an editor can read
    for key in HOSTILE:
        report = cloud.report(key)
        assert report is not None, key
        assert report["status"] == "rejected", key
        assert report["errors"], key
        assert report["errors"][0]["message"], key
        json.dumps(report)
    # and the ordinary article beside them is in the table
    assert table_item(cloud, good) is not None
    assert cloud.report(good) is None
    cloud.run_until_quiet()
    assert "Buono" in (site_page(cloud, "/sport/buono/") or "")
