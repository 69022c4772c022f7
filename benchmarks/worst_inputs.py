"""`make bench`: the worst shapes of input we can construct, each checked in under 1 s.

Issue 12: a 200 KB body of one repeated shortcode took 100 s to check, past the
ValidateFunction's 30 s timeout, and the whole SQS batch failed with it. Every parser on
the path from bytes to a report (shortcodes, Markdown and its sanitiser, YAML front
matter, JSON, the line lookup of problems) must be linear in its input, whatever its
shape. This harness builds each shape at the body limit (200 KB) and at the file limit
(1 MB), times `validate_upload` on it (the whole call, best of 3), prints a table, writes
build/bench/worst_inputs.json and exits 1 when any shape takes a second or more.

    python -m benchmarks.worst_inputs                 # the limits: 200 KB body, 1 MB file
    python -m benchmarks.worst_inputs --scale 0.01    # the same shapes, tiny (the test)

The shapes are also what tests/unit/test_linear_parsing.py times at n and 4n.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BODY_LIMIT = 200_000
FILE_LIMIT = 1_000_000
BUDGET_SECONDS = 1.0
FRONT = "---\ntitle: Forma peggiore\nsection: Sesto San Giovanni\ndate: 2024-05-01T10:00\n---\n"


def fill(unit: str, size: int) -> str:
    """`unit` repeated to about `size` bytes (never more)."""
    return unit * max(1, size // max(1, len(unit.encode())))


def article(body: str) -> bytes:
    return (FRONT + body).encode()


def _body(unit: str, tail: str = "") -> Callable[[int], bytes]:
    return lambda size: article(fill(unit, size - len(tail)) + tail)


def _nested(opener: str, closer: str) -> Callable[[int], bytes]:
    def build(size: int) -> bytes:
        count = size // (len(opener) + len(closer))
        return article(opener * count + "x" + closer * count)

    return build


def _front(make: Callable[[int], str]) -> Callable[[int], bytes]:
    """A Markdown upload whose front matter is the hostile part."""
    return lambda size: (
        "---\ntitle: Forma peggiore\nsection: Sport\n" + make(size) + "\n---\nCorpo.\n"
    ).encode()


def _json(make: Callable[[int], str]) -> Callable[[int], bytes]:
    return lambda size: make(size).encode()


def _json_fields(extra: str) -> str:
    return '{"title": "Forma peggiore", "section": "Sport", ' + extra + ', "body": "x"}'


def joined(size: int, item: Callable[[int], str], separator: str = "\n") -> str:
    """item(0), item(1), … joined by `separator`, to about `size` characters (never more)."""
    parts: list[str] = []
    total = 0
    index = 0
    while True:
        part = item(index)
        total += len(part) + len(separator)
        if total > size:
            break
        parts.append(part)
        index += 1
    return separator.join(parts)


def _billion_laughs(size: int) -> str:
    def line(index: int) -> str:
        if index == 0:
            return "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"
        return f"a{index}: &a{index} [{', '.join([f'*a{index - 1}'] * 10)}]"

    return joined(size, line)


def _anchors(size: int) -> str:
    return "tags: [" + joined(size - 10, lambda i: f"&a{i} x", ", ") + "]"


def _aliases(size: int) -> str:
    return "authors: [&a Mario, " + joined(size - 30, lambda _: "*a", ", ") + "]"


# Each shape: (what it is, builder of an upload of about `size` bytes, upload key).
BODY_SHAPES: dict[str, tuple[str, Callable[[int], bytes]]] = {
    "shortcode-repeated": ('[textmarker color="red"] repeated', _body('[textmarker color="red"]')),
    "shortcode-closed": (
        "[textmarker]x[/textmarker] repeated",
        _body('[textmarker color="E63631"]x[/textmarker] '),
    ),
    "shortcode-openers": ("[textmarker][textmarker]… never closed", _body("[textmarker]")),
    "shortcode-unknown-openers": ("[a][a][a]…", _body("[a]")),
    "shortcode-unknown-lines": (
        "[foto di mario]\\n… one unknown per line",
        _body('[foto di mario]\n[gallery ids="1"]\n'),
    ),
    "shortcode-unknown-words": (
        "[foo bar] with a [/foo] at the end",
        _body("[foo bar] ", "[/foo]"),
    ),
    "shortcode-escaped": ("[[textmarker]] repeated", _body("[[textmarker]]")),
    "shortcode-half-escaped": ("[[textmarker] repeated", _body("[[textmarker]")),
    "shortcode-brackets": ("[[[[… then ]]]]", _nested("[", "]")),
    "shortcode-no-close-bracket": ("[textmarker a[textmarker a… no ]", _body("[textmarker a")),
    "shortcode-unbalanced-quotes": (
        '[textmarker color="red] repeated',
        _body('[textmarker color="red]x '),
    ),
    "shortcode-open-quote": (
        '[textmarker color="… no closing quote',
        _body('[textmarker color="a '),
    ),
    "shortcode-typographic": (
        "[textmarker color=”E63631″] repeated",
        _body("[textmarker color=”E63631″]x[/textmarker]"),
    ),
    "shortcode-typographic-bare": (
        "”″’ inside one tag",
        lambda size: article(
            "[textmarker color=" + fill("”″’&#8221; ", size - 30) + "]x[/textmarker]"
        ),
    ),
    "shortcode-closers": ("[/textmarker] with no opener", _body("[/textmarker]")),
    "shortcode-nested": (
        "[textmarker]×k x [/textmarker]×k",
        _nested("[textmarker]", "[/textmarker]"),
    ),
    "shortcode-nested-caption": (
        "[caption]×k <img> [/caption]×k",
        _nested('[caption]<img src="/media/a.jpg" alt="a"> ', "[/caption]"),
    ),
    "shortcode-self-closing": ("[textmarker/] repeated", _body("[textmarker color=red/]")),
    "shortcode-slashes": ("[textmarker //////… ", _body("[textmarker " + "/" * 50 + " ")),
    "shortcode-in-code": ("`[textmarker]` spans", _body("`[textmarker]` ")),
    "backticks-unbalanced": ("` `` ` `` … unmatched runs", _body("` `` ")),
    "backticks-long": ("a line of backticks", _body("`")),
    "blockquote-deep": ("> > > > … x", lambda size: article(fill("> ", size) + "x\n")),
    "list-deep": ("- - - - … x", lambda size: article(fill("- ", size) + "x\n")),
    "list-indented": (
        "nested lists by indentation",
        lambda size: article(joined(size, lambda i: "  " * (i % 200) + "- x") + "\n"),
    ),
    "list-items": ("- x per line", _body("- x\n")),
    "list-nested-items": ("- - x per line", _body("- - x\n")),
    "ordered-items": ("1. x per line", _body("1. x\n")),
    "quote-list-items": ("> - > - x per line", _body("> - > - x\n")),
    "emphasis-words": ("*x* repeated", _body("*x* ")),
    "ordered-deep": ("1. 1. 1. … x", lambda size: article(fill("1. ", size) + "x\n")),
    "emphasis-stars": ("a line of *", _body("*")),
    "emphasis-mixed": ("*a _a **a __a … never closed", _body("*a _a **a __a ")),
    "emphasis-underscores": ("a line of _", _body("_")),
    "link-openers": ("[x]( repeated", _body("[x](")),
    "link-brackets": ("[[[[… no closer", _body("[")),
    "link-images": ("![x]( repeated", _body("![x](")),
    "link-many": ("[x](javascript:1) per line", _body("[x](javascript:alert(1))\n")),
    "link-references": (
        "[x]: /a definitions, then [x] uses",
        lambda size: article(fill("[r]: /a\n", size // 2) + fill("[r] ", size // 2)),
    ),
    "link-angle": ("<http:// autolinks never closed", _body("<http://")),
    "html-comments": ("<!-- never closed", _body("<!--")),
    "html-tag-openers": ("<a <a <a … no >", _body("<a ")),
    "html-img-openers": (
        "<img <img … no >",
        lambda size: article("<img src=x>\n" + fill("<img ", size - 20)),
    ),
    "html-attribute-spaces": (
        "<a href=   …   x>",
        lambda size: article("<a href=" + " " * (size - 20) + "x>y</a>"),
    ),
    "html-nested-div": ("<div> nested, never closed", _body("<div>")),
    "html-nested-ul": ("<ul> nested, never closed", _body("<ul>")),
    "html-nested-li-ul": ("<li><ul> nested, never closed", _body("<li><ul>")),
    "html-nested-pre": ("<pre> nested, never closed", _body("<pre>")),
    "html-misnested": ("<b><i></b></i> repeated", _body("<b><i></b></i>")),
    "html-blocks": ("<script>x</script> per line", _body("<script>x</script>\n\n")),
    "html-event-handlers": ("<b onclick=x> per line", _body("<b onclick=x>y</b>\n")),
    "html-in-attribute": (
        "shortcodes inside HTML attributes",
        _body('<a title="[textmarker color=red]x[/textmarker]">y</a> '),
    ),
    "entities": ("&#&#&#…", _body("&#")),
    "backslashes": ("\\\\\\ …", _body("\\")),
    "tables": ("|a|b| rows", lambda size: article("|a|b|\n|-|-|\n" + fill("|x|y|\n", size - 20))),
    "table-pipes": ("a line of |", lambda size: article("|a|\n|-|\n" + fill("|", size - 20))),
    "fences": ("``` never closed, repeated", _body("```\n")),
    "headings": ("# per line", _body("# x\n")),
    "setext": ("x\\n=== per pair", _body("x\n===\n")),
    "lines": ("one short line each", _body("x\n")),
    "no-newline": ("one word 200 KB long", _body("a")),
    "spaces": ("spaces only, then x", lambda size: article(fill(" ", size - 2) + "x")),
    "unicode": ("multi-byte letters", _body("è")),
}

FILE_SHAPES: dict[str, tuple[str, Callable[[int], bytes], str]] = {
    "file-body-too-large": (
        "a 1 MB Markdown body",
        lambda size: article(fill("x ", size - 100)),
        "md",
    ),
    "file-shortcodes": (
        "a 1 MB body of shortcodes",
        lambda size: article(fill('[textmarker color="red"]', size - 100)),
        "md",
    ),
    "file-no-closing-fence": (
        "front matter never closed",
        lambda size: ("---\n" + fill("title: x\n", size - 10)).encode(),
        "md",
    ),
    "file-fences": ("a body of --- lines", lambda size: article(fill("---\n", size - 100)), "md"),
    "yaml-billion-laughs": ("aliases of aliases", _front(_billion_laughs), "md"),
    "yaml-anchors": ("many anchors", _front(_anchors), "md"),
    "yaml-aliases": ("many aliases of one anchor", _front(_aliases), "md"),
    "yaml-flow-deep": (
        "[[[[… in front matter",
        _front(lambda size: "tags: " + "[" * (size - 20)),
        "md",
    ),
    "yaml-flow-deep-closed": (
        "[[[[x]]]] in front matter",
        _front(lambda size: "tags: " + "[" * (size // 2 - 20) + "x" + "]" * (size // 2 - 20)),
        "md",
    ),
    "yaml-mapping-deep": (
        "{a: {a: {… in front matter",
        _front(lambda size: "tags: " + "{a: " * (size // 4 - 10)),
        "md",
    ),
    "yaml-block-deep": (
        "indented mappings, deeper each line",
        _front(lambda size: joined(size, lambda i: " " * i + "a:")),
        "md",
    ),
    "yaml-many-keys": (
        "as many keys as fit",
        _front(lambda size: joined(size, lambda i: f"k{i}: v")),
        "md",
    ),
    "yaml-many-fields": (
        "51 fields",
        _front(lambda size: joined(size, lambda i: f"k{i}: v" if i < 51 else "#")),
        "md",
    ),
    "yaml-many-values": (
        "as many nested values as fit",
        _front(lambda size: "image:\n" + joined(size - 10, lambda i: f"  k{i}: v")),
        "md",
    ),
    "yaml-many-items": (
        "a list of 100,000 items",
        _front(lambda size: "tags: [" + ", ".join(["x"] * (size // 3)) + "]"),
        "md",
    ),
    "yaml-huge-key": ("one key 1 MB long", _front(lambda size: "a" * (size - 50) + ": x"), "md"),
    "yaml-long-scalar": (
        "one value 1 MB long",
        _front(lambda size: "summary: " + "a" * (size - 60)),
        "md",
    ),
    "yaml-long-quoted": (
        "one quoted value 1 MB long",
        _front(lambda size: 'summary: "' + "a\\\\" * (size // 3 - 30) + '"'),
        "md",
    ),
    "yaml-unclosed-quote": (
        "a quote never closed",
        _front(lambda size: 'summary: "' + "a " * (size // 2 - 30)),
        "md",
    ),
    "yaml-long-int": ("a 1 MB integer", _front(lambda size: "pinned: " + "9" * (size - 60)), "md"),
    "yaml-comments": ("comment lines", _front(lambda size: fill("# x\n", size - 60)), "md"),
    "yaml-documents": (
        "many YAML documents",
        _front(lambda size: fill("a: 1\n--- \n", size - 60)),
        "md",
    ),
    "yaml-multiline": (
        "a folded scalar of many lines",
        _front(lambda size: "summary: >\n" + fill("  a\n", size - 60)),
        "md",
    ),
    "json-deep-arrays": ("[[[[… 1 MB", _json(lambda size: "[" * size), "json"),
    "json-deep-closed": (
        "[[[[x]]]] 1 MB",
        _json(lambda size: "[" * (size // 2) + "]" * (size // 2)),
        "json",
    ),
    "json-deep-objects": ('{"a":{"a":… 1 MB', _json(lambda size: '{"a":' * (size // 5)), "json"),
    "json-deep-in-field": (
        "deep nesting under a field",
        _json(
            lambda size: _json_fields('"tags": ' + "[" * (size // 2 - 60) + "]" * (size // 2 - 60))
        ),
        "json",
    ),
    "json-wide-shallow": (
        "[[],[],…] 1 MB",
        _json(lambda size: _json_fields('"tags": [' + fill("[],", size - 80) + "[]]")),
        "json",
    ),
    "json-big-int": (
        "a 1 MB integer",
        _json(lambda size: _json_fields('"pinned": ' + "9" * (size - 80))),
        "json",
    ),
    "json-int-4301": (
        "an integer past Python's 4,300 digits",
        _json(lambda _: _json_fields('"pinned": ' + "9" * 4301)),
        "json",
    ),
    "json-big-exponent": (
        "1e999999",
        _json(lambda _: _json_fields('"pinned": 1e999999')),
        "json",
    ),
    "json-long-float": (
        "a 1 MB float",
        _json(lambda size: _json_fields('"pinned": 0.' + "1" * (size - 80))),
        "json",
    ),
    "json-constants": (
        "NaN and Infinity",
        _json(lambda _: _json_fields('"pinned": NaN, "x": -Infinity')),
        "json",
    ),
    "json-many-keys": (
        "as many keys as fit",
        _json(lambda size: _json_fields(joined(size - 100, lambda i: f'"k{i}": 1', ", "))),
        "json",
    ),
    "json-many-nested-keys": (
        "as many keys in a field as fit",
        _json(
            lambda size: _json_fields(
                '"image": {' + joined(size - 100, lambda i: f'"k{i}": 1', ", ") + "}"
            )
        ),
        "json",
    ),
    "json-many-small-objects": (
        '[{}, {"a": 1}, …] 1 MB',
        _json(lambda size: _json_fields('"tags": [' + fill('{"a": 1}, ', size - 100) + "{}]")),
        "json",
    ),
    "json-huge-key": (
        "one key 1 MB long",
        _json(lambda size: _json_fields('"' + "k" * (size - 80) + '": 1')),
        "json",
    ),
    "json-escapes": (
        '"\\"\\"\\"… never closed',
        _json(lambda size: '{"title": "' + '\\"' * (size // 2 - 20)),
        "json",
    ),
    "json-body-shortcodes": (
        "a 200 KB body of shortcodes",
        _json(
            lambda size: _json_fields('"summary": "s"').replace(
                '"body": "x"',
                '"body": "'
                + fill('[textmarker color=\\"red\\"]', min(size, BODY_LIMIT) - 100)
                + '"',
            )
        ),
        "json",
    ),
    "json-many-strings": (
        '["a","a",…] 1 MB',
        _json(lambda size: _json_fields('"tags": [' + fill('"a",', size - 80) + '"a"]')),
        "json",
    ),
}


def _within_budget(build: Callable[[int], bytes]) -> Callable[[int], bytes]:
    """The same shape cut where the markup budget ends: the longest body of that shape
    that is parsed rather than refused, so the slowest accepted check is measured too."""
    from rotativa.domain.markdown import markup_over_budget

    def cut(size: int) -> bytes:
        body = build(size).decode().split("---\n", 2)[2]
        over = markup_over_budget(body)
        return article(body if over is None else body[:over])

    return cut


def shapes() -> dict[str, tuple[str, Callable[[int], bytes], str, int]]:
    """Every shape: (what it is, builder, extension, size at the limits).

    Body shapes are built twice: at 200 KB, and cut where the markup budget ends (the
    longest body of that shape that is parsed, not refused: `@budget`). YAML shapes are
    built twice too: just under the front matter's own limit (what the YAML parser really
    gets to read) and at the file limit (refused by that limit).
    """
    from rotativa.domain.upload import MAX_FRONT_MATTER_BYTES

    every: dict[str, tuple[str, Callable[[int], bytes], str, int]] = {}
    for name, (what, build) in BODY_SHAPES.items():
        every[name] = (what, build, "md", BODY_LIMIT - 200)
        every[f"{name}@budget"] = (what, _within_budget(build), "md", BODY_LIMIT - 200)
    for name, (what, build, extension) in FILE_SHAPES.items():
        if name.startswith("yaml-"):
            every[name] = (what, build, extension, MAX_FRONT_MATTER_BYTES - 200)
            every[f"{name}@1MB"] = (what, build, extension, FILE_LIMIT - 200)
        else:
            every[name] = (what, build, extension, FILE_LIMIT - 200)
    return every


def time_check(key: str, data: bytes, runs: int = 3) -> tuple[float, str]:
    """Best of `runs` timings of the whole `validate_upload` call, and its verdict."""
    from rotativa.domain.site import SiteSettings
    from rotativa.services.validation import validate_upload

    settings = SiteSettings.from_file(ROOT / "samples" / "site.yaml")
    best = float("inf")
    verdict = ""
    for _ in range(runs):
        started = time.perf_counter()
        report = validate_upload(key, data, settings)
        best = min(best, time.perf_counter() - started)
        codes = sorted({p.code for p in report.errors})
        verdict = "published" if report.valid else "rejected: " + ", ".join(codes)[:60]
    return best, verdict


def run(scale: float = 1.0, runs: int = 3, only: str = "") -> list[dict[str, object]]:
    results = []
    for name, (what, build, extension, size) in shapes().items():
        if only and only not in name:
            continue
        data = build(max(64, int(size * scale)))
        seconds, verdict = time_check(f"articles/{name}.{extension}", data, runs)
        results.append(
            {
                "shape": name,
                "what": what,
                "bytes": len(data),
                "seconds": round(seconds, 4),
                "verdict": verdict,
                "within_budget": seconds < BUDGET_SECONDS,
            }
        )
    return results


def table(results: list[dict[str, object]]) -> str:
    lines = [f"{'shape':<36} {'bytes':>9} {'seconds':>8}  verdict", "-" * 100]
    for row in results:
        flag = "" if row["within_budget"] else "  << over 1 s"
        shape, size, seconds = row["shape"], row["bytes"], row["seconds"]
        lines.append(f"{shape!s:<36} {size!s:>9} {seconds!s:>8}  {row['verdict']}{flag}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the limits")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default="", help="only the shapes whose name contains this")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "worst_inputs.json")
    args = parser.parse_args(argv)
    results = run(args.scale, args.runs, args.only)
    print(table(results))
    slowest = max(results, key=lambda row: float(str(row["seconds"])))
    print(f"\nslowest: {slowest['shape']} {slowest['seconds']} s ({len(results)} shapes)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {"budget_seconds": BUDGET_SECONDS, "scale": args.scale, "results": results}, indent=2
        )
        + "\n"
    )
    return 0 if all(row["within_budget"] for row in results) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src" / "shared"))
    sys.exit(main())
