"""Serve the site bucket (or a folder written by `rotativa local`) the way CloudFront does.

Two behaviours of the distribution in template.yaml matter to a reader and are copied
here: the viewer-request function that maps a pretty URL onto its object (`/x/` →
`x/index.html`, `/x` → `x/index.html`, as IndexRewriteFunction does) and the custom error
response that answers a missing object with a 404 status and the site's `/404.html`.
Pages change as the pipeline writes them: nothing is cached.
"""

from __future__ import annotations

import mimetypes
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOT_FOUND_KEY = "404.html"


def object_key(uri: str) -> str:
    """The object a request path is served from: the CloudFront Function's mapping.

    `/` → `index.html`, `/sport/` → `sport/index.html`, `/sport` → `sport/index.html`
    (no dot in the last segment), `/feed.xml` → `feed.xml`.
    """
    path = unquote(urlsplit(uri).path) or "/"
    if path.endswith("/"):
        path += "index.html"
    elif "." not in path.rsplit("/", 1)[-1]:
        path += "/index.html"
    return path.lstrip("/")


@dataclass(frozen=True)
class SiteObject:
    body: bytes
    content_type: str


class SiteSource(Protocol):
    def get(self, key: str) -> SiteObject | None: ...


class BucketSource:
    """The live site bucket (moto, through the harness's S3 client)."""

    def __init__(self, client: S3Client, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def get(self, key: str) -> SiteObject | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        body = response["Body"].read()
        return SiteObject(body, response.get("ContentType") or _guess(key))


class FolderSource:
    """A site written to disk; paths cannot leave the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def get(self, key: str) -> SiteObject | None:
        parts = PurePosixPath(key).parts
        if ".." in parts:
            return None
        path = self.root.joinpath(*parts)
        if not path.is_file():
            return None
        return SiteObject(path.read_bytes(), _guess(key))


def _guess(key: str) -> str:
    kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


class _Handler(BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        source = self.server.source
        found = source.get(object_key(self.path))
        status = HTTPStatus.OK
        if found is None:
            status = HTTPStatus.NOT_FOUND
            found = source.get(NOT_FOUND_KEY) or SiteObject(
                b"404 Not Found\n", "text/plain; charset=utf-8"
            )
        self.send_response(status)
        self.send_header("Content-Type", found.content_type)
        self.send_header("Content-Length", str(len(found.body)))
        self.send_header("Cache-Control", "no-store")  # the pipeline may rewrite it any time
        self.end_headers()
        if with_body:
            self.wfile.write(found.body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: `rotativa dev` prints the pipeline's events, not every request."""


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], source: SiteSource) -> None:
        super().__init__(address, _Handler)
        self.source = source


class SiteServer:
    """An HTTP server for a site source, in a background thread."""

    def __init__(self, source: SiteSource, host: str = "127.0.0.1", port: int = 8080) -> None:
        self._server = _SiteHTTPServer((host, port), source)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="rotativa-site", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
