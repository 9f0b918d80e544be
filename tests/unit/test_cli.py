"""The ``natsam`` command: demo generation, serve's checks, clean errors, the local-only template."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from natsam_analysis import serve, store
from natsam_analysis.cli import main
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import DEMO_NOTE

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}


@pytest.fixture
def dashboards(tmp_path: Path) -> Path:
    """A folder with one tiny dashboard notebook that prints a marker."""
    folder = tmp_path / "dashboards"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Testpanel"),
        nbformat.v4.new_code_cell("print('hej från natsam ' + str(6 * 7))"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / serve.START_DASHBOARD)
    return folder


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port on 127.0.0.1 that a listening socket holds for the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_demo_writes_the_panel_and_reports_it(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--seed", "7"]) == 0
    out = capsys.readouterr().out
    entry = store.read_manifest(data_dir / "demo")["panel"]
    path = data_dir / "demo" / entry["file"]
    assert path.exists() and entry["seed"] == 7 and entry["synthetic"] is True
    assert f"Generated the demo panel: {path}" in out
    assert re.search(rf"rows:\s+{entry['rows']}\n", out) and entry["rows"] > 100_000
    assert f"sha256: {store.sha256_file(path)}" in out
    assert DEMO_NOTE["sv"] in out

    assert main(["demo", "--seed", "7"]) == 0
    again = capsys.readouterr().out
    assert "The demo panel is up to date" in again and entry["sha256"] in again

    assert main(["demo", "--seed", "7", "--force"]) == 0
    forced = capsys.readouterr().out
    assert "Generated the demo panel" in forced
    assert f"sha256: {entry['sha256']}" in forced, "the same seed gives the same file"


def test_demo_note_follows_the_language(data_dir: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NATSAM_LANG", "en")
    assert main(["demo"]) == 0
    assert DEMO_NOTE["en"] in capsys.readouterr().out


def _assert_clean_error(capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert err.startswith("natsam: error: ") and "Traceback" not in err
    for fragment in fragments:
        assert fragment in err
    return err


def test_serve_on_a_busy_port_is_a_clean_error(dashboards: Path, busy_port: int,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(busy_port), "--dashboards", str(dashboards)]) == 2
    _assert_clean_error(capsys, f"Port {busy_port} on 127.0.0.1 is already in use", f"--port {busy_port + 1}")


@pytest.mark.parametrize("port", ["0", "70000"])
def test_serve_on_an_invalid_port_is_a_clean_error(dashboards: Path, port: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", port, "--dashboards", str(dashboards)]) == 2
    _assert_clean_error(capsys, f"Port {port} is not a usable port", "--port")


def test_serve_without_dashboards_is_a_clean_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--dashboards", str(tmp_path / "nowhere")]) == 2
    _assert_clean_error(capsys, "no dashboard notebooks", "--dashboards")


def test_voila_command_strips_sources_and_keeps_its_port(dashboards: Path) -> None:
    command = serve.voila_command(dashboards, "127.0.0.1", 8870)
    assert command[:4] == [sys.executable, "-m", "natsam_analysis.dashboard.voila_app", str(dashboards)]
    for option in ("--Voila.port=8870", "--Voila.port_retries=0", "--VoilaConfiguration.template=natsam",
                   "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False",
                   "--no-browser"):
        assert option in command
    assert "--no-browser" not in serve.voila_command(dashboards, "127.0.0.1", 8870, open_browser=True)
    env = serve.voila_environment({"JUPYTER_PATH": "/elsewhere"})
    assert env["JUPYTER_PATH"].split(os.pathsep) == [str(serve.start_page_root()), str(serve.template_root()),
                                                     "/elsewhere"]


def test_voila_command_keeps_kernels_ready_and_loads_what_the_dashboards_need(dashboards: Path) -> None:
    command = serve.voila_command(dashboards, "127.0.0.1", 8870)
    for option in ("--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1",
                   "--VoilaKernelManager.fill_delay=0",  # the successor waits for the page instead
                   "--VoilaConfiguration.extension_denylist=jupyterlab-plotly",
                   "--Voila.kernel_websocket_connection_class="
                   "natsam_analysis.dashboard.kernel_socket.NoDelayKernelConnection"):
        assert option in command
    assert "--VoilaConfiguration.default_pool_size=3" in serve.voila_command(dashboards, "127.0.0.1", 8870, pool_size=3)
    cold = serve.voila_command(dashboards, "127.0.0.1", 8870, pool_size=0)
    assert not any("preheat" in option or "pool_size" in option or "fill_delay" in option for option in cold)


@pytest.mark.parametrize("value", ["-1", "two"])
def test_serve_refuses_a_bad_pool_size(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--pool-size", value])
    assert exit_info.value.code == 2
    assert "--pool-size" in capsys.readouterr().err


def test_background_server_refuses_a_busy_port(dashboards: Path, busy_port: int) -> None:
    server = serve.VoilaServer(dashboards, port=busy_port)
    with pytest.raises(NatsamError, match=f"Port {busy_port} on 127.0.0.1 is already in use"):
        server.start()


def _fetch_when_up(url: str, server: subprocess.Popen, timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"natsam serve stopped with status {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                return response.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {timeout} s")


def test_served_dashboard_renders_with_no_link_off_the_host(data_dir: Path, dashboards: Path, tmp_path: Path) -> None:
    port = serve.free_port()
    log = tmp_path / "serve.log"
    with open(log, "w", encoding="utf-8") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "natsam_analysis.cli", "serve", "--port", str(port),
             "--dashboards", str(dashboards)],
            stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        url = serve.dashboard_url("127.0.0.1", port)
        html = _fetch_when_up(url, server)
        start = _fetch_when_up(serve.start_page_url("127.0.0.1", port), server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    printed = log.read_text(encoding="utf-8")
    assert f"Dashboards: http://127.0.0.1:{port}/\n" in printed and DEMO_NOTE["sv"] in printed
    assert 'href="voila/render/kommunprofil.ipynb"' in start, "the start page links the dashboards"
    assert store.has_table(data_dir / "demo", "panel"), "serve prepares the demo data first"

    assert "hej från natsam 42" in html, "the notebook ran and its output is on the page"
    assert "print('hej" not in html, "sources are stripped"
    assert "fontawesome" not in html.lower() and "mermaid.esm" not in html
    hosts = set(re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//([^/"'\s>]+)""", html))
    assert hosts <= {f"{h}:{port}" for h in LOCAL_HOSTS} | LOCAL_HOSTS, hosts


def test_serve_warns_and_still_serves_when_the_index_cannot_be_built(
        dashboards: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def broken_index() -> None:
        raise NatsamError("indicator N01982 is missing from the panel")

    served = []
    monkeypatch.setattr(serve, "prepare_index", broken_index)
    monkeypatch.setattr(serve, "run_voila", lambda folder, host, port, open_browser=False, pool_size=1, **limits:
                        served.append((port, pool_size)) or 0)
    assert main(["serve", "--port", "8871", "--dashboards", str(dashboards), "--pool-size", "2"]) == 0
    assert served == [(8871, 2)]
    err = capsys.readouterr().err
    assert "warning: the index explorer cannot show the published index: indicator N01982" in err


def test_prepare_index_builds_the_explorer_cache_once(data_dir: Path) -> None:
    serve.prepare_index()
    cached = list((data_dir / "cache" / "indices").glob("explorer-*.parquet"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    serve.prepare_index()  # a current cache is only read
    assert cached[0].stat().st_mtime_ns == stamp
