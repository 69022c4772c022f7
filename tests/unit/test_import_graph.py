"""The import graph: dependencies point inward, with no circles.

Inside the runtime package (`src/shared/rotativa`, the Lambda layer):

    domain     imports domain only: what a newsroom means, pure
    rendering  imports domain and rendering: pages from domain values
    services   imports domain, rendering and services: the use cases, over Protocol ports
    adapters   imports domain and adapters: S3, DynamoDB, SQS…; they satisfy the services'
               ports (services/ports.py) structurally and never import a service
    bootstrap  (bootstrap, clock) wires one function: anything in rotativa
    entry      src/functions/*/app.py, the handlers: domain, services and bootstrap; an
               adapter is reached through bootstrap's factories only

`rotativa_tools` (src/tools: CLI, local cloud, WordPress import, ops) sits on top and may
import anything; nothing in the runtime or the functions imports it, nor moto, pytest or
hypothesis. boto3 and botocore are spoken by the adapters only (and the tools).

What counts as an import: every `import` and `from … import` anywhere in a module, at its
top, inside a function body (a deferred import kept out of a cold start is still a
dependency) and under `if TYPE_CHECKING:` too. A type in a signature is a dependency as
real as a call: the module cannot be read or type-checked without the other one, and a
circle allowed behind `TYPE_CHECKING` is a circle a newcomer still has to untangle. So
there is no exception for them. The one thing not seen is an import by name at run time
(`importlib.import_module`), which the runtime package is not allowed to use for that
reason.

No module takes part in a cycle, whichever layer it is in (tools included).

The checker is plain functions over a folder of sources, tested on a small package built
in `tmp_path` with the violations injected, so a checker that sees nothing cannot pass.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT

RUNTIME = "rotativa"
TOOLS = "rotativa_tools"
ENTRY = "functions"  # src/functions/<name>/app.py is module functions.<name>.app

#: The layers of the runtime package, by module prefix (the longest prefix wins).
LAYERS: Mapping[str, str] = {
    RUNTIME: "root",  # rotativa/__init__.py: the package's version, nothing else
    f"{RUNTIME}.domain": "domain",
    f"{RUNTIME}.rendering": "rendering",
    f"{RUNTIME}.services": "services",
    f"{RUNTIME}.adapters": "adapters",
    f"{RUNTIME}.bootstrap": "bootstrap",
    f"{RUNTIME}.clock": "bootstrap",  # the functions' clock: read by handlers, not by domain
    TOOLS: "tools",
    ENTRY: "entry",
}
#: Which layers each layer may import. Every layer may import the root package.
ALLOWED: Mapping[str, frozenset[str]] = {
    "root": frozenset(),
    "domain": frozenset({"domain"}),
    "rendering": frozenset({"domain", "rendering"}),
    "services": frozenset({"domain", "rendering", "services"}),
    "adapters": frozenset({"domain", "adapters"}),
    "bootstrap": frozenset({"domain", "rendering", "services", "adapters", "bootstrap"}),
    # Handlers are doorways: adapters only through bootstrap's factories, which also keeps
    # the decoding of records and items in the adapters (the index handler decodes nothing).
    "entry": frozenset({"domain", "services", "bootstrap"}),
    "tools": frozenset({"domain", "rendering", "services", "adapters", "bootstrap", "tools"}),
}
#: Outside packages the runtime and the functions never import: the workshop's.
WORKSHOP = frozenset({TOOLS, "moto", "pytest", "hypothesis", "tests", "_pytest"})
#: The AWS SDK and its type stubs (`mypy_boto3_<service>`): only these layers import them.
AWS_SDK = ("boto3", "botocore", "mypy_boto3")
SPEAK_AWS = frozenset({"adapters", "tools"})


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str  # a module of the scanned tree, or an outside top-level package
    line: int
    where: str  # "top", "function" or "TYPE_CHECKING"

    def __str__(self) -> str:
        return f"{self.importer} → {self.imported} (line {self.line}, {self.where})"


@dataclass
class Graph:
    modules: dict[str, Path] = field(default_factory=dict)
    imports: list[Import] = field(default_factory=list)
    dynamic: list[Import] = field(default_factory=list)  # import_module / __import__ calls

    def edges(self) -> dict[str, set[str]]:
        """Module → the modules of the tree it imports (outside packages left out)."""
        found: dict[str, set[str]] = {name: set() for name in self.modules}
        for imp in self.imports:
            if imp.imported in self.modules and imp.imported != imp.importer:
                found[imp.importer].add(imp.imported)
        return found


def module_name(path: Path, root: Path) -> str:
    """`root/a/b/c.py` → `a.b.c`; `root/a/b/__init__.py` → `a.b`."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def discover(roots: Iterable[Path]) -> dict[str, Path]:
    """Every module under each root (a folder holding top-level packages)."""
    found: dict[str, Path] = {}
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" not in path.parts:
                found[module_name(path, root)] = path
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _walk(node: ast.AST, where: str) -> Iterator[tuple[ast.AST, str]]:
    """Every node under `node`, with where it sits: at the top, in a function, or under
    `if TYPE_CHECKING:` (inside a function wins: it runs only when called)."""
    for child in ast.iter_child_nodes(node):
        inner = where
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inner = "function"
        yield child, inner
        if isinstance(child, ast.If) and _is_type_checking(child.test) and where == "top":
            for stmt in child.body:
                yield stmt, "TYPE_CHECKING"
                yield from _walk(stmt, "TYPE_CHECKING")
            for stmt in child.orelse:
                yield stmt, where
                yield from _walk(stmt, where)
            continue
        yield from _walk(child, inner)


def _resolve(name: str, modules: Mapping[str, Path]) -> str:
    """The scanned module `name` is (or lies in), else its outside top-level package."""
    probe = name
    while probe:
        if probe in modules:
            return probe
        probe = probe.rpartition(".")[0]
    return name.partition(".")[0]


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def scan(roots: Iterable[Path], named: Mapping[str, Path] | None = None) -> Graph:
    """Parse every module under the roots (and the `named` ones, which live outside any
    package) and collect each import it makes."""
    graph = Graph({**discover(roots), **(named or {})})
    for module, path in graph.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, where in _walk(tree, "top"):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = _resolve(alias.name, graph.modules)
                    graph.imports.append(Import(module, target, line, where))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = _package_of(module, path).split(".")
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets: dict[str, None] = {}  # `from x import A, B` is one import of x
                for alias in node.names:
                    # `from pkg import mod` imports the module pkg.mod when there is one
                    full = f"{base}.{alias.name}"
                    target = full if full in graph.modules else _resolve(base, graph.modules)
                    targets[target] = None
                graph.imports += [Import(module, t, line, where) for t in targets]
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__"):
                    graph.dynamic.append(Import(module, "<by name>", line, where))
    return graph


def layer_of(module: str) -> str | None:
    probe = module
    while probe:
        if probe in LAYERS:
            return LAYERS[probe]
        probe = probe.rpartition(".")[0]
    return None


def violations(graph: Graph) -> list[str]:
    """Each import against the layering, as `importer → imported: the rule`."""
    found: list[str] = []
    for imp in graph.imports:
        source = layer_of(imp.importer)
        if source is None:
            continue
        top = imp.imported.partition(".")[0]
        if source != "tools" and top in WORKSHOP:
            found.append(f"{imp}: the runtime and the functions never import {top}")
        elif imp.imported in graph.modules:
            target = layer_of(imp.imported)
            if target not in (None, "root") and target not in ALLOWED[source]:
                allowed = ", ".join(sorted(ALLOWED[source])) or "nothing"
                found.append(f"{imp}: {source} imports only {allowed}, not {target}")
        elif any(top == sdk or top.startswith(f"{sdk}_") for sdk in AWS_SDK) and (
            source not in SPEAK_AWS
        ):
            layers = " and ".join(sorted(SPEAK_AWS))
            found.append(f"{imp}: only {layers} import {top}")
    for imp in graph.dynamic:
        if layer_of(imp.importer) not in (None, "tools"):
            found.append(f"{imp}: imports by name hide a dependency from this test")
    return found


def cycles(graph: Graph) -> list[list[str]]:
    """Each circle of imports (a strongly connected component), as one path around it."""
    edges = graph.edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:  # Tarjan; the trees are a few hundred modules deep
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(edges[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return [_path_around(component, edges) for component in components]


def _path_around(component: list[str], edges: Mapping[str, set[str]]) -> list[str]:
    """A shortest circle through the component's first module: start → … → start."""
    start = component[0]
    members = set(component)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges[node] & members):
            if nxt == start:
                return [*paths[node], start]
            if nxt not in paths:
                paths[nxt] = [*paths[node], nxt]
                queue.append(nxt)
    return [*component, start]  # unreachable for a strongly connected component


def _report(graph: Graph) -> tuple[list[str], list[list[str]]]:
    wrong = list(violations(graph))
    circles = cycles(graph)
    return wrong, circles


# --- the project ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project() -> Graph:
    # Each handler is a module `app` on its own path (its folder is its CodeUri).
    handlers = {
        f"{ENTRY}.{app.parent.name}.app": app
        for app in sorted((ROOT / "src" / "functions").glob("*/app.py"))
    }
    return scan([ROOT / "src" / "shared", ROOT / "src" / "tools"], handlers)


def test_the_scan_sees_the_whole_tree(project: Graph) -> None:
    """A scan that found nothing would pass every rule below."""
    layers = {layer_of(name) for name in project.modules}
    assert {"domain", "rendering", "services", "adapters", "bootstrap", "entry", "tools"} <= layers
    assert sum(1 for name in project.modules if name.startswith(f"{ENTRY}.")) >= 4
    assert any(i.where == "function" for i in project.imports)
    assert any(i.where == "TYPE_CHECKING" for i in project.imports)


def test_every_import_points_inward(project: Graph) -> None:
    wrong, _ = _report(project)
    assert not wrong, "imports against the layering:\n" + "\n".join(wrong)


def test_no_module_takes_part_in_an_import_cycle(project: Graph) -> None:
    _, circles = _report(project)
    assert not circles, "import cycles:\n" + "\n".join(" → ".join(c) for c in circles)


# --- the checker itself, on a package made to break the rules ------------------------------


def _write(root: Path, files: Mapping[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


CLEAN = {
    "rotativa/__init__.py": "",
    "rotativa/domain/__init__.py": "",
    "rotativa/domain/pages.py": "PER_PAGE = 20\n",
    "rotativa/domain/records.py": "from rotativa.domain.pages import PER_PAGE\n",
    "rotativa/rendering/__init__.py": "from .page import render\n",
    "rotativa/rendering/page.py": "from ..domain import pages\n\ndef render(): ...\n",
    "rotativa/services/__init__.py": "",
    "rotativa/services/ports.py": "from typing import Protocol\n",
    "rotativa/services/ingest.py": "from rotativa.rendering import render\n",
    "rotativa/adapters/__init__.py": "",
    "rotativa/adapters/table.py": "import boto3\nfrom rotativa.domain.records import PER_PAGE\n",
    "rotativa/bootstrap.py": (
        "def make():\n"
        "    from rotativa.adapters.table import PER_PAGE\n"
        "    from rotativa.services import ingest\n"
    ),
    "rotativa_tools/__init__.py": "import moto\nfrom rotativa import bootstrap\n",
    "functions/index/app.py": "from rotativa import bootstrap\nfrom rotativa.domain import pages\n",
}


def test_the_checker_passes_a_clean_package(tmp_path: Path) -> None:
    _write(tmp_path, CLEAN)
    graph = scan([tmp_path])
    assert violations(graph) == []
    assert cycles(graph) == []
    # relative imports and `from package import module` resolve to the module
    assert Import("rotativa.rendering.page", "rotativa.domain.pages", 1, "top") in graph.imports
    assert Import("rotativa.bootstrap", "rotativa.services.ingest", 3, "function") in (
        graph.imports
    )


@pytest.mark.parametrize(
    ("module", "text", "expected"),
    [
        (  # an adapter reaching for a service's type, even only for the type checker
            "rotativa/adapters/table.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from rotativa.services.ingest import Commit\n",
            "rotativa.adapters.table → rotativa.services.ingest (line 3, TYPE_CHECKING): "
            "adapters imports only adapters, domain, not services",
        ),
        (  # the domain importing outward inside a function body
            "rotativa/domain/records.py",
            "def f():\n    from rotativa.rendering.page import render\n",
            "rotativa.domain.records → rotativa.rendering.page (line 2, function): "
            "domain imports only domain, not rendering",
        ),
        (  # rendering importing a service
            "rotativa/rendering/page.py",
            "from rotativa.services import ingest\n",
            "rotativa.rendering.page → rotativa.services.ingest (line 1, top): "
            "rendering imports only domain, rendering, not services",
        ),
        (  # a service wiring an adapter itself
            "rotativa/services/ingest.py",
            "from rotativa.adapters.table import PER_PAGE\n",
            "rotativa.services.ingest → rotativa.adapters.table (line 1, top): "
            "services imports only domain, rendering, services, not adapters",
        ),
        (  # a handler reaching past bootstrap for an adapter (to decode items itself)
            "functions/index/app.py",
            "from rotativa.adapters.table import PER_PAGE\n",
            "functions.index.app → rotativa.adapters.table (line 1, top): "
            "entry imports only bootstrap, domain, services, not adapters",
        ),
        (  # the runtime importing the workshop
            "rotativa/services/ingest.py",
            "import pytest\n",
            "rotativa.services.ingest → pytest (line 1, top): "
            "the runtime and the functions never import pytest",
        ),
        (
            "rotativa/bootstrap.py",
            "def f():\n    from rotativa_tools import x\n",
            "rotativa.bootstrap → rotativa_tools (line 2, function): "
            "the runtime and the functions never import rotativa_tools",
        ),
        (  # boto3 outside the adapters
            "rotativa/domain/pages.py",
            "from botocore.exceptions import ClientError\n",
            "rotativa.domain.pages → botocore (line 1, top): "
            "only adapters and tools import botocore",
        ),
        (  # the SDK's type stubs are the SDK too
            "rotativa/services/ingest.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from mypy_boto3_s3 import S3Client\n",
            "rotativa.services.ingest → mypy_boto3_s3 (line 3, TYPE_CHECKING): "
            "only adapters and tools import mypy_boto3_s3",
        ),
        (  # an import by name, which no scan can follow
            "rotativa/services/ingest.py",
            "import importlib\nm = importlib.import_module('rotativa.adapters.table')\n",
            "rotativa.services.ingest → <by name> (line 2, top): "
            "imports by name hide a dependency from this test",
        ),
    ],
)
def test_the_checker_names_an_import_against_the_layering(
    tmp_path: Path, module: str, text: str, expected: str
) -> None:
    _write(tmp_path, {**CLEAN, module: text})
    assert violations(scan([tmp_path])) == [expected]


def test_the_checker_finds_a_cycle_through_a_function_body(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            **CLEAN,
            "rotativa/services/ingest.py": "from rotativa.services.media import handle\n",
            "rotativa/services/media.py": (
                "def handle():\n    from rotativa.services import ingest\n"
            ),
        },
    )
    assert cycles(scan([tmp_path])) == [
        ["rotativa.services.ingest", "rotativa.services.media", "rotativa.services.ingest"]
    ]


def test_the_checker_finds_a_longer_cycle_under_type_checking(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            **CLEAN,
            "rotativa/domain/a.py": "from rotativa.domain import b\n",
            "rotativa/domain/b.py": "from rotativa.domain.c import x\n",
            "rotativa/domain/c.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\nx = 1\n"
            ),
        },
    )
    assert cycles(scan([tmp_path])) == [
        ["rotativa.domain.a", "rotativa.domain.b", "rotativa.domain.c", "rotativa.domain.a"]
    ]
