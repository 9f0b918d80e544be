"""Figures written for reports (``natsam_analysis.viz.save_figure`` / ``save_figures``), timed against
one browser per figure, measured in the same run.

The figures: for five indicators (the catalog's first) of the demo panel, the national distribution
chart and the map of all 290 municipalities (10 figures), as the overview notebook draws them.
Printed (medians over ``--runs``):

- ``save_figure`` on one figure (a browser started for it): the time a single export costs;
- baseline: ``save_figure`` called for each of the 10 figures (a browser per figure);
- ``save_figures`` on the same 10 (one browser): the time per figure and the ratio to the baseline;
- per format (PNG, SVG, PDF), chart and map: the time per figure once the browser is ready, and
  the file size;
- what that means for a report exporter writing 290 reports x 10 figures as PNG and SVG.

    .venv/bin/python benchmarks/save_figures.py [--runs 1]

Needs Chromium (apt-get install chromium) or Chrome. Uses the synthetic demo in a temporary data folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

#: How many indicators (the catalog's first) get a chart and a map.
INDICATORS = 5
FORMATS = ("png", "svg", "pdf")


def figures() -> list:
    """Chart and map for each of the catalog's first :data:`INDICATORS` indicators, on the demo panel."""
    from natsam_analysis import geography, load_panel, source_line
    from natsam_analysis.catalog import load_catalog
    from natsam_analysis.metrics.coverage import latest_year
    from natsam_analysis.tables import to_wide
    from natsam_analysis.viz import charts, maps

    panel = load_panel("demo")
    note = source_line(panel.attrs["provenance"])
    catalog = load_catalog()
    names = geography.municipality_names()
    built = []
    for kpi in catalog.index[:INDICATORS]:
        year = latest_year(panel, kpi, n_units=len(names))
        values = to_wide(panel, year)[kpi]
        ind = catalog.loc[kpi]
        title = f"{ind['title_sv']}, {year}"
        built.append(charts.distribution_chart(values, geography.PLATFORM_MUNICIPALITIES, note=note,
                                               unit=ind["unit"], title=title))
        built.append(maps.municipality_map(values, names, note=note, title=title, colorbar_title=ind["unit"],
                                           direction=ind["direction"], target=ind["target"]))
    return built


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def export(items: list) -> tuple[float, float, float]:
    """``save_figures(items)``: seconds to the browser being ready, per figure after that, in all.

    The items are handed over by a generator, which ``save_figures`` asks for the next figure when
    the browser is ready and then each time a figure is written.
    """
    from natsam_analysis.viz import save_figures

    asked: list[float] = []

    def handed():
        for item in items:
            asked.append(time.perf_counter())
            yield item
        asked.append(time.perf_counter())

    start = time.perf_counter()
    save_figures(handed(), progress=False)
    end = time.perf_counter()
    return asked[0] - start, (asked[-1] - asked[0]) / len(items), end - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="repetitions of each measurement (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NATSAM_DATA_DIR"] = str(Path(tmp) / "data")
        from natsam_analysis.viz import files, save_figure

        if files.chromium_path() is None:
            raise SystemExit("No Chromium or Chrome found: apt-get install chromium")
        figs = figures()
        out = Path(tmp) / "out"
        n = len(figs)

        def median(measure):
            results = [measure() for _ in range(args.runs)]
            if isinstance(results[0], tuple):
                return tuple(statistics.median(column) for column in zip(*results))
            return statistics.median(results)

        one = median(lambda: timed(lambda: save_figure(figs[0], out / "one.png")))
        baseline = median(lambda: timed(lambda: [save_figure(fig, out / f"each-{i}.png")
                                                 for i, fig in enumerate(figs)]))
        start, per_figure, total = median(lambda: export([(fig, out / f"many-{i}.png")
                                                          for i, fig in enumerate(figs)]))
        print(f"save_figure, 1 figure (PNG):       {one:6.2f} s")
        print(f"baseline, save_figure x {n} (PNG):  {baseline:6.2f} s = {baseline / n:5.2f} s per figure")
        print(f"save_figures, {n} figures (PNG):    {total:6.2f} s = {total / n:5.2f} s per figure, "
              f"{baseline / total:.1f}x faster than the baseline (browser ready after {start:.2f} s, "
              f"then {per_figure:.2f} s per figure)")

        print("\nper format, save_figures on 5 figures: seconds per figure once the browser is ready, "
              "median file size")
        for kind, fig_list in (("chart", figs[0::2]), ("map", figs[1::2])):
            for fmt in FORMATS:
                items = [(fig, out / f"{kind}-{i}.{fmt}") for i, fig in enumerate(fig_list)]
                _, seconds, _ = median(lambda items=items: export(items))
                size = statistics.median(path.stat().st_size for _, path in items)
                print(f"  {kind:5} {fmt}: {seconds:5.2f} s per figure, {size / 1024:5.0f} KiB")
        print(f"\n290 reports x 10 figures x (PNG + SVG) at {per_figure:.2f} s per figure: about "
              f"{290 * 10 * 2 * per_figure / 60:.0f} min with one browser (a browser per figure: about "
              f"{290 * 10 * 2 * baseline / n / 60:.0f} min)")

if __name__ == "__main__":
    main()
