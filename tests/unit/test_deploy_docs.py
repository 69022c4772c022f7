"""The README's "Deploy to AWS" keeps up with template.yaml.

A developer deploying without us reads the parameter table there: a parameter added to
the template without its row (or a row left for one that is gone) fails here, and so do
an output the section tells them to use that the template does not have, and a missing
cost estimate.
"""

from __future__ import annotations

import re

from rotativa_tools.local.template import load_template
from tests.conftest import ROOT

README = ROOT / "README.md"
COSTS = ROOT / "docs" / "costs.md"
ROW = re.compile(r"^\| `(?P<name>[A-Za-z0-9]+)` \| (?P<default>[^|]*) \| (?P<meaning>[^|]+) \|$")


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def _documented_parameters() -> dict[str, str]:
    rows = (ROW.match(line) for line in _section("Deploy to AWS").splitlines())
    return {row["name"]: row["meaning"].strip() for row in rows if row is not None}


def test_every_template_parameter_has_its_row_and_no_row_is_stale() -> None:
    declared = set(load_template(ROOT / "template.yaml")["Parameters"])
    documented = _documented_parameters()
    assert sorted(declared - set(documented)) == [], "parameters without a README row"
    assert sorted(set(documented) - declared) == [], "README rows for no parameter"
    assert all(len(meaning) > 20 for meaning in documented.values())


def test_the_outputs_the_section_names_exist() -> None:
    template = load_template(ROOT / "template.yaml")
    outputs = set(template["Outputs"])
    named = set(re.findall(r"`([A-Z][A-Za-z]+(?:Name|Arn|Id))`", _section("Deploy to AWS")))
    named -= set(template["Parameters"])  # in the table
    assert named, "the section names the outputs to use"
    assert sorted(named - outputs) == []


def test_the_deploy_section_follows_operations_and_links_the_cost_estimate() -> None:
    titles = re.findall(r"^## (.+)$", README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert titles[titles.index("Operations") + 1] == "Deploy to AWS"
    assert "(docs/costs.md)" in _section("Deploy to AWS")
    costs = COSTS.read_text(encoding="utf-8")
    for service in ("Lambda", "SQS", "DynamoDB", "S3", "CloudFront", "Scheduler", "CloudWatch"):
        assert service in costs, service
