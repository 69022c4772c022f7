"""The lock and the layer: every dependency pinned with its hashes, the layer at the tested
versions, and nothing of the tools in what Lambda loads.

`make lock` writes requirements/dev.txt (everything the venv holds) and
src/shared/requirements.txt (what sam build installs into the shared layer) from
pyproject.toml and requirements/layer.in; `make install` installs dev.txt as it is. These
tests read only the files, so they need no network: they fail when pyproject.toml changed
and `make lock` was not run, when the layer would ship other versions than the tests ran
on, or when a tool (moto, pytest, the CLI…) could reach the layer.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from rotativa_tools.local.template import load_template
from tests.conftest import ROOT

PROVIDED_BY_LAMBDA = {"boto3"}
DEV_LOCK = ROOT / "requirements" / "dev.txt"
LAYER_IN = ROOT / "requirements" / "layer.in"
LAYER_LOCK = ROOT / "src" / "shared" / "requirements.txt"
# Tools and what only they need: none of it may reach the layer.
TOOLS = {
    "boto3", "s3transfer", "moto", "pytest", "pytest-xdist", "hypothesis", "ruff", "mypy",
    "aws-sam-cli", "aws-lambda-builders", "cfn-lint", "pip-tools", "feedparser", "lxml",
    "rotativa", "rotativa-tools", "werkzeug", "flask", "docker",
}  # fmt: skip
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)\s*\\?$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}\s*\\?$")


def _locked(path: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """A pip-compile lock as {name: (version, hashes)}; every requirement must be an exact
    pin followed by at least one hash, or pip's hash-checking mode refuses the file."""
    locked: dict[str, tuple[str, frozenset[str]]] = {}
    current: str | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            current = None
            continue
        if (pin := PIN.match(line)) is not None:
            current = canonicalize_name(pin["name"])
            assert current not in locked, f"{path.name}: {current} pinned twice"
            locked[current] = (pin["version"], frozenset())
        elif HASH.match(line) and current is not None:
            version, hashes = locked[current]
            locked[current] = (version, hashes | {line.split(":", 1)[1].rstrip(" \\")})
        else:
            pytest.fail(f"{path.name}: not an exact pin or a hash: {raw!r}")
    unhashed = sorted(name for name, (_, hashes) in locked.items() if not hashes)
    assert not unhashed, f"{path.name}: pinned without hashes: {unhashed}"
    return locked


def _requirements(lines: list[str]) -> list[Requirement]:
    return [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]


def _project() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {"runtime": project["dependencies"], "dev": project["optional-dependencies"]["dev"]}


def test_the_layer_declares_the_runtime_dependencies_less_what_lambda_provides() -> None:
    declared = {
        canonicalize_name(r.name): r
        for r in _requirements(_project()["runtime"])
        if r.name not in PROVIDED_BY_LAMBDA
    }
    layer = {
        canonicalize_name(r.name): r
        for r in _requirements(LAYER_IN.read_text(encoding="utf-8").splitlines())
    }
    assert layer == declared


@pytest.mark.parametrize("section", ["runtime", "dev"])
def test_the_lock_pins_every_declared_dependency_at_a_version_it_allows(section: str) -> None:
    locked = _locked(DEV_LOCK)
    for requirement in _requirements(_project()[section]):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in the lock: run `make lock`"
        version = locked[name][0]
        assert requirement.specifier.contains(Version(version), prereleases=True), (
            f"the lock's {name}=={version} is outside pyproject's {requirement}: run `make lock`"
        )


def test_the_layer_ships_the_tested_versions_and_files() -> None:
    # GIVEN the layer's lock and the development venv's lock
    layer, dev = _locked(LAYER_LOCK), _locked(DEV_LOCK)
    # THEN every package of the layer is the very release the tests run on
    assert {name: pin for name, pin in layer.items() if dev.get(name) != pin} == {}
    # AND the layer holds what layer.in declares
    declared = {
        canonicalize_name(r.name)
        for r in _requirements(LAYER_IN.read_text(encoding="utf-8").splitlines())
    }
    assert declared <= set(layer)


def test_the_layer_holds_no_tool() -> None:
    assert sorted(set(_locked(LAYER_LOCK)) & TOOLS) == []


def test_the_layer_folder_holds_only_the_runtime_package() -> None:
    # GIVEN the folder template.yaml's SharedLayer is built from
    template = load_template(ROOT / "template.yaml")
    layer = template["Resources"]["SharedLayer"]["Properties"]["ContentUri"]
    folder = ROOT / layer
    # THEN sam build finds there the rotativa package, its requirements and the Makefile
    # that builds the layer from them, nothing else
    entries = {p.name for p in folder.iterdir() if p.name not in {"__pycache__"}}
    entries -= {p.name for p in folder.glob("*.egg-info")}  # `pip install -e .` leaves it
    assert entries == {"rotativa", "requirements.txt", "Makefile"}
    # AND no module of the package imports the tools, moto or the test tools
    banned = {"rotativa_tools", "moto", "pytest", "hypothesis", "samcli", "cfnlint", "tests"}
    offenders = []
    for module in sorted((folder / "rotativa").rglob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [
                f"{module.relative_to(ROOT)}: {name}"
                for name in names
                if name.split(".")[0] in banned
            ]
    assert offenders == []


def _makefile_value(name: str) -> str:
    text = (ROOT / "src" / "shared" / "Makefile").read_text(encoding="utf-8")
    found = re.search(rf"^{name}\s*\??:?=\s*(\S+)\s*$", text, re.MULTILINE)
    assert found is not None, f"src/shared/Makefile sets no {name}"
    return found[1]


def test_the_layer_is_built_by_its_makefile_for_the_runtime_and_architecture() -> None:
    # GIVEN the template's functions and its SharedLayer
    template = load_template(ROOT / "template.yaml")
    runtime = template["Globals"]["Function"]["Runtime"]
    layer = template["Resources"]["SharedLayer"]
    # THEN sam build runs src/shared/Makefile (no Docker), for the functions' runtime
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    # AND the Makefile compiles with that Python, for the architecture the template names
    assert f"python{_makefile_value('RUNTIME')}" == runtime
    architecture = layer["Metadata"]["BuildArchitecture"]
    assert layer["Properties"]["CompatibleArchitectures"] == [architecture]
    assert _makefile_value("ROTATIVA_LAYER_ARCHITECTURE") == architecture
    assert template["Globals"]["Function"]["Architectures"] == [architecture]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make, as sam build does")
def test_the_built_layer_holds_bytecode_that_python_loads_without_the_source(
    tmp_path: Path,
) -> None:
    # GIVEN the layer's recipe run as sam build runs it, without the registry (no wheels:
    # the bytecode of rotativa is what this checks; `make layer` builds the whole layer)
    artifacts = tmp_path / "SharedLayer"
    subprocess.run(
        ["make", "--makefile", "Makefile", "build-SharedLayer", "PIP_INSTALL=true",
         f"PYTHON={sys.executable}"],
        cwd=ROOT / "src" / "shared", check=True, capture_output=True, text=True,
        env={**os.environ, "ARTIFACTS_DIR": str(artifacts)},
    )  # fmt: skip
    package = artifacts / "python" / "rotativa"
    sources = sorted(package.rglob("*.py"))
    assert sources
    # AND the templates were compiled to modules, from the templates the layer holds
    from rotativa.rendering import precompile

    compiled = package / "rendering" / "compiled"
    assert precompile.is_current(compiled, package / "templates")
    assert len(list(compiled.glob("tmpl_*.py"))) == len(list((package / "templates").glob("*.*")))
    tag = sys.implementation.cache_tag
    # THEN every module has its bytecode beside it, for the runtime's Python
    for source in sources:
        cached = Path(importlib.util.cache_from_source(str(source)))
        assert cached.is_file(), f"no {tag} bytecode for {source.relative_to(package)}"
        # AND hash-based, unchecked (flags 0b01): no source mtime that a zip could change
        flags = int.from_bytes(cached.read_bytes()[4:8], "little")
        assert flags == 0b01, f"{cached.name}: not unchecked-hash bytecode"
    # AND Python imports it without reading the source: a source replaced by one that
    # would fail is never compiled
    (package / "clock.py").write_text("raise SystemExit('the source was read')\n")
    imported = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c",
         f"import sys; sys.path[:0] = [{str(artifacts / 'python')!r}]; import rotativa.clock; "
         "print(rotativa.clock.__file__)"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == str(package / "clock.py")
