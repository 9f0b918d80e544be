"""The dashboard server's limits: the kernel count, the busy page, culling, and natsam serve's options.

The kernel manager's bookkeeping is checked with kernel starts replaced by a stand-in (no process
is started); tests/browser/test_many_viewers_browser.py checks the same on a running server.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import jinja2
import nbformat
import pytest
from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager, MappingKernelManager

from natsam_analysis import serve
from natsam_analysis.cli import main
from natsam_analysis.dashboard import voila_app
from natsam_analysis.dashboard.voila_app import CONNECT_GRACE, DashboardKernelManager, KernelLimitReached

POOL = {"VOILA_PREHEAT": "True"}
VIEWER = {"VOILA_PREHEAT": "False"}


def run(coroutine) -> None:
    """Run ``coroutine`` in an event loop of its own thread (a browser test may hold this thread's loop)."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, coroutine).result()


@pytest.fixture
def manager(monkeypatch: pytest.MonkeyPatch) -> DashboardKernelManager:
    """A kernel manager whose kernels are stand-ins, with Voila's pools (notebook -> tasks) attached."""

    async def start(self, *, kernel_id=None, path=None, **kwargs):
        await asyncio.sleep(0.01)
        self._kernels[kernel_id] = SimpleNamespace(last_activity=utcnow() - timedelta(hours=1))
        return kernel_id

    culled = []

    async def cull(self, kernel_id):
        culled.append(kernel_id)

    monkeypatch.setattr(AsyncMappingKernelManager, "start_kernel", start)
    monkeypatch.setattr(MappingKernelManager, "cull_kernels", lambda self: asyncio.sleep(0))
    monkeypatch.setattr(MappingKernelManager, "cull_kernel_if_idle", cull)
    km = DashboardKernelManager(max_kernels=2)
    km._pools = {"a.ipynb": []}
    km.culled = culled
    return km


def test_ready_kernels_count_once_a_page_takes_them(manager: DashboardKernelManager) -> None:
    async def scenario() -> None:
        pool = manager._pools["a.ipynb"]
        pool.append(asyncio.ensure_future(manager.start_kernel(env=POOL)))
        ready = await pool[0]
        assert manager.viewer_kernels() == set() and not manager.kernel_limit_reached()

        taken = pool.pop(0)  # a page takes the ready kernel, as Voila does
        assert await taken == ready
        assert manager.viewer_kernels() == {ready}

        starting = asyncio.ensure_future(manager.start_kernel(env=VIEWER))
        await asyncio.sleep(0)  # started, not running yet: counted already
        assert len(manager.viewer_kernels()) == 2 and manager.kernel_limit_reached()
        await starting
        with pytest.raises(KernelLimitReached):
            await manager.start_kernel(env=VIEWER)
        pool.append(asyncio.ensure_future(manager.start_kernel(env=POOL)))  # ready kernels: always
        await pool[-1]
        assert len(manager.list_kernel_ids()) == 3 and len(manager.viewer_kernels()) == 2

        del manager._kernels[ready]  # the page closed
        assert not manager.kernel_limit_reached()

    run(scenario())


def test_a_page_waiting_for_a_kernel_being_made_ready_counts_at_once(manager: DashboardKernelManager) -> None:
    async def scenario() -> None:
        async def refill() -> str:  # as Voila refills a pool: a delay, then the kernel's start
            await asyncio.sleep(0.05)
            return await manager.start_kernel(env=POOL)

        pool = manager._pools["a.ipynb"]
        pool.append(asyncio.ensure_future(refill()))
        assert manager.viewer_kernel_count() == 0  # the limit is checked before a page takes it ...
        taken = pool.pop(0)  # ... and the page takes it before its kernel has started
        assert manager.viewer_kernel_count() == 1
        kernel_id = await taken
        assert manager.viewer_kernel_count() == 1 and manager.viewer_kernels() == {kernel_id}

    run(scenario())


def test_no_limit_without_max_kernels(manager: DashboardKernelManager) -> None:
    manager.max_kernels = 0

    async def scenario() -> None:
        for _ in range(5):
            await manager.start_kernel(env=VIEWER)
        assert len(manager.viewer_kernels()) == 5 and not manager.kernel_limit_reached()

    run(scenario())


def test_a_taken_kernel_is_not_culled_before_its_page_connects(manager: DashboardKernelManager) -> None:
    async def scenario() -> None:
        pool = manager._pools["a.ipynb"]
        pool.append(asyncio.ensure_future(manager.start_kernel(env=POOL)))
        kernel_id = await pool[0]
        await manager.cull_kernels()  # the culler sees it waiting in the pool
        pool.pop(0)  # an hour in the pool, then a page takes it
        await manager.cull_kernels()
        assert utcnow() - manager.get_kernel(kernel_id).last_activity < timedelta(seconds=5), "idle from now on"

        await manager.cull_kernel_if_idle(kernel_id)
        assert manager.culled == [], "its page has not connected yet"
        manager.get_kernel(kernel_id).last_activity = utcnow() - timedelta(seconds=CONNECT_GRACE + 1)
        await manager.cull_kernel_if_idle(kernel_id)
        assert manager.culled == [kernel_id], "a page that never connects does not keep it for ever"

        manager.culled.clear()
        manager.get_kernel(kernel_id).last_activity = utcnow()
        manager._kernel_connections[kernel_id] = 0
        manager.notify_connect(kernel_id)
        await manager.cull_kernel_if_idle(kernel_id)
        assert manager.culled == [kernel_id], "once connected, the culler's own rules decide"

    run(scenario())


REFILL = {"VOILA_PREHEAT": "True", "VOILA_REQUEST_URL": "http://127.0.0.1:8866/voila/render/a.ipynb"}


def refill_in_pool(manager: DashboardKernelManager) -> asyncio.Task:
    """The successor of a ready kernel a page took, in its pool, as Voila starts it."""
    task = asyncio.ensure_future(manager.start_kernel(env=REFILL))
    manager._pools["a.ipynb"].append(task)
    return task


def test_the_successor_of_a_taken_kernel_starts_once_the_page_has_drawn(manager: DashboardKernelManager) -> None:
    manager._get_notebook_from_kernel = {"page-kernel": "a.ipynb", "other-kernel": "b.ipynb"}.get
    manager.max_kernels = 0

    async def scenario() -> None:
        for kernel_id in ("page-kernel", "other-kernel", "started-for-its-page"):
            await manager.start_kernel(kernel_id=kernel_id, env=VIEWER)
        assert manager.page_drawn("started-for-its-page"), "a page whose kernel was not a ready one"
        successor = refill_in_pool(manager)
        await asyncio.sleep(0.3)
        assert not successor.done() and len(manager.list_kernel_ids()) == 3, "waiting for the page"
        assert manager.page_drawn("other-kernel"), "another dashboard's page ..."
        await asyncio.sleep(0.2)
        assert not successor.done(), "... does not start it"
        assert not manager.page_drawn("unknown"), "not a dashboard's kernel"
        assert manager.page_drawn("page-kernel")
        kernel_id = await asyncio.wait_for(successor, 1)
        assert kernel_id in manager.list_kernel_ids() and manager._drawn == {}

    run(scenario())


def test_the_successor_starts_at_once_when_a_viewer_takes_it(manager: DashboardKernelManager) -> None:
    async def scenario() -> None:
        successor = refill_in_pool(manager)
        await asyncio.sleep(0.2)
        assert not successor.done()
        manager._pools["a.ipynb"].remove(successor)  # a viewer takes it and waits for it, as Voila does
        await asyncio.wait_for(successor, 1)

    run(scenario())


def test_the_successor_waits_no_longer_than_the_refill_timeout(manager: DashboardKernelManager) -> None:
    manager.refill_timeout = 0.3

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        start = loop.time()
        await asyncio.wait_for(refill_in_pool(manager), 2)  # the page never reported
        assert 0.3 <= loop.time() - start < 1.5

        start = loop.time()
        manager._pools["a.ipynb"].append(asyncio.ensure_future(manager.start_kernel(env=POOL)))
        await manager._pools["a.ipynb"][-1]  # a pool's first kernels (no page took one) start at once
        assert loop.time() - start < 0.2

    run(scenario())


def test_a_kernel_still_starting_is_not_culled(manager: DashboardKernelManager) -> None:
    from jupyter_server.services.kernels.kernelmanager import ServerKernelManager

    async def scenario() -> None:
        manager._kernels["starting"] = ServerKernelManager()  # registered, no last activity yet
        await manager.cull_kernel_if_idle("starting")  # no TraitError
        assert manager.culled == []

    run(scenario())


def test_busy_page_is_swedish_then_english_and_self_contained() -> None:
    folder = serve.template_root() / "voila" / "templates" / serve.TEMPLATE
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder), autoescape=True)
    html = env.get_template(voila_app.BUSY_TEMPLATE).render(retry_after=30)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="sv">' in html
    sv = html.index("Många använder instrumentpanelerna just nu – försök igen om en stund")
    en = html.index('<section lang="en">')
    assert sv < en < html.index("Many people are using the dashboards right now")
    assert "30 sekunder" in html and "30 seconds" in html
    assert "<script" not in html and "http" not in html and "src=" not in html, "nothing loaded from anywhere"


def test_voila_command_limits_viewers_and_culls_lost_pages(tmp_path: Path) -> None:
    for name in ("a.ipynb", "b.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    command = serve.voila_command(tmp_path, "127.0.0.1", 8870, max_kernels=7, cull_idle_timeout=120, cull_interval=30)
    assert command[2] == serve.VOILA_APP
    for option in (f"--VoilaConfiguration.multi_kernel_manager_class={serve.KERNEL_MANAGER}",
                   "--DashboardKernelManager.max_kernels=7", "--MappingKernelManager.cull_idle_timeout=120",
                   "--MappingKernelManager.cull_interval=30", "--MappingKernelManager.cull_connected=False",
                   f"--VoilaExecutor.iopub_timeout={serve.IOPUB_TIMEOUT}"):
        assert option in command
    default = serve.voila_command(tmp_path, "127.0.0.1", 8870)
    assert f"--DashboardKernelManager.max_kernels={serve.default_max_kernels(2)}" in default
    assert f"--MappingKernelManager.cull_idle_timeout={serve.CULL_IDLE_TIMEOUT}" in default
    assert serve.ready_kernels(tmp_path, 3) == 6 and serve.ready_kernels(tmp_path, 0) == 0


def test_default_limit_keeps_the_kernels_within_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve.default_max_kernels(ready=6, memory=64 * 2**30) == serve.DEFAULT_MAX_KERNELS
    small = serve.default_max_kernels(ready=6, memory=4 * 2**30)
    assert (small + 6) * serve.KERNEL_MEMORY_MB <= 0.75 * 4 * 1024 < (small + 7) * serve.KERNEL_MEMORY_MB
    assert serve.default_max_kernels(ready=6, memory=2**30) == 1, "always one viewer"
    monkeypatch.setattr(serve, "physical_memory", lambda: None)
    assert serve.default_max_kernels(ready=6) == serve.DEFAULT_MAX_KERNELS


@pytest.fixture
def dashboards(tmp_path: Path) -> Path:
    """A folder with one notebook (never run here)."""
    folder = tmp_path / "dashboards"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('hej')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / serve.START_DASHBOARD)
    return folder


def test_serve_passes_its_limits_to_voila(dashboards: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    served = []
    monkeypatch.setattr(serve, "prepare_index", lambda: None)
    monkeypatch.setattr(serve, "run_voila", lambda *args, **options: served.append(options) or 0)
    assert main(["serve", "--dashboards", str(dashboards), "--max-kernels", "5", "--cull-idle-timeout", "60",
                 "--cull-interval", "10"]) == 0
    assert served[0] | {"open_browser": None, "pool_size": None} == {
        "open_browser": None, "pool_size": None, "max_kernels": 5, "cull_idle_timeout": 60, "cull_interval": 10}
    assert "Viewers at once: 5 (--max-kernels)" in capsys.readouterr().out
    assert main(["serve", "--dashboards", str(dashboards)]) == 0
    assert served[1]["max_kernels"] == serve.default_max_kernels(serve.ready_kernels(dashboards, serve.DEFAULT_POOL_SIZE))
    assert served[1]["cull_idle_timeout"] == serve.CULL_IDLE_TIMEOUT


@pytest.mark.parametrize("option", [["--max-kernels", "-1"], ["--cull-idle-timeout", "x"], ["--cull-interval", "0"]])
def test_serve_refuses_bad_limits(option: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["serve", *option])
    assert exit_info.value.code == 2
    assert option[0] in capsys.readouterr().err
