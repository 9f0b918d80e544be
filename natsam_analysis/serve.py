"""Serve the Voila dashboards: data made ready up front, a local-only template, a clear port check.

The dashboards are served by Voila with sources stripped, without tracebacks for viewers and with
the ``natsam`` template: Voila's ``lab`` template minus its links to a CDN, so a dashboard makes no
request off its own host. The template ships inside the package
(``natsam_analysis/dashboard/share/voila/templates/natsam``) and is found by Voila through the
``JUPYTER_PATH`` of the Voila process. Voila runs as :mod:`natsam_analysis.dashboard.voila_app`:
at most ``--max-kernels`` viewers at once (the next gets a page asking them to try again shortly),
and the kernels of closed and lost pages shut down (see ``docs/deploy.md``).

The site opens on a start page that links every dashboard (:mod:`natsam_analysis.dashboard.site`):
Voila shows a served folder's page at ``/`` (and ``/voila/tree``) with its template's ``tree-lab.html``
and needs no kernel for it. :func:`prepare_start_page` renders the page into a template folder of
its own under the data directory's cache, which :func:`voila_environment` puts first on
``JUPYTER_PATH``, so that it overrides Voila's list of files and nothing else.

Examples
--------
>>> dashboard_url("127.0.0.1", 8866)
'http://127.0.0.1:8866/voila/render/kommunprofil.ipynb'
>>> start_page_url("127.0.0.1", 8866)
'http://127.0.0.1:8866/'
>>> voila_command(Path("dashboards"), "127.0.0.1", 8866)[3:5]
['dashboards', '--Voila.ip=127.0.0.1']
>>> with VoilaServer(Path("dashboards"), port=free_port()) as server:   # doctest: +SKIP
...     server.url("kommunprofil.ipynb")
'http://127.0.0.1:41234/voila/render/kommunprofil.ipynb'
"""

from __future__ import annotations

import errno
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

from natsam_analysis import config, geography
from natsam_analysis.errors import NatsamError
from natsam_analysis.i18n import demo_note
from natsam_analysis.panel import is_synthetic, load_panel, source_line
from natsam_analysis.sources import demo
from natsam_analysis.store import atomic_write_text
from natsam_analysis.stored import has_fetched_panel

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
#: The Voila template of the dashboards (see the module docstring).
TEMPLATE = "natsam"
#: The dashboard a viewer is sent to first.
START_DASHBOARD = "kommunprofil.ipynb"
#: Kernels kept ready per dashboard, each having run its notebook already (Voila's preheated
#: kernels): a viewer gets a finished page instead of waiting for a kernel to start and run it.
DEFAULT_POOL_SIZE = 1
#: Voila's own delay before the successor of a ready kernel a viewer took is started (its default: 1 s).
#: None: the successor waits instead until that viewer's page has drawn (at most
#: ``voila_app.REFILL_TIMEOUT`` seconds; see :mod:`natsam_analysis.dashboard.voila_app`), since
#: starting a kernel and running a notebook would compete with the page while it loads. A viewer who
#: comes meanwhile takes the successor and waits for it; serve many viewers with a larger pool
#: (``natsam serve --pool-size``).
POOL_FILL_DELAY = 0
#: JupyterLab extensions a dashboard page does not load: the dashboards draw their figures with
#: the template's partial plotly.js, so jupyterlab-plotly's full 4.8 MB bundle is not needed, and
#: they show no code, so no syntax-highlighting theme.
EXTENSION_DENYLIST = ("jupyterlab-plotly", "jupyterlab_pygments")
#: The kernel websocket connection: jupyter_server's, with small messages sent at once (see the module).
KERNEL_CONNECTION = "natsam_analysis.dashboard.kernel_socket.NoDelayKernelConnection"
#: The Voila application: Voila with a limit on the viewers' kernels and a busy page beyond it.
VOILA_APP = "natsam_analysis.dashboard.voila_app"
#: Its kernel manager, which counts the viewers' kernels (see :mod:`natsam_analysis.dashboard.voila_app`).
KERNEL_MANAGER = f"{VOILA_APP}.DashboardKernelManager"
#: The most kernels viewers may hold at once (``natsam serve --max-kernels``), unless the machine's
#: memory holds fewer (:func:`default_max_kernels`). A viewer beyond it gets the busy page at once.
DEFAULT_MAX_KERNELS = 20
#: Memory a viewer's kernel holds, in MB: 170-320 MB resident once its dashboard has run, 230-300 MB
#: per kernel added by a burst of viewers, 150-190 MB of it its own (``benchmarks/load_test.py``).
KERNEL_MEMORY_MB = 300
#: Share of the machine's memory the default kernel limit lets the kernels use.
KERNEL_MEMORY_SHARE = 0.75
#: Seconds a kernel may be idle with no page connected before it is shut down (culled): the kernel of
#: a page that was lost without closing (a crashed browser, a dropped connection). A page that is
#: closed normally has its kernel shut down at once; a page that is open keeps its kernel.
CULL_IDLE_TIMEOUT = 300
#: Seconds between two looks for such kernels.
CULL_INTERVAL = 60
#: Seconds Voila waits for a cell's output once the kernel has run the cell. Normally the output is
#: there at once; when many kernels start together on an overloaded server it can come much later,
#: and nbclient's default (4 s) then drops it, and with it the dashboard: the viewer gets a page
#: without one (seen in ``benchmarks/load_test.py`` with 20 viewers at once on 2 busy cores).
IOPUB_TIMEOUT = 120


def template_root() -> Path:
    """The Jupyter data folder holding ``voila/templates/natsam``; prepend it to ``JUPYTER_PATH``."""
    return Path(__file__).resolve().parent / "dashboard" / "share"


def dashboard_url(host: str, port: int, notebook: str = START_DASHBOARD) -> str:
    """The address of a dashboard served on ``host:port`` (IPv6 hosts in brackets).

    Examples
    --------
    >>> dashboard_url("::1", 8870, "oversikt.ipynb")
    'http://[::1]:8870/voila/render/oversikt.ipynb'
    """
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/voila/render/{notebook}"


def start_page_url(host: str, port: int) -> str:
    """The address of the start page served on ``host:port`` (IPv6 hosts in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


def check_dashboards(folder: Path | None = None) -> Path:
    """Return the dashboards folder (default: the project's) resolved, or raise if it has no notebook."""
    folder = Path(folder or config.dashboards_dir()).expanduser().resolve()
    if not folder.is_dir() or not any(folder.glob("*.ipynb")):
        raise NatsamError(
            f"{folder}: no dashboard notebooks (*.ipynb) to serve. Run from a complete checkout of the "
            "project, or point --dashboards at a folder of dashboard notebooks."
        )
    return folder


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port on ``host`` that is free right now (chosen by the operating system)."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def check_port(host: str, port: int, *, command: str = "natsam serve", default_port: int = DEFAULT_PORT) -> None:
    """Raise a ``NatsamError`` unless a server can listen on ``host:port`` right now.

    The check binds a socket to every address ``host`` resolves to, the way the server will (with
    ``SO_REUSEADDR``, so a port left in TIME_WAIT by a stopped server still counts as free).
    ``command`` and ``default_port`` go into the suggestion of the message.

    Examples
    --------
    >>> check_port("127.0.0.1", 0)
    Traceback (most recent call last):
    ...
    natsam_analysis.errors.NatsamError: Port 0 is not a usable port: choose one from 1024 to 65535, e.g. --port 8866.
    """
    if not 1 <= port <= 65535:
        raise NatsamError(f"Port {port} is not a usable port: choose one from 1024 to 65535, e.g. --port {default_port}.")
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise NatsamError(f"Host {host!r} is not a known address ({exc.strerror}); use e.g. --host {DEFAULT_HOST}.") from None
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise NatsamError(
                        f"Port {port} on {host} is already in use (perhaps by a server started earlier). "
                        f"Stop that server or choose another port, e.g. {command} --port {port + 1}."
                    ) from None
                raise NatsamError(
                    f"Cannot listen on {host}:{port}: {exc.strerror}. Choose another --host or --port "
                    "(ports below 1024 need administrator rights)."
                ) from None


def start_page_root() -> Path:
    """The Jupyter data folder that holds the rendered start page (``voila/templates/natsam/tree-lab.html``)."""
    return config.cache_dir() / "site"


def prepare_start_page(folder: Path | None = None) -> Path:
    """Render the start page for the dashboards in ``folder`` (default: the project's) into
    :func:`start_page_root`, where Voila finds it; return the page's template file.

    The page links every dashboard, shows its thumbnail and marks the ones that show synthetic
    data; its footer names the indicator panel's source. Links resolve against Voila's base URL,
    which the template fills in, so the page works at ``/`` and at ``/voila/tree`` alike.
    """
    from natsam_analysis.dashboard import site  # the dashboards' widgets: loaded only to serve them

    folder = check_dashboards(folder)
    cards = site.folder_cards(folder, href=lambda name: f"voila/render/{name}",
                              image=lambda entry: f"voila/templates/{TEMPLATE}/static/{entry.thumbnail}")
    provenance = site.served_provenance("panel")
    notice = {lang: demo_note(lang) for lang in config.LANGUAGES} if any(card.badge for card in cards) else None
    page = site.start_page_html(
        cards, notice=notice, source={lang: source_line(provenance, lang) for lang in config.LANGUAGES},
        base_href="{% endraw %}{{ base_url }}{% raw %}")
    template = "{% raw %}" + page + "{% endraw %}"
    folder_out = start_page_root() / "voila" / "templates" / TEMPLATE
    for name in ("tree.html", "tree-lab.html"):  # Voila's classic and default folder page
        atomic_write_text(folder_out / name, template)
    return folder_out / "tree-lab.html"


def prepare_data() -> str:
    """Make the data the dashboards read first ready, so the first viewer does not wait for it.

    Generates the synthetic demo panel when there is no fetched Kolada data and the demo is missing
    or out of date, and builds the cached municipality table and GeoJSON when missing.

    Returns
    -------
    str
        The panel the dashboards will show: ``"kolada"`` (fetched data) or ``"demo"`` (synthetic).
    """
    source = "kolada" if has_fetched_panel() else "demo"
    if source == "demo":
        demo.ensure_demo()
    geography.municipalities()
    geography.municipality_geojson()
    return source


def prepare_index() -> None:
    """Build the published index and its rank uncertainty once, so the index explorer starts at once.

    The result is cached under the data directory (see
    :func:`natsam_analysis.dashboard.indexutforskaren.explorer_inputs`); with a current cache this
    only reads it. Raises :class:`~natsam_analysis.errors.NatsamError` when the index cannot be built
    on the panel (e.g. fetched data without one of its indicators).
    """
    from natsam_analysis.composite import load_spec
    from natsam_analysis.composite.published import published_spec_path
    from natsam_analysis.dashboard.indexutforskaren import explorer_inputs

    explorer_inputs(load_spec(published_spec_path()), load_panel())


def ready_kernels(folder: Path, pool_size: int = DEFAULT_POOL_SIZE) -> int:
    """How many kernels Voila keeps ready for the notebooks in ``folder``: ``pool_size`` per notebook."""
    notebooks = [p for p in Path(folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return max(pool_size, 0) * len(notebooks)


def physical_memory() -> int | None:
    """This machine's memory in bytes, ``None`` where the system does not say."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def default_max_kernels(ready: int = 0, memory: int | None = None) -> int:
    """The default limit on viewers' kernels: :data:`DEFAULT_MAX_KERNELS`, or fewer on a small machine.

    At most :data:`KERNEL_MEMORY_SHARE` of ``memory`` (default: :func:`physical_memory`) goes to
    kernels of :data:`KERNEL_MEMORY_MB` each, the ``ready`` kernels (:func:`ready_kernels`) first;
    the limit is at least 1.

    Examples
    --------
    >>> default_max_kernels(ready=6, memory=32 * 2**30)
    20
    >>> default_max_kernels(ready=6, memory=4 * 2**30)
    4
    """
    memory = physical_memory() if memory is None else memory
    if not memory:
        return DEFAULT_MAX_KERNELS
    fit = int(memory * KERNEL_MEMORY_SHARE / (KERNEL_MEMORY_MB * 2**20)) - ready
    return max(1, min(DEFAULT_MAX_KERNELS, fit))


def voila_command(folder: Path, host: str, port: int, *, open_browser: bool = False,
                  pool_size: int = DEFAULT_POOL_SIZE, max_kernels: int | None = None,
                  cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> list[str]:
    """The command line that runs Voila on the dashboards in ``folder``.

    Sources are stripped, tracebacks hidden from viewers, the ``natsam`` template used, and Voila
    may not move to another port when ``port`` is taken (its default is to try 50 others).
    ``pool_size`` kernels per dashboard are kept ready, each having run its notebook (0: none, every
    viewer waits for a kernel to start and run the notebook). jupyterlab-plotly is not loaded
    (see :data:`EXTENSION_DENYLIST`).

    Voila runs as :mod:`natsam_analysis.dashboard.voila_app`: at most ``max_kernels`` kernels are
    held by viewers at once (default: :func:`default_max_kernels`; 0: no limit), and a viewer beyond
    that gets the busy page. A kernel idle for ``cull_idle_timeout`` seconds with no page connected
    is shut down, looked for every ``cull_interval`` seconds (``cull_idle_timeout`` 0: never); ready
    kernels are not.
    """
    if max_kernels is None:
        max_kernels = default_max_kernels(ready_kernels(folder, pool_size))
    command = [
        sys.executable, "-m", VOILA_APP, str(folder),
        f"--Voila.ip={host}",
        f"--Voila.port={port}",
        "--Voila.port_retries=0",
        f"--VoilaConfiguration.template={TEMPLATE}",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        *(f"--VoilaConfiguration.extension_denylist={name}" for name in EXTENSION_DENYLIST),
        f"--Voila.kernel_websocket_connection_class={KERNEL_CONNECTION}",
        f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}",
        f"--DashboardKernelManager.max_kernels={max_kernels}",
        f"--MappingKernelManager.cull_idle_timeout={cull_idle_timeout}",
        f"--MappingKernelManager.cull_interval={cull_interval}",
        "--MappingKernelManager.cull_connected=False",
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT}",
    ]
    if pool_size > 0:
        command += ["--VoilaConfiguration.preheat_kernel=True", f"--VoilaConfiguration.default_pool_size={pool_size}",
                    f"--VoilaKernelManager.fill_delay={POOL_FILL_DELAY}"]
    if not open_browser:
        command.append("--no-browser")
    return command


def voila_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the start page's and the template's
    folders first on ``JUPYTER_PATH`` (see :func:`prepare_start_page`)."""
    env = dict(os.environ if base is None else base)
    paths = [str(start_page_root()), str(template_root())]
    paths += [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    return env


def run_foreground(command: list[str], env: Mapping[str, str]) -> int:
    """Run ``command`` with ``env`` in the foreground until it stops; return its exit status.

    On POSIX systems this process becomes the server (``exec``), so Ctrl-C and signals reach it
    directly; elsewhere it runs as a child process.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(command[0], command, env)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130


def run_voila(folder: Path, host: str, port: int, *, open_browser: bool = False,
              pool_size: int = DEFAULT_POOL_SIZE, max_kernels: int | None = None,
              cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> int:
    """Run Voila on ``folder`` in the foreground until it stops; return its exit status (see :func:`run_foreground`).

    The options are :func:`voila_command`'s.
    """
    command = voila_command(folder, host, port, open_browser=open_browser, pool_size=pool_size,
                            max_kernels=max_kernels, cull_idle_timeout=cull_idle_timeout, cull_interval=cull_interval)
    return run_foreground(command, voila_environment())


class BackgroundServer:
    """A server process in the background, for tests and benchmarks; subclasses give its command.

    Use it as a context manager: on entry the port is checked and the server started and waited
    for, on exit it is stopped (with its kernels).

    Parameters
    ----------
    host, port
        Where to listen (see :func:`free_port` for a port nobody uses).
    log_path
        File that receives the server's output (default: discarded).
    startup_timeout
        Seconds to wait for the server to accept connections.
    """

    #: The server's name in messages.
    name = "The server"

    def __init__(self, *, host: str, port: int, log_path: Path | None = None, startup_timeout: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.log_path = Path(log_path) if log_path else None
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def command(self) -> list[str]:
        """The command line that starts the server."""
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        """The server's environment (default: this process's)."""
        return dict(os.environ)

    def check_port(self) -> None:
        """Raise a ``NatsamError`` unless the server can listen on its port (see :func:`check_port`)."""
        check_port(self.host, self.port)

    def start(self) -> Self:
        """Start the server and wait until it accepts connections; raise a ``NatsamError`` if it cannot."""
        self.check_port()
        self._log = open(self.log_path, "wb") if self.log_path else None
        self._process = subprocess.Popen(
            self.command(), env=self.environment(),
            stdin=subprocess.DEVNULL, stdout=self._log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_until_up(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise NatsamError(f"{self.name} stopped with status {self._process.returncode} while starting; "
                                  f"see {self.log_path or 'its output'}.")
            try:
                with socket.create_connection((self.host, self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise NatsamError(f"{self.name} did not start on {self.host}:{self.port} within {self.startup_timeout:.0f} s.")

    def stop(self) -> None:
        """Stop the server (it shuts its kernels down) and close the log."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class VoilaServer(BackgroundServer):
    """Voila on ``folder`` as a background process, started exactly as ``natsam serve`` starts it.

    Meant for tests and benchmarks: use it as a context manager; on entry the port is checked and
    the server started and waited for, on exit it is stopped (with its kernels).

    Parameters
    ----------
    folder
        Folder of dashboard notebooks.
    host, port
        Where to listen (see :func:`free_port` for a port nobody uses).
    log_path
        File that receives Voila's output (default: discarded).
    pool_size
        Kernels kept ready per dashboard (see :func:`voila_command`).
    startup_timeout
        Seconds to wait for the server to accept connections.
    max_kernels, cull_idle_timeout, cull_interval
        The limit on viewers' kernels and the culling of lost pages' kernels (see :func:`voila_command`).

    Examples
    --------
    >>> with VoilaServer(config.dashboards_dir(), port=free_port()) as server:   # doctest: +SKIP
    ...     html = urllib.request.urlopen(server.url()).read()
    """

    name = "Voila"

    def __init__(self, folder: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 log_path: Path | None = None, startup_timeout: float = 60.0,
                 pool_size: int = DEFAULT_POOL_SIZE, max_kernels: int | None = None,
                 cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> None:
        super().__init__(host=host, port=port, log_path=log_path, startup_timeout=startup_timeout)
        self.folder = Path(folder)
        self.pool_size = pool_size
        self.limits = {"max_kernels": max_kernels, "cull_idle_timeout": cull_idle_timeout,
                       "cull_interval": cull_interval}

    def url(self, notebook: str = START_DASHBOARD) -> str:
        """The address of ``notebook`` on this server."""
        return dashboard_url(self.host, self.port, notebook)

    def command(self) -> list[str]:
        """The command line of ``natsam serve`` (see :func:`voila_command`)."""
        return voila_command(self.folder, self.host, self.port, pool_size=self.pool_size, **self.limits)

    @property
    def pid(self) -> int | None:
        """The process id of the running server (``None`` when it is not running)."""
        return None if self._process is None else self._process.pid

    def environment(self) -> dict[str, str]:
        """This process's environment with the template folder on ``JUPYTER_PATH``."""
        return voila_environment()
