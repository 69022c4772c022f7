"""`rotativa check`: the editor's own gate, with the cloud's rules and messages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from rotativa_tools.cli import main
from rotativa_tools.cli._common import upload_key
from tests.conftest import ROOT, SAMPLES

LINE = re.compile(
    r"^(?P<path>[^:]+)(?::(?P<line>\d+))?: (?P<severity>error|warning): (?P<message>.+)$"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", *args])
    return code, capsys.readouterr().out.splitlines()


def test_samples_are_all_valid(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, str(SAMPLES))
    assert code == 0
    count = len(list((SAMPLES / "articles").glob("*.*")))
    assert out[-1] == f"{count} file controllati: {count} validi, 0 non validi e 0 avvisi"


def test_samples_hold_what_an_editor_would_upload() -> None:
    articles = list((SAMPLES / "articles").iterdir())
    assert len(articles) >= 21
    assert any(p.suffix == ".json" for p in articles)
    assert list((SAMPLES / "media").glob("*.jpg"))
    seed = (SAMPLES / "articles" / "massimo-carrera-spartak-mosca.md").read_text()
    assert "[textmarker color=”E63631″]SESTO SAN GIOVANNI[/textmarker]" in seed
    assert "section: Sesto San Giovanni" in seed


def test_invalid_file_is_reported_as_path_line_severity_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a content folder with its site settings, a good and a bad article
    shutil.copy(SAMPLES / "site.yaml", tmp_path / "site.yaml")
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "buono.md").write_text("---\ntitle: Buono\nsection: Sport\n---\n[gallery]\n")
    (articles / "cattivo.md").write_text("---\ntitle: Cattivo\nsection: Milano\n---\nTesto\n")

    # WHEN
    code, out = run(capsys, str(tmp_path))

    # THEN
    assert code == 1
    parsed = [LINE.match(line) for line in out[:-1]]
    assert all(parsed), out
    by_file = {(Path(m["path"]).name, m["line"], m["severity"]) for m in parsed if m}
    assert by_file == {("buono.md", "5", "warning"), ("cattivo.md", "3", "error")}
    assert "la sezione 'Milano' non esiste" in out[1] + out[0]
    assert out[-1] == "2 file controllati: 1 valido, 1 non valido e 1 avviso"


def test_messages_in_english_by_setting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "senza-titolo.md"
    bad.write_text("---\nsection: Sport\n---\nTesto.\n")
    code, out = run(capsys, "--lang", "en", str(bad))
    assert code == 1
    assert out[0] == (
        f"{bad}: error: the required field 'title' is missing: "
        "add a line 'title: …' (the headline, 1 to 200 characters)"
    )
    assert out[-1] == "1 file checked: 0 valid, 1 invalid and 0 warnings"


def test_site_locale_chooses_the_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "site.yaml").write_text("name: Site\nbase_url: https://x.example\nlocale: en\n")
    (tmp_path / "a.md").write_text("---\ntitle: x\n---\n")
    code, out = run(capsys, str(tmp_path))
    assert code == 1
    assert "the required field 'section' is missing" in out[0]


def test_missing_path_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert "non esiste" in capsys.readouterr().err


def test_no_arguments_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["check"])
    assert exit_info.value.code == 2
    capsys.readouterr()


def test_upload_key_is_what_the_inbox_would_see(tmp_path: Path) -> None:
    assert upload_key(tmp_path / "articles" / "a b.md") == "articles/a b.md"
    assert upload_key(tmp_path / "articles" / "2024" / "x.json") == "articles/2024/x.json"
    assert upload_key(tmp_path / "bozze" / "x.md") == "articles/x.md"


def test_console_script_runs_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rotativa_tools", "check", str(SAMPLES)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={
            "PYTHONPATH": os.pathsep.join(str(ROOT / "src" / d) for d in ("shared", "tools")),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 non validi" in result.stdout


def test_what_uploads_hold_is_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a file whose name and fields carry terminal escapes, a bidi override and a lone
    # surrogate (a JSON escape)
    bad = tmp_path / "a\x1b[2Jb\u202egnp.json"
    bad.write_text(
        '{"title": "Titolo", "section": "Sport", "body": "x", '
        '"\\u001b]0;pwned\\u0007": 1, "tags": ["ok\\ud800"]}'
    )

    # WHEN it is checked
    code, out = run(capsys, str(bad))

    # THEN every line is plain printable text, the characters shown as escapes
    assert code == 1
    for line in out:
        assert line.isprintable(), repr(line)
        line.encode("utf-8")
    text = "\n".join(out)
    assert "a\\x1b[2Jb\\u202egnp.json" in text
    assert "\\x1b]0;pwned\\x07" in text
    assert "U+D800" in text


def test_live_update_times_are_checked_against_the_clock_of_the_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN live coverage whose second update is dated tomorrow (a wrong day), and a third
    # that repeats the first's time
    site_now = datetime.now(ZoneInfo("Europe/Rome"))  # the samples' site time
    tomorrow = (site_now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    shutil.copy(SAMPLES / "site.yaml", tmp_path / "site.yaml")
    (tmp_path / "articles").mkdir()
    live = tmp_path / "articles" / "consiglio.md"
    live.write_text(
        "---\ntitle: Consiglio in diretta\nsection: Bresso\ndate: 2024-05-02T20:30\n"
        "live: true\nupdates:\n"
        "  - at: 2024-05-02T21:10\n    text: Primo voto.\n"
        f"  - at: {tomorrow}\n    text: Domani?\n"
        "  - at: 2024-05-02T21:10\n    text: Ancora?\n"
        "---\nTesto.\n",
        encoding="utf-8",
    )
    # WHEN the editor checks it
    code, out = run(capsys, "--lang", "en", str(live))
    # THEN each wrong time is an error at its line
    assert code == 1
    found = [LINE.match(line) for line in out[:-1]]
    assert [(m["line"], m["severity"]) for m in found if m] == [("9", "error"), ("11", "error")]
    assert "is in the future" in out[0]
    assert "same time (2024-05-02T21:10) as update 1" in out[1]
