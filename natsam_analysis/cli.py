"""The ``natsam`` command: generate the demo data and serve the dashboards.

A thin layer over the library: argument parsing, printing and exit codes. Errors the suite raises on
purpose (:class:`~natsam_analysis.errors.NatsamError`) are shown as one message without a traceback
and exit with status 2.

Examples
--------
>>> main(["demo"])                       # doctest: +SKIP
Generated the demo panel: .../data/demo/panel.parquet
...
>>> main(["serve", "--port", "8867"])    # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from natsam_analysis import __version__, config, serve, store
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import demo_note
from natsam_analysis.sources import demo

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``natsam`` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="natsam",
        description="natsam-analysis: innovation and transformation capacity (innovations- och "
        "omställningsförmåga) of Sweden's 290 municipalities. Data live under NATSAM_DATA_DIR "
        f"(now {config.data_dir()}).",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_cmd = commands.add_parser(
        "demo",
        help="generate the synthetic demo panel (Demodata – syntetiska värden, inte officiell statistik)",
        description="Generate the synthetic demo indicator panel for all 290 municipalities under "
        "<data dir>/demo. The values are synthetic, never official statistics. Nothing is done when "
        "a current demo with the same seed already exists, unless --force is given. The library and the "
        "dashboards use the default seed: a demo made with another seed is replaced by the default one "
        "the next time they need it.",
    )
    demo_cmd.add_argument("--seed", type=int, default=demo.DEFAULT_SEED,
                          help="random seed; the same seed gives the same values (default: %(default)s)")
    demo_cmd.add_argument("--force", action="store_true", help="regenerate even when the demo is up to date")
    demo_cmd.set_defaults(run=_run_demo)

    serve_cmd = commands.add_parser(
        "serve",
        help="serve the Voila dashboards in the browser",
        description="Serve the dashboards with Voila (sources hidden, no requests off this host). "
        "The demo data and geography caches are prepared first, so the first viewer does not wait.",
    )
    serve_cmd.add_argument("--port", type=int, default=serve.DEFAULT_PORT, help="port to listen on (default: %(default)s)")
    serve_cmd.add_argument("--host", default=serve.DEFAULT_HOST,
                           help="address to listen on (default: %(default)s, this computer only)")
    serve_cmd.add_argument("--open", action="store_true", help="open the dashboard in a web browser")
    serve_cmd.add_argument("--dashboards", type=Path, default=None, metavar="FOLDER",
                           help="folder of dashboard notebooks (default: the project's dashboards/)")
    serve_cmd.set_defaults(run=_run_serve)

    index_cmd = commands.add_parser(
        "index", help="build composite indices from YAML specs",
        description="Composite indices (OECD/JRC handbook method, COINr's conventions). Specs are described "
        "in data/indices/README.md.",
    )
    index_commands = index_cmd.add_subparsers(dest="index_command", required=True, metavar="SUBCOMMAND")
    build_cmd = index_commands.add_parser(
        "build", help="build an index from a spec and write its results as CSV",
        description="Build the index SPEC describes and write uCode, every indicator and aggregate of the "
        "final (or --dataset) data set and a rank per aggregate (Rank_<code>; 1 = best) to --out. With "
        "--idata/--imeta the index starts from those tables (COINr's iData/iMeta); without them a spec "
        "naming catalog indicators is built from the indicator panel (fetched Kolada data, else the "
        "synthetic demo).",
    )
    build_cmd.add_argument("spec", type=Path, metavar="SPEC", help="the index spec (YAML)")
    build_cmd.add_argument("--idata", type=Path, metavar="FILE.csv", help="unit data: uCode, groups, denominators, indicators")
    build_cmd.add_argument("--imeta", type=Path, metavar="FILE.csv", help="indicator metadata (Level, iCode, Parent, ...)")
    build_cmd.add_argument("--out", type=Path, required=True, metavar="FILE.csv", help="where to write the results")
    build_cmd.add_argument("--dataset", metavar="NAME", default=None,
                           help="data set to write: raw, denominated, screened, imputed, treated, normalised or "
                           "aggregated (default: the one the last step makes)")
    build_cmd.set_defaults(run=_run_index_build)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    folder = config.demo_dir()
    if args.force or not demo.demo_is_current(folder, args.seed):
        entry = demo.write_demo(args.seed, folder)
        action = "Generated the demo panel"
    else:
        entry = store.read_manifest(folder)[demo.TABLE]
        action = "The demo panel is up to date"
    print(f"{action}: {folder / entry['file']}")
    print(f"  rows:   {entry['rows']}")
    print(f"  seed:   {entry['seed']}")
    print(f"  sha256: {entry['sha256']}")
    print(demo_note())
    return 0


def _run_index_build(args: argparse.Namespace) -> int:
    from natsam_analysis.composite.spec import build_index_files
    from natsam_analysis.panel import is_synthetic

    coin, table = build_index_files(args.spec, args.idata, args.imeta, args.out, args.dataset)
    ranks = [c for c in table.columns if c.startswith("Rank_")]
    print(f"Built {coin.name!r}: {len(table)} units, {len(coin.framework.indicators)} indicators, "
          f"data set {args.dataset or coin.last_dataset!r}")
    print(f"Wrote {args.out} ({len(table.columns)} columns{', ranks: ' + ', '.join(ranks) if ranks else ''})")
    if coin.provenance and is_synthetic(coin.provenance):
        print(demo_note())
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    folder = serve.check_dashboards(args.dashboards)
    serve.check_port(args.host, args.port)
    print("Preparing data ...", flush=True)
    if serve.prepare_data() == "demo":
        print(f"Data: {demo_note()}")
    print(f"Dashboards: {serve.dashboard_url(args.host, args.port, serve.start_page(folder))}")
    print("Stop the server with Ctrl-C.", flush=True)
    return serve.run_voila(folder, args.host, args.port, open_browser=args.open)


def main(argv: list[str] | None = None) -> int:
    """Run ``natsam`` with ``argv`` (default: the command line); return the exit status.

    Parameters
    ----------
    argv
        Arguments without the program name, e.g. ``["demo", "--seed", "7"]``.

    Returns
    -------
    int
        0 on success, 2 when the suite reports an error (printed to stderr as one message).
    """
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except NatsamError as exc:
        print(f"natsam: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
