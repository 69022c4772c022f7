"""The worst-inputs benchmark (`make bench`) runs, at a tiny size, so it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import worst_inputs


def test_the_harness_times_every_shape_and_writes_its_figures(tmp_path: Path) -> None:
    # GIVEN the benchmark at a thousandth of the limits, one run per shape
    out = tmp_path / "worst_inputs.json"
    # WHEN it runs
    status = worst_inputs.main(["--scale", "0.001", "--runs", "1", "--out", str(out)])
    # THEN every shape was built and checked, and the figures are written
    figures = json.loads(out.read_text())
    shapes = {row["shape"] for row in figures["results"]}
    assert shapes == set(worst_inputs.shapes())
    assert all(row["verdict"] for row in figures["results"])
    assert status == (0 if all(row["within_budget"] for row in figures["results"]) else 1)


def test_every_shape_fits_its_limit() -> None:
    # The shapes are what the limits allow: a body shape within 200 KB, a file within 1 MB.
    for name, (_, build, _, size) in worst_inputs.shapes().items():
        data = build(size)
        assert len(data) <= worst_inputs.FILE_LIMIT, name
        if name.split("@")[0] in worst_inputs.BODY_SHAPES:
            body = data.decode().split("---\n", 2)[2]
            assert len(body.encode()) <= worst_inputs.BODY_LIMIT, name
