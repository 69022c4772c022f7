"""The benchmark harness still runs: `python -m benchmarks.suite --tiny` end to end.

The benchmarks are measurements, not tests (docs/benchmarks.md), so nothing else runs
them, and a change to the pipeline, the local cloud or the corpus they lean on could break
them unnoticed until the next `make bench`. At tiny sizes (tens of articles, one repeat)
every section but the cold start (it installs the layer from the registry) runs in well
under a minute, writing only into a temporary folder; Hugo and matplotlib are optional
(the rebuild compares with Hugo when it is installed, the chart is skipped).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SECTIONS = {"publish", "burst", "rebuild", "memory"}


def _state(paths: list[Path]) -> dict[str, float]:
    """Every file under the paths, with its modification time."""
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    return {str(f): f.stat().st_mtime for f in files}


def test_the_suite_runs_at_tiny_sizes_outside_the_repository(tmp_path: Path) -> None:
    # GIVEN the repository's benchmark outputs as they are
    watched = [ROOT / "build" / "bench", ROOT / "docs" / "publish-cost.png"]
    before = _state(watched)
    out = tmp_path / "results.json"
    # WHEN the suite runs at its tiny sizes, told to work in a temporary folder
    command = [sys.executable, "-m", "benchmarks.suite", "--tiny", "--work", str(tmp_path),
               "--out", str(out), "--chart", str(tmp_path / "chart.png")]  # fmt: skip
    result = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    # THEN it succeeds and prints its table
    assert result.returncode == 0, result.stderr[-3000:]
    assert "1. Incremental publish" in result.stdout
    # AND every section it ran left figures
    figures = json.loads(out.read_text(encoding="utf-8"))
    assert set(figures["sections"]) == SECTIONS
    publish = figures["sections"]["publish"]["figures"]
    assert [run["n"] for run in publish["runs"]] == [10, 20]
    assert all(run["calls_total"] > 0 for run in publish["runs"])
    assert figures["sections"]["burst"]["figures"]["uploads"] == 10
    rebuild = figures["sections"]["rebuild"]["figures"]
    assert rebuild["rotativa"]["pages"] > 20
    # AND nothing was written into the repository
    assert _state(watched) == before
