"""`rotativa status` tells the newsroom what its reports say: the uploads refused, and the
ones published with something still to fix (a missing image), which an editor would
otherwise find only by opening the report beside each upload."""

from __future__ import annotations

from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.ops.status import collect_status
from tests.integration.pipeline_helpers import article, publish

MISSING_IMAGE = "image:\n  src: media/manca.jpg\n  alt: Il campo\n"


def test_an_article_published_with_a_warning_is_in_the_status(cloud: LocalCloud) -> None:
    # GIVEN an article published with a warning (its image was never uploaded), a clean one
    # and a refused one
    publish(cloud, "articles/senza-foto.md", article("Senza foto", extra=MISSING_IMAGE))
    publish(cloud, "articles/pulito.md", article("Pulito"))
    publish(cloud, "articles/cattivo.md", "---\nsection: Sport\n---\nSenza titolo.\n")
    # WHEN the newsroom asks for the stack's status
    status = collect_status(cloud.clients, cloud.stack.outputs, None)
    # THEN the warned article is listed with its first warning, apart from the rejections
    assert [w.key for w in status.warned] == ["articles/senza-foto.md"]
    (warned,) = status.warned
    assert "media/manca.jpg" in warned.first_warning
    assert warned.warnings == 1
    assert [r.key for r in status.rejections] == ["articles/cattivo.md"]
    table = status.as_table()
    assert "accepted with warnings" in table
    assert "articles/senza-foto.md: " in table
    assert '"warned"' in status.as_json()
    # WHEN the editor fixes it, THEN it leaves the list with its report
    publish(cloud, "articles/senza-foto.md", article("Senza foto"))
    assert collect_status(cloud.clients, cloud.stack.outputs, None).warned == []


def test_uploads_outside_articles_and_media_are_answered_with_a_report(cloud: LocalCloud) -> None:
    # GIVEN an article uploaded at the inbox's root, and a text file among the articles
    cloud.put("radice.md", article("Radice"))
    cloud.put("articles/notes.txt", "appunti")
    # WHEN the pipeline has run (the reports' own events come back, and are let go)
    cloud.run_until_quiet()
    # THEN each has a report saying why it is not published and where articles go
    root = cloud.report("radice.md")
    assert root is not None
    assert root["status"] == "rejected"
    assert "articles/radice.md" in root["errors"][0]["message"]
    notes = cloud.report("articles/notes.txt")
    assert notes is not None
    assert notes["errors"][0]["code"] == "file_extension"
    # and nothing else: no report about a report, no page
    assert sorted(cloud.objects(cloud.inbox, "reports/")) == [
        "reports/articles/notes.txt.json",
        "reports/radice.md.json",
    ]
    status = collect_status(cloud.clients, cloud.stack.outputs, None)
    assert {r.key for r in status.rejections} == {"radice.md", "articles/notes.txt"}
    # WHEN the editor deletes the misplaced file, THEN its report goes too
    cloud.delete("radice.md")
    cloud.run_until_quiet()
    assert cloud.report("radice.md") is None
