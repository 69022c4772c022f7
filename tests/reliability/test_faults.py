"""AWS calls fail as AWS makes them fail: nothing is lost, and a redrive converges.

A FaultInjector (rotativa_tools.local.faults) fails a fraction of the functions' AWS calls with
the errors each service really returns, or a read timeout. It sits above botocore's
retries, so each injected fault is one the SDK has already given up on. The harness's own
uploads and polling are never faulted.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from rotativa.adapters.articles_table import decode_item
from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.faults import FaultInjector, FaultRule, everywhere
from tests.integration.pipeline_helpers import article
from tests.reliability.cloud_helpers import (
    comparable_site,
    core_session,
    dead_letters,
    redrive_everything,
    reports,
    sample_content,
)

# The main suite runs a slice of the samples; `make soak` runs all of them, more seeds.
SOAK = os.environ.get("HYPOTHESIS_PROFILE") == "soak"
ARTICLES = None if SOAK else 5
SEEDS = range(1, 6) if SOAK else (7,)
FAULT_FRACTION = 0.2


def _publish(content: Path, injector: FaultInjector | None = None) -> LocalCloud:
    cloud = LocalCloud.start()
    if injector is not None:
        injector.install(core_session())
    cloud.upload_content(content)
    cloud.run_until_quiet()
    return cloud


@pytest.fixture(scope="module")
def content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_content(tmp_path_factory.mktemp("content"), ARTICLES)


@pytest.fixture(scope="module")
def fault_free(content: Path) -> tuple[dict[str, bytes], dict[str, dict[str, Any]]]:
    with mock_aws():
        cloud = _publish(content)
        return comparable_site(cloud.site_files()), reports(cloud)


@pytest.mark.parametrize("seed", SEEDS)
def test_twenty_percent_faults_everywhere_lose_nothing_and_redrive_converges(
    aws_environment: None,  # noqa: ARG001
    content: Path,
    fault_free: tuple[dict[str, bytes], dict[str, dict[str, Any]]],
    seed: int,
) -> None:
    expected_site, expected_reports = fault_free
    with mock_aws():
        # GIVEN 20% of every function's calls to every service fail
        injector = FaultInjector(everywhere(FAULT_FRACTION), seed=seed)
        cloud = _publish(content, injector)
        assert len(injector.injected) > 20, "the faults did not happen"
        assert set(injector.by_service()) >= {"s3", "dynamodb"}

        # THEN every upload is in the table or reported, or its notification is in the DLQ
        letters = dead_letters(cloud)
        parked = " ".join(letters["IngestDLQUrl"])
        table = cloud.clients.dynamodb
        for path in sorted((content / "articles").iterdir()):
            key = f"articles/{path.name}"
            item = table.get_item(
                TableName=cloud.table, Key={"pk": {"S": f"article#{key}"}, "sk": {"S": "article"}}
            ).get("Item")
            handled = item is not None or cloud.report(key) is not None
            assert handled or path.name in parsed_keys(parked), f"{key} vanished"
        # and a site that differs from the fault-free one has its reasons in some DLQ
        waiting = sum(len(bodies) for bodies in letters.values())
        if waiting == 0:
            assert comparable_site(cloud.site_files()) == expected_site

        # WHEN the fault is gone and every DLQ is redriven
        injector.enabled = False
        redriven = 0
        for _ in range(3):
            moved = redrive_everything(cloud)
            if moved == 0:
                break
            redriven += moved
            cloud.run_until_quiet()
        print(  # the figures docs/reliability.md records (pytest -s)
            f"\nfaults seed={seed}: {sum(injector.calls.values())} function calls, "
            f"{len(injector.injected)} failed {dict(injector.by_code())}; "
            f"dead letters { ({k: len(v) for k, v in letters.items()}) }; redriven {redriven}"
        )

        # THEN the site and the reports are those of a run without faults, no DLQ holds anything
        assert dead_letters(cloud) == {key_0: [] for key_0 in letters}
        site = comparable_site(cloud.site_files())
        assert sorted(site) == sorted(expected_site)
        assert {k for k in site if site[k] != expected_site[k]} == set()
        assert reports(cloud) == expected_reports


def parsed_keys(bodies: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(bodies)


def test_faults_only_hit_the_functions_and_follow_their_rules(
    aws_environment: None,  # noqa: ARG001
) -> None:
    with mock_aws():
        cloud = LocalCloud.start()
        injector = FaultInjector(
            [FaultRule(1.0, service="cloudfront", operation="CreateInvalidation")], seed=1
        )
        injector.install(core_session())
        cloud.put("articles/uno.md", article("Uno"))  # the harness: never faulted
        cloud.run_until_quiet()
        assert cloud.invalidations() == []
        assert {f.operation for f in injector.injected} == {"CreateInvalidation"}
        assert {f.function for f in injector.injected} == {"InvalidateFunction"}
        parked = dead_letters(cloud)["InvalidateDLQUrl"]
        assert "/sport/uno/" in " ".join(parked)  # parked with its paths

        injector.enabled = False
        assert redrive_everything(cloud) >= len(parked)
        cloud.run_until_quiet()
        assert any("/sport/uno/index.html" in i["paths"] for i in cloud.invalidations())


def test_a_stream_batch_given_up_on_is_replayed_from_the_stream(
    aws_environment: None,  # noqa: ARG001
) -> None:
    with mock_aws():
        cloud = LocalCloud.start()
        injector = FaultInjector([FaultRule(1.0, function="IndexFunction")], seed=1)
        injector.install(core_session())
        cloud.put("articles/uno.md", article("Uno"))
        cloud.run_until_quiet()
        failures = dead_letters(cloud)["IndexDLQUrl"]
        assert failures
        assert all("RetryAttemptsExhausted" in failure for failure in failures)
        assert cloud.site_files().get("sport/uno/index.html") is None

        injector.enabled = False
        assert redrive_everything(cloud) >= 1
        cloud.run_until_quiet()
        assert b"Uno" in cloud.site_files()["sport/uno/index.html"]
        key = decode_item(
            cloud.clients.dynamodb.get_item(
                TableName=cloud.table, Key={"pk": {"S": "count#section:sport"}, "sk": {"S": "0"}}
            ).get("Item", {})
        )
        assert key is not None


def test_the_redrive_command_counts_and_moves(aws_environment: None) -> None:  # noqa: ARG001
    import argparse

    from rotativa_tools.cli._common import EXIT_OK
    from rotativa_tools.cli.redrive import add_command, redrive_stack
    from rotativa_tools.ops.redrive import Redriver

    parser = argparse.ArgumentParser()
    add_command(parser.add_subparsers())
    args = parser.parse_args(["redrive", "--stack", "s", "--queue", "render", "--dry-run"])
    assert (args.queue, args.dry_run) == ("render", True)
    with mock_aws():
        cloud = LocalCloud.start()
        dlq = cloud.stack.outputs["RenderDLQUrl"]
        cloud.clients.sqs.send_message(QueueUrl=dlq, MessageBody='{"kind": "home"}')
        said: list[str] = []
        redriver = Redriver(cloud.clients.sqs)
        outputs = cloud.stack.outputs
        assert redrive_stack(outputs, redriver, dry_run=True, echo=said.append) == EXIT_OK
        assert "render: 1 waiting" in said
        assert redrive_stack(outputs, redriver, queue="render", echo=said.append) == EXIT_OK
        assert "render: 1 moved back, 0 stream records replayed, 0 kept" in said
        cloud.run_until_quiet()
        assert "index.html" in cloud.site_files()
