"""``natsam index build``: COINr's example end to end, panel specs, and clean errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from natsam_analysis import config
from natsam_analysis.cli import main
from refdata import reference_path

EXAMPLE = config.PROJECT_ROOT / "data" / "indices" / "coinr_example.yaml"


@pytest.fixture
def asem_args() -> list[str]:
    return ["--idata", str(reference_path("coinr_asem", "ASEM_iData.csv")),
            "--imeta", str(reference_path("coinr_asem", "ASEM_iMeta.csv"))]


def test_build_coinr_example_end_to_end(tmp_path: Path, asem_args: list[str], capsys) -> None:
    out = tmp_path / "x.csv"
    assert main(["index", "build", str(EXAMPLE), *asem_args, "--out", str(out)]) == 0
    assert f"Wrote {out}" in capsys.readouterr().out
    table = pd.read_csv(out, dtype={"uCode": str})
    ranked = table.sort_values("Rank_Index")
    assert ranked["uCode"].head(6).tolist() == ["CHE", "NLD", "DNK", "NOR", "BEL", "SWE"]
    assert table.columns[0] == "uCode" and len(table) == 51
    # every indicator and aggregate, then one rank per aggregate (11 aggregates)
    ranks = [c for c in table.columns if c.startswith("Rank_")]
    assert len(ranks) == 11 and len(table.columns) == 1 + 49 + 11 + 11
    ref = pd.read_csv(reference_path("coinr_asem", "ASEM_COIN_Data_Aggregated.csv")).set_index("UnitCode")
    got = table.set_index("uCode").loc[ref.index]
    assert np.abs(got["Index"] - ref["Index"]).max() <= 1e-6
    assert np.abs(got["Conn"] - ref["Conn"]).max() <= 1e-6
    # ties share the lowest rank and rank 1 is the highest score
    assert (got["Rank_Index"] == got["Index"].rank(ascending=False, method="min")).all()
    assert not list(tmp_path.glob(".x.csv.*"))  # no temporary file left behind


def test_build_writes_a_named_data_set(tmp_path: Path, asem_args: list[str]) -> None:
    out = tmp_path / "treated.csv"
    assert main(["index", "build", str(EXAMPLE), *asem_args, "--out", str(out), "--dataset", "treated"]) == 0
    table = pd.read_csv(out)
    assert len(table.columns) == 1 + 49 and not any(c.startswith("Rank_") for c in table.columns)
    ref = pd.read_csv(reference_path("coinr_asem", "ASEM_COIN_Data_Treated.csv")).set_index("UnitCode")
    assert np.abs(table.set_index("uCode").loc[ref.index, "Services"] - ref["Services"]).max() <= 1e-6


def test_errors_name_the_spec_step_and_key_and_write_nothing(tmp_path: Path, asem_args: list[str],
                                                               capsys) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: Bad\nsteps:\n  - step: denominate\n  - step: treat\n    winmax: lots\n"
                    "  - step: aggregate\n    from: normalised\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["index", "build", str(spec), *asem_args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("natsam: error: ") and str(spec) in err and "Traceback" not in err
    assert "step 2, key 'winmax': winmax='lots' is not valid: it must be a whole number >= 0" in err
    assert "step 3, key 'from': data set 'normalised' is not made by an earlier step" in err
    assert not out.exists()


def test_runtime_errors_and_missing_files(tmp_path: Path, asem_args: list[str], capsys) -> None:
    spec = tmp_path / "group.yaml"
    spec.write_text("name: G\nsteps:\n  - step: impute\n    method: mean_group\n    group: Continent_group\n",
                    encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["index", "build", str(spec), *asem_args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{spec}: step 1 (impute): key 'group': 'Continent_group' is not a group column" in err
    assert "EurAsia_group" in err and not out.exists()
    assert main(["index", "build", str(tmp_path / "none.yaml"), *asem_args, "--out", str(out)]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(["index", "build", str(EXAMPLE), "--idata", asem_args[1], "--out", str(out)]) == 2
    assert "both --idata and --imeta" in capsys.readouterr().err
    assert main(["index", "build", str(EXAMPLE), "--out", str(out)]) == 2
    assert "needs iData and iMeta" in capsys.readouterr().err
    assert main(["index", "build", str(EXAMPLE), *asem_args, "--out", str(out), "--dataset", "final"]) == 2
    assert "--dataset 'final': the spec" in capsys.readouterr().err and not out.exists()
    assert main(["index", "build", str(EXAMPLE), *asem_args, "--out", str(out), "--dataset", "9x"]) == 2
    assert "'9x' is not a data set name" in capsys.readouterr().err


def test_panel_spec_builds_from_the_demo(tmp_path: Path, data_dir: Path, capsys) -> None:
    spec = tmp_path / "panel.yaml"
    spec.write_text(
        "name: Två pelare\nyear: 2024\nframework:\n  pillars: [kompetens, social]\n  weights: {social: 2}\n"
        "steps:\n  - step: impute\n    method: latest\n  - step: impute\n    method: mean\n"
        "  - step: normalise\n    method: zscore\n    mean: 10\n    sd: 2\n  - step: aggregate\n",
        encoding="utf-8")
    out = tmp_path / "panel.csv"
    assert main(["index", "build", str(spec), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Demodata – syntetiska värden, inte officiell statistik" in printed
    table = pd.read_csv(out, dtype={"uCode": str})
    assert len(table) == 290 and table["uCode"].str.fullmatch(r"\d{4}").all()
    assert {"kompetens", "social", "Index", "Rank_Index", "Rank_social"} <= set(table.columns)
    # Index = (kompetens + 2 * social) / 3 for every municipality (no missing values after imputation)
    assert np.allclose(table["Index"], (table["kompetens"] + 2 * table["social"]) / 3)
