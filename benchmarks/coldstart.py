"""Cold start: each handler module imported in a fresh interpreter, as Lambda loads it,
against its floor, and the size of what `sam build` ships.

The layer is built the way `sam build` builds template.yaml's SharedLayer (BuildMethod
makefile): src/shared/Makefile's build-SharedLayer, the lock's wheels from the registry,
rotativa copied, everything compiled to unchecked-hash bytecode. Twice: for arm64 (the
template's architecture: its size, unzipped and zipped) and for this machine's processor
(to import here), beside a "runtime" folder holding the boto3 that Lambda's Python runtime
provides. For comparison, the layer as it was built before the Makefile (BuildMethod
python3.11: `pip install --target`, rotativa as source, no bytecode).

Each handler is imported in a fresh interpreter (`python -I -S -B`: no venv, no
site-packages, no bytecode written, as on Lambda's read-only file system) with the
function's environment from template.yaml and Lambda's own variables (so Powertools'
Tracer is on, as with `Tracing: Active`). Reported per variant: the median and the best of
several imports, and the time of the first call's set-up (services and boto3 clients).

Against the floor (`against_floor`, on the layer as shipped): the instructions (callgrind,
the same count on every run whatever the machine's load) of the handler's import plus its
factory, and of `import boto3` plus the clients that factory makes; their ratio; and the
median wall and CPU ms of both, taking turns. When benchmarks/patches/ holds any, a variant
with them applied to the source copy (a change measured before it is made).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT / "src" / "shared"
FUNCTIONS = ROOT / "src" / "functions"
PATCHES = Path(__file__).resolve().parent / "patches"
PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info.major}.{sys.version_info.minor}"
ARM64 = ["--platform", "manylinux2014_aarch64", "--only-binary=:all:",
         "--python-version", "3.11", "--implementation", "cp"]  # fmt: skip
HANDLERS = {
    # function folder → the factory its first invocation calls (services and clients)
    "validate": "bootstrap.ingest(app.metrics)",
    "index": "bootstrap.indexer()",
    "render": "bootstrap.page_renderer()",
    "invalidate": "bootstrap.invalidator()",
    "search": "bootstrap.search_indexer()",
}
# The boto3 clients each factory makes (tests/unit/test_cold_start.py checks that they are
# these, one of each): the floor of a function is `import boto3` and making these.
CLIENTS = {
    "validate": ("dynamodb", "s3"),
    "index": ("dynamodb", "sqs", "scheduler"),
    "render": ("dynamodb", "s3", "sqs"),
    "invalidate": ("cloudfront",),
    "search": ("dynamodb", "s3", "sqs"),
}
LOGICAL_IDS = {
    "validate": "ValidateFunction",
    "index": "IndexFunction",
    "render": "RenderFunction",
    "invalidate": "InvalidateFunction",
    "search": "SearchFunction",
}
# One cold start in a fresh interpreter: `first` is the import, `then` the first call's
# set-up. For a handler: `import app`, then its bootstrap factory; for its floor: `import
# boto3`, then the clients the factory makes.
PROBE = """\
import json, sys, time
sys.path[:0] = {paths!r}
cpu_started, started = time.process_time(), time.perf_counter()
{first}
imported, cpu_imported = time.perf_counter(), time.process_time()
{then}
ready, cpu_ready = time.perf_counter(), time.process_time()
rss = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(json.dumps({{"import_ms": (imported - started) * 1000, "setup_ms": (ready - imported) * 1000,
                  "import_cpu_ms": (cpu_imported - cpu_started) * 1000,
                  "setup_cpu_ms": (cpu_ready - cpu_imported) * 1000,
                  "rss_kb": rss, "modules": len(sys.modules)}}))
"""
# The same without the clock, for callgrind; `pass` alone is the interpreter's own start.
COUNTED = """\
import sys
sys.path[:0] = {paths!r}
{first}
{then}
"""


def handler_code(function: str) -> tuple[str, str]:
    """(import, set-up) of a handler's cold start."""
    return "import app\nfrom rotativa import bootstrap", HANDLERS[function]


def floor_code(function: str) -> tuple[str, str]:
    """(import, set-up) of the function's floor: boto3 and the clients its factory makes."""
    return "import boto3", "\n".join(f"boto3.client({c!r})" for c in CLIENTS[function])


@dataclass(frozen=True)
class Package:
    """A built package: the layer's content folder, and the runtime's boto3 beside it."""

    layer: Path  # what Lambda mounts as /opt (the layer's python/ folder inside)
    runtime: Path  # stand-in for /var/runtime (boto3 of the Python runtime)

    @property
    def site(self) -> Path:
        return self.layer / "python"


def constraints(target: Path) -> Path:
    """The dev venv's versions of everything, so the package has the tested versions."""
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(frozen, encoding="utf-8")
    return target


def _pip(args: Sequence[str], log: Callable[[str], None]) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
               "--no-warn-script-location", *args]  # fmt: skip
    log("    pip " + " ".join(str(a) for a in command[3:]))
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"pip failed:\n{result.stdout}\n{result.stderr}")


def build(
    work: Path, *, arm64: bool, log: Callable[[str], None] = print, fresh: bool = False
) -> Package:
    """The layer (requirements + rotativa as source) and the runtime's boto3 under `work`;
    the pip part is kept between runs, rotativa is copied again every time."""
    work = work.resolve()
    layer, runtime = work / "layer", work / "runtime"
    pins = constraints(work / "constraints.txt")
    stamp = work / ".built"
    requirements = SHARED / "requirements.txt"
    key = requirements.read_text(encoding="utf-8") + pins.read_text(encoding="utf-8")
    if fresh or not stamp.is_file() or stamp.read_text(encoding="utf-8") != key:
        shutil.rmtree(work / "layer", ignore_errors=True)
        shutil.rmtree(work / "runtime", ignore_errors=True)
        platform = ARM64 if arm64 else []
        _pip(["--target", str(layer / "python"), "-r", str(requirements), "-c", str(pins),
              *platform], log)  # fmt: skip
        if not arm64:
            boto3 = next(
                line for line in pins.read_text().splitlines() if line.startswith("boto3==")
            )
            _pip(["--target", str(runtime), boto3, "-c", str(pins)], log)
        stamp.write_text(key, encoding="utf-8")
    target = layer / "python" / "rotativa"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(SHARED / "rotativa", target, ignore=shutil.ignore_patterns("__pycache__"))
    return Package(layer, runtime)


def tree_size(folder: Path) -> tuple[int, int]:
    """(bytes unzipped, files) of a folder."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def zipped_size(folder: Path, out: Path) -> int:
    """Bytes of the folder as a deployment zip (deflate, as sam package uploads it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return out.stat().st_size


def sizes(package: Package, work: Path) -> dict[str, Any]:
    unzipped, files = tree_size(package.layer)
    rotativa, _ = tree_size(package.site / "rotativa")
    biggest = sorted(
        ((tree_size(p)[0], p.name) for p in package.site.iterdir() if p.is_dir()), reverse=True
    )[:6]
    result: dict[str, Any] = {
        "layer_unzipped_bytes": unzipped,
        "layer_files": files,
        "layer_zipped_bytes": zipped_size(package.layer, work / "layer.zip"),
        "rotativa_bytes": rotativa,
        "largest": {name: size for size, name in biggest},
        "functions_zipped_bytes": {
            name: zipped_size(FUNCTIONS / name, work / f"{name}.zip") for name in HANDLERS
        },
    }
    return result


def lambda_environment(
    environment: Mapping[str, str], name: str, task_root: Path
) -> dict[str, str]:
    """The function's variables from the template, and what Lambda itself sets."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "en_US.UTF-8",
        **environment,
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "LAMBDA_TASK_ROOT": str(task_root),
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": "app.lambda_handler",
        "AWS_REGION": "eu-south-1",
        "AWS_DEFAULT_REGION": "eu-south-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "TZ": ":UTC",
    }


def _paths(function: str, package: Package) -> list[str]:
    """sys.path as Lambda has it: the function's code, the layer's python/ and its root,
    then the runtime's own packages (boto3)."""
    task_root = FUNCTIONS / function
    return [str(task_root), str(package.site), str(package.layer), str(package.runtime)]


def import_once(
    function: str,
    package: Package,
    environment: Mapping[str, str],
    code: tuple[str, str] | None = None,
) -> dict[str, float]:
    """Times of one cold start of the handler (or of `code`: import, set-up) in a fresh
    interpreter started as Lambda starts one."""
    task_root = FUNCTIONS / function
    first, then = code or handler_code(function)
    probe = PROBE.format(paths=_paths(function, package), first=first, then=then)
    result = subprocess.run(
        [str(PYTHON), "-I", "-S", "-B", "-c", probe],
        capture_output=True, text=True, check=False, cwd=task_root,
        env=lambda_environment(environment, LOGICAL_IDS[function], task_root),
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{function}: import failed:\n{result.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    return figures


def instructions(
    function: str, package: Package, environment: Mapping[str, str], code: tuple[str, str]
) -> int:
    """Instructions the whole process executes (valgrind's callgrind, `Collected`), with
    PYTHONHASHSEED=0: the same count on every run, whatever else the machine is doing."""
    task_root = FUNCTIONS / function
    first, then = code
    probe = COUNTED.format(paths=_paths(function, package), first=first, then=then)
    result = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         str(PYTHON), "-I", "-S", "-B", "-c", probe],
        capture_output=True, text=True, check=False, cwd=task_root,
        env={**lambda_environment(environment, LOGICAL_IDS[function], task_root),
             "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    collected = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
    if result.returncode != 0 or collected is None:
        raise RuntimeError(f"{function}: callgrind failed:\n{result.stderr[-2000:]}")
    return int(collected[1])


def against_floor(
    package: Package, environments: Mapping[str, Mapping[str, str]], repeats: int
) -> dict[str, dict[str, Any]]:
    """Per handler, in one run, same interpreter and layer: the instructions of its cold
    start (import + factory) and of its floor (`import boto3` + its clients), those of an
    interpreter that does nothing, and the ratios; then median wall and CPU ms of both, the
    two taking turns `repeats` times."""
    result: dict[str, dict[str, Any]] = {}
    for name in HANDLERS:
        environment = environments[name]
        start = instructions(name, package, environment, ("pass", ""))
        handler = instructions(name, package, environment, handler_code(name))
        floor = instructions(name, package, environment, floor_code(name))
        timed: dict[str, list[dict[str, float]]] = {"handler": [], "floor": []}
        for _ in range(repeats):
            timed["handler"].append(import_once(name, package, environment))
            timed["floor"].append(import_once(name, package, environment, floor_code(name)))
        ms = {
            kind: {
                "ms_median": round(
                    statistics.median(r["import_ms"] + r["setup_ms"] for r in runs), 1
                ),
                "cpu_ms_median": round(
                    statistics.median(r["import_cpu_ms"] + r["setup_cpu_ms"] for r in runs), 1
                ),
                "modules": statistics.median(r["modules"] for r in runs),
            }
            for kind, runs in timed.items()
        }
        result[name] = {
            "clients": list(CLIENTS[name]),
            "instructions": {"handler": handler, "floor": floor, "interpreter": start},
            # the whole process, and net of the interpreter's own start (the stricter)
            "ratio": round(handler / floor, 3),
            "ratio_net": round((handler - start) / (floor - start), 3),
            "ms": ms,
            "ratio_cpu_ms": round(ms["handler"]["cpu_ms_median"] / ms["floor"]["cpu_ms_median"], 3),
        }
    return result


def measure(
    package: Package, environments: Mapping[str, Mapping[str, str]], repeats: int
) -> dict[str, dict[str, float]]:
    """Per handler: median and best import, median set-up, peak RSS after set-up.
    The handlers take turns, so that a busy moment of the machine hits them alike."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in HANDLERS}
    for _ in range(repeats):
        for name in HANDLERS:
            runs[name].append(import_once(name, package, environments[name]))
    return {
        name: {
            "import_ms_median": round(statistics.median(r["import_ms"] for r in found), 1),
            "import_ms_best": round(min(r["import_ms"] for r in found), 1),
            "import_cpu_ms_median": round(statistics.median(r["import_cpu_ms"] for r in found), 1),
            "setup_ms_median": round(statistics.median(r["setup_ms"] for r in found), 1),
            "setup_cpu_ms_median": round(statistics.median(r["setup_cpu_ms"] for r in found), 1),
            # import + set-up of the same run: the whole cold start before the first record
            "cold_ms_median": round(
                statistics.median(r["import_ms"] + r["setup_ms"] for r in found), 1
            ),
            "cold_cpu_ms_median": round(
                statistics.median(r["import_cpu_ms"] + r["setup_cpu_ms"] for r in found), 1
            ),
            "rss_mb": round(statistics.median(r["rss_kb"] for r in found) / 1024, 1),
            "modules": statistics.median(r["modules"] for r in found),
        }
        for name, found in runs.items()
    }


def compile_rotativa(package: Package) -> None:
    subprocess.run(
        [str(PYTHON), "-m", "compileall", "-q", str(package.site / "rotativa")], check=True
    )


def apply_patch(package: Package, patch: Path) -> None:
    """Apply a patch made against the repository (a/src/shared/rotativa/…) to the copy."""
    subprocess.run(
        ["patch", "--quiet", "-p3", "-d", str(package.site), "-i", str(patch)], check=True
    )


def function_environments() -> dict[str, dict[str, str]]:
    """Each function's environment as template.yaml resolves it (Globals + own)."""
    from moto import mock_aws

    from rotativa_tools.local.stack import AwsClients, provision
    from rotativa_tools.local.template import load_template

    with mock_aws():
        stack = provision(
            load_template(ROOT / "template.yaml"),
            AwsClients.create("eu-south-1"),
            region="eu-south-1",
            template_dir=ROOT,
        )
    return {name: dict(stack.functions[LOGICAL_IDS[name]].environment) for name in HANDLERS}


def made(work: Path, *, architecture: str, log: Callable[[str], None] = print) -> Path:
    """The layer as `sam build` makes it from template.yaml (BuildMethod makefile): the
    Makefile's build-SharedLayer into `work` (ARTIFACTS_DIR), the lock's wheels from the
    registry for `architecture`, then rotativa and everything compiled; returns `work`."""
    work = work.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    command = ["make", "--no-print-directory", "-C", str(SHARED), "build-SharedLayer",
               f"ARTIFACTS_DIR={work}", f"ROTATIVA_LAYER_ARCHITECTURE={architecture}",
               f"PYTHON={PYTHON}", f"PIP_INSTALL={sys.executable} -m pip install"]  # fmt: skip
    log(f"    make build-SharedLayer ({architecture})")
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"the layer's Makefile failed:\n{result.stdout}\n{result.stderr}")
    return work


def machine_architecture() -> str:
    machine = os.uname().machine.lower()
    return "arm64" if machine in ("aarch64", "arm64") else "x86_64"


def run(work: Path, *, repeats: int = 7, log: Callable[[str], None] = print) -> dict[str, Any]:
    os.environ.setdefault("AWS_ACCOUNT_ID_ENDPOINT_MODE", "disabled")
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "eu-south-1")):  # fmt: skip
        os.environ.setdefault(name, value)
    environments = function_environments()
    log("  building the layer as sam build does (the Makefile): for arm64 (sizes), for here")
    shipped_arm = Package(made(work / "made-arm64", architecture="arm64", log=log), work)
    source = build(work / "native", arm64=False, log=log)  # and the runtime's boto3
    shipped = Package(
        made(work / "made-native", architecture=machine_architecture(), log=log), source.runtime
    )
    result: dict[str, Any] = {"sizes": sizes(shipped_arm, work / "zips"), "python": str(PYTHON)}
    variants: dict[str, Any] = {}
    log("  importing: rotativa as source (BuildMethod python3.11, before the Makefile)")
    variants["source (before)"] = measure(source, environments, repeats)
    log("  importing: the layer as shipped (the Makefile's bytecode)")
    variants["as shipped"] = measure(shipped, environments, repeats)
    patches = sorted(PATCHES.glob("*.patch"))
    if patches:  # without any, this variant would only measure "as shipped" again
        for patch in patches:
            apply_patch(source, patch)
        compile_rotativa(source)
        log("  importing: precompiled, with the patches in benchmarks/patches/")
        variants["precompiled + patches"] = measure(source, environments, repeats)
    result["variants"] = variants
    result["patches"] = [p.name for p in patches]
    log("  each handler against its floor (import boto3 + its clients), as shipped: callgrind")
    result["against_floor"] = against_floor(shipped, environments, repeats)
    return result
