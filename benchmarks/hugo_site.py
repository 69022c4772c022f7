# ruff: noqa: E501 - the Hugo templates below are HTML, one element a line
"""The same corpus as a Hugo site, for the full-build comparison (`hugo --quiet`).

Each generated article becomes `content/<section>/<slug>.md` with the same title, date,
tags, authors, summary and body; the layout is deliberately plain but shows what
rotativa's pages show: navigation, the article with its tags and authors, and a
"first 5 related" box (`.Site.RegularPages.Related . | first 5`), sections and
taxonomies paginated by 20, RSS and the sitemap (Hugo's built-in templates).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.corpus import GeneratedArticle
from rotativa.domain.slugs import slugify

CONFIG = """\
baseURL = "https://www.nordmilanonotizie.example/"
languageCode = "it"
title = "Nordmilano Notizie"
# rotativa has no page listing every tag or every author: neither has this site.
disableKinds = ["taxonomy"]
ignoreErrors = ["error-disable-taxonomy"]  # "taxonomy" is the list of terms, as meant
enableRobotsTXT = true
timeZone = "Europe/Rome"

[pagination]
pagerSize = 20

[taxonomies]
tag = "tags"
autore = "authors"

[permalinks]
tags = "/tag/:slug/"
authors = "/autore/:slug/"

# Feeds where rotativa has them: the site, each section, each author (below).
[outputs]
home = ["HTML", "RSS"]
section = ["HTML", "RSS"]
term = ["HTML"]

[[cascade]]
outputs = ["HTML", "RSS"]
[cascade._target]
kind = "term"
path = "/authors/**"

# Hugo's documented default (gohugo.io/configuration/related-content/, related.DefaultConfig
# in Hugo's source: `keywords` weight 100, `date` weight 10, threshold 80, newer pages
# left out), with this site's keywords in `tags`.
[related]
includeNewer = false
threshold = 80
toLower = false
[[related.indices]]
name = "tags"
weight = 100
[[related.indices]]
name = "date"
weight = 10

[markup.goldmark.renderer]
unsafe = false
"""

#: what `[related]` says above, for the figures' JSON
RELATED = {
    "includeNewer": False,
    "threshold": 80,
    "toLower": False,
    "indices": [{"name": "tags", "weight": 100}, {"name": "date", "weight": 10}],
}

# Hugo 0.111 reads `paginate`; newer ones read [pagination]. Both are set.
LEGACY_PAGINATE = "paginate = 20\n"

BASEOF = """\
<!DOCTYPE html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ block "title" . }}{{ .Title }} – {{ .Site.Title }}{{ end }}</title>
<meta name="description" content="{{ .Summary | plainify | truncate 200 }}">
<link rel="canonical" href="{{ .Permalink }}">
<link rel="stylesheet" href="/site.css">
</head>
<body>
<header><a href="{{ "/" | relURL }}">{{ .Site.Title }}</a>
<nav>{{ range .Site.Sections }}<a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ end }}</nav>
</header>
<main>{{ block "main" . }}{{ end }}</main>
<footer><a href="/index.xml">Feed</a> <a href="/sitemap.xml">Mappa del sito</a></footer>
</body>
</html>
"""

SINGLE = """\
{{ define "main" }}
<article>
<nav class="breadcrumb"><a href="/">Home</a> › <a href="{{ .CurrentSection.RelPermalink }}">{{ .CurrentSection.Title }}</a> › {{ .Title }}</nav>
<h1>{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "02 Jan 2006 15:04" }}</time>
{{ with .Params.authors }} di {{ delimit . ", " }}{{ end }}</p>
{{ with .Params.image }}<figure><img src="/{{ .src }}" alt="{{ .alt }}"><figcaption>{{ .caption }}</figcaption></figure>{{ end }}
{{ .Content }}
<ul class="tags">{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>
</article>
{{ with .Site.RegularPages.Related . | first 5 }}
<aside><h2>Articoli correlati</h2><ul>
{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "02 Jan 2006" }}</time><p>{{ .Summary | plainify | truncate 140 }}</p></li>
{{ end }}</ul></aside>
{{ end }}
{{ end }}
"""

LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pages := .Pages }}{{ if .IsHome }}{{ $pages = .Site.RegularPages }}{{ end }}
<ol>
{{ range (.Paginate $pages).Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "02 Jan 2006" }}</time><p>{{ .Summary | plainify | truncate 140 }}</p></li>
{{ end }}</ol>
{{ template "_internal/pagination.html" . }}
{{ end }}
"""

NOT_FOUND = """\
{{ define "main" }}<h1>Pagina non trovata</h1><p><a href="/">Torna alla home</a></p>{{ end }}
"""

HOME = """\
{{ define "main" }}
{{ range .Site.Sections }}
<section><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><ul>
{{ range first 5 .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "02 Jan 2006" }}</time></li>
{{ end }}</ul></section>
{{ end }}
{{ end }}
"""


@dataclass(frozen=True)
class HugoBuild:
    version: str
    seconds: float
    pages: int  # HTML files written
    files: int  # every file written (HTML, RSS, sitemaps)
    bytes: int


def hugo_version(binary: str = "hugo") -> str | None:
    if shutil.which(binary) is None:
        return None
    result = subprocess.run([binary, "version"], capture_output=True, text=True, check=False)
    return result.stdout.strip() or None


def write_site(articles: Sequence[GeneratedArticle], root: Path) -> int:
    """The Hugo project for `articles` in `root` (emptied first); returns the files."""
    shutil.rmtree(root, ignore_errors=True)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "config.toml").write_text(LEGACY_PAGINATE + CONFIG, encoding="utf-8")
    layouts = root / "layouts"
    (layouts / "_default" / "baseof.html").write_text(BASEOF, encoding="utf-8")
    (layouts / "_default" / "single.html").write_text(SINGLE, encoding="utf-8")
    (layouts / "_default" / "list.html").write_text(LIST, encoding="utf-8")
    (layouts / "index.html").write_text(HOME, encoding="utf-8")
    (layouts / "404.html").write_text(NOT_FOUND, encoding="utf-8")
    sections = sorted({a.section for a in articles})
    for section in sections:
        folder = root / "content" / slugify(section)
        folder.mkdir(parents=True)
        index = {"title": section}
        (folder / "_index.md").write_text(f"---\n{json.dumps(index)}\n---\n", encoding="utf-8")
    for article in articles:
        front: dict[str, Any] = {
            "title": article.title,
            "date": article.date.isoformat(),
            "slug": article.slug,
            "tags": list(article.tags),
            "authors": list(article.authors),
            "section": article.section,
        }
        if article.image is not None:
            front["image"] = article.image
        path = root / "content" / slugify(article.section) / f"{article.slug}.md"
        # JSON is YAML: the front matter needs no YAML writer.
        text = f"---\n{json.dumps(front, ensure_ascii=False)}\n---\n{article.body}\n"
        path.write_text(text, encoding="utf-8")
    return len(articles) + len(sections) + 5


def build(root: Path, out: Path, binary: str = "hugo") -> HugoBuild:
    """`hugo --quiet` from `root` into `out` (emptied first), timed."""
    shutil.rmtree(out, ignore_errors=True)
    version = hugo_version(binary) or "?"
    started = time.perf_counter()
    subprocess.run(
        [binary, "--quiet", "--source", str(root), "--destination", str(out)],
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - started
    files = [p for p in out.rglob("*") if p.is_file()]
    pages = sum(1 for p in files if p.suffix == ".html")
    size = sum(p.stat().st_size for p in files)
    return HugoBuild(version, seconds, pages, len(files), size)
