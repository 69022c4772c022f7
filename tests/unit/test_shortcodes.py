"""WordPress-compatible shortcodes: grammar, the two shortcodes we render, and the warnings.

The expected behaviour is WordPress's own (wp-includes/shortcodes.php: get_shortcode_regex,
shortcode_parse_atts, do_shortcode_tag) and its Shortcode API documentation.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from rotativa.domain.markdown import render_body
from rotativa.domain.problems import Problem, Severity
from rotativa.domain.shortcodes import (
    DEFAULT_REGISTRY,
    Caption,
    ShortcodeCall,
    ShortcodeError,
    ShortcodeRegistry,
    Textmarker,
    find_shortcodes,
    find_unknown_names,
    normalize_quotes,
    parse_attributes,
    shortcode_pattern,
)

PATTERN = shortcode_pattern(["textmarker", "caption"])
SPAN = '<span class="textmarker" style="color: #E63631">'
IMAGE = '<img src="/media/a.jpg" alt="A">'


# --- helpers --------------------------------------------------------------------------------


class _Tags(HTMLParser):
    """Every start tag with its attributes, the tags enclosing it, and the text by tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict[str, str | None], tuple[str, ...]]] = []
        self.text: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.starts.append((tag, dict(attrs), tuple(self.stack)))
        if tag != "img":
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            del self.stack[len(self.stack) - 1 - self.stack[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        for tag in self.stack:
            self.text[tag] = self.text.get(tag, "") + data


def tags(html: str) -> _Tags:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser


def only_call(text: str) -> ShortcodeCall:
    calls = find_shortcodes(text, PATTERN)
    assert len(calls) == 1, calls
    return calls[0]


def only_problem(problems: tuple[Problem, ...], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def call(name: str, content: str | None, **attributes: str) -> ShortcodeCall:
    return ShortcodeCall(name, attributes, (), content, 0, 0, f"[{name}]")


# --- shortcode_parse_atts() -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "named", "positional"),
    [
        (' color="E63631"', {"color": "E63631"}, ()),
        (" color='E63631'", {"color": "E63631"}, ()),
        (" color=E63631", {"color": "E63631"}, ()),
        (' "E63631"', {}, ("E63631",)),
        (" 'E63631'", {}, ("E63631",)),
        (" E63631", {}, ("E63631",)),
        (" a=\"x\" b='y' c=z \"p1\" 'p2' p3", {"a": "x", "b": "y", "c": "z"}, ("p1", "p2", "p3")),
        (' caption="Due parole"', {"caption": "Due parole"}, ()),
        (' caption="l\'altro"', {"caption": "l'altro"}, ()),
        (" caption='detto \"così\"'", {"caption": 'detto "così"'}, ()),
        (' caption=""', {"caption": ""}, ()),
        (' data-id="7"', {"data-id": "7"}, ()),
        (" url=https://x.it/a?b=1&c=2", {"url": "https://x.it/a?b=1&c=2"}, ()),
        ("", {}, ()),
    ],
)
def test_attribute_forms(text, named, positional):
    assert parse_attributes(text) == (named, positional)


@pytest.mark.parametrize(
    "text",
    [' COLOR="E63631"', ' Color="E63631"', ' cOlOr="E63631"', " COLOR=E63631", " COLOR='E63631'"],
)
def test_attribute_names_are_lower_cased(text):
    assert parse_attributes(text) == ({"color": "E63631"}, ())


def test_attribute_values_keep_their_case():
    assert parse_attributes(' Caption="Sesto San Giovanni"')[0] == {"caption": "Sesto San Giovanni"}


@pytest.mark.parametrize(
    "text",
    [
        'color="E63631" align="alignright"',
        '  color = "E63631"   align =  "alignright"  ',
        'color=\t"E63631"\talign="alignright"',
        'color="E63631"\nalign="alignright"\n',
        "color\u00a0=\u00a0\"E63631\"\u00a0align='alignright'",
        'color="E63631"\u200balign="alignright"',
        'color="E63631"\u00a0\u200b\u00a0align=alignright',
    ],
    ids=["single-spaces", "padded", "tabs", "newlines", "nbsp", "zwsp", "mixed"],
)
def test_whitespace_variants_and_invisible_spaces(text):
    assert parse_attributes(text) == ({"color": "E63631", "align": "alignright"}, ())


def test_later_duplicate_attribute_wins():
    # WordPress fills an array by name, so the last value is the one that stays.
    assert parse_attributes(' color="111111" color="222222"')[0] == {"color": "222222"}


# --- texturized quotes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typographic", "plain"),
    [
        ("”", '"'),
        ("“", '"'),
        ("″", '"'),
        ("„", '"'),
        ("&#8221;", '"'),
        ("&#8220;", '"'),
        ("&#8243;", '"'),
        ("&rdquo;", '"'),
        ("&quot;", '"'),
        ("’", "'"),
        ("‘", "'"),
        ("′", "'"),
        ("&#8217;", "'"),
        ("&#8216;", "'"),
        ("&#8242;", "'"),
        ("&#039;", "'"),
    ],
)
def test_normalize_quotes(typographic, plain):
    assert normalize_quotes(f"a{typographic}b") == f"a{plain}b"


def test_normalize_quotes_leaves_other_text_alone():
    text = 'color="E63631" l\'altro & <b>'
    assert normalize_quotes(text) == text


@pytest.mark.parametrize(
    "attributes",
    [
        " color=”E63631″",
        " color=“E63631”",
        " color=‘E63631’",
        " color=′E63631′",
        " color=’E63631’",
        " color=&#8221;E63631&#8243;",
        " color=&#8220;E63631&#8221;",
        " color=&#8216;E63631&#8217;",
    ],
)
def test_texturized_quotes_are_read_as_plain_quotes(attributes):
    assert parse_attributes(attributes) == ({"color": "E63631"}, ())


@pytest.mark.parametrize(
    "opening",
    [
        "[textmarker color=”E63631″]",
        "[textmarker color=“E63631”]",
        "[textmarker color=‘E63631’]",
        "[textmarker color=′E63631′]",
        "[textmarker color=&#8221;E63631&#8243;]",
        "[textmarker color=&#8220;E63631&#8221;]",
    ],
)
def test_texturized_quotes_render_the_textmarker(opening):
    rendered = render_body(f"{opening}SESTO[/textmarker] – testo")
    assert rendered.html.startswith(f"<p>{SPAN}SESTO</span> – testo</p>")
    assert rendered.problems == ()


# --- get_shortcode_regex() ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "attributes", "content"),
    [
        ("[textmarker /]", {}, None),
        ("[textmarker/]", {}, None),
        ('[textmarker color="E63631" /]', {"color": "E63631"}, None),
        ('[textmarker color="E63631"/]', {"color": "E63631"}, None),
        ("[textmarker]x[/textmarker]", {}, "x"),
        ('[textmarker color="E63631"]SESTO[/textmarker]', {"color": "E63631"}, "SESTO"),
        ("[textmarker][/textmarker]", {}, ""),
        ("[textmarker]una\nriga[/textmarker]", {}, "una\nriga"),
        ("[textmarker]a [b] c[/textmarker]", {}, "a [b] c"),
        ('[textmarker url="http://x.it/a/b"]x[/textmarker]', {"url": "http://x.it/a/b"}, "x"),
    ],
)
def test_self_closing_and_enclosing_forms(text, attributes, content):
    found = only_call(text)
    assert found.name == "textmarker"
    assert dict(found.attributes) == attributes
    assert found.content == content
    assert not found.escaped
    assert (found.start, found.end, found.source) == (0, len(text), text)


@pytest.mark.parametrize(
    "text", ["[textmarker]", '[textmarker color="E63631"]', "[caption align=alignright]"]
)
def test_a_name_alone_is_self_closing(text):
    found = only_call(f"prima {text} dopo")
    assert found.content is None
    assert found.source == text
    assert found.start == len("prima ")


def test_enclosing_form_closes_at_the_first_closing_tag():
    text = "[textmarker]a[/textmarker] e [textmarker]b[/textmarker]"
    calls = find_shortcodes(text, PATTERN)
    assert [c.content for c in calls] == ["a", "b"]
    assert [(c.start, c.end) for c in calls] == [(0, 26), (29, 55)]


def test_closing_tag_of_another_name_does_not_close():
    found = only_call("[textmarker]a[/caption] b[/textmarker]")
    assert found.content == "a[/caption] b"


@pytest.mark.parametrize(
    ("text", "source", "content"),
    [
        ("[[textmarker]]", "[[textmarker]]", None),
        ("[[textmarker /]]", "[[textmarker /]]", None),
        ('[[textmarker color="E63631"]x[/textmarker]]', None, "x"),
        ("a [[caption]] b", "[[caption]]", None),
    ],
)
def test_doubled_brackets_escape(text, source, content):
    found = only_call(text)
    assert found.escaped
    assert found.content == content
    if source is not None:
        assert found.source == source


@pytest.mark.parametrize(
    ("body", "literal"),
    [
        ("[[textmarker]]", "[textmarker]"),
        ("[[textmarker /]]", "[textmarker /]"),
        (
            '[[textmarker color="E63631"]SESTO[/textmarker]]',
            '[textmarker color="E63631"]SESTO[/textmarker]',
        ),
        ("[[caption]]", "[caption]"),
    ],
)
def test_escaped_shortcodes_render_literally_with_one_bracket_pair_removed(body, literal):
    rendered = render_body(f"Si scrive {body} così.")
    assert rendered.html == f"<p>Si scrive {literal} così.</p>\n"
    assert rendered.problems == ()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('[[textmarker color="E63631"]x[/textmarker]', f"<p>[{SPAN}x</span></p>\n"),
        ('[textmarker color="E63631"]x[/textmarker]]', f"<p>{SPAN}x</span>]</p>\n"),
    ],
    ids=["leading", "trailing"],
)
def test_a_single_extra_bracket_is_kept_around_the_rendering(body, expected):
    assert render_body(body).html == expected


@pytest.mark.parametrize(
    "text",
    [
        "[textmarker-x]",
        "[textmarker-x]a[/textmarker-x]",
        "[textmarkerx]",
        "[textmarker_x]",
        "[textmarker2]",
        '[textmarker-old color="E63631"]a[/textmarker-old]',
        "[captions]",
        "[TEXTMARKER]a[/TEXTMARKER]",
    ],
)
def test_a_name_followed_by_a_hyphen_or_word_character_is_another_shortcode(text):
    assert find_shortcodes(text, PATTERN) == []


def test_longer_names_are_tried_first():
    pattern = shortcode_pattern(["tm", "tmx"])
    assert [c.name for c in find_shortcodes("[tm] [tmx]", pattern)] == ["tm", "tmx"]


def test_hyphenated_sibling_does_not_render_as_the_textmarker():
    rendered = render_body('[textmarker-x color="E63631"]a[/textmarker-x]')
    assert "textmarker" not in "".join(
        (attrs.get("class") or "") for _, attrs, _ in tags(rendered.html).starts
    )
    assert '[textmarker-x color="E63631"]a[/textmarker-x]' in rendered.html


# --- the seed case --------------------------------------------------------------------------

SEED = (
    "[textmarker color=”E63631″]SESTO SAN GIOVANNI[/textmarker] – Una nuova favola per i "
    "bambini della città.\n\nSecondo paragrafo."
)


def test_seed_dateline_renders_as_a_coloured_span_in_the_first_paragraph():
    rendered = render_body(SEED)

    first_paragraph = rendered.html.split("</p>", 1)[0]
    assert first_paragraph == (
        f"<p>{SPAN}SESTO SAN GIOVANNI</span> – Una nuova favola per i bambini della città."
    )
    assert "<p>Secondo paragrafo.</p>" in rendered.html
    assert rendered.problems == ()


def test_seed_span_sits_inside_the_paragraph():
    spans = [
        (a, parents) for tag, a, parents in tags(render_body(SEED).html).starts if tag == "span"
    ]
    assert spans == [({"class": "textmarker", "style": "color: #E63631"}, ("p",))]


# --- [textmarker] ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("colour", "style"),
    [
        ("E63631", "#E63631"),
        ("#E63631", "#E63631"),
        ("e63631", "#E63631"),
        ("#e63631", "#E63631"),
        ("fff", "#FFF"),
        ("#Fa0", "#FA0"),
        (" E63631 ", "#E63631"),
    ],
)
def test_textmarker_accepts_hex_colours(colour, style):
    rendered = render_body(f'[textmarker color="{colour}"]X[/textmarker]')
    assert rendered.html == (f'<p><span class="textmarker" style="color: {style}">X</span></p>\n')
    assert rendered.problems == ()


@pytest.mark.parametrize(
    "opening",
    ["[textmarker color=#e63631]", "[textmarker color=E63631]", '[textmarker "E63631"]'],
    ids=["unquoted-hash", "unquoted", "positional"],
)
def test_textmarker_colour_unquoted_or_positional(opening):
    assert render_body(f"{opening}X[/textmarker]").html == f"<p>{SPAN}X</span></p>\n"


@pytest.mark.parametrize(
    "colour",
    ["blu", "#GGGGGG", "E6363", "E636311", "#12", "red; background:url(x)", "E63631;", ""],
)
def test_textmarker_rejects_a_bad_colour_with_an_error_on_its_line(colour):
    body = f'Prima riga.\n\nSeconda, poi [textmarker color="{colour}"]X[/textmarker] resto.'

    rendered = render_body(body)

    problem = only_problem(rendered.problems, "textmarker_color")
    assert problem.severity is Severity.ERROR
    assert (problem.field, problem.line) == ("body", 3)
    assert problem.params["value"] == colour
    starts = tags(rendered.html).starts
    assert all("style" not in attrs for _, attrs, _ in starts)
    assert all(tag != "span" for tag, _, _ in starts)
    # the shortcode stays visible so the editor sees what was not understood
    assert f'[textmarker color="{colour}"]X[/textmarker]' in rendered.html


def test_textmarker_colour_error_line_counts_soft_line_breaks():
    rendered = render_body('uno\ndue\ntre [textmarker color="blu"]X[/textmarker]')
    assert only_problem(rendered.problems, "textmarker_color").line == 3


@pytest.mark.parametrize(
    "body",
    ["[textmarker]X[/textmarker]", '[textmarker align="left"]X[/textmarker]'],
)
def test_textmarker_without_colour_is_an_error(body):
    rendered = render_body(f"Riga.\n{body}")
    problem = only_problem(rendered.problems, "textmarker_color_missing")
    assert problem.severity is Severity.ERROR
    assert (problem.field, problem.line) == ("body", 2)
    assert "<span" not in rendered.html


def test_textmarker_without_content_warns_unclosed():
    rendered = render_body('[textmarker color="E63631"] SESTO')
    problem = only_problem(rendered.problems, "shortcode_unclosed")
    assert problem.severity is Severity.WARNING
    assert problem.params["name"] == "textmarker"


@pytest.mark.parametrize(
    ("content", "inner"),
    [
        ("*x*", "<em>x</em>"),
        ("**x**", "<strong>x</strong>"),
        ("`x`", "<code>x</code>"),
        ("[x](https://x.it)", '<a href="https://x.it">x</a>'),
        ("a < b", "a &lt; b"),
        ("a & b", "a &amp; b"),
    ],
)
def test_textmarker_content_is_inline_markdown(content, inner):
    html = render_body(f'[textmarker color="E63631"]{content}[/textmarker]').html
    assert html == f"<p>{SPAN}{inner}</span></p>\n"


@pytest.mark.parametrize(
    "content",
    [
        "X<script>alert(1)</script>",
        'X<img src="/a.jpg" alt="A" onerror="alert(1)">',
        "X</span><script>alert(1)</script>",
        'X" onmouseover="alert(1)',
        "X<style>p{}</style>",
    ],
)
def test_textmarker_content_is_sanitised(content):
    html = render_body(f'[textmarker color="E63631"]{content}[/textmarker]').html
    parsed = tags(html)
    assert [tag for tag, _, _ in parsed.starts if tag in ("script", "style")] == []
    assert "<script" not in html
    assert "alert(1)</script>" not in html
    for tag, attrs, _ in parsed.starts:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "span":
            assert attrs == {"class": "textmarker", "style": "color: #E63631"}
    assert parsed.text["span"].startswith("X")


def test_textmarker_content_quotes_and_angle_brackets_stay_text():
    html = render_body('[textmarker color="E63631"]"a" < b[/textmarker]').html
    assert "&lt; b" in html
    assert tags(html).text["span"] == '"a" < b'


def test_textmarker_render_directly():
    span = Textmarker().render(call("textmarker", "x", color="e63"), "<em>x</em>")
    assert span == '<span class="textmarker" style="color: #E63"><em>x</em></span>'


def test_textmarker_render_raises_catalogue_codes():
    with pytest.raises(ShortcodeError) as missing:
        Textmarker().render(call("textmarker", "x"), "x")
    with pytest.raises(ShortcodeError) as bad:
        Textmarker().render(call("textmarker", "x", color="blu"), "x")
    assert missing.value.code == "textmarker_color_missing"
    assert (bad.value.code, bad.value.params) == ("textmarker_color", {"value": "blu"})


# --- [caption] ------------------------------------------------------------------------------

CAPTION = f'[caption align="alignright"]{IMAGE} Testo[/caption]'
FIGURE = f'<figure class="wp-caption alignright">{IMAGE}<figcaption>Testo</figcaption></figure>'


def test_caption_renders_a_figure_not_wrapped_in_a_paragraph():
    rendered = render_body(CAPTION)
    assert rendered.html.strip() == FIGURE
    assert "<p" not in rendered.html
    assert rendered.problems == ()


def test_caption_between_paragraphs():
    rendered = render_body(f"Prima.\n\n{CAPTION}\n\nDopo.")
    assert rendered.html == f"<p>Prima.</p>\n{FIGURE}\n<p>Dopo.</p>\n"


@pytest.mark.parametrize(
    "body",
    [f"Testo {CAPTION} dopo.", f"{CAPTION}\nTesto dopo.", f"Testo prima.\n{CAPTION}"],
    ids=["mid-paragraph", "paragraph-after", "paragraph-before"],
)
def test_caption_is_never_inside_a_paragraph(body):
    rendered = render_body(body)
    figures = [parents for tag, _, parents in tags(rendered.html).starts if tag == "figure"]
    assert figures == [()]
    assert FIGURE in rendered.html
    assert "<p></p>" not in rendered.html


def test_consecutive_captions_leave_no_empty_paragraph():
    html = render_body(f"{CAPTION}\n{CAPTION}").html
    assert html.replace("\n", "") == FIGURE + FIGURE


@pytest.mark.parametrize(
    ("align", "classes"),
    [
        ("alignleft", "wp-caption alignleft"),
        ("alignright", "wp-caption alignright"),
        ("aligncenter", "wp-caption aligncenter"),
        ("alignnone", "wp-caption alignnone"),
        ("alignjustify", "wp-caption"),
        ("left", "wp-caption"),
        ("alignright onclick=alert(1)", "wp-caption"),
        ("alignright evil", "wp-caption"),
    ],
)
def test_caption_alignment(align, classes):
    html = render_body(f'[caption align="{align}"]{IMAGE} Testo[/caption]').html
    figures = [attrs for tag, attrs, _ in tags(html).starts if tag == "figure"]
    assert figures == [{"class": classes}]


def test_caption_without_align_is_alignnone():
    html = render_body(f"[caption]{IMAGE} Testo[/caption]").html
    assert html.startswith('<figure class="wp-caption alignnone">')


@pytest.mark.parametrize(
    ("content", "image"),
    [
        (
            f'<a href="/media/a-big.jpg">{IMAGE}</a> Testo',
            f'<a href="/media/a-big.jpg">{IMAGE}</a>',
        ),
        ("![A](/media/a.jpg) Testo", IMAGE),
    ],
    ids=["linked-image", "markdown-image"],
)
def test_caption_image_forms(content, image):
    html = render_body(f"[caption]{content}[/caption]").html
    assert html.strip() == (
        f'<figure class="wp-caption alignnone">{image}<figcaption>Testo</figcaption></figure>'
    )


def test_caption_without_text_has_no_figcaption():
    html = render_body(f"[caption]{IMAGE}[/caption]").html
    assert html.strip() == f'<figure class="wp-caption alignnone">{IMAGE}</figure>'


def test_caption_text_is_rendered_and_sanitised():
    html = render_body(
        f"[caption]{IMAGE} Foto di *Mario* <script>x()</script>"
        f'[textmarker color="E63631"]SESTO[/textmarker][/caption]'
    ).html
    assert f"<figcaption>Foto di <em>Mario</em> {SPAN}SESTO</span></figcaption>" in html
    assert "script" not in html


@pytest.mark.parametrize(
    "content",
    ["Solo testo", "", "Testo prima " + IMAGE, '<a href="/x">link</a> testo'],
)
def test_caption_without_image_is_an_error(content):
    rendered = render_body(f"Primo.\n\n[caption]{content}[/caption]")
    problem = only_problem(rendered.problems, "caption_without_image")
    assert problem.severity is Severity.ERROR
    assert (problem.field, problem.line) == ("body", 3)
    assert "<figure" not in rendered.html
    assert "[caption]" in rendered.html


def test_caption_attribute_overrides_the_text_and_is_escaped():
    rendered = render_body(f'[caption caption="<b>Nuovo</b> & co"]{IMAGE} Vecchio[/caption]')
    assert "<figcaption>&lt;b&gt;Nuovo&lt;/b&gt; &amp; co</figcaption>" in rendered.html
    assert "Vecchio" not in rendered.html
    assert "<b>" not in rendered.html


def test_caption_attribute_with_texturized_quotes():
    html = render_body(f"[caption caption=”Il sindaco″]{IMAGE} Vecchio[/caption]").html
    assert "<figcaption>Il sindaco</figcaption>" in html


def test_caption_image_attributes_are_sanitised():
    rendered = render_body(
        '[caption]<img src="javascript:alert(1)" alt="A" onerror="alert(1)"> T[/caption]'
    )
    images = [attrs for tag, attrs, _ in tags(rendered.html).starts if tag == "img"]
    assert images == [{"alt": "A"}]


def test_caption_render_directly():
    figure = Caption().render(call("caption", "x", align="aligncenter"), f"{IMAGE} Testo")
    assert figure == (
        f'<figure class="wp-caption aligncenter">{IMAGE}<figcaption>Testo</figcaption></figure>'
    )
    with pytest.raises(ShortcodeError) as exc:
        Caption().render(call("caption", "x"), "Testo")
    assert exc.value.code == "caption_without_image"


# --- unknown shortcodes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "name", "line", "literal"),
    [
        ('[gallery ids="1,2"]', "gallery", 1, '[gallery ids="1,2"]'),
        ('Testo.\n\n[gallery ids="1,2"]\n\nAltro.', "gallery", 3, '[gallery ids="1,2"]'),
        ("Uno\ndue\n[embed]https://x.it/v[/embed]", "embed", 3, "[embed]https://x.it/v[/embed]"),
        ("Guarda [video] qui.", "video", 1, "[video]"),
        ("a\n\nb\n\n[contact-form-7 id=3]", "contact-form-7", 5, "[contact-form-7 id=3]"),
        ("[gallery/]", "gallery", 1, "[gallery/]"),
        ("[Gallery ids=1]", "Gallery", 1, "[Gallery ids=1]"),
    ],
)
def test_unknown_shortcode_stays_as_text_with_a_warning(body, name, line, literal):
    rendered = render_body(body)

    problem = only_problem(rendered.problems, "shortcode_unknown")
    assert problem.severity is Severity.WARNING
    assert (problem.field, problem.line) == ("body", line)
    assert problem.params["name"] == name
    assert "[caption]" in problem.params["accepted"]
    assert "[textmarker]" in problem.params["accepted"]
    assert literal in rendered.html


def test_each_unknown_shortcode_warns_on_its_own_line():
    rendered = render_body('[gallery ids="1"]\n\n[embed]x[/embed]\n\n[audio src="a.mp3"]')
    assert [(p.params["name"], p.line) for p in rendered.problems] == [
        ("gallery", 1),
        ("embed", 3),
        ("audio", 5),
    ]


def test_unknown_shortcode_inside_a_known_one_warns_on_its_line():
    rendered = render_body('Riga.\n\n[textmarker color="E63631"]A\n[gallery id=1][/textmarker]')
    assert [(p.code, p.line) for p in rendered.problems] == [("shortcode_unknown", 4)]


@pytest.mark.parametrize(
    "body",
    [
        "Vedi [testo](https://x.it).",
        "Vedi [testo](/media/a.jpg 'titolo').",
        "Vedi ![foto](/media/a.jpg).",
        "Vedi [testo][].\n\n[testo]: https://x.it",
        "[b]: https://x.it",
        "Cito [sic] e [Foto] e [ndr] e [Omissis] e [...] e [1].",
        "Un elenco [A] [B] [C].",
        "Vedi [a][b].\n\n[b]: https://y.it",
        "Vedi [b].\n\n[b]: https://y.it",
        "Vedi [Foto di Mario Rossi].",
    ],
)
def test_markdown_links_and_bracketed_prose_do_not_warn(body):
    assert [p for p in render_body(body).problems if p.code == "shortcode_unknown"] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[gallery ids="1,2"]', [("gallery", 0)]),
        ("a [embed]x[/embed]", [("embed", 2)]),
        ('[textmarker color="E63631"]x[/textmarker]', []),
        ("[caption]x[/caption]", []),
        ("[testo](https://x.it)", []),
        ("[testo]: https://x.it", []),
        ("[sic] [Foto] [NdR]", []),
        ("[[gallery]]", []),
        ("[gallery-x] [foo_bar id=1]", [("gallery-x", 0), ("foo_bar", 12)]),
    ],
)
def test_find_unknown_names(text, expected):
    assert find_unknown_names(text, ["textmarker", "caption"]) == expected


# --- code is literal ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "literal"),
    [
        (
            'Scrivi `[textmarker color="E63631"]X[/textmarker]` così.',
            '[textmarker color="E63631"]X[/textmarker]',
        ),
        ("Scrivi ``[gallery ids=`1`]`` così.", "[gallery ids=`1`]"),
        (
            '```\n[textmarker color="E63631"]X[/textmarker]\n```',
            '[textmarker color="E63631"]X[/textmarker]',
        ),
        (
            '~~~html\n[caption]x[/caption] [gallery id="1"]\n~~~',
            '[caption]x[/caption] [gallery id="1"]',
        ),
        ("Testo.\n\n    [embed]x[/embed] [/textmarker]\n", "[embed]x[/embed] [/textmarker]"),
        ('`[textmarker color="blu"]`', '[textmarker color="blu"]'),
    ],
    ids=["span", "double-backtick-span", "fence", "tilde-fence", "indented", "bad-colour-in-span"],
)
def test_shortcodes_in_code_stay_literal(body, literal):
    rendered = render_body(body)
    parsed = tags(rendered.html)
    assert "span" not in [tag for tag, _, _ in parsed.starts]
    assert "figure" not in [tag for tag, _, _ in parsed.starts]
    assert parsed.text["code"].strip() == literal
    assert rendered.problems == ()


def test_code_does_not_hide_a_shortcode_outside_it():
    rendered = render_body('`[gallery]` e [textmarker color="E63631"]X[/textmarker]')
    assert rendered.html == f"<p><code>[gallery]</code> e {SPAN}X</span></p>\n"
    assert rendered.problems == ()


# --- stray closing tags ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "name", "line"),
    [
        ("x [/textmarker] y", "textmarker", 1),
        ("Riga.\n\nTesto[/caption]", "caption", 3),
        ('[textmarker color="E63631"]X[/textmarker] y\n[/textmarker]', "textmarker", 2),
    ],
)
def test_stray_closing_tag_warns(body, name, line):
    rendered = render_body(body)
    problem = only_problem(rendered.problems, "shortcode_stray_close")
    assert problem.severity is Severity.WARNING
    assert (problem.field, problem.line) == ("body", line)
    assert problem.params["name"] == name
    assert f"[/{name}]" in rendered.html


def test_a_matched_closing_tag_is_not_stray():
    assert render_body('[textmarker color="E63631"]X[/textmarker]').problems == ()


# --- ShortcodeRegistry.strip ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[textmarker color=”E63631″]SESTO SAN GIOVANNI[/textmarker] – Una favola",
            "SESTO SAN GIOVANNI – Una favola",
        ),
        ("a [textmarker/] b", "a  b"),
        ("a [textmarker color=E63631] b", "a  b"),
        (f"[caption]{IMAGE} Testo[/caption]", f"{IMAGE} Testo"),
        ('[caption]x [textmarker color="E63631"]y[/textmarker][/caption]', "x y"),
        ("[[textmarker]] e [[caption]x[/caption]]", "[textmarker] e [caption]x[/caption]"),
        ('[gallery ids="1"] resta', '[gallery ids="1"] resta'),
        ("[textmarker-x]a[/textmarker-x]", "[textmarker-x]a[/textmarker-x]"),
        ("", ""),
    ],
)
def test_strip_keeps_the_content(text, expected):
    assert DEFAULT_REGISTRY.strip(text) == expected


def test_strip_with_keep_callback():
    text = 'a [textmarker color="E63631"]X[/textmarker] b [[caption]]'
    kept = DEFAULT_REGISTRY.strip(text, keep=lambda c: f"<{c.name}:{c.content}>")
    assert kept == "a <textmarker:X> b [caption]"


def test_registry_names_and_custom_registry():
    assert DEFAULT_REGISTRY.names == ("caption", "textmarker")
    only_textmarker = ShortcodeRegistry.of(Textmarker())
    rendered = render_body(f"[caption]{IMAGE} T[/caption]", only_textmarker)
    assert "<figure" not in rendered.html
    assert [p.code for p in rendered.problems] == ["shortcode_unknown"]
