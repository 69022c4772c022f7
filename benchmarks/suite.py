"""`make bench`: what the design promises, measured on this machine (not a test).

    python -m benchmarks.suite                    # everything (about an hour on 2 busy cores)
    python -m benchmarks.suite --quick            # small sizes, a few minutes
    python -m benchmarks.suite --tiny --work DIR  # tiny sizes, seconds: the harness's test
    python -m benchmarks.suite --only publish,coldstart

1. incremental publish into sites of N = 100, 1,000, 10,000 articles (local cloud on moto);
2. a burst of 1,000 uploads spread over 5 invalidation windows (the local clock, timed);
3. a full rebuild at 1,000, 2,000 and 10,000 articles: `rotativa rebuild` against `hugo`, whole
   processes, and one publish into 10,000 against Hugo's full build of it;
4. cold start: each handler's import in a fresh interpreter, package and layer sizes;
5. memory: peak RSS of a full rebuild and of one handler invocation;
6. search: one rebuild of the search index at N = 1,000 and 10,000, and what it writes.

Prints one table and writes every figure as JSON (`--out`, default build/bench/
results.json; a section run alone is merged into what is there), and the chart of publish
cost against N (`--chart`, default docs/publish-cost.png, when matplotlib is installed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("publish", "burst", "rebuild", "coldstart", "memory", "search")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def machine() -> dict[str, Any]:
    model = "?"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.is_file():
        memory = int(meminfo.read_text().split()[1]) // 1024
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_mb": memory,
        "os": platform.platform(),
        "python": platform.python_version(),
        "moto": _version("moto"),
        "boto3": _version("boto3"),
        "hugo": _hugo(),
    }


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def _hugo() -> str | None:
    from benchmarks.hugo_site import hugo_version

    return hugo_version()


def timed_section(name: str, body: Callable[[], Any]) -> dict[str, Any]:
    """A section's figures, with its duration and the machine's load around it (other
    processes on a 2-core machine show up in wall times, hardly in CPU times)."""
    log(f"== {name}")
    load = os.getloadavg()
    started = time.perf_counter()
    figures = body()
    return {
        "figures": figures,
        "seconds": round(time.perf_counter() - started, 1),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_publish(sizes: list[int], repeats: int) -> dict[str, Any]:
    from benchmarks.pipeline import flat_verdict, publish_one

    results = [publish_one(n, repeats=repeats, moto_window=n == sizes[-1], log=log) for n in sizes]
    return {"runs": [r.as_dict() for r in results], "verdict": flat_verdict(results)}


def run_burst(uploads: int, site_before: int) -> dict[str, Any]:
    from benchmarks.pipeline import burst

    return burst(uploads, site_before=site_before, log=log).as_dict()


def run_rebuild(sizes: list[int]) -> dict[str, Any]:
    from benchmarks.fullbuild import run

    return run(sizes, log=log)


def publish_against_hugo(sections: dict[str, Any]) -> dict[str, Any] | None:
    """What a newsroom waits for: one publish into N articles (section 1's per-publish
    time) against Hugo's full build of a site of N (section 3), at the largest N both
    measured; None when they share no size."""
    if "publish" not in sections or "rebuild" not in sections:
        return None
    publishes = {run["n"]: run for run in sections["publish"]["figures"]["runs"]}
    builds = {run["n"]: run for run in sections["rebuild"]["figures"]["runs"] if "hugo" in run}
    common = sorted(set(publishes) & set(builds))
    if not common:
        return None
    n = common[-1]
    publish, hugo = publishes[n], builds[n]["hugo"]
    return {
        "n": n,
        "publish_wall_seconds": publish["wall_seconds"],
        "publish_cpu_seconds": publish["cpu_seconds"],
        "hugo_full_build_wall_seconds": hugo["wall_seconds"],
        "hugo_full_build_cpu_seconds": hugo["cpu_seconds"],
        "ratio_wall": round(hugo["wall_seconds"] / publish["wall_seconds"], 1),
        "publish_finished": sections["publish"]["finished"],
        "rebuild_finished": sections["rebuild"]["finished"],
    }


def run_coldstart(repeats: int, work: Path) -> dict[str, Any]:
    from benchmarks.coldstart import run

    return run(work / "package", repeats=repeats, log=log)


def run_memory(n: int, work: Path) -> dict[str, Any]:
    from benchmarks.memory import run

    return run(n, work / "memory", log=log)


def run_search(sizes: list[int], work: Path) -> dict[str, Any]:
    from benchmarks.search_index import run

    return run(sizes, work / "search", log=log)


# --- the table ------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    sections = results.get("sections", {})
    if "publish" in sections:
        runs = sections["publish"]["figures"]["runs"]
        add("1. Incremental publish (one more article into a site of N)")
        add(f"   {'N':>7} {'AWS calls':>9} {'rendered':>8} {'written':>7} {'inval.':>6} "
            f"{'wall s':>7} {'CPU s':>6}   calls by operation")  # fmt: skip
        for run in runs:
            top = ", ".join(f"{k.split(':')[1]} {v}" for k, v in sorted(
                run["calls"].items(), key=lambda kv: -kv[1])[:4])  # fmt: skip
            add(f"   {run['n']:>7,} {run['calls_total']:>9} {run['pages_rendered']:>8} "
                f"{run['pages_written']:>7} {run['invalidation_paths']:>6} "
                f"{run['wall_seconds']:>7.2f} {run['cpu_seconds']:>6.2f}   {top}")  # fmt: skip
        verdict = sections["publish"]["figures"]["verdict"]
        ratios = ", ".join(
            f"{k} ×{v} {'ok' if verdict['within'][k] else 'OVER'}"
            for k, v in verdict["ratios"].items()
        )
        add(f"   N={verdict['to_n']:,} against N={verdict['from_n']:,}: {ratios}")
        search = ", ".join(
            f"N={run['n']:,} {sum(run.get('search_calls', {}).values())}" for run in runs
        )
        add(f"   not in these: the search index's rebuild, once per window: calls {search}")
    if "burst" in sections:
        b = sections["burst"]["figures"]
        add(
            f"2. Burst: {b['uploads']:,} uploads over {b['windows']} windows of "
            f"{b['window_seconds']} s into {b['site_before']:,} articles"
        )
        by_window = ", ".join(str(v) for v in b["invalidations_by_window"].values())
        add(f"   CreateInvalidation by window {by_window} (paths {b['invalidated_paths']}), "
            f"homepage renders {b['homepage_renders']}, pages rendered "
            f"{b['pages_rendered']:,} ({b['pages_rendered_per_upload']:.1f} an upload), "
            f"redundant {b['redundant_renders']}, left out {b['pages_left_out']:,}, "
            f"written {b['pages_written']:,}, wall {b['wall_seconds']:.0f} s")  # fmt: skip
        phases = ", ".join(f"{k.removesuffix('Function')} {v:.0f} s"
                           for k, v in b["function_seconds"].items())  # fmt: skip
        add(f"   time in functions: {phases}")
    if "rebuild" in sections:
        r = sections["rebuild"]["figures"]
        add(f"3. Full rebuild, whole processes into tmpfs, one run each (rotativa --jobs "
            f"{r['jobs']}, {r['hugo_version'] or 'no hugo'})")  # fmt: skip
        if "empty_site" in r:
            empty = ", ".join(f"{name.split('_')[0]} {x['wall_seconds']:.2f} s "
                              f"(CPU {x['cpu_seconds']:.2f} s)"
                              for name, x in r["empty_site"].items())  # fmt: skip
            add(f"   an empty site (the fixed cost of a build): {empty}")
        for run in r["runs"]:
            add(f"   {run['n']:>7,} articles")
            for key, label in (
                ("rotativa_uploads", "rotativa rebuild FOLDER (uploads)"),
                ("rotativa_export", "rotativa rebuild --table-export"),
                ("rotativa_export_reindex", "  the same, --reindex"),
                ("hugo", "hugo, related box (default config)"),
                ("hugo_without_related", "hugo, no related box (reference)"),
            ):
                if key in run:
                    x = run[key]
                    add(f"     {label:<36} {x['wall_seconds']:>7.1f} s  "
                        f"CPU {x['cpu_seconds']:>6.1f} s  RSS {x['peak_rss_mb']:>5.0f} MB  "
                        f"{x['html']:>6,} HTML "
                        f"(+{x['html_redirects']} redirects) {x['feeds']:>4} feeds "
                        f"{x['sitemaps']:>3} sitemaps  load {x['load_before'][0]}")  # fmt: skip
            if "ratios" in run:
                ratios = ", ".join(f"{k.removeprefix('rotativa_')} ×{v['wall']} (CPU ×{v['cpu']})"
                                   for k, v in run["ratios"].items())  # fmt: skip
                add(f"     hugo / rotativa, wall: {ratios}")
        versus = results.get("publish_against_hugo")
        if versus:
            add(f"   one publish into {versus['n']:,}: {versus['publish_wall_seconds']:.2f} s "
                f"(section 1, {versus['publish_finished']}); hugo's full build of it "
                f"{versus['hugo_full_build_wall_seconds']:.1f} s: "
                f"×{versus['ratio_wall']}")  # fmt: skip
    if "coldstart" in sections:
        c = sections["coldstart"]["figures"]
        add("4. Cold start: import of each handler in a fresh interpreter (median ms, CPU ms)")
        for variant, handlers in c["variants"].items():
            cells = "  ".join(
                f"{name} {h['import_ms_median']:>5.0f} ({h['import_cpu_ms_median']:.0f})"
                for name, h in handlers.items()
            )
            add(f"   {variant:<24} {cells}")
            if all("cold_ms_median" in h for h in handlers.values()):
                cells = "  ".join(
                    f"{name} {h['cold_ms_median']:>5.0f} ({h['cold_cpu_ms_median']:.0f})"
                    for name, h in handlers.items()
                )
                add(f"   {'  + first call set-up':<24} {cells}")
        floor = c.get("against_floor", {})
        if floor:
            add("   against the floor (import boto3 + the same clients), as shipped: "
                "instructions ×, CPU ms ×")  # fmt: skip
            add("   " + "  ".join(f"{name} ×{f['ratio']:.2f} (×{f['ratio_cpu_ms']:.2f})"
                              for name, f in floor.items()))  # fmt: skip
        s = c["sizes"]
        add(f"   layer (arm64): {s['layer_unzipped_bytes'] / 1e6:.1f} MB unzipped, "
            f"{s['layer_zipped_bytes'] / 1e6:.1f} MB zipped; functions "
            f"{max(s['functions_zipped_bytes'].values()) / 1e3:.1f} kB zipped at most")  # fmt: skip
    if "memory" in sections:
        m = sections["memory"]["figures"]
        add(f"5. Memory: one RenderFunction invocation ({m['pages']} pages): peak "
            f"{m['peak_mb']:.0f} MB (after import {m['after_import_mb']:.0f} MB)")  # fmt: skip
        if "rebuild" in sections and sections["rebuild"]["figures"]["runs"]:
            r = sections["rebuild"]["figures"]["runs"][-1]
            add(
                f"   full rebuild of {r['n']:,}: rotativa "
                f"{r['rotativa_uploads']['peak_rss_mb']:.0f} MB (largest process)"
                + (f", hugo {r['hugo']['peak_rss_mb']:.0f} MB" if "hugo" in r else "")
            )
    if "search" in sections:
        f = sections["search"]["figures"]
        add("6. Search index: one rebuild (pagefind), what it writes (in process, tmpfs)")
        for size in f["sizes"]:
            cells = "; ".join(
                f"{name.replace('_', ' ')} {run['seconds']:.1f} s, "
                f"{run['files_written']:,} files / {run['bytes_written'] / 1e6:.2f} MB"
                for name in ("first", "one_changed", "unchanged")
                if (run := size[name])
            )
            add(f"   N={size['n']:>6,}: {cells}; bundle {size['bundle_bytes'] / 1e6:.1f} MB")
        add(f"   pagefind's peak RSS {f['pagefind_peak_rss_mb']:.0f} MB")
    return "\n".join(lines)


# --- the chart -----------------------------------------------------------------------------


def chart(results: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no chart (pip install matplotlib)")
        return False
    runs = results["sections"]["publish"]["figures"]["runs"]
    sizes = [r["n"] for r in runs]
    figure, (counts, times) = plt.subplots(1, 2, figsize=(11, 4.2), dpi=120)
    for key, label, marker in (
        ("calls_total", "AWS calls", "o"),
        ("pages_rendered", "pages rendered", "s"),
        ("pages_written", "pages written", "^"),
        ("invalidation_paths", "invalidated paths", "D"),
    ):
        counts.plot(sizes, [r[key] for r in runs], marker=marker, label=label)
    counts.set_xscale("log")
    counts.set_ylim(bottom=0)
    counts.set_xlabel("articles already on the site (N, log scale)")
    counts.set_title("Work of one publish")
    counts.legend(loc="center right", fontsize=8)
    counts.grid(True, alpha=0.3)
    times.plot(sizes, [r["wall_seconds"] for r in runs], marker="o", label="wall time")
    times.plot(sizes, [r["cpu_seconds"] for r in runs], marker="s", label="CPU time")
    for function in sorted({f for r in runs for f in r["function_seconds"]}):
        times.plot(
            sizes,
            [r["function_seconds"].get(function, 0) for r in runs],
            linestyle="--",
            label=function.removesuffix("Function"),
        )
    times.set_xscale("log")
    times.set_ylim(bottom=0)
    times.set_xlabel("articles already on the site (N, log scale)")
    times.set_ylabel("seconds (in process, moto)")
    times.set_title("Time of one publish, local cloud")
    times.legend(fontsize=8)
    times.grid(True, alpha=0.3)
    figure.suptitle("rotativa: the cost of publishing one article as the site grows")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a few minutes)")
    parser.add_argument(
        "--tiny",
        action="store_true",
        help="tiny sizes, no cold start (it installs from the registry), no chart: "
        "a few seconds, to check that the harness runs (tests/unit/test_bench_harness.py)",
    )
    parser.add_argument("--only", help=f"comma-separated sections: {', '.join(SECTIONS)}")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "bench" / "results.json")
    parser.add_argument("--chart", type=Path, default=ROOT / "docs" / "publish-cost.png")
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "build" / "bench",
        help="where the sections build what they measure (packages, sites)",
    )
    args = parser.parse_args(argv)
    tiny = args.tiny
    default = [s for s in SECTIONS if s != "coldstart"] if tiny else list(SECTIONS)
    wanted = args.only.split(",") if args.only else default
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    quick = args.quick
    work = args.work.resolve()
    from benchmarks import fullbuild

    fullbuild.SCRATCH = work / "scratch" if tiny else None
    results: dict[str, Any] = {}
    if args.only and args.out.is_file():
        results = json.loads(args.out.read_text(encoding="utf-8"))
    results["machine"] = machine()
    results["commands"] = [
        "make bench",
        "python -m benchmarks.suite " + " ".join(argv or sys.argv[1:]),
    ]
    sections = results.setdefault("sections", {})
    plan: dict[str, Callable[[], Any]] = {
        "publish": lambda: run_publish([100, 1000] if quick else [100, 1000, 10_000], 3),
        "burst": lambda: run_burst(100 if quick else 1000, 100),
        "rebuild": lambda: run_rebuild([1000] if quick else [1000, 2000, 10_000]),
        "coldstart": lambda: run_coldstart(3 if quick else 9, work),
        "memory": lambda: run_memory(300 if quick else 1000, work),
        "search": lambda: run_search([1000] if quick else [1000, 10_000], work),
    }
    if tiny:
        plan |= {
            "publish": lambda: run_publish([10, 20], 1),
            "burst": lambda: run_burst(10, 10),
            "rebuild": lambda: run_rebuild([20]),
            "coldstart": lambda: run_coldstart(1, work),
            "memory": lambda: run_memory(20, work),
            "search": lambda: run_search([20], work),
        }
    for name in SECTIONS:
        if name in wanted:
            sections[name] = timed_section(name, plan[name])
            args.out.parent.mkdir(parents=True, exist_ok=True)
            versus = publish_against_hugo(sections)
            if versus is not None:
                results["publish_against_hugo"] = versus
            args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"figures: {args.out}")
    if "publish" in sections and not tiny and chart(results, args.chart):
        print(f"chart: {args.chart}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
