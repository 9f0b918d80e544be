"""The synthetic demo panel: deterministic, complete, valid, plausible, and honestly labelled."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from natsam_analysis import config, store
from natsam_analysis.catalog import load_catalog
from natsam_analysis.cli import main
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE
from natsam_analysis.panel import load_panel
from natsam_analysis.serve import prepare_data
from natsam_analysis.sources import demo
from natsam_analysis.tables import validate_panel

ALL_YEARS = list(range(2015, 2026))


@pytest.fixture(scope="module")
def cat() -> pd.DataFrame:
    return load_catalog()


@pytest.fixture(scope="module")
def munis(geo_tables) -> pd.DataFrame:
    return geo_tables["municipalities"].set_index("municipality_id")


@pytest.fixture(scope="module")
def by_gender(demo_panel) -> pd.DataFrame:
    """kpi x municipality x year rows with columns T, K, M."""
    wide = demo_panel.pivot(index=["kpi", "municipality_id", "year"], columns="gender", values="value")
    wide.columns.name = None
    return wide


def expected_years(kpi: str) -> list[int]:
    start = demo.LATE_START.get(kpi, 2015)
    out = [y for y in ALL_YEARS if y >= start]
    if kpi in demo.ELECTION_KPIS:
        out = [y for y in out if y in demo.ELECTION_YEARS]
    return out


# -------------------------------------------------------------------------------------------------
# determinism and the manifest


def test_same_seed_gives_byte_identical_files(demo_store, data_dir, tmp_path):
    folder_a, entry_a = demo_store
    folder_b = tmp_path / "demo-b"
    entry_b = demo.write_demo(seed=demo.DEFAULT_SEED, folder=folder_b)
    sha_a = store.sha256_file(store.table_path(folder_a, "panel"))
    sha_b = store.sha256_file(store.table_path(folder_b, "panel"))
    assert sha_a == sha_b
    assert store.table_path(folder_a, "panel").read_bytes() == store.table_path(folder_b, "panel").read_bytes()
    assert entry_a["sha256"] == entry_b["sha256"] == sha_a
    manifest_b = store.read_manifest(folder_b)["panel"]
    assert manifest_b["sha256"] == sha_b
    assert {k: v for k, v in entry_a.items() if k != "created"} == {k: v for k, v in entry_b.items() if k != "created"}


def test_different_seed_gives_a_different_file(demo_store, data_dir, tmp_path):
    folder_a, entry_a = demo_store
    entry_c = demo.write_demo(seed=demo.DEFAULT_SEED + 1, folder=tmp_path / "demo-c")
    assert entry_c["sha256"] != entry_a["sha256"]
    assert (store.sha256_file(store.table_path(tmp_path / "demo-c", "panel"))
            != store.sha256_file(store.table_path(folder_a, "panel")))
    assert entry_c["seed"] == demo.DEFAULT_SEED + 1
    a = store.read_table(folder_a, "panel")
    c = store.read_table(tmp_path / "demo-c", "panel")
    key = ["municipality_id", "kpi", "year", "gender"]
    assert a[key].equals(c[key]), "the seed changes values, not which rows exist"
    differ = ~np.isclose(a["value"].fillna(-1), c["value"].fillna(-1))
    assert differ.mean() > 0.5


def test_generation_is_pure_and_repeatable(demo_panel, data_dir):
    again = demo.generate_demo_panel(seed=demo.DEFAULT_SEED)
    pd.testing.assert_frame_equal(again, demo_panel)


def test_manifest_entry(demo_store, demo_panel, cat):
    folder, entry = demo_store
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["panel"] == entry
    assert entry["source"] == "demo"
    assert entry["synthetic"] is True
    assert entry["note"] == DEMO_NOTE["sv"] == "Demodata – syntetiska värden, inte officiell statistik"
    assert entry["generator_version"] == demo.GENERATOR_VERSION
    assert entry["seed"] == demo.DEFAULT_SEED
    assert entry["years"] == [2015, 2025]
    assert entry["rows"] == len(demo_panel)
    assert entry["file"] == f"panel.{entry['sha256'][:12]}.parquet"
    assert entry["sha256"] == store.sha256_file(folder / entry["file"])
    assert entry["catalog_sha256"] == demo.catalog_sha256(cat)
    created = datetime.fromisoformat(entry["created"])
    assert created.tzinfo is not None and created.year >= 2025


def test_stored_demo_reads_back_unchanged(demo_store, demo_panel):
    folder, _ = demo_store
    back = store.read_table(folder, "panel", verify=True)
    assert back.attrs["provenance"]["source"] == "demo"
    pd.testing.assert_frame_equal(back.reset_index(drop=True), demo_panel, check_dtype=False)
    assert back["year"].dtype == np.int64 and back["value"].dtype == np.float64


# -------------------------------------------------------------------------------------------------
# shape and validity


def test_panel_validates_against_the_catalog(demo_panel, cat):
    valid = validate_panel(demo_panel, known_kpis=cat.index, origin="demo panel")
    assert len(valid) == len(demo_panel)
    pd.testing.assert_frame_equal(valid, demo_panel, check_dtype=False)
    assert (demo_panel["source"] == "demo").all()
    assert (demo_panel["status"] == "").all()


def test_panel_is_sorted(demo_panel):
    gender_rank = demo_panel["gender"].map({"T": 0, "K": 1, "M": 2})
    keys = pd.DataFrame({"kpi": demo_panel["kpi"], "m": demo_panel["municipality_id"],
                         "y": demo_panel["year"], "g": gender_rank})
    assert keys.equals(keys.sort_values(["kpi", "m", "y", "g"]).reset_index(drop=True))


def test_documented_exceptions_are_catalog_kpis(cat):
    assert set(demo.ELECTION_KPIS) <= set(cat.index)
    assert set(demo.LATE_START) <= set(cat.index)
    assert set(demo.URBAN_LOADING) <= set(cat.index) and set(demo.TREND) <= set(cat.index)
    assert {2018, 2022} <= set(demo.ELECTION_YEARS)
    assert all(2015 < year <= 2025 for year in demo.LATE_START.values())


def test_covers_every_municipality_kpi_and_year(demo_panel, cat, munis):
    totals = demo_panel[demo_panel["gender"] == "T"]
    assert set(totals["kpi"]) == set(cat.index) and totals["kpi"].nunique() == 49
    assert set(totals["municipality_id"]) == set(munis.index)
    for kpi in cat.index:
        rows = totals[totals["kpi"] == kpi]
        years = expected_years(kpi)
        assert sorted(rows["year"].unique()) == years, kpi
        assert len(rows) == 290 * len(years), kpi
        assert not rows.duplicated(["municipality_id", "year"]).any(), kpi
    expected_rows = sum(290 * len(expected_years(k)) * (3 if cat.loc[k, "gendered"] else 1) for k in cat.index)
    assert len(demo_panel) == expected_rows


def test_election_kpis_only_in_election_years(demo_panel):
    election = demo_panel[demo_panel["kpi"].isin(demo.ELECTION_KPIS)]
    assert set(election["year"]) == {2018, 2022}
    assert set(demo_panel.loc[~demo_panel["kpi"].isin(demo.ELECTION_KPIS), "year"]) == set(ALL_YEARS)


def test_values_within_plausible_range(demo_panel, cat):
    ranges = cat[["plausible_low", "plausible_high", "direction"]]
    rows = demo_panel.join(ranges, on="kpi")
    totals = rows[rows["gender"] == "T"].dropna(subset=["value"])
    outside = totals[(totals["value"] < totals["plausible_low"]) | (totals["value"] > totals["plausible_high"])]
    assert outside.empty, outside.head()
    # rates split by gender stay in range too (counts of women or men are naturally below the total's range)
    rates = rows[(rows["gender"] != "T") & rows["direction"].notna()].dropna(subset=["value"])
    outside = rates[(rates["value"] < rates["plausible_low"]) | (rates["value"] > rates["plausible_high"])]
    assert outside.empty, outside.head()
    # and the values use a good part of the range rather than a sliver
    spread = totals.groupby("kpi")["value"].agg(lambda v: v.max() - v.min())
    width = cat["plausible_high"] - cat["plausible_low"]
    assert (spread / width.reindex(spread.index) > 0.3).all()


def test_integer_units_are_whole_numbers(demo_panel, cat):
    for kpi in cat.index[cat["unit"].isin(["residents", "0-2 scale"])]:
        values = demo_panel.loc[demo_panel["kpi"] == kpi, "value"].dropna()
        assert (values == np.round(values)).all(), kpi
    assert set(demo_panel.loc[demo_panel["kpi"] == "U07344", "value"].dropna()) <= {0.0, 1.0, 2.0}


# -------------------------------------------------------------------------------------------------
# gender rows


def test_gender_rows_exactly_for_gendered_kpis(demo_panel, cat, by_gender):
    gendered = set(cat.index[cat["gendered"]])
    assert gendered, "the catalog has gendered indicators"
    assert set(demo_panel.loc[demo_panel["gender"] == "K", "kpi"]) == gendered
    assert set(demo_panel.loc[demo_panel["gender"] == "M", "kpi"]) == gendered
    split = by_gender.loc[sorted(gendered)]
    assert split[["K", "M"]].notna().any(axis=1).sum() > 0
    # every T row of a gendered indicator has its K and M rows (possibly missing values), and vice versa
    counts = demo_panel[demo_panel["kpi"].isin(gendered)].groupby(["kpi", "municipality_id", "year"]).size()
    assert (counts == 3).all()


def test_k_and_m_missing_exactly_when_t_is(by_gender, cat):
    gendered = by_gender.loc[sorted(cat.index[cat["gendered"]])]
    assert (gendered["K"].isna() == gendered["T"].isna()).all()
    assert (gendered["M"].isna() == gendered["T"].isna()).all()


def test_counts_add_up(by_gender, cat):
    pop = by_gender.loc["N01951"].dropna()
    assert len(pop) == 290 * 11
    assert (pop["K"] + pop["M"] == pop["T"]).all()
    women_share = pop["K"] / pop["T"]
    assert women_share.between(0.45, 0.55).all()


def test_rates_lie_between_women_and_men(by_gender, cat):
    rates = [k for k in cat.index[cat["gendered"]] if k != demo.POPULATION]
    assert len(rates) >= 8
    for kpi in rates:
        rows = by_gender.loc[kpi].dropna()
        width = cat.loc[kpi, "plausible_high"] - cat.loc[kpi, "plausible_low"]
        step = 10.0 ** -demo._decimals(cat.loc[kpi, "plausible_low"], cat.loc[kpi, "plausible_high"],
                                        cat.loc[kpi, "unit"])
        low = np.minimum(rows["K"], rows["M"]) - step / 2 - 1e-9
        high = np.maximum(rows["K"], rows["M"]) + step / 2 + 1e-9
        assert rows["T"].between(low, high).all(), kpi
        assert ((rows["T"] - (rows["K"] + rows["M"]) / 2).abs() <= 0.01 * width + 1e-9).all(), kpi
        assert (rows["K"] != rows["M"]).mean() > 0.5, f"{kpi}: women and men mostly differ"


# -------------------------------------------------------------------------------------------------
# missing values and latent structure


def test_missing_share(demo_panel, cat):
    totals = demo_panel[demo_panel["gender"] == "T"]
    share = totals["value"].isna().mean()
    assert 0.03 <= share <= 0.08, share
    context = cat.index[cat["direction"].isna()]
    assert totals.loc[totals["kpi"].isin(context), "value"].notna().all(), "context variables are always published"
    by_kpi = totals.groupby("kpi")["value"].apply(lambda v: v.isna().mean())
    assert (by_kpi.drop(context) > 0).all(), "every scored indicator has some gaps"


def test_small_municipalities_miss_more_often(demo_panel):
    totals = demo_panel[demo_panel["gender"] == "T"]
    pop = totals[(totals["kpi"] == "N01951") & (totals["year"] == 2020)].set_index("municipality_id")["value"]
    small = pop.index[pop <= pop.quantile(0.25)]
    large = pop.index[pop >= pop.quantile(0.75)]
    missing = totals[totals["kpi"] != "N01951"].groupby("municipality_id")["value"].apply(lambda v: v.isna().mean())
    assert missing[small].mean() > missing[large].mean()


def _spearman_with_ur6(demo_panel, munis, kpi: str, year: int = 2024) -> float:
    rows = demo_panel[(demo_panel["kpi"] == kpi) & (demo_panel["gender"] == "T") & (demo_panel["year"] == year)]
    values = rows.set_index("municipality_id")["value"].dropna()
    return values.corr(munis["ur6"].reindex(values.index).astype(float), method="spearman")


def test_education_is_higher_in_urban_regions(demo_panel, munis):
    # ur6 = 1 is metropolitan, 6 very remote rural: more urban -> more post-secondary education
    assert _spearman_with_ur6(demo_panel, munis, "N01982") < -0.3


@pytest.mark.parametrize(("kpi", "sign"), [("N07418", -1), ("N01951", -1), ("N00401", 1)])
def test_other_urban_rural_gradients(demo_panel, munis, kpi, sign):
    # public transport and population higher in cities; emissions per resident higher in rural areas
    assert sign * _spearman_with_ur6(demo_panel, munis, kpi) > 0.2


def test_trends(demo_panel):
    totals = demo_panel[demo_panel["gender"] == "T"]
    median = totals.groupby(["kpi", "year"])["value"].median()
    cars = median["N07945"]
    assert (cars.diff().dropna() > 0).all(), "electric cars rise every year"
    assert cars[2025] > 2 * cars[2017]
    assert median["N00401"][2025] < median["N00401"][2015], "emissions fall"


def test_platform_cities_are_large(demo_panel):
    pop = demo_panel[(demo_panel["kpi"] == "N01951") & (demo_panel["gender"] == "T") & (demo_panel["year"] == 2024)]
    pop = pop.set_index("municipality_id")["value"]
    assert pop.rank(ascending=False)[["0180", "1480"]].max() <= 5
    assert pop["0180"] > pop["2584"]


# -------------------------------------------------------------------------------------------------
# ensure_demo


def test_ensure_demo_generates_once_then_is_a_no_op(data_dir):
    folder = demo.ensure_demo()
    assert folder == config.demo_dir() == data_dir / "demo"
    parquet = store.table_path(folder, "panel")
    assert parquet.exists() and demo.demo_is_current(folder)
    before = (parquet.stat().st_mtime_ns, parquet.read_bytes(), (folder / "manifest.json").read_bytes())
    assert demo.ensure_demo() == folder
    after = (parquet.stat().st_mtime_ns, parquet.read_bytes(), (folder / "manifest.json").read_bytes())
    assert after == before
    assert not list(folder.glob(".*.tmp"))


@pytest.mark.parametrize(("field", "stale"), [("generator_version", "0"), ("catalog_sha256", "0" * 64)])
def test_ensure_demo_regenerates_a_stale_demo(demo_store, data_dir, field, stale):
    folder = data_dir / "demo"
    shutil.copytree(demo_store[0], folder)
    manifest = store.read_manifest(folder)
    manifest["panel"][field] = stale
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    parquet = store.table_path(folder, "panel")
    os.utime(parquet, ns=(1_000_000_000, 1_000_000_000))  # an old file
    assert not demo.demo_is_current(folder)
    assert demo.ensure_demo() == folder
    entry = store.read_manifest(folder)["panel"]
    assert entry[field] == demo_store[1][field] != stale
    assert parquet.stat().st_mtime_ns > 1_000_000_000
    assert entry["sha256"] == demo_store[1]["sha256"] == store.sha256_file(parquet)


def test_ensure_demo_with_another_seed(demo_store, data_dir):
    folder = data_dir / "demo"
    shutil.copytree(demo_store[0], folder)
    assert demo.demo_is_current(folder)
    assert not demo.demo_is_current(folder, seed=7)
    demo.ensure_demo(seed=7)
    entry = store.read_manifest(folder)["panel"]
    assert entry["seed"] == 7 and entry["sha256"] != demo_store[1]["sha256"]


def test_ensure_demo_regenerates_a_missing_file(demo_store, data_dir):
    folder = data_dir / "demo"
    shutil.copytree(demo_store[0], folder)
    store.table_path(folder, "panel").unlink()
    demo.ensure_demo()
    assert store.sha256_file(store.table_path(folder, "panel")) == demo_store[1]["sha256"]


# -------------------------------------------------------------------------------------------------
# the seed sticks: `natsam demo --seed N`, then load_panel(), serve and later runs keep it

OLD_NS = 1_000_000_000  # an old mtime, so that any rewrite of the file shows


@pytest.fixture(scope="module")
def seed7_store(tmp_path_factory, geography_cache, data_dir_context) -> tuple[Path, dict, str]:
    """Read-only: a demo folder made by ``natsam demo --seed 7`` (through ``cli.main``), its entry, its output."""
    root = tmp_path_factory.mktemp("seed7-data")
    shutil.copytree(geography_cache, root / "cache" / "geography")
    out = io.StringIO()
    with data_dir_context(root), contextlib.redirect_stdout(out):
        assert main(["demo", "--seed", "7"]) == 0
        folder = config.demo_dir()
    return folder, store.read_manifest(folder)["panel"], out.getvalue()


@pytest.fixture
def seed7_demo(seed7_store, data_dir) -> Path:
    """``data_dir`` with the seed-7 demo copied in, its file stamped old."""
    folder = data_dir / "demo"
    shutil.copytree(seed7_store[0], folder)
    os.utime(folder / seed7_store[1]["file"], ns=(OLD_NS, OLD_NS))
    return folder


def _stored(folder: Path) -> tuple[dict, str, int]:
    """The demo's manifest entry, its file's sha256 and mtime."""
    entry = store.read_manifest(folder)["panel"]
    path = folder / entry["file"]
    return entry, store.sha256_file(path), path.stat().st_mtime_ns


def test_cli_demo_seed_is_recorded_and_printed(seed7_store, demo_store):
    folder, entry, out = seed7_store
    assert entry["seed"] == 7
    assert "Generated the demo panel" in out and "seed:   7\n" in out
    assert entry["sha256"] == store.sha256_file(folder / entry["file"]) != demo_store[1]["sha256"]


def test_load_panel_keeps_the_seed_of_natsam_demo(seed7_store, seed7_demo):
    panel = load_panel()
    prov = panel.attrs["provenance"]
    assert prov["source"] == "demo" and prov["seed"] == 7
    assert prov["sha256"] == seed7_store[1]["sha256"]
    assert load_panel(source="demo").attrs["provenance"]["seed"] == 7
    entry, sha, mtime = _stored(seed7_demo)
    assert sha == seed7_store[1]["sha256"] and mtime == OLD_NS, "the demo was not regenerated"
    assert entry == seed7_store[1]
    assert demo.demo_is_current(seed7_demo) and not demo.demo_is_current(seed7_demo, seed=demo.DEFAULT_SEED)
    assert demo.stored_seed(seed7_demo) == 7 and demo.demo_seed(seed7_demo) == 7


def test_serve_prepare_data_keeps_the_seed(seed7_store, seed7_demo):
    assert prepare_data() == "demo"
    entry, sha, mtime = _stored(seed7_demo)
    assert entry["seed"] == 7 and sha == seed7_store[1]["sha256"] and mtime == OLD_NS


def test_natsam_demo_without_seed_keeps_the_stored_one(seed7_store, seed7_demo, capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "The demo panel is up to date" in out and "seed:   7\n" in out
    assert _stored(seed7_demo)[1:] == (seed7_store[1]["sha256"], OLD_NS)

    assert main(["demo", "--force"]) == 0, "--force regenerates with the stored seed"
    out = capsys.readouterr().out
    entry, sha, mtime = _stored(seed7_demo)
    assert "Generated the demo panel" in out and "seed:   7\n" in out
    assert entry["seed"] == 7 and mtime != OLD_NS and sha == seed7_store[1]["sha256"]


@pytest.mark.parametrize("change", ["generator_version", "catalog_sha256"])
def test_a_stale_demo_is_regenerated_with_its_seed(seed7_store, seed7_demo, demo_store, monkeypatch, change):
    if change == "generator_version":
        monkeypatch.setattr(demo, "GENERATOR_VERSION", "2-test")
    else:
        real = demo.catalog_sha256
        monkeypatch.setattr(demo, "catalog_sha256", lambda catalog: "changed-" + real(catalog))
    assert not demo.demo_is_current(seed7_demo)
    prov = load_panel().attrs["provenance"]
    entry, sha, mtime = _stored(seed7_demo)
    assert mtime != OLD_NS, "the stale demo was regenerated"
    assert entry["seed"] == prov["seed"] == 7, "the user's seed survives the change"
    assert sha == prov["sha256"] == seed7_store[1]["sha256"] != demo_store[1]["sha256"]
    assert entry["generator_version"] == demo.GENERATOR_VERSION
    assert entry["catalog_sha256"] == demo.catalog_sha256(load_catalog())
    assert demo.demo_is_current(seed7_demo)


def test_an_explicit_other_seed_regenerates_and_then_sticks(seed7_demo, demo_store, capsys):
    assert main(["demo", "--seed", str(demo.DEFAULT_SEED)]) == 0
    out = capsys.readouterr().out
    assert "Generated the demo panel" in out and f"seed:   {demo.DEFAULT_SEED}\n" in out
    entry, sha, mtime = _stored(seed7_demo)
    assert entry["seed"] == demo.DEFAULT_SEED and mtime != OLD_NS and sha == demo_store[1]["sha256"]
    assert load_panel().attrs["provenance"]["seed"] == demo.DEFAULT_SEED
    assert _stored(seed7_demo)[1:] == (sha, mtime)


def test_demo_seed_without_a_stored_demo_and_bad_seeds(data_dir, capsys):
    assert demo.stored_seed() is None and demo.demo_seed() == demo.DEFAULT_SEED
    assert demo.demo_seed(seed=7) == 7
    for bad in (-1, 1.5, "7", True):
        with pytest.raises(NatsamError, match="not a non-negative integer"):
            demo.ensure_demo(seed=bad)
    assert main(["demo", "--seed", "-3"]) == 2
    assert "not a non-negative integer" in capsys.readouterr().err
    assert not (data_dir / "demo").exists(), "nothing was written"


def test_context_variables_describe_structure(demo_panel, munis):
    """Density is population over the real area; urbanisation is higher and the share aged 65+ lower
    in urban municipalities."""
    t = demo_panel[(demo_panel["gender"] == "T") & (demo_panel["year"] == 2024)].pivot(
        index="municipality_id", columns="kpi", values="value")
    area = munis["area_km2"]
    assert np.allclose(t["N02937"], (t["N01951"] / area).clip(0.2, 6000), atol=0.051)
    assert _spearman_with_ur6(demo_panel, munis, "N00954") < -0.3
    assert _spearman_with_ur6(demo_panel, munis, "N01960") > 0.2
