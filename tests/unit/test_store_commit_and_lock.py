"""Multi-table commits and the one-writer lock of a store; overlapping fetches against the fake Kolada API.

* A commit writes new files and swaps the manifest in one rename: a failure between two table writes,
  or at the swap, leaves every file and the manifest byte for byte as they were; files left by a
  process killed mid-commit are removed by the next commit.
* A second writer of a store waits for the first (saying whom it waits for) or, told not to wait, stops
  with a message naming the holder's process id and start time. A lock left by a killed process is
  taken over with a note. Two real ``natsam fetch`` processes against the fake Kolada API lose no row.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fakes.kolada_fake import KoladaFake
from fakes.server import FakeServer, Request, Response
from refdata import reference_path

from natsam_analysis import store, stored
from natsam_analysis.cli import main
from natsam_analysis.errors import NatsamError
from natsam_analysis.sources import sync
from natsam_analysis.sources.kolada import KoladaClient
from natsam_analysis.stored import kolada_store

FAST = ["--rate", "0", "--no-progress"]
UNITS = "0180,1480"
YEARS = "2015-2020"
FETCH_A = ["fetch", "--kpi", "N01951", "--municipality", UNITS, "--years", YEARS, *FAST]
FETCH_B = ["fetch", "--kpi", "N00945", "--municipality", UNITS, "--years", YEARS, *FAST]
PATH_A = "/v3/data/kpi/N01951/"
TIMEOUT = 60  # seconds a test waits for a subprocess to reach a point before it fails (never a speed check)
SKIP_ON_WINDOWS = pytest.mark.skipif(os.name == "nt", reason="SIGKILL and pid checks are POSIX")


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of a store folder (hidden ones included, work areas excluded) and its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _frame(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"municipality_id": [f"{i:04d}" for i in range(len(values))], "value": values})


def _assert_consistent(folder: Path) -> None:
    """Every manifest entry names an existing file with its sha256; no version file is unreferenced."""
    manifest = store.read_manifest(folder)
    named = {entry["file"] for entry in manifest.values()}
    for name, entry in manifest.items():
        assert store.sha256_file(folder / entry["file"]) == entry["sha256"], name
    versions = {p.name for p in folder.iterdir() if store.VERSION_FILE.match(p.name)}
    assert versions <= named, f"unreferenced table files: {sorted(versions - named)}"
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")], "no temporary files left"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A store holding two tables, ``a`` and ``b``, written in one commit."""
    folder = tmp_path / "store"
    store.write_tables(folder, {"a": (_frame([1.0, 2.0]), {"source": "old"}), "b": (_frame([3.0]), {"source": "old"})})
    return folder


# ------------------------------------------------------------------------------------------------ commits


def test_tables_of_one_commit_replace_the_stored_ones_together(folder: Path) -> None:
    old = store.read_manifest(folder)
    with store.commit(folder) as tx:
        tx.write_table("a", _frame([10.0]), {"source": "new"})
        tx.write_table("c", _frame([30.0, 31.0]), {"source": "new"})
        assert store.read_table(folder, "a")["value"].tolist() == [10.0], "the commit reads its own writes"
        assert json.loads((folder / store.MANIFEST).read_text())["a"] == old["a"], "not committed yet"
    manifest = store.read_manifest(folder)
    assert sorted(manifest) == ["a", "b", "c"] and manifest["b"] == old["b"]
    assert manifest["a"]["source"] == "new" and manifest["a"]["file"] != old["a"]["file"]
    assert not (folder / old["a"]["file"]).exists(), "the replaced version is removed"
    assert store.read_table(folder, "c", verify=True)["value"].tolist() == [30.0, 31.0]
    _assert_consistent(folder)
    assert not (folder / store.LOCK_NOTE).exists(), "the lock note goes with the lock"


def test_the_same_frame_gives_the_same_file(tmp_path: Path) -> None:
    one = store.write_table(tmp_path / "one", "t", _frame([1.0, None]), {"source": "x"})
    two = store.write_table(tmp_path / "two", "t", _frame([1.0, None]), {"source": "x"})
    assert one == two and one["file"] == f"t.{one['sha256'][:12]}.parquet"
    assert (tmp_path / "one" / one["file"]).read_bytes() == (tmp_path / "two" / two["file"]).read_bytes()


class Injected(Exception):
    pass


def _fail_on_second_table(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = store._dump_parquet

    def dump(df: pd.DataFrame, path: Path) -> None:
        calls.append(path)
        if len(calls) == 2:
            Path(path).write_bytes(b"PAR1 half a file")
            raise Injected("disk full between two table writes")
        real(df, path)

    monkeypatch.setattr(store, "_dump_parquet", dump)


def _fail_at_the_manifest_swap(monkeypatch: pytest.MonkeyPatch) -> None:
    real = store.atomic_write_text

    def write(path: Path, text: str) -> None:
        if Path(path).name == store.MANIFEST:
            raise Injected("crash just before the manifest swap")
        real(path, text)

    monkeypatch.setattr(store, "atomic_write_text", write)


@pytest.mark.parametrize("inject", [_fail_on_second_table, _fail_at_the_manifest_swap],
                         ids=["second-table-write", "manifest-swap"])
def test_a_crash_inside_a_commit_leaves_the_previous_set(folder: Path, monkeypatch: pytest.MonkeyPatch,
                                                         inject) -> None:
    before = _snapshot(folder)
    inject(monkeypatch)
    with pytest.raises(Injected):
        with store.commit(folder) as tx:
            tx.write_table("a", _frame([7.0, 8.0, 9.0]), {"source": "new"})
            tx.write_table("b", _frame([6.0]), {"source": "new"})
    assert _snapshot(folder) == before, "every file and the manifest byte for byte as before, no orphans"
    assert store.read_table(folder, "a", verify=True)["value"].tolist() == [1.0, 2.0]
    assert store.read_table(folder, "b", verify=True)["value"].tolist() == [3.0]


def test_an_error_in_the_block_commits_nothing(folder: Path) -> None:
    before = _snapshot(folder)
    with pytest.raises(KeyboardInterrupt):
        with store.commit(folder) as tx:
            tx.write_table("a", _frame([7.0]), {"source": "new"})
            with store.commit(folder) as inner:  # joins the outer commit
                assert inner is tx
                inner.write_table("d", _frame([4.0]), {"source": "new"})
            raise KeyboardInterrupt
    assert _snapshot(folder) == before


@SKIP_ON_WINDOWS
def test_a_commit_killed_outright_is_cleaned_up_by_the_next(folder: Path, capsys) -> None:
    before = _snapshot(folder)
    script = ("import os, signal, sys\nimport pandas as pd\nfrom natsam_analysis import store\n"
              "with store.commit(sys.argv[1]) as tx:\n"
              "    tx.write_table('a', pd.DataFrame({'value': [99.0]}), {'source': 'killed'})\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.Popen([sys.executable, "-c", script, str(folder)])
    assert killed.wait(timeout=TIMEOUT) == -signal.SIGKILL
    left = store.lock_holder(folder)
    assert left is not None and left.pid == killed.pid, "the note of the killed writer stays"
    orphans = set(_snapshot(folder)) - set(before) - {store.LOCK_NOTE}
    assert len(orphans) == 1 and store.VERSION_FILE.match(orphans.pop()), "the new file it wrote is left"
    assert {k: v for k, v in _snapshot(folder).items() if k in before} == before, "nothing it replaced"
    assert store.read_table(folder, "a", verify=True)["value"].tolist() == [1.0, 2.0]
    (folder / ".b.x1y2.parquet.tmp").write_bytes(b"PAR1 half")  # a temporary of a killed writer
    (folder / "notes.parquet").write_bytes(b"a researcher's own file")  # not the store's: kept
    store.write_table(folder, "b", _frame([5.0]), {"source": "new"})
    err = capsys.readouterr().err
    assert f"took over the lock on {folder} left by process {left.pid}, started {left.started}" in err
    assert "which no longer runs" in err
    _assert_consistent(folder)
    assert (folder / "notes.parquet").exists() and not (folder / store.LOCK_NOTE).exists()


def test_a_store_of_an_older_version_is_read_and_rewritten(tmp_path: Path) -> None:
    folder = tmp_path / "old"
    folder.mkdir()
    _frame([1.0]).to_parquet(folder / "panel.parquet", index=False)
    entry = {"source": "demo", "rows": 1, "sha256": store.sha256_file(folder / "panel.parquet")}
    (folder / store.MANIFEST).write_text(json.dumps({"panel": entry}), encoding="utf-8")  # no "file"
    assert store.has_table(folder, "panel") and store.table_path(folder, "panel") == folder / "panel.parquet"
    assert store.read_table(folder, "panel", verify=True)["value"].tolist() == [1.0]
    new = store.write_table(folder, "panel", _frame([2.0]), {"source": "demo"})
    assert not (folder / "panel.parquet").exists() and (folder / new["file"]).exists()
    _assert_consistent(folder)


def test_a_manifest_naming_a_file_outside_the_store_is_refused(folder: Path) -> None:
    manifest = store.read_manifest(folder)
    manifest["a"]["file"] = "../elsewhere.parquet"
    (folder / store.MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(NatsamError, match="not a file name in the store folder"):
        store.read_table(folder, "a")


# ------------------------------------------------------------------------------------------------ the writer lock


def test_the_lock_is_reentrant_and_leaves_no_note(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    with store.writer_lock(folder, command="natsam fetch --catalog") as me:
        assert store.lock_holder(folder) == me and me.pid == os.getpid() and me.command == "natsam fetch --catalog"
        with store.writer_lock(folder, wait=False) as again:  # the same thread: nests, never waits
            assert again == me
            store.write_table(folder, "t", _frame([1.0]), {"source": "x"})
        assert store.lock_holder(folder) == me
    assert store.lock_holder(folder) is None
    for bad in (-1, "yes", None):
        with pytest.raises(NatsamError, match="wait="):
            with store.writer_lock(folder, wait=bad):
                pass


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen]]:
    """Another process holding the writer lock of ``<tmp>/s`` until its stdin is closed."""
    folder = tmp_path / "s"
    script = ("import sys\nfrom natsam_analysis import store\n"
              "with store.writer_lock(sys.argv[1], command='natsam fetch --catalog'):\n"
              "    print('locked', flush=True)\n    sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", script, str(folder)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield folder, proc
    proc.stdin.close()
    proc.wait(timeout=TIMEOUT)


def test_a_second_writer_told_not_to_wait_names_the_holder(holder) -> None:
    folder, proc = holder
    note = store.lock_holder(folder)
    assert note.pid == proc.pid
    for wait in (False, 0.2):
        with pytest.raises(store.StoreBusyError) as info:
            with store.writer_lock(folder, wait=wait):
                pass
        message = str(info.value)
        assert f"process {proc.pid}, started {note.started} (natsam fetch --catalog)" in message
        assert info.value.holder == note
    with pytest.raises(store.StoreBusyError):
        store.write_tables(folder, {"t": (_frame([1.0]), {"source": "x"})}, wait=False)
    assert not store.has_table(folder, "t")


def test_a_second_writer_waits_for_the_holder(holder, capsys) -> None:
    folder, proc = holder
    done = threading.Event()

    def write() -> None:
        store.write_table(folder, "t", _frame([1.0]), {"source": "x"})  # waits (wait=True)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    assert not done.wait(0.3), "it waits while the other process holds the lock"
    proc.stdin.close()
    thread.join(TIMEOUT)
    assert done.is_set() and store.has_table(folder, "t")
    err = capsys.readouterr().err
    assert f"Another process is writing to {folder}: process {proc.pid}" in err and "waiting for it" in err


# ------------------------------------------------------------------------------------------------ overlapping fetches


class Gate:
    """The fake Kolada API, holding requests whose path starts with ``prefix`` until ``release()``."""

    def __init__(self, fake: KoladaFake, prefix: str):
        self.fake, self.prefix = fake, prefix
        self.arrived, self.opened = threading.Event(), threading.Event()

    def __call__(self, request: Request) -> Response:
        if request.path.startswith(self.prefix):
            self.arrived.set()
            self.opened.wait(TIMEOUT)
        return self.fake(request)

    def release(self) -> None:
        self.opened.set()


@pytest.fixture(scope="module")
def module_fake() -> KoladaFake:
    return KoladaFake(reference_path("kolada", "kolada_v3_2026-03-23_kpi_values.json").parent)


@pytest.fixture
def gate(module_fake: KoladaFake, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    """The fake Kolada API at NATSAM_KOLADA_URL (for this process and its children), fetch A's data held."""
    gate = Gate(module_fake, PATH_A)
    monkeypatch.delenv("NATSAM_OFFLINE", raising=False)
    with FakeServer(gate) as server:
        monkeypatch.setenv("NATSAM_KOLADA_URL", server.url + "/v3")
        yield gate
        gate.release()
    module_fake.reset()


def natsam(*args: str) -> subprocess.Popen:
    """``natsam ARGS`` in another process (NATSAM_DATA_DIR and NATSAM_KOLADA_URL as in this one)."""
    return subprocess.Popen([sys.executable, "-m", "natsam_analysis.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def start_fetch_a(gate: Gate) -> subprocess.Popen:
    """Fetch A, started and holding the store's lock (its data request is held at the gate)."""
    a = natsam(*FETCH_A)
    assert gate.arrived.wait(TIMEOUT), a.communicate()
    return a


def expected_rows(fake: KoladaFake, kpi: str) -> int:
    years = range(2015, 2021)
    return sum(len((fake.row(kpi, m, y) or {}).get("values", [])) for m in UNITS.split(",") for y in years)


def test_an_overlapping_fetch_with_no_wait_exits_naming_the_running_one(gate: Gate, module_fake) -> None:
    a = start_fetch_a(gate)
    running = store.lock_holder(kolada_store())
    assert running.pid == a.pid and "natsam fetch --kpi N01951" in running.command
    b = subprocess.run([sys.executable, "-m", "natsam_analysis.cli", *FETCH_B, "--no-wait"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert b.returncode == 2, b.stderr
    assert f"process {a.pid}, started {running.started}" in b.stderr and "Traceback" not in b.stderr
    gate.release()
    out, err = a.communicate(timeout=TIMEOUT)
    assert a.returncode == 0, err
    panel = store.read_table(kolada_store(), stored.PANEL_TABLE)
    assert set(panel["kpi"]) == {"N01951"} and len(panel) == expected_rows(module_fake, "N01951")
    _assert_consistent(kolada_store())


def test_an_overlapping_fetch_waits_and_no_row_is_lost(gate: Gate, module_fake) -> None:
    a = start_fetch_a(gate)
    b = natsam(*FETCH_B)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in b.stderr], daemon=True).start()
    said = ""
    while "Another process" not in said:  # B says it waits (and then waits: A is held at the gate)
        said = lines.get(timeout=TIMEOUT)
    assert f"Another process is writing to {kolada_store()}: process {a.pid}, started " in said
    assert "(natsam fetch --kpi N01951" in said and "waiting for it to finish" in said
    assert b.poll() is None and a.poll() is None
    gate.release()
    assert a.wait(timeout=TIMEOUT) == 0, a.communicate()
    assert b.wait(timeout=TIMEOUT) == 0
    assert "Kolada data: fetched" in b.stdout.read()
    folder = kolada_store()
    panel = store.read_table(folder, stored.PANEL_TABLE, verify=True)
    assert {k: int(n) for k, n in panel["kpi"].value_counts().items()} == {
        "N01951": expected_rows(module_fake, "N01951"), "N00945": expected_rows(module_fake, "N00945")}
    assert len(panel.attrs["provenance"]["queries"]) == 2, "both fetches are recorded"
    _assert_consistent(folder)
    assert store.lock_holder(folder) is None


@SKIP_ON_WINDOWS
def test_the_lock_of_a_killed_fetch_is_taken_over(gate: Gate, capsys) -> None:
    a = start_fetch_a(gate)
    running = store.lock_holder(kolada_store())
    a.kill()  # SIGKILL: no clean-up; the kernel releases its lock, its note stays
    a.wait(timeout=TIMEOUT)
    gate.release()
    assert store.lock_holder(kolada_store()) == running
    assert main(FETCH_B[:1] + ["--no-wait"] + FETCH_B[1:]) == 0
    err = capsys.readouterr().err
    assert (f"took over the lock on {kolada_store()} left by process {a.pid}, started {running.started} "
            f"({running.command}), which no longer runs") in err
    assert store.lock_holder(kolada_store()) is None
    _assert_consistent(kolada_store())


def test_a_crash_between_the_tables_of_a_fetch_leaves_the_previous_set(gate: Gate) -> None:
    gate.release()
    client = KoladaClient(rate=0)
    args = (["N01951"], ["0180", "G92787"], "2019-2020")
    sync.fetch_data(*args, client=client, progress=False)
    folder = kolada_store()
    assert store.has_table(folder, stored.PANEL_TABLE) and store.has_table(folder, stored.GROUP_VALUES_TABLE)
    gate.fake.set_value("N01951", "0180", 2020, 123456.0, changed="2026-11-30")  # changes the group mean too
    before = _snapshot(folder)
    with pytest.MonkeyPatch.context() as mp, pytest.raises(Injected):
        _fail_on_second_table(mp)
        sync.fetch_data(*args, client=client, progress=False, full=True)
    assert _snapshot(folder) == before, "panel, group values and manifest as before the fetch"
    summary = sync.fetch_data(*args, client=client, progress=False, full=True)
    assert summary.status == "fetched"
    panel = store.read_table(folder, stored.PANEL_TABLE).set_index(["municipality_id", "year", "gender"])
    assert panel.loc[("0180", 2020, "T"), "value"] == 123456.0
    assert re.fullmatch(r"group_values\.[0-9a-f]{12}\.parquet", store.read_manifest(folder)["group_values"]["file"])
    _assert_consistent(folder)
