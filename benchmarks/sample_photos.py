"""The samples' camera photos, generated (never downloaded): `samples/media/*.jpg`.

    python -m benchmarks.sample_photos           # write them into samples/media/
    python -m benchmarks.sample_photos --check   # exit 1 when a file differs from its recipe

The demo site needs pictures of the size a newsroom receives: a phone's or a camera's
4000×3000 JPEG, one of them stored sideways (EXIF Orientation 6, as a phone held upright
writes it) with the GPS position in its EXIF, so that the picture pipeline has the work it
will meet, and the benchmark (`benchmarks/pictures.py`) a realistic source. A real photo of
that size is 3-6 MB and has an author; these are smooth synthetic scenes (gradients,
shapes, soft noise), drawn at a quarter of their size and scaled up, so that each is
below 250 KB in the repository and belongs to nobody.

Deterministic: every shape and every noise value comes from a `random.Random` seeded by
the photo's name, nothing from the clock, and the EXIF dates are fixed; the same Pillow
(the lock pins it) gives the same bytes, which `--check` verifies.
"""

from __future__ import annotations

import argparse
import io
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
MEDIA = ROOT / "samples" / "media"
CAMERA_SIZE = (4000, 3000)  # the stored frame: 12 MP, a phone's or a compact's
QUALITY = 76  # a camera writes 90-95; 76 keeps a smooth 12 MP scene small in the repo
DRAW_SCALE = 4  # scenes are drawn at 1/4 of the size and scaled up: smooth, hence small
NOISE_CELL = 64  # pixels per value of the soft noise
NOISE_AMPLITUDE = 5  # ± grey levels

RGB = tuple[int, int, int]


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def vertical_gradient(size: tuple[int, int], top: RGB, bottom: RGB) -> Image.Image:
    """A sky or a wall: one colour at the top, another at the bottom."""
    height = size[1]
    strip = Image.new("RGB", (1, height))
    strip.putdata([_mix(top, bottom, y / max(1, height - 1)) for y in range(height)])
    return strip.resize(size, Image.Resampling.NEAREST)


def soft_noise(size: tuple[int, int], rng: random.Random, amplitude: int) -> Image.Image:
    """Uneven light, as on any real surface, but low in frequency (one random value per
    `NOISE_CELL` pixels, scaled up smoothly), so that it costs the JPEG little: a grey
    image around 128, added with an offset. Grain at the pixel's scale would triple
    the file."""
    small = (max(1, size[0] // NOISE_CELL), max(1, size[1] // NOISE_CELL))
    values = bytes(128 + rng.randint(-amplitude, amplitude) for _ in range(small[0] * small[1]))
    noise = Image.frombytes("L", small, values)
    return noise.resize(size, Image.Resampling.BICUBIC)


def _with_noise(image: Image.Image, rng: random.Random) -> Image.Image:
    light = soft_noise(image.size, rng, NOISE_AMPLITUDE).convert("RGB")
    return ImageChops.add(image, light, scale=1.0, offset=-128)


# --- the scenes: each draws at 1/DRAW_SCALE of the upright size -----------------------------


def cycle_path(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A cycle path through a park on a spring morning (Bresso, Parco Nord)."""
    w, h = size
    image = vertical_gradient(size, (120, 170, 225), (215, 232, 245))
    draw = ImageDraw.Draw(image)
    horizon = int(h * 0.55)
    draw.rectangle((0, horizon, w, h), fill=(92, 150, 70))
    for i in range(5):  # meadows, lighter towards the horizon
        top = horizon + i * (h - horizon) // 5
        draw.rectangle((0, top, w, h), fill=_mix((120, 175, 85), (70, 125, 55), i / 4))
    # the path: a band that narrows towards the horizon
    draw.polygon(
        [
            (int(w * 0.30), h),
            (int(w * 0.75), h),
            (int(w * 0.52), horizon),
            (int(w * 0.49), horizon),
        ],
        fill=(196, 120, 90),
    )
    draw.line(
        [(int(w * 0.52), h), (int(w * 0.505), horizon)],
        fill=(245, 245, 235),
        width=max(1, w // 200),
    )
    for _ in range(14):  # trees along the horizon
        x = rng.randint(0, w)
        r = rng.randint(h // 14, h // 7)
        y = horizon - r // 3
        draw.rectangle((x - r // 10, y, x + r // 10, y + r), fill=(80, 60, 40))
        draw.ellipse(
            (x - r, y - r, x + r, y + r // 2), fill=_mix((40, 100, 45), (75, 135, 60), rng.random())
        )
    return image


def night_tram(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Night works on the tramway: rails under floodlights (Cinisello, metrotranvia 31)."""
    w, h = size
    image = vertical_gradient(size, (12, 18, 45), (60, 55, 70))
    draw = ImageDraw.Draw(image)
    horizon = int(h * 0.5)
    draw.rectangle((0, horizon, w, h), fill=(45, 45, 50))
    for offset in (-0.18, -0.08, 0.08, 0.18):  # two tracks, converging
        draw.line(
            [(int(w * (0.5 + offset * 2.5)), h), (int(w * (0.5 + offset * 0.3)), horizon)],
            fill=(170, 170, 175),
            width=max(1, w // 160),
        )
    for _ in range(7):  # floodlights: soft white discs with a halo
        x, y = rng.randint(w // 10, w * 9 // 10), rng.randint(h // 6, horizon)
        for radius, colour in (
            (h // 9, (90, 80, 60)),
            (h // 20, (200, 180, 120)),
            (h // 50, (255, 250, 225)),
        ):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colour)
    # a yellow excavator's silhouette
    base = int(h * 0.78)
    draw.rectangle((int(w * 0.62), base - h // 8, int(w * 0.82), base), fill=(225, 170, 30))
    arm = [(0.66, base - h // 8), (0.55, base - h // 3), (0.50, base - h // 10)]
    draw.line([(int(w * x), y) for x, y in arm], fill=(210, 155, 25), width=max(2, w // 60))
    return image.filter(ImageFilter.GaussianBlur(radius=max(1, w // 400)))


def health_centre(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A new community health centre, photographed upright with a phone (Cologno): its
    sign high in the frame, where the editor's focus puts it."""
    w, h = size
    image = vertical_gradient(size, (150, 195, 235), (230, 240, 250))
    draw = ImageDraw.Draw(image)
    left, right, top = int(w * 0.08), int(w * 0.92), int(h * 0.22)
    draw.rectangle((left, top, right, h), fill=(232, 222, 205))
    for row in range(6):  # windows
        for col in range(4):
            x = left + (col + 1) * (right - left) // 5
            y = top + int(h * 0.14) + row * int(h * 0.10)
            shade = _mix((90, 130, 160), (150, 190, 215), rng.random())
            draw.rectangle((x - w // 18, y, x + w // 18, y + h // 20), fill=shade)
    draw.rectangle((int(w * 0.25), int(h * 0.25), int(w * 0.75), int(h * 0.32)), fill=(20, 110, 90))
    draw.rectangle((int(w * 0.40), int(h * 0.86), int(w * 0.60), h), fill=(70, 80, 90))  # door
    draw.rectangle((0, int(h * 0.95), w, h), fill=(160, 160, 155))
    return image


def football_pitch(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """Youth trials on a football pitch (Sesto, Pro Sesto): stripes, lines, a goal."""
    w, h = size
    image = vertical_gradient(size, (170, 200, 230), (235, 240, 245))
    draw = ImageDraw.Draw(image)
    horizon = int(h * 0.35)
    for i in range(10):  # mown stripes
        top = horizon + i * (h - horizon) // 10
        colour = (60, 140, 60) if i % 2 else (75, 160, 70)
        draw.rectangle((0, top, w, h), fill=colour)
    line = max(1, w // 250)
    draw.line([(0, int(h * 0.62)), (w, int(h * 0.58))], fill=(240, 240, 240), width=line)
    centre = (int(w * 0.35), int(h * 0.52), int(w * 0.65), int(h * 0.68))
    draw.ellipse(centre, outline=(240, 240, 240), width=line)
    gx, gy = int(w * 0.12), int(h * 0.30)  # the goal, left
    draw.rectangle((gx, gy, gx + w // 6, gy + h // 8), outline=(250, 250, 250), width=line * 2)
    for _ in range(9):  # players: bibs in two colours
        x, y = rng.randint(w // 8, w * 7 // 8), rng.randint(int(h * 0.45), int(h * 0.85))
        r = h // 40
        bib = (230, 60, 50) if rng.random() < 0.5 else (240, 200, 40)
        draw.ellipse((x - r, y - 3 * r, x + r, y - r), fill=(225, 185, 150))
        draw.rectangle((x - r, y - r, x + r, y + 2 * r), fill=bib)
    return image


def liberation_march(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """The 25 April march: flags and banners over a crowd on a sunny avenue (Sesto)."""
    w, h = size
    image = vertical_gradient(size, (100, 160, 220), (200, 225, 245))
    draw = ImageDraw.Draw(image)
    street = int(h * 0.6)
    draw.rectangle((0, street, w, h), fill=(150, 145, 140))
    for i in range(6):  # buildings on both sides
        x = i * w // 6
        top = rng.randint(int(h * 0.15), int(h * 0.35))
        wall = _mix((205, 160, 120), (235, 215, 180), rng.random())
        draw.rectangle((x, top, x + w // 6 - w // 60, street), fill=wall)
    for _ in range(40):  # the crowd: heads and shoulders
        x, y = rng.randint(0, w), rng.randint(int(h * 0.62), h)
        r = h // 45
        skin = _mix((60, 40, 30), (200, 160, 130), rng.random())
        shirt = _mix((40, 60, 110), (200, 60, 50), rng.random())
        draw.ellipse((x - r, y - r, x + r, y + r), fill=skin)
        draw.rectangle((x - r * 2, y + r, x + r * 2, y + r * 4), fill=shirt)
    banner = (int(w * 0.2), int(h * 0.50), int(w * 0.8), int(h * 0.60))
    draw.rectangle(banner, fill=(200, 30, 40))
    for across in (0.15, 0.45, 0.85):  # tricolour flags
        fx, fy = int(w * across), int(h * rng.uniform(0.3, 0.4))
        stripe = w // 30
        for n, colour in enumerate(((0, 140, 70), (245, 245, 245), (205, 33, 42))):
            draw.rectangle((fx + n * stripe, fy, fx + (n + 1) * stripe, fy + h // 10), fill=colour)
        draw.line([(fx, fy), (fx, int(h * 0.62))], fill=(90, 70, 50), width=max(1, w // 300))
    return image


# --- the photos ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SamplePhoto:
    """One photo as a camera would have written it."""

    name: str  # its file under samples/media/
    scene: Callable[[tuple[int, int], random.Random], Image.Image]
    camera: tuple[str, str]  # EXIF Make and Model
    taken: str  # EXIF DateTimeOriginal
    sideways: bool = False  # stored turned a quarter, with Orientation 6 (a phone upright)
    gps: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None

    def upright_size(self, stored: tuple[int, int] = CAMERA_SIZE) -> tuple[int, int]:
        return (stored[1], stored[0]) if self.sideways else stored


PHOTOS: tuple[SamplePhoto, ...] = (
    SamplePhoto("bresso-ciclabile.jpg", cycle_path, ("FUJIFILM", "X-T30"), "2024:05:01 09:12:40"),
    SamplePhoto(
        "cinisello-metrotranvia.jpg", night_tram, ("SONY", "ILCE-6400"), "2024:04:28 23:41:05"
    ),
    SamplePhoto(
        "cologno-casa-di-comunita.jpg",
        health_centre,
        ("Apple", "iPhone 13"),
        "2024:04:30 16:02:18",
        sideways=True,
        gps=((45.0, 31.0, 49.2), (9.0, 16.0, 37.8)),  # via Pier Lombardo, Cologno Monzese
    ),
    SamplePhoto(
        "pro-sesto-selezioni.jpg", football_pitch, ("Canon", "EOS R50"), "2024:04:27 17:55:30"
    ),
    SamplePhoto("sesto-25-aprile.jpg", liberation_march, ("NIKON", "Z 50"), "2024:04:25 10:31:12"),
)
SIDEWAYS = next(p for p in PHOTOS if p.sideways)


def photo_bytes(photo: SamplePhoto, stored: tuple[int, int] = CAMERA_SIZE) -> bytes:
    """The JPEG a camera would have written of `photo`'s scene, stored `stored` (w×h) as
    its sensor reads, with the EXIF it writes: a smaller `stored` gives the same scene
    smaller (the benchmark's tiny run)."""
    rng = random.Random(photo.name)
    upright = photo.upright_size(stored)
    draft = (max(1, upright[0] // DRAW_SCALE), max(1, upright[1] // DRAW_SCALE))
    image = photo.scene(draft, rng).resize(upright, Image.Resampling.BICUBIC)
    image = _with_noise(image, rng)
    if photo.sideways:  # the sensor's frame: Orientation 6 turns it back upright
        image = image.transpose(Image.Transpose.ROTATE_90)
    assert image.size == stored
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = photo.camera  # Make, Model
    exif[0x0112] = 6 if photo.sideways else 1  # Orientation
    exif[0x0132] = photo.taken  # DateTime
    exif.get_ifd(0x8769)[0x9003] = photo.taken  # Exif IFD: DateTimeOriginal
    if photo.gps is not None:
        latitude, longitude = photo.gps
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = "N", latitude  # GPSLatitudeRef, GPSLatitude
        gps[3], gps[4] = "E", longitude  # GPSLongitudeRef, GPSLongitude
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, exif=exif.tobytes(), optimize=True)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, write nothing")
    parser.add_argument("--out", type=Path, default=MEDIA)
    args = parser.parse_args(argv)
    differ = []
    for photo in PHOTOS:
        data = photo_bytes(photo)
        path = args.out / photo.name
        if args.check:
            if not path.is_file() or path.read_bytes() != data:
                differ.append(photo.name)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        print(f"{shown}: {len(data):,} bytes")
    if differ:
        print("differ from their recipe: " + ", ".join(differ), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
