"""Peak memory of one handler invocation, as Lambda's "Max Memory Used" counts it.

moto runs as a server in this process (the local cloud against an endpoint), so that the
function runs alone in a fresh interpreter: the RenderFunction's handler imported from
its folder with its template environment, then invoked once with a full batch (100 page
requests, the template's BatchSize: the homepage, the feeds and sitemaps, every section
front and articles) against a seeded site. Its peak RSS is read by the process itself
(`VmHWM` in /proc/self/status), after the import and after the invocation.

The peak RSS of a full rebuild is measured by `benchmarks.fullbuild` (`/usr/bin/time`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.corpus import ROME, generate
from benchmarks.seeding import seed
from rotativa.adapters.articles_table import ArticlesTable
from rotativa.domain.pages import PageKind, PageRef
from rotativa.services.rebuild import site_pages
from rotativa_tools.local.cloud import LocalCloud
from rotativa_tools.local.runtime import LOCAL_RUNTIME_ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
PROBE = """\
import json, sys
sys.path[:0] = {paths!r}
def peak():
    # VmHWM: this process image's peak RSS (ru_maxrss would keep the forking parent's)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0
start = peak()
import app
imported = peak()
event = json.load(open({event!r}))
class Context:
    function_name = "RenderFunction"; memory_limit_in_mb = 512; aws_request_id = "bench"
    invoked_function_arn = "arn:aws:lambda:eu-south-1:123456789012:function:RenderFunction"
    def get_remaining_time_in_millis(self): return 30000
result = app.lambda_handler(event, Context())
print(json.dumps({{"interpreter_mb": start, "after_import_mb": imported, "peak_mb": peak(),
                  "failures": len(result.get("batchItemFailures", []))}}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def batch(refs: list[PageRef], size: int = 100) -> list[PageRef]:
    """A heavy batch: every page that is not an article first, then articles."""
    others = [r for r in refs if r.kind is not PageKind.ARTICLE and r.page == 0]
    articles = [r for r in refs if r.kind is PageKind.ARTICLE]
    return (others + articles)[:size]


def run(n: int, work: Path, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        cloud = LocalCloud.start(endpoint_url=endpoint)
        spec = cloud.stack.functions["RenderFunction"]
        from benchmarks.pipeline import cloud_site

        site = cloud_site(cloud)
        now = datetime.now(UTC)
        seed(cloud, site, generate(n, end=(now - timedelta(hours=1)).astimezone(ROME)), now)
        table = ArticlesTable(cloud.table, site, cloud.clients.dynamodb)
        chosen = batch(site_pages(table, site))
        event = {
            "Records": [
                {
                    "messageId": f"m{i}",
                    "receiptHandle": f"r{i}",
                    "body": json.dumps(ref.as_message(), sort_keys=True),
                    "attributes": {"ApproximateReceiveCount": "1"},
                    "messageAttributes": {},
                    "md5OfBody": "",
                    "eventSource": "aws:sqs",
                    "eventSourceARN": cloud.stack.attribute("RenderQueue", "Arn"),
                    "awsRegion": cloud.stack.region,
                }
                for i, ref in enumerate(chosen)
            ]
        }
        work.mkdir(parents=True, exist_ok=True)
        event_file = work.resolve() / "render-event.json"
        event_file.write_text(json.dumps(event), encoding="utf-8")
        paths = [str(spec.code_uri), *(str(p) for p in spec.layers)]
        env = {
            **{k: v for k, v in os.environ.items() if k.startswith(("PATH", "LANG", "HOME"))},
            **spec.environment,
            **LOCAL_RUNTIME_ENVIRONMENT,
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            "AWS_DEFAULT_REGION": cloud.stack.region,
            "AWS_REGION": cloud.stack.region,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
        }
        log(f"  invoking the RenderFunction once with {len(chosen)} pages, site of {n}")
        result = subprocess.run(
            [sys.executable, "-c", PROBE.format(paths=paths, event=str(event_file))],
            capture_output=True, text=True, check=False, env=env, cwd=spec.code_uri,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"render invocation failed:\n{result.stderr[-3000:]}")
        figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        figures.update({"function": "RenderFunction", "pages": len(chosen), "site_articles": n})
        return {k: round(v, 1) if isinstance(v, float) else v for k, v in figures.items()}
    finally:
        server.stop()
