"""Writing the static site of municipality reports (``natsam export --site``), timed and measured.

- the site: :func:`natsam_analysis.reports.export_site` for all 290 municipalities (or the first
  ``--limit`` in the start page's order) with ``--jobs`` workers, each running its reports in one
  kernel: the total time, the time per page, the site's size (pages, shared assets, start page)
  and the largest page;
- baseline, measured in the same run: the same report exported the way one notebook page is
  (:func:`natsam_analysis.notebooks.execute`, a new kernel per report, and ``to_html`` with
  plotly.js and the style sheet inlined) for ``--baseline`` municipalities, one at a time; the
  ratio says how much faster a page of the site is written than such a page, and how much smaller.

The machine's load average is printed at the start and the end: on a shared machine the times say
as much about the other work on it as about the export.

    .venv/bin/python benchmarks/static_site.py [--limit 290] [--jobs 2] [--baseline 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from natsam_analysis import geography, notebooks, reports
from natsam_analysis.serve import prepare_data, prepare_index


def baseline(ids: list[str], folder: Path) -> tuple[float, float]:
    """Mean seconds and bytes per report, each run in a new kernel and written with everything inlined."""
    seconds, sizes = [], []
    for mid in ids:
        start = time.perf_counter()
        nb = notebooks.execute(reports.report_notebook(), {"municipality": mid, "lang": "sv"})
        page, _ = notebooks.to_html(nb, title=mid, exclude_input=True)
        (folder / f"{mid}.html").write_text(page, encoding="utf-8")
        seconds.append(time.perf_counter() - start)
        sizes.append(len(page.encode("utf-8")))
    return sum(seconds) / len(seconds), sum(sizes) / len(sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=290, help="municipalities on the site (default: all 290)")
    parser.add_argument("--jobs", type=int, default=2, help="workers, each with one kernel (default: 2)")
    parser.add_argument("--baseline", type=int, default=3, help="reports run the one-kernel-each way (0: none)")
    parser.add_argument("--out", type=Path, default=None, help="keep the site in this folder (default: a temporary one)")
    args = parser.parse_args()

    prepare_data()
    prepare_index()
    ids = geography.platform_first_order()[: args.limit]
    print(f"Load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    work = Path(tempfile.mkdtemp(prefix="natsam-site-"))
    folder = args.out or work / "site"
    try:
        site = reports.export_site(folder, municipalities=ids, jobs=args.jobs)
        pages = sum(p.bytes for p in site.pages)
        assets = sum(f.stat().st_size for f in (folder / reports.SITE_ASSETS).iterdir())
        largest = max(site.pages, key=lambda p: p.bytes)
        per_page = site.seconds / len(site.pages)
        print(f"Site: {len(site.pages)} municipality pages in {site.seconds:.0f} s ({per_page:.2f} s per page, "
              f"{args.jobs} workers)")
        print(f"Size: {site.bytes / 1e6:.1f} MB in {site.files} files: pages {pages / 1e6:.1f} MB "
              f"(mean {pages / len(site.pages) / 1e3:.0f} kB, largest {largest.name} {largest.bytes / 1e3:.0f} kB), "
              f"assets {assets / 1e6:.1f} MB, start page {site.index.stat().st_size / 1e3:.0f} kB")
        if args.baseline:
            sample = ids[: args.baseline]
            base_seconds, base_bytes = baseline(sample, work)
            print(f"Baseline (a new kernel per report, everything inlined; {len(sample)} reports): "
                  f"{base_seconds:.1f} s and {base_bytes / 1e6:.2f} MB per report")
            print(f"Ratio: a site page takes {per_page / base_seconds:.2f} of the baseline's time "
                  f"and {pages / len(site.pages) / base_bytes:.2f} of its size; all 290 the baseline way: "
                  f"about {290 * base_seconds / 60:.0f} min and {290 * base_bytes / 1e6:.0f} MB")
    finally:
        print(f"Load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
