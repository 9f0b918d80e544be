"""Deterministic synthetic demo panel for all 290 municipalities x the catalog x 2015-2025.

The demo lets every notebook and dashboard run without network access. It is **synthetic**: the values
are drawn from a small latent-factor model and are not official statistics; everything built on it
says so ("Demodata – syntetiska värden, inte officiell statistik").

How the values are made (all from one seeded ``numpy.random.Generator``, so the same seed, catalog
and package versions give byte-identical files):

* Four latent factors per municipality, tied to real structure from :mod:`natsam_analysis.geography`:
  *urbanity* (from the FA region's urban-rural class ur6 and the municipality's area), a *size* proxy
  (log population, larger for urban municipalities, regional centres and small areas), a *capacity*
  factor (partly urban, partly county, partly idiosyncratic) and a *social* factor.
* Each indicator loads on these factors with its catalog direction (a capable municipality tends to
  do well whether "well" means high or low), plus a realistic urban-rural sign for some indicators
  (e.g. post-secondary education, electric cars and public transport are higher in cities, emissions
  per resident lower); the latent score is mapped into the indicator's plausible range through the
  normal CDF, so every value stays inside the catalog's range.
* Context variables describe structure, not capacity: population grows with urbanity; population
  density is that population divided by the municipality's real area; the degree of urbanisation,
  the share aged 65+ and the median earned income follow urbanity, size and capacity.
* Smooth trends: a per-indicator drift (steep for electric cars and fibre, falling for emissions), a
  slow per-municipality random walk and a small common yearly shock.
* Gendered indicators get K and M rows consistent with T: for rates T lies midway between K and M
  (up to rounding); for counts K + M = T exactly.
* Election indicators exist only for election years (2018, 2022); a few indicators start later;
  about 5 % of values are missing (more often in small municipalities), and a few municipality series
  are outliers (shifted far towards one end of the range, still inside it).

The seed is recorded in the manifest entry and sticks: :func:`ensure_demo` (used by ``load_panel()``
and ``natsam serve``) keeps a stored demo whatever its seed and regenerates it, with the recorded seed,
only when it is missing or the catalog or generator version changed. ``natsam demo --seed N`` sets it.

Examples
--------
>>> panel = generate_demo_panel(seed=1)
>>> sorted(panel["gender"].unique()), panel["municipality_id"].nunique()
(['K', 'M', 'T'], 290)
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from natsam_analysis import config, store
from natsam_analysis.catalog import load_catalog
from natsam_analysis.errors import NatsamError
from natsam_analysis.geography import municipalities
from natsam_analysis.i18n import DEMO_NOTE

GENERATOR_VERSION = "2"
DEFAULT_SEED = 20260101
DEMO_YEARS = tuple(range(2015, 2026))
TABLE = "panel"
ELECTION_YEARS = (2014, 2018, 2022)
#: Indicators reported only for election years.
ELECTION_KPIS = ("N05401", "N05831", "N05815")
#: Indicators whose series start later than the first demo year.
LATE_START = {"N07945": 2017, "U07344": 2019, "U00454": 2018, "N07418": 2016}
#: Urban-rural sign of an indicator (+: higher in urban municipalities), beyond what capacity implies.
URBAN_LOADING = {
    "N01982": 1.0, "N01721": -0.6, "N00218": 0.4, "N00999": 0.5, "N01004": 0.4, "N45700": -0.2,
    "N03702": 0.6, "N07918": 0.7, "N05401": 0.3, "N07609": 0.5, "N03142": 0.6, "N66080": 0.2,
    "N00997": 0.5, "N00957": -0.5, "N00925": 0.3, "N00923": 0.4, "N00401": -0.6, "N07945": 0.6,
    "N45925": -0.8, "N07418": 1.2, "N07916": 0.7, "U07801": -0.3, "N00943": 0.5,
}
#: Drift in latent units per year for indicators with a strong real trend (others drift mildly).
TREND = {"N07945": 0.30, "N07918": 0.18, "N00401": -0.12, "N45925": 0.08, "U07344": 0.25, "N03702": 0.05}
#: Context variables other than population: loadings on (urbanity, capacity, size); population density
#: is population divided by the municipality's real area.
CONTEXT_LOADING = {"N00954": (1.1, 0.2, 0.5), "N01960": (-0.8, -0.2, -0.4), "N00906": (0.5, 0.6, 0.3)}
POPULATION, DENSITY = "N01951", "N02937"
#: The three metropolitan cores, larger than any latent class would make them.
BIG_CITIES = ("0180", "1480", "1280")
UR6_URBANITY = {1: 1.6, 2: 0.7, 3: 0.2, 4: -0.3, 5: -0.8, 6: -1.3}


def _standardise(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / x.std()


def _decimals(low: float, high: float, unit: str) -> int:
    if unit in ("residents", "0-2 scale"):
        return 0
    return int(max(0, 2 - np.floor(np.log10(high - low))))


def catalog_sha256(catalog: pd.DataFrame) -> str:
    """A fingerprint of the catalog content the demo was generated from."""
    return hashlib.sha256(catalog.reset_index().to_csv(index=False).encode("utf-8")).hexdigest()


def generate_demo_panel(
    seed: int = DEFAULT_SEED,
    years: tuple[int, ...] = DEMO_YEARS,
    catalog: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Generate the synthetic indicator panel (pure: no I/O beyond reading the geography).

    Returns a validated-shape panel sorted by kpi, municipality_id, year and gender (T, K, M), with
    ``source="demo"``.
    """
    from scipy.special import ndtr  # only needed to generate; keeps loading the panel light

    cat = load_catalog() if catalog is None else catalog
    geo = municipalities()
    rng = np.random.default_rng(seed)
    n, years = len(geo), np.asarray(years)
    n_years = len(years)

    # latent structure -------------------------------------------------------------------------
    urban = _standardise(geo["ur6"].map(UR6_URBANITY).to_numpy(float)
                         - 0.35 * _standardise(np.log(geo["area_km2"].to_numpy()))
                         + rng.normal(0, 0.35, n))
    centre = np.array([1.0 if name == fa.split("-")[0] else 0.5 if name in fa.split("-") else 0.0
                       for name, fa in zip(geo["name"], geo["fa_name"])])
    county_codes, county_idx = np.unique(geo["county_id"], return_inverse=True)
    county_effect = rng.normal(0, 0.45, len(county_codes))[county_idx]
    capacity = _standardise(0.45 * urban + 0.35 * centre + county_effect + rng.normal(0, 0.8, n))
    social = _standardise(0.3 * urban + 0.5 * county_effect + rng.normal(0, 1.0, n))
    big_city = np.isin(geo["municipality_id"], BIG_CITIES)
    log_pop = (9.7 + 0.75 * urban + 1.2 * centre + 1.3 * big_city
               - 0.15 * _standardise(np.log(geo["area_km2"].to_numpy())) + rng.normal(0, 0.4, n))
    smallness = np.clip((11.0 - log_pop) / 1.5, 0, 2)  # 0 for large, up to 2 for the smallest
    pop_growth = 0.004 + 0.006 * urban + rng.normal(0, 0.003, n)
    year_offset = years - years[0]

    pop_low, pop_high = cat.loc[POPULATION, ["plausible_low", "plausible_high"]].astype(float)
    population = np.clip(np.round(np.exp(log_pop[:, None] + pop_growth[:, None] * year_offset[None, :])),
                         pop_low, pop_high)

    frames = []
    for kpi, ind in cat.iterrows():
        low, high = float(ind["plausible_low"]), float(ind["plausible_high"])
        decimals = _decimals(low, high, ind["unit"])
        direction = ind["direction"]

        if kpi == POPULATION:  # a count
            total = population
        elif kpi == DENSITY:  # the published population over the real area
            total = np.clip(np.round(population / geo["area_km2"].to_numpy()[:, None], 1), low, high)
        elif pd.isna(direction):  # another context variable: structure, slowly changing
            a, b, c = CONTEXT_LOADING.get(kpi, (0.0, 0.0, 0.0))
            z = a * urban + b * capacity + c * _standardise(log_pop) + rng.normal(0, 0.5, n)
            latent = z[:, None] * 0.6 + rng.normal(0.02, 0.02) * (year_offset[None, :] - (n_years - 1) / 2)
            total = np.round(low + (high - low) * ndtr(latent), decimals)
        else:
            d = int(direction)
            w_cap, w_soc = rng.uniform(0.5, 1.0), rng.uniform(0.2, 0.7)
            sign = d if d != 0 else rng.choice([-1, 1])
            z = sign * (w_cap * capacity + w_soc * social) * 0.55 + URBAN_LOADING.get(kpi, 0.0) * urban * 0.5
            z = z + rng.normal(0, 0.45, n)
            outliers = rng.random(n) < 0.006
            z = np.where(outliers, z + rng.choice([-1, 1], n) * 2.6, z)
            drift = TREND.get(kpi, rng.normal(0.02, 0.03))
            walk = np.cumsum(rng.normal(0, 0.05, (n, n_years)), axis=1)
            shock = rng.normal(0, 0.04, n_years)
            latent = z[:, None] + drift * (year_offset[None, :] - (n_years - 1) / 2) + walk + shock[None, :]
            spikes = rng.random((n, n_years)) < 0.0015
            latent = np.where(spikes, latent + rng.choice([-1, 1], (n, n_years)) * 2.5, latent)
            total = low + (high - low) * ndtr(latent * 0.9)
            total = np.round(total, decimals)

        # which (municipality, year) cells exist and which are missing ----------------------------
        present_years = years >= LATE_START.get(kpi, years[0])
        if kpi in ELECTION_KPIS:
            present_years &= np.isin(years, ELECTION_YEARS)
        series_missing = rng.random(n) < 0.004 * (1 + smallness)
        cell_missing = rng.random((n, n_years)) < 0.025 * (1 + smallness[:, None])
        if pd.isna(direction):  # context variables such as population are always published
            series_missing[:], cell_missing[:] = False, False
        values = np.where(series_missing[:, None] | cell_missing, np.nan, total)

        mid = np.repeat(geo["municipality_id"].to_numpy(), n_years)
        yr = np.tile(years, n)
        keep = np.tile(present_years, n)
        block = {"T": values}
        if ind["gendered"]:
            if kpi == POPULATION:
                women_share = rng.normal(0.497, 0.008, n)[:, None]
                women = np.round(total * women_share)
                block["K"], block["M"] = women, total - women
            else:
                gap = rng.choice([-1, 1]) * rng.uniform(0.04, 0.12) * (high - low)
                gap = gap * (1 + rng.normal(0, 0.25, (n, n_years)))
                room = 2 * np.minimum(total - low, high - total)
                gap = np.sign(gap) * np.minimum(np.abs(gap), room)
                block["K"] = np.round(total + gap / 2, decimals)
                block["M"] = np.round(total - gap / 2, decimals)
            missing = np.isnan(values)
            block["K"] = np.where(missing, np.nan, block["K"])
            block["M"] = np.where(missing, np.nan, block["M"])
        for gender, vals in block.items():
            frames.append(pd.DataFrame({
                "municipality_id": mid[keep], "kpi": kpi, "year": yr[keep], "gender": gender,
                "value": vals.reshape(-1)[keep].astype(float),
            }))

    panel = pd.concat(frames, ignore_index=True)
    order = pd.Categorical(panel["gender"], categories=["T", "K", "M"], ordered=True)
    panel = panel.assign(_g=order).sort_values(["kpi", "municipality_id", "year", "_g"], kind="stable")
    panel = panel.drop(columns="_g").reset_index(drop=True)
    panel["year"] = panel["year"].astype("int64")
    panel["status"] = ""
    panel["source"] = "demo"
    return panel[["municipality_id", "kpi", "year", "gender", "value", "status", "source"]]


def demo_provenance(seed: int, years: tuple[int, ...], catalog: pd.DataFrame) -> dict:
    """The manifest entry describing a demo panel (without file facts)."""
    return {
        "source": "demo",
        "synthetic": True,
        "note": DEMO_NOTE["sv"],
        "generator": "natsam_analysis.sources.demo",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "years": [int(years[0]), int(years[-1])],
        "catalog_sha256": catalog_sha256(catalog),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _check_seed(seed: object) -> int:
    """``seed`` as an int, or a clear error (numpy needs a non-negative integer)."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise NatsamError(f"demo seed {seed!r} is not a non-negative integer; use e.g. seed={DEFAULT_SEED}.")
    return int(seed)


def write_demo(seed: int = DEFAULT_SEED, folder: Path | None = None) -> dict:
    """Generate the demo panel with ``seed`` and store it (atomically) plus its manifest entry.

    The seed is recorded in the manifest entry; :func:`ensure_demo` (and so ``load_panel()`` and the
    dashboards) keeps a stored demo whatever its seed. Returns the manifest entry (with ``file``,
    ``rows`` and ``sha256``).

    Examples
    --------
    >>> write_demo(seed=7)["seed"]                          # doctest: +SKIP
    7
    """
    seed = _check_seed(seed)
    folder = Path(folder) if folder else config.demo_dir()
    catalog = load_catalog()
    panel = generate_demo_panel(seed=seed, catalog=catalog)
    return store.write_table(folder, TABLE, panel, demo_provenance(seed, DEMO_YEARS, catalog))


def stored_seed(folder: Path | None = None) -> int | None:
    """The seed recorded for the stored demo (even a stale one), or None when none is recorded.

    Examples
    --------
    >>> stored_seed()                                       # doctest: +SKIP
    20260101
    """
    folder = Path(folder) if folder else config.demo_dir()
    seed = store.read_manifest(folder).get(TABLE, {}).get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        return None
    return seed


def demo_seed(folder: Path | None = None, seed: int | None = None) -> int:
    """The seed a (re)generated demo gets: ``seed`` when given, else the stored demo's, else the default.

    Examples
    --------
    >>> demo_seed(seed=7), demo_seed()                      # doctest: +SKIP
    (7, 20260101)
    """
    if seed is not None:
        return _check_seed(seed)
    recorded = stored_seed(folder)
    return DEFAULT_SEED if recorded is None else recorded


def demo_is_current(folder: Path | None = None, seed: int | None = None) -> bool:
    """True when the stored demo was made by this generator version and catalog (and with ``seed``).

    ``seed=None`` accepts a demo made with any seed; an explicit ``seed`` also requires that seed.

    Examples
    --------
    >>> demo_is_current(), demo_is_current(seed=7)          # doctest: +SKIP
    (True, False)
    """
    folder = Path(folder) if folder else config.demo_dir()
    if not store.has_table(folder, TABLE):
        return False
    entry = store.read_manifest(folder)[TABLE]
    return (entry.get("generator_version") == GENERATOR_VERSION
            and (seed is None or entry.get("seed") == seed)
            and entry.get("catalog_sha256") == catalog_sha256(load_catalog()))


def ensure_demo(folder: Path | None = None, seed: int | None = None) -> Path:
    """Make sure a current demo panel is stored (generating it when needed); return its folder.

    With ``seed=None`` (what ``load_panel()`` and ``natsam serve`` use) a stored demo made by this
    generator version and catalog is kept whatever its seed, so ``natsam demo --seed N`` sticks. A
    missing or stale demo is regenerated with the seed recorded for it, else :data:`DEFAULT_SEED`.
    With an explicit ``seed``, a demo made with another seed is regenerated with ``seed``.

    Examples
    --------
    >>> folder = ensure_demo()                              # doctest: +SKIP
    >>> store.read_manifest(folder)["panel"]["seed"]        # doctest: +SKIP
    20260101
    """
    folder = Path(folder) if folder else config.demo_dir()
    if seed is not None:
        seed = _check_seed(seed)
    if not demo_is_current(folder, seed):
        write_demo(demo_seed(folder, seed), folder)
    return folder
