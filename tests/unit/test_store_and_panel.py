"""The parquet store (atomic writes, manifest, hashes) and the panel loader with its source line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from natsam_analysis import config, store
from natsam_analysis.errors import DataNotAvailableError, NatsamError
from natsam_analysis.panel import is_synthetic, load_panel, source_line
from natsam_analysis.stored import kolada_store

DEMO_NOTE_SV = "Demodata – syntetiska värden, inte officiell statistik"
DEMO_NOTE_EN = "Demo data – synthetic values, not official statistics"
KOLADA_PROVENANCE = {"source": "kolada", "fetched_at": "2026-03-23T10:00:00+00:00", "query": "/v3/data/kpi/..."}


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame({"municipality_id": ["0180", "2584", "0114"], "value": [1.5, None, 3.0]})


@pytest.fixture
def folder(tmp_path) -> Path:
    return tmp_path / "store"


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder (hidden temporaries included) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def kolada_panel() -> pd.DataFrame:
    return pd.DataFrame({
        "municipality_id": ["0180", "0180", "2584"],
        "kpi": ["N00999", "N01951", "N00999"],
        "year": [2024, 2024, 2024],
        "gender": ["T", "T", "T"],
        "value": [12.3, 1001.0, 8.1],
        "status": ["", "", ""],
        "source": ["kolada", "kolada", "kolada"],
    })


# -------------------------------------------------------------------------------------------------
# store: writing and reading


def test_write_table_writes_parquet_and_manifest(folder, frame):
    entry = store.write_table(folder, "panel", frame, {"source": "demo", "seed": 1})
    sha = entry["sha256"]
    path = folder / f"panel.{sha[:12]}.parquet"  # each version of a table is a new file named by its hash
    assert path.exists() and store.table_path(folder, "panel") == path
    assert entry == {"source": "demo", "seed": 1, "file": path.name, "rows": 3,
                     "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == {"panel": entry}
    assert store.read_manifest(folder) == manifest
    assert store.has_table(folder, "panel") and not store.has_table(folder, "other")
    assert sorted(p.name for p in folder.iterdir()) == [store.LOCK_FILE, "manifest.json", path.name]


def test_read_table_round_trips_with_provenance(folder, frame):
    store.write_table(folder, "panel", frame, {"source": "kolada", "fetched_at": "2026-03-23"})
    back = store.read_table(folder, "panel", verify=True)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["municipality_id"].tolist() == ["0180", "2584", "0114"], "ids keep their leading zeros"
    prov = back.attrs["provenance"]
    assert prov["source"] == "kolada" and prov["fetched_at"] == "2026-03-23" and prov["rows"] == 3
    prov["source"] = "changed"
    assert store.read_table(folder, "panel").attrs["provenance"]["source"] == "kolada"


def test_several_tables_share_one_manifest(folder, frame):
    store.write_table(folder, "a", frame, {"source": "x"})
    store.write_table(folder, "b", frame.head(1), {"source": "y"})
    entry = store.write_table(folder, "a", frame.head(2), {"source": "z"})
    manifest = store.read_manifest(folder)
    assert sorted(manifest) == ["a", "b"]
    assert manifest["a"] == entry and manifest["a"]["rows"] == 2 and manifest["a"]["source"] == "z"
    assert manifest["b"]["rows"] == 1 and manifest["b"]["source"] == "y"
    assert len(store.read_table(folder, "a")) == 2


def test_writes_are_reproducible(tmp_path, frame):
    a = store.write_table(tmp_path / "a", "t", frame, {"source": "x"})
    b = store.write_table(tmp_path / "b", "t", frame.copy(), {"source": "x"})
    assert a["sha256"] == b["sha256"]


def test_written_files_get_ordinary_permissions(folder, frame):
    entry = store.write_table(folder, "panel", frame, {"source": "x"})
    mask = os.umask(0)
    os.umask(mask)
    for name in (entry["file"], "manifest.json"):
        assert (folder / name).stat().st_mode & 0o777 == 0o666 & ~mask, name


def test_verify_detects_a_tampered_file(folder, frame):
    store.write_table(folder, "panel", frame, {"source": "demo"})
    path = store.table_path(folder, "panel")
    frame.assign(value=[9.0, 9.0, 9.0]).to_parquet(path, index=False)  # a valid parquet, other content
    assert store.read_table(folder, "panel")["value"].tolist() == [9.0, 9.0, 9.0]  # no check by default
    with pytest.raises(NatsamError) as info:
        store.read_table(folder, "panel", verify=True)
    assert str(path) in str(info.value) and "sha256" in str(info.value)


def test_verify_detects_a_flipped_byte(folder, frame):
    store.write_table(folder, "panel", frame, {"source": "demo"})
    path = store.table_path(folder, "panel")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(NatsamError, match="does not match the sha256"):
        store.read_table(folder, "panel", verify=True)


def test_reading_a_missing_table(folder, frame):
    with pytest.raises(DataNotAvailableError):
        store.read_table(folder, "panel")
    store.write_table(folder, "panel", frame, {"source": "x"})
    frame.to_parquet(folder / "stray.parquet")  # a file without a manifest entry is not a table
    assert not store.has_table(folder, "stray")
    with pytest.raises(DataNotAvailableError, match="stray"):
        store.read_table(folder, "stray")
    store.table_path(folder, "panel").unlink()  # an entry without its file is not a table either
    assert not store.has_table(folder, "panel")
    with pytest.raises(DataNotAvailableError):
        store.read_table(folder, "panel")


def test_broken_manifest_is_reported(folder, frame):
    store.write_table(folder, "panel", frame, {"source": "x"})
    (folder / "manifest.json").write_text('{"panel": {"rows": 3,}\n', encoding="utf-8")
    with pytest.raises(NatsamError) as info:
        store.read_manifest(folder)
    assert str(folder / "manifest.json") in str(info.value) and "line 1" in str(info.value)
    (folder / "manifest.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(NatsamError, match="JSON object"):
        store.read_manifest(folder)
    assert store.read_manifest(folder / "nowhere") == {}


# -------------------------------------------------------------------------------------------------
# store: a failed write changes nothing


def _failing_write_leaves_store_unchanged(folder: Path, frame: pd.DataFrame, attempt) -> BaseException:
    store.write_table(folder, "panel", frame, {"source": "demo", "seed": 1})
    before = _snapshot(folder)
    with pytest.raises(BaseException) as info:
        attempt()
    assert _snapshot(folder) == before, "the previous file and manifest are byte-identical, no temporaries"
    back = store.read_table(folder, "panel", verify=True)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    return info.value


def test_frame_that_parquet_cannot_store(folder, frame):
    bad = pd.DataFrame({"municipality_id": ["0180", 180], "value": [object(), 2.0]})
    err = _failing_write_leaves_store_unchanged(
        folder, frame, lambda: store.write_table(folder, "panel", bad, {"source": "demo"}))
    assert not isinstance(err, AssertionError)


def test_crash_in_the_middle_of_writing(folder, frame, monkeypatch):
    def half_write(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    def attempt():
        monkeypatch.setattr(pd.DataFrame, "to_parquet", half_write)
        store.write_table(folder, "panel", frame.head(1), {"source": "demo", "seed": 2})

    err = _failing_write_leaves_store_unchanged(folder, frame, attempt)
    assert isinstance(err, OSError) and err.errno == 28


def test_interrupt_while_writing(folder, frame, monkeypatch):
    def interrupted(self, path, *args, **kwargs):
        Path(path).write_bytes(b"PAR1")
        raise KeyboardInterrupt

    def attempt():
        monkeypatch.setattr(pd.DataFrame, "to_parquet", interrupted)
        store.write_table(folder, "panel", frame.head(1), {"source": "demo"})

    assert isinstance(_failing_write_leaves_store_unchanged(folder, frame, attempt), KeyboardInterrupt)


def test_provenance_that_is_not_json(folder, frame):
    # the manifest cannot hold a datetime: the write must fail before the old table is replaced
    err = _failing_write_leaves_store_unchanged(
        folder, frame,
        lambda: store.write_table(folder, "panel", frame.head(1), {"source": "kolada", "fetched_at": datetime.now()}))
    assert isinstance(err, TypeError)


def test_unreadable_manifest_blocks_the_write(folder, frame):
    store.write_table(folder, "panel", frame, {"source": "demo"})
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    before = _snapshot(folder)
    with pytest.raises(NatsamError, match="not valid JSON"):
        store.write_table(folder, "panel", frame.head(1), {"source": "demo"})
    assert _snapshot(folder) == before


def test_atomic_write_text(tmp_path):
    path = tmp_path / "sub" / "note.txt"
    store.atomic_write_text(path, "första\n")
    assert path.read_text(encoding="utf-8") == "första\n"

    def boom(tmp):
        tmp.write_text("partial", encoding="utf-8")
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        store.atomic_write(path, boom)
    assert path.read_text(encoding="utf-8") == "första\n"
    assert [p.name for p in path.parent.iterdir()] == ["note.txt"]


# -------------------------------------------------------------------------------------------------
# load_panel


@pytest.fixture
def with_demo(data_dir, demo_store) -> Path:
    """The data dir with the (current) demo already in place, so nothing is regenerated."""
    shutil.copytree(demo_store[0], config.demo_dir())
    return config.demo_dir()


def test_load_panel_falls_back_to_the_demo(data_dir, demo_store, demo_panel):
    assert not (data_dir / "demo").exists()
    panel = load_panel()
    assert store.has_table(data_dir / "demo", "panel"), "the demo is generated on first use"
    prov = panel.attrs["provenance"]
    assert prov["source"] == "demo" and prov["synthetic"] is True
    assert prov["sha256"] == demo_store[1]["sha256"]
    pd.testing.assert_frame_equal(panel, demo_panel, check_dtype=False)
    assert source_line(prov) == DEMO_NOTE_SV


def test_load_panel_demo_does_not_regenerate(with_demo):
    parquet = store.table_path(with_demo, "panel")
    stamp = parquet.stat().st_mtime_ns
    assert load_panel(source="demo").attrs["provenance"]["source"] == "demo"
    assert load_panel().attrs["provenance"]["source"] == "demo"
    assert parquet.stat().st_mtime_ns == stamp


def test_load_panel_prefers_a_fetched_kolada_panel(with_demo):
    fetched = kolada_panel()
    store.write_table(kolada_store(), "panel", fetched, KOLADA_PROVENANCE)
    assert kolada_store() == config.cache_dir() / "kolada"
    for source in ("auto", "kolada"):
        panel = load_panel(source)
        pd.testing.assert_frame_equal(panel, fetched, check_dtype=False)
        prov = panel.attrs["provenance"]
        assert prov["source"] == "kolada" and prov["fetched_at"] == "2026-03-23T10:00:00+00:00"
        assert not is_synthetic(prov)
        assert source_line(prov) == "Källa: Kolada (hämtad 2026-03-23)"
    demo_again = load_panel(source="demo")
    assert demo_again.attrs["provenance"]["source"] == "demo"
    assert demo_again["municipality_id"].nunique() == 290


@pytest.mark.parametrize(("source", "lang", "derived", "expected"), [
    ("scb", "sv", False, "Källa: SCB (hämtad 2026-05-02)"),
    ("scb", "sv", True, "Beräknat från SCB (hämtad 2026-05-02)"),
    ("scb", "en", False, "Source: Statistics Sweden (SCB) (fetched 2026-05-02)"),
    ("kolada", "en", True, "Calculated from Kolada (fetched 2026-05-02)"),
])
def test_source_line_credits_each_official_source(source, lang, derived, expected):
    prov = {"source": source, "fetched_at": "2026-05-02T08:00:00+00:00"}
    assert source_line(prov, lang, derived=derived) == expected


def test_kolada_folder_without_a_panel_is_ignored(with_demo):
    store.write_table(kolada_store(), "kpi_metadata", pd.DataFrame({"id": ["N00999"]}), {"source": "kolada"})
    assert load_panel().attrs["provenance"]["source"] == "demo"
    with pytest.raises(DataNotAvailableError):
        load_panel(source="kolada")


def test_load_panel_kolada_without_a_store(data_dir):
    with pytest.raises(DataNotAvailableError) as info:
        load_panel(source="kolada")
    message = str(info.value)
    assert str(data_dir / "cache" / "kolada") in message
    assert "source='demo'" in message
    assert not (data_dir / "demo").exists(), "asking for Kolada data does not generate the demo"


@pytest.mark.parametrize("source", ["Kolada", "scb", "", None])
def test_load_panel_rejects_unknown_sources(data_dir, source):
    with pytest.raises(NatsamError, match="is not one of auto, demo, kolada"):
        load_panel(source)


# -------------------------------------------------------------------------------------------------
# source_line


DEMO_PROV = {"source": "demo", "synthetic": True, "seed": 1}


@pytest.mark.parametrize(
    ("provenance", "kwargs", "expected"),
    [
        (DEMO_PROV, {}, DEMO_NOTE_SV),
        (DEMO_PROV, {"lang": "sv"}, DEMO_NOTE_SV),
        (DEMO_PROV, {"lang": "en"}, DEMO_NOTE_EN),
        (DEMO_PROV, {"derived": True}, DEMO_NOTE_SV),  # demo stays demo when derived
        ({"source": "demo"}, {}, DEMO_NOTE_SV),
        ({"source": "kolada", "synthetic": True}, {}, DEMO_NOTE_SV),  # synthetic wins
        (KOLADA_PROVENANCE, {}, "Källa: Kolada (hämtad 2026-03-23)"),
        (KOLADA_PROVENANCE, {"lang": "en"}, "Source: Kolada (fetched 2026-03-23)"),
        (KOLADA_PROVENANCE, {"derived": True}, "Beräknat från Kolada (hämtad 2026-03-23)"),
        (KOLADA_PROVENANCE, {"derived": True, "lang": "en"}, "Calculated from Kolada (fetched 2026-03-23)"),
        ({"source": "kolada"}, {}, "Källa: Kolada"),
        ({"source": "kolada"}, {"derived": True, "lang": "en"}, "Calculated from Kolada"),
    ],
)
def test_source_line(provenance, kwargs, expected, monkeypatch):
    monkeypatch.delenv("NATSAM_LANG", raising=False)
    assert source_line(provenance, **kwargs) == expected


def test_derived_kolada_values_are_not_credited_to_kolada(monkeypatch):
    monkeypatch.delenv("NATSAM_LANG", raising=False)
    line = source_line(KOLADA_PROVENANCE, derived=True)
    assert line.startswith("Beräknat från Kolada") and "Källa" not in line


def test_source_line_follows_natsam_lang(monkeypatch):
    monkeypatch.setenv("NATSAM_LANG", "en")
    assert source_line(KOLADA_PROVENANCE) == "Source: Kolada (fetched 2026-03-23)"
    assert source_line(DEMO_PROV) == DEMO_NOTE_EN
    assert source_line(DEMO_PROV, "sv") == DEMO_NOTE_SV
    monkeypatch.setenv("NATSAM_LANG", "fi")
    with pytest.raises(NatsamError, match="NATSAM_LANG"):
        source_line(DEMO_PROV)


def test_source_line_rejects_unknown_language():
    with pytest.raises(NatsamError, match="'de'"):
        source_line(KOLADA_PROVENANCE, "de")
