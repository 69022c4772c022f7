"""The pagefind adapter: its binary runs wherever the layer lost its file modes, and its
bundle keeps only what a reader's browser loads."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from rotativa.adapters import pagefind
from rotativa.domain.search import SearchRecord


def test_a_binary_without_its_executable_bit_runs_from_an_executable_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN the wheel's binary as `sam build` leaves it in a layer: mode 0644
    import pagefind_bin  # type: ignore[import-untyped]

    shipped = tmp_path / "layer" / "pagefind"
    shipped.parent.mkdir()
    shutil.copyfile(pagefind_bin.get_executable(), shipped)
    shipped.chmod(0o644)
    monkeypatch.setattr(pagefind_bin, "get_executable", lambda: shipped)
    monkeypatch.delenv(pagefind.BINARY_VARIABLE, raising=False)
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path / "tmp"))
    # WHEN the adapter asks for it
    found = pagefind.executable()
    # THEN a copy beside the temporary files runs, and the layer's file is left as it was
    assert found != shipped
    assert found.read_bytes() == shipped.read_bytes()
    assert os.access(found, os.X_OK)
    assert not stat.S_IMODE(shipped.stat().st_mode) & 0o111
    assert pagefind.executable() == found  # made once
    # and it builds a bundle
    monkeypatch.setenv(pagefind.BINARY_VARIABLE, str(found))
    bundle = pagefind.build_bundle([SearchRecord("a/", "la città", {"title": "A"})], "it")
    assert "pagefind-entry.json" in bundle


def test_the_bundle_is_what_the_search_page_loads_and_no_ready_made_interface() -> None:
    records = [
        SearchRecord(
            "sport/derby/", "Il derby di via Roma", {"title": "Derby"}, {"sezione": ["Sport"]}
        ),
        SearchRecord(
            "cronaca/x/", "La città e il consiglio", {"title": "X"}, {"sezione": ["Cronaca"]}
        ),
    ]
    bundle = pagefind.build_bundle(records, "it")
    names = set(bundle)
    assert {"pagefind.js", "pagefind-worker.js", "pagefind-entry.json", "wasm.it.pagefind"} <= names
    assert len([n for n in names if n.startswith("fragment/")]) == 2  # one per article
    assert any(n.startswith("filter/") for n in names)
    assert not [n for n in names if "-ui." in n or "highlight" in n]
    # an unchanged article keeps its fragment's name, whatever else changes
    again = pagefind.build_bundle([records[0]], "it")
    assert {n for n in again if n.startswith("fragment/")} < {
        n for n in names if n.startswith("fragment/")
    }


def test_each_record_is_found_at_its_url_with_its_metadata_filters_and_words() -> None:
    import gzip
    import json

    hostile = 'Il <script>alert(1)</script> "derby", a: b'
    records = [
        SearchRecord(
            "sport/derby/",
            f"{hostile}\nGol in via Roma.",
            {"title": hostile, "date": "02 Mag. 2024", "image": "media/x.jpg"},
            {"sezione": ["Sport"]},
            {"date": "2024-05-02T10:00:00+02:00"},
        ),
        SearchRecord("cronaca/x/index.html", "Il consiglio.", {"title": "X"}),
    ]
    bundle = pagefind.build_bundle(records, "it")
    fragments = []
    for name, body in bundle.items():
        if name.startswith("fragment/"):
            data = gzip.decompress(body)
            assert data.startswith(b"pagefind_dcd")
            fragments.append(json.loads(data[len(b"pagefind_dcd") :]))
    by_url = {fragment["url"]: fragment for fragment in fragments}
    assert set(by_url) == {"/sport/derby/", "/cronaca/x/"}
    derby = by_url["/sport/derby/"]
    assert derby["meta"] == records[0].meta  # the text as it is: escaping is the page's
    assert derby["filters"] == {"sezione": ["Sport"]}
    assert "via Roma" in derby["content"]
    assert "02 Mag." not in derby["content"]  # metadata is not searchable words
    assert json.loads(bundle["pagefind-entry.json"])["languages"]["it"]["page_count"] == 2
