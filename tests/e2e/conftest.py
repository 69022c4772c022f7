"""End-to-end fixtures: the whole local cloud of template.yaml, and what it produced.

Every test here goes through the real wiring: uploads into the inbox bucket, S3
notifications, the four functions loaded from their CodeUri, the table's stream, the
queues and the distribution, all built from template.yaml on moto by `rotativa_tools.local`.
Assertions read what a reader, an editor or the bill would see: the site bucket's pages,
the articles table, the reports and CloudFront's invalidations.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import ArticlesTable
from rotativa.adapters.folder import upload_files
from rotativa.domain.article import Article
from rotativa.domain.pages import ListingId, ListingKind
from rotativa.domain.site import SiteSettings
from rotativa.services.validation import validate_upload
from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.content import parameters_for, site_from_parameters
from rotativa_tools.local.summary import SiteWrites
from tests.conftest import SAMPLES
from tests.integration.pipeline_helpers import of_pages

REGION = "eu-south-1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def aws_environment() -> Iterator[None]:
    """Dummy credentials and no custom endpoint, for the whole module (its cloud is
    module-wide): a developer's AWS_ENDPOINT_URL or profile must not leak into moto."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
        yield


@dataclass
class Run:
    """A local cloud with the recorders the assertions need."""

    cloud: LocalCloud
    writes: SiteWrites
    site: SiteSettings
    uploaded: dict[str, Article] = field(default_factory=dict)

    @classmethod
    def start(cls, **options: object) -> Run:
        cloud = LocalCloud.start(**options)  # type: ignore[arg-type]
        session = boto3.DEFAULT_SESSION
        assert session is not None
        writes = SiteWrites(cloud.site_bucket).attach(session.events)
        return cls(cloud, writes, site_from_parameters(cloud.stack.parameters))

    # -- editors' actions

    def put(self, key: str, data: bytes | str) -> None:
        self.cloud.put(key, data)

    def upload_folder(self, folder: Path) -> list[str]:
        keys = []
        for key, path in upload_files(folder):
            self.put(key, path.read_bytes())
            keys.append(key)
        return keys

    # -- what it produced

    def page(self, path: str) -> str | None:
        key = path.lstrip("/") + ("index.html" if path.endswith("/") else "")
        s3 = self.cloud.clients.s3
        try:
            body = s3.get_object(Bucket=self.cloud.site_bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return str(body.decode("utf-8"))

    def links_to(self, page_path: str, target: str) -> bool:
        page = self.page(page_path)
        return page is not None and f'href="{target}"' in page

    @property
    def table(self) -> ArticlesTable:
        return ArticlesTable(self.cloud.table, self.site, self.cloud.clients.dynamodb)

    def section_counts(self) -> dict[str, int]:
        listings = {s.slug: ListingId(ListingKind.SECTION, s.slug) for s in self.site.sections}
        counts = self.table.counts(list(listings.values()))
        return {slug: counts[listing] for slug, listing in listings.items()}

    def invalidated_since(self, before: int) -> list[tuple[str, ...]]:
        """The pages' invalidations since `before` (the search index's are apart)."""
        return [tuple(i["paths"]) for i in of_pages(self.cloud.invalidations()[before:])]

    def queue_depths(self) -> dict[str, int]:
        depths = {}
        for name, url in self.cloud.stack.outputs.items():
            if name.endswith("Url"):
                attributes = self.cloud.clients.sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=[
                        "ApproximateNumberOfMessages",
                        "ApproximateNumberOfMessagesNotVisible",
                    ],
                )["Attributes"]
                depths[name] = sum(int(v) for v in attributes.values())
        return depths


def covered(path: str, invalidated: tuple[str, ...] | list[str] | set[str]) -> bool:
    """Whether CloudFront would drop `path` (an object path) for these invalidation paths."""
    return any(path == p or (p.endswith("*") and path.startswith(p[:-1])) for p in invalidated)


def sample_articles(site: SiteSettings) -> dict[str, Article]:
    """The samples as the cloud will read them: upload key → validated article."""
    found = {}
    for key, path in upload_files(SAMPLES):
        if key.startswith("articles/"):
            report = validate_upload(key, path.read_bytes(), site)
            assert report.article is not None, key
            found[key] = report.article
    return found


@pytest.fixture(scope="module")
def samples_run(aws_environment: None) -> Iterator[Run]:  # noqa: ARG001 - order only
    """samples/ published once through the local cloud, for a module's tests to share."""
    with mock_aws():
        run = Run.start(parameters=parameters_for([SAMPLES]))
        run.upload_folder(SAMPLES)
        run.cloud.run_until_quiet()
        run.uploaded = sample_articles(run.site)
        yield run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def subprocess_environment(**extra: str) -> dict[str, str]:
    """This interpreter's environment for a child `rotativa`, without a developer's AWS."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_") or k == "AWS_ACCOUNT_ID_ENDPOINT_MODE"
    }
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env
