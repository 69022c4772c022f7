"""The four functions on moto, wired by template.yaml: what an editor's upload becomes.

Every test builds the stack from template.yaml (LocalCloud), so table keys, queues and
names come from the template only. Events are either the ones moto really emits (uploads
through S3, delivered by the pump) or AWS-shaped ones with sequencers, handed to a
function's handler the way Lambda would.
"""

from __future__ import annotations

import json
import threading
import warnings
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.site import SiteSettings
from rotativa.services.invalidation import Invalidator
from rotativa_tools.local.cloud import LocalCloud
from tests.integration.pipeline_helpers import (
    SEARCH_BUNDLE,
    all_invalidated_paths,
    article,
    call,
    of_pages,
    publish,
    s3_event,
    site_page,
    sqs_event,
    table_item,
    version_of,
)
from tests.unit.test_pictures import jpeg, photo


def test_an_upload_becomes_its_pages_and_one_invalidation(cloud: LocalCloud) -> None:
    # WHEN an editor uploads one article
    publish(cloud, "articles/derby.md", article("Il derby", tags=("Calcio", "Pro Sesto")))

    # THEN its page, its listings, the homepage, feeds and sitemaps exist
    page = site_page(cloud, "/sport/derby/")
    assert page is not None
    assert "<h1" in page
    assert "Il derby" in page
    for path in ("/", "/sport/", "/tag/calcio/", "/tag/pro-sesto/", "/feed.xml", "/sport/feed.xml",
                 "/sitemap.xml", "/sitemaps/2024-05.xml", "/404.html"):  # fmt: skip
        assert site_page(cloud, path) is not None, path
    assert "Il derby" in (site_page(cloud, "/") or "")
    # the table holds it as published
    item = table_item(cloud, "articles/derby.md")
    assert item is not None
    assert item["state"] == "published"
    # and one invalidation covers every changed page
    [invalidation] = of_pages(cloud.invalidations())
    assert "/sport/derby/index.html" in invalidation["paths"]
    assert "/index.html" in invalidation["paths"]
    # and, after its window, the search index's own: the entry that names its new files
    [search] = [i for i in cloud.invalidations() if i not in of_pages(cloud.invalidations())]
    assert "/cerca/pagefind/pagefind-entry.json" in search["paths"]
    assert all(path.startswith(SEARCH_BUNDLE) for path in search["paths"])


@pytest.mark.parametrize("key", ["articles/Carrera a Mosca – Città.md", "articles/a+b (1).md"])
def test_keys_with_spaces_and_accents_as_moto_encodes_them(cloud: LocalCloud, key: str) -> None:
    publish(cloud, key, article("Un titolo"))
    item = table_item(cloud, key)
    assert item is not None, "the key was not decoded back to the upload's name"
    slug = json.loads(item["article"])["slug"]
    assert site_page(cloud, f"/sport/{slug}/") is not None


def test_keys_with_spaces_and_accents_as_aws_encodes_them(cloud: LocalCloud) -> None:
    key = "articles/Carrera a Mosca – Città.md"
    cloud.clients.s3.put_object(Bucket=cloud.inbox, Key=key, Body=article("Carrera").encode())
    event = s3_event(cloud, key, sequencer="0066310C5B7E4F2A51", version_id=version_of(cloud, key))
    assert "Carrera+a+Mosca+%E2%80%93+Citt%C3%A0.md" in event["Records"][0]["body"]
    assert call(cloud, "ValidateFunction", event) == {"batchItemFailures": []}
    assert table_item(cloud, key) is not None


def test_the_same_event_twice_writes_once(cloud: LocalCloud) -> None:
    key = "articles/due-volte.md"
    cloud.clients.s3.put_object(Bucket=cloud.inbox, Key=key, Body=article("Due volte").encode())
    event = s3_event(cloud, key, sequencer="00AA", version_id=version_of(cloud, key))
    call(cloud, "ValidateFunction", event)
    first = table_item(cloud, key)
    call(cloud, "ValidateFunction", event)
    assert table_item(cloud, key) == first
    writes = cloud.counter.by_function[("ValidateFunction", "dynamodb", "TransactWriteItems")]
    assert writes == 1


def test_a_delete_that_arrives_before_its_put_wins(cloud: LocalCloud) -> None:
    key = "articles/cancellato.md"
    cloud.clients.s3.put_object(Bucket=cloud.inbox, Key=key, Body=article("Cancellato").encode())
    version = version_of(cloud, key)
    put = s3_event(cloud, key, sequencer="0055B988749AB3B1", version_id=version)
    delete = s3_event(cloud, key, sequencer="0055B988749AB3B2", change="ObjectRemoved:Delete")
    cloud.clients.s3.delete_object(Bucket=cloud.inbox, Key=key)  # S3 is the truth

    call(cloud, "ValidateFunction", delete)  # the later event first
    call(cloud, "ValidateFunction", put)
    cloud.run_until_quiet()

    item = table_item(cloud, key)
    assert item is None or item["state"] == "deleted"  # the put finds nothing to publish
    assert site_page(cloud, "/sport/cancellato/") is None


def test_an_older_version_arriving_late_is_ignored(cloud: LocalCloud) -> None:
    key = "articles/versioni.md"
    s3 = cloud.clients.s3
    s3.put_object(Bucket=cloud.inbox, Key=key, Body=article("Prima versione").encode())
    v1 = version_of(cloud, key)
    s3.put_object(Bucket=cloud.inbox, Key=key, Body=article("Seconda versione").encode())
    v2 = version_of(cloud, key)

    call(cloud, "ValidateFunction", s3_event(cloud, key, sequencer="0010", version_id=v2))
    call(cloud, "ValidateFunction", s3_event(cloud, key, sequencer="000F", version_id=v1))
    cloud.run_until_quiet()

    item = table_item(cloud, key)
    assert item is not None
    assert json.loads(item["article"])["title"] == "Seconda versione"
    assert "Seconda versione" in (site_page(cloud, "/sport/versioni/") or "")


def test_an_update_moving_section_tags_and_slug_replaces_the_old_pages(cloud: LocalCloud) -> None:
    key = "articles/trasloco.md"
    publish(cloud, key, article("Vecchio titolo", tags=("Calcio", "Pro Sesto")))
    assert site_page(cloud, "/sport/trasloco/") is not None
    before = len(cloud.invalidations())

    publish(
        cloud,
        key,
        article("Nuovo titolo", section="Bresso", tags=("Scuola",), slug="nuova-scuola"),
    )

    # the old article page is now its old address: a 301 to the new one
    old = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key="sport/trasloco/index.html")
    assert old["WebsiteRedirectLocation"] == "/bresso/nuova-scuola/"
    new_page = site_page(cloud, "/bresso/nuova-scuola/")
    assert new_page is not None
    assert "Nuovo titolo" in new_page
    assert site_page(cloud, "/sport/") is None  # the section emptied: its page goes
    assert "Nuovo titolo" in (site_page(cloud, "/bresso/") or "")
    assert "Nuovo titolo" in (site_page(cloud, "/tag/scuola/") or "")
    assert site_page(cloud, "/tag/pro-sesto/") is None  # the listing emptied
    latest = cloud.invalidations()[before:]
    paths = {p for inv in latest for p in inv["paths"]}
    assert {"/sport/trasloco/index.html", "/bresso/nuova-scuola/index.html"} <= paths
    # the old address is free again
    table = ArticlesTable(
        cloud.table, SiteSettings.from_environment(_site_env(cloud)), cloud.clients.dynamodb
    )
    assert table.path_owner("/sport/trasloco/") is None
    assert table.path_owner("/bresso/nuova-scuola/") == key


def test_an_unchanged_reupload_writes_no_page_and_invalidates_nothing(cloud: LocalCloud) -> None:
    text = article("Sempre uguale", tags=("Calcio",))
    publish(cloud, "articles/uguale.md", text)
    invalidations = len(cloud.invalidations())
    cloud.counter.reset()

    publish(cloud, "articles/uguale.md", text)

    assert cloud.counter.calls[("s3", "PutObject")] == 0
    assert cloud.counter.calls[("s3", "DeleteObject")] == 0
    assert cloud.counter.calls[("cloudfront", "CreateInvalidation")] == 0
    assert len(cloud.invalidations()) == invalidations


def test_a_rejected_upload_gets_a_report_and_disturbs_nothing(cloud: LocalCloud) -> None:
    key = "articles/pezzo.md"
    publish(cloud, key, article("Buono"))
    good = site_page(cloud, "/sport/pezzo/")

    publish(cloud, key, "---\ntitle: [rotto\nsection: Sport\n---\nTesto\n")

    report = cloud.report(key)
    assert report is not None
    assert report["status"] == "rejected"
    assert report["errors"][0]["line"] == 3
    assert "front matter YAML non valido" in report["errors"][0]["message"]
    assert report["version_id"]
    assert site_page(cloud, "/sport/pezzo/") == good  # the published page is untouched

    publish(cloud, key, article("Corretto"))
    assert cloud.report(key) is None  # the stale report is gone
    assert "Corretto" in (site_page(cloud, "/sport/pezzo/") or "")


def test_a_taken_slug_is_rejected_naming_the_other_upload(cloud: LocalCloud) -> None:
    publish(cloud, "articles/primo.md", article("Primo", slug="stesso-indirizzo"))
    publish(cloud, "articles/secondo.md", article("Secondo", slug="stesso-indirizzo"))
    report = cloud.report("articles/secondo.md")
    assert report is not None
    [error] = report["errors"]
    assert error["code"] == "slug_taken"
    assert "articles/primo.md" in error["message"]
    assert "Primo" in (site_page(cloud, "/sport/stesso-indirizzo/") or "")


def test_deleting_the_upload_unpublishes_the_article(cloud: LocalCloud) -> None:
    publish(cloud, "articles/via.md", article("Via", tags=("Addio",)))
    publish(cloud, "articles/resta.md", article("Resta", date="2024-04-01T10:00"))
    cloud.delete("articles/via.md")
    cloud.run_until_quiet()
    assert site_page(cloud, "/sport/via/") is None
    assert site_page(cloud, "/tag/addio/") is None
    assert "Via" not in (site_page(cloud, "/sport/") or "")
    assert "/sport/via/index.html" in all_invalidated_paths(cloud)


def test_media_are_copied_with_their_content_type_and_missing_images_warned(
    cloud: LocalCloud,
) -> None:
    cloud.put("media/foto.jpg", jpeg(photo(320, 240)))  # a real one: pictures are decoded
    publish(
        cloud,
        "articles/con-foto.md",
        article("Foto", extra="image:\n  src: media/foto.jpg\n  alt: Una foto\n"),
    )
    head = cloud.clients.s3.head_object(Bucket=cloud.site_bucket, Key="media/foto.jpg")
    assert head["ContentType"] == "image/jpeg"
    assert cloud.report("articles/con-foto.md") is None

    publish(
        cloud,
        "articles/senza-foto.md",
        article("Manca", extra="image:\n  src: media/manca.jpg\n  alt: Niente\n"),
    )
    report = cloud.report("articles/senza-foto.md")
    assert report is not None
    assert report["status"] == "accepted"
    assert [w["code"] for w in report["warnings"]] == ["image_missing"]
    assert site_page(cloud, "/sport/senza-foto/") is not None


def test_test_events_and_other_noise_are_ignored(cloud: LocalCloud) -> None:
    event = sqs_event(cloud, "IngestQueue", [{"Service": "Amazon S3", "Event": "s3:TestEvent"}])
    assert call(cloud, "ValidateFunction", event) == {"batchItemFailures": []}


def test_an_invoke_that_counted_nothing_warns_nothing_about_metrics(cloud: LocalCloud) -> None:
    # GIVEN S3's test event, which the ValidateFunction reads and counts nothing for
    event = sqs_event(cloud, "IngestQueue", [{"Service": "Amazon S3", "Event": "s3:TestEvent"}])
    # WHEN it is invoked
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        assert call(cloud, "ValidateFunction", event) == {"batchItemFailures": []}
    # THEN Powertools says nothing about metrics (it said "No application metrics to publish")
    assert [str(w.message) for w in warned if "metrics" in str(w.message).lower()] == []


def test_a_malformed_message_fails_alone(cloud: LocalCloud) -> None:
    key = "articles/buono.md"
    cloud.clients.s3.put_object(Bucket=cloud.inbox, Key=key, Body=article("Buono").encode())
    good = s3_event(cloud, key, sequencer="01", version_id=version_of(cloud, key))["Records"][0][
        "body"
    ]
    event = sqs_event(cloud, "IngestQueue", [good, "not json"])
    assert call(cloud, "ValidateFunction", event) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}]
    }
    assert table_item(cloud, key) is not None


def test_render_batch_renders_each_page_once(
    cloud: LocalCloud, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rotativa.services.rendering import PageRenderer

    publish(cloud, "articles/uno.md", article("Uno"))
    rendered: list[str] = []
    outputs = PageRenderer.outputs

    def counted(self: PageRenderer, ref: Any, now: Any) -> Any:
        rendered.append(ref.kind.value)
        return outputs(self, ref, now)

    monkeypatch.setattr(PageRenderer, "outputs", counted)
    cloud.counter.reset()
    event = sqs_event(cloud, "RenderQueue", [{"kind": "home"}] * 5 + [{"kind": "not-found"}])
    assert call(cloud, "RenderFunction", event) == {"batchItemFailures": []}
    assert sorted(rendered) == ["home", "not-found"]
    # the page ledger knows what the publish stored: no HeadObject, nothing written again
    calls = cloud.counter.by_function
    assert calls[("RenderFunction", "s3", "HeadObject")] == 0
    assert calls[("RenderFunction", "s3", "PutObject")] == 0


def test_invalidation_retries_reuse_their_caller_reference(cloud: LocalCloud) -> None:
    bodies = [{"changes": [["/a/", "h1"], ["/b/", "h2"]]}, {"changes": [["/a/", "h1"]]}]
    event = sqs_event(cloud, "InvalidateQueue", bodies)
    call(cloud, "InvalidateFunction", event)
    call(cloud, "InvalidateFunction", event)  # Lambda retries the same batch
    first, second = cloud.invalidations()[:2]
    # moto creates two; CloudFront answers the second with the first, because the
    # reference and the paths are the same:
    assert first["reference"] == second["reference"]
    assert sorted(first["paths"]) == sorted(second["paths"]) == ["/a/index.html", "/b/index.html"]


class CloudFrontLikeAws:
    """CallerReference semantics as CloudFront documents them (moto does not enforce them)."""

    def __init__(self) -> None:
        self.created: dict[str, tuple[str, ...]] = {}

    def invalidate(self, paths: Any, caller_reference: str) -> str:
        known = self.created.get(caller_reference)
        if known is not None and known != tuple(paths):
            raise RuntimeError("InvalidationBatchAlreadyExists")
        self.created.setdefault(caller_reference, tuple(paths))
        return caller_reference


def test_a_retried_batch_never_creates_a_second_invalidation() -> None:
    cdn = CloudFrontLikeAws()
    invalidator = Invalidator(cdn)
    batch = [("/sport/x/", "h1"), ("/", "h2")]
    invalidator.invalidate(batch)
    invalidator.invalidate(list(reversed(batch)))  # redelivered, in another order
    assert len(cdn.created) == 1
    invalidator.invalidate([("/sport/x/", "h3"), ("/", "h2")])  # a later change: a new one
    assert len(cdn.created) == 2


def test_too_many_invalidations_in_progress_keeps_the_paths(cloud: LocalCloud) -> None:
    # GIVEN CloudFront refuses invalidations for now
    busy = [True]

    def refuse(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not busy[0]:
            return None
        response = AWSResponse("https://cloudfront", 400, {}, None)  # type: ignore[arg-type]
        return response, {
            "Error": {"Code": "TooManyInvalidationsInProgress", "Message": "busy"},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }

    import boto3

    assert boto3.DEFAULT_SESSION is not None
    events = boto3.DEFAULT_SESSION._session  # the session the functions' clients come from
    events.register("before-call.cloudfront.CreateInvalidation", refuse)  # type: ignore[arg-type]
    cloud.put("articles/attesa.md", article("In attesa"))
    cloud.run_until_quiet()
    assert cloud.invalidations() == []
    dlq = cloud.stack.outputs["InvalidateDLQUrl"]
    waiting = cloud.clients.sqs.get_queue_attributes(
        QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert int(waiting["Attributes"]["ApproximateNumberOfMessages"]) >= 1  # parked, not lost

    # WHEN the fault is gone and the DLQ is moved back
    busy[0] = False
    queue = cloud.stack.outputs["InvalidateQueueUrl"]
    while messages := cloud.clients.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get(
        "Messages"
    ):
        for message in messages:
            cloud.clients.sqs.send_message(QueueUrl=queue, MessageBody=message["Body"])
            cloud.clients.sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
    cloud.run_until_quiet()

    # THEN every changed page is invalidated
    assert "/sport/attesa/index.html" in all_invalidated_paths(cloud)


def test_fifty_concurrent_publishes_lose_no_listing_entry(cloud: LocalCloud) -> None:
    # GIVEN 50 articles in one section and one tag, validated into the table
    keys = [f"articles/folla-{i:02d}.md" for i in range(50)]
    for i, key in enumerate(keys):
        cloud.put(
            key,
            article(
                f"Folla {i}", tags=("Folla",), date=f"2024-05-01T{8 + i // 10:02d}:{i % 60:02d}"
            ),
        )
    validate = cloud.stack.functions["ValidateFunction"]
    for source in validate.events:  # deliver the ingest queue only
        while cloud.pump._poll_queue(validate, source):
            pass

    # WHEN 50 workers index them at the same time
    from rotativa import bootstrap

    env = cloud.stack.functions["IndexFunction"].environment
    from rotativa_tools.local.runtime import environment

    with environment(env):
        indexer = bootstrap.indexer()
    errors: list[BaseException] = []

    def work(key: str) -> None:
        try:
            from datetime import UTC, datetime

            indexer.apply(key, None, datetime.now(UTC))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(key,)) for key in keys]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # THEN every listing counts and lists all 50
    assert errors == []
    table = ArticlesTable(cloud.table, SiteSettings.from_environment(env), cloud.clients.dynamodb)
    for listing in (ListingId(ListingKind.SECTION, "sport"), ListingId(ListingKind.TAG, "folla")):
        assert table.count(listing) == 50
        assert len(table.members(listing)) == 50
    call(cloud, "RenderFunction", sqs_event(cloud, "RenderQueue", [{"kind": "home"}]))
    home = site_page(cloud, "/") or ""
    assert "Folla 49" in home  # the newest leads its section block


def _site_env(cloud: LocalCloud) -> dict[str, str]:
    return cloud.stack.functions["RenderFunction"].environment
