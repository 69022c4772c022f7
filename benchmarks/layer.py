"""The size of a built shared layer: what `make layer` (`sam build SharedLayer`) produced.

    .venv/bin/python -m benchmarks.layer build/layer/SharedLayer

prints the layer's bytes and files unzipped, its bytes zipped (deflate, as `sam deploy`
uploads it) and its largest top-level parts, the figures docs/benchmarks.md records. It
measures the folder as sam left it, not a copy built here, so the figure is the one a
deployment ships.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.coldstart import tree_size, zipped_size

MB = 1_000_000


@dataclass(frozen=True)
class LayerSize:
    bytes: int  # unzipped
    files: int
    zipped_bytes: int
    largest: list[tuple[str, int]]  # top-level entries of python/, biggest first
    rotativa: int  # bytes of the package itself


def measure(layer: Path, largest: int = 6) -> LayerSize:
    """Bytes and files of the layer folder (the one holding python/), zipped bytes, and its
    `largest` top-level entries under python/ by bytes."""
    unzipped, files = tree_size(layer)
    with tempfile.TemporaryDirectory() as scratch:
        zipped = zipped_size(layer, Path(scratch) / "layer.zip")
    parts = {
        entry.name: tree_size(entry)[0] if entry.is_dir() else entry.stat().st_size
        for entry in (layer / "python").iterdir()
        if not entry.name.endswith((".dist-info", ".data"))
    }
    biggest = sorted(parts.items(), key=lambda part: -part[1])[:largest]
    return LayerSize(unzipped, files, zipped, biggest, parts.get("rotativa", 0))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("layer", type=Path, help="the built layer (holds python/)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if not (args.layer / "python").is_dir():
        parser.error(f"{args.layer} holds no python/ folder: run `make layer` first")
    size = measure(args.layer)
    if args.json:
        print(json.dumps(asdict(size), indent=2))
        return 0
    print(f"layer unzipped  {size.bytes / MB:.1f} MB ({size.files:,} files)")
    print(f"layer zipped    {size.zipped_bytes / MB:.1f} MB")
    for name, part in size.largest:
        print(f"  {name:<24}{part / MB:.1f} MB")
    print(f"  {'rotativa':<24}{size.rotativa / MB:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
