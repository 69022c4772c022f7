"""One way to find a stack (issue 17): `status`, `redrive`, `invoke` and `rebuild` find a
`rotativa dev` started with `--outputs-file` by its endpoint alone (AWS_ENDPOINT_URL, as a
developer exports it), or by that outputs file alone, with the same options; an
unreachable one is one line. Against a real `rotativa dev` process, each command a child
process as a developer runs it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.conftest import ROOT, SAMPLES
from tests.e2e.conftest import REGION, free_port, subprocess_environment
from tests.e2e.test_dev import DevProcess, eventually, running_dev
from tests.unit.test_event_shapes import SAM_S3_PUT

pytestmark = pytest.mark.usefixtures("aws_environment")  # dummy credentials, no endpoint

DERBY = "---\ntitle: Il derby\nsection: Sport\ntags: [Calcio]\n---\nTesto.\n"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """The user's cache folder, where dev keeps the outputs file the others look for."""
    folder = tmp_path / "cache"
    folder.mkdir()
    return folder


@pytest.fixture
def dev(tmp_path: Path, cache: Path) -> Iterator[DevProcess]:
    """`rotativa dev --outputs-file FILE`, the case `status` could not find untold."""
    outputs = tmp_path / "elsewhere" / "outputs.json"
    with running_dev(tmp_path, outputs, XDG_CACHE_HOME=str(cache)) as running:
        yield running


def rotativa(cache: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rotativa_tools", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env=subprocess_environment(XDG_CACHE_HOME=str(cache), **env),
        check=False,
    )


def test_every_command_finds_a_dev_started_with_an_outputs_file(
    dev: DevProcess, cache: Path, tmp_path: Path
) -> None:
    by_endpoint = {"AWS_ENDPOINT_URL": dev.endpoint}  # what dev's banner tells to export
    by_file: tuple[str, ...] = ("--outputs-file", str(dev.outputs_file))  # and no endpoint
    untold: tuple[str, ...] = ()

    # status: by the endpoint alone, and by the outputs file alone
    for args, env in ((untold, by_endpoint), (by_file, {})):
        found = rotativa(cache, "status", "--json", *args, **env)
        assert found.returncode == 0, found.stderr
        assert json.loads(found.stdout)["published"] == 0

    # invoke: an upload in dev's inbox, and the notification `sam local generate-event`
    # writes for it, runs against dev's resources and says what became of it
    inbox = dev.outputs()["InboxBucketName"]
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=dev.endpoint)
    s3.put_object(Bucket=inbox, Key="articles/derby.md", Body=DERBY.encode())
    eventually(lambda: dev.get("/sport/derby/")[0] == 200, 60)
    event = json.loads(json.dumps(SAM_S3_PUT))
    event["Records"][0]["s3"]["bucket"]["name"] = inbox
    path = tmp_path / "s3-put.json"
    path.write_text(json.dumps(event))
    for args, env in ((untold, by_endpoint), (by_file, {})):
        invoked = rotativa(cache, "invoke", "ValidateFunction", "-e", str(path), *args, **env)
        assert invoked.returncode == 0, invoked.stderr
        assert f"on {dev.endpoint}" in invoked.stderr
        assert "wrapped as IngestQueue would deliver it" in invoked.stderr
        assert "S3 put articles/derby.md: ok → published" in invoked.stderr

    # redrive: the dev stack's DLQs, with nothing waiting
    for args, env in ((untold, by_endpoint), (by_file, {})):
        redriven = rotativa(cache, "redrive", "--dry-run", *args, **env)
        assert redriven.returncode == 0, redriven.stderr
        assert "ingest: 0 waiting" in redriven.stdout
        assert "index: 0 waiting" in redriven.stdout

    # rebuild: the dev stack's table, into a folder
    for number, (args, env) in enumerate(((untold, by_endpoint), (by_file, {}))):
        out = tmp_path / f"site-{number}"
        site = ("--site", str(SAMPLES / "site.yaml"))  # the settings dev was started with
        rebuilt = rotativa(cache, "rebuild", "--out", str(out), "--quiet", *site, *args, **env)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert (out / "sport" / "derby" / "index.html").is_file()


def test_an_unreachable_stack_is_one_line_for_every_command(cache: Path, tmp_path: Path) -> None:
    nobody = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"}
    for command in (("status",), ("redrive",), ("rebuild", "--out", str(tmp_path / "x"))):
        answered = rotativa(cache, *command, **nobody)
        assert answered.returncode == 2, answered.stderr
        [line] = answered.stderr.strip().splitlines()
        assert line.startswith(f"rotativa {command[0]}: no outputs file at "), line
        assert "start `rotativa dev` first" in line
    invoked = rotativa(cache, "invoke", "RenderFunction", "-e", "events/render/page.json", **nobody)
    assert invoked.returncode == 2
    assert "start `rotativa dev` first" in invoked.stderr.strip().splitlines()[-1]
