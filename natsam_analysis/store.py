"""Local store: parquet tables plus a JSON manifest with provenance, committed atomically by one writer.

A store is a folder holding one parquet file per table and one ``manifest.json`` that maps each table
name to its provenance (source, query, created or fetched time, row count, sha256, ...) and to the
file holding it (``file``). Each version of a table is a new file, ``<name>.<first 12 hex digits of its
sha256>.parquet``; stores written by older versions (``<name>.parquet``) are read as they are.

Commits
-------
Several tables are written together in one commit (:func:`commit`, :func:`write_tables`;
:func:`write_table` is a commit of one table):

1. each table goes to a new file (a temporary file renamed into place);
2. the manifest naming the new files replaces the old one in **one atomic rename**: the commit point;
3. files the manifest no longer names are removed.

A failure (or Ctrl-C) before step 2 removes the new files and leaves the previous manifest and every
previous file exactly as they were; a process killed outright leaves at most unreferenced new files,
which the next commit removes. Readers (:func:`read_table`, :func:`has_table`, :func:`table_path`)
find a table's file through the manifest, so they see either the old set of tables or the new one.

One writer
----------
:func:`writer_lock` makes the writers of a folder take turns: an OS-level lock (the ``filelock``
package) on ``<folder>/.natsam-writer.lock``, which the kernel releases when its process ends however
it ends, plus a note, ``<folder>/.natsam-writer.json``, naming the holder (process id, host, start time,
command line). A second writer waits, saying whom it waits for, or with ``wait=False`` stops with a
:class:`StoreBusyError` naming the holder. A note left by a process that no longer holds the lock
(killed outright) is taken over with a message. The lock is re-entrant within a thread: a fetch holds
it for its whole read-modify-write and the commits inside it take it again. Every commit takes it.

Why this and not a database (DuckDB, SQLite): the parquet files researchers already read stay as they
are, no storage engine is added, the lock dies with its process, and one atomic rename of the manifest
is the commit point.

Examples
--------
>>> import pandas as pd, tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> entry = write_table(folder, "panel", pd.DataFrame({"a": [1, 2]}), {"source": "demo"})
>>> entry["rows"], read_table(folder, "panel")["a"].tolist()
(2, [1, 2])
>>> with commit(folder) as tx:                       # two tables, one commit
...     _ = tx.write_table("a", pd.DataFrame({"x": [1]}), {"source": "demo"})
...     _ = tx.write_table("b", pd.DataFrame({"y": [2]}), {"source": "demo"})
>>> sorted(read_manifest(folder))
['a', 'b', 'panel']
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shlex
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import filelock
import pandas as pd

from natsam_analysis.errors import DataNotAvailableError, NatsamError

MANIFEST = "manifest.json"
#: The OS-level writer lock of a store folder (see :func:`writer_lock`).
LOCK_FILE = ".natsam-writer.lock"
#: The note naming the process that holds the writer lock.
LOCK_NOTE = ".natsam-writer.json"
#: How a table's file is named: ``<name>.<first 12 hex digits of its sha256>.parquet``.
VERSION_FILE = re.compile(r"^(?P<table>.+)\.(?P<digest>[0-9a-f]{12})\.parquet$")
_TEMPORARY = re.compile(r"^\..+\.parquet\.tmp$|^\.manifest\.json\..+\.tmp$|^\.natsam-writer\.json\..+\.tmp$")


class StoreBusyError(NatsamError):
    """Another process holds a store folder's writer lock (and this one was told not to wait).

    ``holder`` is the :class:`LockHolder` named by the lock's note, or ``None`` when it has none.
    """

    def __init__(self, message: str, holder: LockHolder | None = None):
        super().__init__(message)
        self.holder = holder


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it onto ``path``.

    If ``write`` raises, the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _dump_parquet(df: pd.DataFrame, path: Path) -> None:
    df.to_parquet(path, index=False, engine="pyarrow", compression="zstd")


def write_parquet(df: pd.DataFrame, path: Path) -> None:
    """Write a frame as parquet, atomically and reproducibly (same frame, same bytes)."""
    atomic_write(path, lambda tmp: _dump_parquet(df, tmp))


# ------------------------------------------------------------------------------------------------
# the writer lock


@dataclass(frozen=True)
class LockHolder:
    """Who holds (or held) a store folder's writer lock: what its note says."""

    pid: int
    host: str
    started: str
    command: str = ""

    def describe(self) -> str:
        """E.g. ``process 1234, started 2026-12-02T14:03:11+00:00 (natsam fetch --catalog)``."""
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"process {self.pid}{where}, started {self.started}" + (f" ({self.command})" if self.command else "")


def lock_holder(folder: Path) -> LockHolder | None:
    """The holder named by the writer-lock note of ``folder``, or ``None`` when there is no (readable) note.

    The note is written when the lock is taken and removed when it is released, so a note whose
    process no longer holds the lock was left by a process that ended without releasing it.

    Examples
    --------
    >>> holder = lock_holder(Path("data/cache/kolada"))   # doctest: +SKIP
    >>> holder.describe() if holder else "nobody"         # doctest: +SKIP
    'process 1234, started 2026-12-02T14:03:11+00:00 (natsam fetch --catalog)'
    """
    try:
        data = json.loads((Path(folder) / LOCK_NOTE).read_text(encoding="utf-8"))
        return LockHolder(int(data["pid"]), str(data.get("host", "")), str(data.get("started", "?")),
                          str(data.get("command", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _process_exists(pid: int) -> bool | None:
    """Whether process ``pid`` runs on this host (``None``: cannot tell)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return None
    return True


def _command_line() -> str:
    argv = list(sys.argv) or ["python"]
    return shlex.join([Path(argv[0]).name, *argv[1:]])


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class _Held:
    lock: filelock.BaseFileLock
    thread: int
    depth: int
    holder: LockHolder


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


def _key(folder: Path) -> str:
    return os.path.normcase(str(Path(folder).resolve()))


def _check_wait(wait: bool | float) -> float:
    """``wait`` as a timeout for filelock: -1 waits for ever, 0 not at all."""
    if isinstance(wait, bool):
        return -1 if wait else 0
    if isinstance(wait, (int, float)) and wait >= 0:
        return float(wait)
    raise NatsamError(f"wait={wait!r}: give True (wait until the other writer is done), False (do not wait) "
                      "or a number of seconds to wait at most.")


def _holder_of_busy_lock(folder: Path) -> LockHolder | None:
    """The note of a lock someone holds; a holder that has just taken it may not have written it yet."""
    for _ in range(20):
        holder = lock_holder(folder)
        if holder is not None:
            return holder
        time.sleep(0.05)
    return None


@contextmanager
def writer_lock(folder: Path, *, wait: bool | float = True, command: str | None = None) -> Iterator[LockHolder]:
    """Hold the writer lock of store folder ``folder`` for the duration of the block.

    Parameters
    ----------
    folder
        The store folder (created when missing).
    wait
        When another process holds the lock: ``True`` (default) waits until it is released, saying once
        on stderr whom it waits for; ``False`` raises :class:`StoreBusyError` at once; a number waits at
        most that many seconds, then raises.
    command
        The command line recorded in the lock's note (default: this process's).

    Yields
    ------
    LockHolder
        This process, as recorded in the note.

    Raises
    ------
    StoreBusyError
        When the lock is held elsewhere and ``wait`` says not to wait (longer). The message names the
        holder: process id, start time and command line.

    Notes
    -----
    The lock is re-entrant within a thread: taking it again while holding it just nests. A note left
    by a process that no longer holds the lock is replaced, with a message on stderr.

    Examples
    --------
    >>> with writer_lock(kolada_store(), wait=False):     # doctest: +SKIP
    ...     ...  # read, merge and commit; no other writer meanwhile
    """
    folder = Path(folder)
    timeout = _check_wait(wait)
    folder.mkdir(parents=True, exist_ok=True)
    key = _key(folder)
    me = threading.get_ident()
    with _held_guard:
        held = _held.get(key)
        if held is not None and held.thread == me:
            held.depth += 1
        else:
            held = None
    if held is not None:
        try:
            yield held.holder
        finally:
            with _held_guard:
                held.depth -= 1
        return

    lock = filelock.FileLock(str(folder / LOCK_FILE), thread_local=False)
    try:
        lock.acquire(timeout=0)
    except filelock.Timeout:
        other = _holder_of_busy_lock(folder)
        who = other.describe() if other else "a process that left no note"
        if timeout == 0:
            raise StoreBusyError(
                f"{folder} is being written by another process: {who}. Run this again when it has finished, "
                "or let it wait for that (without --no-wait; in Python wait=True).", other) from None
        _say(f"Another process is writing to {folder}: {who}; waiting for it to finish (Ctrl-C to stop)…")
        try:
            lock.acquire(timeout=timeout)
        except filelock.Timeout:
            raise StoreBusyError(f"{folder} is still being written by another process after waiting "
                                 f"{timeout:g} s: {who}. Run this again when it has finished.", other) from None
    try:
        left = lock_holder(folder)
        if left is not None and left.pid != os.getpid():
            gone = "which no longer runs" if (not left.host or left.host == socket.gethostname()) and \
                _process_exists(left.pid) is False else "which no longer holds it"
            _say(f"natsam: note: took over the lock on {folder} left by {left.describe()}, {gone}.")
        holder = LockHolder(os.getpid(), socket.gethostname(), _now(),
                            command if command is not None else _command_line())
        atomic_write_text(folder / LOCK_NOTE, json.dumps(asdict(holder), ensure_ascii=False) + "\n")
        with _held_guard:
            _held[key] = held = _Held(lock, me, 1, holder)
    except BaseException:
        lock.release()
        raise
    try:
        yield holder
    finally:
        with _held_guard:
            held.depth -= 1
            last = held.depth == 0
            if last:
                del _held[key]
        if last:
            try:
                (folder / LOCK_NOTE).unlink(missing_ok=True)
            finally:
                lock.release()


# ------------------------------------------------------------------------------------------------
# reading


_open_commits = threading.local()


def _open_commit(folder: Path) -> Commit | None:
    """The commit this thread has open on ``folder``, if any (its writes are visible to this thread)."""
    commits = getattr(_open_commits, "by_folder", None)
    return commits.get(_key(folder)) if commits else None


def _read_manifest_file(folder: Path) -> dict[str, dict[str, Any]]:
    path = Path(folder) / MANIFEST
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise NatsamError(
            f"{path}: the manifest is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}). "
            "Delete the folder and regenerate or re-fetch its data."
        ) from exc
    if not isinstance(manifest, dict):
        raise NatsamError(f"{path}: the manifest must be a JSON object of table entries.")
    return manifest


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The manifest of a store folder (empty when the folder has none).

    Inside a :func:`commit` on ``folder``, the same thread sees the tables written so far in it.

    Examples
    --------
    >>> sorted(read_manifest(kolada_store()))     # doctest: +SKIP
    ['kpis', 'municipalities', 'panel']
    """
    open_commit = _open_commit(folder)
    if open_commit is not None:
        return open_commit.manifest()
    return _read_manifest_file(folder)


def _file_name(folder: Path, name: str, entry: Mapping[str, Any]) -> str:
    file = entry.get("file") or f"{name}.parquet"  # stores written before entries named their file
    if not isinstance(file, str) or Path(file).name != file or file in (".", ".."):
        raise NatsamError(f"{Path(folder) / MANIFEST}: table {name!r} names the file {file!r}, which is not a "
                          "file name in the store folder. Delete the folder and regenerate or re-fetch its data.")
    return file


def _named_files(folder: Path, manifest: Mapping[str, Any]) -> set[str]:
    """The file names a manifest names (entries naming no proper file are left out)."""
    names = set()
    for name, entry in manifest.items():
        try:
            names.add(_file_name(folder, name, entry))
        except (NatsamError, AttributeError):
            pass
    return names


def table_path(folder: Path, name: str) -> Path:
    """The file holding table ``name`` of a store folder, as its manifest entry names it.

    Raises
    ------
    DataNotAvailableError
        When the manifest has no entry ``name``.

    Examples
    --------
    >>> table_path(kolada_store(), "panel").name   # doctest: +SKIP
    'panel.3f2a9c0d1e4b.parquet'
    """
    folder = Path(folder)
    entry = read_manifest(folder).get(name)
    if entry is None:
        raise DataNotAvailableError(f"{folder}: no table {name!r} in this store ({folder / MANIFEST} has no entry "
                                    f"{name!r}).")
    return folder / _file_name(folder, name, entry)


def has_table(folder: Path, name: str) -> bool:
    """True when the store folder holds table ``name``: a manifest entry and the file it names.

    Examples
    --------
    >>> has_table(kolada_store(), "panel")         # doctest: +SKIP
    True
    """
    folder = Path(folder)
    entry = read_manifest(folder).get(name)
    return entry is not None and (folder / _file_name(folder, name, entry)).exists()


def read_table(folder: Path, name: str, *, verify: bool = False) -> pd.DataFrame:
    """Read table ``name`` from a store folder; ``attrs["provenance"]`` holds its manifest entry.

    With ``verify=True`` the file's sha256 is checked against the manifest first. A commit that
    replaces the table while it is being read is followed (the manifest is read again).

    Examples
    --------
    >>> read_table(kolada_store(), "panel", verify=True).attrs["provenance"]["source"]   # doctest: +SKIP
    'kolada'
    """
    folder = Path(folder)
    for attempt in range(3):
        entry = read_manifest(folder).get(name)
        path = folder / (_file_name(folder, name, entry) if entry is not None else f"{name}.parquet")
        if entry is None or not path.exists():
            raise DataNotAvailableError(f"{path}: no table {name!r} in this store.")
        try:
            if verify and sha256_file(path) != entry.get("sha256"):
                raise NatsamError(
                    f"{path}: the file does not match the sha256 in {folder / MANIFEST}; it was changed or "
                    "damaged after it was written. Delete it and regenerate or re-fetch it."
                )
            df = pd.read_parquet(path, engine="pyarrow")
        except FileNotFoundError:  # replaced by a commit between reading the manifest and the file
            if attempt == 2:
                raise
            continue
        df.attrs["provenance"] = dict(entry)
        return df
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------------------
# writing: commits


class Commit:
    """Tables written in one :func:`commit`; they replace the stored ones together when it ends."""

    def __init__(self, folder: Path, base: dict[str, dict[str, Any]]):
        self.folder = folder
        self._base = base
        self._entries: dict[str, dict[str, Any]] = {}
        self._new_files: list[Path] = []

    def manifest(self) -> dict[str, dict[str, Any]]:
        """The manifest as it will be once committed (a copy)."""
        return {name: dict(entry) for name, entry in {**self._base, **self._entries}.items()}

    def write_table(self, name: str, df: pd.DataFrame, provenance: Mapping[str, Any]) -> dict[str, Any]:
        """Write ``df`` as a new version of table ``name``; return its manifest entry.

        The file is written now (so a frame parquet cannot store, or provenance that is not JSON, fails
        here); the manifest names it only when the commit ends without an error.
        """
        if not isinstance(name, str) or not name or Path(name).name != name or name.startswith("."):
            raise NatsamError(f"store table name {name!r}: use a plain name such as 'panel' (no folders, no "
                              "leading dot).")
        json.dumps(dict(provenance), ensure_ascii=False, sort_keys=True)  # fails before anything is written
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".parquet.tmp", dir=self.folder)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            _dump_parquet(df, tmp)
            digest = sha256_file(tmp)
            path = self.folder / f"{name}.{digest[:12]}.parquet"
            os.chmod(tmp, 0o666 & ~_umask())
            existed = path.exists()
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if not existed:
            self._new_files.append(path)
        entry = {**provenance, "file": path.name, "rows": int(len(df)), "sha256": digest}
        self._entries[name] = entry
        return dict(entry)

    def _abort(self) -> None:
        """Remove the files this commit wrote (files the old manifest names are kept)."""
        kept = _named_files(self.folder, self._base)
        for path in self._new_files:
            if path.name not in kept:
                path.unlink(missing_ok=True)

    def _finish(self) -> None:
        """Swap the manifest in (the commit point), then remove what it no longer names."""
        if not self._entries:
            return
        manifest = self.manifest()
        text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        atomic_write_text(self.folder / MANIFEST, text)
        self._new_files.clear()
        referenced = _named_files(self.folder, manifest)
        replaced = _named_files(self.folder, {n: self._base[n] for n in self._entries if n in self._base})
        for path in self.folder.iterdir():
            orphan = VERSION_FILE.match(path.name) or path.name in replaced or _TEMPORARY.match(path.name)
            if orphan and path.name not in referenced and path.is_file():
                try:
                    path.unlink()
                except OSError:
                    pass  # committed all the same; the next commit tries again


@contextmanager
def commit(folder: Path, *, wait: bool | float = True) -> Iterator[Commit]:
    """Write several tables of a store folder as one commit: all of them replace the stored ones, or none.

    The block writes tables with ``tx.write_table(name, df, provenance)``. When it ends without an
    error the manifest naming the new files replaces the old one in one atomic rename, and files it no
    longer names (and files left by a process killed mid-commit) are removed. When it raises, the new
    files are removed and the store is exactly as it was. The commit holds the folder's
    :func:`writer_lock` (``wait`` as there). Within the block this thread reads the tables written so
    far (:func:`read_manifest`, :func:`read_table`); a commit opened inside it joins it.

    Examples
    --------
    >>> with commit(folder) as tx:                                          # doctest: +SKIP
    ...     tx.write_table("municipalities", units, {"source": "kolada"})
    ...     tx.write_table("municipality_groups", groups, {"source": "kolada"})
    """
    folder = Path(folder)
    outer = _open_commit(folder)
    if outer is not None:
        yield outer
        return
    with writer_lock(folder, wait=wait):
        tx = Commit(folder, _read_manifest_file(folder))
        if not hasattr(_open_commits, "by_folder"):
            _open_commits.by_folder = {}
        key = _key(folder)
        _open_commits.by_folder[key] = tx
        try:
            try:
                yield tx
            finally:
                del _open_commits.by_folder[key]
            tx._finish()
        except BaseException:
            tx._abort()
            raise


def write_tables(folder: Path, tables: Mapping[str, tuple[pd.DataFrame, Mapping[str, Any]]], *,
                 wait: bool | float = True) -> dict[str, dict[str, Any]]:
    """Write ``{name: (df, provenance)}`` as one :func:`commit`; return the manifest entries.

    Examples
    --------
    >>> entries = write_tables(folder, {"a": (df_a, {"source": "x"}), "b": (df_b, {"source": "x"})})  # doctest: +SKIP
    """
    with commit(folder, wait=wait) as tx:
        return {name: tx.write_table(name, df, provenance) for name, (df, provenance) in tables.items()}


def write_table(folder: Path, name: str, df: pd.DataFrame, provenance: dict[str, Any]) -> dict[str, Any]:
    """Store ``df`` as table ``name`` of ``folder`` and record it in the manifest: a commit of one table.

    Everything that can fail on bad input (an unreadable manifest, a frame parquet cannot store,
    provenance that is not JSON) fails before the previous table is replaced. Returns the manifest
    entry (``provenance`` plus ``file``, ``rows`` and ``sha256``). The same frame gives the same bytes.

    Examples
    --------
    >>> entry = write_table(folder, "panel", panel, {"source": "demo"})   # doctest: +SKIP
    >>> entry["file"]                                                      # doctest: +SKIP
    'panel.3f2a9c0d1e4b.parquet'
    """
    return write_tables(folder, {name: (df, provenance)})[name]
