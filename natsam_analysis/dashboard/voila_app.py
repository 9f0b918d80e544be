"""Voila for many viewers: a limit on the viewers' kernels, a busy page, kernels of closed pages ended.

``natsam serve`` runs Voila as :class:`DashboardVoila` (``python -m natsam_analysis.dashboard.voila_app``),
Voila 0.5 with these changes:

- **A kernel limit.** :class:`DashboardKernelManager` (``--VoilaConfiguration.multi_kernel_manager_class``)
  counts the kernels viewers hold: kernels started for a page, and ready kernels (Voila's preheated
  pool) once a page has taken them; ready kernels still waiting are not counted (there are at most
  ``--pool-size`` per dashboard). With ``max_kernels`` viewers' kernels running,
  :class:`DashboardHandler` answers the next request for a dashboard at once with the template's
  ``busy.html`` (HTTP 503, ``Retry-After``) instead of starting another kernel.
- **Closed pages end their kernels.** A page that is closed asks Voila to shut its kernel down,
  sending the XSRF token of its ``_xsrf`` cookie. Voila never set that cookie on a page rendered by a
  ready kernel, so the request was refused and the kernel kept running; :class:`DashboardHandler`
  sets it.
- **Culling that spares ready kernels and pages still loading.** jupyter_server's culler
  (``--MappingKernelManager.cull_idle_timeout``) shuts down kernels idle that long with no page
  connected: the kernels of pages that were lost rather than closed (a crashed browser, a phone that
  dropped the page, a lost connection, which the server notices when the websocket closes or stops
  answering its pings). Voila keeps the culler off ready kernels. A ready kernel may have waited
  longer than the timeout, so its idle time starts again when a page takes it, and a kernel no page
  has connected to yet is culled only after :data:`CONNECT_GRACE` as well.
- **A ready kernel's successor starts once the page has drawn.** Voila starts the successor of a
  ready kernel a page took after a fixed delay, in the middle of that page's loading on a slow
  server (where starting a kernel and running the notebook compete with the page for the
  processors). Here it waits until the page reports that it has drawn (the template's
  ``natsam-drawn.js`` posts to :class:`PageDrawnHandler`), at most ``refill_timeout`` seconds, and
  starts at once when another viewer takes it from the pool (that viewer is waiting for it).
- **A clean 404** for template file paths that leave the template's ``static`` folder
  (:class:`TemplateFileHandler`; Voila's own handler fails on them with an error).

Examples
--------
>>> manager = DashboardKernelManager(max_kernels=20)
>>> manager.kernel_limit_reached()
False
"""

from __future__ import annotations

import asyncio
import os
import weakref
from datetime import timedelta
from typing import Any

import tornado.web
from jupyter_server._tz import utcnow
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from traitlets import Float, Integer, TraitError
from voila.app import Voila
from voila.static_file_handler import TemplateStaticFileHandler
from voila.tornado.handler import TornadoVoilaHandler

#: Seconds a viewer who got the busy page is asked to wait before trying again (``Retry-After``).
BUSY_RETRY_AFTER = 30
#: Seconds a page has to connect to the kernel it was given before that kernel may be culled, however
#: short the idle timeout (a page needs a few seconds to load, more on a busy server).
CONNECT_GRACE = 60
#: The busy page, a file of the ``natsam`` template (rendered by Voila's template environment).
BUSY_TEMPLATE = "busy.html"
#: Seconds the successor of a ready kernel a page took waits at most for that page to report that
#: it has drawn (a page that never reports: closed early, scripts off).
REFILL_TIMEOUT = 10.0
#: Seconds between two looks at whether a waiting successor has been taken by a viewer.
REFILL_POLL = 0.05
#: Where a page reports that it has drawn (``POST``, with ``kernel_id``), below the server's base URL.
PAGE_DRAWN_PATH = "natsam/drawn"


class KernelLimitReached(Exception):
    """No kernel may be started for a viewer: ``max_kernels`` viewers' kernels are running."""


class DashboardKernelManager(AsyncMappingKernelManager):
    """jupyter_server's kernel manager, with a limit on the kernels viewers hold.

    Voila builds its preheating kernel manager on this class, so the ready kernels (Voila's pools)
    are visible here: a kernel started for a pool is remembered with the pool's task, and counts as
    a viewer's kernel once that task has left the pool (a page took it).
    """

    max_kernels = Integer(
        0, config=True,
        help="The most kernels viewers may hold at once (0: no limit). Ready kernels waiting in "
             "Voila's pools are not counted; a request beyond the limit gets the busy page.",
    )

    refill_timeout = Float(
        REFILL_TIMEOUT, config=True,
        help="Seconds the successor of a ready kernel a page took waits at most for that page to "
             "report that it has drawn before it starts (at once when another viewer takes it).",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._drawn: dict[str, asyncio.Event] = {}  # notebook -> set when one of its pages has drawn
        self._starting: set[str] = set()
        self._pool_kernel: weakref.WeakKeyDictionary[asyncio.Task, str] = weakref.WeakKeyDictionary()
        self._seen_pool_tasks: weakref.WeakSet[asyncio.Task] = weakref.WeakSet()
        self._waiting_at_last_cull: set[str] = set()
        self._connected: set[str] = set()  # kernels a page has connected to

    def pool_tasks(self) -> list[asyncio.Task]:
        """The tasks in Voila's pools (notebook -> [task]), each a ready kernel or one being made ready.

        Every task seen here is remembered: a page takes one by removing it from its pool right
        after the limit was checked (which looked here), possibly before its kernel has started.
        """
        tasks = [task for pool in getattr(self, "_pools", {}).values() for task in pool]
        self._seen_pool_tasks.update(tasks)
        return tasks

    def waiting_kernels(self) -> set[str]:
        """Ids of the kernels ready (or being started) in Voila's pools, which no page has taken yet."""
        return {self._pool_kernel[task] for task in self.pool_tasks() if task in self._pool_kernel}

    def viewer_kernels(self) -> set[str]:
        """Ids of the kernels running or starting for viewers (every kernel not waiting in a pool)."""
        return (set(self.list_kernel_ids()) | self._starting) - self.waiting_kernels()

    def viewer_kernel_count(self) -> int:
        """The kernels viewers hold: :meth:`viewer_kernels`, and the pool tasks pages have taken whose
        kernels have not started yet (a page that came while its dashboard's ready kernel was being
        replaced waits for that kernel)."""
        in_pools = set(self.pool_tasks())
        taken = [task for task in self._seen_pool_tasks
                 if task not in in_pools and not task.done() and task not in self._pool_kernel]
        return len(self.viewer_kernels()) + len(taken)

    def kernel_limit_reached(self) -> bool:
        """Whether ``max_kernels`` viewers' kernels are running (never, without a limit)."""
        return self.max_kernels > 0 and self.viewer_kernel_count() >= self.max_kernels

    async def start_kernel(self, *, kernel_id: str | None = None, path: str | None = None,  # type: ignore[override]
                           **kwargs: Any) -> str:
        """Start a kernel; raise :class:`KernelLimitReached` for a viewer's kernel beyond the limit.

        Kernels for Voila's pools (started with ``VOILA_PREHEAT=True`` in their environment) are
        always started; the limit applies when a page takes them.
        """
        env = kwargs.get("env") or {}
        for_pool = env.get("VOILA_PREHEAT") == "True"
        if for_pool and "VOILA_REQUEST_URL" in env:  # the successor of a ready kernel a page took
            await self.wait_for_page_drawn()
        if not for_pool and self.kernel_limit_reached():
            raise KernelLimitReached(f"{self.max_kernels} viewers' kernels are running")
        kernel_id = kernel_id or self.new_kernel_id(**kwargs)
        task = asyncio.current_task()
        if for_pool and task is not None:
            self._pool_kernel[task] = kernel_id  # the pool's task, until a page takes it
        self._starting.add(kernel_id)  # counted from now, not only once it runs
        try:
            return await super().start_kernel(kernel_id=kernel_id, path=path, **kwargs)
        finally:
            self._starting.discard(kernel_id)

    def _pool_of(self, task: asyncio.Task | None) -> str | None:
        """The notebook in whose pool ``task`` waits, ``None`` once a page has taken it."""
        return next((notebook for notebook, pool in getattr(self, "_pools", {}).items() if task in pool), None)

    async def wait_for_page_drawn(self) -> None:
        """Wait until a page of this pool's notebook has drawn (:meth:`page_drawn`), a viewer has
        taken this pool task (it waits for the kernel), or ``refill_timeout`` seconds have passed."""
        task = asyncio.current_task()
        notebook = self._pool_of(task)
        if notebook is None:
            return
        drawn = self._drawn.setdefault(notebook, asyncio.Event())
        deadline = asyncio.get_running_loop().time() + self.refill_timeout
        try:
            while self._pool_of(task) is not None and not drawn.is_set():
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    break
                try:
                    await asyncio.wait_for(drawn.wait(), min(REFILL_POLL, left))
                except asyncio.TimeoutError:
                    pass
        finally:
            if self._drawn.get(notebook) is drawn:
                del self._drawn[notebook]

    def page_drawn(self, kernel_id: str) -> bool:
        """A page with ``kernel_id`` has drawn: the successor waiting for it may start. Whether the
        kernel is one of this server's (a kernel started for the page rather than taken from a pool
        has no successor: nothing waits for it)."""
        if kernel_id not in self:
            return False
        notebook = getattr(self, "_get_notebook_from_kernel", lambda _: None)(kernel_id)
        if notebook in self._drawn:
            self._drawn[notebook].set()
        return True

    def notify_connect(self, kernel_id: str) -> None:
        super().notify_connect(kernel_id)
        self._connected.add(kernel_id)

    async def cull_kernels(self) -> None:
        """Cull idle kernels; a kernel a page took since the last round counts as active now."""
        waiting = self.waiting_kernels()
        now = utcnow()
        for kernel_id in self._waiting_at_last_cull - waiting:
            if kernel_id in self:
                self.get_kernel(kernel_id).last_activity = now
        self._waiting_at_last_cull = waiting
        self._connected &= set(self.list_kernel_ids())
        await super().cull_kernels()

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        """Cull the kernel if idle; one no page has connected to yet only after :data:`CONNECT_GRACE`
        as well, and never one still starting (it has no last activity yet)."""
        if kernel_id not in self._connected and kernel_id in self:
            try:
                last_activity = self.get_kernel(kernel_id).last_activity
            except TraitError:  # still starting (under load, starts take seconds)
                return
            if utcnow() - last_activity < timedelta(seconds=CONNECT_GRACE):
                return
        await super().cull_kernel_if_idle(kernel_id)


class DashboardHandler(TornadoVoilaHandler):
    """Voila's dashboard page, or the busy page when the kernel limit is reached."""

    @tornado.web.authenticated
    async def get(self, path: str | None = None) -> None:
        manager = self.kernel_manager
        if isinstance(manager, DashboardKernelManager) and manager.kernel_limit_reached():
            self.write_busy_page(path)
            return
        # A closed page asks Voila to shut its kernel down, with the XSRF token of the ``_xsrf`` cookie.
        # A page from a ready kernel was rendered before its request, so Voila never set that cookie
        # and the request was refused (403): the kernels of closed pages kept running.
        self.xsrf_token  # sets the cookie  # noqa: B018
        try:
            await super().get(path)
        except KernelLimitReached:  # the limit was reached while this page was being prepared
            self.write_busy_page(path)

    def write_busy_page(self, path: str | None) -> None:
        """Answer with the busy page: 503, ``Retry-After``, never cached."""
        self.log.warning("Kernel limit reached (%s viewers' kernels): busy page for %s",
                         getattr(self.kernel_manager, "max_kernels", "?"), path)
        self.clear()
        self.set_status(503)
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Retry-After", str(BUSY_RETRY_AFTER))
        self.set_header("Cache-Control", "no-store")
        self.finish(self.render_template(BUSY_TEMPLATE, retry_after=BUSY_RETRY_AFTER))


class PageDrawnHandler(JupyterHandler):
    """``POST <base>/natsam/drawn?kernel_id=...``: a dashboard page has drawn (the template's
    ``natsam-drawn.js``), so the successor of the ready kernel it took may start. 204; 404 for a
    kernel the server does not run. Like every ``POST``, it needs the page's XSRF token."""

    @tornado.web.authenticated
    def post(self) -> None:
        manager = self.kernel_manager
        kernel_id = self.get_argument("kernel_id")
        if not isinstance(manager, DashboardKernelManager) or not manager.page_drawn(kernel_id):
            raise tornado.web.HTTPError(404)
        self.set_status(204)
        self.finish()


class TemplateFileHandler(TemplateStaticFileHandler):
    """Voila's template files (``/voila/templates/<template>/static/<file>``); any other path is a 404.

    Voila's own handler answers a path that leaves ``static`` (``natsam/static/../conf.json``) with
    an internal error and a traceback in the log; it serves nothing either way.
    """

    def parse_url_path(self, url_path: str) -> str:
        parts = os.path.normpath(url_path).split(os.sep)
        if len(parts) < 3 or parts[1] != "static" or ".." in parts:
            raise tornado.web.HTTPError(404)
        return super().parse_url_path(url_path)


class DashboardVoila(Voila):
    """Voila, with :class:`DashboardHandler` serving the dashboards (``/voila/render/...``),
    :class:`TemplateFileHandler` the template's files and :class:`PageDrawnHandler` the pages' reports."""

    #: Voila's handlers and what replaces them.
    handler_classes = {TornadoVoilaHandler: DashboardHandler, TemplateStaticFileHandler: TemplateFileHandler}

    def init_handlers(self) -> list:
        handlers = [(rule[0], self.handler_classes.get(rule[1], rule[1]), *rule[2:]) for rule in super().init_handlers()]
        # first: a single notebook's server ends with a catch-all rule
        return [(url_path_join(self.server_url, PAGE_DRAWN_PATH), PageDrawnHandler), *handlers]


main = DashboardVoila.launch_instance

if __name__ == "__main__":
    # Run the module's own classes, the ones the configuration names (not copies made in __main__).
    from natsam_analysis.dashboard.voila_app import main as voila_main

    voila_main()
