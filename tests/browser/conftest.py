"""Fixtures of the browser and validator tests: the rendered samples and the tools.

The tools are Debian's Chromium and Java and the npm packages in tools/ (`make
browser-tools` installs all of them). Missing tools skip these tests on a laptop and fail
them under CI=true, where a skip would hide that nothing was checked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.browser.rendered import RenderedSite, render_samples
from tests.conftest import ROOT

TOOLS = ROOT / "tools"
NODE_MODULES = TOOLS / "node_modules"
CHROMIUM = Path(os.environ.get("ROTATIVA_CHROMIUM", "/usr/bin/chromium"))
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
PLAYWRIGHT = NODE_MODULES / "playwright-core" / "package.json"


def require_tools(*needed: Path | str) -> None:
    """Skip (on a laptop) or fail (in CI) unless every tool is there."""
    missing = [
        str(tool)
        for tool in needed
        if (isinstance(tool, Path) and not tool.exists())
        or (isinstance(tool, str) and shutil.which(tool) is None)
    ]
    if not missing:
        return
    message = f"missing {', '.join(missing)}: run `make browser-tools`"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message)
    pytest.skip(message)


def run_harness(script: str, work: Path, config: dict[str, Any], *, timeout: int) -> dict[str, Any]:
    """Run one of this folder's node harnesses (`check_pages.mjs`, `search_pages.mjs`) on
    `config` (Chromium, the tools and a fresh profile in `work` added): its JSON answer."""
    work.mkdir(parents=True, exist_ok=True)
    full = {
        "chromium": str(CHROMIUM),
        "toolsDir": str(TOOLS),
        "userDataDir": str(work / "profile"),
        **config,
    }
    (work / "config.json").write_text(json.dumps(full))
    run = subprocess.run(
        ["node", str(Path(__file__).with_name(script)), str(work / "config.json")],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    answer: dict[str, Any] = json.loads(run.stdout)
    return answer


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> RenderedSite:
    return render_samples(tmp_path_factory.mktemp("rendered"))
