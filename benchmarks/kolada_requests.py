"""HTTP requests of a realistic Kolada fetch against the minimum the API's limits allow, and time off the network.

The fetch: the 40 indicators of the catalog x the 290 municipalities x 15 years (2010-2024) into a
fresh store, exactly as ``natsam fetch --kpi ... --municipality ... --years 2010-2024`` does it. The
fake Kolada API of the tests (recorded payloads, synthetic values where nothing was recorded) runs in a
separate process, so its work counts as network time, not ours.

Printed:

* the requests made against the minimum the limits allow: at least ``ceil(rows / 5000)`` pages and at
  least one request per combination of path segments of at most 25 values; and, as a baseline measured
  in the same run, the requests of a plan that simply cuts every list into segments of 25;
* the wall time split into waiting on the network (inside ``requests``), waiting for the rate limit,
  and everything else: parsing, validating, building frames, writing the store ("outside the network").

    .venv/bin/python benchmarks/kolada_requests.py [--rate 5] [--years 2010-2024]

Needs the recorded payloads in ../shared/reference/kolada.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time

from natsam_analysis import catalog, config
from natsam_analysis.sources import kolada, sync
from natsam_analysis.sources.kolada import KoladaClient, parse_years

REFERENCE = config.PROJECT_ROOT.parent / "shared" / "reference" / "kolada"
SERVER = """
import sys
sys.path.insert(0, {tests!r})
from pathlib import Path
from fakes.kolada_fake import KoladaFake
from fakes.server import FakeServer
server = FakeServer(KoladaFake(Path({reference!r}))).start()
print(server.url, flush=True)
sys.stdin.read()
server.stop()
"""


class FakeKolada:
    """The fake API in a child process; ``url`` is its base URL."""

    def __enter__(self) -> FakeKolada:
        code = SERVER.format(tests=str(config.PROJECT_ROOT / "tests"), reference=str(REFERENCE))
        self.process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        self.url = self.process.stdout.readline().strip() + "/v3"
        if not self.url.startswith("http"):
            raise SystemExit("the fake Kolada API did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def timed_fetch(url: str, kpis: list[str], municipalities: list[str], years: list[int], rate: float | None,
                naive: bool = False) -> dict[str, float]:
    """One fetch into a fresh data directory; requests and where the time went."""
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["NATSAM_DATA_DIR"] = tmp
        client = KoladaClient(url, rate=rate)
        network = 0.0
        send = client.api.session.request

        def request(*args, **kwargs):
            nonlocal network
            start = time.perf_counter()
            try:
                return send(*args, **kwargs)
            finally:
                network += time.perf_counter() - start

        client.api.session.request = request
        plan = sync.plan_chunks
        if naive:  # the baseline: every list cut into segments of 25, whatever the page size
            sync.plan_chunks = lambda *a, **kw: kolada.plan_chunks(*a, **{**kw, "expect_rows": False})
        try:
            start = time.perf_counter()
            summary = sync.fetch_data(kpis, municipalities, years, client=client, progress=False)
            wall = time.perf_counter() - start
        finally:
            sync.plan_chunks = plan
        return {"requests": client.api.requests_made, "wall": wall, "network": network,
                "rate_wait": client.api.wait_seconds, "rows": summary.stored_rows, "chunks": summary.chunks}


def api_rows(kpis: list[str], municipalities: list[str], years: list[int]) -> int:
    """Rows (kpi, municipality, year) the fake API holds for the query: what has to come over the wire."""
    sys.path.insert(0, str(config.PROJECT_ROOT / "tests"))
    from fakes.kolada_fake import KoladaFake

    fake = KoladaFake(REFERENCE)
    return sum(1 for k in kpis for m in municipalities for y in years if fake.row(k, m, y) is not None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=5.0, help="requests per second (default 5, as against Kolada)")
    parser.add_argument("--years", default="2010-2024", help="years (default 2010-2024: 15 years)")
    args = parser.parse_args(argv)
    if not REFERENCE.is_dir():
        raise SystemExit(f"{REFERENCE} is missing: the benchmark serves the recorded Kolada payloads.")

    from natsam_analysis import geography

    kpis = catalog.load_catalog().index.tolist()
    municipalities = geography.municipalities()["municipality_id"].tolist()
    years = parse_years(args.years)
    rows = api_rows(kpis, municipalities, years)
    segments = math.prod(math.ceil(n / kolada.MAX_SEGMENT_VALUES) for n in (len(kpis), len(municipalities), len(years)))
    minimum = max(math.ceil(rows / kolada.PER_PAGE), segments)

    with FakeKolada() as fake:
        ours = timed_fetch(fake.url, kpis, municipalities, years, args.rate)
        naive = timed_fetch(fake.url, kpis, municipalities, years, args.rate, naive=True)

    outside = ours["wall"] - ours["network"] - ours["rate_wait"]
    print(f"Kolada fetch: {len(kpis)} KPIs x {len(municipalities)} municipalities x {len(years)} years "
          f"({years[0]}-{years[-1]}), fake API in another process, rate {args.rate:g}/s")
    print(f"  rows the API returns: {rows} (at most {kolada.PER_PAGE} per page); "
          f"{ours['rows']} panel rows stored (genders split)")
    print(f"  minimum requests the limits allow: {minimum} "
          f"(pages: {math.ceil(rows / kolada.PER_PAGE)}, segment combinations of <= {kolada.MAX_SEGMENT_VALUES}: {segments})")
    print(f"  requests made: {ours['requests']} in {ours['chunks']} chunks   "
          f"ratio to the minimum: {ours['requests'] / minimum:.2f}")
    print(f"  baseline, segments of 25 regardless of pages: {naive['requests']} requests   "
          f"ratio to the minimum: {naive['requests'] / minimum:.2f}")
    print(f"  wall time: {ours['wall']:.2f} s = network {ours['network']:.2f} s + rate-limit waits "
          f"{ours['rate_wait']:.2f} s + outside the network {outside:.2f} s "
          f"({1000 * outside / max(1, ours['requests']):.0f} ms per request; "
          f"{ours['rows'] / max(outside, 1e-9):,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
