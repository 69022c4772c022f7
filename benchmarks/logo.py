"""The newsroom's raster logo, drawn (never downloaded): `src/shared/rotativa/assets/logo.png`.

    python -m benchmarks.logo           # write it
    python -m benchmarks.logo --check   # exit 1 when the file differs from its recipe

Search engines take a publisher's logo only as a raster image (Google: 112×112 px at least,
crawlable, looking right on a white background), and the site's icon is an SVG. So the
icon's drawing (a red tile with a masthead bar over two columns of lines) is painted here
at 512×512 on white, from the same 32-unit grid as `favicon.svg`, drawn at four times the
size and scaled down so that the rounded corners are smooth.

Deterministic: rectangles only, no font, no clock; the same Pillow (the lock pins it) gives
the same bytes, which `--check` verifies.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
LOGO = ROOT / "src" / "shared" / "rotativa" / "assets" / "logo.png"
SIZE = 512
GRID = 32  # favicon.svg's viewBox
OVERSAMPLE = 4
RED = (0xE6, 0x36, 0x31)
WHITE = (0xFF, 0xFF, 0xFF)
# favicon.svg's white rectangles, (x, y, width, height) in grid units
BARS = (
    (7, 7, 18, 5),
    *((x, y, 8, 2) for x in (7, 17) for y in (15, 19, 23)),
)
CORNER = 4


def logo_bytes() -> bytes:
    scale = SIZE * OVERSAMPLE // GRID
    canvas = Image.new("RGB", (SIZE * OVERSAMPLE,) * 2, WHITE)
    draw = ImageDraw.Draw(canvas)
    draw.rounded_rectangle(
        (0, 0, SIZE * OVERSAMPLE - 1, SIZE * OVERSAMPLE - 1), radius=CORNER * scale, fill=RED
    )
    for x, y, width, height in BARS:
        draw.rectangle(
            (x * scale, y * scale, (x + width) * scale - 1, (y + height) * scale - 1), fill=WHITE
        )
    image = canvas.resize((SIZE, SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    args = parser.parse_args(argv)
    data = logo_bytes()
    if args.check:
        if not LOGO.is_file() or LOGO.read_bytes() != data:
            print(f"{LOGO.relative_to(ROOT)} differs from its recipe", file=sys.stderr)
            return 1
        return 0
    LOGO.write_bytes(data)
    print(f"{LOGO.relative_to(ROOT)}: {len(data):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
