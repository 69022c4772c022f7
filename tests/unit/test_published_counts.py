"""The ValidateFunction's counts reach CloudWatch as Powertools' `log_metrics` sends them
(one EMF line on stdout), and an invocation that counted nothing says nothing at all."""

from __future__ import annotations

import json
import warnings
from typing import Any

import pytest
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from rotativa import bootstrap


@pytest.fixture
def metrics(monkeypatch: pytest.MonkeyPatch) -> Metrics:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    found = Metrics(namespace="RotativaTest", service="rotativa")
    found.clear_metrics()
    return found


def emf_lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines() if '"_aws"' in line]


def test_counts_are_published_once_and_nothing_is_said_when_none_were_made(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    @bootstrap.publish_counts(metrics)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
        for name in event["counted"]:
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        return {"batchItemFailures": []}

    # WHEN an invocation counts nothing, THEN no warning and no EMF line
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        assert handler({"counted": []}, None) == {"batchItemFailures": []}
    assert [str(w.message) for w in warned] == []
    assert emf_lines(capsys.readouterr().out) == []
    # WHEN one counts a publication, THEN one EMF line carries it, and is not sent again
    handler({"counted": ["ArticlePublished"]}, None)
    (line,) = emf_lines(capsys.readouterr().out)
    assert line["ArticlePublished"] == [1.0] or line["ArticlePublished"] == 1.0
    handler({"counted": []}, None)
    assert emf_lines(capsys.readouterr().out) == []


def test_counts_made_before_a_failure_are_published_and_the_failure_raised(
    metrics: Metrics, capsys: pytest.CaptureFixture[str]
) -> None:
    @bootstrap.publish_counts(metrics)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:  # noqa: ARG001
        metrics.add_metric(name="UploadRejected", unit=MetricUnit.Count, value=1)
        raise RuntimeError("the table is unreachable")

    with pytest.raises(RuntimeError, match="unreachable"):
        handler({}, None)
    (line,) = emf_lines(capsys.readouterr().out)
    assert "UploadRejected" in line
