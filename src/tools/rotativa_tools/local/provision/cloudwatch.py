"""AWS::CloudWatch::Alarm on moto: stored as declared and kept in INSUFFICIENT_DATA (moto
evaluates no metric), so locally `rotativa status` is what tells dead letters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from rotativa_tools.local.provision.common import Identity, Provisioning, truthy
from rotativa_tools.local.template import scalar_text

_TEXT: Final = ("AlarmDescription", "Namespace", "MetricName", "Statistic",
                "ComparisonOperator", "TreatMissingData", "Unit", "ExtendedStatistic",
                "EvaluateLowSampleCountPercentile")  # fmt: skip
_WHOLE: Final = ("Period", "EvaluationPeriods", "DatapointsToAlarm")
_LISTS: Final = ("AlarmActions", "OKActions", "InsufficientDataActions", "Dimensions")


def alarm(p: Provisioning, logical_id: str, props: Mapping[str, Any]) -> Identity:
    name = p.name(props, "AlarmName", logical_id, suffixed=True)
    request: dict[str, Any] = {"AlarmName": name}
    request |= {key: scalar_text(props[key]) for key in _TEXT if key in props}
    request |= {key: int(props[key]) for key in _WHOLE if key in props}
    request |= {key: list(props[key]) for key in _LISTS if key in props}
    if "Threshold" in props:
        request["Threshold"] = float(props["Threshold"])
    if "ActionsEnabled" in props:
        request["ActionsEnabled"] = truthy(props["ActionsEnabled"])
    p.clients.provisioning_client("cloudwatch").put_metric_alarm(**request)
    p.unhandled(logical_id, props, set(request))
    return name, {"Arn": p.arn("cloudwatch", f"alarm:{name}")}
