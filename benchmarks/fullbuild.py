"""Full rebuild: the `rotativa rebuild` command against `hugo`, both as whole processes.

The race (docs/benchmarks.md, section 3). For each size the same generated corpus
(`benchmarks.corpus`, FIXED_END: the same bytes every run) is laid out three ways in a
tmpfs, outside the timing:

- a content folder of uploads (`articles/<section>/<slug>.md` and `site.yaml`), as an
  editor's or a wire feed's files;
- a DynamoDB table export of the same site once published (export to S3, DYNAMODB_JSON:
  gzipped `{"Item": …}` lines under `data/`, with its manifests), holding what the
  articles table holds: the article items as the ValidateFunction validated them, their
  address claims, and the IndexFunction's items (teasers, related boxes, memberships,
  counters, months), in the adapter's own shapes;
- a Hugo project (`benchmarks.hugo_site`): Hugo's documented default related
  configuration, the same page set.

Then each tool runs once as a fresh process into an empty folder of the same tmpfs, timed
by `/usr/bin/time` (wall, CPU, peak RSS), the load average taken before and after:

- `rotativa rebuild FOLDER --out DIR --jobs J`: interpreter start, imports, every upload
  validated as the cloud validates it (the ValidateFunction's `Ingest`), indexed (the
  IndexFunction's `Indexer`: listings, related boxes), every page rendered by the
  RenderFunction's `PageRenderer` and written; like Hugo, which parses every file;
- `rotativa rebuild --table-export DIR --out DIR --jobs J`: what a rebuild after a
  template change does (`--table` reads the same items from DynamoDB): the articles as
  validated and the index as the IndexFunction keeps it (listings, related boxes) read,
  every page rendered and written;
- the same with `--reindex`: the articles as validated, indexed again (listings and
  related boxes worked out, as Hugo works out its own at every build);
- `hugo --quiet`, with the "first 5 related" box, and the same layout without it (a
  reference: what the box costs Hugo).

Both rotativa runs pass `--no-search`: Hugo builds no search index (pagefind's rebuild is
section 8's figure). J is the machine's cores (at most 2 here), as Hugo uses every core.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from benchmarks.corpus import FIXED_END, GeneratedArticle, generate
from benchmarks.hugo_site import RELATED, hugo_version, write_site
from benchmarks.seeding import stored_articles
from benchmarks.table_export import table_items, write_table_export
from rotativa.adapters.memory import MemoryTable
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import index_articles

TIME = "/usr/bin/time"
SIZES = (1_000, 2_000, 10_000)

ROTATIVA_VARIANTS = ("rotativa_uploads", "rotativa_export", "rotativa_export_reindex")

SCRATCH: Path | None = None  # where the sites are written, when the caller says (--work)
Log = Callable[[str], None]


def scratch() -> Path:
    """Where the sites are written: tmpfs when the machine has one."""
    if SCRATCH is not None:
        return SCRATCH
    shm = Path("/dev/shm")
    base = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path("build") / "bench"
    return base / "rotativa-bench"


def template_site() -> SiteSettings:
    """The site as template.yaml's defaults configure the functions."""
    from benchmarks.coldstart import function_environments

    return SiteSettings.from_environment(function_environments()["render"])


def default_jobs() -> int:
    """rotativa's processes: the machine's cores, at most 2 (this machine's)."""
    return max(1, min(2, os.cpu_count() or 1))


def rotativa_binary() -> Path:
    """The `rotativa` console script of this environment (`make install` puts it there)."""
    found = Path(sys.executable).parent / "rotativa"
    if not found.is_file():
        raise RuntimeError(f"no rotativa command beside {sys.executable}: make install")
    return found


# --- the inputs, outside the timing --------------------------------------------------------


def write_uploads(articles: Sequence[GeneratedArticle], site: SiteSettings, folder: Path) -> Path:
    """The content folder: each upload at its key, and the site's settings (`site.yaml`;
    JSON is YAML). Returns the settings file."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    settings = folder / "site.yaml"
    settings.write_text(json.dumps(site.model_dump(mode="json"), ensure_ascii=False))
    for article in articles:
        path = folder / article.key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(article.upload())
    return settings


def prepare(n: int, root: Path, site: SiteSettings, log: Log) -> dict[str, Any]:
    """The three inputs of size `n` under `root`: uploads, table export, Hugo project."""
    started = time.perf_counter()
    articles = generate(n)
    settings = write_uploads(articles, site, root / "uploads")
    stored = stored_articles(articles, site)  # validated once more, as the cloud did
    memory = MemoryTable()
    index_articles(site, memory, stored, FIXED_END)
    export = write_table_export(table_items(site, stored, memory), root / "export")
    write_site(articles, root / "hugo-src")
    items = json.loads((export / "manifest-summary.json").read_text())["itemCount"]
    log(f"    inputs ready in {time.perf_counter() - started:.0f} s ({items:,} table items)")
    return {"uploads": root / "uploads", "site": settings, "export": export,
            "hugo": root / "hugo-src", "export_items": items}  # fmt: skip


# --- timing a whole process ------------------------------------------------------------


def load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def timed(command: list[str], report: Path) -> tuple[str, dict[str, Any]]:
    """Run under /usr/bin/time: stdout, and wall, CPU (user + system) and peak RSS."""
    before = load()
    result = subprocess.run(
        [TIME, "-f", "%e %U %S %M", "-o", str(report), *command],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr[-3000:]}")
    wall, user, system, rss = report.read_text().split()[-4:]
    return result.stdout, {
        "wall_seconds": float(wall),
        "cpu_seconds": round(float(user) + float(system), 2),
        "peak_rss_mb": round(int(rss) / 1024, 1),
        "load_before": before,
        "load_after": load(),
    }


def census(out: Path) -> dict[str, int]:
    """What a build wrote, counted the same way for both tools."""
    counts: Counter[str] = Counter()
    size = 0
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        size += path.stat().st_size
        name = path.relative_to(out).as_posix()
        if name.endswith(".html"):
            kind = "html"
            if path.stat().st_size < 1024 and b'http-equiv="refresh"' in path.read_bytes():
                kind = "html_redirects"  # Hugo's alias of a listing's first page
        elif name.endswith(("feed.xml", "index.xml")):
            kind = "feeds"
        elif "sitemap" in name:
            kind = "sitemaps"
        else:
            kind = "other"
        counts[kind] += 1
    return {**{k: counts.get(k, 0) for k in ("html", "html_redirects", "feeds", "sitemaps",
            "other")}, "files": sum(counts.values()), "bytes": size}  # fmt: skip


_RENDERED = re.compile(r"^(?P<pages>\d+) pages in (?P<seconds>[\d.]+) s", re.MULTILINE)


def run_rotativa(source: list[str], out: Path, jobs: int) -> dict[str, Any]:
    """`rotativa rebuild <source> --out OUT --jobs J`, a whole process, timed."""
    shutil.rmtree(out, ignore_errors=True)
    command = [str(rotativa_binary()), "rebuild", *source, "--out", str(out), "--jobs",
               str(jobs), "--no-search", "--quiet", "--lang", "en"]  # fmt: skip
    stdout, figures = timed(command, out.parent / "time.txt")
    rendered = _RENDERED.search(stdout)
    if rendered is None:
        raise RuntimeError(f"rotativa rebuild said: {stdout!r}")
    result = {"command": " ".join(["rotativa", *command[1:]]), "jobs": jobs,
              **figures, "page_requests": int(rendered["pages"]),
              "render_and_write_seconds": float(rendered["seconds"]), **census(out)}  # fmt: skip
    shutil.rmtree(out, ignore_errors=True)
    return result


def run_hugo(root: Path, out: Path, *, related: bool) -> dict[str, Any]:
    """`hugo --quiet` from `root` into an empty `out`, timed; without the related box
    when `related` is false (its layout's `with` block emptied)."""
    shutil.rmtree(out, ignore_errors=True)
    single = root / "layouts" / "_default" / "single.html"
    text = single.read_text(encoding="utf-8")
    box = "{{ with .Site.RegularPages.Related . | first 5 }}"
    if not related:
        single.write_text(text.replace(box, "{{ with slice }}"), encoding="utf-8")
    try:
        command = ["hugo", "--quiet", "--source", str(root), "--destination", str(out)]
        _, figures = timed(command, out.parent / "time.txt")
    finally:
        single.write_text(text, encoding="utf-8")
    result = {"command": " ".join(command), "related_box": related, **figures, **census(out)}
    shutil.rmtree(out, ignore_errors=True)
    return result


def _ratio(hugo: dict[str, Any], rotativa: dict[str, Any], key: str) -> float:
    return round(hugo[key] / rotativa[key], 2) if rotativa[key] else 0.0


def race(
    n: int, site: SiteSettings, *, jobs: int, log: Log, hugo_reference: bool
) -> dict[str, Any]:
    """One size: the inputs, then each tool once."""
    root = scratch() / f"n{n}"
    shutil.rmtree(root, ignore_errors=True)
    inputs = prepare(n, root, site, log)
    out = root / "out"
    result: dict[str, Any] = {"n": n, "table_export_items": inputs["export_items"]}
    log(f"    rotativa rebuild FOLDER (uploads, validated), --jobs {jobs}")
    result["rotativa_uploads"] = run_rotativa([str(inputs["uploads"])], out, jobs)
    log(_line(result["rotativa_uploads"]))
    log(f"    rotativa rebuild --table-export (the table as kept), --jobs {jobs}")
    export = ["--table-export", str(inputs["export"]), "--site", str(inputs["site"])]
    result["rotativa_export"] = run_rotativa(export, out, jobs)
    log(_line(result["rotativa_export"]))
    log(f"    rotativa rebuild --table-export --reindex (validated, indexed again), --jobs {jobs}")
    result["rotativa_export_reindex"] = run_rotativa([*export, "--reindex"], out, jobs)
    log(_line(result["rotativa_export_reindex"]))
    if hugo_version() is not None:
        log("    hugo, with the related box")
        result["hugo"] = run_hugo(inputs["hugo"], out, related=True)
        log(_line(result["hugo"]))
        if hugo_reference:
            log("    hugo, same layout without the related box (reference)")
            result["hugo_without_related"] = run_hugo(inputs["hugo"], out, related=False)
            log(_line(result["hugo_without_related"]))
        result["ratios"] = {
            variant: {
                "wall": _ratio(result["hugo"], result[variant], "wall_seconds"),
                "cpu": _ratio(result["hugo"], result[variant], "cpu_seconds"),
            }
            for variant in ROTATIVA_VARIANTS
        }
    shutil.rmtree(root, ignore_errors=True)
    return result


def fixed_cost(site: SiteSettings, *, jobs: int, hugo: bool) -> dict[str, Any]:
    """Each tool on a site with no article: what every build pays whatever its size
    (rotativa: the interpreter, its imports, the pages the site always has)."""
    root = scratch() / "empty"
    shutil.rmtree(root, ignore_errors=True)
    settings = write_uploads([], site, root / "uploads")
    export = write_table_export([], root / "export")
    source = ["--table-export", str(export), "--site", str(settings)]
    result = {"rotativa_export": run_rotativa(source, root / "out", jobs)}
    if hugo:
        write_site([], root / "hugo-src")
        result["hugo"] = run_hugo(root / "hugo-src", root / "out", related=True)
    shutil.rmtree(root, ignore_errors=True)
    return result


def _line(x: dict[str, Any]) -> str:
    return (
        f"      {x['wall_seconds']:.1f} s wall, {x['cpu_seconds']:.1f} s CPU, "
        f"{x['peak_rss_mb']:.0f} MB, {x['html']:,} HTML, load {x['load_before'][0]}"
    )


def run(
    sizes: Sequence[int] = SIZES,
    *,
    jobs: int | None = None,
    log: Log = print,
    hugo_reference: bool = True,
) -> dict[str, Any]:
    site = template_site()
    jobs = jobs or default_jobs()
    version = hugo_version()
    result: dict[str, Any] = {
        "hugo_version": version,
        "hugo_related": RELATED,
        "jobs": jobs,
        "cores": os.cpu_count(),
        "scratch": str(scratch()),
        "runs": [],
    }
    if version is None:
        log("  hugo is not installed (make bench-tools): rotativa alone")
    log("  the fixed cost: an empty site (no article), each tool once")
    result["empty_site"] = fixed_cost(site, jobs=jobs, hugo=version is not None)
    for n in sizes:
        log(f"  {n:,} articles")
        result["runs"].append(race(n, site, jobs=jobs, log=log, hugo_reference=hugo_reference))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="comma-separated article counts"
    )
    parser.add_argument("--jobs", type=int, help="rotativa's processes (default: the cores, ≤ 2)")
    parser.add_argument("--no-reference", action="store_true", help="no Hugo run without box")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    figures = run(sizes, jobs=args.jobs, log=lambda m: print(m, file=sys.stderr),
                  hugo_reference=not args.no_reference)  # fmt: skip
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
