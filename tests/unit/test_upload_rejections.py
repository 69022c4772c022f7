"""Every way an upload can be wrong, with the message and line the editor will read.

Each row is one bad upload: the catalogue code we expect, the file line it points at,
and a fragment of the Italian message (what the editor actually reads), so a regression
in wording or location fails here.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest

from rotativa.domain.problems import Severity
from rotativa.domain.site import SiteSettings
from rotativa.services.validation import ValidationReport, validate_stream, validate_upload

HEAD = "---\ntitle: Il sindaco inaugura la piazza\nsection: Sport\n"


def md(front: str, body: str = "Testo dell'articolo.\n") -> bytes:
    return f"---\n{front}---\n{body}".encode()


def js(obj: object) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode()


@dataclass(frozen=True)
class Bad:
    id: str
    data: bytes
    code: str
    line: int | None
    says: str
    key: str = "articles/prova.md"
    field: str | None = None


LONG_TITLE = "a" * 201
ALIAS_BOMB = (
    "a: &a [x, x, x, x, x, x, x, x, x]\n"
    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
)
EXPANSION_BOMB = "a: &a [" + ", ".join(["x"] * 600) + "]\nb: &b [" + ", ".join(["*a"] * 19) + "]\n"
DEEP = "title: x\nsection: Sport\nextra: " + "[" * 12 + "]" * 12 + "\n"

CASES = [
    Bad("empty file", b"", "file_empty", None, "il file è vuoto"),
    Bad("only blank lines", b"  \n\n\t\n", "file_empty", None, "il file è vuoto"),
    Bad("no front matter", b"Solo testo\n", "frontmatter_missing", 1, "manca il front matter"),
    Bad("front matter not on line 1", b"\n---\ntitle: x\n---\n", "frontmatter_missing", 1,
        "la prima riga deve essere '---'"),
    Bad("unclosed front matter", b"---\ntitle: x\nsection: Sport\nTesto\n",
        "frontmatter_unclosed", 1, "aggiungi una riga '---'"),
    Bad("unterminated flow list", md("title: [Il sindaco\nsection: Sport\n"), "yaml_syntax", 3,
        "front matter YAML non valido"),
    Bad("bad indentation", md("title: x\n  section: Sport\n"), "yaml_syntax", 3,
        "controlla i due punti"),
    Bad("unquoted colon value", md("title: Ore 10: il sindaco: parla\nsection: Sport\n"),
        "yaml_syntax", 2, "metti tra virgolette"),
    Bad("front matter is a list", md("- title\n- section\n"), "frontmatter_not_mapping", 2,
        "non un elenco"),
    Bad("front matter is text", md("solo una riga\n"), "frontmatter_not_mapping", 2,
        "non un testo"),
    Bad("missing title", md("section: Sport\n"), "missing", None,
        "manca il campo obbligatorio 'title'", field="title"),
    Bad("blank title", md("title: '   '\nsection: Sport\n"), "blank", 2, "'title' è vuoto"),
    Bad("empty title", md("title:\nsection: Sport\n"), "blank", 2,
        "il titolo dell'articolo, da 1 a 200 caratteri"),
    Bad("list as title", md("title: [Uno, Due]\nsection: Sport\n"), "expected_text", 2,
        "'title' deve essere un testo, non un elenco"),
    Bad("mapping as title", md("title:\n  it: Uno\nsection: Sport\n"), "expected_text", 2,
        "non un insieme di campi"),
    Bad("over-long title", md(f"title: {LONG_TITLE}\nsection: Sport\n"), "too_long", 2,
        "201 caratteri, al massimo 200"),
    Bad("bidi override in title", md("title: \"Ciao \u202etxt.exe\"\nsection: Sport\n"),
        "control_characters", 2, "caratteri di controllo"),
    Bad("missing section", md("title: x\n"), "missing", None,
        "manca il campo obbligatorio 'section'"),
    Bad("unknown section", md("title: x\nsection: Milano\n"), "section_unknown", 3,
        "le sezioni del sito sono Sesto San Giovanni, Cinisello Balsamo"),
    Bad("list as section", md("title: x\nsection: [Sport]\n"), "expected_text", 3,
        "'section' deve essere un testo"),
    Bad("mapping as tags", md("title: x\nsection: Sport\ntags:\n  a: 1\n"), "expected_list", 4,
        "'tags' deve essere un elenco"),
    Bad("too many tags", md("title: x\nsection: Sport\ntags: [" +
        ", ".join(f"t{i}" for i in range(21)) + "]\n"), "too_many", 4, "21, al massimo 20"),
    Bad("nested list as tag", md("title: x\nsection: Sport\ntags:\n  - [a]\n"), "expected_text",
        5, "deve essere un testo", field="tags[0]"),
    Bad("over-long tag", md("title: x\nsection: Sport\ntags: [" + "t" * 51 + "]\n"), "too_long",
        4, "51 caratteri, al massimo 50"),
    Bad("tag without letters", md("title: x\nsection: Sport\ntags: ['!!!']\n"),
        "name_without_letters", 4, "non contiene lettere o cifre"),
    Bad("impossible date", md("title: x\nsection: Sport\ndate: 2024-02-30\n"), "date_invalid",
        4, "'2024-02-30' non è una data valida"),
    Bad("date in words", md("title: x\nsection: Sport\ndate: ieri sera\n"), "date_invalid", 4,
        "usa il formato ISO 8601"),
    Bad("year as date", md("title: x\nsection: Sport\ndate: 2024\n"), "date_invalid", 4,
        "'2024' non è una data valida"),
    Bad("year 1", md("title: x\nsection: Sport\ndate: 0001-01-01\n"), "date_out_of_range", 4,
        "dal 1900 al 2199"),
    Bad("year 9999", md("title: x\nsection: Sport\ndate: 9999-12-31T23:59\n"),
        "date_out_of_range", 4, "fuori dall'intervallo"),
    Bad("expiry before publication",
        md("title: x\nsection: Sport\ndate: 2024-05-01\nexpires_at: 2024-04-01\n"),
        "expiry_before_publication", 5, "deve venire dopo la pubblicazione"),
    Bad("path traversal slug", md("title: x\nsection: Sport\nslug: ../../index\n"),
        "slug_invalid", 4, "'../../index' non è uno slug valido"),
    Bad("upper-case slug", md("title: x\nsection: Sport\nslug: Ciao-Mondo\n"), "slug_invalid",
        4, "ad esempio 'ciao-mondo'"),
    Bad("over-long slug", md("title: x\nsection: Sport\nslug: " + "a" * 121 + "\n"),
        "slug_invalid", 4, "da 1 a 120 caratteri"),
    Bad("file name without letters", md("title: x\nsection: Sport\n"), "slug_from_filename",
        None, "dal nome del file '???' non si ricava uno slug", key="articles/???.md"),
    Bad("image without alt",
        md("title: x\nsection: Sport\nimage:\n  src: media/a.jpg\n  caption: Foto\n"),
        "image_alt_missing", 4, "aggiungi 'alt: …' sotto 'image'"),
    Bad("image with blank alt",
        md("title: x\nsection: Sport\nimage: {src: media/a.jpg, alt: ''}\n"),
        "image_alt_missing", 4, "testo alternativo"),
    Bad("image as text", md("title: x\nsection: Sport\nimage: media/a.jpg\n"),
        "expected_mapping", 4, "deve avere i campi src, alt, caption"),
    Bad("javascript image", md("title: x\nsection: Sport\nimage:\n  src: javascript:alert(1)\n"
        "  alt: a\n"), "url_invalid", 5, "'javascript:alert(1)' non è permesso",
        field="image.src"),
    Bad("unknown status", md("title: x\nsection: Sport\nstatus: pubblicato\n"),
        "choice_invalid", 4, "valori ammessi 'published' or 'draft'"),
    Bad("pinned not a boolean", md("title: x\nsection: Sport\npinned: forse\n"),
        "expected_bool", 4, "deve essere true o false"),
    Bad("invalid related slug", md("title: x\nsection: Sport\nrelated: [Un Articolo]\n"),
        "slug_invalid", 4, "'Un Articolo' non è uno slug valido"),
    Bad("javascript alias", md("title: x\nsection: Sport\naliases: ['javascript:alert(1)']\n"),
        "alias_invalid", 4, "scrivi un percorso che inizia con '/'"),
    Bad("traversal alias", md("title: x\nsection: Sport\naliases: [/a/../../etc/passwd]\n"),
        "alias_invalid", 4, "non è un vecchio indirizzo del sito"),
    Bad("mapping as author", md("title: x\nsection: Sport\nauthors:\n  - {nome: Ada}\n"),
        "expected_text", 5, "deve essere un testo", field="authors[0]"),
    Bad("over-long summary", md("title: x\nsection: Sport\nsummary: " + "s" * 501 + "\n"),
        "too_long", 4, "501 caratteri, al massimo 500"),
    Bad("YAML alias bomb", md(ALIAS_BOMB), "yaml_alias_limit", 5, "troppi alias YAML"),
    Bad("YAML expansion bomb", md(EXPANSION_BOMB), "yaml_too_large", 3,
        "si espande in più di 10000 valori"),
    Bad("python object tag",
        md("title: !!python/object/apply:os.system ['echo pwned']\nsection: Sport\n"),
        "yaml_tag", 2, "il tag YAML 'tag:yaml.org,2002:python/object/apply:os.system'"),
    Bad("python name tag", md("title: x\nsection: !!python/name:os.system\n"), "yaml_tag", 3,
        "non è permesso"),
    Bad("local tag", md("title: !custom x\nsection: Sport\n"), "yaml_tag", 2, "'!custom'"),
    Bad("duplicate key", md("title: Uno\nsection: Sport\ntitle: Due\n"), "duplicate_key", 4,
        "il campo 'title' compare più volte (la prima alla riga 2)"),
    Bad("deep nesting", md(DEEP), "too_deep", 4, "annidati oltre 10 livelli"),
    Bad("huge number", md("title: 1" + "0" * 5000 + "\nsection: Sport\n"), "number_too_large",
        2, "troppo grande"),
    Bad("binary file", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file_binary", 3,
        "il file non è testo"),
    Bad("invalid UTF-8", b"---\ntitle: x\nsection: Caf\xe9\n---\n", "file_encoding", 3,
        "non è UTF-8 valido (byte 0xE9)"),
    Bad("UTF-16", "---\ntitle: x\n---\n".encode("utf-16"), "file_utf16", 1,
        "salvalo di nuovo come testo UTF-8"),
    Bad("body over 200 KB", md("title: x\nsection: Sport\n", "parola " * 30_000),
        "body_too_large", None, "oltre il limite di 200 KB"),
    Bad("bad textmarker colour", md("title: x\nsection: Sport\n",
        "Primo paragrafo.\n\n[textmarker color=\"rosso\"]SESTO[/textmarker] – testo\n"),
        "textmarker_color", 7, "il colore 'rosso' di [textmarker] non è valido"),
    Bad("texturized bad colour", md("title: x\nsection: Sport\n",
        "[textmarker color=”blu″]SESTO[/textmarker] – testo\n"), "textmarker_color", 5,
        "usa un colore esadecimale come E63631"),
    Bad("not an article", b"hello", "file_extension", None, "usa .md (Markdown) o .json",
        key="articles/prova.txt"),
    Bad("JSON syntax", b'{\n  "title": "x",\n  "section": "Sport"\n  "body": ""\n}',
        "json_syntax", 4, "JSON non valido", key="articles/prova.json"),
    Bad("JSON array", b'["title", "section"]', "json_not_object", 1, "non un elenco",
        key="articles/prova.json"),
    Bad("JSON body not text", js({"title": "x", "section": "Sport", "body": ["a"]}),
        "expected_text", 4, "'body' deve essere un testo", key="articles/prova.json"),
    Bad("JSON duplicate key", b'{\n"title": "a",\n"section": "Sport",\n"title": "b"\n}',
        "duplicate_key", 4, "la prima alla riga 2", key="articles/prova.json"),
    Bad("JSON missing section", js({"title": "x", "body": "Testo"}), "missing", None,
        "'section'", key="articles/prova.json"),
    Bad("JSON control character in title", js({"title": "a\u0007b", "section": "Sport"}),
        "control_characters", 2, "caratteri di controllo", key="articles/prova.json"),
]  # fmt: skip


def errors_of(report: ValidationReport) -> list[tuple[str, int | None]]:
    return [(p.code, p.line) for p in report.errors]


def test_the_table_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_upload_is_rejected_with_a_located_message(case: Bad, settings: SiteSettings) -> None:
    # WHEN
    report = validate_upload(case.key, case.data, settings)

    # THEN the upload is refused, with our error first among its problems
    assert not report.valid
    assert report.article is None
    assert report.errors, report.problems
    matching = [p for p in report.errors if p.code == case.code]
    assert matching, f"expected {case.code}, got {errors_of(report)}"
    problem = matching[0]
    assert problem.line == case.line, errors_of(report)
    assert case.says in problem.message("it"), problem.message("it")
    if case.field is not None:
        assert problem.field == case.field
    # and the English catalogue has a message for it too
    assert problem.message("en") != problem.message("it")


def test_ten_megabytes_are_refused_before_being_read_whole(settings: SiteSettings) -> None:
    # GIVEN a 10 MB upload behind a stream that counts what is read from it
    class CountingStream(io.BytesIO):
        read_total = 0

        def read(self, size: int | None = -1) -> bytes:
            chunk = super().read(size)
            CountingStream.read_total += len(chunk)
            return chunk

    stream = CountingStream(b"---\ntitle: x\nsection: Sport\n---\n" + b"a" * 10_000_000)

    # WHEN
    report = validate_stream("articles/enorme.md", stream, settings)

    # THEN it is refused, having read no more than the limit and one byte
    assert [p.code for p in report.errors] == ["file_too_large"]
    assert "supera il limite di 1 MB" in report.errors[0].message("it")
    assert CountingStream.read_total <= settings.max_upload_bytes + 1


def test_all_errors_of_a_file_are_reported_together(settings: SiteSettings) -> None:
    data = md("title: [x]\nsection: Milano\ndate: domani\nslug: A B\n")
    report = validate_upload("articles/prova.md", data, settings)
    assert sorted(errors_of(report)) == [
        ("date_invalid", 4),
        ("expected_text", 2),
        ("section_unknown", 3),
        ("slug_invalid", 5),
    ]
    # sorted by line, as an editor reads the file
    assert [p.line for p in report.problems] == sorted(p.line or 0 for p in report.problems)


def test_warnings_alone_do_not_reject(settings: SiteSettings) -> None:
    data = md("title: x\nsection: Sport\ntitel: y\ntags: [Calcio, calcio]\n", "[gallery]\n")
    report = validate_upload("articles/prova.md", data, settings)
    assert report.valid
    assert {(p.code, p.line) for p in report.problems} == {
        ("unknown_field", 4),
        ("tag_duplicate", 5),
        ("shortcode_unknown", 7),
    }
    assert all(p.severity is Severity.WARNING for p in report.problems)
    unknown = next(p for p in report.problems if p.code == "unknown_field")
    assert "forse 'title'?" in unknown.message("it")
    assert "did you mean 'title'?" in unknown.message("en")
