"""The local cloud: template.yaml built on moto and run in this process.

`LocalCloud.start()` provisions every resource of the template on moto (in-process under
`mock_aws`, or a moto server given its endpoint), then `run_until_quiet()` delivers events
to the functions' own handlers. The wiring is read from the template only.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore.session
from botocore.exceptions import ClientError

from rotativa.adapters.folder import upload_files
from rotativa.domain.media import report_subject
from rotativa.domain.pictures import MEDIA_PREFIX
from rotativa_tools.local import moto_patches
from rotativa_tools.local.provision.common import share_loader
from rotativa_tools.local.pump import EventPump, Invoker, Observer
from rotativa_tools.local.runtime import current_function, forget_loaded_functions, invoke
from rotativa_tools.local.scheduler import LocalClock, LocalScheduler
from rotativa_tools.local.site_server import (
    CACHE_CONTROL_FILE,
    MEDIA_TYPES_FILE,
    REDIRECTS_FILE,
    guess_type,
)
from rotativa_tools.local.stack import AwsClients, LocalStack, provision
from rotativa_tools.local.template import load_template

if TYPE_CHECKING:
    from mypy_boto3_dynamodbstreams import DynamoDBStreamsClient

ROOT = Path(__file__).resolve().parents[4]
DEFAULT_TEMPLATE = ROOT / "template.yaml"
DEFAULT_REGION = "eu-south-1"
LOCAL_ENVIRONMENT = {
    # moto serves stream calls only on the classic endpoint (newer botocore prefers
    # account-based endpoints for DynamoDB).
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "AWS_DEFAULT_REGION": DEFAULT_REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


def prepare_environment(endpoint_url: str | None = None) -> None:
    """Credentials and endpoints that keep every client on moto, never on AWS."""
    for name, value in LOCAL_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url


class CallCounter:
    """AWS calls made by the functions' code, by service and operation (botocore hooks)."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.by_function: Counter[tuple[str, str, str]] = Counter()

    def __call__(self, **kwargs: Any) -> None:
        model = kwargs["model"]
        function = current_function.get()
        if function is None:
            return  # the harness itself (uploads, polling): not the system's cost
        service = model.service_model.service_id.hyphenize()
        self.calls[(service, model.name)] += 1
        self.by_function[(function, service, model.name)] += 1

    def as_dict(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for (service, operation), count in sorted(self.calls.items()):
            result.setdefault(service, {})[operation] = count
        return result

    def reset(self) -> None:
        self.calls.clear()
        self.by_function.clear()


@dataclass
class LocalCloud:
    stack: LocalStack
    clients: AwsClients
    streams: DynamoDBStreamsClient
    pump: EventPump
    counter: CallCounter
    clock: LocalClock  # when schedules fire: move it with `advance`

    @classmethod
    def start(
        cls,
        template_path: Path = DEFAULT_TEMPLATE,
        *,
        parameters: Mapping[str, str] | None = None,
        endpoint_url: str | None = None,
        stack_name: str = "rotativa-local",
        observer: Observer | None = None,
        template: Mapping[str, Any] | None = None,
        invoker: Invoker = invoke,
    ) -> LocalCloud:
        prepare_environment(endpoint_url)
        moto_patches.apply()
        # One default session for the harness and the functions, so one hook counts all.
        boto3.setup_default_session(region_name=DEFAULT_REGION)
        session = boto3.DEFAULT_SESSION
        assert session is not None
        share_loader(session)
        core: botocore.session.Session = session._session
        counter = CallCounter()
        core.register("before-call", counter)
        clients = AwsClients(
            s3=session.client("s3", endpoint_url=endpoint_url),
            sqs=session.client("sqs", endpoint_url=endpoint_url),
            dynamodb=session.client("dynamodb", endpoint_url=endpoint_url),
            cloudfront=session.client("cloudfront", endpoint_url=endpoint_url),
            scheduler=session.client("scheduler", endpoint_url=endpoint_url),
        )
        streams = session.client("dynamodbstreams", endpoint_url=endpoint_url)
        stack = provision(
            template if template is not None else load_template(template_path),
            clients,
            stack_name=stack_name,
            parameters=parameters,
            region=DEFAULT_REGION,
            template_dir=template_path.parent,
        )
        forget_loaded_functions()
        # EventBridge Scheduler's own calls are the service's, not the system's: a session
        # of their own keeps them out of the counted calls.
        service = share_loader(boto3.session.Session(region_name=DEFAULT_REGION))
        clock = LocalClock()
        schedules = LocalScheduler(
            service.client("scheduler", endpoint_url=endpoint_url),
            service.client("sqs", endpoint_url=endpoint_url),
            clock,
        )
        pump = EventPump(
            stack, clients.sqs, streams, observer=observer, schedules=schedules, invoker=invoker
        )
        return cls(stack, clients, streams, pump, counter, clock)

    # --- what the outputs name ------------------------------------------------------------

    @property
    def inbox(self) -> str:
        return self.stack.outputs["InboxBucketName"]

    @property
    def site_bucket(self) -> str:
        return self.stack.outputs["SiteBucketName"]

    @property
    def table(self) -> str:
        return self.stack.outputs["ArticlesTableName"]

    @property
    def distribution_id(self) -> str:
        return self.stack.outputs["DistributionId"]

    # --- editors' actions -----------------------------------------------------------------

    def put(self, key: str, body: bytes | str) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.clients.s3.put_object(Bucket=self.inbox, Key=key, Body=data)

    def delete(self, key: str) -> None:
        self.clients.s3.delete_object(Bucket=self.inbox, Key=key)

    def upload_content(self, directory: Path) -> list[str]:
        """Upload a content folder's articles/ and media/ as an editor would; the keys."""
        keys = []
        for key, path in upload_files(directory):
            self.put(key, path.read_bytes())
            keys.append(key)
        return keys

    def run_until_quiet(self, max_rounds: int = 10_000) -> int:
        return self.pump.run_until_quiet(max_rounds)

    def advance(self, delta: timedelta) -> int:
        """Move the clock ahead and run what came due (embargoes, expiries, refreshes)
        until quiet; the rounds run."""
        self.clock.advance(delta)
        return self.run_until_quiet()

    def schedules(self) -> list[dict[str, Any]]:
        """Every EventBridge schedule the stack holds now, in full."""
        assert self.pump.schedules is not None
        return self.pump.schedules.schedules()

    # --- what the system produced ---------------------------------------------------------

    def objects(self, bucket: str, prefix: str = "") -> Iterator[str]:
        paginator = self.clients.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                yield item["Key"]

    def site_files(self) -> dict[str, bytes]:
        return {
            key: self.clients.s3.get_object(Bucket=self.site_bucket, Key=key)["Body"].read()
            for key in self.objects(self.site_bucket)
        }

    def export_site(self, out: Path) -> int:
        """Write the site bucket into `out`; the objects' 301s (old addresses), the media's
        Content-Types and every object's Cache-Control, which a folder cannot hold, go to
        `out/REDIRECTS_FILE`, `out/MEDIA_TYPES_FILE` and `out/CACHE_CONTROL_FILE` for
        `rotativa serve`."""
        count = 0
        root = out.resolve()
        redirects: dict[str, str] = {}
        media: dict[str, dict[str, str]] = {}
        caching: dict[str, str] = {}
        for key in self.objects(self.site_bucket):
            target = (root / key).resolve()
            if not target.is_relative_to(root):
                raise ValueError(f"site object {key!r} would be written outside {out}")
            found = self.clients.s3.get_object(Bucket=self.site_bucket, Key=key)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(found["Body"].read())
            if found.get("WebsiteRedirectLocation"):
                redirects[key] = found["WebsiteRedirectLocation"]
            if found.get("CacheControl"):
                caching[key] = found["CacheControl"]
            # A media file whose bytes proved another type than its name says, or that
            # downloads (PDF): what `rotativa serve` cannot guess from the name.
            kind, disposition = found.get("ContentType", ""), found.get("ContentDisposition")
            if key.startswith(MEDIA_PREFIX) and (kind != guess_type(key) or disposition):
                media[key] = {"content_type": kind}
                if disposition:
                    media[key]["disposition"] = disposition
            count += 1
        listings = (
            (REDIRECTS_FILE, redirects),
            (MEDIA_TYPES_FILE, media),
            (CACHE_CONTROL_FILE, caching),
        )
        for name, listed in listings:
            listing = root / name
            if listed:
                listing.write_text(json.dumps(listed, indent=1, sort_keys=True) + "\n")
            elif listing.exists():
                listing.unlink()
        return count

    def report(self, key: str) -> dict[str, Any] | None:
        if key.startswith(MEDIA_PREFIX):
            key = report_subject(key)  # refused names are filed escaped, under media/
        try:
            body = self.clients.s3.get_object(Bucket=self.inbox, Key=f"reports/{key}.json")
        except ClientError:
            return None
        report: dict[str, Any] = json.loads(body["Body"].read())
        return report

    def invalidations(self) -> list[dict[str, Any]]:
        """Every CreateInvalidation the distribution received: id, reference, paths."""
        cloudfront = self.clients.cloudfront
        listed = cloudfront.list_invalidations(DistributionId=self.distribution_id)
        found = []
        for summary in listed.get("InvalidationList", {}).get("Items", []):
            detail = cloudfront.get_invalidation(
                DistributionId=self.distribution_id, Id=summary["Id"]
            )["Invalidation"]
            batch = detail["InvalidationBatch"]
            found.append(
                {
                    "id": detail["Id"],
                    "reference": batch["CallerReference"],
                    "paths": list(batch["Paths"].get("Items", [])),
                }
            )
        return found
