"""Cold start hygiene: each handler, imported and set up in a fresh interpreter as Lambda
loads it, brings in only what its function uses (docs/benchmarks.md, section 4).

What is measured there is guarded here by name, so that a stray top-level import cannot
quietly put a parser or a template engine back into a function that never uses it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from benchmarks.coldstart import CLIENTS

from rotativa_tools.local.template import load_template
from tests.conftest import ROOT

FACTORIES = {
    "validate": "bootstrap.ingest(app.metrics)",
    "index": "bootstrap.indexer()",
    "render": "bootstrap.page_renderer()",
    "invalidate": "bootstrap.invalidator()",
    "search": "bootstrap.search_indexer()",
}
# Values for the variables template.yaml gives the functions where "1" would not validate;
# every other one of them (resource names, limits) is set to "1".
VALUES = {
    "POWERTOOLS_SERVICE_NAME": "rotativa",
    "POWERTOOLS_METRICS_NAMESPACE": "Rotativa",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "SITE_NAME": "Nordmilano Notizie",
    "SITE_BASE_URL": "https://www.example.org/",
    "SITE_SECTIONS": "Sesto San Giovanni,Sport",
    "SITE_LOCALE": "it",
    "SITE_TIME_ZONE": "Europe/Rome",
}
LAMBDA = {
    # Lambda's own variables: with them Powertools' Tracer is on and patches botocore.
    "LAMBDA_TASK_ROOT": "/var/task",
    "AWS_LAMBDA_FUNCTION_NAME": "rotativa-test",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
    "AWS_REGION": "eu-south-1",
    "AWS_DEFAULT_REGION": "eu-south-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Loaded by no function: the local cloud, test tools, and what Tracer's patch_all() would
# import only to instrument it (sqlite3).
NEVER = {"rotativa_tools.local", "moto", "pytest", "sqlite3"}
NOT_LOADED = {
    "validate": {"jinja2", "rotativa.rendering"},
    "index": {
        "jinja2", "markdown_it", "nh3", "yaml",
        "rotativa.rendering", "rotativa.services.ingest", "rotativa.services.validation",
    },
    "render": {"yaml", "rotativa.services.ingest", "rotativa.domain.upload"},
    "invalidate": {
        "jinja2", "markdown_it", "nh3", "yaml", "pydantic",
        "rotativa.domain.article", "rotativa.adapters.articles_table",
    },
    "search": {"yaml", "rotativa.services.ingest", "rotativa.domain.upload"},
}  # fmt: skip
# The clients: by their class, not isinstance (a wrapt proxy around one passes that too).
PROBE = """\
import json, sys
sys.path[:0] = [{folder!r}, {shared!r}]
import app
from rotativa import bootstrap
{factory}
import gc, botocore.client
print(json.dumps({{
    "modules": sorted(sys.modules),
    "botocore_traced": type(vars(botocore.client.BaseClient)["_make_api_call"]).__name__,
    "clients": sorted(
        o.meta.service_model.service_name
        for o in gc.get_objects() if issubclass(type(o), botocore.client.BaseClient)
    ),
}}))
"""


def _environment(function: str) -> dict[str, str]:
    """The function's variables as template.yaml names them (Globals and its own)."""
    template = load_template(ROOT / "template.yaml")
    names = set(template["Globals"]["Function"]["Environment"]["Variables"])
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if str(properties.get("CodeUri", "")).rstrip("/") == f"src/functions/{function}":
            names |= set(properties.get("Environment", {}).get("Variables", {}))
    return {name: VALUES.get(name, "1") for name in names} | LAMBDA


@pytest.mark.parametrize("function", sorted(FACTORIES))
def test_a_handler_loads_only_what_its_function_uses(function: str) -> None:
    folder = ROOT / "src" / "functions" / function
    code = PROBE.format(
        folder=str(folder), shared=str(ROOT / "src" / "shared"), factory=FACTORIES[function]
    )
    result = subprocess.run(
        [sys.executable, "-I", "-B", "-c", code],
        capture_output=True, text=True, check=False, cwd=folder, timeout=120,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **_environment(function)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    loaded = {
        name
        for name in found["modules"]
        for unwanted in NEVER | NOT_LOADED[function]
        if name == unwanted or name.startswith(unwanted + ".")
    }
    assert not loaded, f"{function} loads {sorted(loaded)} at its cold start"
    # X-Ray's patch wraps BaseClient._make_api_call with wrapt: every AWS call is traced.
    assert found["botocore_traced"] == "FunctionWrapper", "botocore is not patched for X-Ray"
    # AND it makes one client per service, those its floor in benchmarks/coldstart.py makes
    assert found["clients"] == sorted(CLIENTS[function])
