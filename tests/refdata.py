"""Where the real recorded reference data is, for tests (``../shared/reference`` beside the project).

When the folder or a file is absent (a user's own clone) the calling test is skipped with the reason;
under ``CI=true`` that is a failure instead, so CI never silently skips the checks against real data.
Reference files are read where they are, never copied into the project.

Test modules import these as ``from refdata import reference_path`` (``tests/`` is on ``sys.path``
because ``tests/conftest.py`` lives there), and ``tests/conftest.py`` offers them as fixtures.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from natsam_analysis import config


def in_ci() -> bool:
    """True when running under CI (``CI=true``), where reference data is required."""
    return os.environ.get("CI", "").strip().lower() == "true"


def missing(reason: str):
    """Skip the calling test because of ``reason``, or fail it under CI."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def reference_root() -> Path:
    """The reference folder's path, whether or not it exists."""
    return config.PROJECT_ROOT.parent / "shared" / "reference"


def reference_dir() -> Path:
    """The shared reference folder; skip the calling test when absent (fail when ``CI=true``)."""
    path = reference_root()
    if not path.is_dir():
        missing(f"reference data folder {path} is absent (it holds real recorded Kolada/SCB payloads; "
                "check out ../shared next to the project to run this test)")
    return path


def reference_path(*parts: str) -> Path:
    """A file inside the reference folder; skip/fail like :func:`reference_dir` when it is missing."""
    path = reference_dir().joinpath(*parts)
    if not path.exists():
        missing(f"reference file {path} is missing")
    return path
