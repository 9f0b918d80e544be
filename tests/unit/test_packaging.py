"""pyproject.toml is the single source of dependencies; environment.yml and the install follow it."""

from __future__ import annotations

import fnmatch
import importlib
import json
import re
import tomllib
from importlib.metadata import entry_points

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from natsam_analysis import config, serve

ROOT = config.PROJECT_ROOT


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


def test_environment_installs_the_package_with_every_extra(environment: dict, pyproject: dict) -> None:
    conda, pip = _conda_and_pip(environment)
    assert "pip" in conda
    assert len(pip) == 1, f"pip installs only the package itself (dependencies come from pyproject.toml): {pip}"
    match = re.fullmatch(r"-e\s+\.(?:\[([^\]]*)\])?", pip[0].strip())
    assert match, f"expected an editable install of the project ('-e .[...]'), got {pip[0]!r}"
    extras = {e.strip() for e in (match.group(1) or "").split(",") if e.strip()}
    assert extras == set(pyproject["project"]["optional-dependencies"])


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
    files = sorted(p for p in template.iterdir() if p.is_file())
    assert {p.name for p in files} == {"conf.json", "index.html.j2"}
    assert json.loads((template / "conf.json").read_text(encoding="utf-8"))["base_template"] == "lab"

    package_data = pyproject["tool"]["setuptools"]["package-data"]
    package_dir = ROOT / "natsam_analysis" / "dashboard"
    patterns = package_data["natsam_analysis.dashboard"]
    for path in files:
        relative = path.relative_to(package_dir).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns), relative
