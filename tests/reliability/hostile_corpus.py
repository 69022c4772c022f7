"""The hostile corpus: tests/hostile/articles/ plus big files made at test time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import ROOT, SAMPLES

HOSTILE = ROOT / "tests" / "hostile"


MEDIA_MANIFEST_FILE = "media.json"  # manifest.d/media.json describes tests/hostile/media/


def _manifest() -> dict[str, dict[str, str]]:
    """manifest.json, plus one manifest.d/<class>.json per class of hostile article
    (media.json describes the media corpus instead: `media_corpus`)."""
    merged: dict[str, dict[str, str]] = json.loads((HOSTILE / "manifest.json").read_text())
    for part in sorted((HOSTILE / "manifest.d").glob("*.json")):
        if part.name == MEDIA_MANIFEST_FILE:
            continue
        for name, expectation in json.loads(part.read_text()).items():
            if name in merged:
                raise ValueError(f"{part.name}: {name} is described twice")
            merged[name] = expectation
    return merged


MANIFEST: dict[str, dict[str, str]] = _manifest()
GENERATED_PREFIX = "@generated/"
_FRONT = "section: Sport\ndate: 2024-05-01T10:00\n"


def generated(name: str) -> bytes:
    """The corpus files too big to commit, made the same way every time."""
    if name == "tags-10000.md":
        tags = ", ".join(f"t{i}" for i in range(10_000))
        return f"---\ntitle: Tanti tag\n{_FRONT}tags: [{tags}]\n---\nx\n".encode()
    if name == "oversize.md":
        return f"---\ntitle: Enorme\n{_FRONT}---\n".encode() + b"a" * 1_000_100
    if name == "long-title.md":
        return f"---\ntitle: {'T' * 5000}\n{_FRONT}---\nx\n".encode()
    if name == "many-shortcodes.md":
        return (
            f"---\ntitle: Shortcode\n{_FRONT}---\n".encode() + b'[textmarker color="red"]' * 20_000
        )
    parse = _generated_parse(name)
    if parse is not None:
        return parse
    if name == "deep-markdown.md":
        return f"---\ntitle: Citazioni\n{_FRONT}---\n{'>' * 10_000} x\n{'- ' * 5000}y\n".encode()
    raise KeyError(name)


def _generated_parse(name: str) -> bytes | None:
    """Worst shapes for the parsers at the limits: a 200 KB body, a 1 MB file (issue 12)."""
    head = f"---\ntitle: Forma peggiore\n{_FRONT}---\n".encode()
    body_limit = 199_000

    def body(unit: str) -> bytes:
        return head + (unit * (body_limit // len(unit.encode()))).encode()

    if name == "parse-repeated-200k.md":  # the 100 s check
        return body('[textmarker color="red"]')
    if name == "parse-openers-200k.md":
        return body("[textmarker]")
    if name == "parse-lines-200k.md":
        return body("x\n")
    if name == "parse-prose-200k.md":  # a real article's density, at the limit: published
        sample = (SAMPLES / "articles" / "sesto-piazza-petazzi-riqualificazione.md").read_text()
        text = sample.split("---\n", 2)[2] + "\n"
        return head + (text * (body_limit // len(text.encode()))).encode()
    if name == "parse-json-deep-1m.json":
        return b"[" * 999_000
    if name == "parse-front-matter-1m.md":
        return b"---\ntitle: x\nsection: Sport\nsummary: " + b"a " * 499_000 + b"\n---\nx\n"
    if name == "parse-json-many-values.json":
        keys = ", ".join(f'"k{i}": {i}' for i in range(10_001))
        return (
            f'{{"title": "Valori", "section": "Sport", "image": {{{keys}}}, "body": "x"}}'.encode()
        )
    return None


def _entries(
    manifest: dict[str, dict[str, str]], folder: str, make: Callable[[str], bytes]
) -> list[tuple[str, bytes, dict[str, str]]]:
    """(upload key `<folder>/<name>`, bytes, expectation) for every entry of `manifest`:
    a file of tests/hostile/<folder>/, or one `make` builds (`@generated/<name>`)."""
    entries = []
    for name, expectation in sorted(manifest.items()):
        if name.startswith(GENERATED_PREFIX):
            file = name.removeprefix(GENERATED_PREFIX)
            data = make(file)
        else:
            file = name
            data = (HOSTILE / folder / name).read_bytes()
        entries.append((f"{folder}/{file}", data, expectation))
    return entries


def corpus() -> list[tuple[str, bytes, dict[str, Any]]]:
    """(upload key, bytes, expectation) for every entry of the manifest."""
    return _entries(MANIFEST, "articles", generated)


# Upload keys an attacker or a broken feed may use, each with a harmless article.
HOSTILE_KEYS = (
    "articles/../../etc/passwd.md",
    "articles/..%2F..%2Fsite.md",
    "articles/a\u0007b\u001bc.md",
    "articles/\u202egnp.exe.md",
    "articles/<script>alert(1)</script>.md",
    "articles/Раураl.md",
    "articles/" + "x" * 900 + ".md",
)


def corpus_files() -> list[Path]:
    return sorted((HOSTILE / "articles").iterdir())


# --- media: tests/hostile/media/ and manifest.d/media.json --------------------------------

MEDIA_MANIFEST: dict[str, dict[str, str]] = json.loads(
    (HOSTILE / "manifest.d" / MEDIA_MANIFEST_FILE).read_text()
)


def generated_media(name: str) -> bytes:
    """The media corpus files too big to commit."""
    if name == "oversize.mp4":
        from rotativa.domain.media import MEDIA_MAX_BYTES

        header = b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isommp41"
        return header + b"\x00" * (MEDIA_MAX_BYTES + 1 - len(header))
    raise KeyError(name)


def media_corpus() -> list[tuple[str, bytes, dict[str, str]]]:
    """(upload key `media/<name>`, bytes, expectation) for every media manifest entry:
    {"expect": "rejected", "code": …} or {"expect": "published", "content_type": …}."""
    return _entries(MEDIA_MANIFEST, "media", generated_media)


def media_corpus_files() -> list[Path]:
    return sorted((HOSTILE / "media").iterdir())


# Media keys an attacker or a broken feed may use, each with a harmless PNG: every one is
# refused (media_key_invalid) and writes nothing to the site bucket.
HOSTILE_MEDIA_KEYS = (
    "media/../articles/x.md",
    "media/../index.html",
    "media/../sport/index.jpg",
    "media/./a.jpg",
    "media//a.jpg",
    "media/a/../../feed.jpg",
    "media/a\\b.jpg",
    "media/..\\index.jpg",
    "media/a\u0007b\u001bc.jpg",
    "media/a\u0085b.jpg",
    "media/%2e%2e/a.jpg",
    "media/..%2Findex.jpg",
    "media/a/index.html",
    "media/x.html",
    "media/x.jpg.html",
    "media/x.svg",
    "media/.htaccess",
    "media/.a.jpg",
    "media/foto sindaco.jpg",
    "media/\u202egnp.jpg",
    "media/perché.jpg",
    "media/" + "x" * 300 + ".jpg",
    "media/" + "a/" * 10 + "deep.jpg",
)
