"""The ``natsam`` command: generate the demo data, serve the dashboards, open the notebooks in JupyterLab.

A thin layer over the library: argument parsing, printing and exit codes. Errors the suite raises on
purpose (:class:`~natsam_analysis.errors.NatsamError`) are shown as one message without a traceback
and exit with status 2.

Examples
--------
>>> main(["demo"])                       # doctest: +SKIP
Generated the demo panel: .../data/demo/panel.3f2a9c0d1e4b.parquet
...
>>> main(["serve", "--port", "8867"])    # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from pathlib import Path

from natsam_analysis import __version__, config, lab, notebooks, serve, store
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import demo_note
from natsam_analysis.metrics.sdg import SDSN_EDITIONS
from natsam_analysis.sources import demo

EXIT_ERROR = 2
#: ``natsam validate`` exits with this when the file has problems (they are all listed).
EXIT_INVALID = 1
#: What ``natsam validate`` checks: kind -> (module, reader, summary), imported when used.
VALIDATORS = {
    "survey": ("natsam_analysis.sources.survey", "read_survey", "survey_summary"),
    "barriers": ("natsam_analysis.sources.barriers", "read_barriers", "barriers_summary"),
    "cases": ("natsam_analysis.sources.cases", "read_cases", "cases_summary"),
}
SURVEY_GROUPINGS = ("municipality", "role", "gender", "wave")


def _non_negative(text: str) -> int:
    """argparse type: a whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} is negative; use 0 or more")
    return value


def _positive(text: str) -> int:
    """argparse type: a whole number >= 1."""
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError("use 1 or more")
    return value


def _share(text: str) -> float:
    """argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{value:g} is not a share; use a number from 0 to 1")
    return value


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
        "<data dir>/demo. The values are synthetic, never official statistics. The seed is recorded "
        "and sticks: load_panel(), the dashboards and later runs of `natsam demo` keep the stored demo "
        "whatever its seed, and regenerate it with the same seed when the catalog or the generator "
        "changes. Nothing is done when a current demo (with the --seed given, if any) already exists, "
        "unless --force is given.",
    )
    demo_cmd.add_argument("--seed", type=int, default=None,
                          help="random seed; the same seed gives the same values. It is recorded and "
                          "used from then on (default: the stored demo's seed, else "
                          f"{demo.DEFAULT_SEED})")
    demo_cmd.add_argument("--force", action="store_true",
                          help="regenerate even when the demo is up to date (with --seed, else the stored seed)")
    demo_cmd.set_defaults(run=_run_demo)

    serve_cmd = commands.add_parser(
        "serve",
        help="serve the Voila dashboards in the browser",
        description="Serve the dashboards with Voila (sources hidden, no requests off this host). "
        "The demo data and geography caches are prepared first, so the first viewer does not wait.",
    )
    serve_cmd.add_argument("--port", type=int, default=serve.DEFAULT_PORT, help="port to listen on (default: %(default)s)")
    serve_cmd.add_argument("--host", default=serve.DEFAULT_HOST,
                           help="address to listen on (default: %(default)s, this computer only; another "
                           "address only behind an authenticating reverse proxy, see docs/deploy.md)")
    serve_cmd.add_argument("--open", action="store_true", help="open the dashboard in a web browser")
    serve_cmd.add_argument("--dashboards", type=Path, default=None, metavar="FOLDER",
                           help="folder of dashboard notebooks (default: the project's dashboards/)")
    serve_cmd.add_argument("--pool-size", type=_non_negative, default=serve.DEFAULT_POOL_SIZE, metavar="N",
                           help="kernels kept ready per dashboard, each having run its notebook, so a viewer "
                           "gets a finished page at once (default: %(default)s; 0: every viewer waits for a "
                           "kernel to start; each ready kernel holds a few hundred MB)")
    serve_cmd.add_argument("--max-kernels", type=_non_negative, default=None, metavar="N",
                           help="the most viewers served at once, each by a kernel of about "
                           f"{serve.KERNEL_MEMORY_MB} MB; the next one gets a page asking them to try again "
                           f"shortly (default: {serve.DEFAULT_MAX_KERNELS}, or fewer if this computer's memory "
                           "holds fewer; ready kernels come on top; 0: no limit)")
    serve_cmd.add_argument("--cull-idle-timeout", type=_non_negative, default=serve.CULL_IDLE_TIMEOUT,
                           metavar="SECONDS",
                           help="shut down the kernel of a page that was lost without being closed (a crashed "
                           "browser, a dropped connection) after this many seconds without activity "
                           "(default: %(default)s; 0: never; a closed page's kernel ends at once, an open "
                           "page keeps its kernel)")
    serve_cmd.add_argument("--cull-interval", type=_positive, default=serve.CULL_INTERVAL, metavar="SECONDS",
                           help="seconds between two looks for such kernels (default: %(default)s)")
    serve_cmd.set_defaults(run=_run_serve)

    lab_cmd = commands.add_parser(
        "lab",
        help="open the research notebooks in JupyterLab",
        description="Start JupyterLab on the research notebooks (notebooks/), with no requests off this "
        "host (no news feed, update check or PyPI). As root (as in a container) --allow-root is added.",
    )
    lab_cmd.add_argument("--port", type=int, default=lab.DEFAULT_PORT, help="port to listen on (default: %(default)s)")
    lab_cmd.add_argument("--host", default=lab.DEFAULT_HOST,
                         help="address to listen on (default: %(default)s, this computer only)")
    lab_cmd.add_argument("--no-browser", action="store_true", help="do not open JupyterLab in a web browser")
    lab_cmd.add_argument("--notebooks-dir", type=Path, default=None, metavar="FOLDER",
                         help="folder of notebooks to open (default: the project's notebooks/)")
    lab_cmd.set_defaults(run=_run_lab)

    notebooks_cmd = commands.add_parser(
        "notebooks",
        help="run the research notebooks and export them as HTML pages",
        description="Run every research notebook (or those named) on the current data and write each as a "
        "self-contained HTML page whose figures draw with no network (plotly.js inlined once per page), "
        "plus an index.html. The pages carry the figures' sources or the demo note.",
    )
    notebooks_cmd.add_argument("notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
                               help="notebooks to export (default: all in notebooks/)")
    notebooks_cmd.add_argument("--out", type=Path, default=notebooks.DEFAULT_OUT, metavar="FOLDER",
                               help="folder for the pages (default: %(default)s)")
    notebooks_cmd.add_argument("--jobs", type=_positive, default=2, metavar="N",
                               help="notebooks run at once (default: %(default)s)")
    notebooks_cmd.set_defaults(run=_run_notebooks)

    sdg_cmd = commands.add_parser(
        "sdg", help="Agenda 2030 scores by SDSN's method",
        description="Score indicators, goals and an index by the method of SDSN's Sustainable Development Report.",
    )
    sdg_commands = sdg_cmd.add_subparsers(dest="sdg_command", required=True, metavar="SUBCOMMAND")
    sdg_score = sdg_commands.add_parser(
        "score", help="score any units' data by a codebook and write the result as CSV",
        description="Score every unit of DATA.csv (unit,indicator,year,value; each unit's latest value is "
        "assessed) by CODEBOOK.csv (indicator,sdg,direction,optimum,green,red,lower_bound,trend_from) and "
        "write unit,level,code,value,year,score,colour,trend for every indicator, goal and the index. "
        "Without trend options the defaults of natsam_analysis.metrics.sdg apply; --edition applies those that "
        "reproduce an edition of SDSN's database, and a trend option given as well overrides the edition's.",
    )
    sdg_score.add_argument("--codebook", type=Path, required=True, metavar="CODEBOOK.csv", help="the codebook")
    sdg_score.add_argument("--data", type=Path, required=True, metavar="DATA.csv", help="the observations")
    sdg_score.add_argument("--out", type=Path, required=True, metavar="RESULT.csv", help="where to write the result")
    sdg_score.add_argument("--edition", choices=sorted(SDSN_EDITIONS),
                           help="the trend options of SDSN's edition (2022: falling past green on track, start "
                           "tolerance 1, a goal trend wherever an indicator has one)")
    sdg_score.add_argument("--falling-past-green", choices=["stagnating", "on_track"],
                           help="the trend of a falling indicator past its green threshold (default: stagnating; "
                           "on_track: as SDSN's 2022 database)")
    sdg_score.add_argument("--start-tolerance", type=_non_negative, metavar="N",
                           help="how many years from the trend start an observation may stand for it (default: 0; "
                           "SDSN: 1)")
    sdg_score.add_argument("--min-trend-share", type=_share, metavar="SHARE",
                           help="the share of a goal's indicators that need a trend for the goal to have one "
                           "(default: 0.75, the method paper's; 0: any one)")
    sdg_score.set_defaults(run=_run_sdg_score)

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

    fetch_cmd = commands.add_parser(
        "fetch", help="fetch Kolada (and SCB) data into the local store",
        description="Fetch data into the local store (<data dir>/cache), atomically: a failed or interrupted "
        "fetch leaves the store as it was and the same command continues where it stopped. Running a "
        "finished fetch again only checks Kolada for values changed since (from_date) and writes nothing "
        "when there are none. With NATSAM_OFFLINE=1 (or without network) nothing is fetched. The Kolada "
        "base URL is NATSAM_KOLADA_URL (default https://api.kolada.se/v3). Källa: Kolada. One fetch writes "
        "to a store at a time: a second one waits for the first (or, with --no-wait, stops naming it), and "
        "the tables a fetch writes are committed together.",
    )
    fetch_cmd.add_argument("--catalog", action="store_true",
                           help="every indicator of the catalog, all municipalities, 2010 to the latest year")
    fetch_cmd.add_argument("--kpi", metavar="IDS", help="KPI ids, comma-separated (e.g. N01951,N00999)")
    fetch_cmd.add_argument("--municipality", metavar="IDS",
                           help="with --kpi: municipality or group ids (e.g. 0180,1480 or G92787; default: all 290)")
    fetch_cmd.add_argument("--years", metavar="RANGE", help="with --kpi: e.g. 2015-2024 (default: 2010 to the latest)")
    fetch_cmd.add_argument("--since", metavar="YYYY-MM-DD", help="only values changed since this date (from_date)")
    fetch_cmd.add_argument("--full", action="store_true", help="fetch everything again instead of an update check")
    fetch_cmd.add_argument("--kpi-catalogue", action="store_true",
                           help="Kolada's KPI catalogue (for `natsam kpi search`)")
    fetch_cmd.add_argument("--groups", action="store_true",
                           help="municipalities and municipality groups (SKR's classification -> geography column skr_group_name)")
    fetch_cmd.add_argument("--scb", metavar="TABLE", help="an SCB table (e.g. TAB638)")
    fetch_cmd.add_argument("--select", metavar="VAR=CODES", nargs="+", default=None,
                           help="with --scb: the selection, e.g. Region=0180,1480 Tid=2020-2024")
    fetch_cmd.add_argument("--rate", type=float, default=5.0, help="Kolada requests per second at most (default: 5)")
    fetch_cmd.add_argument("--no-progress", action="store_true", help="no progress bar")
    fetch_cmd.add_argument("--no-wait", action="store_true",
                           help="when another fetch is writing to the store, stop (status 2, naming its process "
                           "id and start time) instead of waiting for it")
    fetch_cmd.set_defaults(run=_run_fetch)

    kpi_cmd = commands.add_parser("kpi", help="search Kolada's KPI catalogue")
    kpi_commands = kpi_cmd.add_subparsers(dest="kpi_command", required=True, metavar="SUBCOMMAND")
    search_cmd = kpi_commands.add_parser(
        "search", help="find KPIs by words in their title or description",
        description="Search the fetched KPI catalogue (natsam fetch --kpi-catalogue) by words in the title and "
        "description (Swedish, case-insensitive; every word must occur).",
    )
    search_cmd.add_argument("text", nargs="+", help="words to look for, e.g. bredband")
    search_cmd.add_argument("--limit", type=int, default=30, help="show at most this many (default: %(default)s)")
    search_cmd.set_defaults(run=_run_kpi_search)

    validate_cmd = commands.add_parser(
        "validate", help="check a survey, barrier-register or case-portfolio export; writes nothing",
        description="Check an export of the research's own data (CSV or XLSX) against its schema: the capability "
        "survey (data/instruments/kommunal_innovationsformaga.yaml), the system-barrier register or the "
        "innovation case portfolio. A valid file gets a short summary and exit status 0; otherwise every "
        "problem is listed with its row and column and the exit status is 1. Nothing is written anywhere.",
    )
    validate_cmd.add_argument("kind", choices=sorted(VALIDATORS), help="what the file holds")
    validate_cmd.add_argument("file", type=Path, help="the export (.csv or .xlsx)")
    validate_cmd.set_defaults(run=_run_validate)

    survey_cmd = commands.add_parser("survey", help="capability-survey reports")
    survey_commands = survey_cmd.add_subparsers(dest="survey_command", required=True, metavar="SUBCOMMAND")
    report_cmd = survey_commands.add_parser(
        "report", help="construct scores per group, small groups suppressed",
        description="Construct scores (mean of answered items after reverse coding, at least 60 %% answered) per "
        "group of respondents. A group of fewer than --min-group respondents gets no numbers, only \"för få "
        "svar\" (too few responses), and neither does a group whose numbers would reveal it.",
    )
    report_cmd.add_argument("file", type=Path, help="the survey export (.csv or .xlsx)")
    report_cmd.add_argument("--by", choices=SURVEY_GROUPINGS, default="municipality",
                            help="group respondents by (default: %(default)s)")
    report_cmd.add_argument("--min-group", type=_non_negative, default=None, metavar="N",
                            help="smallest group shown (default 5; never below 3)")
    report_cmd.add_argument("--index", action="store_true", help="show the 0-100 index, (mean - 1) x 25")
    report_cmd.add_argument("--lang", choices=config.LANGUAGES, default=None, help="sv (default) or en")
    report_cmd.set_defaults(run=_run_survey_report)

    export_cmd = commands.add_parser(
        "export", help="municipality reports as HTML pages, and a static site of them",
        description="Run the municipality report (notebooks/rapporter/kommunrapport.ipynb) and write it as a "
        "self-contained HTML page (plotly.js inlined, no request leaves the file), with every figure also as PNG "
        "and SVG in <page>-figurer/ beside it: for one municipality (--municipality) or the six platform "
        "municipalities (--platforms). --site DIR writes a static site instead: a searchable start page and a page "
        "per municipality (all 290, or --municipalities) that load plotly.js once from DIR/assets.",
    )
    what = export_cmd.add_mutually_exclusive_group(required=True)
    what.add_argument("--municipality", metavar="CODE", help="one municipality: its code (1281) or name (Lund)")
    what.add_argument("--platforms", action="store_true", help="the six platform municipalities")
    what.add_argument("--site", type=Path, metavar="DIR", help="a static site of municipality pages in DIR")
    export_cmd.add_argument("--out", type=Path, default=None, metavar="PATH",
                            help="--municipality: the HTML file (default: <name>.html); --platforms: the folder "
                            "(default: build/rapporter)")
    export_cmd.add_argument("--municipalities", default=None, metavar="CODES",
                            help="--site: only these municipalities, comma-separated codes or names")
    export_cmd.add_argument("--lang", choices=config.LANGUAGES, default=None, help="sv (default) or en")
    export_cmd.add_argument("--jobs", type=_positive, default=2, metavar="N",
                            help="--site: reports run at once, each worker with one kernel (default: %(default)s)")
    export_cmd.add_argument("--no-images", action="store_true", help="no PNG and SVG files of the figures")
    export_cmd.set_defaults(run=_run_export)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    folder = config.demo_dir()
    if args.force or not demo.demo_is_current(folder, args.seed):
        entry = demo.write_demo(demo.demo_seed(folder, args.seed), folder)
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


def _run_sdg_score(args: argparse.Namespace) -> int:
    from natsam_analysis.sources.sdg_files import score_files

    options = dict(SDSN_EDITIONS[args.edition]) if args.edition else {}
    for name in ("falling_past_green", "start_tolerance", "min_trend_share"):
        if getattr(args, name) is not None:
            options[name] = getattr(args, name)
    result = score_files(args.codebook, args.data, args.out, **options)
    units = result["unit"].nunique()
    indicators = (result["level"] == "indicator").sum() // max(units, 1)
    print(f"Scored {units} unit(s) on {indicators} indicator(s); wrote {args.out} ({len(result)} rows)")
    if options:
        print("Trend options: " + ", ".join(f"{name} {value}" for name, value in options.items()))
    return 0


def _run_index_build(args: argparse.Namespace) -> int:
    from natsam_analysis.composite.build import build_index_files
    from natsam_analysis.panel import is_synthetic

    coin, table = build_index_files(args.spec, args.idata, args.imeta, args.out, args.dataset)
    ranks = [c for c in table.columns if c.startswith("Rank_")]
    print(f"Built {coin.name!r}: {len(table)} units, {len(coin.framework.indicators)} indicators, "
          f"data set {args.dataset or coin.last_dataset!r}")
    print(f"Wrote {args.out} ({len(table.columns)} columns{', ranks: ' + ', '.join(ranks) if ranks else ''})")
    if coin.provenance and is_synthetic(coin.provenance):
        print(demo_note())
    return 0


def _run_fetch(args: argparse.Namespace) -> int:
    if (args.municipality or args.years) and not args.kpi:
        raise NatsamError("natsam fetch: --municipality and --years go with --kpi IDS.")
    if args.select and not args.scb:
        raise NatsamError("natsam fetch: --select goes with --scb TABLE.")
    if not (args.catalog or args.kpi or args.kpi_catalogue or args.groups or args.scb):
        raise NatsamError("natsam fetch: say what to fetch: --catalog, --kpi IDS, --kpi-catalogue, --groups "
                          "or --scb TABLE (see natsam fetch --help).")
    with contextlib.ExitStack() as locks:
        _lock_fetch_stores(args, locks)
        return _fetch_into_stores(args)


def _lock_fetch_stores(args: argparse.Namespace, locks: contextlib.ExitStack) -> None:
    """Hold the writer lock of every store the fetch writes to for the whole command (waiting unless --no-wait)."""
    from natsam_analysis.sources import scb
    from natsam_analysis.stored import kolada_store

    if config.offline():
        return  # nothing is written
    command = _fetch_command(args)
    folders = [kolada_store()] if args.catalog or args.kpi or args.kpi_catalogue or args.groups else []
    folders += [scb.store_folder()] if args.scb else []
    for folder in folders:
        locks.enter_context(store.writer_lock(folder, wait=not args.no_wait, command=command))


def _fetch_command(args: argparse.Namespace) -> str:
    """The fetch as a command line, for the store's lock note (what a waiting fetch names)."""
    words = ["natsam", "fetch"]
    for flag, value in (("--catalog", args.catalog), ("--kpi-catalogue", args.kpi_catalogue),
                        ("--groups", args.groups), ("--full", args.full)):
        words += [flag] if value else []
    for flag, value in (("--kpi", args.kpi), ("--municipality", args.municipality), ("--years", args.years),
                        ("--since", args.since), ("--scb", args.scb)):
        words += [flag, value] if value else []
    words += ["--select", *args.select] if args.select else []
    return shlex.join(words)


def _fetch_into_stores(args: argparse.Namespace) -> int:
    import warnings

    from natsam_analysis.sources import sync
    from natsam_analysis.sources.kolada import EmptyResultWarning, KoladaClient

    progress = not args.no_progress
    summaries: list[sync.FetchSummary] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmptyResultWarning)
        kolada = None if config.offline() or not (args.catalog or args.kpi or args.kpi_catalogue or args.groups) \
            else KoladaClient(rate=args.rate)
        if args.kpi_catalogue:
            summaries.append(sync.fetch_kpi_catalogue(client=kolada))
        if args.groups:
            summaries.append(sync.fetch_groups(client=kolada))
        if args.catalog:
            summaries += sync.fetch_catalog(client=kolada, full=args.full, since=args.since, progress=progress)
        if args.kpi:
            summaries.append(sync.fetch_data(args.kpi, args.municipality, args.years, since=args.since,
                                             full=args.full, client=kolada, progress=progress))
    for summary in summaries:
        print("\n".join(summary.lines()))
    for warning in caught:
        if issubclass(warning.category, EmptyResultWarning):
            print(f"warning: {warning.message}", file=sys.stderr)
    if args.scb:
        from natsam_analysis.sources import scb

        selection = scb.parse_selection(args.select) if args.select else None
        entry = scb.fetch_to_store(args.scb, selection, progress=progress)
        print(entry.get("message") or f"SCB {args.scb}: {entry.get('rows')} rows stored "
              f"(fetched {str(entry.get('fetched_at', ''))[:19]}, sha256 {str(entry.get('sha256', ''))[:12]})")
    return 0


def _run_kpi_search(args: argparse.Namespace) -> int:
    from natsam_analysis.catalog import search_kpis

    text = " ".join(args.text)
    found = search_kpis(text)
    if found.empty:
        print(f"No KPI in the catalogue mentions {text!r}.")
        return 0
    shown = found.head(args.limit)
    for row in shown.itertuples():
        mark = " *" if row.in_catalog else ""
        print(f"{row.kpi}  {row.title}{mark}")
    more = f" (showing {len(shown)})" if len(found) > len(shown) else ""
    print(f"{len(found)} KPIs mention {text!r}{more}; * = in the project's indicator catalog.")
    return 0


def _run_validate(args: argparse.Namespace) -> int:
    import importlib

    from natsam_analysis.errors import ValidationError

    module, reader, summary = VALIDATORS[args.kind]
    module = importlib.import_module(module)
    try:
        data = getattr(module, reader)(args.file)
    except ValidationError as exc:
        print(f"{exc.what}: {len(exc.problems)} problem(s) found", file=sys.stderr)
        for problem in exc.problems:  # every one, not the first 50 as in other messages
            print(f"  - {problem}", file=sys.stderr)
        if exc.hint:
            print(exc.hint, file=sys.stderr)
        print(f"{args.file}: not valid; nothing was written.", file=sys.stderr)
        return EXIT_INVALID
    print(getattr(module, summary)(data))
    print(f"{args.file}: valid.")
    return 0


def _run_survey_report(args: argparse.Namespace) -> int:
    from natsam_analysis import geography
    from natsam_analysis.metrics.survey import MIN_GROUP_SIZE, survey_report
    from natsam_analysis.sources.survey import read_survey, survey_source_line

    frame = read_survey(args.file)
    min_n = MIN_GROUP_SIZE if args.min_group is None else args.min_group
    report = survey_report(frame, by=args.by, min_n=min_n, index=args.index, lang=args.lang,
                           municipality_names=geography.municipality_names())
    print(report.to_string(line_width=200))
    print(survey_source_line(frame.attrs.get("provenance", {}), args.lang))
    return 0


def _run_serve(args: argparse.Namespace) -> int:
    folder = serve.check_dashboards(args.dashboards)
    serve.check_port(args.host, args.port)
    print("Preparing data ...", flush=True)
    if serve.prepare_data() == "demo":
        print(f"Data: {demo_note()}")
    print("Building the published index and its rank uncertainty (cached after the first time) ...", flush=True)
    try:
        serve.prepare_index()
    except NatsamError as exc:
        print(f"natsam: warning: the index explorer cannot show the published index: {exc}", file=sys.stderr)
    serve.prepare_start_page(folder)
    print(f"Dashboards: {serve.start_page_url(args.host, args.port)}")
    max_kernels = args.max_kernels
    if max_kernels is None:
        max_kernels = serve.default_max_kernels(serve.ready_kernels(folder, args.pool_size))
    print(f"Viewers at once: {max_kernels or 'no limit'} (--max-kernels)"
          + (f", each a kernel of about {serve.KERNEL_MEMORY_MB} MB" if max_kernels else ""), flush=True)
    print("Stop the server with Ctrl-C.", flush=True)
    return serve.run_voila(folder, args.host, args.port, open_browser=args.open, pool_size=args.pool_size,
                           max_kernels=max_kernels, cull_idle_timeout=args.cull_idle_timeout,
                           cull_interval=args.cull_interval)


def _run_lab(args: argparse.Namespace) -> int:
    folder = lab.check_notebooks(args.notebooks_dir)
    lab.check_lab_port(args.host, args.port)
    print(f"JupyterLab on {folder} at {lab.lab_url(args.host, args.port)}; the address with its access token follows.")
    print("Stop the server with Ctrl-C.", flush=True)
    return lab.run_lab(folder, args.host, args.port, open_browser=not args.no_browser)


def _run_notebooks(args: argparse.Namespace) -> int:
    results = notebooks.export_notebooks(args.notebooks or None, args.out, jobs=args.jobs)
    for result in results:
        print(f"{result.html}: {result.figures} figures, {result.bytes / 1e6:.1f} MB "
              f"({result.plotly or 'no'} plotly.js), {result.seconds:.0f} s")
    print(f"Index: {args.out / 'index.html'}")
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from natsam_analysis import reports

    if args.municipalities is not None and args.site is None:
        raise NatsamError("--municipalities limits a site; use it with --site DIR.")
    if args.site is not None:
        if args.out is not None:
            raise NatsamError("--site DIR names the site's folder; leave out --out.")
        chosen = [m for m in args.municipalities.split(",") if m.strip()] if args.municipalities else None
        site = reports.export_site(args.site, municipalities=chosen, lang=args.lang, jobs=args.jobs)
        print(f"{site.index}: {len(site.pages)} municipality pages, {site.files} files, "
              f"{site.bytes / 1e6:.1f} MB, {site.seconds:.0f} s")
        return 0
    if args.platforms:
        results = reports.export_platforms(args.out or reports.DEFAULT_PLATFORMS_OUT, lang=args.lang,
                                           images=not args.no_images)
    else:
        results = [reports.export_report(args.municipality, args.out, lang=args.lang, images=not args.no_images)]
    for result in results:
        images = f", figures as images in {reports.figures_folder(result.html)}" if result.images else ""
        print(f"{result.html}: {result.name}, {result.figures} figures, {result.bytes / 1e6:.1f} MB{images}")
    return 0


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
