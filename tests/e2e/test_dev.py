"""`rotativa dev` as an editor and a developer meet it: a process on two ports.

The test starts the real command, then behaves like the outside world: plain boto3
against its endpoint (as `aws s3 cp` would), HTTP against its site, files dropped into
the content folder, `rotativa status` and `rotativa invoke` as separate processes, and
finally SIGTERM. Nothing here reaches into the process.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest

from rotativa_tools.local.site_server import cdn_headers
from rotativa_tools.local.template import load_template
from tests.conftest import ROOT, SAMPLES
from tests.e2e.conftest import REGION, free_port, subprocess_environment

T = TypeVar("T")
DERBY = "---\ntitle: Il derby di Sesto\nsection: Sport\ntags: [Calcio]\n---\nUna partita.\n"
BAD = "---\ntitle: Fuori zona\nsection: Milano\n---\nTesto.\n"
FROM_DISK = "---\ntitle: Scritto sul disco\nsection: Bresso\n---\nSalvato nella cartella.\n"


@dataclass
class DevProcess:
    process: subprocess.Popen[str]
    endpoint: str
    site: str
    outputs_file: Path
    lines: list[str] = field(default_factory=list)

    def outputs(self) -> dict[str, str]:
        data: dict[str, str] = json.loads(self.outputs_file.read_text())
        return data

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(self.site + path.lstrip("/"), timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def headers(self, path: str) -> dict[str, str]:
        request = urllib.request.Request(self.site + path.lstrip("/"), method="HEAD")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return dict(response.headers)
        except urllib.error.HTTPError as error:
            return dict(error.headers)

    def rotativa(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rotativa_tools", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            env=subprocess_environment(AWS_ENDPOINT_URL=self.endpoint),
            check=False,
        )


def eventually(probe: Callable[[], T | None], seconds: float = 20.0) -> T:
    """The probe's first truthy answer, polling; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"nothing after {seconds} s")
        time.sleep(0.2)


@contextmanager
def running_dev(tmp_path: Path, outputs: Path, **env: str) -> Iterator[DevProcess]:
    """`rotativa dev --outputs-file outputs` of an empty content folder with the samples'
    site settings, as a process; killed on the way out if it still runs."""
    content = tmp_path / "content"
    (content / "articles").mkdir(parents=True)
    shutil.copy(SAMPLES / "site.yaml", content / "site.yaml")
    port, site_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "rotativa_tools", "dev", str(content), "--port", str(port),
         "--site-port", str(site_port), "--outputs-file", str(outputs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=subprocess_environment(**env),
    )  # fmt: skip
    running = DevProcess(
        process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{site_port}/", outputs
    )
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=lambda: running.lines.extend(stdout), daemon=True)
    reader.start()
    try:
        eventually(lambda: outputs.is_file() or process.poll() is not None, 60)
        assert process.poll() is None, "rotativa dev exited at start"
        yield running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[DevProcess]:
    with running_dev(tmp_path, tmp_path / "outputs.json") as running:
        yield running


def test_rotativa_dev_publishes_serves_reports_and_stops_on_sigterm(
    dev: DevProcess, tmp_path: Path
) -> None:
    outputs = dev.outputs()
    inbox = outputs["InboxBucketName"]
    s3 = boto3.client(
        "s3",
        endpoint_url=dev.endpoint,
        region_name=REGION,
        aws_access_key_id="editor",
        aws_secret_access_key="editor",
    )

    # WHEN an editor uploads an article with plain boto3 (what `aws s3 cp` does)
    uploaded = time.monotonic()
    s3.put_object(Bucket=inbox, Key="articles/derby.md", Body=DERBY.encode())

    # THEN its page is served over HTTP within seconds, at the CloudFront Function's paths
    status, page = eventually(lambda: ok(dev.get("/sport/derby/")), 15)
    latency = time.monotonic() - uploaded
    assert status == 200
    assert "Il derby di Sesto" in page
    # and once the system is quiet, the journey is told in one line
    line = eventually(lambda: find(dev.lines, "articles/derby.md → published"))
    assert "pages → invalidated" in line
    assert dev.get("/sport/derby")[0] == 200  # extension-less: /sport/derby/index.html
    assert "Il derby di Sesto" in dev.get("/")[1]
    missing, body = dev.get("/non-esiste/")
    assert missing == 404
    assert "Nordmilano Notizie" in body  # the site's own 404 page
    # with the security headers (the CSP…) of the template's ResponseHeadersPolicy, as the CDN
    security = cdn_headers(load_template(ROOT / "template.yaml"))
    assert "Content-Security-Policy" in security
    for path in ("/sport/derby/", "/non-esiste/"):
        assert security.items() <= dev.headers(path).items()
    # and the search index, made by the SearchFunction once the window's hints came in,
    # is served under /cerca/ with the search page's own policy (its scripts, WebAssembly)
    entry = eventually(lambda: ok(dev.get("/cerca/pagefind/pagefind-entry.json")), 30)
    assert json.loads(entry[1])["languages"]["it"]["page_count"] >= 1
    assert "'wasm-unsafe-eval'" in dev.headers("/cerca/")["Content-Security-Policy"]
    assert "script-src" not in dev.headers("/sport/derby/")["Content-Security-Policy"]

    # WHEN an upload is wrong, THEN it is answered by its report beside it
    s3.put_object(Bucket=inbox, Key="articles/cattivo.md", Body=BAD.encode())
    report = eventually(lambda: read_json(s3, inbox, "reports/articles/cattivo.md.json"))
    assert report["status"] == "rejected"
    assert "Milano" in report["errors"][0]["message"]
    assert eventually(lambda: find(dev.lines, "articles/cattivo.md → rejected: "))

    # WHEN a file is saved into the watched folder, THEN it is published; deleted, unpublished
    saved = tmp_path / "content" / "articles" / "dal-disco.md"
    saved.write_text(FROM_DISK)
    assert eventually(lambda: ok(dev.get("/bresso/dal-disco/")))
    status_run = dev.rotativa(
        "status", "--outputs-file", str(dev.outputs_file), "--site", str(SAMPLES / "site.yaml"),
        "--json",
    )  # fmt: skip
    assert status_run.returncode == 0, status_run.stderr
    status_json = json.loads(status_run.stdout)
    assert status_json["published"] == 2
    assert [r["key"] for r in status_json["rejections"]] == ["articles/cattivo.md"]
    saved.unlink()
    assert eventually(lambda: dev.get("/bresso/dal-disco/")[0] == 404)

    # WHEN a developer invokes a function against it, THEN it uses this stack's resources
    invoked = dev.rotativa("invoke", "InvalidateFunction", "-e", "events/invalidate/batch.json")
    assert invoked.returncode == 0, invoked.stderr
    assert json.loads(invoked.stdout) == {"batchItemFailures": []}
    cloudfront = boto3.client(
        "cloudfront",
        endpoint_url=dev.endpoint,
        region_name=REGION,
        aws_access_key_id="dev",
        aws_secret_access_key="dev",
    )
    distribution = outputs["DistributionId"]
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]
    invalidated = {
        path
        for item in listed.get("Items", [])
        for path in cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])[
            "Invalidation"
        ]["InvalidationBatch"]["Paths"]["Items"]
    }
    assert "/sesto-san-giovanni/massimo-carrera-spartak-mosca/index.html" in invalidated

    # WHEN it gets SIGTERM, THEN it stops cleanly, and its ports are free again
    dev.process.send_signal(signal.SIGTERM)
    assert dev.process.wait(timeout=30) == 0
    assert eventually(lambda: find(dev.lines, "rotativa dev: stopped"), 5)
    for url in (dev.endpoint, dev.site):
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(url, timeout=2)
    print(f"\nupload → page served: {latency:.1f} s")


def ok(answer: tuple[int, str]) -> tuple[int, str] | None:
    return answer if answer[0] == 200 else None


def find(lines: list[str], text: str) -> str | None:
    return next((line for line in list(lines) if text in line), None)


def read_json(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    data: dict[str, Any] = json.loads(body)
    return data
