"""Every parser is linear (issue 12): checking an upload costs what its length costs,
whatever its shape.

A 200 KB body of one repeated shortcode took 100 s to check. These tests time
`validate_upload` on each worst shape of benchmarks/worst_inputs.py at n and 4n inside
one test: linear work takes about 4× as long, quadratic 16×; the assertion is the ratio
(< 8), never a wall time. `test_the_measure_tells_quadratic_from_linear` shows the
measure fails on the quadratic regex the shortcode scanner replaced.
"""

from __future__ import annotations

import gc
import json
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from benchmarks import worst_inputs
from benchmarks.worst_inputs import BODY_SHAPES, FILE_SHAPES, article, fill
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from rotativa.domain import markdown
from rotativa.domain.markdown import render_body
from rotativa.domain.shortcodes import (
    ShortcodeCall,
    find_shortcodes,
    parse_attributes,
    shortcode_pattern,
)
from rotativa.domain.site import SiteSettings
from rotativa.domain.upload import MAX_FRONT_MATTER_BYTES
from rotativa.services import validation
from rotativa.services.validation import ValidationReport, validate_upload

RATIO = 8.0  # linear ≈ 4, quadratic ≈ 16
NOTHING_TO_SEE = 0.004  # at 4n, faster than this is no blow-up whatever the ratio
FLOOR = 0.0005  # below this, t(n) is clock noise


def best_time(run: Callable[[], object], repeat: int = 2) -> float:
    """The best of `repeat` runs, with the garbage collector out of the measurement (its
    full collections are proportional to the heap, not to the work measured)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
    return best


def assert_linear(run_at: Callable[[int], Callable[[], object]], n: int, what: str) -> None:
    """t(4n)/t(n) below RATIO in one of three measurements: the machine is shared, and a
    neighbour's burst can slow one run; a quadratic cost is 16× every time."""
    small, large = run_at(n), run_at(4 * n)
    small()  # warm caches (compiled patterns, markdown-it's rules) before measuring
    seen = []
    for _ in range(3):
        t1, t4 = best_time(small), best_time(large)
        ratio = t4 / max(t1, FLOOR)
        if t4 < NOTHING_TO_SEE or ratio < RATIO:
            return
        seen.append(f"t(n)={t1 * 1000:.1f} ms, t(4n)={t4 * 1000:.1f} ms, ratio {ratio:.1f}")
    raise AssertionError(f"{what}: " + "; ".join(seen))


def _check(settings: SiteSettings, key: str, data: bytes) -> Callable[[], object]:
    return lambda: validate_upload(key, data, settings)


# --- the whole check, shape by shape --------------------------------------------------------

BODY_N = 2_000
YAML_N = MAX_FRONT_MATTER_BYTES // 4 - 1_000  # 4n stays under the front matter's limit
FILE_N = 60_000


def _file_n(name: str) -> int:
    return YAML_N if name.startswith("yaml-") else FILE_N


@pytest.mark.parametrize("name", sorted(BODY_SHAPES))
def test_checking_a_body_is_linear_in_its_length(settings: SiteSettings, name: str) -> None:
    # GIVEN one worst shape of body, WHEN it is checked at n and 4n, THEN about 4× longer
    _, build = BODY_SHAPES[name]
    assert_linear(lambda n: _check(settings, "articles/x.md", build(n)), BODY_N, name)


@pytest.mark.parametrize("name", sorted(FILE_SHAPES))
def test_checking_a_file_is_linear_in_its_length(settings: SiteSettings, name: str) -> None:
    _, build, extension = FILE_SHAPES[name]
    key = f"articles/x.{extension}"
    assert_linear(lambda n: _check(settings, key, build(n)), _file_n(name), name)


# Without the markup budget (which refuses the densest bodies unparsed), our own code and
# markdown-it are still linear: the budget bounds the constant, not the complexity. Left
# out, and bounded by the budget only: tables (markdown-it-py's table rule is mildly
# super-linear, 5-6× per 4×, one reason the budget counts `|`) and block elements nested
# without end (nh3's html5ever checks scopes along the open-element stack: n² in the
# depth, why `<` counts 3).
SUPER_LINEAR_LIBRARIES = ("table", "html-nested-")
UNBUDGETED = sorted(name for name in BODY_SHAPES if not name.startswith(SUPER_LINEAR_LIBRARIES))


@pytest.mark.parametrize("name", UNBUDGETED)
def test_rendering_a_body_is_linear_without_the_budget(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(markdown, "MARKUP_BUDGET", 10**12)
    _, build = BODY_SHAPES[name]

    def run_at(n: int) -> Callable[[], object]:
        body = build(n).decode().split("---\n", 2)[2]
        return lambda: render_body(body)

    assert_linear(run_at, 2_000, name)


def test_the_measure_tells_quadratic_from_linear() -> None:
    # GIVEN WordPress's regex, which the scanner replaced, on openers that never close
    pattern = shortcode_pattern(["textmarker"])

    def regex_at(n: int) -> Callable[[], object]:
        text = fill("[textmarker]", n)
        return lambda: list(pattern.finditer(text))

    # THEN the measure that passes the scanner fails the regex
    with pytest.raises(AssertionError, match="ratio"):
        assert_linear(regex_at, 4_000, "WordPress's regex")
    assert_linear(lambda n: (lambda: find_shortcodes(fill("[textmarker]", n), ["textmarker"])),
                  4_000, "scanner")  # fmt: skip


def test_many_problems_are_located_in_linear_time(settings: SiteSettings) -> None:
    # GIVEN a body with one problem on each line (the line lookup once cost O(n) each)
    def run_at(n: int) -> Callable[[], object]:
        data = article(fill('[textmarker color="rosso"]x[/textmarker]\n\n', n))
        return _check(settings, "articles/x.md", data)

    assert_linear(run_at, 4_000, "one problem per line")
    report = validate_upload(
        "articles/x.md",
        article("x\n\n" * 3 + '[textmarker color="rosso"]x[/textmarker]\n'),
        settings,
    )
    assert [p.line for p in report.errors if p.code == "textmarker_color"] == [12]


# --- the scanner is WordPress's regex, in one pass ------------------------------------------


def _reference(text: str, names: list[str]) -> list[tuple[Any, ...]]:
    """What WordPress's get_shortcode_regex() finds, as the old code read it."""
    found = []
    for m in shortcode_pattern(names).finditer(text):
        escaped = m.group(1) == "[" and m.group(6) == "]"
        named, positional = parse_attributes(m.group(3))
        lead, trail = ("", "") if escaped else (m.group(1), m.group(6))
        found.append((m.group(2), named, positional, m.group(5), m.start(), m.end(),
                      m.group(0), escaped, lead, trail))  # fmt: skip
    return found


def _seen(call: ShortcodeCall) -> tuple[Any, ...]:
    return (call.name, dict(call.attributes), call.positional, call.content, call.start,
            call.end, call.source, call.escaped, call.lead, call.trail)  # fmt: skip


PIECES = ["[", "]", "/", "[/", "textmarker", "caption", "tm", "tmx", "textmarker-x", " ",
          "=", '"', "'", "”", "x", "color=red", "\n", "[[", "]]", "[/textmarker]", "[/tm]",
          "-", "é", "<b>", "`"]  # fmt: skip


@hypothesis_settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_scanner_finds_what_wordpress_regex_finds(text: str) -> None:
    for names in (["textmarker", "caption"], ["tm", "tmx"]):
        assert [_seen(c) for c in find_shortcodes(text, names)] == _reference(text, names)


# --- one bad upload never fails the batch ---------------------------------------------------

SETTINGS = SiteSettings.from_file(worst_inputs.ROOT / "samples" / "site.yaml")


def _assert_a_report(report: object) -> None:
    assert isinstance(report, ValidationReport)
    if report.article is None:
        assert report.errors, "a rejection always says why"
        for problem in report.problems:
            problem.message("it")
            problem.message("en")


@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000), st.sampled_from(["articles/x.md", "articles/x.json"]))
def test_any_bytes_get_a_report(data: bytes, key: str) -> None:
    _assert_a_report(validate_upload(key, data, SETTINGS))


YAMLISH = st.lists(
    st.sampled_from(["title: x", "section: Sport", "\n", "- ", "[", "]", "{", "}", ": ", "&a ",
                     "*a ", "!!int ", "'", '"', "9" * 50, "1e999", ".nan", "  ", "? ", "---",
                     "...", "#", "tags:", "date: ", "2024-13-45", "\t", ",", "|", ">"]),
    max_size=40,
).map("".join)  # fmt: skip
BODYISH = st.lists(
    st.sampled_from(["[textmarker", "]", "[/textmarker]", "[caption]", "<img ", "<a title=\"",
                     "`", "*", "_", "[x](", "javascript:", "\n", "> ", "- ", "|", "<!--", "&#",
                     "x", "[[", "”", "color=", "#E63631", "\\", "\u202e", "\x07"]),
    max_size=60,
).map("".join)  # fmt: skip


@hypothesis_settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(YAMLISH, BODYISH)
def test_any_markdown_upload_gets_a_report(front: str, body: str) -> None:
    data = f"---\n{front}\n---\n{body}".encode("utf-8", "surrogatepass")
    _assert_a_report(validate_upload("articles/x.md", data, SETTINGS))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["title", "section", "body", "tags", "image", "x"]),
                      children, max_size=4),
    max_leaves=30,
)  # fmt: skip


FIELD_NAMES = st.sampled_from(["title", "section", "body", "tags", "authors", "image", "date",
                               "pinned", "aliases", "related", "slug"])  # fmt: skip


@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON_VALUES, st.dictionaries(FIELD_NAMES, JSON_VALUES))
def test_any_json_upload_gets_a_report(value: object, fields: dict[str, object]) -> None:
    for document in (value, {"title": "T", "section": "Sport", **fields}):
        data = json.dumps(document, allow_nan=True).encode()
        _assert_a_report(validate_upload("articles/x.json", data, SETTINGS))


@pytest.mark.parametrize(
    "failure", [RecursionError(), ValueError("Exceeds the limit (4300 digits)"), MemoryError()]
)
def test_an_unforeseen_failure_is_the_uploads_rejection(
    monkeypatch: pytest.MonkeyPatch, settings: SiteSettings, failure: Exception
) -> None:
    # GIVEN a body renderer that fails in a way no check foresaw
    def failing(_body: str) -> object:
        raise failure

    monkeypatch.setattr(validation, "render_body", failing)
    # WHEN the upload is checked THEN it is rejected with a report, nothing raised
    report = validate_upload("articles/x.md", article("Testo."), settings)
    assert report.article is None
    assert [p.code for p in report.errors] == ["upload_unreadable"]
    assert report.errors[0].message("it")


# --- the limits are located messages --------------------------------------------------------


def _codes_and_lines(report: ValidationReport) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in report.errors]


@pytest.mark.parametrize(
    ("data", "key", "expected"),
    [
        (b'{"title": "x",\n "n": ' + b"9" * 5000 + b"}", "x.json", ("number_too_large", 2)),
        (b'{"title": "x",\n "n": 1e999}', "x.json", ("number_invalid", 2)),
        (b'{"title": "x",\n "n": NaN}', "x.json", ("number_invalid", 2)),
        (b'{"title": "x",\n "n": ' + b"[" * 50 + b"]" * 50 + b"}", "x.json", ("too_deep", 2)),
        (b"[" * 100_000, "x.json", ("too_deep", 1)),
        (b"---\ntitle: x\nn: " + b"9" * 100 + b"\n---\n", "x.md", ("number_too_large", 3)),
        (b"---\ntitle: x\nk: " + b"a" * 300_000 + b"\n---\n", "x.md",
         ("frontmatter_too_large", 1)),
        (b"---\n" + b"".join(b"k%d: v\n" % i for i in range(60)) + b"---\n", "x.md",
         ("too_many_fields", 52)),
        (b"---\ntitle: x\nsection: Sport\n---\n" + b"[" * 20_000, "x.md",
         ("body_too_complex", 5)),
    ],
    ids=["json-long-int", "json-infinity", "json-nan", "json-deep", "json-deep-only",
         "yaml-long-int", "yaml-front-too-large", "yaml-many-fields", "body-too-complex"],
)  # fmt: skip
def test_each_limit_is_a_located_error(
    settings: SiteSettings, data: bytes, key: str, expected: tuple[str, int]
) -> None:
    report = validate_upload(f"articles/{key}", data, settings)
    assert expected in _codes_and_lines(report), _codes_and_lines(report)


def test_yaml_aliases_are_counted_while_reading(settings: SiteSettings) -> None:
    # GIVEN an anchor of 600 values and 19 aliases of it: 11,400 values once expanded
    front = "a: &a [" + ", ".join(["x"] * 600) + "]\nb: [" + ", ".join(["*a"] * 19) + "]\n"
    report = validate_upload("articles/x.md", f"---\n{front}---\n".encode(), settings)
    # THEN refused at the line of the list that expands too far, before any value is built
    assert ("yaml_too_large", 3) in _codes_and_lines(report)


# --- shortcodes never expand inside an attribute ----------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '<a title="[textmarker color=E63631]x[/textmarker]">y</a>',
        "<span title='[textmarker color=E63631]x[/textmarker]'>y</span>",
        '[link](/a "[textmarker color=E63631]x[/textmarker]")',
        "[link](/a?q=[textmarker color=E63631]x[/textmarker])",
        '<img src="/media/a.jpg" alt="[caption]<img src=x>[/caption]">',
        '<abbr title="[textmarker color=E63631]x[/textmarker]">T</abbr> '
        "[textmarker color=E63631]z[/textmarker]",
    ],
)
def test_shortcodes_never_expand_inside_an_attribute(body: str) -> None:
    html = render_body(body).html
    for value in re.findall(r"""=(?:"([^"]*)"|'([^']*)')""", html):
        text = "".join(value)
        assert "<" not in text, html
        assert "&lt;span" not in text, html
        assert "&lt;figure" not in text, html
    assert "[textmarker color=E63631]" in html or "[caption]" in html, html


def test_a_shortcode_beside_an_attribute_still_renders() -> None:
    html = render_body(
        '<abbr title="[textmarker]">T</abbr> [textmarker color=E63631]z[/textmarker]'
    ).html
    assert '<span class="textmarker" style="color: #E63631">z</span>' in html
    assert 'title="[textmarker]"' in html
