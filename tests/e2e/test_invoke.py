"""`rotativa invoke` on a fresh stack: every sample event of `events/` runs cleanly, raw
S3 notifications are wrapped as the ingest queue delivers them, an event of the wrong
shape is one line, and the command says what the function did (issue 17).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rotativa_tools.cli import main
from rotativa_tools.local.template import load_template
from tests.conftest import ROOT
from tests.unit.test_event_shapes import MOTO_S3_PUT, S3_TEST_EVENT, SAM_S3_PUT

pytestmark = pytest.mark.usefixtures("aws_environment")  # dummy credentials, no endpoint

EVENTS = ROOT / "events"
FUNCTIONS = {
    name
    for name, resource in load_template(ROOT / "template.yaml")["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
}


def function_of(event_file: Path) -> str:
    """`events/<folder>/…` is an event of the `<Folder>Function` (sam local invoke -e)."""
    return f"{event_file.parent.name.capitalize()}Function"


@pytest.mark.parametrize(
    "event_file",
    sorted(EVENTS.glob("*/*.json")),
    ids=lambda path: f"{path.parent.name}/{path.name}",
)
def test_every_sample_event_invokes_cleanly_on_a_fresh_stack(
    event_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    function = function_of(event_file)
    assert function in FUNCTIONS, f"{event_file}: no {function} in template.yaml"

    code = main(["invoke", function, "-e", str(event_file)])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out) == {"batchItemFailures": []}, err
    assert "Traceback" not in err
    records = json.loads(event_file.read_text())["Records"]
    told = [line for line in err.splitlines() if line.startswith("  record ")]
    assert len(told) == len(records), err  # one line per record, each with its outcome
    assert all(": ok" in line for line in told), err


@pytest.mark.parametrize(
    ("event", "what"),
    [
        (SAM_S3_PUT, "an S3 notification"),
        (MOTO_S3_PUT, "an S3 notification"),
        (S3_TEST_EVENT, "an s3:TestEvent"),
    ],
    ids=["sam-generate-event", "moto", "s3-test-event"],
)
def test_a_raw_s3_notification_is_wrapped_for_the_validate_function_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], event: dict[str, object], what: str
) -> None:
    path = tmp_path / "s3.json"
    path.write_text(json.dumps(event))

    code = main(["invoke", "ValidateFunction", "-e", str(path)])

    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out) == {"batchItemFailures": []}
    assert f"rotativa invoke: {what}, wrapped as IngestQueue would deliver it" in err
    assert "record 1/1" in err
    assert "pages rendered: none" in err  # nothing in this fresh inbox to publish


def test_an_event_of_the_wrong_shape_is_one_line_naming_the_expected_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s3.json"
    path.write_text(json.dumps(SAM_S3_PUT))

    assert main(["invoke", "IndexFunction", "-e", str(path)]) == 2

    out, err = capsys.readouterr()
    assert out == ""
    [line] = [line for line in err.splitlines() if line.strip()]
    assert line.startswith("rotativa invoke: IndexFunction takes a DynamoDB stream batch")
    assert line.endswith("this event is an S3 notification")


def test_invoke_says_what_the_function_did(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN the render sample (an article page and the homepage) is invoked
    assert main(["invoke", "RenderFunction", "-e", str(EVENTS / "render/page.json")]) == 0
    err = capsys.readouterr().err
    # THEN each record is told with what it asked for, and the pages and messages written
    assert "record 1/2" in err
    assert "article /sesto-san-giovanni/massimo-carrera" in err
    assert "record 2/2" in err
    assert ": home: ok" in err
    assert "pages rendered: 1 written (index.html)" in err  # the article is not in the table
    assert "sent to InvalidateQueue: 1 message" in err

    # WHEN the invalidate sample is invoked THEN the paths CloudFront was asked for are told
    assert main(["invoke", "InvalidateFunction", "-e", str(EVENTS / "invalidate/batch.json")]) == 0
    err = capsys.readouterr().err
    assert "invalidated: 3 paths (/feed.xml, /index.html, " in err
