"""`rotativa serve` on a folder `rotativa local --out` wrote: the site as readers get it.

The command is run as a developer runs it (a child process on a free port, stopped with
SIGTERM); what it sends is compared with the template's policy and the exported site's own
Cache-Control listing, which `rotativa local` wrote from the site bucket.
"""

from __future__ import annotations

import gzip
import json
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from rotativa_tools.cli import main
from rotativa_tools.local.site_server import CACHE_CONTROL_FILE, cdn_headers
from rotativa_tools.local.template import load_template
from tests.conftest import ROOT, SAMPLES
from tests.e2e.conftest import free_port, subprocess_environment

pytestmark = pytest.mark.usefixtures("aws_environment")  # dummy credentials, no endpoint

DERBY = (
    "---\ntitle: Il derby\nsection: Sport\ntags: [Calcio]\n---\n"
    + "La Pro Sesto vince il derby al novantesimo, davanti a tremila tifosi. " * 30
    + "\n"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = tmp_path_factory.mktemp("content")
    shutil.copy(SAMPLES / "site.yaml", content / "site.yaml")
    (content / "articles").mkdir()
    (content / "articles" / "derby.md").write_text(DERBY)
    out = tmp_path_factory.mktemp("site")
    assert main(["local", str(content), "--out", str(out)]) == 0
    return out


@pytest.fixture
def serving(site: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rotativa_tools", "serve", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=subprocess_environment(),
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                urllib.request.urlopen(url + "/", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "rotativa serve did not answer"
                time.sleep(0.2)
        yield url
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0  # Ctrl-C and SIGTERM stop it cleanly
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _get(url: str, encodings: str = "identity") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encodings})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_rotativa_serve_sends_what_the_cdn_sends(site: Path, serving: str) -> None:
    # GIVEN the template's headers and the Cache-Control the bucket stored for the page
    policy = cdn_headers(load_template(ROOT / "template.yaml"))
    stored = json.loads((site / CACHE_CONTROL_FILE).read_text())["sport/derby/index.html"]
    assert stored == "public, max-age=300, s-maxage=31536000"
    # WHEN a browser asks for the article over http (it offers gzip, not br, there)
    status, headers, body = _get(serving + "/sport/derby/", "gzip, deflate")
    # THEN the page comes compressed, with the CDN's headers and the stored caching
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "Il derby" in gzip.decompress(body).decode()
    assert headers["Vary"] == "Accept-Encoding"
    assert headers["Cache-Control"] == stored
    assert policy.items() <= headers.items()
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    # AND a missing page is the site's 404, with the same headers
    status, headers, body = _get(serving + "/non-esiste/")
    assert status == 404
    assert "Nordmilano Notizie" in body.decode()
    assert policy.items() <= headers.items()
    # AND the listings beside the site are not pages of it
    assert _get(serving + "/" + CACHE_CONTROL_FILE)[0] == 404


def test_rotativa_serve_refuses_a_template_it_cannot_find(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = site / "nessuno.yaml"
    assert main(["serve", str(site), "--template", str(missing), "--port", "0"]) == 2
    assert f"no template at {missing}" in capsys.readouterr().err
