"""``natsam lab``: JupyterLab on the research notebooks, local only, also as root; clean errors.

That JupyterLab starts this way and runs a notebook is tested in the browser
(tests/browser/test_jupyterlab_browser.py).
"""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from natsam_analysis import config, lab
from natsam_analysis.cli import main
from natsam_analysis.errors import NatsamError


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that a listening socket holds for the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """What ``natsam lab`` would start JupyterLab with (nothing is started)."""
    calls: list[dict] = []
    monkeypatch.setattr(lab, "run_lab", lambda folder, host, port, open_browser=True: calls.append(
        {"folder": folder, "host": host, "port": port, "open_browser": open_browser}) or 0)
    return calls


def test_lab_command_serves_the_folder_on_its_port_only(tmp_path: Path) -> None:
    command = lab.lab_command(tmp_path, "127.0.0.1", 8890, as_root=False)
    assert command[:3] == [sys.executable, "-m", "jupyterlab"]
    for option in (f"--ServerApp.root_dir={tmp_path}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port=8890",
                   "--ServerApp.port_retries=0", "--no-browser"):
        assert option in command
    assert "--no-browser" not in lab.lab_command(tmp_path, "127.0.0.1", 8890, open_browser=True)


def test_lab_command_asks_no_other_host(tmp_path: Path) -> None:
    command = lab.lab_command(tmp_path, "127.0.0.1", 8890)
    for option in ("--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--LabApp.extension_manager=readonly"):
        assert option in command


@pytest.mark.parametrize("uid, allowed", [(0, True), (1000, False)])
def test_lab_command_allows_root_only_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              uid: int, allowed: bool) -> None:
    monkeypatch.setattr(lab.os, "geteuid", lambda: uid, raising=False)
    assert ("--allow-root" in lab.lab_command(tmp_path, "127.0.0.1", 8890)) is allowed
    assert "--allow-root" in lab.lab_command(tmp_path, "127.0.0.1", 8890, as_root=True)
    assert "--allow-root" not in lab.lab_command(tmp_path, "127.0.0.1", 8890, as_root=False)


def test_lab_url_opens_a_notebook() -> None:
    assert lab.lab_url("127.0.0.1", 8890, "01_oversikt.ipynb") == "http://127.0.0.1:8890/lab/tree/01_oversikt.ipynb"
    assert lab.lab_url("::1", 8890) == "http://[::1]:8890/lab"
    server = lab.LabServer(Path("notebooks"), port=8890)
    assert server.url("01_oversikt.ipynb").startswith("http://127.0.0.1:8890/lab/tree/01_oversikt.ipynb?token=")
    assert server.environment()["JUPYTER_TOKEN"] == server.token
    assert server.command() == lab.lab_command(Path("notebooks"), "127.0.0.1", 8890)


def test_natsam_lab_opens_the_project_notebooks(started: list[dict], monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(lab, "check_lab_port", lambda host, port: None)  # 8888 may be taken on this machine
    assert main(["lab"]) == 0
    assert started == [{"folder": config.notebooks_dir().resolve(), "host": "127.0.0.1", "port": 8888,
                        "open_browser": True}]
    assert "http://127.0.0.1:8888/lab" in capsys.readouterr().out


def test_natsam_lab_options(started: list[dict], tmp_path: Path) -> None:
    port = lab.free_port()
    assert main(["lab", "--no-browser", "--port", str(port), "--host", "127.0.0.1",
                 "--notebooks-dir", str(tmp_path)]) == 0
    assert started == [{"folder": tmp_path.resolve(), "host": "127.0.0.1", "port": port, "open_browser": False}]


def _assert_clean_error(capsys: pytest.CaptureFixture[str], *parts: str) -> None:
    err = capsys.readouterr().err
    assert err.startswith("natsam: error: ") and "Traceback" not in err, err
    for part in parts:
        assert part in err, err


def test_natsam_lab_on_a_busy_port_is_a_clean_error(started: list[dict], busy_port: int,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--port", str(busy_port)]) == 2
    _assert_clean_error(capsys, f"Port {busy_port} on 127.0.0.1 is already in use",
                        f"natsam lab --port {busy_port + 1}")
    assert started == []


def test_natsam_lab_on_an_invalid_port_is_a_clean_error(started: list[dict], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--port", "70000"]) == 2
    _assert_clean_error(capsys, "Port 70000 is not a usable port", "--port 8888")


def test_natsam_lab_without_the_folder_is_a_clean_error(started: list[dict], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--notebooks-dir", str(tmp_path / "nowhere")]) == 2
    _assert_clean_error(capsys, "nowhere", "--notebooks-dir")
    assert started == []


def test_background_lab_refuses_a_busy_port(busy_port: int) -> None:
    with pytest.raises(NatsamError, match=f"Port {busy_port} on 127.0.0.1 is already in use.*natsam lab"):
        lab.LabServer(config.notebooks_dir(), port=busy_port).start()
