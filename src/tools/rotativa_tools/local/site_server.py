"""Serve the site bucket (or a folder written by `rotativa local`) the way CloudFront does.

What the distribution in template.yaml does to a reader's request is read from the template,
not copied, so the local site is the one readers get:
- the viewer-request function that maps a pretty URL onto its object (`/x/` →
  `x/index.html`, `/x` → `x/index.html`, as IndexRewriteFunction does), and the custom
  error response that answers a missing object with a 404 status and the site's `/404.html`;
- the headers of each cache behaviour's ResponseHeadersPolicy (the CSP and the rest), and
  an object with a website redirect location (an old address) answering 301 to it, as the
  viewer-response RedirectFunction makes CloudFront do;
- the Cache-Control the site bucket stores with each object (the pipeline sets it; the CDN
  passes it on), not a blanket `no-store`, and the object's ETag, so that a reader's cache
  revalidates and gets 304 Not Modified;
- Brotli or gzip for the types CloudFront compresses, when the behaviour compresses
  (`Compress` and a cache policy that lets Accept-Encoding in) and the reader accepts it
  (the ETag then weak, as CloudFront makes it).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

import brotli
from botocore.exceptions import ClientError

from rotativa.domain.media import BY_EXTENSION
from rotativa_tools.local.template import TemplateError, is_intrinsic, scalar_text

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

NOT_FOUND_KEY = "404.html"
#: Beside an exported site (`LocalCloud.export_site`): object key → the path it answers
#: 301 with, which S3 keeps as the object's WebsiteRedirectLocation and a folder cannot.
REDIRECTS_FILE = ".redirects.json"
#: Beside an exported site: media key → the Content-Type (and Content-Disposition) the
#: ValidateFunction gave it from its bytes, which a file name alone cannot say.
MEDIA_TYPES_FILE = ".media-types.json"
#: Beside an exported site: object key → the Cache-Control the site bucket stores with it.
CACHE_CONTROL_FILE = ".cache-control.json"
#: The listings beside an exported site, which are not pages of it.
LISTINGS = frozenset({REDIRECTS_FILE, MEDIA_TYPES_FILE, CACHE_CONTROL_FILE})

BROTLI, GZIP = "br", "gzip"
#: AWS's managed cache policies (their ids are the same in every account) → the encodings
#: their Accept-Encoding settings (EnableAcceptEncodingBrotli/Gzip) let CloudFront serve.
MANAGED_CACHE_POLICIES: Mapping[str, frozenset[str]] = {
    "658327ea-f89d-4fab-a63d-7e88639e58f6": frozenset({BROTLI, GZIP}),  # CachingOptimized
    "b2884449-e4de-46a7-ac36-70bc7f1ddd6d": frozenset(),  # …ForUncompressedObjects
    "4135ea2d-6df8-44a3-9df3-4b5a84be39ad": frozenset(),  # CachingDisabled
}
#: "File types that CloudFront compresses" (CloudFront Developer Guide, "Serve compressed
#: files"): the Content-Types, without parameters, that CloudFront compresses.
COMPRESSIBLE_TYPES = frozenset(
    [
        "application/dash+xml",
        "application/eot",
        "application/font",
        "application/font-sfnt",
        "application/javascript",
        "application/json",
        "application/opentype",
        "application/otf",
        "application/pdf",
        "application/pkcs7-mime",
        "application/protobuf",
        "application/rss+xml",
        "application/truetype",
        "application/ttf",
        "application/vnd.apple.mpegurl",
        "application/vnd.mapbox-vector-tile",
        "application/vnd.ms-fontobject",
        "application/wasm",
        "application/xhtml+xml",
        "application/xml",
        "application/x-font-opentype",
        "application/x-font-truetype",
        "application/x-font-ttf",
        "application/x-httpd-cgi",
        "application/x-javascript",
        "application/x-mpegurl",
        "application/x-opentype",
        "application/x-otf",
        "application/x-perl",
        "application/x-ttf",
        "font/eot",
        "font/opentype",
        "font/otf",
        "font/ttf",
        "image/svg+xml",
        "text/css",
        "text/csv",
        "text/html",
        "text/javascript",
        "text/js",
        "text/plain",
        "text/richtext",
        "text/tab-separated-values",
        "text/xml",
        "text/x-component",
        "text/x-java-source",
        "text/x-script",
        "vnd.apple.mpegurl",
    ]
)
#: CloudFront compresses objects of 1,000 to 10,000,000 bytes, no smaller, no larger.
COMPRESSIBLE_SIZES = range(1_000, 10_000_000 + 1)


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
class CdnBehaviour:
    """One cache behaviour of the distribution, as far as a reader of the site sees it:
    which paths it serves, the headers its ResponseHeadersPolicy adds, whether the
    viewer-request (pretty URLs) and viewer-response (old addresses) functions run, and
    which compressions it serves."""

    pattern: str | None  # CloudFront's PathPattern; None for the default behaviour
    headers: Mapping[str, str]
    rewrites: bool = True
    redirects: bool = True
    #: The encodings CloudFront may compress with here: `Compress` and the cache policy's
    #: EnableAcceptEncodingBrotli/Gzip (empty: served as stored).
    encodings: frozenset[str] = frozenset()

    def serves(self, path: str) -> bool:
        """CloudFront's path pattern rule: `*` any characters (`/` too), `?` one, case
        counts, the leading `/` optional."""
        if self.pattern is None:
            return True
        pattern = "/" + self.pattern.lstrip("/")
        regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
        return re.fullmatch(regex, path, re.DOTALL) is not None


def cdn_behaviours(template: Mapping[str, Any]) -> list[CdnBehaviour]:
    """The distribution's cache behaviours in the order CloudFront tries them, the default
    last; [] without a distribution."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    for definition in resources.values():
        if definition.get("Type") != "AWS::CloudFront::Distribution":
            continue
        config = definition.get("Properties", {}).get("DistributionConfig", {})
        found = [
            _behaviour(resources, item, str(item.get("PathPattern", "")))
            for item in config.get("CacheBehaviors") or []
        ]
        return [*found, _behaviour(resources, config.get("DefaultCacheBehavior") or {}, None)]
    return []


def _behaviour(
    resources: Mapping[str, Any], config: Mapping[str, Any], pattern: str | None
) -> CdnBehaviour:
    events = {str(a.get("EventType")) for a in config.get("FunctionAssociations") or []}
    return CdnBehaviour(
        pattern,
        _policy_of(resources, config.get("ResponseHeadersPolicyId")),
        rewrites="viewer-request" in events,
        redirects="viewer-response" in events,
        encodings=_encodings_of(resources, config),
    )


def _encodings_of(resources: Mapping[str, Any], config: Mapping[str, Any]) -> frozenset[str]:
    """The compressions a behaviour serves: none without `Compress`; else what its cache
    policy lets in: a policy of the template (`!Ref`) says so in its Accept-Encoding
    settings, a managed one is known by its id, legacy cache settings (ForwardedValues)
    allow gzip only; a policy not known here is taken to compress nothing, not guessed."""
    if not _flag(config.get("Compress")):
        return frozenset()
    policy = config.get("CachePolicyId")
    if policy is None and "ForwardedValues" in config:
        return frozenset({GZIP})  # legacy cache settings: gzip only
    if isinstance(policy, str):
        return MANAGED_CACHE_POLICIES.get(policy, frozenset())
    if isinstance(policy, dict) and set(policy) == {"Ref"} and policy["Ref"] in resources:
        properties = resources[policy["Ref"]].get("Properties", {})
        key = (properties.get("CachePolicyConfig") or {}).get(
            "ParametersInCacheKeyAndForwardedToOrigin"
        ) or {}
        enabled = {
            BROTLI: _flag(key.get("EnableAcceptEncodingBrotli")),
            GZIP: _flag(key.get("EnableAcceptEncodingGzip")),
        }
        return frozenset(name for name, on in enabled.items() if on)
    return frozenset()


def _policy_of(resources: Mapping[str, Any], policy: Any) -> dict[str, str]:
    if isinstance(policy, dict) and set(policy) == {"Ref"} and policy["Ref"] in resources:
        properties = resources[policy["Ref"]].get("Properties", {})
        return policy_headers(properties.get("ResponseHeadersPolicyConfig", {}))
    return {}  # a managed policy's id: its headers cannot be read here


def cdn_headers(template: Mapping[str, Any]) -> dict[str, str]:
    """The headers CloudFront adds to the site's pages, read from `template`.

    They come from the ResponseHeadersPolicy that a distribution's default cache behaviour
    names with `!Ref` (a managed policy's id cannot be read here: no headers). Values must
    be plain text, not intrinsic functions. Other behaviours: `cdn_behaviours`.
    """
    behaviours = cdn_behaviours(template)
    return dict(behaviours[-1].headers) if behaviours else {}


def policy_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """The headers of one ResponseHeadersPolicyConfig, spelt as CloudFront sends them."""
    security: Mapping[str, Any] = config.get("SecurityHeadersConfig") or {}
    headers: dict[str, str] = {}
    if hsts := security.get("StrictTransportSecurity"):
        value = f"max-age={_text(hsts['AccessControlMaxAgeSec'])}"
        value += "; includeSubDomains" if _flag(hsts.get("IncludeSubdomains")) else ""
        value += "; preload" if _flag(hsts.get("Preload")) else ""
        headers["Strict-Transport-Security"] = value
    if "ContentTypeOptions" in security:
        headers["X-Content-Type-Options"] = "nosniff"
    if frame := security.get("FrameOptions"):
        headers["X-Frame-Options"] = _text(frame["FrameOption"])
    if referrer := security.get("ReferrerPolicy"):
        headers["Referrer-Policy"] = _text(referrer["ReferrerPolicy"])
    if csp := security.get("ContentSecurityPolicy"):
        headers["Content-Security-Policy"] = _text(csp["ContentSecurityPolicy"])
    if xss := security.get("XSSProtection"):
        value = "1" if _flag(xss["Protection"]) else "0"
        if value == "1" and _flag(xss.get("ModeBlock")):
            value += "; mode=block"
        elif value == "1" and xss.get("ReportUri"):
            value += f"; report={_text(xss['ReportUri'])}"
        headers["X-XSS-Protection"] = value
    for item in (config.get("CustomHeadersConfig") or {}).get("Items") or []:
        headers[_text(item["Header"])] = _text(item["Value"])
    return headers


def _text(value: Any) -> str:
    if is_intrinsic(value) or isinstance(value, (dict, list)):
        raise TemplateError(f"response header value {value!r} is not plain text")
    text = scalar_text(value)
    if "\r" in text or "\n" in text:
        raise TemplateError(f"response header value {text!r} spans lines")
    return text


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


@dataclass(frozen=True)
class SiteObject:
    body: bytes
    content_type: str
    redirect: str | None = None  # S3's WebsiteRedirectLocation: a 301 to this site path
    disposition: str | None = None  # Content-Disposition: media PDFs download
    cache_control: str | None = None  # as stored with the object; CloudFront passes it on
    etag: str | None = None  # S3's ETag, quoted: a reader's cache revalidates with it


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
        return SiteObject(
            body,
            response.get("ContentType") or guess_type(key),
            response.get("WebsiteRedirectLocation"),
            response.get("ContentDisposition"),
            response.get("CacheControl"),
            response.get("ETag"),
        )


class FolderSource:
    """A site written to disk; paths cannot leave the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._read: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}

    def get(self, key: str) -> SiteObject | None:
        parts = PurePosixPath(key).parts
        if ".." in parts or (parts and parts[0] in LISTINGS):
            return None
        path = self.root.joinpath(*parts)
        if not path.is_file():
            return None
        media = self._listing(MEDIA_TYPES_FILE).get(key)
        media = media if isinstance(media, dict) else {}
        cache = self._listing(CACHE_CONTROL_FILE).get(key)
        body = path.read_bytes()
        return SiteObject(
            body,
            str(media.get("content_type") or guess_type(key)),
            self._redirects().get(key),
            str(media["disposition"]) if media.get("disposition") else None,
            str(cache) if cache else None,
            # what S3 gives an object put in one part: the MD5 of its bytes
            f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"',
        )

    def _redirects(self) -> dict[str, str]:
        """The old addresses `rotativa local --out` listed beside the site."""
        return {str(k): str(v) for k, v in self._listing(REDIRECTS_FILE).items()}

    def _listing(self, name: str) -> dict[str, Any]:
        """A listing beside the site, read again whenever it changes (the folder may be
        exported again while it is served) and only then: the Cache-Control one names
        every object, and every request looks in it."""
        listing = self.root / name
        try:
            stat = listing.stat()
        except FileNotFoundError:
            return {}
        version = (stat.st_mtime_ns, stat.st_size)
        known = self._read.get(name)
        if known is not None and known[0] == version:
            return known[1]
        found = json.loads(listing.read_text(encoding="utf-8"))
        found = found if isinstance(found, dict) else {}
        self._read[name] = (version, found)
        return found


def guess_type(key: str) -> str:
    """The Content-Type a file name suggests (what S3 objects without one are served as)."""
    media = BY_EXTENSION.get(PurePosixPath(key).suffix.lower())
    kind = media.content_type if media else mimetypes.guess_type(key)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") else kind


def compressible_object(found: SiteObject) -> bool:
    """Whether CloudFront compresses this object: one of the types it compresses, and of a
    size it compresses (an S3 origin never sends a Content-Encoding of its own)."""
    kind = found.content_type.split(";", 1)[0].strip().lower()
    return kind in COMPRESSIBLE_TYPES and len(found.body) in COMPRESSIBLE_SIZES


def negotiated_encoding(accepted: list[str], behaviour: CdnBehaviour) -> str | None:
    """The compression CloudFront answers `Accept-Encoding` with: Brotli when the reader
    takes it, else gzip, each only if the behaviour serves it; a coding given `q=0` is
    refused. (Browsers send `br` over HTTPS only: on http://127.0.0.1 they get gzip.)"""
    taken: set[str] = set()
    for header in accepted:
        for item in header.split(","):
            name, _, parameters = item.partition(";")
            quality = parameters.strip().lower().removeprefix("q=").strip() or "1"
            try:
                refused = float(quality) <= 0
            except ValueError:
                refused = False
            if name.strip() and not refused:
                taken.add(name.strip().lower())
    return next((e for e in (BROTLI, GZIP) if e in behaviour.encodings and e in taken), None)


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110): `*`, or any listed tag, W/ or not."""
    if not if_none_match:
        return False
    listed = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in listed or etag.removeprefix("W/") in listed


def compressed(body: bytes, encoding: str) -> bytes:
    """`body` in `encoding` (br or gzip); gzip without a timestamp, so the same page
    compresses to the same bytes every time."""
    if encoding == BROTLI:
        return bytes(brotli.compress(body))
    return gzip.compress(body, mtime=0)


class _Handler(BaseHTTPRequestHandler):
    server: _SiteHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, *, with_body: bool) -> None:
        source = self.server.source
        behaviour = self.server.behaviour(urlsplit(self.path).path or "/")
        if behaviour.rewrites:
            key = object_key(self.path)
        else:  # served as it is, as S3 reads the path the viewer asked for
            key = unquote(urlsplit(self.path).path).lstrip("/")
        found = source.get(key)
        status = HTTPStatus.OK
        if found is None:
            status = HTTPStatus.NOT_FOUND
            found = source.get(NOT_FOUND_KEY) or SiteObject(
                b"404 Not Found\n", "text/plain; charset=utf-8"
            )
        location = found.redirect if behaviour.redirects else None
        if location and re.fullmatch(r"/(?![/\\])[^\\]*", location):  # as RedirectFunction
            status = HTTPStatus.MOVED_PERMANENTLY
        compressible = bool(behaviour.encodings) and compressible_object(found)
        encoding = negotiated_encoding(self.headers.get_all("Accept-Encoding") or [], behaviour)
        encoding = encoding if compressible else None
        etag = found.etag
        if etag and encoding and not etag.startswith("W/"):
            etag = "W/" + etag  # CloudFront's "ETag header conversion" of what it compressed
        if status is HTTPStatus.OK and etag and _matches(self.headers.get("If-None-Match"), etag):
            status, body = HTTPStatus.NOT_MODIFIED, b""  # the reader's copy is still good
        else:
            body = compressed(found.body, encoding) if encoding else found.body
        self.send_response(status)
        if status is HTTPStatus.MOVED_PERMANENTLY:
            self.send_header("Location", str(location))
        if status is not HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Type", found.content_type)
            if found.disposition:
                self.send_header("Content-Disposition", found.disposition)
            if encoding:
                self.send_header("Content-Encoding", encoding)
            self.send_header("Content-Length", str(len(body)))
        if compressible:  # a cache between must keep the compressed and plain apart
            self.send_header("Vary", "Accept-Encoding")
        if etag:
            self.send_header("ETag", etag)
        if found.cache_control:  # the origin's; without one, none (as CloudFront)
            self.send_header("Cache-Control", found.cache_control)
        for name, value in behaviour.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: `rotativa dev` prints the pipeline's events, not every request."""


class _SiteHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        source: SiteSource,
        behaviours: list[CdnBehaviour],
    ) -> None:
        super().__init__(address, _Handler)
        self.source = source
        self.behaviours = behaviours

    def behaviour(self, path: str) -> CdnBehaviour:
        return next(b for b in self.behaviours if b.serves(path))


class SiteServer:
    """An HTTP server for a site source, in a background thread.

    `headers` go on every response, as a ResponseHeadersPolicy's do (see `cdn_headers`);
    `behaviours` (see `cdn_behaviours`) instead give each path the headers and functions
    of the cache behaviour that serves it, as the distribution does.
    """

    def __init__(
        self,
        source: SiteSource,
        host: str = "127.0.0.1",
        port: int = 8080,
        headers: Mapping[str, str] | None = None,
        behaviours: list[CdnBehaviour] | None = None,
    ) -> None:
        served = behaviours or [CdnBehaviour(None, dict(headers or {}))]
        if served[-1].pattern is not None:
            raise ValueError("the last behaviour must be the default (pattern None)")
        self._server = _SiteHTTPServer((host, port), source, served)
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
