"""Similar municipalities (metrics.peers): nearest neighbours, clusters, SKR's groups, the position among peers.

Small hand-built tables whose answers can be worked out by hand (in the comments), then the demo data:
every municipality gets its k peers and never itself.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import percentileofscore

from natsam_analysis.errors import DataNotAvailableError, NatsamError
from natsam_analysis.i18n import LABELS
from natsam_analysis.metrics import peers as P


def table(columns: dict[str, list[float]], ids: list[str] | None = None) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    ids = ids or [f"{i:04d}" for i in range(1, n + 1)]
    return pd.DataFrame(columns, index=pd.Index(ids, name="municipality_id"))


# --------------------------------------------------------------------------------------------------
# nearest neighbours


def test_the_nearest_neighbour_is_the_obvious_one():
    # two tight pairs far apart: 0001's nearest is 0002, 0003's is 0004
    variables = table({"a": [0.0, 0.1, 10.0, 10.2, 5.0], "b": [0.0, 0.1, 10.0, 10.1, 5.0]})
    peers = P.similar_municipalities(variables, "0001", k=2)
    assert peers.index.tolist() == ["0002", "0005"]
    assert peers["rank"].tolist() == [1, 2]
    assert P.similar_municipalities(variables, "0003", k=1).index.tolist() == ["0004"]
    assert P.similar_municipalities(variables, "0005", k=4).index[-1] in ("0001", "0002", "0003", "0004")


def test_distance_is_euclidean_on_standardised_variables():
    variables = table({"a": [1.0, 2.0, 4.0, 9.0], "b": [3.0, 1.0, 0.0, 2.0]})
    z = (variables - variables.mean()) / variables.std(ddof=0)  # StandardScaler: population sd
    expected = np.sqrt(((z - z.loc["0001"]) ** 2).sum(axis=1)).drop("0001").sort_values()
    peers = P.similar_municipalities(variables, "0001", k=3)
    assert peers.index.tolist() == expected.index.tolist()
    assert np.allclose(peers["distance"], expected.to_numpy())
    assert peers["distance"].is_monotonic_increasing


def test_standardisation_keeps_a_variable_in_large_units_from_dominating():
    # Raw distances from 0001: to 0002 about 500 (income differs by 500 kr, share by 20 points), to 0003
    # about 10,000 (income 10,000 kr, share 1 point). Standardised (income sd ~ 63,000 kr, share sd ~ 6.7),
    # 0002 is 2.98 sd away in share and 0003 only 0.16 + 0.15: 0003 is the nearest.
    variables = table({"income": [300_000.0, 300_500.0, 310_000.0, 400_000.0, 200_000.0],
                       "share": [20.0, 40.0, 21.0, 30.0, 30.0]})
    raw = np.sqrt(((variables - variables.loc["0001"]) ** 2).sum(axis=1)).drop("0001")
    assert raw.idxmin() == "0002"  # what an unscaled distance would say
    assert P.similar_municipalities(variables, "0001", k=1).index.tolist() == ["0003"]
    # and the unit does not matter: income in thousands gives the same peers and distances
    in_thousands = variables.assign(income=variables["income"] / 1000)
    a = P.similar_municipalities(variables, "0001", k=4)
    b = P.similar_municipalities(in_thousands, "0001", k=4)
    assert a.index.tolist() == b.index.tolist() and np.allclose(a["distance"], b["distance"])


def test_the_municipality_is_never_its_own_peer_even_with_a_twin():
    # 0001 and 0002 are identical (distance 0): each gets the other first, never itself
    variables = table({"a": [1.0, 1.0, 2.0, 3.0], "b": [1.0, 1.0, 0.0, 5.0]})
    for mid, twin in (("0001", "0002"), ("0002", "0001")):
        peers = P.similar_municipalities(variables, mid, k=3)
        assert mid not in peers.index and peers.index[0] == twin and peers["distance"].iloc[0] == 0


def test_ties_are_broken_by_municipality_id_whatever_the_row_order():
    # 0002, 0003 and 0004 are equally far from 0001
    variables = table({"a": [0.0, 1.0, -1.0, 0.0, 5.0], "b": [0.0, 0.0, 0.0, 1.0, 5.0]})
    shuffled = variables.iloc[[4, 2, 0, 3, 1]]
    for frame in (variables, shuffled):
        assert P.similar_municipalities(frame, "0001", k=3).index.tolist() == ["0002", "0003", "0004"]


def test_attrs_record_the_variables_k_and_the_missing_value_rule():
    variables = table({"a": [1.0, 2.0, 3.0, 4.0], "b": [1.0, 0.0, 1.0, 0.0], "c": [9.0, 9.0, 1.0, 1.0]})
    peers = P.similar_municipalities(variables, "0002", k=2, columns=["a", "b"])
    assert peers.attrs["k"] == 2 and peers.attrs["municipality_id"] == "0002"
    assert peers.attrs["variables"] == ["a", "b"]
    assert peers.attrs["missing"] == "median" and peers.attrs["scaling"] == "standard"
    assert peers.attrs["imputed"] == {} and peers.attrs["dropped"] == []


@pytest.mark.parametrize("k, message", [
    (0, r"k must be from 1 to 4 \(the other municipalities in the table: 4\), not 0\."),
    (5, r"k must be from 1 to 4 .*not 5\."),
    (-1, r"k must be from 1 to 4 .*not -1\."),
    (2.5, r"k must be a whole number from 1 to 4 .*not 2\.5\."),
    ("3", r"k must be a whole number from 1 to 4 .*not '3'\."),
    (True, r"k must be a whole number from 1 to 4 .*not True\."),
])
def test_k_is_checked_with_a_clear_message(k, message):
    variables = table({"a": [1.0, 2.0, 3.0, 4.0, 5.0]})
    with pytest.raises(NatsamError, match=message):
        P.similar_municipalities(variables, "0001", k=k)
    with pytest.raises(NatsamError, match=message):
        P.peer_table(variables, k=k)


def test_k_may_be_every_other_municipality_and_a_numpy_integer():
    variables = table({"a": [1.0, 2.0, 3.0, 4.0, 5.0]})
    assert len(P.similar_municipalities(variables, "0003", k=np.int64(4))) == 4


def test_unknown_or_misspelt_municipality_ids_are_refused():
    variables = table({"a": [1.0, 2.0, 3.0]})
    with pytest.raises(NatsamError, match=r"Unknown municipality id '9999'.*leading zeros"):
        P.similar_municipalities(variables, "9999", k=1)
    with pytest.raises(NatsamError, match=r"4-character string such as '1281', not 1 \(int\)"):
        P.similar_municipalities(variables, 1, k=1)


def test_bad_variables_are_refused_up_front():
    variables = table({"a": [1.0, 2.0, 3.0], "name": ["x", "y", "z"], "empty": [np.nan] * 3})
    with pytest.raises(NatsamError, match=r"\['name'\] are not numeric"):
        P.similar_municipalities(variables, "0001", k=1)
    with pytest.raises(NatsamError, match=r"\['empty'\] have no values at all"):
        P.similar_municipalities(variables, "0001", k=1, columns=["a", "empty"])
    with pytest.raises(NatsamError, match=r"\['nope'\] are not columns"):
        P.similar_municipalities(variables, "0001", k=1, columns=["a", "nope"])
    with pytest.raises(NatsamError, match=r"missing='mean' is not one of 'median', 'drop'"):
        P.similar_municipalities(variables, "0001", k=1, columns=["a"], missing="mean")
    twice = table({"a": [1.0, 2.0, 3.0]}, ids=["0001", "0001", "0002"])
    with pytest.raises(NatsamError, match=r"ids \['0001'\] more than once"):
        P.similar_municipalities(twice, "0002", k=1)
    with pytest.raises(NatsamError, match=r"infinite values"):
        P.similar_municipalities(table({"a": [1.0, np.inf, 3.0]}), "0001", k=1)


def test_a_missing_value_is_filled_with_the_median_and_recorded():
    # b's median over 0001, 0002, 0004, 0005 (0, 5, 10, 5) is 5; filled, 0003 sits on 0005 (a = 5, b = 5)
    variables = table({"a": [0.0, 0.0, 5.0, 10.0, 5.0], "b": [0.0, 5.0, np.nan, 10.0, 5.0]})
    peers = P.similar_municipalities(variables, "0003", k=1)
    assert peers.index.tolist() == ["0005"] and peers["distance"].iloc[0] == 0
    assert peers.attrs["imputed"] == {"b": ["0003"]}


def test_missing_drop_leaves_the_municipality_out():
    variables = table({"a": [0.0, 0.0, 5.0, 10.0, 5.0], "b": [0.0, 0.1, np.nan, 10.0, 5.0]})
    peers = P.similar_municipalities(variables, "0005", k=3, missing="drop")
    assert "0003" not in peers.index and peers.attrs["dropped"] == ["0003"]
    with pytest.raises(NatsamError, match=r"'0003' lacks \['b'\] and was left out \(missing='drop'\)"):
        P.similar_municipalities(variables, "0003", k=1, missing="drop")
    # four municipalities remain: k = 4 is now too many
    with pytest.raises(NatsamError, match=r"k must be from 1 to 3"):
        P.similar_municipalities(variables, "0005", k=4, missing="drop")


def test_peer_table_agrees_with_one_municipality_at_a_time():
    rng = np.random.default_rng(7)
    variables = table({"a": rng.normal(size=12), "b": rng.normal(size=12) * 100, "c": rng.integers(1, 4, 12) * 1.0})
    long = P.peer_table(variables, k=3)
    assert len(long) == 12 * 3 and long.attrs["k"] == 3
    for mid in variables.index:
        one = P.similar_municipalities(variables, mid, k=3)
        rows = long[long["municipality_id"] == mid]
        assert rows["peer_id"].tolist() == one.index.tolist()
        assert np.allclose(rows["distance"], one["distance"]) and rows["rank"].tolist() == [1, 2, 3]


# --------------------------------------------------------------------------------------------------
# clusters


@pytest.fixture
def blobs() -> tuple[pd.DataFrame, pd.Series]:
    """Three well-separated blobs of 30, 20 and 10 municipalities in two variables of unlike units."""
    rng = np.random.default_rng(42)
    centres = [(0.0, 0.0), (10.0, 0.0), (5.0, 9.0)]
    sizes = [30, 20, 10]
    rows, truth = [], []
    for blob, ((x, y), n) in enumerate(zip(centres, sizes), start=1):
        rows.append(np.column_stack([rng.normal(x, 0.4, n), rng.normal(y, 0.4, n) * 1000]))
        truth += [blob] * n
    ids = [f"{i:04d}" for i in rng.permutation(np.arange(1, 61))]
    values = np.vstack(rows)
    frame = table({"x": values[:, 0].tolist(), "y_kr": values[:, 1].tolist()}, ids=ids)
    return frame, pd.Series(truth, index=frame.index)


@pytest.mark.parametrize("clusterer", [P.kmeans_clusters, P.ward_clusters])
def test_kmeans_and_ward_find_well_separated_blobs(blobs, clusterer):
    variables, truth = blobs
    clusters = clusterer(variables, 3)
    assert clusters.index.equals(variables.index) and clusters.name == "cluster"
    # each blob is exactly one cluster; numbered by size, so blob 1 (30) is cluster 1, blob 3 (10) cluster 3
    assert (clusters == truth).all()
    assert clusters.attrs["k"] == 3 and clusters.attrs["silhouette"] > 0.8


def test_kmeans_is_reproducible_with_its_fixed_seed(blobs):
    variables, _ = blobs
    a = P.kmeans_clusters(variables, 5)
    b = P.kmeans_clusters(variables.iloc[::-1].iloc[::-1], 5)
    assert a.equals(b) and a.attrs["random_state"] == P.KMEANS_RANDOM_STATE


@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_choose_k_picks_the_number_of_blobs(blobs, method):
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    variables, truth = blobs
    choice = P.choose_k(variables, ks=range(2, 7), method=method)
    assert choice.method == method and choice.best_k == 3
    assert choice.scores.index.tolist() == [2, 3, 4, 5, 6] and choice.scores.name == "silhouette"
    assert choice.best_k == choice.scores.idxmax() and choice.best_score == choice.scores.max()
    assert choice.scores.between(-1, 1).all()
    # the score of k = 3 is the silhouette of the true blobs on the standardised variables
    expected = silhouette_score(StandardScaler().fit_transform(variables), truth.to_numpy())
    assert math.isclose(choice.scores[3], expected, rel_tol=1e-9)


def test_cluster_k_and_method_are_checked(blobs):
    variables, _ = blobs
    with pytest.raises(NatsamError, match=r"k must be from 2 to 59 \(a silhouette needs 2 to n - 1 clusters; n = 60"):
        P.kmeans_clusters(variables, 1)
    with pytest.raises(NatsamError, match=r"k must be from 2 to 59"):
        P.ward_clusters(variables, 60)
    with pytest.raises(NatsamError, match=r"k must be from 2 to 59"):
        P.choose_k(variables, ks=[1, 2])
    with pytest.raises(NatsamError, match=r"ks is empty"):
        P.choose_k(variables, ks=[])
    with pytest.raises(NatsamError, match=r"ks names a number of clusters twice"):
        P.choose_k(variables, ks=[2, 3, 2])
    with pytest.raises(NatsamError, match=r"method='dbscan' is not one of 'kmeans', 'ward'"):
        P.choose_k(variables, method="dbscan")


def test_cluster_summary_counts_and_medians():
    variables = table({"x": [1.0, 3.0, 10.0, 12.0, 14.0]})
    summary = P.cluster_summary(variables, pd.Series([2, 2, 1, 1, 1], index=variables.index))
    assert summary.index.tolist() == [1, 2]
    assert summary["n"].tolist() == [3, 2] and summary["x"].tolist() == [12.0, 2.0]


# --------------------------------------------------------------------------------------------------
# SKR's municipality groups


def _municipalities(groups: list | None) -> pd.DataFrame:
    frame = pd.DataFrame({"municipality_id": ["0114", "0180", "1280", "1281", "2584"],
                          "name": ["Upplands Väsby", "Stockholm", "Malmö", "Lund", "Kiruna"]})
    if groups is not None:
        frame["skr_group_id"] = pd.array([g[0] if g else pd.NA for g in groups], dtype="string")
        frame["skr_group_name"] = pd.array([g[1] if g else pd.NA for g in groups], dtype="string")
    return frame


def test_skr_peers_without_the_groups_says_how_to_fetch_them(geo_tables):
    # the geography as it comes without fetched groups: the columns are there, all <NA>
    municipalities = geo_tables["municipalities"]
    assert municipalities["skr_group_id"].isna().all()
    with pytest.raises(DataNotAvailableError, match=r"not in the local store.*`natsam fetch --groups`"):
        P.skr_peers(municipalities, "1281")
    with pytest.raises(DataNotAvailableError, match=r"natsam fetch --groups"):
        P.skr_peers(_municipalities(None), "1281")


def test_skr_peers_lists_the_others_in_the_same_group():
    big = ("G92787", "Storstäder")
    larger = ("G92788", "Större städer")
    municipalities = _municipalities([larger, big, big, larger, None])
    peers = P.skr_peers(municipalities, "1281")
    assert peers.index.tolist() == ["0114"] and peers.attrs["skr_group_name"] == "Större städer"
    assert P.skr_peers(municipalities, "0180").index.tolist() == ["1280"]
    with pytest.raises(DataNotAvailableError, match=r"'2584' has no SKR group"):
        P.skr_peers(municipalities, "2584")
    with pytest.raises(NatsamError, match=r"Unknown municipality id '9999'"):
        P.skr_peers(municipalities, "9999")


# --------------------------------------------------------------------------------------------------
# position among peers


def panel_of(rows: list[tuple]) -> pd.DataFrame:
    """A tidy panel from (municipality_id, kpi, year, value) tuples (gender T)."""
    return pd.DataFrame([{"municipality_id": m, "kpi": k, "year": y, "gender": "T", "value": v, "status": "",
                          "source": "test"} for m, k, y, v in rows])


CATALOG = pd.DataFrame({"direction": [-1.0, 1.0, 0.0, np.nan], "target": [np.nan, np.nan, 50.0, np.nan],
                        "title_sv": ["Låg", "Hög", "Mål", "Bakgrund"]},
                       index=pd.Index(["N00001", "N00002", "N00003", "N00004"], name="kpi"))


def test_peer_position_equals_a_hand_computation():
    peers = ["0002", "0003", "0004"]
    panel = panel_of([
        # N00001, lower is better: scores -5 (own), -3, -5, -8. Among the four, one (-8) is lower and two
        # (-5, itself included) are equal: (1 + 2/2) / 4 = 50. The peers' median of 3, 5, 8 is 5.
        ("0001", "N00001", 2024, 5.0), ("0002", "N00001", 2024, 3.0), ("0003", "N00001", 2024, 5.0),
        ("0004", "N00001", 2024, 8.0), ("0009", "N00001", 2024, 1.0),  # 0009 is no peer: it does not count
        # N00002, higher is better, own latest value in 2023 (2024 missing): the 2023 values count.
        # Scores 7 (own), 1, 9; 0004 has no 2023 value. One lower, none equal but itself: (1 + 1/2) / 3 = 50.
        ("0001", "N00002", 2023, 7.0), ("0002", "N00002", 2023, 1.0), ("0003", "N00002", 2023, 9.0),
        ("0001", "N00002", 2024, np.nan), ("0002", "N00002", 2024, 100.0), ("0004", "N00002", 2024, 0.0),
        # N00003, closest to 50 is best: scores -2 (own 48), -1 (51), -10 (60), -30 (20): two lower -> 2.5/4
        ("0001", "N00003", 2025, 48.0), ("0002", "N00003", 2025, 51.0), ("0003", "N00003", 2025, 60.0),
        ("0004", "N00003", 2025, 20.0),
    ])
    position = P.peer_position(panel, CATALOG, "0001", peers, kpis=["N00001", "N00002", "N00003"])
    assert position.columns.tolist() == P.PEER_POSITION_COLUMNS
    by = position.set_index("kpi")
    assert by.loc["N00001", "pct_peers"] == 50.0 and by.loc["N00001", "peer_median"] == 5.0
    assert by.loc["N00001", "n_peers"] == 3 and by.loc["N00001", "year"] == 2024
    assert by.loc["N00002", "year"] == 2023 and by.loc["N00002", "value"] == 7.0
    assert by.loc["N00002", "pct_peers"] == 50.0 and by.loc["N00002", "n_peers"] == 2
    assert by.loc["N00002", "peer_median"] == 5.0
    assert by.loc["N00003", "pct_peers"] == 62.5 and by.loc["N00003", "peer_median"] == 51.0
    # the same numbers as scipy's definition on the group of the municipality and its peers
    assert by.loc["N00001", "pct_peers"] == percentileofscore([-5, -3, -5, -8], -5, kind="mean")
    assert by.loc["N00003", "pct_peers"] == percentileofscore([-2, -1, -10, -30], -2, kind="mean")


def test_peer_position_takes_the_frame_of_similar_municipalities_and_defaults_to_scored_kpis():
    panel = panel_of([("0001", "N00001", 2024, 2.0), ("0002", "N00001", 2024, 3.0),
                      ("0001", "N00004", 2024, 9.0), ("0002", "N00004", 2024, 3.0),
                      ("0001", "N00002", 2024, 4.0)])
    peers = pd.DataFrame({"rank": [1, 2], "distance": [0.1, 0.2]},
                         index=pd.Index(["0002", "0001"], name="municipality_id"))  # itself listed: left out
    position = P.peer_position(panel, CATALOG, "0001", peers)
    # N00004 is context (no direction) and N00003 is not in the panel: left out by default
    assert position["kpi"].tolist() == ["N00001", "N00002"]
    assert position.attrs["peers"] == ["0002"]
    assert position.loc[0, "pct_peers"] == 75.0  # 2 beats 3 when lower is better: (1 + 0.5) / 2
    assert position.loc[1, "n_peers"] == 0 and math.isnan(position.loc[1, "pct_peers"])
    assert math.isnan(position.loc[1, "peer_median"])


def test_peer_position_checks_its_input():
    panel = panel_of([("0001", "N00001", 2024, 2.0), ("0002", "N00001", 2024, 3.0)])
    with pytest.raises(NatsamError, match=r"KPI\(s\) \['N99999'\] are not in the indicator catalog"):
        P.peer_position(panel, CATALOG, "0001", ["0002"], kpis=["N99999"])
    with pytest.raises(NatsamError, match=r"Unknown municipality id '9999'"):
        P.peer_position(panel, CATALOG, "9999", ["0002"])
    with pytest.raises(NatsamError, match=r"No peers given for '0001'"):
        P.peer_position(panel, CATALOG, "0001", ["0001"])
    with pytest.raises(NatsamError, match=r"not the single string '0002'"):
        P.peer_position(panel, CATALOG, "0001", "0002")


# --------------------------------------------------------------------------------------------------
# structural variables


def test_structural_variables_use_each_municipalitys_latest_year_and_logs():
    municipalities = pd.DataFrame({"municipality_id": ["0002", "0001", "0003"], "ur6": [1, 3, 6]})
    panel = panel_of([
        ("0001", "N01951", 2023, 1000.0), ("0001", "N01951", 2024, 10_000.0),
        ("0002", "N01951", 2024, 100.0), ("0002", "N01951", 2025, np.nan),  # 2025 missing: 2024 is used
        ("0003", "N01951", 2022, 0.0),  # log of 0 is missing
        ("0001", "N01960", 2024, 20.0), ("0009", "N01960", 2024, 99.0),  # 0009 is not a municipality here
    ])
    out = P.structural_variables(panel, municipalities, ["log_population", "urban_rural", "share_65_plus"])
    assert out.index.tolist() == ["0001", "0002", "0003"] and out.index.name == "municipality_id"
    assert out.columns.tolist() == ["log_population", "urban_rural", "share_65_plus"]
    assert out.loc["0001", "log_population"] == 4.0 and out.loc["0002", "log_population"] == 2.0
    assert math.isnan(out.loc["0003", "log_population"])
    assert out["urban_rural"].tolist() == [3.0, 1.0, 6.0]
    assert out["share_65_plus"].isna().tolist() == [False, True, True]
    assert out.attrs["sources"] == {"log_population": "N01951", "urban_rural": "geography.ur6",
                                    "share_65_plus": "N01960"}
    assert out.attrs["years"] == {"log_population": [2022, 2024], "urban_rural": None, "share_65_plus": [2024, 2024]}


def test_structural_variables_say_what_to_fetch_when_a_kpi_is_absent():
    municipalities = pd.DataFrame({"municipality_id": ["0001"], "ur6": [1]})
    panel = panel_of([("0001", "N01951", 2024, 100.0)])
    with pytest.raises(DataNotAvailableError,
                       match=r"no values .* of N02937 \(log_density\).*natsam fetch --kpi N02937"):
        P.structural_variables(panel, municipalities, ["log_population", "log_density"])
    with pytest.raises(NatsamError, match=r"Unknown structural variable 'area'"):
        P.structural_variables(panel, municipalities, ["area"])


def test_every_structural_variable_has_swedish_and_english_labels():
    for name, variable in P.STRUCTURAL_VARIABLES.items():
        assert f"peers_var_{name}" in LABELS
        assert variable.label("sv") != variable.label("en")
        assert (variable.kpi is None) != (variable.column is None)
    assert P.structural_labels(lang="en")["log_density"] == "Residents per km² (log10)"
    assert list(P.STRUCTURAL_VARIABLES) == ["log_population", "log_density", "urban_rural", "urbanisation",
                                           "share_65_plus", "median_income", "post_secondary"]


# --------------------------------------------------------------------------------------------------
# the demo data: 290 municipalities


@pytest.fixture(scope="module")
def demo_variables(demo_panel, geo_tables) -> pd.DataFrame:
    return P.structural_variables(demo_panel, geo_tables["municipalities"])


def test_demo_structural_variables_cover_all_290_municipalities(demo_variables, geo_tables):
    assert demo_variables.shape == (290, len(P.STRUCTURAL_VARIABLES))
    assert demo_variables.index.tolist() == sorted(geo_tables["municipalities"]["municipality_id"])
    assert demo_variables.notna().mean().min() > 0.99  # only a few gaps, filled with the median
    assert demo_variables["urban_rural"].between(1, 6).all()


def test_demo_every_municipality_gets_k_peers_and_never_itself(demo_variables):
    k = P.DEFAULT_K
    long = P.peer_table(demo_variables, k=k)
    assert len(long) == 290 * k
    assert (long["municipality_id"] != long["peer_id"]).all()
    per = long.groupby("municipality_id")
    assert (per["peer_id"].nunique() == k).all() and per.ngroups == 290
    assert per["distance"].apply(lambda d: d.is_monotonic_increasing).all()
    for mid in ("1281", "0180", "2584"):
        one = P.similar_municipalities(demo_variables, mid, k=k)
        assert len(one) == k and mid not in one.index
        assert one.index.tolist() == long.loc[long["municipality_id"] == mid, "peer_id"].tolist()


def test_demo_choose_k_scores_are_silhouettes_and_best_is_the_argmax(demo_variables):
    for method in P.CLUSTER_METHODS:
        choice = P.choose_k(demo_variables, ks=range(2, 6), method=method)
        assert choice.scores.between(-1, 1).all()
        assert choice.best_k == choice.scores.idxmax()
        clusters = (P.kmeans_clusters if method == "kmeans" else P.ward_clusters)(demo_variables, choice.best_k)
        assert sorted(clusters.unique()) == list(range(1, choice.best_k + 1))
        assert math.isclose(clusters.attrs["silhouette"], choice.best_score)
