"""The article body: CommonMark → a sanitised HTML fragment, its problems, and the summary."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from rotativa.domain.markdown import (
    BODY_FORMAT,
    SUMMARY_LENGTH,
    is_allowed_url,
    render_body,
    sanitize,
    summary_from_body,
)
from rotativa.domain.problems import Problem, Severity
from rotativa.domain.shortcodes import DEFAULT_REGISTRY

# --- helpers --------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.starts: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs)))


def starts(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.starts


def tag_names(html: str) -> list[str]:
    return [tag for tag, _ in starts(html)]


def with_code(problems: tuple[Problem, ...], code: str) -> list[Problem]:
    return [p for p in problems if p.code == code]


# --- CommonMark -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "html"),
    [
        (
            "Un *corsivo* e un **grassetto**.",
            "<p>Un <em>corsivo</em> e un <strong>grassetto</strong>.</p>\n",
        ),
        (
            "Un _corsivo_ e __grassetto__.",
            "<p>Un <em>corsivo</em> e <strong>grassetto</strong>.</p>\n",
        ),
        ("~~barrato~~", "<p><s>barrato</s></p>\n"),
        ("Uno\n\nDue", "<p>Uno</p>\n<p>Due</p>\n"),
        ("riga  \nsotto", "<p>riga<br>\nsotto</p>\n"),
        ("- uno\n- due", "<ul>\n<li>uno</li>\n<li>due</li>\n</ul>\n"),
        ("1. uno\n2. due", "<ol>\n<li>uno</li>\n<li>due</li>\n</ol>\n"),
        ("3. tre\n4. quattro", '<ol start="3">\n<li>tre</li>\n<li>quattro</li>\n</ol>\n'),
        ("> citazione", "<blockquote>\n<p>citazione</p>\n</blockquote>\n"),
        ("Il `codice` qui", "<p>Il <code>codice</code> qui</p>\n"),
        ("---", "<hr>\n"),
        ("a &amp; b &lt; c", "<p>a &amp; b &lt; c</p>\n"),
        ("a < b > c", "<p>a &lt; b &gt; c</p>\n"),
        ("", ""),
    ],
)
def test_commonmark_basics(body, html):
    rendered = render_body(body)
    assert rendered.html == html
    assert rendered.problems == ()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            "```python\nprint('<b>')\n```",
            "<pre><code class=\"language-python\">print('&lt;b&gt;')\n</code></pre>\n",
        ),
        ("~~~js\nlet a = 1;\n~~~", '<pre><code class="language-js">let a = 1;\n</code></pre>\n'),
        ("```\nsenza lingua\n```", "<pre><code>senza lingua\n</code></pre>\n"),
        ("    indentato", "<pre><code>indentato\n</code></pre>\n"),
    ],
)
def test_code_blocks_keep_their_language_class(body, code):
    assert render_body(body).html == code


def test_table():
    html = render_body("| Comune | Abitanti |\n|:---|---:|\n| Sesto | 81000 |").html
    assert tag_names(html) == ["table", "thead", "tr", "th", "th", "tbody", "tr", "td", "td"]
    assert "<th>Comune</th>" in html
    assert "<td>Sesto</td>" in html
    assert "<td>81000</td>" in html
    # alignment comes as a style attribute, which is not allowed through
    assert "style" not in html


# --- headings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("# Uno", "<h2>Uno</h2>\n"),
        ("## Due", "<h2>Due</h2>\n"),
        ("### Tre", "<h2>Tre</h2>\n"),
        ("###### Sei", "<h2>Sei</h2>\n"),
        ("Setext\n===", "<h2>Setext</h2>\n"),
        ("Setext\n---", "<h2>Setext</h2>\n"),
        ("<h1>Grezzo</h1>", "<h2>Grezzo</h2>"),
        ("<H1>Grezzo</H1>", "<h2>Grezzo</h2>"),
        ('<h1 class="x">Grezzo</h1>', "<h2>Grezzo</h2>"),
        ("<h6>Grezzo</h6>", "<h2>Grezzo</h2>"),
        ("# A\n\n## B\n\n### C", "<h2>A</h2>\n<h3>B</h3>\n<h4>C</h4>\n"),
        ("## A\n\n#### B\n\n## C", "<h2>A</h2>\n<h3>B</h3>\n<h2>C</h2>\n"),
        ("# A\n\n<h1>B</h1>\n\n###### C", "<h2>A</h2>\n<h2>B</h2>\n<h3>C</h3>\n"),
        (
            "# 1\n\n## 2\n\n### 3\n\n#### 4\n\n##### 5\n\n###### 6",
            "<h2>1</h2>\n<h3>2</h3>\n<h4>3</h4>\n<h5>4</h5>\n<h6>5</h6>\n<h6>6</h6>\n",
        ),
    ],
)
def test_body_headings_start_at_h2_and_keep_their_outline_without_gaps(body, html):
    assert render_body(body).html == html


@pytest.mark.parametrize(
    "body",
    [
        "# Titolo",
        "Titolo\n======",
        "<h1>Titolo</h1>",
        "<H1>Titolo</H1>",
        "<h1\n>Titolo</h1>",
        "testo <h1>in linea</h1> testo",
        "> # citato",
        "- # in lista",
        '[textmarker color="E63631"]<h1>x</h1>[/textmarker]',
        "<div><h1>dentro</h1></div>",
    ],
)
def test_the_fragment_never_contains_an_h1(body):
    html = render_body(body).html
    assert "<h1" not in html.lower()
    assert "h1" not in tag_names(html)


# --- links ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "url", "line"),
    [
        ("[x](javascript:alert(1))", "javascript:alert(1)", 1),
        ("[x](JaVaScRiPt:alert(1))", "JaVaScRiPt:alert(1)", 1),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:text/html;base64,PHNjcmlwdD4=", 1),
        ("[x](vbscript:msgbox(1))", "vbscript:msgbox(1)", 1),
        ("Testo.\n\n![foto](javascript:alert(1))", "javascript:alert(1)", 3),
        ("![foto](data:image/svg+xml;base64,AAAA)", "data:image/svg+xml;base64,AAAA", 1),
        ("[x](<javascript:alert(1)>)", "javascript:alert(1)", 1),
        ("<javascript:alert(1)>", "javascript:alert(1)", 1),
        ("Vedi [x].\n\n[x]: javascript:alert(1)", "javascript:alert(1)", 3),
        ("[x](file:///etc/passwd)", "file:///etc/passwd", 1),
    ],
)
def test_dangerous_links_are_removed_with_a_warning(body, url, line):
    rendered = render_body(body)

    parsed = starts(rendered.html)
    assert [tag for tag, _ in parsed if tag in ("a", "img")] == []
    assert all("href" not in attrs and "src" not in attrs for _, attrs in parsed)
    (problem,) = with_code(rendered.problems, "link_removed")
    assert problem.severity is Severity.WARNING
    assert (problem.field, problem.line) == ("body", line)
    assert problem.params["value"] == url


def test_entity_encoded_javascript_link_is_removed():
    rendered = render_body("[x](&#106;avascript:alert(1))")
    assert "a" not in tag_names(rendered.html)
    assert [p.params["value"] for p in with_code(rendered.problems, "link_removed")] == [
        "javascript:alert(1)"
    ]


@pytest.mark.parametrize(
    ("body", "tag", "attribute", "url"),
    [
        ("[x](https://www.comune.sesto.mi.it/)", "a", "href", "https://www.comune.sesto.mi.it/"),
        ("[x](http://x.it/a?b=1)", "a", "href", "http://x.it/a?b=1"),
        ("[x](HTTPS://x.it)", "a", "href", "HTTPS://x.it"),
        ("[x](mailto:redazione@x.it)", "a", "href", "mailto:redazione@x.it"),
        ("[x](/2017/11/articolo/)", "a", "href", "/2017/11/articolo/"),
        ("[x](altro-articolo.html)", "a", "href", "altro-articolo.html"),
        ("[x](../su)", "a", "href", "../su"),
        ("[x](#note)", "a", "href", "#note"),
        ("<https://x.it>", "a", "href", "https://x.it"),
        ('<a href="/media/a.pdf">pdf</a>', "a", "href", "/media/a.pdf"),
        ("![foto](/media/a.jpg)", "img", "src", "/media/a.jpg"),
        ("![foto](media/a.jpg)", "img", "src", "media/a.jpg"),
        ("![foto](https://cdn.x.it/a.jpg)", "img", "src", "https://cdn.x.it/a.jpg"),
    ],
)
def test_allowed_links_are_kept(body, tag, attribute, url):
    rendered = render_body(body)
    assert [attrs.get(attribute) for name, attrs in starts(rendered.html) if name == tag] == [url]
    assert rendered.problems == ()


def test_raw_html_link_with_a_bad_scheme_loses_its_href():
    html = render_body('<a href="javascript:alert(1)">x</a> <img src="vbscript:x" alt="A">').html
    assert all("href" not in attrs and "src" not in attrs for _, attrs in starts(html))
    assert "javascript" not in html
    assert "vbscript" not in html


@pytest.mark.parametrize(
    "body",
    ['<a href="javascript:alert(1)">x</a>', '<img src="data:image/png;base64,AA" alt="A">'],
)
def test_raw_html_link_with_a_bad_scheme_warns(body):
    assert [p.code for p in render_body(body).problems] == ["link_removed"]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://x.it", True),
        ("http://x.it", True),
        ("HTTP://x.it", True),
        ("mailto:a@b.it", True),
        ("/media/a.jpg", True),
        ("media/a.jpg", True),
        ("../a", True),
        ("#frammento", True),
        ("?q=1", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x00javascript:alert(1)", False),
        ("data:text/html,x", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("ftp://x.it", False),
        ("tel:+390212345", False),
    ],
)
def test_is_allowed_url(url, allowed):
    assert is_allowed_url(url) is allowed


# --- raw HTML -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "tag"),
    [
        ("<script>alert(1)</script>", "script"),
        ("Testo <script>alert(1)</script> testo", "script"),
        ("<style>p { color: red }</style>", "style"),
        ('<iframe src="https://x.it"></iframe>', "iframe"),
        ('<object data="x.swf"></object>', "object"),
        ('<embed src="x.swf">', "embed"),
        ('<form action="/x"><button>ok</button></form>', "form"),
        ('<meta http-equiv="refresh" content="0;url=https://x.it">', "meta"),
        ('<link rel="stylesheet" href="x.css">', "link"),
    ],
)
def test_dangerous_html_is_removed_with_a_warning_naming_it(body, tag):
    rendered = render_body(f"Primo.\n\n{body}")

    assert tag not in tag_names(rendered.html)
    assert f"<{tag}" not in rendered.html
    assert "alert(1)" not in rendered.html
    assert "color: red" not in rendered.html
    (problem,) = with_code(rendered.problems, "html_removed")
    assert problem.severity is Severity.WARNING
    assert (problem.field, problem.line) == ("body", 3)
    assert f"<{tag}>" in problem.params["value"]


def test_html_removed_names_every_dropped_tag():
    rendered = render_body('<form action="/x"><input name="q"><button>ok</button></form>')
    (problem,) = with_code(rendered.problems, "html_removed")
    assert problem.params["value"] == "<button>, <form>, <input>"


@pytest.mark.parametrize(
    "body",
    [
        '<p onclick="alert(1)">x</p>',
        'Testo <b onmouseover="alert(1)">x</b>',
        '<img src="/a.jpg" alt="A" onerror="alert(1)">',
        '<a href="https://x.it" ONCLICK="alert(1)">x</a>',
        '<span onfocus = "alert(1)">x</span>',
        '<strong onClick="alert(1)" onLoad="alert(2)">x</strong>',
    ],
)
def test_event_handler_attributes_are_removed(body):
    rendered = render_body(body)
    for _, attrs in starts(rendered.html):
        assert not any(name.startswith("on") for name in attrs), attrs
    assert "alert(" not in rendered.html
    (problem,) = with_code(rendered.problems, "html_removed")
    assert "on…=" in problem.params["value"]


@pytest.mark.parametrize(
    "body",
    [
        '<p style="color:red">x</p>',
        '<span style="background:url(javascript:alert(1))">x</span>',
        'Testo <strong style="font-size:40px">x</strong>',
    ],
)
def test_style_attributes_are_removed_from_editor_html(body):
    html = render_body(body).html
    assert all("style" not in attrs for _, attrs in starts(html))
    assert "x" in html


def test_textmarker_style_survives_while_editor_style_does_not():
    html = render_body(
        '<span style="color:red">a</span> [textmarker color="E63631"]B[/textmarker]'
    ).html
    assert [attrs for tag, attrs in starts(html) if tag == "span"] == [
        {},
        {"class": "textmarker", "style": "color: #E63631"},
    ]


@pytest.mark.parametrize(
    ("body", "html"),
    [
        ("<strong>forte</strong> testo", "<p><strong>forte</strong> testo</p>\n"),
        (
            '<a href="https://x.it" title="T">l</a>',
            '<p><a href="https://x.it" title="T">l</a></p>\n',
        ),
        ("<em>e</em> <sup>1</sup> <sub>2</sub>", "<p><em>e</em> <sup>1</sup> <sub>2</sub></p>\n"),
        ('<abbr title="Comune">C.</abbr>', '<p><abbr title="Comune">C.</abbr></p>\n'),
        ('<img src="/a.jpg" alt="A" width="10">', '<img src="/a.jpg" alt="A" width="10">'),
        ("<blockquote>citato</blockquote>", "<blockquote>citato</blockquote>"),
    ],
)
def test_allowed_html_is_kept(body, html):
    rendered = render_body(body)
    assert rendered.html == html
    assert rendered.problems == ()


def test_html_comments_are_dropped_silently():
    rendered = render_body("<!-- nota interna --> testo")
    assert "nota interna" not in rendered.html
    assert "testo" in rendered.html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>ok</p>", "<p>ok</p>"),
        ("<script>alert(1)</script><p>ok</p>", "<p>ok</p>"),
        ('<p onclick="x" style="color:red" class="c">ok</p>', "<p>ok</p>"),
        ('<a href="javascript:alert(1)">x</a>', "<a>x</a>"),
        ('<a href="https://x.it" target="_blank">x</a>', '<a href="https://x.it">x</a>'),
        ('<code class="language-py">x</code>', '<code class="language-py">x</code>'),
        ("<div><h1>x</h1></div>", "x"),
        ("<b>non chiuso", "<b>non chiuso</b>"),
    ],
)
def test_sanitize(dirty, clean):
    assert sanitize(dirty) == clean


# --- images ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "line"),
    [
        ("![](/media/a.jpg)", 1),
        ("Testo.\n\n![ ](/media/a.jpg)", 3),
        ("Testo.\ncon ![](/media/a.jpg) in linea", 1),
        ("- uno\n- ![](/media/a.jpg)", 2),
    ],
)
def test_image_without_alt_warns(body, line):
    rendered = render_body(body)
    (problem,) = with_code(rendered.problems, "body_image_alt_missing")
    assert problem.severity is Severity.WARNING
    assert (problem.field, problem.line) == ("body", line)
    assert "img" in tag_names(rendered.html)


def test_image_with_alt_does_not_warn():
    rendered = render_body("![Il municipio di Sesto](/media/a.jpg)")
    assert rendered.problems == ()


@pytest.mark.parametrize(
    "body",
    ['<img src="/media/a.jpg">', '[caption]<img src="/media/a.jpg"> Testo[/caption]'],
)
def test_raw_html_image_without_alt_warns(body):
    codes = [p.code for p in render_body(body).problems]
    assert codes == ["body_image_alt_missing"]


# --- purity ---------------------------------------------------------------------------------

MIXED = (
    "# Titolo\n\n[textmarker color=”E63631″]SESTO[/textmarker] – testo [link](javascript:x) "
    '<script>x</script> [gallery ids="1"] ![](a.jpg)\n\n'
    '[caption align="alignright"]<img src="/a.jpg" alt="A"> Foto[/caption]\n\n'
    "```py\n[textmarker]\n```\n"
)


@pytest.mark.parametrize(
    "body", [MIXED, "", "Solo testo.", '[textmarker color="blu"]x[/textmarker] [/caption]']
)
def test_render_body_is_deterministic(body):
    first = render_body(body)
    second = render_body(body)
    assert first == second
    assert first.html == second.html
    assert first.problems == second.problems


def test_render_body_keeps_no_state_between_calls():
    before = render_body(MIXED)
    clean = render_body("[ok](https://x.it)")
    after = render_body(MIXED)
    assert clean.problems == ()
    assert before == after
    assert {p.code for p in before.problems} == {
        "link_removed",
        "html_removed",
        "shortcode_unknown",
        "body_image_alt_missing",
    }


def test_render_body_does_not_mutate_its_registry():
    names = DEFAULT_REGISTRY.names
    render_body(MIXED)
    assert DEFAULT_REGISTRY.names == names


# --- summary --------------------------------------------------------------------------------


def test_summary_of_the_seed_keeps_the_dateline_as_text():
    body = (
        "[textmarker color=”E63631″]SESTO SAN GIOVANNI[/textmarker] – Una nuova favola per i "
        "bambini della città.\n\nSecondo paragrafo."
    )
    assert summary_from_body(body) == (
        "SESTO SAN GIOVANNI – Una nuova favola per i bambini della città."
    )


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        ("Primo *paragrafo* con **grassetto**.\n\nSecondo.", "Primo paragrafo con grassetto."),
        ("Un [collegamento](https://x.it) e `codice`.", "Un collegamento e codice."),
        ("~~Barrato~~ e <b>html</b>.", "Barrato e html."),
        ("Riga uno\nriga due", "Riga uno riga due"),
        ("Riga  \ncon a capo", "Riga con a capo"),
        ("# Titolo\n\nIl testo.", "Il testo."),
        ("![foto](/a.jpg)\n\nIl testo.", "Il testo."),
        ("```\ncodice\n```\n\nIl testo.", "Il testo."),
        ("<div>blocco</div>\n\nIl testo.", "Il testo."),
        ("a &amp; b &egrave;", "a & b è"),
        ("Spazi    multipli\t qui", "Spazi multipli qui"),
        ("[[textmarker]] si scrive così", "[textmarker] si scrive così"),
        ('Un [textmarker color="E63631"]*segno*[/textmarker].', "Un segno."),
        ('Foto: [caption]<img src="/a.jpg" alt="A"> Didascalia[/caption]', "Foto: Didascalia"),
    ],
)
def test_summary_is_the_first_paragraph_as_plain_text(body, summary):
    assert summary_from_body(body) == summary


@pytest.mark.parametrize(
    "body", ["> Citazione iniziale.\n\nTesto.", "- Voce di elenco\n\nTesto.", "1. Primo\n\nTesto."]
)
def test_summary_has_no_block_markers(body):
    summary = summary_from_body(body)
    assert summary
    assert not summary.startswith((">", "-", "1."))


@pytest.mark.parametrize(
    "body", ["", "   \n\n  ", "# Solo titolo", "```\ncodice\n```", "![](a.jpg)", "---"]
)
def test_summary_of_a_body_without_text_is_empty(body):
    assert summary_from_body(body) == ""


@pytest.mark.parametrize("words", [60, 100, 1000])
def test_long_summary_is_shortened_at_a_word(words):
    text = " ".join(f"parola{i}" for i in range(words))

    summary = summary_from_body(text)

    assert len(summary) <= SUMMARY_LENGTH == 300
    assert summary.endswith("…")
    kept = summary[:-1]
    assert text.startswith(kept)
    assert text[len(kept)] == " "  # cut between two words, never inside one
    assert len(kept) > SUMMARY_LENGTH - 20


def test_shortened_summary_drops_trailing_punctuation():
    text = "Sesto, " * 60
    summary = summary_from_body(text)
    assert summary.endswith("Sesto…")
    assert len(summary) <= 300


def test_summary_of_exactly_300_characters_is_kept_whole():
    text = ("abcd " * 60)[:299] + "z"
    assert len(text) == 300
    assert summary_from_body(text) == text


def test_summary_of_301_characters_is_shortened():
    text = "a" * 150 + " " + "b" * 150
    summary = summary_from_body(text)
    assert summary == "a" * 150 + "…"


def test_summary_of_a_single_long_word_is_cut_to_the_limit():
    summary = summary_from_body("x" * 500)
    assert summary == "x" * 299 + "…"


# --- the stored body HTML is versioned (BODY_FORMAT) ----------------------------------------

#: Bodies that use what render_body knows: the samples' and each construct on its own.
_FORMAT_BODIES = (
    "Un paragrafo con **grassetto**, *corsivo*, `codice` e un [link](https://example.org).",
    "## Titolo\n\n### Sotto\n\n- uno\n- due\n\n1. primo\n2. secondo\n\n> citazione",
    '![Foto](media/foto.jpg "Didascalia")\n\n<script>alert(1)</script>\n\n<b onclick="x">b</b>',
    "[textmarker color=red]SESTO SAN GIOVANNI[/textmarker] – Testo.\n\n---\n\n```\nblocco\n```",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\nRiga  \ninterrotta e <https://example.org/auto>.",
)
#: sha256 of every body above and of the samples' bodies, rendered, for BODY_FORMAT "1".
_FORMAT_DIGEST = "50699eef0a5b2940ed42ab8790384cd36f7e0eb267d4732949de8ec431eeb1f7"


def _format_digest() -> str:
    import hashlib

    from rotativa.domain.upload import parse_upload
    from tests.conftest import SAMPLES

    bodies = list(_FORMAT_BODIES)
    for path in sorted((SAMPLES / "articles").iterdir()):
        bodies.append(parse_upload(f"articles/{path.name}", path.read_bytes(), limit=10**7).body)
    rendered = "\n\x00\n".join(render_body(body).html for body in bodies)
    return hashlib.sha256(rendered.encode()).hexdigest()


def test_a_change_to_what_render_body_gives_bumps_the_stored_body_format() -> None:
    # The articles table keeps each body's HTML as validation made it, and pages use it
    # while its BODY_FORMAT is the code's: a renderer, shortcode, sanitiser or pin that
    # renders differently must bump BODY_FORMAT (domain/markdown.py), or a rebuild after
    # the change would still show the old HTML. Then record the new digest here.
    assert (BODY_FORMAT, _format_digest()) == ("1", _FORMAT_DIGEST)
