"""What ships is what is tested: the functions as `sam build` packages them publish an
article, each loaded from the build alone.

Every other test imports the handlers from the source tree, with the venv on the path: a
module left out of the layer, a template or asset `sam build` does not copy, a dependency
missing from src/shared/requirements.txt or a handler importing a tool would pass them
all and fail on AWS. Here `sam build` (the venv's, on template.yaml for this machine's
processor) makes the package; the local cloud is built from sam's own output template on
a moto server, so each function's code and layer are the build folders; and the event
pump hands every event to the function running in a clean interpreter with only the
build and the runtime's boto3 on its path (tests/e2e/shipped.py). The first run takes
about a minute (pip fetches the layer's wheels); sam's cache makes later ones ~10 s.
"""

from __future__ import annotations

import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from moto.server import ThreadedMotoServer

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.template import load_template, of_type
from tests.conftest import ROOT, SAMPLES
from tests.e2e.shipped import (
    BuiltFunctions,
    FunctionError,
    runtime_standin,
    sam_build,
)
from tests.integration.pipeline_helpers import of_pages
from tests.unit.test_packaging import LAYER_LOCK, _locked

SEED = SAMPLES / "articles" / "massimo-carrera-spartak-mosca.md"
PICTURE = SAMPLES / "media" / "piazza-petazzi.jpg"
SOURCE_TEMPLATE = load_template(ROOT / "template.yaml")


@dataclass(frozen=True)
class Shipped:
    build: Path
    runtime: Path
    cloud: LocalCloud
    functions: BuiltFunctions
    endpoint: str


@pytest.fixture(scope="module")
def build() -> Path:
    return sam_build()


@pytest.fixture(scope="module")
def shipped(build: Path, aws_environment: None) -> Iterator[Shipped]:  # noqa: ARG001 - order only
    runtime = runtime_standin()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    functions = BuiltFunctions(runtime, endpoint)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AWS_ENDPOINT_URL", endpoint)  # LocalCloud.start sets it: undone after
            cloud = LocalCloud.start(
                build / "template.yaml",
                endpoint_url=endpoint,
                stack_name="rotativa-shipped",
                invoker=functions,
            )
            functions.warm(cloud.stack.functions, cloud.stack.region)
            # GIVEN an editor's upload of the seed article, a picture and a broken file
            cloud.put("media/piazza-petazzi.jpg", PICTURE.read_bytes())
            cloud.put("articles/massimo-carrera-spartak-mosca.md", SEED.read_bytes())
            cloud.put("articles/rotto.md", "---\ntitle: [rotto\n---\n")
            cloud.run_until_quiet()
            yield Shipped(build, runtime, cloud, functions, endpoint)
    finally:
        functions.close()
        server.stop()


def _files(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p)
    }


# ---------------------------------------------------------------------------- the build


def test_sam_build_copies_each_function_folder_as_it_is(build: Path) -> None:
    functions = of_type(SOURCE_TEMPLATE, "AWS::Serverless::Function")
    assert functions, "the template declares functions"
    for logical_id, function in functions.items():
        source = ROOT / function["Properties"]["CodeUri"]
        assert _files(build / logical_id) == _files(source), logical_id


def test_the_built_layer_holds_the_package_and_exactly_the_locked_distributions(
    build: Path,
) -> None:
    (layer_id,) = of_type(SOURCE_TEMPLATE, "AWS::Serverless::LayerVersion")
    site = build / layer_id / "python"
    # THEN rotativa is there whole (templates and assets too), and no tool beside it
    built = _files(site / "rotativa")
    compiled = {f for f in built if f.startswith("rendering/compiled/")}
    source = _files(ROOT / "src" / "shared" / "rotativa")
    assert built - compiled == {f for f in source if not f.startswith("rendering/compiled/")}
    # AND the templates compiled to modules, from the templates the layer holds (loaded by
    # the renderer: tests/unit/test_precompiled_templates.py)
    from rotativa.rendering import precompile

    assert precompile.is_current(
        site / "rotativa" / "rendering" / "compiled", site / "rotativa" / "templates"
    )
    templates = {f for f in built if f.startswith("templates/")}
    assert len({f for f in compiled if f.endswith(".py")}) == len(templates)
    assert not (site / "rotativa_tools").exists()
    # AND the distributions are the lock's, at its versions (boto3 is Lambda's own)
    installed = {}
    for info in site.glob("*.dist-info"):
        name, version = info.name.removesuffix(".dist-info").rsplit("-", 1)
        installed[name.lower().replace("_", "-")] = version
    locked = {name: version for name, (version, _) in _locked(LAYER_LOCK).items()}
    assert installed == locked


# ---------------------------------------------------------------------------- the run


def test_the_built_functions_publish_an_article_with_its_picture(shipped: Shipped) -> None:
    cloud = shipped.cloud
    # THEN every function ran from the build, in its own interpreter, without one error
    assert set(shipped.functions.invocations) == set(cloud.stack.functions)
    failures = [i for i in cloud.pump.invocations if i.error or i.failed]
    assert failures == []
    # AND the reader's page, the homepage and the picture's variants are on the site
    site = set(cloud.objects(cloud.site_bucket))
    assert {"index.html", "sesto-san-giovanni/massimo-carrera-spartak-mosca/index.html"} <= site
    assert any(key.startswith("media/") and key.endswith(".avif") for key in site), site
    page = cloud.clients.s3.get_object(
        Bucket=cloud.site_bucket, Key="sesto-san-giovanni/massimo-carrera-spartak-mosca/index.html"
    )["Body"].read()
    assert b"Massimo Carrera" in page
    # AND the search index, made by the pagefind binary of the build's layer (which
    # `sam build` leaves without its executable bit: the adapter runs a copy)
    assert "cerca/pagefind/pagefind-entry.json" in site
    assert any(key.startswith("cerca/pagefind/fragment/") for key in site)
    # AND the broken upload has its report, and CloudFront was told once of the pages
    # (and once, after its window, of the search index's entry)
    report = cloud.report("articles/rotto.md")
    assert report is not None
    assert report["status"] == "rejected"
    assert len(of_pages(cloud.invalidations())) == 1
    assert len(cloud.invalidations()) == 2


def test_each_function_loaded_only_the_build_the_runtime_and_the_standard_library(
    shipped: Shipped,
) -> None:
    standard = Path(sysconfig.get_paths(vars={"base": sys.base_prefix})["stdlib"])
    allowed = [shipped.build.resolve(), shipped.runtime, standard]
    for logical_id in shipped.cloud.stack.functions:
        modules = shipped.functions.loaded_modules(logical_id)
        assert "rotativa" in modules
        assert "aws_lambda_powertools" in modules
        outside = sorted(
            f"{name}: {file}"
            for name, file in modules.items()
            if file is not None and not any(Path(file).is_relative_to(folder) for folder in allowed)
        )
        assert outside == [], logical_id
        # site-packages is in the standard library's folder: none of it was reachable
        leaked = sorted(name for name, file in modules.items() if file and "site-packages" in file)
        assert leaked == [], logical_id


def test_a_layer_without_a_dependency_fails_its_first_invocation(
    shipped: Shipped, tmp_path: Path
) -> None:
    # GIVEN the built layer less Powertools (a requirements.txt that forgot it)
    (layer_id,) = of_type(SOURCE_TEMPLATE, "AWS::Serverless::LayerVersion")
    broken = tmp_path / layer_id / "python"
    broken.mkdir(parents=True)
    for entry in (shipped.build / layer_id / "python").iterdir():
        if not entry.name.startswith("aws_lambda_powertools"):
            (broken / entry.name).symlink_to(entry)
    spec = shipped.cloud.stack.functions["InvalidateFunction"]
    functions = BuiltFunctions(shipped.runtime, shipped.endpoint)
    try:
        # WHEN it is invoked, THEN it fails as Lambda reports a missing module
        with pytest.raises(FunctionError, match="aws_lambda_powertools") as failure:
            functions(
                replace(spec, layers=[broken.parent]),
                {"Records": []},
                region=shipped.cloud.stack.region,
                account_id=shipped.cloud.stack.account_id,
            )
        assert failure.value.error_type == "Runtime.ImportModuleError"
    finally:
        functions.close()
