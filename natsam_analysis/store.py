"""Local store: parquet tables plus a JSON manifest with provenance, written atomically.

A store is a folder holding ``<name>.parquet`` files and one ``manifest.json`` that maps each table
name to its provenance (source, query, created or fetched time, row count, sha256 of the file, ...).
Every write goes to a temporary file in the same folder and is renamed into place, so a failed or
interrupted write leaves the previous state exactly as it was.

Examples
--------
>>> import pandas as pd, tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> entry = write_table(folder, "panel", pd.DataFrame({"a": [1, 2]}), {"source": "demo"})
>>> entry["rows"], read_table(folder, "panel")["a"].tolist()
(2, [1, 2])
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from natsam_analysis.errors import DataNotAvailableError, NatsamError

MANIFEST = "manifest.json"


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


def read_manifest(folder: Path) -> dict[str, dict[str, Any]]:
    """The manifest of a store folder (empty when the folder has none)."""
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


def write_table(folder: Path, name: str, df: pd.DataFrame, provenance: dict[str, Any]) -> dict[str, Any]:
    """Store ``df`` as ``<folder>/<name>.parquet`` and record it in the manifest.

    The table is written first, then the manifest; both atomically. Everything that can fail on bad
    input (an unreadable manifest, a frame parquet cannot store, provenance that is not JSON) fails
    before the previous table is replaced. Returns the manifest entry (``provenance`` plus ``file``,
    ``rows`` and ``sha256``).
    """
    folder = Path(folder)
    path = folder / f"{name}.parquet"
    manifest = read_manifest(folder)
    result: dict[str, Any] = {}

    def write(tmp: Path) -> None:
        _dump_parquet(df, tmp)
        entry = {**provenance, "file": path.name, "rows": int(len(df)), "sha256": sha256_file(tmp)}
        result["entry"] = entry
        result["text"] = json.dumps({**manifest, name: entry}, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    atomic_write(path, write)
    atomic_write_text(folder / MANIFEST, result["text"])
    return result["entry"]


def has_table(folder: Path, name: str) -> bool:
    """True when the store folder holds table ``name`` with a manifest entry."""
    folder = Path(folder)
    return (folder / f"{name}.parquet").exists() and name in read_manifest(folder)


def read_table(folder: Path, name: str, *, verify: bool = False) -> pd.DataFrame:
    """Read table ``name`` from a store folder; ``attrs["provenance"]`` holds its manifest entry.

    With ``verify=True`` the file's sha256 is checked against the manifest first.
    """
    folder = Path(folder)
    path = folder / f"{name}.parquet"
    entry = read_manifest(folder).get(name)
    if entry is None or not path.exists():
        raise DataNotAvailableError(f"{path}: no table {name!r} in this store.")
    if verify and sha256_file(path) != entry.get("sha256"):
        raise NatsamError(
            f"{path}: the file does not match the sha256 in {folder / MANIFEST}; it was changed or "
            "damaged after it was written. Delete it and regenerate or re-fetch it."
        )
    df = pd.read_parquet(path, engine="pyarrow")
    df.attrs["provenance"] = dict(entry)
    return df
