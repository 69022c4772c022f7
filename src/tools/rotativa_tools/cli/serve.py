"""`rotativa serve SITE_DIR`: a site folder written by `rotativa local`, served as CloudFront
would serve it: the distribution's rules and headers read from template.yaml, the objects'
Cache-Control, Brotli or gzip, 301s for old addresses and the 404 page.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Final

from rotativa_tools.cli._common import EXIT_OK, add_template_option, fail, template_file

if TYPE_CHECKING:
    from rotativa_tools.cli._common import SubParsers

COMMAND: Final = "serve"


def add_command(commands: SubParsers) -> None:
    serve = commands.add_parser(
        COMMAND,
        help="serve a site folder written by `rotativa local`, as CloudFront would",
        description="Serve SITE_DIR on 127.0.0.1 as the template's distribution does (/x/ "
        "and /x are x/index.html; a missing page is a 404 with the site's 404.html; old "
        "addresses answer 301; each cache behaviour's response headers, the Cache-Control "
        "stored with each object, Brotli or gzip for text) until Ctrl-C.",
    )
    serve.add_argument("site", type=Path, metavar="SITE_DIR")
    serve.add_argument("--port", type=int, default=8080)
    add_template_option(serve)
    serve.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import signal
    import threading

    from rotativa_tools.local.site_server import FolderSource, SiteServer, cdn_behaviours
    from rotativa_tools.local.template import TemplateError, load_template

    if not (args.site / "index.html").is_file():
        return fail(COMMAND, f"{args.site} has no index.html: run `rotativa local` first")
    try:
        # The CSP and the rest, per cache behaviour (/media/* has its own), as CloudFront adds them
        behaviours = cdn_behaviours(load_template(template_file(args)))
    except (FileNotFoundError, TemplateError) as exc:
        return fail(COMMAND, exc)
    try:
        server = SiteServer(FolderSource(args.site), port=args.port, behaviours=behaviours)
    except OSError as exc:
        return fail(COMMAND, f"port {args.port}: {exc.strerror}")
    server.start()
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"serving {args.site} at {server.url} (Ctrl-C to stop)", flush=True)
    stop.wait()
    server.stop()
    return EXIT_OK
