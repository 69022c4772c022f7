"""Rebuild in process, from a folder indexed into the table's in-memory twin: every page
named, rendered once, no AWS."""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path, PurePath

import pytest

from rotativa.adapters.folder import FolderBucket, FolderInbox, page_file, read_upload
from rotativa.adapters.memory import MemoryTable
from rotativa.domain.inbox import FileUpload
from rotativa.domain.pages import ListingId, ListingKind, PageKind, PageRef
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import Rebuild, fan_out, index_uploads, site_pages
from rotativa_tools.cli import main
from rotativa_tools.cli.rebuild import ProgressBar, load_folder
from rotativa_tools.local.preview import published_folder
from tests.conftest import SAMPLES

NOW = datetime(2024, 5, 3, tzinfo=UTC)


@pytest.fixture
def memory(settings: SiteSettings) -> MemoryTable:
    table, invalid = load_folder(SAMPLES / "articles", settings, NOW)
    assert invalid == []
    return table


def test_every_page_of_the_site_is_named_once(memory: MemoryTable, settings: SiteSettings) -> None:
    refs = site_pages(memory, settings)

    assert len(refs) == len(set(refs))
    articles = [r for r in refs if r.kind is PageKind.ARTICLE]
    assert len(articles) == 26  # every sample is published
    sport = ListingId(ListingKind.SECTION, "sport")
    assert PageRef.listing(sport, 0) in refs  # the front and the stable bucket
    assert PageRef.listing(sport, 1) in refs
    assert PageRef.listing(sport, 2) not in refs
    assert PageRef.feed() in refs
    assert PageRef.feed(sport) in refs
    assert PageRef.feed(ListingId(ListingKind.AUTHOR, "chiara-colombo")) in refs
    site_made = (
        PageKind.HOME,
        PageKind.NOT_FOUND,
        PageKind.ASSETS,
        PageKind.SITEMAP_INDEX,
        PageKind.NEWS_SITEMAP,
        PageKind.FRONTS_SITEMAP,
        PageKind.ROBOTS,
    )
    for kind in site_made:
        assert PageRef.of(kind) in refs


def test_slices_read_like_the_table(memory: MemoryTable) -> None:
    listing = ListingId(ListingKind.SECTION, "sesto-san-giovanni")
    newest = memory.members(listing)
    assert memory.count(listing) == len(newest) == 7
    assert [t.date for t in newest] == sorted((t.date for t in newest), reverse=True)
    assert memory.slice(listing, skip_newest=1, take=2) == newest[1:3]
    # newest_first=False skips the oldest, and still answers newest first
    assert memory.slice(listing, skip_newest=1, take=2, newest_first=False) == newest[-3:-1]
    assert memory.slice(listing, skip_newest=10, take=5) == []
    assert memory.months() == ["2024-05", "2024-04"]


def test_related_boxes_keep_pinned_slugs_first_and_never_the_article(memory: MemoryTable) -> None:
    key = "articles/cologno-casa-di-comunita-inaugurazione.md"
    box = memory.related(key)
    assert 1 <= len(box) <= 5
    assert key not in box
    for stored_key in box:
        assert memory.get(stored_key) is not None
    pinned = {
        a.key: a.article.related for a in memory.articles() if a.article and a.article.related
    }
    assert pinned, "the samples pin related articles"
    for owner, slugs in pinned.items():
        first = memory.teasers(memory.related(owner)[:1])
        assert next(iter(first.values())).slug == slugs[0]


def test_a_rebuild_writes_every_page_then_nothing(
    memory: MemoryTable, settings: SiteSettings, tmp_path: Path
) -> None:
    refs = site_pages(memory, settings)
    collected: list[list[tuple[str, str]]] = []

    class Invalidations:
        def send(self, changes: Sequence[tuple[str, str]]) -> None:
            collected.append(list(changes))

    rebuild = Rebuild(settings, memory, FolderBucket(tmp_path), Invalidations())
    first = rebuild.run(refs, NOW)
    again = rebuild.run(refs, NOW)

    assert first.pages == len(refs)
    assert first.written == first.files > len(refs)  # the assets are several files
    assert again.written == 0
    assert len(collected) == 1  # changed paths handed on once, and only when there are some
    assert page_file(tmp_path, "/").is_file()
    assert page_file(tmp_path, "/sport/feed.xml").is_file()
    assert (
        b"Articoli correlati"
        in page_file(tmp_path, "/sesto-san-giovanni/massimo-carrera-spartak-mosca/").read_bytes()
    )


def test_forked_workers_write_the_same_bytes(
    memory: MemoryTable, settings: SiteSettings, tmp_path: Path
) -> None:
    refs = site_pages(memory, settings)
    Rebuild(settings, memory, FolderBucket(tmp_path / "one")).run(refs, NOW)
    seen: list[int] = []
    report = Rebuild(settings, memory, FolderBucket(tmp_path / "two")).run(
        refs, NOW, jobs=2, progress=lambda done, _total: seen.append(done)
    )

    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*")
           if p.is_file()}  # fmt: skip
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*")
           if p.is_file()}  # fmt: skip
    assert one == two
    assert report.pages == len(refs)
    assert seen[-1] == len(refs)


def test_fan_out_sends_every_page_in_chunks(memory: MemoryTable, settings: SiteSettings) -> None:
    refs = site_pages(memory, settings)
    sent: list[PageRef] = []

    class Queue:
        def send(self, pages: Iterable[PageRef]) -> None:
            sent.extend(pages)

    assert fan_out(refs, Queue()) == len(refs)
    assert sent == refs


def test_the_command_rebuilds_a_content_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site"
    assert main(["rebuild", str(SAMPLES), "--out", str(out), "--quiet"]) == 0
    first = capsys.readouterr().out
    assert main(["rebuild", str(SAMPLES), "--out", str(out), "--quiet", "--lang", "en"]) == 0
    second = capsys.readouterr().out

    assert (out / "index.html").is_file()
    assert (out / "sport" / "index.html").is_file()
    assert "scritte" in first
    assert " 0 written" in second


def test_the_command_needs_a_source_and_a_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ARTICLES_TABLE", raising=False)
    assert main(["rebuild", "--out", str(tmp_path)]) == 2
    assert main(["rebuild", str(SAMPLES)]) == 2
    assert main(["rebuild", str(SAMPLES), "--render-queue-url", "https://sqs.example/q"]) == 2
    assert "rotativa rebuild:" in capsys.readouterr().err


def test_the_progress_bar_writes_lines_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = ProgressBar("pagine", stream)
    for done in range(1, 101):
        bar(done, 100)

    lines = stream.getvalue().splitlines()
    assert 10 <= len(lines) <= 12
    assert lines[-1].startswith("[" + "#" * 30 + "] 100%  100/100 pagine")


def test_a_folder_is_published_as_the_cloud_would_twins_and_taken_addresses(
    settings: SiteSettings, tmp_path: Path
) -> None:
    """`x.md` beside `x.json`: the Markdown file wins (domain.twins), whatever the order;
    two files with one address: the first keeps it, as the address claims do."""
    articles = tmp_path / "articles"
    articles.mkdir()
    front = "---\ntitle: {}\nsection: Sport\ndate: 2024-05-01T10:00\n{}---\nTesto.\n"
    (articles / "derby.md").write_text(front.format("Il derby in Markdown", ""))
    (articles / "derby.json").write_text(
        '{"title": "Il derby in JSON", "section": "Sport", "body": "Testo."}'
    )
    (articles / "a-copia.md").write_text(front.format("La copia", "slug: finale\n"))
    (articles / "b-finale.md").write_text(front.format("La finale", "slug: finale\n"))

    table, invalid = load_folder(tmp_path, settings, NOW)

    assert sorted(p.name for p in invalid) == ["b-finale.md", "derby.json"]
    shown = {a.key: a.article.title for a in table.articles() if a.visible and a.article}
    assert shown == {"articles/derby.md": "Il derby in Markdown", "articles/a-copia.md": "La copia"}


def _write(folder: Path, name: str, fields: str, arrived: datetime) -> Path:
    path = folder / "articles" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {name}\nsection: Sport\n{fields}---\nTesto.\n")
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    return path


def test_a_folder_holds_each_state_as_the_cloud_would_at_now(
    settings: SiteSettings, tmp_path: Path
) -> None:
    """Each file arrives at its modification time, in the state ingest gives it then; the
    schedules whose moment has passed by `now` have fired, and dated the article as the
    cloud dates it: its own date, else the embargo's end, else when it arrived."""
    arrived = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    _write(tmp_path, "embargo.md", "publish_at: 2024-05-02T10:00:00+00:00\n", arrived)
    _write(tmp_path, "futuro.md", "publish_at: 2024-06-01T10:00:00+00:00\n", arrived)
    _write(tmp_path, "scaduto.md", "date: 2024-04-30T10:00\nexpires_at: 2024-05-02\n", arrived)
    _write(tmp_path, "bozza.md", "status: draft\n", arrived)
    _write(tmp_path, "arrivato.md", "", arrived)

    table, invalid = load_folder(tmp_path, settings, NOW)

    assert invalid == []
    states = {a.key.removeprefix("articles/"): a.state.value for a in table.articles()}
    assert states == {
        "arrivato.md": "published",
        "bozza.md": "draft",
        "embargo.md": "published",
        "futuro.md": "scheduled",
        "scaduto.md": "expired",
    }
    dates = {t.key: t.date for t in table.members(ListingId(ListingKind.SECTION, "sport"))}
    assert dates == {
        "articles/embargo.md": datetime(2024, 5, 2, 10, 0, tzinfo=UTC),
        "articles/arrivato.md": arrived,
    }


def test_a_preview_shows_its_article_whatever_its_state(
    settings: SiteSettings, tmp_path: Path
) -> None:
    arrived = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    embargo = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)
    dated = datetime(2024, 4, 30, 8, 0, tzinfo=UTC)  # 10:00 in Milan
    for name, fields, date in (
        ("bozza.md", "status: draft\n", arrived),
        ("futuro.md", "publish_at: 2024-06-01T10:00:00+00:00\n", embargo),
        ("scaduto.md", "date: 2024-04-30T10:00\nexpires_at: 2024-05-02\n", dated),
    ):
        uploads = [read_upload(f"articles/{name}", _write(tmp_path, name, fields, arrived))]
        table = MemoryTable()
        assert index_uploads(settings, table, FolderInbox(uploads), uploads, NOW,
                             shown=uploads[0].key) == []  # fmt: skip
        (teaser,) = table.members(ListingId(ListingKind.SECTION, "sport"))
        assert (teaser.key, teaser.date) == (uploads[0].key, date)


def test_a_preview_leaves_out_the_file_in_its_way(settings: SiteSettings) -> None:
    """`x.json` beside `x.md`, or a second file with the address of an earlier one: the
    cloud refuses it, the preview shows it (the one the editor means to publish)."""
    arrived = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    files = {
        "articles/derby.json": '{"title": "Il derby in JSON", "section": "Sport", "body": "T."}',
        "articles/derby.md": "---\ntitle: Il derby\nsection: Sport\n---\nT.\n",
        "articles/a-finale.md": "---\ntitle: La finale\nsection: Sport\nslug: finale\n---\nT.\n",
        "articles/b-finale.md": "---\ntitle: Finale, bis\nsection: Sport\nslug: finale\n---\nT.\n",
    }
    uploads = [FileUpload(k, PurePath(k), v.encode(), arrived) for k, v in sorted(files.items())]
    for key, address, title, visible in (
        ("articles/derby.json", "/sport/derby/", "Il derby in JSON", "a-finale.md"),
        ("articles/b-finale.md", "/sport/finale/", "Finale, bis", "derby.md"),
    ):
        table = published_folder(settings, uploads, key, address, NOW)
        shown = table.get(table.path_owner(address) or "")
        assert shown is not None
        assert shown.article is not None
        assert (shown.key, shown.article.title) == (key, title)
        assert {a.key for a in table.articles() if a.visible} == {key, f"articles/{visible}"}


def test_the_command_names_the_files_the_cloud_would_refuse(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.yaml").write_text((SAMPLES / "site.yaml").read_text())
    arrived = datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    _write(tmp_path, "buono.md", "slug: finale\n", arrived)
    _write(tmp_path, "copia.md", "slug: finale\n", arrived)
    bad = tmp_path / "articles" / "cattivo.md"
    bad.write_text("---\ntitle: Senza sezione\n---\nTesto.\n")

    assert main(["rebuild", str(tmp_path), "--out", str(tmp_path / "out"), "--quiet"]) == 1

    err = capsys.readouterr().err
    assert str(bad) in err
    assert str(tmp_path / "articles" / "copia.md") in err
    assert str(tmp_path / "articles" / "buono.md") not in err


# --- `rotativa rebuild --table-export`: the table read from a DynamoDB export on disk ----


def _export(memory: MemoryTable, settings: SiteSettings, folder: Path) -> Path:
    """The samples' table as an export to S3 writes it (DYNAMODB_JSON)."""
    from benchmarks.table_export import table_items, write_table_export

    stored = [a for a in memory.articles() if a.visible]
    return write_table_export(table_items(settings, stored, memory), folder)


def test_the_command_rebuilds_from_a_table_export(
    memory: MemoryTable, settings: SiteSettings, tmp_path: Path
) -> None:
    # GIVEN the samples' table exported, as AWS lays an export out
    export = _export(memory, settings, tmp_path / "export")
    [data] = sorted((export / "data").iterdir())
    with gzip.open(data, "rt") as lines:
        first = json.loads(next(lines))
    assert set(first) == {"Item"}
    assert first["Item"]["sk"] == {"S": "article"}
    # WHEN the site is rebuilt from the export, as exported and indexed again
    site = str(SAMPLES / "site.yaml")
    command = ["rebuild", "--table-export", str(export), "--site", site, "--quiet"]
    assert main([*command, "--out", str(tmp_path / "as-kept"), "--no-search"]) == 0
    assert main([*command, "--out", str(tmp_path / "reindexed"), "--reindex", "--no-search"]) == 0
    # THEN both write the pages of the table exported, and no search index when told not to
    reference = tmp_path / "reference"
    Rebuild(settings, memory, FolderBucket(reference)).run(site_pages(memory, settings), NOW)

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
                if p.is_file()}  # fmt: skip

    expected = files(reference)
    for out in ("as-kept", "reindexed"):
        assert files(tmp_path / out).keys() == expected.keys()
    # AND as exported, the index is the table's: the same bytes (the news sitemap lists
    # what is recent at the moment of the rebuild)
    differ = {k for k, v in files(tmp_path / "as-kept").items() if expected[k] != v}
    assert differ <= {"news-sitemap.xml"}


def test_a_folder_that_is_not_a_table_export_is_a_usage_error(
    memory: MemoryTable, settings: SiteSettings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = str(SAMPLES / "site.yaml")

    def rebuild(*args: str) -> int:
        return main(["rebuild", *args, "--site", site, "--out", str(tmp_path / "out")])

    assert rebuild("--table-export", str(tmp_path / "missing")) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert rebuild("--table-export", str(tmp_path / "empty")) == 2
    assert "not a DynamoDB table export (no data/*.json.gz)" in capsys.readouterr().err
    broken = tmp_path / "broken"
    (broken / "data").mkdir(parents=True)
    with gzip.open(broken / "data" / "0.json.gz", "wt") as out:
        out.write('{"pk": {"S": "article#x"}}\n')  # an item, not a line of an export
    assert rebuild("--table-export", str(broken)) == 2
    assert "0.json.gz:1: not a DYNAMODB_JSON line" in capsys.readouterr().err
    export = _export(memory, settings, tmp_path / "export")
    assert rebuild("--table-export", str(export), str(SAMPLES)) == 2
    assert rebuild("--table-export", str(export), "--table", "articles") == 2
    assert "--table-export is the source" in capsys.readouterr().err
    assert rebuild(str(SAMPLES), "--reindex") == 2
    assert "--reindex goes with --table-export" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
