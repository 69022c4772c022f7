"""Full rebuild: every page of a 10,000-article site, rotativa in process against Hugo.

Both get the same generated corpus (`benchmarks.corpus`, FIXED_END: same bytes every run)
and write every page into a fresh folder of the same file system (a tmpfs when there is
one, so that both measure work, not the disk). Each runs as a fresh process, timed and
its peak RSS taken by `/usr/bin/time`:

- rotativa, end to end: every upload validated as the cloud validates it, the listings and
  the related boxes worked out (`services.rebuild.index_articles`: the IndexFunction's
  `Indexer` over the in-memory twin of the table), every page rendered by the
  RenderFunction's own `PageRenderer` and written; with one process and with two (`--jobs`);
- rotativa rebuild only: the same, from articles already validated (what
  `rotativa rebuild` does after a template change: the table holds them);
- Hugo (`hugo --quiet`), with its "first 5 related" box (`.Site.RegularPages.Related .`),
  and, as a reference, the same layout without the box.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.corpus import FIXED_END, generate
from benchmarks.hugo_site import hugo_version, write_site
from benchmarks.seeding import stored_articles
from rotativa.adapters.folder import FolderBucket
from rotativa.adapters.memory import MemoryTable
from rotativa.domain.site import SiteSettings
from rotativa.services.rebuild import Rebuild, index_articles, site_pages

TIME = "/usr/bin/time"
NOW = FIXED_END + timedelta(hours=1)


SCRATCH: Path | None = None  # where the sites are written, when the caller says (--work)


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


def child(n: int, out: Path, jobs: int, validated: bool) -> dict[str, Any]:
    """The rotativa build, in this (fresh) process: phases timed."""
    site = SiteSettings.model_validate_json(os.environ["ROTATIVA_BENCH_SITE"])
    articles = generate(n)
    phases: dict[str, float] = {}
    started = time.perf_counter()
    stored = stored_articles(articles, site)
    if validated:  # the table already holds them: validation is not part of a rebuild
        started = time.perf_counter()
    else:
        phases["validate"] = time.perf_counter() - started
    mark = time.perf_counter()
    memory = MemoryTable()
    index_articles(site, memory, stored, NOW)
    refs = site_pages(memory, site)
    phases["index_and_related"] = time.perf_counter() - mark
    report = Rebuild(site, memory, FolderBucket(out)).run(refs, NOW, jobs=jobs)
    phases["render_and_write"] = report.seconds
    return {
        "seconds": time.perf_counter() - started,
        "phases": {k: round(v, 3) for k, v in phases.items()},
        "pages": report.pages,
        "files": report.files,
        "bytes": report.bytes,
        "html_files": sum(1 for p in out.rglob("*.html")),
    }


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[str, dict[str, float]]:
    """Run under /usr/bin/time: stdout, and wall, user, sys seconds and peak RSS (MB)."""
    report = Path(scratch()) / "time.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [TIME, "-f", "%e %U %S %M", "-o", str(report), *command],
        capture_output=True, text=True, check=False, env=env,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{result.stderr[-3000:]}")
    wall, user, system, rss = report.read_text().split()[-4:]
    return result.stdout, {
        "wall_seconds": float(wall),
        "cpu_seconds": round(float(user) + float(system), 2),
        "peak_rss_mb": round(int(rss) / 1024, 1),
    }


def rotativa(n: int, site: SiteSettings, *, jobs: int, validated: bool = False) -> dict[str, Any]:
    out = scratch() / f"rotativa-{jobs}"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "ROTATIVA_BENCH_SITE": site.model_dump_json()}
    command = [sys.executable, "-m", "benchmarks.fullbuild", "--child", str(n), str(out),
               str(jobs)] + (["--validated"] if validated else [])  # fmt: skip
    stdout, figures = timed(command, env)
    found: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    found.update(figures)
    found["pages_per_second"] = round(found["pages"] / found["seconds"], 1)
    shutil.rmtree(out, ignore_errors=True)
    return found


def hugo(n: int, *, related: bool) -> dict[str, Any]:
    root, out = scratch() / "hugo-src", scratch() / "hugo-out"
    write_site(generate(n), root)
    if not related:
        single = root / "layouts" / "_default" / "single.html"
        text = single.read_text(encoding="utf-8")
        single.write_text(
            text.replace("{{ with .Site.RegularPages.Related . | first 5 }}", "{{ with slice }}"),
            encoding="utf-8",
        )
    started = time.perf_counter()
    _, figures = timed(["hugo", "--quiet", "--source", str(root), "--destination", str(out)])
    seconds = time.perf_counter() - started
    files = [p for p in out.rglob("*") if p.is_file()]
    pages = sum(1 for p in files if p.suffix == ".html")
    result = {
        "seconds": round(seconds, 2),
        **figures,
        "pages": pages,
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "pages_per_second": round(pages / seconds, 1),
        "related_box": related,
    }
    shutil.rmtree(out, ignore_errors=True)
    return result


def run(
    n: int, *, log: Callable[[str], None] = print, hugo_reference: bool = True
) -> dict[str, Any]:
    site = template_site()
    result: dict[str, Any] = {"n": n, "hugo_version": hugo_version(), "scratch": str(scratch())}
    log(f"  rotativa, {n} articles from uploads, 1 process")
    result["rotativa"] = rotativa(n, site, jobs=1)
    log(f"    {result['rotativa']['seconds']:.1f} s, {result['rotativa']['pages']} pages")
    log("  rotativa, 2 processes")
    result["rotativa_jobs2"] = rotativa(n, site, jobs=2)
    log(f"    {result['rotativa_jobs2']['seconds']:.1f} s")
    log("  rotativa rebuild of validated articles (after a template change), 2 processes")
    result["rotativa_rebuild_jobs2"] = rotativa(n, site, jobs=2, validated=True)
    log(f"    {result['rotativa_rebuild_jobs2']['seconds']:.1f} s")
    if result["hugo_version"] is None:
        log("  hugo is not installed (apt-get install -y hugo): no comparison")
        return result
    log("  hugo, with the related box")
    result["hugo"] = hugo(n, related=True)
    log(f"    {result['hugo']['seconds']:.1f} s, {result['hugo']['pages']} pages")
    if hugo_reference:
        log("  hugo, without the related box (reference)")
        result["hugo_without_related"] = hugo(n, related=False)
        log(f"    {result['hugo_without_related']['seconds']:.1f} s")
    best = result["rotativa_jobs2"]
    result["ratio_pages_per_second"] = round(
        best["pages_per_second"] / result["hugo"]["pages_per_second"], 2
    )
    result["ratio_seconds"] = round(result["hugo"]["seconds"] / best["seconds"], 2)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("N", "OUT", "JOBS"))
    parser.add_argument("--validated", action="store_true")
    parser.add_argument("-n", type=int, default=10_000)
    args = parser.parse_args()
    if args.child:
        n, out, jobs = args.child
        print(json.dumps(child(int(n), Path(out), int(jobs), args.validated)))
        return 0
    print(json.dumps(run(args.n), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
