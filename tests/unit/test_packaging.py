"""The layer ships exactly the runtime dependencies the package declares."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT

PROVIDED_BY_LAMBDA = {"boto3"}


def _name(requirement: str) -> str:
    for separator in "<>=!~[; ":
        requirement = requirement.split(separator, 1)[0]
    return requirement.strip().lower()


def test_layer_requirements_match_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {_name(d): d for d in project["dependencies"] if _name(d) not in PROVIDED_BY_LAMBDA}
    lines = (ROOT / "src" / "shared" / "requirements.txt").read_text().splitlines()
    shipped = {_name(line): line for line in lines if line.strip() and not line.startswith("#")}
    assert shipped == declared
