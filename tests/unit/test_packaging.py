"""pyproject.toml is the single source of dependencies; environment.yml and the install follow it."""

from __future__ import annotations

import fnmatch
import importlib
import json
import os
import re
import tomllib
from importlib.metadata import distributions, entry_points

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from natsam_analysis import config, serve

ROOT = config.PROJECT_ROOT
LOCK = ROOT / "requirements.lock"


@pytest.fixture(scope="module")
def pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def _conda_and_pip(environment: dict) -> tuple[list[str], list[str]]:
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip_sections) == 1, "environment.yml must have exactly one pip section"
    return conda, pip_sections[0]


def test_environment_names_and_channels(environment: dict) -> None:
    assert environment["name"] == "natsam-analysis"
    assert environment["channels"] == ["conda-forge"]


def test_environment_installs_the_lock_and_the_package_with_every_extra(environment: dict, pyproject: dict) -> None:
    conda, pip = _conda_and_pip(environment)
    assert "pip" in conda
    assert len(pip) == 2, f"pip installs the lock file and the package itself, nothing else: {pip}"
    assert pip[0].split() == ["-r", LOCK.name], "conda users get exactly the locked versions too"
    match = re.fullmatch(r"-e\s+\.(?:\[([^\]]*)\])?", pip[1].strip())
    assert match, f"expected an editable install of the project ('-e .[...]'), got {pip[1]!r}"
    extras = {e.strip() for e in (match.group(1) or "").split(",") if e.strip()}
    assert extras == set(pyproject["project"]["optional-dependencies"])


def _locked() -> dict[str, Requirement]:
    """The lock's pins that apply to this interpreter and platform, by normalised name."""
    pins = {}
    for number, line in enumerate(LOCK.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", \
            f"{LOCK.name}, line {number}: {line!r} is not an exact pin"
        if req.marker is None or req.marker.evaluate():
            assert canonicalize_name(req.name) not in pins, f"{LOCK.name}, line {number}: {req.name} pinned twice"
            pins[canonicalize_name(req.name)] = req
    return pins


def test_lock_pins_every_dependency_within_its_range(pyproject: dict) -> None:
    """requirements.lock is made from pyproject.toml: every range there has a pin in the lock that it allows."""
    locked = _locked()
    wanted = list(pyproject["project"]["dependencies"])
    for extra in pyproject["project"]["optional-dependencies"].values():
        wanted += extra
    for text in wanted:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} is in pyproject.toml but not in {LOCK.name}: run make lock"
        version = next(iter(locked[name].specifier)).version
        assert req.specifier.contains(version, prereleases=True), \
            f"{LOCK.name} pins {req.name}=={version}, outside pyproject.toml's {req.specifier}: run make lock"


@pytest.mark.skipif(os.environ.get("NATSAM_LATEST") == "1", reason="make test-latest runs on the newest versions, not the lock")
def test_environment_is_exactly_the_lock() -> None:
    """What is installed is what the lock pins: no other version, no package the lock does not know."""
    locked = _locked()
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in distributions()}
    tooling = {"pip", "setuptools", "wheel", "natsam-analysis"}
    wrong = {n: (installed.get(n), next(iter(r.specifier)).version) for n, r in locked.items()
             if installed.get(n) != next(iter(r.specifier)).version}
    extra = sorted(set(installed) - set(locked) - tooling)
    hint = "the environment differs from requirements.lock: remove .venv and run make test again"
    assert wrong == {}, f"{hint} (installed, locked): {wrong}"
    assert extra == [], f"{hint}; not in the lock: {extra}"


def test_environment_adds_no_dependency_of_its_own(environment: dict) -> None:
    conda, _ = _conda_and_pip(environment)
    names = {re.split(r"[=<>! ]", d, maxsplit=1)[0] for d in conda}
    assert names == {"python", "pip"}, "add dependencies to pyproject.toml, not environment.yml"


def test_environment_python_is_the_oldest_supported(environment: dict, pyproject: dict) -> None:
    conda, _ = _conda_and_pip(environment)
    pins = [d.split("=", 1)[1] for d in conda if d.startswith("python=")]
    assert pins == ["3.11"]
    requires = SpecifierSet(pyproject["project"]["requires-python"])
    assert requires.contains(pins[0])
    assert [s.version for s in requires if s.operator == ">="] == [pins[0]]


def test_console_script_points_at_cli_main(pyproject: dict) -> None:
    assert pyproject["project"]["scripts"]["natsam"] == "natsam_analysis.cli:main"
    module, _, attr = pyproject["project"]["scripts"]["natsam"].partition(":")
    assert callable(getattr(importlib.import_module(module), attr))
    installed = entry_points(group="console_scripts", name="natsam")
    assert [ep.value for ep in installed] == ["natsam_analysis.cli:main"], "reinstall: make test does it"


def test_voila_template_ships_as_package_data(pyproject: dict) -> None:
    template = serve.template_root() / "voila" / "templates" / serve.TEMPLATE
    files = sorted(p for p in template.rglob("*") if p.is_file())
    assert {p.name for p in files} >= {"conf.json", "index.html.j2", "busy.html", "plotly-natsam.min.js"}
    assert json.loads((template / "conf.json").read_text(encoding="utf-8"))["base_template"] == "lab"

    package_data = pyproject["tool"]["setuptools"]["package-data"]
    package_dir = ROOT / "natsam_analysis" / "dashboard"
    patterns = package_data["natsam_analysis.dashboard"]
    for path in files:
        relative = path.relative_to(package_dir).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative


def test_nbconvert_template_ships_as_package_data(pyproject: dict) -> None:
    from natsam_analysis import notebooks

    template = notebooks.TEMPLATES / notebooks.TEMPLATE
    files = sorted(p for p in template.iterdir() if p.is_file())
    assert {p.name for p in files} == {"conf.json", "index.html.j2"}
    assert json.loads((template / "conf.json").read_text(encoding="utf-8"))["base_template"] == "lab"
    patterns = pyproject["tool"]["setuptools"]["package-data"]["natsam_analysis"]
    for path in files:
        relative = path.relative_to(ROOT / "natsam_analysis").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
