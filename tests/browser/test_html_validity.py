"""Every page type passes the W3C Nu HTML Checker (vnu.jar) with no error and no warning.

All pages, the stylesheet and the icon go to one checker run: the JVM starts once.
"""

from __future__ import annotations

import json
import re
import subprocess

from tests.browser.conftest import VNU_JAR, require_tools
from tests.browser.rendered import HOSTILE_PATH, SEED_PATH, RenderedSite


def test_every_page_type_is_valid_html(rendered: RenderedSite) -> None:
    # GIVEN every kind of page, rendered from the samples (and the hostile upload)
    require_tools("java", VNU_JAR)
    files = [*rendered.html_files(), *rendered.asset_files()]
    names = {str(f.relative_to(rendered.site_root.parent)) for f in files}
    for expected in (
        "site/index.html",
        f"site{SEED_PATH}index.html",
        f"site{HOSTILE_PATH}index.html",
        "site/sport/index.html",
        "site/sport/page/2/index.html",
        "site/tag/calcio/index.html",
        "site/autore/redazione/index.html",
        "site/404.html",
        "site/correzioni/index.html",
        "site/sesto-san-giovanni/sesto-consiglio-comunale-bilancio-diretta/index.html",
        "site/sport/pro-sesto-legnano-derby-vittoria/index.html",
        "preview/index.html",
    ):
        assert expected in names

    # WHEN the checker reads them all at once
    run = subprocess.run(
        [
            "java", "-Xss4m", "-jar", str(VNU_JAR), "--format", "json",
            "--also-check-css", "--also-check-svg", *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip

    # THEN it has nothing to say
    report = json.loads(run.stderr or run.stdout)
    messages = [
        f"{re.sub(r'^.*/rendered[0-9]*/', '', m.get('url', '?'))}:{m.get('lastLine', '?')}: "
        f"{m.get('type')}: {m.get('message')}"
        for m in report["messages"]
    ]
    assert messages == [], "\n".join(messages)
    assert run.returncode == 0
